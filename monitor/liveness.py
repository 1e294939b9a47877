"""Whether anybody is still listening to a window: a monitor's heartbeats, read by the board.

A light is only true while its monitor runs and its microphone hears the counter. Monitors
beat every `BEAT_S`; a beat older than `STALE_S`, or one that says the monitor stopped or
the device is unplugged or silent, makes the window interrupted (监测中断) from the time of
its last good beat, whatever its last light said.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from .errors import CourtesyError
from .records import Heartbeat

log = logging.getLogger("courtesy.liveness")

BEAT_S = 2.0  # how often a monitor beats per window
STALE_S = 6.0  # a beat older than this means the monitor has stopped (killed, hung, host down)
INTERRUPTED = ("stopped", "unplugged", "silent")  # states a monitor reports itself


@dataclass(frozen=True)
class Liveness:
    """A window as the board must show it: listened to, or interrupted since when and why."""

    window: str
    live: bool
    reason: str = ""  # stale, stopped, unplugged, silent, storage ("" while live)
    since: datetime | None = None  # when it was last known to be heard
    heartbeat: Heartbeat | None = None


def judge(heartbeat: Heartbeat | None, window: str, now: datetime) -> Liveness:
    """A window's liveness at `now` from its last heartbeat (None: never monitored)."""
    if heartbeat is None:
        return Liveness(window, False, "never")
    if heartbeat.state in INTERRUPTED:
        return Liveness(window, False, heartbeat.state, heartbeat.at, heartbeat)
    if (now - heartbeat.at).total_seconds() > STALE_S:
        return Liveness(window, False, "stale", heartbeat.at, heartbeat)
    return Liveness(window, True, heartbeat=heartbeat)


@dataclass
class LivenessOptions:
    """When a window counts as silent (`[liveness] silent_s` in hall.toml)."""

    silent_s: float = 120.0  # no input above the floor for this long: the microphone is dead
    floor_dbfs: float = -70.0  # a live microphone always hears the room above this


class Ear:
    """What one window's heartbeat says, read from its source (level, loss, overruns) and
    its live session (the last speech heard, a database fault, the backlog it holds)."""

    def __init__(self, window: str, source=None, session=None,
                 options: LivenessOptions | None = None, clock=time.monotonic):
        self.window = window
        self.source = source
        self.session = session
        self.options = options or LivenessOptions()
        self.clock = clock

    @property
    def last_speech_at(self) -> datetime | None:
        heard = self.session.session.utterances if self.session is not None else []
        return self.session.wall(heard[-1].end) if heard else None

    def heartbeat(self, monitor: str, started_at: datetime, now: datetime) -> Heartbeat:
        source, level = self.source, getattr(self.source, "level", None)
        fault = getattr(self.session, "fault", "") or ""
        quiet_s = self.clock() - level.loud_at if level is not None else 0.0
        if getattr(source, "lost", False):
            state, message = "unplugged", "音频设备已断开，正在重新连接"
        elif fault:
            state, message = "storage", f"数据库无法写入：{fault}"
        elif quiet_s > self.options.silent_s:
            state, message = "silent", f"已 {quiet_s:.0f} 秒没有声音输入（麦克风是否损坏或静音？）"
        else:
            state, message = "listening", ""
        overruns = getattr(source, "overflows", 0) + getattr(source, "dropped", 0)
        return Heartbeat(self.window, monitor, now, state, started_at,
                         level.dbfs if level is not None else None, self.last_speech_at,
                         overruns, int(getattr(self.session, "backlog", 0) or 0), message)


class Beater:
    """Writes every window's heartbeat, at most every `BEAT_S`, from the monitor's own loop
    (`tick()`), so a monitor whose loop hangs stops beating and goes stale on the board
    instead of looking alive, and the beats share the loop's database connection (no second
    writer in the process). `stop()` writes the final `stopped` beat. A beat that cannot be
    written is logged and tried again at the next tick: it never stops the monitor."""

    def __init__(self, store, ears: list[Ear], program: str, beat_s: float = BEAT_S,
                 clock=time.monotonic, relays: list[Callable[[Heartbeat], None]] = ()):
        self.store = store
        self.ears = ears
        self.relays = relays  # drivers that carry heartbeats too (MQTT), apart from the store
        self.monitor = f"{program} {os.getpid()}@{socket.gethostname()}"
        self.beat_s = beat_s
        self.clock = clock
        self.started_at = datetime.now().astimezone()
        self.failing = False
        self._next = 0.0  # clock() of the next beat

    def tick(self) -> None:
        """Beat if it is time."""
        if self.clock() >= self._next:
            self._beat()

    def stop(self) -> None:
        """The monitor ends (cleanly, Ctrl-C or SIGTERM): its windows are no longer heard."""
        self._beat("stopped")

    def _beat(self, state: str | None = None) -> None:
        now = datetime.now().astimezone()
        self._next = self.clock() + (self.beat_s / 2 if self.failing else self.beat_s)
        beats = [ear.heartbeat(self.monitor, self.started_at, now) for ear in self.ears]
        if state:
            beats = [replace(beat, state=state, message="监测已停止") for beat in beats]
        for beat in beats:  # a database that refuses writes does not silence the broker
            for relay in self.relays:
                relay(beat)
        try:
            for beat in beats:
                self.store.beat(beat)
        except CourtesyError as exc:  # the database refuses writes: keep trying
            if not self.failing:
                log.warning("heartbeat not written (trying again): %s", exc)
            self.failing = True
            return
        if self.failing:
            log.warning("heartbeats written again")
        self.failing = False
