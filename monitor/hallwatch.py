"""`hall.toml` as it is now: re-read when the file changes, so an admin's change on the
settings page counts in the running `serve` (at its next request) and `listen` (within
seconds) without restarting either.

A file that no longer loads keeps the last good settings and is logged; the settings page
never writes such a file (it checks before saving), a hand edit might. What a monitor took
up is written to the audit trail (`config_applied`, by `system`), so the settings page can
say when the running monitor took a change.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import config
from .config import Hall
from .errors import CourtesyError
from .records import AuditEntry
from .vocabulary import KEEP_WORDS, SETTING_KEYS

log = logging.getLogger("courtesy.hall")
CHECK_S = 2.0  # how often a running monitor looks whether the file changed
APPLIED = "config_applied"  # the audit action of a monitor taking up a changed file


class HallFile:
    """The hall's settings, re-read from their file whenever it has changed since."""

    def __init__(self, hall: Hall, seen: tuple | None = None):
        """`seen`: the file's stamp when `hall` was read from it (default: now)."""
        self._hall = hall
        self.path = Path(hall.path) if hall.path else None
        self._seen = seen or self._stamp()
        self._lock = threading.Lock()
        self.error = ""  # why the file on disk is not the settings in use, in Chinese

    @classmethod
    def read(cls, path: Path | str) -> HallFile:
        """The file read now: a save from this moment on is noticed, even one made while a
        monitor still loads its model."""
        seen = cls(config.Hall(path=str(path)))._seen
        return cls(config.load(path), seen)

    def _stamp(self) -> tuple | None:
        try:
            status = self.path.stat() if self.path else None
        except OSError:
            return None
        return status and (status.st_mtime_ns, status.st_size, status.st_ino)

    @property
    def hall(self) -> Hall:
        self.changed()
        return self._hall

    def changed(self) -> tuple[Hall, Hall] | None:
        """(before, after) when the file changed since it was last read and loads; else None."""
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return None
        with self._lock:
            if stamp == self._seen:  # another thread read it meanwhile
                return None
            self._seen = stamp
            try:
                hall = config.load(self.path)
            except CourtesyError as exc:
                self.error = f"设置文件改动后无法读取，仍按原设置运行：{exc}"
                log.error("%s", self.error)
                return None
            before, self._hall, self.error = self._hall, hall, ""
        return before, hall


def differences(before: Hall, after: Hall) -> list[str]:
    """What changed for a running monitor, in the hall's words (窗口 W01 值班人员：S01 → S02)."""
    said = []
    for window_id in sorted(set(before.windows) | set(after.windows)):
        old, new = before.windows.get(window_id), after.windows.get(window_id)
        if old is None or new is None:
            said.append(f"窗口 {window_id} {'新增' if old is None else '移除'}")
            continue
        for key in ("name", "device", "channels", "staff", "profile"):
            if getattr(old, key) != getattr(new, key):
                said.append(f"窗口 {window_id} {SETTING_KEYS[key]}："
                            f"{_shown(getattr(old, key))} → {_shown(getattr(new, key))}")
    for staff_id in sorted(set(before.staff) | set(after.staff)):
        if before.staff.get(staff_id) != after.staff.get(staff_id):
            said.append(f"工作人员 {staff_id}：{_shown(before.staff.get(staff_id))} → "
                        f"{_shown(after.staff.get(staff_id))}")
    for key, old, new in (
            ("red_hold_s", before.lights.red_hold_s, after.lights.red_hold_s),
            ("ack_required", before.lights.ack_required, after.lights.ack_required),
            ("keep", before.recordings.keep, after.recordings.keep),
            ("days", before.recordings.days, after.recordings.days)):
        if old != new:
            said.append(f"{SETTING_KEYS[key]}：{_shown(old)} → {_shown(new)}")
    return said


def _shown(value) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "，".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return KEEP_WORDS.get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Applied:
    """A monitor's taking up of a changed file, as the settings page reports it."""

    at: datetime
    detail: str


def record(store, path: Path, changes: list[str]) -> None:
    """The audit row saying a running monitor took up the changed file."""
    try:
        store.add_audit(AuditEntry("system", APPLIED, str(path.resolve()), "；".join(changes)))
    except CourtesyError as exc:  # the database refuses writes: the change still counts
        log.warning("设置已生效，但未能记入操作日志：%s", exc)


def last_applied(store, path: Path) -> Applied | None:
    """When a monitor last took up a change of the file at `path`, or None."""
    rows = [e for e in store.audit(action=APPLIED) if e.target == str(path.resolve())]
    return Applied(rows[-1].at, rows[-1].detail) if rows else None
