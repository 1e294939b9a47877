"""Live scoring: one window's day, judged as it happens.

Utterances arrive when they end (from the recogniser, or a transcript played with a
clock). The visit in progress is re-judged on every utterance and as time passes, so a
missing greeting or a customer left waiting shows while it matters; when the silence
says the customer has gone, the visit is judged for good; on one pickup, the first words
after a silence that a greeting soon follows move to the visit they opened (`_move`).
Everything heard is stored at once (one transaction each), so a killed process loses
nothing already stored; when the database cannot be written (a full disk, another
writer's lock held too long, I/O errors), work waits in a bounded backlog, is retried
with backoff and stored in order when it can (`backlog` and `fault` say so, for the
heartbeat and the board).

A session belongs to its process ("PID@host") until its stream ends. A monitor killed
mid-day leaves its visit in progress stored as provisional (暂定); the next monitor for the
same window and source takes the session over: a replayed file skips what was stored, live
audio continues the same session with later times, and the provisional visit is finished
on what was stored. Sessions of dead monitors from other days are finished at once.

Speech still going on arrives too (`Utterance.partial`, what the recogniser has heard so
far). It is judged at once through the same `Scorer` with everything final, and never
stored: while it lasts an update shows the visit as it stands with it (`LiveUpdate.partial`),
where it may only add critical findings (a taboo, `LiveUpdate.provisional`) and clear
warnings it resolves (a customer left waiting is spoken to); other new findings wait for
the end of the utterance, whose final judgement confirms or corrects what was shown.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from . import alerts
from .lexicon import Lexicon
from .matching import initial
from .normalize import NormText, normalize
from .pipeline import Scorer
from .records import Finding, LightEvent, LiveUpdate, PhraseHit, Session, Utterance, Visit
from .rules import VisitView, score
from .storage import StorageError, Store, move_lines
from .stored import OpenSession
from .visits import Call, Cues, Opening, Segment, VisitClock, label

log = logging.getLogger("courtesy.live")

BACKLOG_LIMIT = 10_000  # writes held in memory while the database refuses them
RETRY_S, MAX_RETRY_S = 0.5, 30.0  # backoff between attempts to write the backlog
DRAIN_S = 30.0  # how long a replay keeps trying to write its backlog once it has ended
_FAULTS = (("full", "数据库已满"), ("locked", "数据库被占用"), ("busy", "数据库被占用"))


def _fault_kind(error: Exception) -> str:
    """The hall's words for why the database refuses writes."""
    text = str(error).lower()
    return next((words for key, words in _FAULTS if key in text), "数据库无法写入")


def owner() -> str:
    """This process, as it owns the sessions it writes: "PID@host"."""
    return f"{os.getpid()}@{socket.gethostname()}"


def _gone(monitor: str) -> bool:
    """Is the process that owned a session dead? (Only a process on this host can be asked;
    one elsewhere is taken to be alive.)"""
    pid, _, host = monitor.partition("@")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _shifted(utterance: Utterance, offset: float) -> Utterance:
    """An utterance on a later time base (a restarted monitor continuing a session)."""
    if not offset:
        return utterance
    return replace(
        utterance, start=utterance.start + offset, end=utterance.end + offset,
        words=tuple(replace(w, start=w.start + offset, end=w.end + offset)
                    for w in utterance.words),
        spotted=tuple(replace(h, start=h.start + offset, end=h.end + offset)
                      for h in utterance.spotted))


def _session_id(window: str | None, started_at: datetime) -> str:
    return f"{window or 'window'}-{started_at:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def replay_anchor(utterances: list[Utterance], speed: float, at: datetime | None,
                  now: datetime, tail_s: float) -> datetime:
    """Where a replayed transcript's session starts on the wall clock. Times stored are
    this anchor plus the transcript's own times, so a replay faster (or slower) than real
    time starts as far back as the transcript and the silence that ends its last visit
    (`tail_s`) last: nothing lands in the future."""
    if at is not None:
        return at
    if speed == 1:
        return now
    return now - timedelta(seconds=max((u.end for u in utterances), default=0.0) + tail_s)


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
    """Do the syllables heard after a hit rule out every exception that could still follow?
    A partial result may end on a syllable's initial alone (神经病 x…): it rules out only
    the tails whose next syllable begins otherwise (x… may be 学: 神经病学). A pause in the
    voice after the hit's last syllable (`Utterance.paused_at`) ends the words it could
    join: what was said before the pause, whole syllables, is all an exception could add.
    Syllables read further (`Utterance.ahead`) follow the words' last whole one."""
    if tails is None:
        return False
    last = max((w.start for w in utterance.words if w.start < hit.end - 0.01), default=hit.end)
    pause = utterance.paused_at if (utterance.paused_at or 0.0) > last else None
    said = [(w.start, s) for w in _further(utterance).words if w.start >= hit.end - 0.01
            for s in (normalize("", w.text) if utterance.pinyin
                      else normalize(w.text)).syllables]
    after = tuple(s for _, s in said)
    if any(after[:len(tail)] == tail for tail in tails):
        return False  # an exception said (matching drops the phrase for it, but not `ahead`)
    paused = [s for at, s in said if at < pause] if pause is not None else None
    if paused is not None and not (paused and initial(paused[-1]) == paused[-1]):
        return True  # the words stopped there, none left begun
    begun = after[-1] if after and initial(after[-1]) == after[-1] else ""
    whole = after[:-1] if begun else after

    def ruled_out(tail: tuple[str, ...]) -> bool:
        if whole != tail[:len(whole)]:
            return True
        return bool(begun) and len(tail) > len(whole) and not tail[len(whole)].startswith(begun)

    return all(len(whole) >= len(tail) or ruled_out(tail) for tail in tails)


def _further(utterance: Utterance) -> Utterance:
    """A partial result with the syllables read further (`Utterance.ahead`) as the end of
    its words, in place of an initial alone after its last whole syllable."""
    if not utterance.ahead:
        return utterance
    words, ahead = utterance.words, utterance.ahead
    if words and initial(words[-1].text) == words[-1].text:
        words = words[:-1]
    if words:  # a word ends where the next begins
        words = words[:-1] + (replace(words[-1], end=min(words[-1].end, ahead[0].start)),)
    words += ahead
    return replace(utterance, words=words, pinyin=" ".join(w.text for w in words), ahead=())


def _still_heard(held: Utterance, new: Utterance) -> bool:
    """Is a part of speech still being heard kept beside a newer partial result's part?
    Each side of two channels has one: the newer replaces it. One pickup's partial result
    comes as parts cut where the speaker changes, one at a time, and a phrase decided on
    its own frames is a part between two of the same role: a newer part replaces those
    whose middle it holds, whatever their role (kept one per role, or replaced from where
    the newer began, the phrase's red was withdrawn at every result, docs/benchmarks.md)."""
    if held.role_confidence is None or new.role_confidence is None:
        return held.role != new.role
    return not new.start <= (held.start + held.end) / 2 < new.end


class LiveSession:
    """Scores one window's utterances as they arrive; `flush()` at the end of the stream."""

    def __init__(self, scorer: Scorer, store: Store, *, window: str | None,
                 staff: str | None = None, started_at: datetime | None = None,
                 kind: str = "live", source: str = "live", replay: bool = False,
                 resume: bool | None = True, backlog_limit: int = BACKLOG_LIMIT):
        """`replay`: the utterances come from a file played from its start, so a resumed
        session skips what was stored (see `play`) instead of continuing after it.
        `resume` False always starts a new session (None: neither, a dead monitor's session
        is being finished)."""
        started_at = started_at or datetime.now().astimezone()
        self.scorer = scorer
        self._next: Scorer | None = None  # a new hall lexicon's, from the next visit on
        self.store = store
        self.session = Session(
            id=_session_id(window, started_at),
            source=source, window=window, staff=staff, profile=scorer.profile.name,
            started_at=started_at, utterances=[], kind=kind, options=scorer.profile.as_dict(),
            lexicon_version=scorer.lexicon_version)
        self.norms: list = []
        self.hits: dict[int, list[PhraseHit]] = {}
        self.clock = VisitClock(scorer.profile.visits)
        self.current: list[int] = []
        self.visit: Visit | None = None
        self.visit_label: str | None = None
        self.visit_call: Call | None = None  # the queue call the visit in progress answers
        self.opening: Opening | None = None  # one pickup: first words that may open the next
        # the hall queue's calls to this window, in session seconds (set by the caller, e.g.
        # `listen` every few seconds): where there are some, a call starts a visit and the
        # next call or the finish ends it; the speech clock decides only where they are silent
        self.calls: list[Call] = []
        self.visits_seen = 0
        self.offset = 0.0  # added to the caller's times: a session continued after a restart
        self.replayed_to = -1.0  # a resumed replay: speech ending by then was stored already
        self.monitor = owner()
        self.backlog_limit = backlog_limit
        self.dropped = 0  # writes lost because the backlog was full
        self._pending: OrderedDict[tuple, tuple[str, Callable[[], object]]] = OrderedDict()
        self._fault = ""  # why the database refuses writes, in the hall's words
        self._retry_s, self._next_try = RETRY_S, 0.0
        # speech still being heard, in time order: a part per side, or one pickup's parts
        # of its partial result (`_still_heard`)
        self.partials: list[tuple[Utterance, NormText, list[PhraseHit]]] = []
        self._shown: set[tuple] = set()  # findings of the last update given
        self._showing: Visit | None = None  # and its visit
        self._settling = settling(scorer.lexicon)
        self._lights = 0  # light events held, for their place in the backlog
        if resume is not None and not (resume and self._resume(started_at, replay)):
            self._hold(("session",), "session", lambda: store.open_session(
                self.session, self.monitor))

    # --- a session left by a killed monitor ------------------------------------------

    def _resume(self, started_at: datetime, replay: bool) -> bool:
        """Take over the sessions of this window and source that a dead monitor left: today's
        is continued (True) if it was judged with this scorer's lexicon version; earlier
        days' (and one of another version) are finished on what they stored."""
        session = self.session
        try:
            left = self.store.unfinished_sessions(session.kind, session.window, session.source)
        except sqlite3.Error as exc:
            log.warning("window %s: cannot look for a session to resume: %s", session.window, exc)
            return False
        resumed = False
        for open_session in reversed(left):  # the newest first
            if not _gone(open_session.monitor):
                continue
            try:
                if not self.store.take_over(open_session.id, open_session.monitor, self.monitor):
                    continue
            except StorageError as exc:
                log.warning("window %s: cannot take session %s over: %s", session.window,
                            open_session.id, exc)
                continue
            anchor = datetime.fromisoformat(open_session.started_at)
            if (not resumed and anchor.astimezone(started_at.tzinfo).date() == started_at.date()
                    and self.store.session_lexicon_version(open_session.id)
                    == self.scorer.lexicon_version):  # one session, one lexicon version
                self._restore(open_session.id, anchor, open_session.staff)
                self.offset = 0.0 if replay else (started_at - anchor).total_seconds()
                if replay and session.utterances:
                    self.replayed_to = session.utterances[-1].end
                resumed = True
                log.warning("window %s: resuming session %s left by monitor %s (%d utterances "
                            "stored)", session.window, open_session.id, open_session.monitor,
                            len(session.utterances))
            else:
                self._finish(open_session, anchor)
        return resumed

    def _finish(self, left_open: OpenSession, anchor: datetime) -> None:
        """A dead monitor's session of another day: its last visit judged for good, ended."""
        left = LiveSession(self.scorer, self.store, window=self.session.window,
                           staff=left_open.staff, started_at=anchor, kind=self.session.kind,
                           source=self.session.source, resume=None)
        left.monitor = self.monitor
        left._restore(left_open.id, anchor, left_open.staff)
        left.flush()
        self._pending.update(left._pending)  # what could not be written waits here
        log.warning("window %s: finished session %s left by monitor %s", self.session.window,
                    left_open.id, left_open.monitor)

    def _restore(self, session_id: str, anchor: datetime, staff: str | None) -> None:
        """Rebuild the session from what was stored: its utterances heard again (as stored,
        numbers masked), its visits as they were cut, the last one (provisional) in progress,
        with its first words after a silence watched again (a move cut short by the restart
        waits for the greeting, stored with it)."""
        session = self.session
        session.id, session.started_at, session.staff = session_id, anchor, session.staff or staff
        groups: list[tuple[str | None, list[int]]] = []
        for index, stored in enumerate(self.store.session_utterances(session_id)):
            utterance = stored.utterance()
            norm, found = self.scorer.hear(utterance, index)
            said = self.scorer.cues(utterance, index, norm, found)
            visit_id = stored.visit or (groups[-1][0] if groups else None)
            opened = not groups or groups[-1][0] != visit_id
            if opened:
                self.opening = None
            self._watch(index, utterance, said, opened)  # the stored cut stands
            self.clock.heard(utterance, said)
            session.utterances.append(utterance)
            self.norms.append(norm)
            if found:
                self.hits[index] = found
            if opened:
                groups.append((visit_id, []))
            groups[-1][1].append(index)
        for number, (visit_id, indices) in enumerate(groups, 1):
            self.visits_seen = number
            name = (visit_id.removeprefix(f"{session_id}-") if visit_id
                    else label(session.window, number))
            first, last = session.utterances[indices[0]], session.utterances[indices[-1]]
            session.visits.append(Visit(f"{session_id}-{name}", session.window, session.staff,
                                        first.start, last.end, list(indices)))
            self.current, self.visit_label = list(indices), name
        if self.current:
            self.visit = self.scorer.judge(
                f"{session_id}-{self.visit_label}", session.window, tuple(self.current),
                session.utterances, self.norms, self.hits, session.utterances[-1].end)

    def feed(self, utterance: Utterance) -> list[LiveUpdate]:
        """One utterance has ended: store it and re-judge its visit. A partial one (speech
        still going on) is judged with the visit at once and kept until its end arrives.
        A resumed replay passes over what was stored before the restart."""
        if utterance.end <= self.replayed_to:
            return []
        utterance = _shifted(replace(utterance, window=utterance.window or self.session.window,
                                     staff=utterance.staff or self.session.staff), self.offset)
        if not self.current:
            self._switch(utterance.start)
        index = -1 if utterance.partial else len(self.session.utterances)
        norm, found = self.scorer.hear(utterance, index)
        if utterance.ahead:  # a phrase the syllables read further make an exception's is
            # none; the others end where those syllables begin
            further = {(f.kind, f.phrase, f.start): f.end
                       for f in self.scorer.hear(_further(utterance), index)[1]}
            found = [replace(h, end=further[key]) for h in found
                     if (key := (h.kind, h.phrase, h.start)) in further]
        said = self.scorer.cues(utterance, index, norm, found)
        updates = []
        if self._ends_visit(utterance, said):
            updates = self._close(utterance.start)
            if self._switch(utterance.start):  # heard again, with the new lexicon
                index = -1 if utterance.partial else len(self.session.utterances)
                norm, found = self.scorer.hear(utterance, index)
                said = self.scorer.cues(utterance, index, norm, found)
        if utterance.partial:
            return updates + self._heard_so_far(utterance, norm, found)
        self._heard_no_more(utterance.role)
        self.session.utterances.append(utterance)
        self.norms.append(norm)
        if found:
            self.hits[index] = found
        opened = not self.current
        if opened:
            self._open(utterance)
        self.current.append(index)
        moving = self._watch(index, utterance, said, opened)
        self.clock.heard(utterance, said)
        if moving is not None:
            return updates + self._move(moving, index)
        self._hold(("utterance", index), f"utterance {index} ({utterance.role}, "
                   f"{self._at(utterance.start):%H:%M:%S})",
                   lambda: self.store.add_utterance(self.session, index, self._visit_of(index)),
                   write_now=False)  # with its visit, just below
        return updates + self._judge(utterance.end, "open" if opened else "update", always=True)

    def _heard_so_far(self, utterance: Utterance, norm: NormText,
                      found: list[PhraseHit]) -> list[LiveUpdate]:
        if utterance.text or utterance.pinyin or utterance.spotted:
            self.partials = sorted([p for p in self.partials if _still_heard(p[0], utterance)]
                                   + [(utterance, norm, found)], key=lambda p: p[0].start)
        else:  # the segment ended without words: nothing is being heard any more
            self._heard_no_more(utterance.role)
        return self._judge(utterance.end, "update" if self.current else "open", rejudge=False)

    def _heard_no_more(self, role: str) -> None:
        """A side's speech ended (heard whole, or as nothing): none of it is still being heard."""
        self.partials = [p for p in self.partials if p[0].role != role]

    def speech_started(self, at: float) -> None:
        """Speech began (voice activity): keep the visit open until it is heard."""
        self.clock.speech_started(at + self.offset)

    def tick(self, now: float) -> list[LiveUpdate]:
        """Time passes: close the visit after its silence, or surface what has become due;
        writes the database refused are tried again."""
        now += self.offset
        self._retry()
        if now <= self.replayed_to:  # a resumed replay catching up with what was stored
            return []
        if not self.current:
            self._switch(now)
            return self._judge(now, "open") if self.partials else []
        if self._call_over(now) or (self._call_at(now) is None and self.clock.expired(now)):
            return self._close(now)
        return self._judge(now, "update")

    def flush(self, now: float | None = None) -> list[LiveUpdate]:
        """End of stream (at `now`, if the clock is known): judge the visit in progress for
        good; the session ends (no restart resumes it)."""
        now = None if now is None else now + self.offset
        updates = self._close(now) if self.current else []
        ended = self._at(now) if now is not None else datetime.now().astimezone()
        self._hold(("end",), "end of session",
                   lambda: self.store.end_session(self.session.id, ended))
        return updates

    def use(self, scorer: Scorer) -> None:
        """Judge with `scorer` (a new hall lexicon version) from the next visit on."""
        self._next = scorer

    def _switch(self, now: float) -> bool:
        """Between visits, take up a new scorer: this session ends and a new one goes on
        with the same clock, so each session is judged with one lexicon version."""
        if self._next is None or self.current or self._pending:  # writes wait: later
            return False
        scorer, self._next, old = self._next, None, self.session
        ended = self._at(now)
        self._hold(("end", old.id), f"end of session {old.id}",
                   lambda: self.store.end_session(old.id, ended))
        self.scorer, self._settling = scorer, settling(scorer.lexicon)
        self.session = replace(old, id=_session_id(old.window, old.started_at), utterances=[],
                               visits=[], options=scorer.profile.as_dict(),
                               lexicon_version=scorer.lexicon_version)
        self.norms, self.hits = [], {}
        new = self.session
        self._hold(("session", new.id), "session",
                   lambda: self.store.open_session(new, self.monitor))
        log.info("window %s: lexicon version %d from session %s on", new.window,
                 new.lexicon_version, new.id)
        return True

    def _ends_visit(self, utterance: Utterance, said: Cues) -> bool:
        """Does the utterance end the visit in progress? Speech decides only on lines heard
        whole: a closed visit is judged for good, and a partial result's words and side may
        still change (one pickup: the first words' side after a silence is the least sure),
        so until its end it is shown with the visit in progress."""
        if not self.current:
            return False
        if self._by_clock(utterance):
            return not utterance.partial and self.clock.expired(utterance.start, utterance,
                                                                said)
        if utterance.visit is not None:
            return utterance.visit != self.visit_label
        return self._call_at(utterance.start) != self.visit_call

    def _by_clock(self, utterance: Utterance) -> bool:
        """Does speech decide where the utterance's visit begins (no visit given, no call)?"""
        return (utterance.visit is None and self.visit_call is None
                and self._call_at(utterance.start) is None)

    def _open(self, utterance: Utterance) -> None:
        """A visit begins with `utterance`."""
        self.visit_call = self._call_at(utterance.start)
        self.visits_seen += 1
        self.visit_label = utterance.visit or label(self.session.window, self.visits_seen)

    def _watch(self, index: int, utterance: Utterance, said: Cues,
               opened: bool) -> Opening | None:
        """One pickup: the first words after a visit's silence that joined the visit in
        progress are watched (before the clock hears them); the watch comes back when this
        line, a greeting soon after them, shows that they opened the next visit."""
        watching, self.opening = self.opening, None
        if not self._by_clock(utterance):
            return None
        if watching is not None:
            opens = watching.hear(utterance, said)
            if opens:
                return watching
            if opens is None:
                self.opening = watching
                return None
        if not opened and self.clock.resumes(utterance.start, utterance):
            self.opening = Opening(self.clock, index, utterance, said)
        return None

    def _move(self, watched: Opening, index: int) -> list[LiveUpdate]:
        """The first words after the silence opened the next visit (line `index` greeted
        soon after them), as a file scored whole would cut it: the visit in progress is
        judged for good without them and closed, the next one opened with them and the lines
        since, and both are stored with the lines' visit, and line `index`, in one
        transaction (`move_lines`): a killed monitor leaves every line in one visit. Until
        then the first words counted in the visit in progress, judged at once (a red on
        them showed at once); after, the light shows the new visit (a red on those words
        stays red, the new visit's)."""
        moved = self.current[self.current.index(watched.index):]
        del self.current[-len(moved):]
        ended = f"{self.session.id}-{self.visit_label}"
        updates = self._close(self.session.utterances[index].end, write=False)
        self._open(watched.first)
        self.current, self.clock = moved, watched.clock()
        updates += self._judge(self.session.utterances[index].end, "open", always=True,
                               write=False)
        session, opened = self.session, self.visit
        closed = next(v for v in session.visits if v.id == ended)
        self._hold(("move", index), f"lines {moved[0]}-{index} from visit {ended} to "
                   f"{opened.id}", lambda: move_lines(self.store, session, closed, opened,
                                                       (index,)))
        return updates

    def _span(self, call: Call) -> tuple[float, float]:
        """A call's stretch: to its finish or the next call, whichever is first."""
        later = [c.start for c in self.calls if c.window == call.window and c.start > call.start]
        ends = [t for t in (call.end, min(later, default=None)) if t is not None]
        return call.start, min(ends, default=float("inf"))

    def _call_at(self, moment: float) -> Call | None:
        """The call whose stretch holds `moment` at this window, if any."""
        for call in self.calls:
            if call.window == self.session.window:
                start, end = self._span(call)
                if start <= moment < end:
                    return call
        return None

    def _call_over(self, now: float) -> bool:
        """Has the queue ended the visit in progress (finished, or the next ticket called)?"""
        if self.visit_call is not None:
            return now >= self._span(self.visit_call)[1]
        return self._call_at(now) is not None

    def _judge(self, now: float | None, state: str, always: bool = False,
               rejudge: bool = True, write: bool = True) -> list[LiveUpdate]:
        """Re-judge the visit (stored when it changed, unless the caller stores it: `write`
        False); with speech still going on, the update given shows the visit as it stands
        with that speech. Partial speech changes nothing final (`rejudge` False): what time
        makes due is the next tick's business."""
        changed = False
        if self.current and rejudge:
            visit = self.scorer.judge(
                f"{self.session.id}-{self.visit_label}", self.session.window,
                tuple(self.current), self.session.utterances, self.norms, self.hits, now,
                segment=self._segment(), earlier=self._earlier())
            before = _signature(self.visit.findings) if self.visit else set()
            changed = always or _signature(visit.findings) != before
            self.visit = visit
            if changed:
                self._save(visit, final=state == "closed", write=write)
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
        return [LiveUpdate(self.session.window, moment, self._at(moment), state, shown, new,
                           provisional=provisional, partial=shown is not self.visit)]

    def _vanished(self, now: float | None) -> list[LiveUpdate]:
        """A visit shown only on speech still being heard, and that speech came to nothing:
        it ends, with nothing found."""
        gone, self._showing, self._shown = self._showing, None, set()
        if gone is None or now is None:
            return []
        return [LiveUpdate(self.session.window, now, self._at(now), "closed",
                           replace(gone, findings=[], hits=[], score=100.0, verdict="pass"),
                           partial=True)]

    def _so_far(self, now: float) -> tuple[Visit, tuple[Finding, ...]]:
        """The visit judged with the speech still being heard: of what that speech changes,
        only a critical finding shows now, and the warnings it resolves clear unless it also
        raises another (customer kept waiting 22 s, then spoken to: the wait is over but was
        too long), which waits for the final judgement like every other new finding."""
        utterances, norms = list(self.session.utterances), list(self.norms)
        hits = dict(self.hits)
        for utterance, norm, found in self.partials:
            index = len(utterances)
            utterances.append(utterance)
            norms.append(norm)
            hits[index] = [replace(h, utterance=index) for h in found
                           if _settled(h, utterance, self._settling.get((h.kind, h.phrase), ()))]
        indices = tuple(self.current) + tuple(range(len(self.session.utterances),
                                                    len(utterances)))
        label_ = self.visit_label or label(self.session.window, self.visits_seen + 1)
        view = self.scorer.judge(f"{self.session.id}-{label_}", self.session.window, indices,
                                 utterances, norms, hits, now, earlier=self._earlier())
        final = self.visit.findings if self.visit else []
        known = _signature(final)
        provisional = tuple(f for f in view.findings if _key(f) not in known
                            and f.severity == "critical" and not f.unsure_role)
        waits = any(_key(f) not in known and f not in provisional for f in view.findings)
        kept = final if waits else [f for f in view.findings if _key(f) in known]
        findings = sorted(list(kept) + list(provisional), key=lambda f: (f.start, f.rule))
        total, verdict = score(findings, self.scorer.profile.scoring)
        return replace(view, findings=findings, score=round(total, 1),
                       verdict=verdict), provisional

    def _earlier(self) -> list[VisitView]:
        """The session's visits before the one in progress, as its rules see them (a
        return the same day: tell_once), as a file scored whole judges it."""
        judging = f"{self.session.id}-{self.visit_label}"
        return [self.scorer.seen(v.utterances, self.session.utterances, self.norms, self.hits,
                                 v.business) for v in self.session.visits if v.id != judging]

    def _segment(self) -> Segment | None:
        """The visit in progress as the queue set it (ticket, business, span), if it did."""
        call = self.visit_call
        if call is None:
            return None
        start, end = self._span(call)
        said_to = max(self.session.utterances[i].end for i in self.current)
        return Segment(self.visit_label or "", call.window, tuple(self.current), call.ticket,
                       call.business, (start, end if end != float("inf") else said_to))

    def wall(self, seconds: float) -> datetime:
        """The wall-clock time of a moment on the caller's time base."""
        return self._at(seconds + self.offset)

    def _at(self, seconds: float) -> datetime:
        return self.session.started_at + timedelta(seconds=seconds)

    def _close(self, now: float | None, write: bool = True) -> list[LiveUpdate]:
        updates = self._judge(None, "closed", always=True, write=write) if self.current else []
        self.current, self.visit, self.visit_label, self._shown = [], None, None, set()
        self.visit_call, self.opening = None, None
        self._showing = None
        if now is not None:
            updates = [replace(u, now=now, at=self._at(now)) for u in updates]
        return updates

    def _save(self, visit: Visit, final: bool, write: bool = True) -> None:
        if visit.id not in {v.id for v in self.session.visits}:
            self.session.visits.append(visit)
        else:
            self.session.visits = [visit if v.id == visit.id else v for v in self.session.visits]
        if write:
            self._hold(("visit", visit.id), f"visit {visit.id}",
                       lambda: self.store.save_visit(self.session, visit, provisional=not final))

    def _visit_of(self, index: int) -> str | None:
        return next((v.id for v in reversed(self.session.visits) if index in v.utterances), None)

    # --- the backlog: writes the database refused, kept in order -----------------------

    def record_light(self, event: LightEvent,
                     stored: Callable[[LightEvent], object] = lambda kept: None) -> LightEvent:
        """Store a light change through the backlog (a `LightMachine`'s `record`): one that
        has to wait comes back without an id, and `stored` hears it with its id once it is
        written."""
        self._retry()
        if not self._pending:
            try:
                return self.store.add_light_event(event)
            except StorageError as exc:
                self._failed(exc)
        self._lights += 1
        self._hold(("light", self._lights), f"light event {event.window} {event.previous}->"
                   f"{event.state} at {event.at:%H:%M:%S}",
                   lambda: stored(self.store.add_light_event(event)))
        return event

    def _hold(self, key: tuple, what: str, write: Callable[[], object],
              write_now: bool = True) -> None:
        """Queue a write (a newer write of the same thing replaces it, at the end), dropping
        the oldest past the bound, and write what can be written."""
        self._pending[key] = (what, write)
        self._pending.move_to_end(key)
        while len(self._pending) > max(self.backlog_limit, 1):
            _, (lost, _) = self._pending.popitem(last=False)
            self.dropped += 1
            log.warning("存储积压已满 backlog full: 窗口 window=%s (%d writes held)，丢弃 dropped "
                        "%s（累计 %d so far）", self.session.window, self.backlog_limit, lost,
                        self.dropped)
        if write_now:
            self._retry()

    def _retry(self, force: bool = False) -> None:
        """Write the backlog in order, unless the last failure asks to wait a little more."""
        if not self._pending or (not force and time.monotonic() < self._next_try):
            return
        while self._pending:
            key, (_, write) = next(iter(self._pending.items()))
            try:
                write()
            except StorageError as exc:
                self._failed(exc)
                return
            self._pending.pop(key, None)
        if self._fault:
            log.warning("存储恢复 storage recovered: 窗口 window=%s 数据库恢复写入，积压已写入 "
                        "(the backlog is stored)", self.session.window)
            self._fault, self._retry_s, self._next_try = "", RETRY_S, 0.0

    def _failed(self, error: StorageError) -> None:
        """A write was refused: say so once per fault (not per retry), wait longer each time."""
        kind = _fault_kind(error)
        if kind != self._fault:
            log.warning("存储故障 storage fault: 窗口 window=%s %s；内存暂存 holding %d write(s)，"
                        "稍后重试 retrying", self.session.window, error, len(self._pending) + 1)
        self._fault = kind
        self._next_try = time.monotonic() + self._retry_s
        self._retry_s = min(self._retry_s * 2, MAX_RETRY_S)

    def drain(self, timeout: float, sleep: Callable[[float], None] = time.sleep) -> int:
        """Keep trying to write the backlog for up to `timeout` seconds (at the end of a
        stream); returns how many writes are still held."""
        deadline = time.monotonic() + timeout
        while True:
            self._retry(force=True)
            left = deadline - time.monotonic()
            if not self._pending or left <= 0:
                return len(self._pending)
            sleep(min(self._retry_s, left))

    @property
    def backlog(self) -> int:
        """Writes held in memory because the database refuses them."""
        return len(self._pending)

    @property
    def fault(self) -> str:
        """Why writes are held, in the hall's words ("数据库已满，暂存 12 条"); "" when fine."""
        if not self._pending or not self._fault:
            return ""
        return (f"{self._fault}，暂存 {len(self._pending)} 条"
                + (f"，已丢弃 {self.dropped} 条" if self.dropped else ""))


def lights_for(sessions: Iterable[LiveSession] | dict[str, LiveSession], store: Store,
               options: alerts.LightOptions | None = None,
               drivers: Iterable[alerts.Driver] = ()) -> alerts.Lights:
    """The hall's lights with each window's light changes stored through that window's
    backlog, so a refused write never stops a light (`Lights.for_store` writes directly).
    Given as a dict (window -> session), the caller may change it as windows restart."""
    by_window = sessions if isinstance(sessions, dict) else {
        s.session.window or "-": s for s in sessions}

    def acknowledged(event_id: int | None) -> bool:
        """A red still held in the backlog cannot have been acknowledged: it stays red (a
        full disk must not release a red light); once written it waits for its ack."""
        try:
            return event_id is not None and store.acknowledged(event_id)
        except sqlite3.Error:
            return False

    def record(event: LightEvent) -> LightEvent:
        session = by_window.get(event.window)
        if session is None:
            return store.add_light_event(event)
        return session.record_light(event, lambda kept: machine.stored(event, kept))

    machine = alerts.LightMachine(options, acknowledged=acknowledged, record=record)
    try:
        machine.resume(e for w, e in store.current_lights().items() if w in by_window)
    except (sqlite3.Error, StorageError) as exc:  # unreadable now: the lights start afresh
        log.warning("last lights not read, a red from before the restart is not held: %s", exc)
    return alerts.Lights(machine, alerts.Dispatcher(drivers))


def play(session: LiveSession, utterances: Iterable[Utterance], speed: float = 0.0,
         tick_s: float = 1.0, sleep: Callable[[float], None] = time.sleep,
         on_tick: Callable[[datetime], None] = lambda at: None) -> Iterator[LiveUpdate]:
    """Play a transcript through a live session on a clock: speech starts at an utterance's
    start, the utterance arrives when it ends, and the clock ticks every `tick_s` between.
    `speed` 0 plays instantly (a simulated clock), 1 in real time, 10 ten times faster.
    `on_tick` hears every tick's wall-clock time (for lights whose red hold runs out)."""
    # a resumed session: what was stored before the restart is not played again
    utterances = [u for u in utterances if u.end > session.replayed_to]
    events = sorted([(u.start, 0, u) for u in utterances] + [(u.end, 1, u) for u in utterances],
                    key=lambda e: (e[0], e[1]))
    clock = max(session.replayed_to, 0.0)

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
