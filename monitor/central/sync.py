"""The shipper: the outbox's changes, in batches, into the city's PostgreSQL.

At-least-once and idempotent: a batch is upserted keyed (hall, id) and committed in
PostgreSQL before its outbox rows are removed, so a box killed between the two sends the
batch again and the upsert changes nothing. A change ships the row as it is *now* (a row
gone since is deleted centrally), so a re-scored session, which deletes its rows and writes
them again, replaces them in the city as it did in the hall.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import CourtesyError
from . import outbox
from .options import CentralOptions

log = logging.getLogger("courtesy.central")
BATCH = 500


class SyncError(CourtesyError):
    """The central database refused or could not be reached."""


@dataclass(frozen=True)
class Status:
    """What `courtesy sync status` says."""

    pending: int
    oldest: str | None  # when the oldest waiting change was noted (UTC)
    last_ok: str | None  # when a batch last arrived
    last_error: str | None
    shipped: int  # changes shipped since the outbox was installed

    def text(self) -> str:
        lines = [f"待上传变更：{self.pending} 条"]
        if self.oldest:
            lines.append(f"最早一条记录于：{self.oldest}")
        lines.append(f"上次成功上传：{self.last_ok or '从未'}")
        lines.append(f"累计已上传：{self.shipped} 条")
        if self.last_error:
            lines.append(f"上次错误：{self.last_error}")
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Shipper:
    """Ships one hall's outbox to the city; one per hall box."""

    def __init__(self, db_path: Path | str, options: CentralOptions, batch: int = BATCH):
        self.options = options
        self.batch = batch
        self.db_path = Path(db_path)
        try:
            self.conn = sqlite3.connect(self.db_path, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("pragma journal_mode=wal")
            outbox.install(self.conn)
        except sqlite3.Error as exc:
            raise SyncError(f"{self.db_path}: cannot open the outbox: {exc}") from None
        self._pg = None

    def status(self) -> Status:
        count, oldest = outbox.backlog(self.conn)
        state = outbox.get_state(self.conn)
        return Status(count, oldest, state.get("last_ok"), state.get("last_error"),
                      int(state.get("shipped", 0)))

    def _connect(self):
        import psycopg

        if self._pg is None or self._pg.closed:
            try:
                self._pg = psycopg.connect(self.options.url, connect_timeout=5)
            except psycopg.Error as exc:
                raise SyncError(f"central database: cannot connect: {error_text(exc)}") from None
        return self._pg

    def once(self) -> int:
        """Ship one batch; returns how many changes it held (0: nothing pending)."""
        import psycopg

        changes = outbox.pending(self.conn, self.batch)
        if not changes:
            return 0
        tables: dict[str, set[str]] = {}
        for change in changes:  # a row changed twice ships once, as it is now
            tables.setdefault(change.table, set()).add(change.key)
        try:
            pg = self._connect()
            with pg.transaction(), pg.cursor() as cursor:
                for table, keys in tables.items():
                    self._ship(cursor, table, keys)
        except (psycopg.Error, SyncError) as exc:
            self._pg = None
            error = (str(exc) if isinstance(exc, SyncError)
                     else f"central database: {error_text(exc)}")
            outbox.set_state(self.conn, last_error=f"{_now()} {error}")
            raise SyncError(error) from None
        outbox.shipped(self.conn, changes[-1].seq)
        done = int(outbox.get_state(self.conn).get("shipped", 0)) + len(changes)
        outbox.set_state(self.conn, last_ok=_now(), last_error="", shipped=str(done))
        return len(changes)

    def _ship(self, cursor, table: str, keys: set[str]) -> None:
        """One table's changed rows: upserted as they are now, or deleted if gone (one
        pipelined statement each way)."""
        column, hall = outbox.SHIPPED[table], self.options.hall
        found = {str(r[column]): outbox.shareable(table, dict(r)) for r in self.conn.execute(
            f"select * from [{table}] where [{column}] in ({','.join('?' * len(keys))})",
            list(keys))}
        rows = {key: row for key, row in found.items() if row is not None}
        gone = [[hall, key] for key in keys if key not in rows]
        if gone:
            cursor.executemany(f"delete from {table} where hall = %s and id = %s", gone)
        if not rows:
            return
        audio = table == "recordings"
        extra, value = (", audio", ", %s") if audio else ("", "")
        update = ("do nothing" if table in outbox.APPEND_ONLY else
                  f"do update set row = excluded.row, "
                  f"shipped_at = now(){extra and ', audio = excluded.audio'}")
        cursor.executemany(
            f"insert into {table} (hall, id, row{extra}) values (%s, %s, %s{value}) "
            f"on conflict (hall, id) {update}",
            [[hall, key, json.dumps(row, ensure_ascii=False),
              *([self._audio(row)] if audio else [])] for key, row in rows.items()])

    def _audio(self, row) -> bytes | None:
        if not self.options.ship_audio or not row["kept"]:
            return None
        try:
            return Path(row["path"]).read_bytes()
        except OSError:  # expired or moved since: the metadata still travels
            return None

    def drain(self) -> int:
        """Ship until nothing is pending; returns how many changes went."""
        total = 0
        while (n := self.once()):
            total += n
        return total

    def run(self, stop: Callable[[], bool], every_s: float = 2.0, max_wait_s: float = 300.0,
            on_error: Callable[[SyncError], None] = lambda e: None) -> None:
        """Ship forever: drain, wait, again; when the city is unreachable, retry with a
        growing wait (the outbox keeps everything meanwhile)."""
        wait = every_s
        while not stop():
            try:
                self.drain()
                wait = every_s
            except SyncError as exc:
                on_error(exc)
                wait = min(wait * 2, max_wait_s)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not stop():
                time.sleep(min(0.2, wait))

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        self.conn.close()


def error_text(exc) -> str:
    """psycopg's message, first line (a refused password says so)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
