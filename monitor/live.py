"""Live scoring: one window's day, judged as it happens.

Utterances arrive when they end (from the recogniser, or a transcript played with a
clock). The visit in progress is re-judged on every utterance and as time passes, so a
missing greeting or a customer left waiting shows while it matters; when the silence
says the customer has gone, the visit is judged for good. Everything heard is stored at
once (one transaction each), so a killed process loses nothing already stored; when the
database cannot be written (a full disk), work is kept in memory and stored when it can.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from .pipeline import Scorer
from .records import Finding, LiveUpdate, PhraseHit, Session, Utterance, Visit
from .storage import StorageError, Store
from .visits import Cues, VisitClock, label

log = logging.getLogger("courtesy.live")


def _signature(findings: Iterable[Finding]) -> set[tuple]:
    return {(f.rule, f.start, f.severity, f.text) for f in findings}


class LiveSession:
    """Scores one window's utterances as they arrive; `flush()` at the end of the stream."""

    def __init__(self, scorer: Scorer, store: Store, *, window: str | None,
                 staff: str | None = None, started_at: datetime | None = None,
                 kind: str = "live", source: str = "live"):
        started_at = started_at or datetime.now().astimezone()
        self.scorer = scorer
        self.store = store
        self.session = Session(
            id=f"{window or 'window'}-{started_at:%Y%m%dT%H%M%S}", source=source, window=window,
            staff=staff, profile=scorer.profile.name, started_at=started_at, utterances=[],
            kind=kind, options=scorer.profile.as_dict())
        self.norms: list = []
        self.hits: dict[int, list[PhraseHit]] = {}
        self.clock = VisitClock(scorer.profile.visits)
        self.current: list[int] = []
        self.visit: Visit | None = None
        self.visit_label: str | None = None
        self.visits_seen = 0
        self._unsaved_utterances: list[int] = []
        self._unsaved_visits: dict[str, Visit] = {}
        self._persist(lambda: store.open_session(self.session))

    def feed(self, utterance: Utterance) -> list[LiveUpdate]:
        """One utterance has ended: store it and re-judge its visit."""
        utterance = replace(utterance, window=utterance.window or self.session.window,
                            staff=utterance.staff or self.session.staff)
        index = len(self.session.utterances)
        norm, found = self.scorer.hear(utterance, index)
        said = self.scorer.cues(utterance, index, norm, found)
        updates = self._close(utterance.start) if self._ends_visit(utterance, said) else []
        self.session.utterances.append(utterance)
        self.norms.append(norm)
        if found:
            self.hits[index] = found
        opened = not self.current
        if opened:
            self.visits_seen += 1
            self.visit_label = utterance.visit or label(self.session.window, self.visits_seen)
        self.current.append(index)
        self.clock.heard(utterance, said)
        self._unsaved_utterances.append(index)
        return updates + self._judge(utterance.end, "open" if opened else "update", always=True)

    def speech_started(self, at: float) -> None:
        """Speech began (voice activity): keep the visit open until it is heard."""
        self.clock.speech_started(at)

    def tick(self, now: float) -> list[LiveUpdate]:
        """Time passes: close the visit after its silence, or surface what has become due."""
        if not self.current:
            return []
        if self.clock.expired(now):
            return self._close(now)
        return self._judge(now, "update")

    def flush(self, now: float | None = None) -> list[LiveUpdate]:
        """End of stream (at `now`, if the clock is known): judge the visit in progress for good."""
        return self._close(now) if self.current else []

    def _ends_visit(self, utterance: Utterance, said: Cues) -> bool:
        if not self.current:
            return False
        if utterance.visit is not None:
            return utterance.visit != self.visit_label
        return self.clock.expired(utterance.start, utterance, said)

    def _judge(self, now: float | None, state: str, always: bool = False) -> list[LiveUpdate]:
        visit = self.scorer.judge(
            f"{self.session.id}-{self.visit_label}", self.session.window, tuple(self.current),
            self.session.utterances, self.norms, self.hits, now)
        before = _signature(self.visit.findings) if self.visit else set()
        new = tuple(f for f in visit.findings
                    if (f.rule, f.start, f.severity, f.text) not in before)
        changed = always or new or _signature(visit.findings) != before
        self.visit = visit
        if not changed:
            return []
        self._save(visit)
        moment = now if now is not None else visit.end
        return [LiveUpdate(self.session.window, moment, self.wall(moment), state, visit, new)]

    def wall(self, seconds: float) -> datetime:
        return self.session.started_at + timedelta(seconds=seconds)

    def _close(self, now: float | None) -> list[LiveUpdate]:
        updates = self._judge(None, "closed", always=True)
        self.current, self.visit, self.visit_label = [], None, None
        if now is not None:
            updates = [replace(u, now=now, at=self.wall(now)) for u in updates]
        return updates

    def _save(self, visit: Visit) -> None:
        if visit.id not in {v.id for v in self.session.visits}:
            self.session.visits.append(visit)
        else:
            self.session.visits = [visit if v.id == visit.id else v for v in self.session.visits]
        self._unsaved_visits[visit.id] = visit
        self._persist(self._store_pending)

    def _store_pending(self) -> None:
        while self._unsaved_utterances:
            index = self._unsaved_utterances[0]
            visit_id = next((v.id for v in reversed(self.session.visits)
                             if index in v.utterances), None)
            self.store.add_utterance(self.session, index, visit_id)
            self._unsaved_utterances.pop(0)
        while self._unsaved_visits:
            visit_id, visit = next(iter(self._unsaved_visits.items()))
            self.store.save_visit(self.session, visit)
            del self._unsaved_visits[visit_id]

    def _persist(self, write: Callable[[], None]) -> None:
        try:
            write()
        except StorageError as exc:
            log.error("%s; keeping %d utterance(s) and %d visit(s) in memory until it can be "
                      "written", exc, len(self._unsaved_utterances), len(self._unsaved_visits))

    @property
    def unsaved(self) -> int:
        return len(self._unsaved_utterances) + len(self._unsaved_visits)


def play(session: LiveSession, utterances: Iterable[Utterance], speed: float = 0.0,
         tick_s: float = 1.0, sleep: Callable[[float], None] = time.sleep,
         on_tick: Callable[[datetime], None] = lambda at: None) -> Iterator[LiveUpdate]:
    """Play a transcript through a live session on a clock: speech starts at an utterance's
    start, the utterance arrives when it ends, and the clock ticks every `tick_s` between.
    `speed` 0 plays instantly (a simulated clock), 1 in real time, 10 ten times faster.
    `on_tick` hears every tick's wall-clock time (for lights whose red hold runs out)."""
    events = sorted([(u.start, 0, u) for u in utterances] + [(u.end, 1, u) for u in utterances],
                    key=lambda e: (e[0], e[1]))
    clock = 0.0

    def advance(to: float) -> None:
        nonlocal clock
        if speed > 0 and to > clock:
            sleep((to - clock) / speed)
        clock = max(clock, to)

    for moment, arrives, utterance in events:
        while clock + tick_s < moment:
            advance(clock + tick_s)
            yield from session.tick(clock)
            on_tick(session.wall(clock))
        advance(moment)
        if arrives:
            yield from session.feed(utterance)
        else:
            session.speech_started(moment)
    if session.current:
        # the transcript is over and nobody else will speak: the usual gap ends the visit,
        # unless staff asked the customer to wait
        visits = session.clock
        limit = visits.limit() if visits.waiting else visits.options.visit_gap_s
        while session.current and clock < session.clock.last_end + limit:
            advance(clock + tick_s)
            yield from session.tick(clock)
            on_tick(session.wall(clock))
    yield from session.flush(clock)
