"""vosk (Kaldi) with vosk-model-small-cn-0.22: characters with word times.

One `vosk.Model` per process; one `KaldiRecognizer` per counter side, fed only speech.
Partial results are kept on the stream (`partial`) so a live caller can act before a
segment ends.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .. import models
from ..errors import ModelError
from ..records import Utterance, Voiced, Word
from ..sources import SAMPLE_RATE
from . import Engine, Stream


@dataclass
class VoskOptions:
    """How the vosk model is run."""

    model: str = models.VOSK_CN  # installed model name
    partial_words: bool = True  # word times in partial results too


class VoskEngine(Engine):
    name = "vosk"

    def __init__(self, options: VoskOptions | None = None):
        import vosk

        self.options = options or VoskOptions()
        folder = models.locate(self.options.model)
        vosk.SetLogLevel(-1)
        try:
            self.model = vosk.Model(str(folder))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelError(f"{folder}: vosk cannot load {self.options.model} ({exc}); "
                             f"reinstall it: {models.install_hint(self.options.model)}") from None
        self._vosk = vosk

    def stream(self, role: str) -> Stream:
        return VoskStream(self, role)

    def describe(self) -> dict:
        return {"engine": self.name, "model": self.options.model}


class VoskStream(Stream):
    def __init__(self, engine: VoskEngine, role: str):
        self.engine = engine
        self.role = role
        self.partial = ""  # what has been heard of the current segment so far
        self._recognizer = None
        self._origin = 0.0
        self._words: list[Word] = []

    def feed(self, voiced: Voiced) -> list[Utterance]:
        if self._recognizer is None:
            self._recognizer = self.engine._vosk.KaldiRecognizer(self.engine.model, SAMPLE_RATE)
            self._recognizer.SetWords(True)
            self._recognizer.SetPartialWords(self.engine.options.partial_words)
            self._origin = voiced.segment_start
            self._words = []
            self.partial = ""
        pcm = (np.clip(voiced.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        if self._recognizer.AcceptWaveform(pcm):
            self._take(json.loads(self._recognizer.Result()))
        else:
            self.partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        if not voiced.final:
            return []
        self._take(json.loads(self._recognizer.FinalResult()))
        self._recognizer = None
        self.partial = ""
        if not self._words:
            return []
        return [Utterance(start=self._words[0].start, end=self._words[-1].end, role=self.role,
                          text="".join(w.text for w in self._words), words=tuple(self._words),
                          dbfs=voiced.dbfs, heard_by=self.engine.name)]

    def _take(self, result: dict) -> None:
        for word in result.get("result", []):
            self._words.append(Word(word["word"], round(self._origin + word["start"], 3),
                                    round(self._origin + word["end"], 3)))
