"""Visits: one customer at one window.

Given by the transcript's `visit` field, or inferred from silence: a new visit starts
when someone speaks after `visit_gap_s` of nobody speaking, unless staff had asked the
customer to wait (请稍等) and the silence is shorter than `max_wait_s`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import InputError
from .records import Utterance


@dataclass
class VisitOptions:
    """How visits are told apart when the transcript does not say."""

    visit_gap_s: float = 30.0  # silence that ends a visit
    max_wait_s: float = 600.0  # longest announced wait that still belongs to the visit


@dataclass(frozen=True)
class Segment:
    """The utterance indices of one visit, with its label within the session."""

    label: str
    window: str | None
    indices: tuple[int, ...]


def segment(
    utterances: Sequence[Utterance],
    announced_wait: Callable[[int], bool],
    options: VisitOptions,
    source: str = "",
) -> list[Segment]:
    """Split a session into visits, window by window, in time order.

    `announced_wait(i)` tells whether utterance i is staff asking the customer to wait.
    """
    labelled = [u.visit is not None for u in utterances]
    if any(labelled) and not all(labelled):
        line = utterances[labelled.index(False)].line
        raise InputError(source, "some lines give a visit and this one does not", line, "visit")
    by_window: dict[str | None, list[int]] = {}
    for i, utterance in enumerate(utterances):
        by_window.setdefault(utterance.window, []).append(i)
    segments = []
    for window, indices in by_window.items():
        if all(labelled):
            segments += _given(utterances, indices, window)
        else:
            segments += _inferred(utterances, indices, window, announced_wait, options)
    segments.sort(key=lambda s: (utterances[s.indices[0]].start, s.window or ""))
    return segments


def _given(utterances, indices, window) -> list[Segment]:
    groups: dict[str, list[int]] = {}
    for i in indices:
        groups.setdefault(utterances[i].visit, []).append(i)
    return [Segment(label, window, tuple(group)) for label, group in groups.items()]


class VisitClock:
    """The silence that ends a visit: tracks the last speech and whether a wait was announced."""

    def __init__(self, options: VisitOptions):
        self.options = options
        self.last_end: float | None = None
        self.waiting = False
        self.speaking = False  # speech has begun and not yet been heard in full

    def limit(self) -> float:
        return self.options.max_wait_s if self.waiting else self.options.visit_gap_s

    def expired(self, now: float) -> bool:
        """Has the visit ended by `now` (a new utterance's start, or the clock)?"""
        return (not self.speaking and self.last_end is not None
                and now - self.last_end >= self.limit())

    def speech_started(self, at: float) -> None:
        """Someone started speaking: the visit cannot end while they talk."""
        if not self.expired(at):
            self.speaking = True

    def heard(self, utterance: Utterance, announced_wait: bool) -> None:
        self.speaking = False
        if self.last_end is None or self.expired(utterance.start):
            self.waiting = False
        self.last_end = (utterance.end if self.last_end is None
                         else max(self.last_end, utterance.end))
        if utterance.role == "staff":
            self.waiting = announced_wait


def _inferred(utterances, indices, window, announced_wait, options) -> list[Segment]:
    groups: list[list[int]] = []
    clock = VisitClock(options)
    for i in indices:
        if not groups or clock.expired(utterances[i].start):
            groups.append([])
        groups[-1].append(i)
        clock.heard(utterances[i], announced_wait(i))
    return [Segment(label(window, n), window, tuple(group)) for n, group in enumerate(groups, 1)]


def label(window: str | None, number: int) -> str:
    """A visit's label within its session: window and running number."""
    return f"{window}-{number:03d}" if window else f"{number:03d}"
