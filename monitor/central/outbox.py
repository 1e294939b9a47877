"""The outbox: every change to a shipped table, noted by SQLite itself in the same database.

Triggers append (table, key, op) to `outbox` in the writer's own transaction, so no code
path can forget a row and a change is noted if and only if it is committed; the outbox
lives in the hall's database file, so it survives restarts and outages of days. The
shipper (`sync.py`) reads it in order and removes what PostgreSQL has committed.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

# What a hall ships and each table's key; tables are taken when they exist.
SHIPPED = {
    "sessions": "id", "utterances": "id", "visits": "id", "hits": "id", "findings": "id",
    "light_events": "id", "recordings": "path", "audit": "id",
    "reviews": "id", "review_notes": "id",
    # the hall's state besides its visits (migration 0002); heartbeats: one row per window
    "heartbeats": "window", "acks": "id", "users": "name", "settings": "name",
    "training": "id", "added_findings": "id", "appeals": "id",
    "lexicon_changes": "version",  # migration 0003: the hall's lexicon versions
    "queue_events": "id", "ratings": "id",  # migration 0005: the hall's queue and ratings
}
# rows a hall may add but never change or delete, here (SQLite triggers) and in the city
# (migration 0004: no UPDATE or DELETE for hall roles); shipped with `on conflict do nothing`
APPEND_ONLY = ("audit", "lexicon_changes")
THROTTLED = {"heartbeats": 60.0}  # seconds between notes of an unchanged state
_NOTED = ("create table if not exists outbox_noted (tbl text not null, key text not null, "
          "noted real not null, primary key (tbl, key))")
WITHHELD = {"users": ("password_hash", "session_version")}  # never leave the hall
SECRET_SETTING = re.compile(r"secret|password|token|key")  # settings that never leave it


def shareable(table: str, row: dict) -> dict | None:
    """The row as the city may see it, or None for a row that stays in the hall (shipped as
    a delete, so a row that became secret is removed centrally too)."""
    if table == "settings" and SECRET_SETTING.search(row["name"]):
        return None
    return {k: v for k, v in row.items() if k not in WITHHELD.get(table, ())}
_OUTBOX = ("create table if not exists outbox (seq integer primary key autoincrement, "
           "tbl text not null, key text not null, op text not null, "
           "noted_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))")
_STATE = "create table if not exists outbox_state (name text primary key, value text)"


@dataclass(frozen=True)
class Change:
    """One noted change: the row `key` of `table` was inserted, updated or deleted."""

    seq: int
    table: str
    key: str
    op: str


def _triggers(table: str, key: str) -> list[str]:
    # one entry per row, moved to the end on each change: the outbox never outgrows the
    # tables however often a live visit is re-judged, and the shipper sends the row as it is
    note = ("delete from outbox where tbl = '{t}' and key = {row}.[{k}]; "
            "insert into outbox (tbl, key, op) values ('{t}', {row}.[{k}], '{op}')")
    made = []
    for op, row, when in (("insert", "new", "insert"), ("update", "new", "update"),
                          ("delete", "old", "delete")):
        only, also = _throttle(table, key) if op != "delete" else ("", "")
        only = only if op == "update" else ""
        made.append(f"create trigger if not exists outbox_{table}_{op} after {when} on [{table}] "
                    f"{only}begin {note.format(t=table, row=row, k=key, op=op)}; {also}end")
    # a key changed by an update: the old key is gone
    made.append(f"create trigger if not exists outbox_{table}_rekey after update of [{key}] "
                f"on [{table}] when old.[{key}] is not new.[{key}] begin "
                f"{note.format(t=table, row='old', k=key, op='delete')}; end")
    return made


def _throttle(table: str, key: str) -> tuple[str, str]:
    """A heartbeat rewrites its window's row every two seconds: it is noted when its state
    or monitor changes, otherwise at most every `BEAT_NOTE_S` (the city needs the latest
    state, not every beat). Returns the trigger's WHEN clause and the statement that
    remembers when the row was last noted."""
    if table not in THROTTLED:
        return "", ""
    last = f"(select noted from outbox_noted where tbl = '{table}' and key = new.[{key}])"
    only = (f"when old.state is not new.state or old.monitor is not new.monitor or "
            f"coalesce({last}, 0) < julianday('now') - {THROTTLED[table] / 86400!r} ")
    # delete, then insert: an `or replace` here would yield to the writer's own conflict clause
    also = (f"delete from outbox_noted where tbl = '{table}' and key = new.[{key}]; "
            f"insert into outbox_noted (tbl, key, noted) "
            f"values ('{table}', new.[{key}], julianday('now')); ")
    return only, also


def install(conn: sqlite3.Connection) -> list[str]:
    """Create the outbox and its triggers (idempotent). A table seen for the first time has
    its existing rows noted too, so turning `[central]` on ships the hall's history.
    Returns the tables newly watched."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    watched = {r[0].removeprefix("outbox_").removesuffix("_insert") for r in conn.execute(
        "select name from sqlite_master where type='trigger' and name like 'outbox_%_insert'")}
    fresh = [t for t in SHIPPED if t in tables and t not in watched]
    with conn:
        conn.execute(_OUTBOX)
        conn.execute(_STATE)
        conn.execute(_NOTED)
        conn.execute("create index if not exists outbox_row on outbox (tbl, key)")
        for table in fresh:
            for trigger in _triggers(table, SHIPPED[table]):
                conn.execute(trigger)
            conn.execute(f"insert into outbox (tbl, key, op) select '{table}', "
                         f"[{SHIPPED[table]}], 'insert' from [{table}]")
    return fresh


def installed(conn: sqlite3.Connection) -> bool:
    return conn.execute("select 1 from sqlite_master where name = 'outbox'").fetchone() is not None


def pending(conn: sqlite3.Connection, limit: int) -> list[Change]:
    """The oldest changes not yet shipped."""
    rows = conn.execute("select seq, tbl, key, op from outbox order by seq limit ?", [limit])
    return [Change(*row) for row in rows]


def shipped(conn: sqlite3.Connection, last_seq: int) -> None:
    """PostgreSQL has committed everything up to `last_seq`."""
    with conn:
        conn.execute("delete from outbox where seq <= ?", [last_seq])


def backlog(conn: sqlite3.Connection) -> tuple[int, str | None]:
    """How many changes wait, and when the oldest was noted (UTC ISO)."""
    count, oldest = conn.execute("select count(*), min(noted_at) from outbox").fetchone()
    return count, oldest


def get_state(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("select name, value from outbox_state"))


def set_state(conn: sqlite3.Connection, **values: str) -> None:
    with conn:
        conn.executemany("insert into outbox_state (name, value) values (?, ?) on conflict(name) "
                         "do update set value = excluded.value", list(values.items()))
