"""Whether anybody is still listening to a window: a monitor's heartbeats, read by the board.

A light is only true while its monitor runs and its microphone hears the counter. Monitors
beat every `BEAT_S`; a beat older than `STALE_S`, or one that says the monitor stopped or
the device is unplugged or silent, makes the window interrupted (监测中断) from the time of
its last good beat, whatever its last light said.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .records import Heartbeat

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
