"""Training replay: a stored visit as a timeline of lines, good phrases and findings.

The same timeline serves the terminal player, the web replay page and practice review.
Quotes always pass through `privacy.mask`; for training, the visit is also anonymised
(staff names replaced unless the hall allows them, the customer's words kept or muted).
A clock, not the audio device, is the master: audio follows the clock, so a visit can be
stepped through with no sound card at all, and a line is shown when its time comes.
"""
from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from . import privacy
from .errors import InputError
from .storage import Store

GOOD_KINDS = ("greeting", "farewell", "please", "apology", "waiting", "thanks_reply")


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
    text: str
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Anonymise:
    """How a visit is stripped for training."""

    staff_names: bool = False  # keep staff ids/names (only if the hall allows it)
    customer: str = "keep"  # keep, mute (text hidden, audio silent) or drop (lines gone)


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

    def line_at(self, position: float) -> int:
        """Index of the last line that has started by `position` (-1 before the first)."""
        return bisect.bisect_right([line.start for line in self.lines], position) - 1

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
    row = store.visit(visit_id)
    if row is None:
        raise InputError(store.path, f"no visit {visit_id!r} (see `courtesy report` or the "
                                     "board for visit ids)", field="visit")
    hits = store.visit_hits(visit_id)
    findings = sorted(((Mark("finding", f["rule"], f["start"], f["end"], f["severity"],
                             privacy.mask(f["detail"] or "")), f["text"] or "")
                       for f in store.visit_findings(visit_id)), key=lambda pair: pair[0].start)
    rows = sorted(store.visit_utterances([visit_id]), key=lambda u: (u["start"], u["idx"]))
    lines = []
    for u in rows:
        marks = [Mark("good", h["phrase"], h["start"], h["end"]) for h in hits
                 if h["utterance"] == u["idx"] and h["kind"] in GOOD_KINDS]
        marks += [mark for mark, quote in findings if _said_in(mark, quote, u)]
        lines.append(Line(u["role"], u["start"], u["end"], privacy.mask(u["text"] or u["pinyin"]),
                          tuple(sorted(marks, key=lambda m: m.start))))
    replay = VisitReplay(visit_id, row["window"], row["staff"], row["start"], row["end"],
                         row["score"], row["verdict"], lines, [m for m, _ in findings],
                         row["session"])
    return _anonymised(replay, anonymise) if anonymise else replay


def _said_in(mark: Mark, quote: str, utterance: dict) -> bool:
    """A finding belongs to the line it quotes, when it happened during that line."""
    said = utterance["text"] or utterance["pinyin"]
    return bool(quote) and quote in said and utterance["start"] <= mark.start <= utterance["end"]


def _anonymised(replay: VisitReplay, how: Anonymise) -> VisitReplay:
    lines = replay.lines
    if how.customer == "drop":
        lines = [line for line in lines if line.role != "customer"]
    elif how.customer == "mute":
        lines = [replace(line, text="（客户讲话）", marks=()) if line.role == "customer" else line
                 for line in lines]
    staff = replay.staff if how.staff_names else ("工作人员" if replay.staff else None)
    return replace(replay, lines=lines, staff=staff)


class Clock:
    """Replay position in visit seconds: pause, seek, speed; `now` is injectable for tests."""

    def __init__(self, start: float, now: Callable[[], float] = time.monotonic):
        self._now = now
        self._origin = start
        self._since = now()
        self.speed = 1.0
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
