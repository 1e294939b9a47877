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


def _inferred(utterances, indices, window, announced_wait, options) -> list[Segment]:
    groups: list[list[int]] = []
    last_end = None
    waiting = False
    for i in indices:
        utterance = utterances[i]
        gap = None if last_end is None else utterance.start - last_end
        limit = options.max_wait_s if waiting else options.visit_gap_s
        if gap is None or gap >= limit:
            groups.append([])
            waiting = False
        groups[-1].append(i)
        last_end = utterance.end if last_end is None else max(last_end, utterance.end)
        if utterance.role == "staff":
            waiting = announced_wait(i)
    prefix = f"{window}-" if window else ""
    return [Segment(f"{prefix}{n:03d}", window, tuple(group)) for n, group in enumerate(groups, 1)]
