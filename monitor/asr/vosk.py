"""vosk (Kaldi) with vosk-model-small-cn-0.22: characters with word times.

One `vosk.Model` per process; one `KaldiRecognizer` per counter side, fed only speech.
`partial()` gives what has been heard of a segment so far (vosk's `PartialResult`, with
word times) so a live caller can act before the segment ends.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from .. import models
from ..errors import ModelError
from ..records import Utterance, Voiced, Word
from ..sources import SAMPLE_RATE
from .engine import Engine, Stream


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
            if type(exc) is not Exception:  # anything more specific is a real bug: surface it
                raise
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
        self._recognizer = None
        self._origin = 0.0
        self._words: list[Word] = []
        self._partial: list[Word] = []  # words of the current result, not yet final
        self._told: tuple[str, ...] = ()

    def feed(self, voiced: Voiced) -> list[Utterance]:
        if self._recognizer is None:
            self._recognizer = self.engine._vosk.KaldiRecognizer(self.engine.model, SAMPLE_RATE)
            self._recognizer.SetWords(True)
            self._recognizer.SetPartialWords(self.engine.options.partial_words)
            self._origin = voiced.segment_start
            self._words, self._partial, self._told = [], [], ()
        pcm = (np.clip(voiced.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        if self._recognizer.AcceptWaveform(pcm):
            self._words += self._timed(json.loads(self._recognizer.Result()).get("result", []))
            self._partial = []
        else:
            self._partial = self._timed(json.loads(self._recognizer.PartialResult())
                                        .get("partial_result", []))
        if not voiced.final:
            return []
        self._words += self._timed(json.loads(self._recognizer.FinalResult()).get("result", []))
        self._recognizer = None
        utterance = self._utterance(self._words, voiced.dbfs)
        return [utterance] if utterance else []

    def partial(self) -> Utterance | None:
        """Final results of the segment so far and the recogniser's current guess (which
        vosk may still revise: the live session holds its judgement to the final one)."""
        if self._recognizer is None:
            return None
        words = self._words + self._partial
        heard = tuple(w.text for w in words)
        if heard == self._told:
            return None
        self._told = heard
        utterance = self._utterance(words, None)
        return replace(utterance, partial=True) if utterance else None

    def _utterance(self, words: list[Word], dbfs: float | None) -> Utterance | None:
        if not words:
            return None
        return Utterance(start=words[0].start, end=words[-1].end, role=self.role,
                         text="".join(w.text for w in words), words=tuple(words),
                         dbfs=dbfs, heard_by=self.engine.name)

    def _timed(self, result: list[dict]) -> list[Word]:
        return [Word(word["word"], round(self._origin + word["start"], 3),
                     round(self._origin + word["end"], 3)) for word in result]
