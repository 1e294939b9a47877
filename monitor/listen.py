"""Listening to a hall: counter audio heard all day, scored as people speak.

Each window has a source (a device through PortAudio, or a recording replayed through the
same path), a `Transcriber` (giving what is heard so far while people speak, so a taboo
turns the light red before the sentence ends), a `live.LiveSession` (the visit in progress
judged as time passes, every utterance stored at once) and a `Recorder`. One loop polls every window in
turn, so one model serves every stream and no window can stall another. A lost device is
reopened with backoff, lost audio is counted, and a full disk stops only the recording,
never the monitoring.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from . import (alerts, hallevents, hallwatch, live, recordings, sources, staffvoice, tuning,
               voices)
from .asr import Engine
from .audio import Transcriber
from .config import WindowConfig
from .errors import CourtesyError
from .live import LiveSession
from .liveness import Beater, Ear, LivenessOptions
from .pipeline import Scorer
from .recordings import Recorder, RetentionOptions
from .records import LiveEvent, LiveUpdate
from .sources import FileReplay, Source
from .storage import Store
from .vad import VadOptions

log = logging.getLogger("courtesy.listen")
LEXICON_CHECK_S = 10.0  # how often a running monitor looks for a new hall lexicon version
QUEUE_CHECK_S = 5.0  # how often it reads the hall queue's calls (issue 22)


@dataclass
class _Window:
    config: WindowConfig
    source: Source
    transcriber: Transcriber
    session: LiveSession
    recorder: Recorder
    ear: Ear
    next_tick: float = 0.0  # source seconds
    overflows: int = 0
    dropped_s: float = 0.0


class Monitor:
    """Every window of a hall, polled in turn by one loop."""

    def __init__(self, windows: list[WindowConfig], engine: Engine, store: Store,
                 retention: RetentionOptions | None = None, lexicon_dir: Path | None = None,
                 lights: alerts.LightOptions | None = None, drivers: list | None = None,
                 on_update: Callable[[LiveUpdate], None] | None = None,
                 on_light: Callable[[list], None] | None = None,
                 on_event: Callable[[LiveEvent], None] | None = None,
                 vad_options: VadOptions | None = None,
                 live_options: sources.LiveOptions | None = None, tick_s: float = 1.0,
                 liveness: LivenessOptions | None = None,
                 upkeep_s: float = recordings.UPKEEP_S, rating_device: bool = False,
                 hall_file: hallwatch.HallFile | None = None):
        self.store, self.engine, self.vad_options = store, engine, vad_options
        self.retention = retention or RetentionOptions()
        self.on_update = on_update or (lambda update: None)
        self.on_light = on_light or (lambda events: None)
        self.on_event = on_event or (lambda event: None)
        self.tick_s = tick_s
        self.upkeep_s = upkeep_s  # retention runs this often, and at start
        self.rating_device = rating_device  # hall.toml [ratings] device: the prompt required
        self._queue_at = 0.0  # when the queue's calls are read next
        self.started_at = datetime.now().astimezone()
        self.lexicon_dir, self.live_options, self.liveness = lexicon_dir, live_options, liveness
        self.hall_file = hall_file  # hall.toml, re-read when it changes (None: not watched)
        self._hall_at = time.monotonic() + hallwatch.CHECK_S
        # every source first: a recording that is missing or not audio is one error before
        # anything is stored, never a device retried forever
        inputs = [self._source(config, live_options) for config in windows]
        scorers: dict[str, Scorer] = {}
        self.windows = [self._window(config, source, scorers, self.started_at)
                        for config, source in zip(windows, inputs)]
        self.sessions = {w.config.id: w.session for w in self.windows}  # lights record here
        self.beater = Beater(store, [w.ear for w in self.windows], "listen",
                             relays=alerts.beat_relays(drivers or []))
        # each window's light changes stored through its session's backlog, like its speech
        self.lights = (live.lights_for(self.sessions, store, lights, drivers or [])
                       if lights else None)
        self._upkeep_at = 0.0  # monotonic time of the next retention run
        self._lexicon = (store.lexicon_version(), time.monotonic() + LEXICON_CHECK_S)

    def _window(self, config: WindowConfig, source: Source, scorers: dict[str, Scorer],
                started_at: datetime) -> _Window:
        """One window's pipeline: its source heard, judged (one scorer per profile), stored;
        its times counted from `started_at`, when its source starts."""
        scorer = scorers.get(config.profile) or scorers.setdefault(
            config.profile, tuning.scorer(self.store, config.profile, self.lexicon_dir,
                                          self.rating_device))
        session = LiveSession(scorer, self.store, window=config.id, staff=config.staff,
                              started_at=started_at, source=f"listen:{config.device}",
                              replay=isinstance(source, FileReplay))
        transcriber = Transcriber(self.engine, self.vad_options,
                                  on_speech=lambda role, at, s=session: s.speech_started(at),
                                  partials=True, **self._staff_voice(config, started_at.date()))
        recorder = Recorder(config.id, self.retention, self.store, started_at,
                            self._reporter(config.id))
        return _Window(config, source, transcriber, session, recorder,
                       Ear(config.id, source, session, self.liveness))

    def _staff_voice(self, config: WindowConfig, day: date) -> dict:
        """How a window tells its staff member's voice on a pickup: enrolled, or else learned
        across the day's visits, starting from the voice learned earlier today."""
        enrolled = voices.load(self.store, config.staff)
        if enrolled is not None:
            return {"voice": enrolled.voice}
        if config.channels != (sources.MIXED,):
            return {}
        today = staffvoice.load(self.store, config.id, day)
        return {"voice": today and today.voice,
                "learner": staffvoice.StaffLearner(since=today and today.learned)}

    def _source(self, config: WindowConfig, options: sources.LiveOptions | None) -> Source:
        if sources.names_a_file(config.device):
            return FileReplay(Path(str(config.device)), config.channels,
                              realtime=bool(options and options.realtime))
        report = self._reporter(config.id)
        return sources.LiveSource(config.device, config.channels, options,
                                  on_event=lambda message: report("device", message))

    def _reporter(self, window: str) -> Callable[[str, str], None]:
        def report(kind: str, message: str) -> None:
            self.on_event(LiveEvent(datetime.now().astimezone(), window, kind, message))
        return report

    def open(self) -> None:
        """Repair what a killed run left, apply retention, open every source (a device that
        cannot be opened now is retried by the loop), and beat."""
        try:
            for repaired in recordings.repair(self.store, self.retention,
                                              [w.config.id for w in self.windows]):
                self._reporter(repaired.window)("recording", f"repaired {repaired.path} (left "
                                                             "unfinished by an interrupted run)")
        except CourtesyError as exc:  # the database refuses writes: monitoring goes on
            self._reporter("-")("storage", f"unfinished recordings not repaired: {exc}")
        self._upkeep()
        for w in self.windows:
            try:
                w.source.open()
            except CourtesyError as exc:
                self._reporter(w.config.id)("device", f"{exc}; retrying")
        self.beater.tick()

    def _upkeep(self) -> None:
        """Retention for every window in the database, at start and every hour."""
        if time.monotonic() < self._upkeep_at:
            return
        self._upkeep_at = time.monotonic() + self.upkeep_s
        try:
            for expiry in recordings.apply(self.store, self.retention,
                                           datetime.now().astimezone()):
                self._reporter(expiry.window)("retention", f"deleted {expiry.kind} "
                                                           f"{expiry.target}")
        except CourtesyError as exc:  # the database refuses writes: next hour, then
            self._reporter("-")("storage", f"retention not applied: {exc}")

    def _queue_calls(self) -> None:
        """Every QUEUE_CHECK_S, each window takes the hall queue's calls (imported or pushed
        to the API meanwhile): where it has some, they set its visits."""
        if time.monotonic() < self._queue_at:
            return
        self._queue_at = time.monotonic() + QUEUE_CHECK_S
        for w in self.windows:
            try:
                w.session.calls = hallevents.calls_for(self.store, w.session.session.started_at)
            except sqlite3.Error as exc:
                log.warning("cannot read the queue's calls: %s", exc)

    def _new_lexicon(self) -> None:
        """Every LEXICON_CHECK_S, a look for a new hall lexicon version (a supervisor's
        change): each window judges with it from its next visit, in a new session."""
        version, check_at = self._lexicon
        if time.monotonic() < check_at:
            return
        try:
            latest = self.store.lexicon_version()
            changes = self.store.lexicon_changes() if latest != version else []
        except sqlite3.Error as exc:
            log.warning("cannot look for a new lexicon version: %s", exc)
            latest = version
        self._lexicon = (latest, time.monotonic() + LEXICON_CHECK_S)
        if latest == version:
            return
        scorers: dict[str, Scorer] = {}
        for w in self.windows:
            profile = w.config.profile
            if profile not in scorers:
                scorers[profile] = Scorer.load(profile, self.lexicon_dir, changes,
                                               self.rating_device)
            w.session.use(scorers[profile])
        self._reporter("-")("lexicon", f"hall lexicon version {latest}: used from each "
                                       "window's next visit")

    def _new_hall(self) -> None:
        """Every hallwatch.CHECK_S, a look whether hall.toml changed (an admin's save on the
        settings page): lights and retention take the new values at once; a window whose
        device, channels, staff or profile changed is heard afresh from now on (its visit in
        progress judged for good first; a red it holds stays); new windows start, removed
        ones stop. What took effect goes to the terminal, the log and the audit trail."""
        if self.hall_file is None or time.monotonic() < self._hall_at:
            return
        self._hall_at = time.monotonic() + hallwatch.CHECK_S
        change = self.hall_file.changed()
        said = hallwatch.differences(*change) if change else []
        if not said:
            return
        before, after = change
        if self.lights:
            self.lights.machine.options = after.lights
        if before.recordings.keep != after.recordings.keep:  # else a --keep given stays
            self.retention.keep = after.recordings.keep
        if before.recordings.days != after.recordings.days:
            self.retention.days, self._upkeep_at = after.recordings.days, 0.0
        self._rewire(after.listened())
        self._reporter("-")("config", "已按新的大厅设置运行：" + "；".join(said))
        hallwatch.record(self.store, self.hall_file.path, said)

    def _rewire(self, wanted: list[WindowConfig]) -> None:
        """The windows of the changed file: those heard as before go on, others restart."""
        current = {w.config.id: w for w in self.windows}
        windows = []
        for config in wanted:
            w = current.pop(config.id, None)
            if w is not None and _heard_as(w.config) == _heard_as(config):
                w.config = config
                windows.append(w)
                continue
            if w is not None:
                self._stop(w)
            started = self._start(config)
            windows += [started] if started else []
        for w in current.values():
            self._stop(w)
        self.windows = windows
        self.sessions.clear()
        self.sessions.update((w.config.id, w.session) for w in windows)
        self.beater.ears = [w.ear for w in windows]

    def _start(self, config: WindowConfig) -> _Window | None:
        """A window taken up while running; None when its recording cannot be played."""
        report = self._reporter(config.id)
        try:
            source = self._source(config, self.live_options)
        except CourtesyError as exc:
            report("device", f"{exc}；此窗口未开始监听")
            return None
        w = self._window(config, source, {}, datetime.now().astimezone())
        try:
            source.open()
        except CourtesyError as exc:
            report("device", f"{exc}; retrying")
        return w

    def _stop(self, w: _Window) -> None:
        """Hear out a window's pipeline, judge its visit for good, close its files."""
        for utterance in w.transcriber.flush():
            self._heard(w, utterance)
        self._updates(w.session.flush())
        w.recorder.close()
        w.source.close()

    @property
    def visits(self) -> int:
        """Visits this monitor heard (not the whole database's)."""
        return sum(w.session.visits_seen for w in self.windows)

    @property
    def finished(self) -> bool:
        """Only replays finish; live devices run until stopped."""
        return all(w.source.finished for w in self.windows)

    def step(self, timeout: float = 0.05) -> None:
        """Poll every window once: read the audio that has come, hear it, judge it, store it."""
        per_window = timeout / max(1, len(self.windows))
        self.beater.tick()
        self._upkeep()
        self._new_lexicon()
        self._new_hall()
        self._queue_calls()
        for w in self.windows:
            block = w.source.read(per_window)
            w.recorder.write(block)
            for chunk in block:
                for utterance in w.transcriber.feed(chunk):
                    self._heard(w, utterance)
            if block:
                now = block[-1].start + len(block[-1].samples) / sources.SAMPLE_RATE
                if now >= w.next_tick:
                    w.next_tick = now + self.tick_s
                    self._updates(w.session.tick(now))
                    if self.lights:
                        self.on_light(self.lights.tick(w.session.wall(now)))
            self._check_source(w)

    def _heard(self, w: _Window, utterance) -> None:
        w.recorder.heard(utterance.end)
        self._updates(w.session.feed(utterance))
        learner = w.transcriber.learner
        if learner is not None and learner.changed and not utterance.partial:
            learner.changed = False  # the day's learned voice, kept for the next start
            try:
                staffvoice.save(self.store, w.config.id, w.session.wall(utterance.end).date(),
                                w.config.staff, learner.learned, origin="listen")
            except CourtesyError as exc:
                self._reporter(w.config.id)("storage", f"员工声纹未能保存：{exc}")

    def _updates(self, updates: list[LiveUpdate]) -> None:
        for update in updates:
            self.on_update(update)
            if self.lights:
                self.on_light(self.lights.update(update))

    def _check_source(self, w: _Window) -> None:
        source = w.source
        if source.overflows != w.overflows or source.dropped_s != w.dropped_s:
            self._reporter(w.config.id)(
                "overrun", f"音频丢失：输入溢出 {source.overflows} 次，"
                           f"处理不及累计丢弃 {source.dropped_s:.1f} 秒")
            w.overflows, w.dropped_s = source.overflows, source.dropped_s

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Loop until told to stop (or every replay has ended); always flushes at the end."""
        self.open()
        try:
            while not should_stop() and not self.finished:
                self.step()
        finally:
            self.close()

    def close(self) -> None:
        """Hear out what is still in the pipeline, judge the visits for good, close files."""
        try:
            for w in self.windows:
                self._stop(w)
        finally:
            self.beater.stop()


def _heard_as(config: WindowConfig) -> tuple:
    """What a window's pipeline is built from: a change of any restarts the window."""
    return config.device, config.channels, config.staff, config.profile


def run_for(seconds: float | None) -> Callable[[], bool]:
    """A stop condition: after `seconds` (None: never)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    return lambda: deadline is not None and time.monotonic() >= deadline
