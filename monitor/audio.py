"""The audio side of the pipeline: chunks -> voice activity -> recogniser -> utterances.

A `Transcriber` serves one counter (both sides); the same class runs behind
`courtesy transcribe`, `courtesy score AUDIO` and `courtesy listen`, so a recording
replays exactly what the live monitor would have heard.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

from . import sources
from .asr.engine import Engine
from .crosstalk import CrossTalk, CrossTalkOptions
from .records import AudioChunk, Session, Utterance, Voiced
from .speakers import SpeakerOptions, Tracker, Turn, Voice, said_at, split
from .staffvoice import StaffLearner, learn_from
from .vad import Vad, VadOptions


class Transcriber:
    """Feed chunks of any side; get finished utterances; flush() at the end of the stream.

    With `partials`, each piece of speech also gives what has been heard so far of the
    segment (`Utterance.partial`, when it changed): the live path judges it at once. A
    segment that ends without words after a partial result gives an empty partial one, so
    nothing is left judged as still being said; a segment the engine reads a second time
    gives its first reading (partial) before the second, so a red on it need not wait for
    that decoding. What only leaked in from the other side's microphone is dropped
    (`crosstalk`).

    A `mixed` channel (one pickup, both voices) is heard as one side; each utterance is
    then cut where the speaker changes and given its role and confidence (`speakers`),
    partial ones too, so a staff taboo turns the light red while it is said."""

    def __init__(self, engine: Engine, vad_options: VadOptions | None = None,
                 on_speech: Callable[[str, float], None] | None = None, partials: bool = False,
                 crosstalk: CrossTalkOptions | None = None, voice: Voice | None = None,
                 learned: bool = False, speaker_options: SpeakerOptions | None = None,
                 learner: StaffLearner | None = None):
        """`on_speech(role, start)` hears when a speech segment begins (before its words);
        `voice` is the staff member's voice profile for a mixed channel (`learned`: a
        profile learned at the counter, which goes on learning); `learner` finds the voice
        in every visit of the day as it goes, and the tracker uses it once found."""
        self.engine = engine
        self.vad_options = vad_options or VadOptions()
        self.on_speech = on_speech
        self.partials = partials
        self.crosstalk = CrossTalk(crosstalk)
        self.speakers = Tracker(voice, learned or voice is None,
                                speaker_options or SpeakerOptions())
        self.learner = learner
        self._vads: dict[str, Vad] = {}
        self._streams = {}
        self._told: set[str] = set()  # sides whose segment has given a partial result
        self.leaked = 0  # utterances dropped as the other side's voice

    def feed(self, chunk: AudioChunk) -> Iterator[Utterance]:
        """The utterances a chunk completes, each given as soon as it is heard: iterate it
        (a segment's first reading is judged while the recogniser reads it again)."""
        vad = self._vads.get(chunk.role)
        if vad is None:
            vad = self._vads[chunk.role] = Vad(chunk.role, self.vad_options)
            self._streams[chunk.role] = self.engine.stream(chunk.role)
        if chunk.role == sources.MIXED:
            self.speakers.listen(chunk.samples, chunk.start)
        else:  # one pickup is one microphone: no other side leaks into it
            self.crosstalk.listen(chunk)
        return self._pieces(vad.feed(chunk), chunk.role)

    def _pieces(self, pieces: list[Voiced], side: str) -> Iterator[Utterance]:
        for piece in pieces:
            if self.on_speech and piece.start == piece.segment_start:
                self.on_speech("staff" if side == sources.MIXED else side, piece.start)
            yield from self._hear(piece)

    def _hear(self, piece: Voiced) -> Iterator[Utterance]:
        stream = self._streams[piece.role]
        end = piece.start + len(piece.samples) / sources.SAMPLE_RATE
        if not self.partials:
            yield from self._roles(self._own(stream.feed(piece)), piece, end)
            return
        said, twice = stream.first(piece)
        if not piece.final:  # asked until it stops changing: the recogniser's partial
            # result is judged before a second reading of it the engine may make at once
            while said := stream.partial():
                so_far = self._own([said])
                yield from self._told_so_far(self._roles(so_far, piece, end), piece, end)
            return
        said = self._own(said)
        turns = self._turns(said, piece, end)
        if twice:  # shown while the segment is read again: its red need not wait for that
            first = self._split(said, turns, piece, end, learn=False)
            self._told |= {u.role for u in first}
            yield from (replace(u, partial=True) for u in first)
            said = self._own(stream.again())
        heard = self._split(said, turns, piece, end)
        told = self._told_in(piece.role)
        silent = told - {u.role for u in heard}  # what was heard so far came to nothing
        heard += [Utterance(piece.segment_start, end, role, partial=True,
                            heard_by=self.engine.name) for role in sorted(silent)]
        self._told -= told
        yield from heard

    def _told_so_far(self, so_far: list[Utterance], piece: Voiced,
                     end: float) -> list[Utterance]:
        """Partial results, and on a mixed channel an empty one for a role told before
        whose words now belong to the other speaker."""
        if not so_far:
            return []
        roles = {u.role for u in so_far}
        gone = self._told_in(piece.role) - roles
        self._told |= roles
        self._told -= gone
        return so_far + [Utterance(piece.segment_start, end, role, partial=True,
                                   heard_by=self.engine.name) for role in sorted(gone)]

    def _told_in(self, side: str) -> set[str]:
        """The roles told partial results of a side's segment."""
        return set(self._told) & ({"staff", "customer"} if side == sources.MIXED else {side})

    def _roles(self, heard: list[Utterance], piece: Voiced, end: float) -> list[Utterance]:
        """A mixed channel's utterances cut at speaker changes, each with its role."""
        return self._split(heard, self._turns(heard, piece, end), piece, end)

    def _turns(self, heard: list[Utterance], piece: Voiced, end: float) -> list[Turn]:
        """A mixed channel's speakers in the piece's segment so far (none for one side)."""
        if piece.role != sources.MIXED or not heard:
            return []
        if piece.final:
            self.speakers.remember(piece.segment_start, end)
        # a red's phrase said (spotted or not), the longest first: a phrase inside it is
        # decided with it, never cutting it in two
        phrases = () if piece.final else tuple(sorted(
            {span for u in heard for span in [said_at(u.words, h) for h in u.spotted]
             + self.speakers.reds.said(u.words) if span},
            key=lambda span: span[0] - span[1]))
        return self.speakers.told(piece.segment_start,
                                  self.speakers.turns(piece.segment_start, end), piece.final,
                                  phrases, piece.paused_at if piece.final else None)

    def _split(self, heard: list[Utterance], turns: list[Turn], piece: Voiced, end: float,
               learn: bool = True) -> list[Utterance]:
        """The utterances cut at the turns, each with its role; a finished segment's parts
        teach the voices (`learn`: not a first reading, whose second one will)."""
        if not turns:
            return heard
        decode = getattr(self.engine, "decoder", None)
        parts = [p for u in heard for p in split(u, turns, self.speakers.options,
                                                  self.speakers.cues,
                                                  decode.decode if decode else None)]
        # a pause after the words heard, and the words read further, follow the last
        # part's: the next part's follow the others' (`Utterance.paused_at`, `ahead`)
        last = max(parts, key=lambda p: p.end, default=None)
        parts = [p if p is last or (p.paused_at is None and not p.ahead)
                 else replace(p, paused_at=None, ahead=()) for p in parts]
        if piece.final and learn:
            for part in parts:
                part.dbfs = self.speakers.level(part.start, part.end) or part.dbfs
            self.speakers.learn(parts)
            self._learn(parts, piece.segment_start, end)
        return parts

    def _learn(self, parts: list[Utterance], start: float, end: float) -> None:
        """A finished segment heard by the day's learner; its voice, once it has one, is
        the tracker's staff voice from the next segment on."""
        if self.learner is None:
            return
        said = [(p.start, p.end, self.speakers.cues.hint(p)) for p in parts]
        if self.learner.hear(self.speakers.frames(start, end), start, end, said):
            self.speakers.adopt(self.learner.learned.voice)

    def _own(self, utterances: list[Utterance]) -> list[Utterance]:
        """Each side's own speech: what only leaked in from the other side is dropped."""
        kept = [own for u in utterances if (own := self.crosstalk.own(u)) is not None]
        self.leaked += len(utterances) - len(kept)
        return kept

    def flush(self) -> Iterator[Utterance]:
        return (u for vad in self._vads.values() for piece in vad.flush()
                for u in self._hear(piece))

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
                    vad_options: VadOptions | None = None, voice: Voice | None = None,
                    learned: bool = False) -> list[Utterance]:
    voice, learned = _day_voice(path, roles, vad_options, voice, learned)
    return transcribe(sources.read_file(path, roles),
                      Transcriber(engine, vad_options, voice=voice, learned=learned))


def _day_voice(path, roles: tuple[str, ...], vad_options: VadOptions | None,
               voice: Voice | None, learned: bool) -> tuple[Voice | None, bool]:
    """A mixed recording without an enrolled profile: the staff voice found in every visit
    of the whole recording first (hindsight), then used as an enrolled one."""
    if roles != (sources.MIXED,) or (voice is not None and not learned):
        return voice, learned
    found = learn_from(sources.read_file(path, roles), vad_options)
    return (found.voice, False) if found else (voice, learned)


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
               vad_options: VadOptions | None = None, voice: Voice | None = None,
               learned: bool = False, speaker_options: SpeakerOptions | None = None,
               **meta) -> Session:
    """Transcribe a recording and score it; the session is keyed by the audio's sha256.
    `voice`: the staff member's voice profile, for a mixed channel."""
    voice, learned = _day_voice(path, roles, vad_options, voice, learned)
    transcriber = Transcriber(engine, vad_options, voice=voice, learned=learned,
                              speaker_options=speaker_options)
    utterances = transcribe(sources.read_file(path, roles), transcriber)
    session = scorer.score(utterances, source=str(path), sha256=file_sha256(path), **meta)
    session.options["audio"] = transcriber.describe()
    return session


def score_source(scorer, path, engine_name: str = "auto",
                 roles: tuple[str, ...] = sources.DEFAULT_CHANNELS, voice: Voice | None = None,
                 learned: bool = True, **meta) -> Session:
    """`courtesy score`: a JSONL transcript scored as it is, a recording transcribed first
    by the engine named (loaded only then, with the scorer's lexicon for its spotter)."""
    if not is_audio(path):
        return scorer.score_file(path, **meta)
    from . import asr

    return score_file(scorer, path, asr.create(engine_name, scorer.lexicon), roles,
                      voice=voice, learned=learned, **meta)
