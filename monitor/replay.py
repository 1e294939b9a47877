"""Training replay: a stored visit as a timeline of lines, good phrases and findings.

The same timeline serves the terminal player, the web replay page and practice review.
Quotes always pass through `privacy.mask`; for training, the visit is also anonymised
(staff names replaced unless the hall allows them, the customer's words kept or muted).
A clock, not the audio device, is the master: audio follows the clock, so a visit can be
stepped through with no sound card at all, and a line is shown when its time comes.
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import privacy, roles
from .errors import AudioError, InputError
from .storage import Store
from .stored import StoredUtterance
from .vocabulary import Speech, role_heard, spoken, verdict_label

if TYPE_CHECKING:
    import numpy as np

PAD_S = 1.0  # audio kept either side of a visit: a greeting may begin before the visit does
STAFF_CHANNEL, CUSTOMER_CHANNEL = 0, 1  # as the recorder writes them (staff,customer)
GOOD_KINDS = ("greeting", "farewell", "please", "apology", "waiting", "thanks_reply",
              "rating_prompt")
CUSTOMER_MODES = ("keep", "mute", "drop")
NAME_MASK = "（姓名）"
MUTED = "（顾客讲话）"  # a muted customer line in training


@dataclass(frozen=True)
class Mark:
    """Something worth noticing in a line: a good phrase, or a broken rule."""

    kind: str  # "good" or "finding"
    label: str  # the phrase heard, or the rule id
    start: float
    end: float
    severity: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Line:
    role: str
    start: float
    end: float
    text: str  # characters (decoded from pinyin when a machine heard them), masked
    marks: tuple[Mark, ...] = ()
    pinyin: str = ""  # what the recogniser really heard, masked ('' when typed)
    heard_by: str = ""  # the engine that heard it ('' when a person wrote the text)
    role_confidence: float | None = None  # a single pickup's voice decision on `role`
    corrected: str = ""  # the role a reviewer gave it (monitor/roles.py), '' if none

    @property
    def speech(self) -> Speech:
        return Speech(self.text, self.pinyin, self.heard_by)

    @property
    def speaker(self) -> str:
        """Who spoke it: as a reviewer corrected it, else as heard."""
        return self.corrected or self.role

    @property
    def who(self) -> str:
        """The role as shown: 工作人员（声纹判断，把握 72%）, 顾客（人工更正；…）."""
        return role_heard(self.role, self.role_confidence, self.corrected)


@dataclass(frozen=True)
class Anonymise:
    """How a visit is stripped for training."""

    staff_names: bool = False  # keep staff ids/names (only if the hall allows it)
    customer: str = "keep"  # keep, mute (text hidden, audio silent) or drop (lines gone)
    names: tuple[str, ...] = ()  # staff names to scrub from what was said (unless staff_names)


@dataclass
class VisitReplay:
    id: str
    window: str | None
    staff: str | None
    start: float
    end: float
    score: float
    verdict: str
    lines: list[Line]
    findings: list[Mark]  # every finding, including those not tied to a line (no greeting)
    session: str = ""
    provisional: bool = False  # 暂定: the visit was cut by a killed monitor
    ticket: str = ""  # the queue's ticket and business type, where a call set the visit
    business: str = ""

    @property
    def verdict_text(self) -> str:
        return verdict_label(self.verdict, self.provisional)

    def next_finding(self, position: float) -> Mark | None:
        return next((f for f in self.findings if f.start > position + 1e-6), None)

    def timeline(self) -> list[tuple[float, Line | Mark]]:
        """Lines, and the findings no line carries (a greeting never said), in time order."""
        tied = {m for line in self.lines for m in line.marks}
        items = [(line.start, line) for line in self.lines]
        items += [(f.start, f) for f in self.findings if f not in tied]
        return sorted(items, key=lambda item: (item[0], isinstance(item[1], Mark)))


def load(store: Store, visit_id: str, anonymise: Anonymise | None = None) -> VisitReplay:
    """A stored visit as a replay timeline; an unknown id is an error naming it."""
    visit = store.visit(visit_id)
    if visit is None:
        raise InputError(store.path, f"no visit {visit_id!r} (see `courtesy report` or the "
                                     "board for visit ids)", field="visit")
    hits = store.visit_hits(visit_id)
    findings = sorted(((Mark("finding", f.rule, f.start, f.end, f.severity,
                             privacy.mask(f.detail)), f.text)
                       for f in store.visit_findings(visit_id)), key=lambda pair: pair[0].start)
    lines = []
    fixes = roles.corrections(store, [visit_id]).get(visit_id, {})
    for u in roles.visit_lines(store, visit_id):
        marks = [Mark("good", h.phrase, h.start, h.end) for h in hits
                 if h.utterance == u.idx and h.kind in GOOD_KINDS]
        marks += [mark for mark, quote in findings if _said_in(mark, quote, u)]
        said = spoken(u)
        lines.append(Line(u.role, u.start, u.end, privacy.mask(said.text),
                          tuple(sorted(marks, key=lambda m: m.start)),
                          privacy.mask(said.pinyin), said.heard_by, u.role_confidence,
                          fixes[u.idx].role if u.idx in fixes else ""))
    replay = VisitReplay(visit_id, visit.window, visit.staff, visit.start, visit.end,
                         visit.score, visit.verdict, lines, [m for m, _ in findings],
                         visit.session, visit.provisional, visit.ticket, visit.business)
    return _anonymised(replay, anonymise) if anonymise else replay


def _said_in(mark: Mark, quote: str, utterance: StoredUtterance) -> bool:
    """A finding belongs to the line it quotes, when it happened during that line."""
    said = (utterance.text, utterance.pinyin)  # old quotes may be pinyin
    return bool(quote) and any(quote in s for s in said) \
        and utterance.start <= mark.start <= utterance.end


def _anonymised(replay: VisitReplay, how: Anonymise) -> VisitReplay:
    lines = replay.lines
    if how.customer == "drop":
        lines = [line for line in lines if line.speaker != "customer"]
    elif how.customer == "mute":
        lines = [replace(line, text=MUTED, marks=(), pinyin="") if line.speaker == "customer"
                 else line for line in lines]
    staff = replay.staff if how.staff_names else ("工作人员" if replay.staff else None)
    findings = replay.findings
    if how.names and not how.staff_names:
        lines = [_scrubbed(line, how.names) for line in lines]
        findings = [replace(m, detail=_scrub(m.detail, how.names)) for m in findings]
    return replace(replay, lines=lines, staff=staff, findings=findings)


def _scrubbed(line: Line, names: tuple[str, ...]) -> Line:
    """A line with staff names masked; its pinyin goes too when a name was in the text (a
    name's syllables cannot be told apart from other words')."""
    text = _scrub(line.text, names)
    marks = tuple(replace(m, detail=_scrub(m.detail, names)) for m in line.marks)
    return replace(line, text=text, marks=marks, pinyin=line.pinyin if text == line.text else "")


def _scrub(text: str, names: tuple[str, ...]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, NAME_MASK)
    return text


def anonymised_text(text: str, how: Anonymise) -> str:
    """Other text shown with a training visit (a note): numbers masked, names unless allowed."""
    text = privacy.mask(text)
    return text if how.staff_names else _scrub(text, how.names)


class Clock:
    """Replay position in visit seconds: pause, seek, speed; `now` is injectable for tests.
    It starts at the `speed` asked for (`replay --speed`, up to 1000 for a pipe or CI);
    `set_speed`, the player's +/- keys, steps within 0.25-4 for a person watching."""

    def __init__(self, start: float, now: Callable[[], float] = time.monotonic,
                 speed: float = 1.0):
        self._now = now
        self._origin = start
        self._since = now()
        self.speed = speed
        self.paused = False

    def position(self) -> float:
        if self.paused:
            return self._origin
        return self._origin + (self._now() - self._since) * self.speed

    def seek(self, position: float) -> None:
        self._origin, self._since = position, self._now()

    def pause(self, paused: bool | None = None) -> None:
        position = self.position()
        self.paused = (not self.paused) if paused is None else paused
        self.seek(position)

    def set_speed(self, speed: float) -> None:
        position = self.position()
        self.speed = min(4.0, max(0.25, speed))
        self.seek(position)


@dataclass(frozen=True)
class Recording:
    """A kept recording holding a visit, and where the visit sits in it."""

    path: Path
    channels: int
    rate: int
    frames: int
    offset: float  # session seconds at the file's first sample


@dataclass
class Clip:
    """A visit's stretch of audio, anonymised; `start` is its first sample in session seconds."""

    samples: np.ndarray  # frames x channels, float32
    rate: int
    start: float

    def wav(self) -> bytes:
        import soundfile

        out = io.BytesIO()
        soundfile.write(out, self.samples, self.rate, subtype="PCM_16", format="WAV")
        return out.getvalue()


def _wall(iso: str) -> datetime:
    return _aware(datetime.fromisoformat(iso))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.astimezone()


def recording(store: Store, visit_id: str) -> Recording | None:
    """The kept recording that holds most of a visit (None if none was kept or it is gone)."""
    import soundfile

    visit = store.visit(visit_id)
    if visit is None or not visit.window or not visit.started_at:
        return None
    start, end = _wall(visit.started_at), _wall(visit.ended_at)
    best, shared = None, -1.0
    for kept in store.recordings_over(visit.window, visit.started_at, visit.ended_at):
        overlap = (min(end, _aware(kept.ended_at))
                   - max(start, _aware(kept.started_at))).total_seconds()
        if overlap > shared and Path(kept.path).is_file():
            best, shared = kept, overlap
    if best is None:
        return None
    try:
        info = soundfile.info(best.path)
    except RuntimeError as exc:  # libsndfile: not audio, truncated, unreadable
        raise AudioError(f"{best.path}: cannot read the recording: {exc}") from None
    offset = visit.start - (start - _aware(best.started_at)).total_seconds()
    return Recording(Path(best.path), info.channels, info.samplerate, info.frames, offset)


def clip(source: Recording, start: float, end: float, customer: str = "keep") -> Clip | None:
    """The stretch start..end (session seconds, padded) of a recording, the customer channel
    kept, silenced (mute) or left out (drop); None when a one-channel recording cannot be
    told apart from the customer's voice and it should not be heard."""
    import soundfile

    if customer != "keep" and source.channels <= CUSTOMER_CHANNEL:
        return None
    first = max(0, int((start - PAD_S - source.offset) * source.rate))
    last = min(source.frames, int((end + PAD_S - source.offset) * source.rate))
    try:
        with soundfile.SoundFile(str(source.path)) as handle:
            handle.seek(first)
            samples = handle.read(max(0, last - first), dtype="float32", always_2d=True)
    except RuntimeError as exc:  # libsndfile: not audio, truncated, unreadable
        raise AudioError(f"{source.path}: cannot read the recording: {exc}") from None
    if customer == "mute":
        samples[:, CUSTOMER_CHANNEL] = 0.0
    elif customer == "drop":
        samples = samples[:, [STAFF_CHANNEL]]
    return Clip(samples, source.rate, source.offset + first / source.rate)
