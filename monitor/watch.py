"""Alerts for whoever is not watching the board: a monitor that stopped or hangs, a
microphone unplugged or silent too long, a storage fault or backlog, a nearly full disk.

`serve` runs a `Watch` (a process apart from the monitors, so it sees them die): every few
seconds it reads the heartbeats, judges each window (`liveness.judge`), and sends each alert
that begins, and its end, to the hall's command and webhook drivers, like a light change
(a `LightEvent` of state `alert` or `alert_cleared`, the kind in `rule`, the words in
`detail`), and to the log. USB lights show only lights. It judges by hall.toml as it is now
(`hallwatch.HallFile`): a window an admin adds or takes out on the settings page, or a
changed `[alerts]` threshold, counts from the next look; the drivers stay as at start.
"""
from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import alerts, liveness
from .config import Hall
from .hallwatch import HallFile
from .records import Heartbeat, LightEvent
from .storage import Store
from .vocabulary import alert_label

log = logging.getLogger("courtesy.alerts")
EVERY_S = 5.0
HALL = "-"  # the window of a hall-wide alert (the disk)


@dataclass(frozen=True)
class Alert:
    window: str
    kind: str  # stopped, stale, unplugged, silent, storage (liveness), backlog, disk
    message: str


def judge(heartbeats: dict[str, Heartbeat], now: datetime, hall: Hall,
          silent_since: dict[str, datetime], free_mb: float | None) -> dict[tuple, Alert]:
    """Every alert standing at `now`; `silent_since` remembers when windows went silent."""
    ops = hall.ops
    standing = {}
    listened = {w.id for w in hall.listened()}  # a window taken out of hall.toml is no alert
    for window, beat in heartbeats.items():
        if listened and window not in listened:
            continue
        state = liveness.judge(beat, window, now)
        kind = "" if state.live else state.reason
        if kind == "silent":
            began = silent_since.setdefault(window, now)
            if ops.silent_min and (now - began).total_seconds() < ops.silent_min * 60:
                kind = ""
        else:
            silent_since.pop(window, None)
        if not kind and beat.state == "storage":
            kind = "storage"
        if kind:
            standing[(window, kind)] = Alert(window, kind, _said(kind, beat, now))
        if beat.backlog > ops.backlog and state.live:
            standing[(window, "backlog")] = Alert(window, "backlog",
                                                  f"{beat.backlog} 条待写入 held in memory")
    if free_mb is not None and free_mb < ops.disk_free_mb:
        standing[(HALL, "disk")] = Alert(HALL, "disk", f"剩余 {free_mb:.0f} MB free "
                                                       f"(< {ops.disk_free_mb:.0f} MB)")
    return standing


def _said(kind: str, beat: Heartbeat, now: datetime) -> str:
    since = beat.at if kind in ("stale", "stopped") else beat.last_speech_at or beat.at
    minutes = (now - since).total_seconds() / 60
    return f"自 since {since:%H:%M:%S}（{minutes:.0f} 分钟）{beat.message or ''}".strip()


class Watch:
    """Alerts as they begin and end, sent to drivers and the log."""

    def __init__(self, db_path: Path, hall: HallFile | Hall, drivers=None):
        self.store = None  # opened in the thread that ticks (SQLite connections stay in one)
        self.db_path = Path(db_path)
        self.hall_file = hall if isinstance(hall, HallFile) else HallFile(hall)
        chosen = [d for d in (self.hall_file.hall.drivers if drivers is None else drivers)
                  if not isinstance(d, alerts.UsbDriver)]
        self.dispatcher = alerts.Dispatcher(chosen)
        self.standing: dict[tuple, Alert] = {}
        self._silent: dict[str, datetime] = {}
        self._stop = threading.Event()

    def tick(self, now: datetime | None = None) -> list[LightEvent]:
        now = now or datetime.now().astimezone()
        if self.store is None:
            self.store = Store(self.db_path, read_only=True)
        try:
            free = shutil.disk_usage(self.db_path.parent).free / 2**20
        except OSError:
            free = None
        current = judge(self.store.heartbeats(), now, self.hall_file.hall, self._silent, free)
        events = [self._event(a, "alert", now) for k, a in current.items()
                  if k not in self.standing]
        events += [self._event(a, "alert_cleared", now) for k, a in self.standing.items()
                   if k not in current]
        self.standing = current
        self.dispatcher.send(events)
        return events

    def _event(self, alert: Alert, state: str, now: datetime) -> LightEvent:
        label = alert_label(alert.kind)
        if state == "alert":
            log.warning("告警 alert %s: 窗口 window=%s %s：%s", alert.kind, alert.window, label,
                        alert.message)
        else:
            log.info("告警解除 alert cleared %s: 窗口 window=%s %s", alert.kind, alert.window,
                     label)
        return LightEvent(alert.window, state, "", now, rule=alert.kind,
                          severity="critical" if state == "alert" else "",
                          detail=f"{label}：{alert.message}")

    def run(self, every_s: float = EVERY_S) -> None:
        """Tick until stopped (a thread of `serve`); a failed look is logged, not fatal."""
        while not self._stop.wait(every_s):
            try:
                self.tick()
            except Exception as exc:  # the board must outlive any one bad look
                log.error("告警检查失败 alert watch failed: %s", exc)

    def start(self) -> "Watch":
        threading.Thread(target=self.run, name="alert-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.dispatcher.close()
