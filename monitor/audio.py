"""The audio side of the pipeline: chunks -> voice activity -> recogniser -> utterances.

A `Transcriber` serves one counter (both sides); the same class runs behind
`courtesy transcribe`, `courtesy score AUDIO` and `courtesy listen`, so a recording
replays exactly what the live monitor would have heard.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from . import sources
from .asr.engine import Engine
from .crosstalk import CrossTalk, CrossTalkOptions
from .records import AudioChunk, Session, Utterance, Voiced
from .vad import Vad, VadOptions


class Transcriber:
    """Feed chunks of any side; get finished utterances; flush() at the end of the stream.

    With `partials`, each piece of speech also gives what has been heard so far of the
    segment (`Utterance.partial`, when it changed): the live path judges it at once. A
    segment that ends without words after a partial result gives an empty partial one, so
    nothing is left judged as still being said. What only leaked in from the other side's
    microphone is dropped (`crosstalk`)."""

    def __init__(self, engine: Engine, vad_options: VadOptions | None = None,
                 on_speech: Callable[[str, float], None] | None = None, partials: bool = False,
                 crosstalk: CrossTalkOptions | None = None):
        """`on_speech(role, start)` hears when a speech segment begins (before its words)."""
        self.engine = engine
        self.vad_options = vad_options or VadOptions()
        self.on_speech = on_speech
        self.partials = partials
        self.crosstalk = CrossTalk(crosstalk)
        self._vads: dict[str, Vad] = {}
        self._streams = {}
        self._told: set[str] = set()  # sides whose segment has given a partial result
        self.leaked = 0  # utterances dropped as the other side's voice

    def feed(self, chunk: AudioChunk) -> list[Utterance]:
        vad = self._vads.get(chunk.role)
        if vad is None:
            vad = self._vads[chunk.role] = Vad(chunk.role, self.vad_options)
            self._streams[chunk.role] = self.engine.stream(chunk.role)
        self.crosstalk.listen(chunk)
        utterances = []
        for piece in vad.feed(chunk):
            if self.on_speech and piece.start == piece.segment_start:
                self.on_speech(chunk.role, piece.start)
            utterances += self._hear(piece)
        return utterances

    def _hear(self, piece: Voiced) -> list[Utterance]:
        stream = self._streams[piece.role]
        heard = self._own(stream.feed(piece))
        if not self.partials:
            return heard
        if not piece.final:
            so_far = self._own([said] if (said := stream.partial()) else [])
            if so_far:
                self._told.add(piece.role)
            return so_far
        if not heard and piece.role in self._told:  # what was heard so far came to nothing
            end = piece.start + len(piece.samples) / sources.SAMPLE_RATE
            heard = [Utterance(piece.segment_start, end, piece.role, partial=True,
                               heard_by=self.engine.name)]
        self._told.discard(piece.role)
        return heard

    def _own(self, utterances: list[Utterance]) -> list[Utterance]:
        """Each side's own speech: what only leaked in from the other side is dropped."""
        kept = [own for u in utterances if (own := self.crosstalk.own(u)) is not None]
        self.leaked += len(utterances) - len(kept)
        return kept

    def flush(self) -> list[Utterance]:
        return [u for vad in self._vads.values() for piece in vad.flush()
                for u in self._hear(piece)]

    @property
    def speech_s(self) -> float:
        """Seconds of audio the recogniser was given (the rest was silence)."""
        return sum(vad.speech_s for vad in self._vads.values())

    def describe(self) -> dict:
        return {**self.engine.describe(), "vad": asdict(self.vad_options)}


def transcribe(chunks: Iterable[AudioChunk], transcriber: Transcriber) -> list[Utterance]:
    """A whole recording's utterances, in time order."""
    utterances = [u for chunk in chunks for u in transcriber.feed(chunk)]
    utterances += transcriber.flush()
    return sorted(utterances, key=lambda u: (u.start, u.role))


def transcribe_file(path, engine: Engine, roles: tuple[str, ...] = sources.DEFAULT_CHANNELS,
                    vad_options: VadOptions | None = None) -> list[Utterance]:
    return transcribe(sources.read_file(path, roles), Transcriber(engine, vad_options))


def is_audio(path) -> bool:
    """Audio by its name (WAV/FLAC, and formats refused with a clear error), not JSONL."""
    return Path(path).suffix.lower() in sources.AUDIO_SUFFIXES + sources.OTHER_AUDIO


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def score_file(scorer, path, engine: Engine, roles: tuple[str, ...] = sources.DEFAULT_CHANNELS,
               vad_options: VadOptions | None = None, **meta) -> Session:
    """Transcribe a recording and score it; the session is keyed by the audio's sha256."""
    transcriber = Transcriber(engine, vad_options)
    utterances = transcribe(sources.read_file(path, roles), transcriber)
    session = scorer.score(utterances, source=str(path), sha256=file_sha256(path), **meta)
    session.options["audio"] = transcriber.describe()
    return session


def score_source(scorer, path, engine_name: str = "auto",
                 roles: tuple[str, ...] = sources.DEFAULT_CHANNELS, **meta) -> Session:
    """`courtesy score`: a JSONL transcript scored as it is, a recording transcribed first
    by the engine named (loaded only then, with the scorer's lexicon for its spotter)."""
    if not is_audio(path):
        return scorer.score_file(path, **meta)
    from . import asr

    return score_file(scorer, path, asr.create(engine_name, scorer.lexicon), roles, **meta)
