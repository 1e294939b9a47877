"""Visits: one customer at one window.

Given by the transcript's `visit` field, or inferred from silence and what was said
around it. A silence of `visit_gap_s` ends a visit only when there is a sign that the
customer left or a new one came: staff saw them off (请慢走), the speech after the silence
greets someone, or the customer speaks first, unless they ask again what they asked
and heard no answer to (a question heard last may be a customer's statement misheard at
the visit's end: the next customer's 好的我知道了 joined it, docs/benchmarks.md). A
customer filling in a form, waiting while staff look something up (请稍等,
up to `max_wait_s`, unless staff greet someone after it without saying sorry for the
wait), or asking again after being ignored is still the same visit; any silence of
`max_pause_s` ends it. From audio, where a greeting or farewell may be misheard,
this keeps one customer one visit.

On one pickup microphone a line's side is a voice decision, and the first words after a
silence are where it is least sure: the new customer's voice is not known yet, so their
我想办… may be told the staff's, and the staff's 您好 the customer's. There the words
decide: a greeting heard whole by either voice after an announced wait, and a greeting
within `opening_s` of the speech resuming (after the new customer's first words), start the
next visit as if they were the first words. Live, where each line is decided as it comes,
those first words join the visit in progress and move to the next one when the greeting
comes (`Opening`), so a monitor and a file scored whole cut the day alike.

Where the hall's queue system (排队叫号) called tickets to a window, the calls decide: a
call starts a visit and the next call (or the ticket's finish) ends it, and speech decides
only the stretches no call covers.
"""
from __future__ import annotations

import bisect
import copy
import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .errors import InputError
from .records import QueueEvent, Utterance


@dataclass
class VisitOptions:
    """How visits are told apart when the transcript does not say."""

    visit_gap_s: float = 30.0  # silence after which a farewell or a new customer ends a visit
    max_wait_s: float = 600.0  # longest announced wait that still belongs to the visit
    max_pause_s: float = 180.0  # silence that ends a visit whatever was said
    opening_s: float = 5.0  # one pickup: a greeting this soon after speech resumes opens it


@dataclass(frozen=True)
class Cues:
    """What one utterance says about where visits begin and end."""

    wait: bool = False  # staff asked the customer to wait (请稍等)
    farewell: bool = False  # staff saw the customer off
    greeting: bool = False  # staff greeted someone
    question: bool = False  # the customer asked something
    apology: bool = False  # staff said sorry (让您久等了: back from a wait)
    greeting_whole: bool = False  # the greeting was heard whole, not half


@dataclass(frozen=True)
class Call:
    """A ticket called to a window, in session seconds: its visit lasts from `start` to the
    next call or to `end` (the ticket finished), whichever is first."""

    window: str
    start: float
    end: float | None
    ticket: str
    business: str = ""


@dataclass(frozen=True)
class Segment:
    """The utterance indices of one visit, with its label within the session; a visit set
    by a queue call carries the call's ticket, business and span (session seconds)."""

    label: str
    window: str | None
    indices: tuple[int, ...]
    ticket: str = ""
    business: str = ""
    span: tuple[float, float] | None = None


def calls(events: Sequence[QueueEvent], anchor: datetime) -> list[Call]:
    """Queue events as calls in the seconds of a session starting at `anchor`."""
    def seconds(at: datetime) -> float:
        return round((at - anchor).total_seconds(), 3)

    return [Call(e.window, seconds(e.called), seconds(e.finished) if e.finished else None,
                 e.ticket, e.business) for e in events]


def segment(
    utterances: Sequence[Utterance],
    cues: Callable[[int], Cues],
    options: VisitOptions,
    source: str = "",
    queue: Sequence[Call] = (),
) -> list[Segment]:
    """Split a session into visits, window by window, in time order (`cues(i)`: what
    utterance i says about visits; `queue`: the windows' calls, which decide where given)."""
    labelled = [u.visit is not None for u in utterances]
    if any(labelled) and not all(labelled):
        line = utterances[labelled.index(False)].line
        raise InputError(source, "some lines give a visit and this one does not", line, "visit")
    by_window: dict[str | None, list[int]] = {}
    for i, utterance in enumerate(utterances):
        by_window.setdefault(utterance.window, []).append(i)
    segments = []
    for window, indices in by_window.items():
        called = [c for c in queue if c.window == window]
        if all(labelled):
            segments += _given(utterances, indices, window)
        elif called:
            segments += _called(utterances, indices, window, called, cues, options)
        else:
            segments += _inferred(utterances, indices, window, cues, options)
    segments.sort(key=lambda s: (utterances[s.indices[0]].start, s.window or ""))
    return segments


def _given(utterances, indices, window) -> list[Segment]:
    groups: dict[str, list[int]] = {}
    for i in indices:
        groups.setdefault(utterances[i].visit, []).append(i)
    return [Segment(label, window, tuple(group)) for label, group in groups.items()]


class VisitClock:
    """When a visit has ended: the last speech, and the cues heard since."""

    def __init__(self, options: VisitOptions):
        self.options = options
        self.last_end: float | None = None
        self.waiting = False  # the last staff words asked the customer to wait
        self.farewelled = False  # the last staff words saw the customer off
        self.asking = False  # a customer question not yet followed by staff speech
        self.speaking = False  # speech has begun and not yet been heard in full

    def limit(self) -> float:
        """The longest silence the visit may still survive."""
        return self.options.max_wait_s if self.waiting else self.options.max_pause_s

    def expired(self, now: float, utterance: Utterance | None = None,
                cues: Cues | None = None,
                opening: Iterable[tuple[Utterance, Cues]] = ()) -> bool:
        """Has the visit ended by `now`? With the utterance heard at `now` (and its cues),
        whether that utterance opens a new visit; without, as the clock ticks. `opening`:
        the lines heard after it, in time order (where they are known: a file scored
        whole), in which, on one pickup, a greeting soon after still opens the visit.
        Speech begun and not yet heard keeps the visit as the clock ticks; the utterance it
        became decides as soon as it is heard."""
        if self.last_end is None or (self.speaking and utterance is None):
            return False
        silence = now - self.last_end
        if silence >= self.limit():
            return True
        if silence < self.options.visit_gap_s:
            return False
        if self.waiting:
            return self._greets_someone_new(utterance, cues) or any(
                self._greets_someone_new(u, c) for u, c in self._opening(now, utterance,
                                                                          opening))
        if self.farewelled or utterance is None:
            return self.farewelled
        asks_again = self.asking and bool(cues and cues.question)
        return (bool(cues and cues.greeting) or (utterance.role == "customer"
                                                 and not asks_again)
                or any(c.greeting for _, c in self._opening(now, utterance, opening)))

    def _opening(self, now: float, utterance: Utterance | None,
                 following: Iterable[tuple[Utterance, Cues]]) -> Iterable[tuple[Utterance, Cues]]:
        """The lines after the first words that end a silence, whose greeting still opens
        the next visit: only where those first words' side was a voice decision (one
        pickup: a new customer's 我想办… told staff), and only within `opening_s`."""
        if utterance is None or not self.resumes(now, utterance):
            return ()
        return itertools.takewhile(lambda p: self.soon(now, p[0]), following)

    def resumes(self, now: float, utterance: Utterance) -> bool:
        """Do the words heard at `now` end a visit's silence where their side is a voice
        decision (one pickup), so that a greeting soon after may open the visit from them?"""
        return (utterance.role_confidence is not None and self.last_end is not None
                and now - self.last_end >= self.options.visit_gap_s)

    def soon(self, now: float, line: Utterance) -> bool:
        """Is `line` within `opening_s` of the words heard at `now`?"""
        return line.start - now <= self.options.opening_s

    @staticmethod
    def _greets_someone_new(utterance: Utterance | None, cues: Cues | None) -> bool:
        """After an announced wait's silence, staff words that greet (heard whole), and
        neither say sorry for the wait (让您久等了) nor see someone off (欢迎您再来), greet
        the next customer: the one who waited left (a wait heard as the visit closed,
        尽快给您答复, or the staff words after it not heard). Anything else, the customer
        speaking first among it, is the same visit going on. On one pickup the greeting's
        words count whichever voice they were told (`role_confidence` set): there the
        first voice after a silence is the least known."""
        return bool(utterance is not None and cues and cues.greeting_whole
                    and (utterance.role == "staff" or utterance.role_confidence is not None)
                    and not (cues.apology or cues.farewell))

    def speech_started(self, at: float) -> None:
        """Someone started speaking: the visit cannot end while they talk (unless its
        silence has already run out whatever is said)."""
        if self.last_end is None or at - self.last_end < self.limit():
            self.speaking = True

    def heard(self, utterance: Utterance, cues: Cues, opens: bool | None = None) -> None:
        """`opens`: whether the utterance opened a new visit, where the caller decided
        it (with the lines after it); None: the clock decides on the utterance alone."""
        self.speaking = False
        if opens is None:
            opens = self.last_end is not None and self.expired(utterance.start, utterance,
                                                                cues)
        if opens:
            self.waiting = self.farewelled = self.asking = False
        self.last_end = (utterance.end if self.last_end is None
                         else max(self.last_end, utterance.end))
        if utterance.role == "staff":
            self.waiting, self.farewelled, self.asking = cues.wait, cues.farewell, False
        elif cues.question:
            self.asking = True


class Opening:
    """Live, one pickup: the first words after a visit's silence joined the visit in progress
    (they did not open one by themselves), and the lines heard within `opening_s` after them
    may still show that they opened the next (`VisitClock.expired` with `opening`), as a file
    scored whole decides with every line known."""

    def __init__(self, clock: VisitClock, index: int, utterance: Utterance, cues: Cues):
        """`clock`: as it was before the first words (`index`: their place in the session)."""
        self.before = copy.copy(clock)
        self.index, self.first, self.cues = index, utterance, cues
        self.following: list[tuple[Utterance, Cues]] = []

    def hear(self, utterance: Utterance, cues: Cues) -> bool | None:
        """A line after the first words: True when they open the next visit with it; None
        while a later line still may; False once none can."""
        if not self.before.soon(self.first.start, utterance):
            return False
        self.following.append((utterance, cues))
        return self.before.expired(self.first.start, self.first, self.cues,
                                   self.following) or None

    def clock(self) -> VisitClock:
        """The visit clock as if the first words had opened the next visit."""
        clock = copy.copy(self.before)
        clock.heard(self.first, self.cues, opens=True)
        for utterance, cues in self.following:
            clock.heard(utterance, cues, opens=False)
        return clock


def _inferred(utterances, indices, window, cues, options) -> list[Segment]:
    groups: list[list[int]] = []
    clock = VisitClock(options)
    said = functools.cache(cues)
    for n, i in enumerate(indices):
        following = ((utterances[j], said(j)) for j in indices[n + 1:])
        opens = not groups or clock.expired(utterances[i].start, utterances[i], said(i),
                                            following)
        if opens:
            groups.append([])
        groups[-1].append(i)
        clock.heard(utterances[i], said(i), opens)
    return [Segment(label(window, n), window, tuple(group)) for n, group in enumerate(groups, 1)]


def _called(utterances, indices, window, called, cues, options) -> list[Segment]:
    """Each call's stretch is one visit; speech between stretches (before the first call,
    after a finish) is cut by speech. Labels run in time order over both."""
    called = sorted(called, key=lambda c: c.start)
    starts = [c.start for c in called]
    spans = [(c.start, min(c.end if c.end is not None else float("inf"),
                           starts[k + 1] if k + 1 < len(called) else float("inf")))
             for k, c in enumerate(called)]
    groups: dict[int, list[int]] = {}
    silent: list[int] = []
    for i in indices:
        k = bisect.bisect_right(starts, utterances[i].start) - 1
        if k >= 0 and utterances[i].start < spans[k][1]:
            groups.setdefault(k, []).append(i)
        else:
            silent.append(i)
    parts = [(tuple(g), called[k], spans[k]) for k, g in groups.items()]
    parts += [(s.indices, None, None) for s in _inferred(utterances, silent, window, cues,
                                                         options)]
    parts.sort(key=lambda p: utterances[p[0][0]].start)
    return [Segment(label(window, n), window, group, call.ticket if call else "",
                    call.business if call else "",
                    (span[0], span[1] if span[1] != float("inf")
                     else max(utterances[i].end for i in group)) if call else None)
            for n, (group, call, span) in enumerate(parts, 1)]


def label(window: str | None, number: int) -> str:
    """A visit's label within its session: window and running number."""
    return f"{window}-{number:03d}" if window else f"{number:03d}"
