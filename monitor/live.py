"""Live scoring: one window's day, judged as it happens.

Utterances arrive when they end (from the recogniser, or a transcript played with a
clock). The visit in progress is re-judged on every utterance and as time passes, so a
missing greeting or a customer left waiting shows while it matters; when the silence
says the customer has gone, the visit is judged for good. Everything heard is stored at
once (one transaction each), so a killed process loses nothing already stored; when the
database cannot be written (a full disk), work is kept in memory and stored when it can.

Speech still going on arrives too (`Utterance.partial`, what the recogniser has heard so
far). It is judged at once through the same `Scorer` with everything final, and never
stored: while it lasts an update shows the visit as it stands with it (`LiveUpdate.partial`),
where it may only add critical findings (a taboo, `LiveUpdate.provisional`) and clear
warnings it resolves (a customer left waiting is spoken to); other new findings wait for
the end of the utterance, whose final judgement confirms or corrects what was shown.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from .lexicon import Lexicon
from .normalize import NormText, normalize
from .pipeline import Scorer
from .records import Finding, LiveUpdate, PhraseHit, Session, Utterance, Visit
from .rules import score
from .storage import StorageError, Store
from .visits import Cues, VisitClock, label

log = logging.getLogger("courtesy.live")


def _signature(findings: Iterable[Finding]) -> set[tuple]:
    return {_key(f) for f in findings}


def _key(finding: Finding) -> tuple:
    return finding.rule, finding.start, finding.severity, finding.text


def settling(lexicon: Lexicon) -> dict[tuple[str, str], tuple[tuple[str, ...], ...] | None]:
    """Per phrase, what an exception adds after it (急什么 → 时候, for 急什么时候): a hit on part
    of an utterance holds only once the syllables heard after it rule that out. None: the
    phrase only counts at an utterance's end, so it waits for the end."""
    out: dict[tuple[str, str], tuple[tuple[str, ...], ...] | None] = {}
    for phrase in lexicon.phrases:
        if phrase.position == "final":
            out[(phrase.kind, phrase.text)] = None
            continue
        tails = set()
        for exception in phrase.exceptions:
            after = [exception[exception.index(form) + len(form):]
                     for form in phrase.forms if form in exception]
            # an exception that does not contain the phrase as written: all of it may follow
            tails.add(normalize(min(after, key=len) if after else exception).syllables)
        if tails - {()}:
            out[(phrase.kind, phrase.text)] = tuple(sorted(tails - {()}))
    return out


def _settled(hit: PhraseHit, utterance: Utterance, tails) -> bool:
    """Do the syllables heard after a hit rule out every exception that could still follow?"""
    if tails is None:
        return False
    after = tuple(s for w in utterance.words if w.start >= hit.end - 0.01
                  for s in (normalize("", w.text) if utterance.pinyin
                            else normalize(w.text)).syllables)
    return all(len(after) >= len(tail) or (after and after != tail[:len(after)])
               for tail in tails)


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
        self.partials: dict[str, tuple[Utterance, NormText, list[PhraseHit]]] = {}  # per role
        self._shown: set[tuple] = set()  # findings of the last update given
        self._showing: Visit | None = None  # and its visit
        self._settling = settling(scorer.lexicon)
        self._persist(lambda: store.open_session(self.session))

    def feed(self, utterance: Utterance) -> list[LiveUpdate]:
        """One utterance has ended: store it and re-judge its visit. A partial one (speech
        still going on) is judged with the visit at once and kept until its end arrives."""
        utterance = replace(utterance, window=utterance.window or self.session.window,
                            staff=utterance.staff or self.session.staff)
        index = -1 if utterance.partial else len(self.session.utterances)
        norm, found = self.scorer.hear(utterance, index)
        said = self.scorer.cues(utterance, index, norm, found)
        updates = self._close(utterance.start) if self._ends_visit(utterance, said) else []
        if utterance.partial:
            return updates + self._heard_so_far(utterance, norm, found)
        self.partials.pop(utterance.role, None)
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

    def _heard_so_far(self, utterance: Utterance, norm: NormText,
                      found: list[PhraseHit]) -> list[LiveUpdate]:
        if utterance.text or utterance.pinyin or utterance.spotted:
            self.partials[utterance.role] = (utterance, norm, found)
        else:  # the segment ended without words: nothing is being heard any more
            self.partials.pop(utterance.role, None)
        return self._judge(utterance.end, "update" if self.current else "open", rejudge=False)

    def speech_started(self, at: float) -> None:
        """Speech began (voice activity): keep the visit open until it is heard."""
        self.clock.speech_started(at)

    def tick(self, now: float) -> list[LiveUpdate]:
        """Time passes: close the visit after its silence, or surface what has become due."""
        if not self.current:
            return self._judge(now, "open") if self.partials else []
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

    def _judge(self, now: float | None, state: str, always: bool = False,
               rejudge: bool = True) -> list[LiveUpdate]:
        """Re-judge the visit (stored when it changed); with speech still going on, the update
        given shows the visit as it stands with that speech. Partial speech changes nothing
        final (`rejudge` False): what time makes due is the next tick's business."""
        changed = False
        if self.current and rejudge:
            visit = self.scorer.judge(
                f"{self.session.id}-{self.visit_label}", self.session.window,
                tuple(self.current), self.session.utterances, self.norms, self.hits, now)
            before = _signature(self.visit.findings) if self.visit else set()
            changed = always or _signature(visit.findings) != before
            self.visit = visit
            if changed:
                self._save(visit)
        shown, provisional = (self._so_far(now) if self.partials and now is not None
                              else (self.visit, ()))
        if shown is None:
            return self._vanished(now)
        if not (changed or _signature(shown.findings) != self._shown):
            return []
        new = tuple(f for f in shown.findings if _key(f) not in self._shown)
        self._shown = _signature(shown.findings)
        self._showing = shown
        moment = now if now is not None else shown.end
        return [LiveUpdate(self.session.window, moment, self.wall(moment), state, shown, new,
                           provisional=provisional, partial=shown is not self.visit)]

    def _vanished(self, now: float | None) -> list[LiveUpdate]:
        """A visit shown only on speech still being heard, and that speech came to nothing:
        it ends, with nothing found."""
        gone, self._showing, self._shown = self._showing, None, set()
        if gone is None or now is None:
            return []
        return [LiveUpdate(self.session.window, now, self.wall(now), "closed",
                           replace(gone, findings=[], hits=[], score=100.0, verdict="pass"),
                           partial=True)]

    def _so_far(self, now: float) -> tuple[Visit, tuple[Finding, ...]]:
        """The visit judged with the speech still being heard: of what that speech changes,
        only a critical finding shows now, and the warnings it resolves clear unless it also
        raises another (customer kept waiting 22 s, then spoken to: the wait is over but was
        too long), which waits for the final judgement like every other new finding."""
        utterances, norms = list(self.session.utterances), list(self.norms)
        hits = dict(self.hits)
        for utterance, norm, found in self.partials.values():
            index = len(utterances)
            utterances.append(utterance)
            norms.append(norm)
            hits[index] = [replace(h, utterance=index) for h in found
                           if _settled(h, utterance, self._settling.get((h.kind, h.phrase), ()))]
        indices = tuple(self.current) + tuple(range(len(self.session.utterances),
                                                    len(utterances)))
        label_ = self.visit_label or label(self.session.window, self.visits_seen + 1)
        view = self.scorer.judge(f"{self.session.id}-{label_}", self.session.window, indices,
                                 utterances, norms, hits, now)
        final = self.visit.findings if self.visit else []
        known = _signature(final)
        provisional = tuple(f for f in view.findings
                            if _key(f) not in known and f.severity == "critical")
        waits = any(_key(f) not in known and f not in provisional for f in view.findings)
        kept = final if waits else [f for f in view.findings if _key(f) in known]
        findings = sorted(list(kept) + list(provisional), key=lambda f: (f.start, f.rule))
        total, verdict = score(findings, self.scorer.profile.scoring)
        return replace(view, findings=findings, score=round(total, 1),
                       verdict=verdict), provisional

    def wall(self, seconds: float) -> datetime:
        return self.session.started_at + timedelta(seconds=seconds)

    def _close(self, now: float | None) -> list[LiveUpdate]:
        updates = self._judge(None, "closed", always=True) if self.current else []
        self.current, self.visit, self.visit_label, self._shown = [], None, None, set()
        self._showing = None
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
