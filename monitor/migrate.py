"""The hall database's schema version, and upgrading a database an older release left.

Two kinds of change, two mechanisms:

- New tables and columns need nothing here: declare them (`storage.SCHEMA`, or a module's
  own table merged into it) and `Store` adds whatever an older database lacks when it opens
  it. Old rows keep NULL in a new column, so readers must accept NULL.
- A change to the data already stored (a value renamed, a column filled from others, rows
  split) is a numbered step: append `Step(N, "why", function)` to STEPS, where N is the
  next number and `function(db)` runs its SQL on the open `sqlite_utils.Database`. Never
  edit or renumber a released step.

The database's `PRAGMA user_version` is the number of steps it has taken. Opening a
database behind this code (or missing a table or column) first copies it beside itself
(`hall.db.before-upgrade-v0-…`), then adds the schema, runs the missing steps and sets the
version in ONE write transaction, and logs it in `schema_history`; a failure leaves the
database as it was. A database ahead of this code is refused with one error: an older
`courtesy` does not know what the newer steps changed.
"""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import Callable

from .errors import StorageError

log = logging.getLogger("courtesy.migrate")


@dataclass(frozen=True)
class Step:
    """One numbered change to stored data."""

    number: int
    why: str
    run: Callable  # (sqlite_utils.Database) -> None, inside the upgrade's transaction


STEPS: tuple[Step, ...] = ()  # v0.1.0 is version 0; append steps, numbered from 1

# who upgraded the database when, from and to which version, and where the copy went
SCHEMA = {"schema_history": ({
    "id": int, "at": str, "from_version": int, "to_version": int, "release": str,
    "backup": str,
}, "id")}


def current() -> int:
    return len(STEPS)


def release() -> str:
    try:
        return package_version("courtesy")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def version_of(conn: sqlite3.Connection) -> int:
    return conn.execute("pragma user_version").fetchone()[0]


def refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    """StorageError when the database took steps this code does not know."""
    found = version_of(conn)
    if found > current():
        raise StorageError(
            f"{path}: made by a newer courtesy (schema version {found}, this release "
            f"{release()} knows up to {current()}); install the newer release or restore "
            f"a backup made by this one（数据库版本 {found} 高于本程序支持的 {current()}，"
            "请升级 courtesy）")


def check_version(path: Path) -> None:
    """`refuse_newer` for a database file not yet opened (a backup to restore)."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        refuse_newer(conn, path)
    finally:
        conn.close()


def behind(conn: sqlite3.Connection) -> bool:
    return version_of(conn) < current()


def copy_name(conn: sqlite3.Connection, path: Path) -> Path:
    """Where the database is copied before an upgrade changes it: beside itself."""
    return Path(f"{path}.before-upgrade-v{version_of(conn)}-{datetime.now():%Y%m%d-%H%M%S}")


def run_steps(db, copied: Path | None) -> None:
    """Inside the upgrade's transaction: the steps this database lacks, its new version and
    a `schema_history` row."""
    found = version_of(db.conn)
    for step in STEPS[found:]:
        log.info("数据库升级步骤 migrate step %d: %s", step.number, step.why)
        step.run(db)
    db.conn.execute(f"pragma user_version = {current():d}")
    db["schema_history"].insert({
        "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "from_version": found, "to_version": current(), "release": release(),
        "backup": str(copied or ""),
    })
    log.info("数据库结构 schema: version %d → %d (courtesy %s), copy before: %s",
             found, current(), release(), copied or "none (new database)")
