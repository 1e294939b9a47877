"""Backups of the hall database that hold while monitors write, and restoring one.

A copy of `hall.db` alone is no backup: the latest writes sit in its WAL file. SQLite's
online backup API copies the database as one read transaction sees it, so every row
committed before the copy started is in it and monitors never wait. Each copy is checked
by opening it (`PRAGMA integrity_check`, row counts) before it takes its final name, and
the folder keeps the newest `keep` copies.
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import migrate
from .errors import StorageError

BUSY_S = 10.0  # as storage.BUSY_S: how long to wait for a writer's lock
PREFIX = "courtesy-"  # rotated backups: courtesy-20261206-180000.db
RUNNING_S = 10.0  # a heartbeat this fresh means a monitor still writes


@dataclass
class Copy:
    """A checked backup: where, its rows per table, how long it took."""

    path: Path
    counts: dict[str, int]
    seconds: float
    removed: tuple[Path, ...] = ()


def _connect(path: Path, what: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(path, timeout=BUSY_S)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open {what}: {exc}") from None


def copy(source: Path | sqlite3.Connection, out: Path) -> Copy:
    """Copy a database (path or open connection) to `out`, checked, written atomically."""
    began = time.monotonic()
    out = Path(out)
    temporary = out.with_name(f".{out.name}.partial")
    own = not isinstance(source, sqlite3.Connection)
    src = _connect(Path(source), "database") if own else source
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        dst = sqlite3.connect(temporary)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("pragma journal_mode = delete")  # one self-contained file
        finally:
            dst.close()
        counts = verify(temporary)
        os.replace(temporary, out)
    except (sqlite3.Error, OSError) as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"{out}: backup failed（备份失败）: {exc}") from None
    finally:
        if own:
            src.close()
    return Copy(out, counts, time.monotonic() - began)


def verify(path: Path) -> dict[str, int]:
    """Open a backup read-only: its integrity and its rows per table, or StorageError."""
    if not Path(path).is_file():
        raise StorageError(f"{path}: no such backup（找不到备份文件）")
    try:
        db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            check = db.execute("pragma integrity_check").fetchone()[0]
            tables = [r[0] for r in db.execute(
                "select name from sqlite_master where type = 'table' "
                "and name not like 'sqlite_%' order by name")]
            counts = {t: db.execute(f"select count(*) from [{t}]").fetchone()[0]
                      for t in tables}
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: not a readable database（无法读取）: {exc}") from None
    if check != "ok":
        raise StorageError(f"{path}: damaged（数据库已损坏）: {check}")
    if not {"sessions", "visits", "findings"} <= set(counts):
        raise StorageError(f"{path}: not a courtesy database（不是本系统的数据库）")
    return counts


def stamped(folder: Path, now: datetime | None = None) -> Path:
    """The next rotated backup's name in `folder`."""
    now = now or datetime.now()
    return Path(folder) / f"{PREFIX}{now:%Y%m%d-%H%M%S}.db"


def rotate(folder: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest `keep` rotated backups in `folder`; the ones deleted."""
    kept = sorted(Path(folder).glob(f"{PREFIX}*.db"))
    old = tuple(kept[:-keep] if keep > 0 else ())
    for path in old:
        path.unlink(missing_ok=True)
    return old


def backup(db_path: Path, out: Path | None, folder: Path | None, keep: int = 0) -> Copy:
    """`courtesy backup`: to `out`, or a stamped file in `folder` rotated to `keep`."""
    if not Path(db_path).is_file():
        raise StorageError(f"{db_path}: no such database（找不到数据库）")
    if out is None and folder is None:
        raise StorageError("where to? give -o FILE or [backup] folder in hall.toml"
                           "（请用 -o 指定文件，或在 hall.toml 的 [backup] folder 设置目录）")
    made = copy(Path(db_path), out or stamped(folder))
    if out is None and keep:
        made.removed = rotate(folder, keep)
    return made


def running_monitors(db_path: Path, now: datetime | None = None) -> list[str]:
    """Windows whose monitor beat in the last RUNNING_S seconds (and did not stop)."""
    now = now or datetime.now().astimezone()
    db = _connect(Path(db_path), "database")
    try:
        rows = db.execute("select window, at, state from heartbeats").fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    fresh = now - timedelta(seconds=RUNNING_S)
    return sorted(w for w, at, state in rows
                  if state != "stopped" and at and datetime.fromisoformat(at) > fresh)


def restore(backup_file: Path, db_path: Path, force: bool = False) -> Copy | None:
    """Replace the database's content with a checked backup; the database as it was is
    kept beside it first (returned), and a database monitors still write is refused."""
    verify(backup_file)
    migrate.check_version(Path(backup_file))
    writing = running_monitors(db_path) if Path(db_path).is_file() else []
    if writing and not force:
        raise StorageError(f"{db_path}: monitors still write to it ({', '.join(writing)}); "
                           "stop them first (systemctl stop 'courtesy-*')（请先停止监测）")
    kept = None
    if Path(db_path).is_file():
        kept = copy(Path(db_path), Path(f"{db_path}.before-restore-"
                                        f"{datetime.now():%Y%m%d-%H%M%S}"))
    src = _connect(Path(backup_file), "backup")
    dst = _connect(Path(db_path), "database")
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise StorageError(f"{db_path}: restore failed（恢复失败）: {exc}") from None
    finally:
        src.close()
        dst.close()
    return kept
