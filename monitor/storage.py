"""SQLite storage (sqlite-utils): sessions, utterances, visits, phrase hits and findings.

A session is written in one transaction, replacing any earlier scoring of the same
content, so a failed or repeated run never leaves half a session or duplicate rows.
WAL mode lets the live monitor write while reports and the web board read; several
monitors share one file by taking the write lock only for the few statements that must be
atomic (BEGIN IMMEDIATE) and waiting up to `BUSY_S` for it.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlite_utils

from . import backup, hallchanges, migrate, privacy
from .errors import StorageError
from .records import (AddedFinding, Appeal, AuditEntry, Heartbeat, LexiconChange, LightEvent,
                      PhraseHit, Recording, Review, Session, Visit)
from .stored import (Account, Ack, HeldDay, JudgedSession, OpenSession, ReviewedFinding,
                     SpokenSession, StoredFinding, StoredUtterance, StoredVisit, TrainingEntry,
                     as_json)

DEFAULT_DB = Path("reports") / "courtesy.db"
BUSY_S = 10.0  # how long a write waits for another process's write lock before failing

SCHEMA = {
    "sessions": ({
        "id": str, "kind": str, "source": str, "sha256": str, "window": str, "staff": str,
        "profile": str, "started_at": str, "scored_at": str, "options": str,
        "utterances": int, "visits": int, "monitor": str, "ended_at": str,
    }, "id"),
    "utterances": ({
        "id": str, "session": str, "idx": int, "visit": str, "start": float, "end": float,
        "at": str, "role": str, "text": str, "pinyin": str, "window": str, "staff": str,
        "dbfs": float, "words": str, "heard_by": str, "spotted": str, "role_confidence": float,
    }, "id"),
    "visits": ({
        "id": str, "session": str, "kind": str, "window": str, "staff": str, "profile": str,
        "start": float, "end": float, "started_at": str, "ended_at": str, "greeted": int,
        "farewelled": int, "questions": int, "unanswered": int, "score": float, "verdict": str,
        "provisional": int, "ticket": str, "business": str,
    }, "id"),
    "hits": ({
        "id": str, "session": str, "visit": str, "utterance": int, "kind": str, "phrase": str,
        "matched": str, "start": float, "end": float, "score": float, "category": str,
        "severity": str,
    }, "id"),
    "findings": ({
        "id": str, "session": str, "visit": str, "rule": str, "start": float, "end": float,
        "at": str, "text": str, "category": str, "severity": str, "deduction": float,
        "detail": str, "role_confidence": float,
    }, "id"),
    "users": ({
        "name": str, "role": str, "password_hash": str, "created_at": str,
    }, "name"),
    "settings": ({
        "name": str, "value": str,
    }, "name"),
    "light_events": ({
        "id": int, "window": str, "state": str, "previous": str, "at": str, "rule": str,
        "severity": str, "quote": str, "detail": str, "visit": str,
    }, "id"),
    "acks": ({
        "id": int, "event": int, "window": str, "user": str, "at": str,
    }, "id"),
    "training": ({
        "id": int, "visit": str, "tag": str, "note": str, "added_at": str,
    }, "id"),
    "recordings": ({
        "path": str, "window": str, "started_at": str, "ended_at": str, "kept": int,
        "reason": str,
    }, "path"),
    "heartbeats": ({
        "window": str, "monitor": str, "at": str, "state": str, "started_at": str,
        "level_dbfs": float, "last_speech_at": str, "overruns": int, "backlog": int,
        "message": str,
    }, "window"),
    "audit": ({
        "id": int, "at": str, "actor": str, "action": str, "target": str, "detail": str,
        "origin": str, "note": str,
    }, "id"),
    # review and appeal (monitor/review.py): new rows only, the machine's findings stay
    "reviews": ({
        "id": int, "finding": str, "visit": str, "decision": str, "reason": str, "note": str,
        "actor": str, "at": str,
    }, "id"),
    "added_findings": ({
        "id": int, "visit": str, "rule": str, "severity": str, "start": float, "at": str,
        "note": str, "actor": str, "added_at": str,
    }, "id"),
    "appeals": ({
        "id": int, "finding": str, "visit": str, "staff": str, "actor": str, "reason": str,
        "status": str, "decided_by": str, "decided_at": str, "decision_note": str,
        "filed_at": str,
    }, "id"),
}
SCHEMA["users"][0].update({"staff": str, "disabled": int,  # accounts: staff id, switched off,
                           "session_version": str})  # and what a login cookie must carry
_INDEXES = {
    "reviews": [["finding", "id"], ["visit"], ["at"]],
    "added_findings": [["visit"], ["at"]],
    "appeals": [["finding"], ["staff"], ["status"]],
    "utterances": [["session", "idx"], ["visit"]],
    "visits": [["session"], ["started_at"], ["window"], ["staff"]],
    "hits": [["visit"]],
    "findings": [["visit"], ["rule"], ["at"]],
    "light_events": [["window", "id"], ["at"]],
    "acks": [["event"]],
    "training": [["visit", "tag"]],
    "recordings": [["window", "started_at"]],
    "audit": [["at"], ["actor"], ["action"]],
}
# The audit trail is append-only: the database itself refuses to change or delete a row.
_AUDIT_GUARDS = (
    "create trigger if not exists audit_no_update before update on audit "
    "begin select raise(abort, 'the audit trail is append-only'); end",
    "create trigger if not exists audit_no_delete before delete on audit "
    "begin select raise(abort, 'the audit trail is append-only'); end",
)
# a hall's lexicon and rule changes (hallchanges.py): each a version, append-only like the audit
SCHEMA["sessions"][0]["lexicon_version"] = int  # the hall lexicon a session was judged with
SCHEMA.update(hallchanges.SCHEMA)
_AUDIT_GUARDS += hallchanges.GUARDS
SCHEMA.update(migrate.SCHEMA)
# staff voice profiles (monitor/voices.py): numbers only, one row per staff id, never shipped
SCHEMA["voice_profiles"] = ({
    "staff": str, "kind": str, "profile": str, "frames": int, "version": int,
    "updated_at": str,
}, "staff")
# a window's staff voice learned across the day's visits (monitor/staffvoice.py): the same
# kind of numbers, one row per window and day, deleted with the staff member, never shipped
SCHEMA["learned_voices"] = ({
    "window": str, "day": str, "staff": str, "profile": str, "frames": int, "visits": int,
    "version": int, "updated_at": str,
}, ("window", "day"))
# the hall's own systems (monitor/hallevents.py): queue events and ratings, keyed by the
# source system's event id
SCHEMA["queue_events"] = ({
    "id": str, "ticket": str, "window": str, "business": str, "called": str, "started": str,
    "finished": str, "source": str, "imported_at": str,
}, "id")
SCHEMA["ratings"] = ({
    "id": str, "ticket": str, "window": str, "at": str, "level": int, "reason": str,
    "text": str, "source": str, "imported_at": str,
}, "id")
_INDEXES.update({"queue_events": [["window", "called"], ["ticket"]],
                 "ratings": [["window", "at"], ["ticket"]]})
# a reviewer's word on who spoke a line (monitor/roles.py), append-only like reviews' audit
SCHEMA["role_corrections"] = ({
    "id": int, "visit": str, "session": str, "idx": int, "role": str, "actor": str,
    "note": str, "at": str,
}, "id")
_INDEXES["role_corrections"] = [["visit"]]
_AUDIT_GUARDS += tuple(
    f"create trigger if not exists role_corrections_no_{verb} before {verb} on "
    "role_corrections begin select raise(abort, 'role corrections are append-only'); end"
    for verb in ("update", "delete"))
_CHILDREN = ("findings", "hits", "visits", "utterances")


def finding_ids(visit: Visit) -> list[str]:
    """Each of a visit's findings' stable id: its visit, rule, time in the session in ms and,
    for a phrase finding, a digest of the lexicon phrase heard. A re-scoring (the same file
    again, another lexicon or threshold, a role corrected, a live visit re-judged) gives a
    finding that is still there the same id, so reviews and appeals stay with it; one that is
    gone leaves them orphaned, never on another finding (as an index in the list would)."""
    out, seen = [], set()
    for f in visit.findings:
        phrase = next((h.phrase for h in visit.hits if h.kind == f.rule and h.start == f.start),
                      "")
        key = f"{visit.id}:{f.rule}@{round(f.start * 1000)}" + (
            f"~{hashlib.sha1(phrase.encode()).hexdigest()[:8]}" if phrase else "")
        n = 1
        while (key + (f".{n}" if n > 1 else "")) in seen:
            n += 1
        out.append(key + (f".{n}" if n > 1 else ""))
        seen.add(out[-1])
    return out


def day_bounds(first: date, last: date) -> tuple[str, str]:
    """Days first..last as the [low, high) bounds stored ISO times compare with. High is
    the last day and "~" (after "T" and every time of that day, before the next day), not
    the next day's date, which does not exist after 9999-12-31."""
    return first.isoformat(), last.isoformat() + "~"


def _iso(anchor: datetime, seconds: float) -> str:
    return (anchor + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


def _session_row(session: Session) -> dict:
    return {
        "id": session.id, "kind": session.kind, "source": session.source,
        "sha256": session.sha256, "window": session.window, "staff": session.staff,
        "profile": session.profile, "started_at": session.started_at.isoformat(),
        "scored_at": datetime.now().astimezone().isoformat(),
        "options": json.dumps(session.options, ensure_ascii=False, default=str),
        "utterances": len(session.utterances), "visits": len(session.visits),
        "lexicon_version": session.lexicon_version,
    }


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError as exc:  # a folder we may not look into
        raise StorageError(f"{path}: cannot open database: {exc.strerror}") from None


def _light_event(row: dict) -> LightEvent:
    fields = {k: row[k] for k in ("window", "state", "previous", "rule", "severity", "quote",
                                  "detail", "visit", "id")}
    return LightEvent(at=datetime.fromisoformat(row["at"]), **fields)


def _heartbeat(row: dict) -> Heartbeat:
    times = {k: datetime.fromisoformat(row[k]) if row[k] else None
             for k in ("at", "started_at", "last_speech_at")}
    return Heartbeat(**{**row, **times})


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _recording(row: dict) -> Recording:
    return Recording(row["path"], row["window"], datetime.fromisoformat(row["started_at"]),
                     datetime.fromisoformat(row["ended_at"]), bool(row["kept"]),
                     row["reason"] or "")


def _review(row: dict) -> Review:
    return Review(row["finding"], row["decision"], row["reason"], row["actor"],
                  row["note"] or "", _time(row["at"]), row["id"], row["visit"])


def _added(row: dict) -> AddedFinding:
    return AddedFinding(row["visit"], row["rule"], row["severity"], row["start"], row["actor"],
                        row["note"] or "", _time(row["added_at"]), row["id"], row["at"] or "")


def _appeal(row: dict) -> Appeal:
    return Appeal(row["finding"], row["staff"], row["actor"], row["reason"] or "",
                  row["status"], row["decided_by"] or "", _time(row["decided_at"]),
                  row["decision_note"] or "", _time(row["filed_at"]), row["id"], row["visit"])


def _account(row: dict) -> Account:
    return Account(row["name"], row["role"], row["created_at"] or "", row.get("staff"),
                   bool(row.get("disabled")), row.get("password_hash") or "",
                   row.get("session_version") or "")


# a finding with its visit's window, staff and start: every finding read joins its visit
_FINDINGS = ("select f.*, v.window, v.staff, v.start as visit_start, v.ticket, v.business "
             "from findings f "
             "join visits v on f.visit = v.id")


def _utterance_row(session: Session, index: int, visit_id: str | None, raw: bool) -> dict:
    u = session.utterances[index]
    clean = _keep if raw else privacy.mask
    words = [asdict(w) for w in u.words]
    if words and not raw:
        for word, text in zip(words, privacy.mask_words([w["text"] for w in words])):
            word["text"] = text
    return {
        "id": f"{session.id}:{index}", "session": session.id, "idx": index, "visit": visit_id,
        "start": u.start, "end": u.end, "at": _iso(session.started_at, u.start), "role": u.role,
        "text": clean(u.text), "pinyin": clean(u.pinyin), "window": u.window, "staff": u.staff,
        "dbfs": u.dbfs, "heard_by": u.heard_by, "role_confidence": u.role_confidence,
        "words": json.dumps(words, ensure_ascii=False) if words else None,
        "spotted": json.dumps([as_json(h) for h in u.spotted], ensure_ascii=False)
        if u.spotted else None,
    }


def _keep(text: str) -> str:
    return text


class Store:
    """The monitor's database."""

    def __init__(self, path: Path | str = DEFAULT_DB, must_exist: bool = False,
                 store_raw: bool = False, read_only: bool = False):
        """Open (or create) the database; `must_exist` refuses a missing file or another
        program's database instead, `read_only` also opens it without writing a byte
        (reports and replay work on a copy nobody may change).

        Personal numbers in speech are masked in everything written here, so no caller can
        forget; `store_raw` (hall.toml `[privacy] store_raw = true`) keeps them as heard.
        """
        self.path = Path(path)
        self.store_raw = store_raw
        self._clean = _keep if store_raw else privacy.mask
        if (must_exist or read_only) and not _is_file(self.path):
            raise StorageError(f"{self.path}：没有这个数据库（先用 courtesy score 或 listen "
                               "写入，或用 --db 指定监测程序写入的数据库）")
        try:
            if read_only:
                self.db, tables = self._read_only()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite_utils.Database(sqlite3.connect(self.path, timeout=BUSY_S))
                tables = set(self.db.table_names())
        except (sqlite3.Error, OSError) as exc:  # say which file
            raise StorageError(f"{self.path}: cannot open database: {exc}") from None
        if (must_exist or read_only) and not {"sessions", "visits", "findings"} <= tables:
            self.db.close()
            raise StorageError(f"{self.path}: not a courtesy database (no sessions, visits and "
                               "findings tables); give the --db that `courtesy score` or "
                               "`courtesy listen` writes")
        try:
            migrate.refuse_newer(self.db.conn, self.path)
            if read_only:
                hallchanges.remember(self.db)
                return
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            self._upgrade(tables)
            hallchanges.remember(self.db)
        except StorageError:
            self.db.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"{self.path}: cannot open database: {exc}") from None

    def _upgrade(self, tables: set[str]) -> None:
        """Bring an older (or new) database up to this code: schema and data steps in one
        transaction, after a copy of a database that held anything (monitor/migrate.py)."""
        if not (self._missing() or migrate.behind(self.db.conn)):
            return
        copied = None
        if tables:  # anything stored is copied before it changes
            copied = backup.copy(self.db.conn, migrate.copy_name(self.db.conn, self.path)).path
        with self._writing("upgrade the database"):
            if self._missing() or migrate.behind(self.db.conn):  # not done by another
                self._create()
                migrate.run_steps(self.db, copied)

    def _read_only(self) -> tuple[sqlite_utils.Database, set[str]]:
        """Open for reading only. A WAL database whose folder nobody may write to cannot
        keep its shared-memory file, so it is read as immutable (no writer can be there)."""
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite_utils.Database(sqlite3.connect(uri + "?mode=ro", uri=True))
            return db, set(db.table_names())
        except sqlite3.OperationalError:
            db = sqlite_utils.Database(sqlite3.connect(uri + "?immutable=1", uri=True))
            return db, set(db.table_names())

    def _missing(self) -> bool:
        """Does the schema lack a table, column or guard? (Opening an up-to-date database
        then takes no write lock, so readers never wait for a busy monitor.)"""
        tables = {name: self.db.table(name) for name in self.db.table_names()}
        triggers = {t.name for t in self.db.triggers}
        return (not {"audit_no_update", "audit_no_delete"} <= triggers
                or any(name not in tables or not set(columns) <= set(tables[name].columns_dict)
                       for name, (columns, _) in SCHEMA.items()))

    def _create(self) -> None:
        for name, (columns, pk) in SCHEMA.items():
            table = self.db.table(name)
            if not table.exists():
                table.create(columns, pk=pk)
                for index in _INDEXES.get(name, []):
                    table.create_index(index)
                continue
            for column, kind in columns.items():  # a database from an older version
                if column not in table.columns_dict:
                    table.add_column(column, kind)
        for guard in _AUDIT_GUARDS:
            self.db.execute(guard)

    def save(self, session: Session) -> None:
        """Store a scored session, replacing an earlier scoring of the same session."""
        visit_of = {i: v.id for v in session.visits for i in v.utterances}
        with self._writing("store session"):
            self._delete(session.id)
            self.db["sessions"].insert(_session_row(session))
            self._insert("utterances", (_utterance_row(session, i, visit_of.get(i), self.store_raw)
                                        for i in range(len(session.utterances))))
            for visit in session.visits:
                self._insert_visit(session, visit)

    def open_session(self, session: Session, monitor: str = "") -> None:
        """Register a live session before its first utterance arrives, owned by `monitor`
        (the process writing it, "PID@host") until it ends."""
        with self._writing("open session"):
            self.db["sessions"].upsert({**_session_row(session), "monitor": monitor or None,
                                        "ended_at": None}, pk="id")

    def unfinished_sessions(self, kind: str, window: str | None, source: str
                            ) -> list[OpenSession]:
        """Live sessions of a window and source that no monitor ended (a running monitor's,
        or one killed mid-day), oldest first."""
        return [OpenSession(**r) for r in self.db.query(
            "select id, staff, started_at, monitor from sessions where kind = ? and "
            "[window] is ? and source = ? and monitor is not null and ended_at is null "
            "order by started_at", [kind, window, source])]

    def take_over(self, session_id: str, previous: str, monitor: str) -> bool:
        """Make `monitor` the owner of a dead monitor's session; False if another process
        took it first."""
        with self._writing("take over session"):
            return self.db.execute(
                "update sessions set monitor = ? where id = ? and monitor = ? "
                "and ended_at is null", [monitor, session_id, previous]).rowcount == 1

    def end_session(self, session_id: str, at: datetime) -> None:
        """A live session's stream ended: no restart resumes it."""
        with self._writing("end session"):
            self.db.execute("update sessions set ended_at = ? where id = ?",
                            [at.isoformat(timespec="milliseconds"), session_id])

    def session_utterances(self, session_id: str) -> list[StoredUtterance]:
        """A session's stored utterances in order (to resume it after a restart)."""
        return [StoredUtterance.from_row(r) for r in self.db.query(
            "select * from utterances where session = ? order by idx", [session_id])]

    def add_utterance(self, session: Session, index: int, visit_id: str | None) -> None:
        """Store one live utterance the moment it is heard."""
        with self._writing("store utterance"):
            self.db["utterances"].upsert(_utterance_row(session, index, visit_id, self.store_raw),
                                         pk="id")
            self.db["sessions"].update(session.id, {"utterances": len(session.utterances)})

    def save_visit(self, session: Session, visit: Visit, provisional: bool = False) -> None:
        """Store a live visit's latest judgement, replacing the previous one; `provisional`
        while the visit goes on (暂定: a killed monitor leaves it so, and a restart ends it)."""
        with self._writing("store visit"):
            for name in ("findings", "hits", "visits"):
                column = "id" if name == "visits" else "visit"
                self.db.execute(f"delete from [{name}] where [{column}] = ?", [visit.id])
            self._insert_visit(session, visit, provisional)
            self.db.execute("update utterances set visit = ? where session = ? and idx in (%s)"
                            % ",".join("?" * len(visit.utterances)),
                            [visit.id, session.id, *visit.utterances])
            self.db["sessions"].update(session.id, {"visits": len(session.visits)})

    @contextmanager
    def _writing(self, what: str):
        """One short write transaction. BEGIN IMMEDIATE takes the write lock first (waiting
        up to BUSY_S for another monitor), so a read inside never has to be upgraded, which
        SQLite refuses at once when another process wrote in between."""
        conn = self.db.conn
        try:
            if conn.in_transaction:  # inside another write: a savepoint
                with self.db.atomic():
                    yield
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                with self.db.atomic():
                    yield
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
        except (sqlite3.Error, OSError) as exc:  # a full disk, a lock held too long, I/O
            raise StorageError(f"{self.path}: cannot {what}: {exc}") from None

    def _insert(self, table: str, rows) -> None:
        """Rows of one of our own tables, in one prepared statement (a day is 10⁵ rows:
        sqlite-utils' per-value checks would cost more than the writing)."""
        columns = list(SCHEMA[table][0])
        self.db.conn.executemany(
            f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"values ({', '.join('?' * len(columns))})",
            ([row.get(c) for c in columns] for row in rows))

    def _insert_visit(self, session: Session, visit: Visit, provisional: bool = False) -> None:
        anchor = session.started_at
        self._insert("visits", [{
            "id": visit.id, "session": session.id, "kind": session.kind, "window": visit.window,
            "staff": visit.staff, "profile": session.profile, "start": visit.start,
            "end": visit.end, "started_at": _iso(anchor, visit.start),
            "ended_at": _iso(anchor, visit.end), "greeted": int(visit.greeted),
            "farewelled": int(visit.farewelled), "questions": visit.questions,
            "unanswered": visit.unanswered, "score": visit.score, "verdict": visit.verdict,
            "provisional": int(provisional), "ticket": visit.ticket, "business": visit.business,
        }])
        self._insert("hits", ({
            "id": f"{visit.id}:h{n}", "session": session.id, "visit": visit.id,
            "utterance": h.utterance, "kind": h.kind, "phrase": h.phrase,
            "matched": self._clean(h.matched),
            "start": h.start, "end": h.end, "score": h.score, "category": h.category,
            "severity": h.severity,
        } for n, h in enumerate(visit.hits)))
        self._insert("findings", ({
            "id": key, "session": session.id, "visit": visit.id,
            "rule": f.rule, "start": f.start, "end": f.end, "at": _iso(anchor, f.start),
            "text": self._clean(f.text), "category": f.category, "severity": f.severity,
            "deduction": f.deduction, "detail": self._clean(f.detail),
            "role_confidence": f.role_confidence,
        } for key, f in zip(finding_ids(visit), visit.findings)))

    def add_light_event(self, event: LightEvent) -> LightEvent:
        """Store a light change; returns it with its id (the order of events)."""
        row = {k: v for k, v in asdict(event).items() if k != "id"}
        row["at"] = event.at.isoformat(timespec="milliseconds")
        row["quote"], row["detail"] = self._clean(event.quote), self._clean(event.detail)
        with self._writing("store light event"):
            event_id = self.db["light_events"].insert(row).last_pk
        return replace(event, id=event_id)

    def light_events(self, after: int = 0, window: str | None = None) -> list[LightEvent]:
        where, args = "id > ?", [after]
        if window is not None:
            where, args = where + " and window = ?", args + [window]
        return [_light_event(r) for r in self.db["light_events"].rows_where(
            where, args, order_by="id")]

    def current_lights(self) -> dict[str, LightEvent]:
        """Each window's latest light event."""
        rows = self.db.query("select * from light_events where id in "
                             "(select max(id) from light_events group by window) order by window")
        return {r["window"]: _light_event(r) for r in rows}

    def acknowledge(self, event_id: int, user: str, at: datetime) -> bool:
        """Record a supervisor's acknowledgement of a red light; False if there is nothing
        to acknowledge (not a red event, or already acknowledged)."""
        with self._writing("store acknowledgement"):
            event = self.db["light_events"].get(event_id) if self._has_event(event_id) else None
            if event is None or event["state"] != "red" or self.acknowledged(event_id):
                return False
            self.db["acks"].insert({"event": event_id, "window": event["window"], "user": user,
                                    "at": at.isoformat(timespec="milliseconds")})
        return True

    def _has_event(self, event_id: int) -> bool:
        return bool(self.db.execute("select 1 from light_events where id = ?",
                                    [event_id]).fetchone())

    def acknowledged(self, event_id: int) -> bool:
        return bool(self.db.execute("select 1 from acks where event = ?", [event_id]).fetchone())

    def _delete(self, session_id: str) -> None:
        for name in _CHILDREN + ("sessions",):
            column = "id" if name == "sessions" else "session"
            self.db.execute(f"delete from [{name}] where [{column}] = ?", [session_id])

    def _live(self, first: date, last: date, window: str | None, staff: str | None,
              alias: str = "visits") -> tuple[str, list]:
        """Where-clause for live visits started on the days first..last (wall-clock dates)."""
        where = [f"{alias}.kind = 'live'", f"{alias}.started_at >= ?", f"{alias}.started_at < ?"]
        params: list = list(day_bounds(first, last))
        for column, value in (("window", window), ("staff", staff)):
            if value is not None:
                where.append(f"{alias}.[{column}] = ?")
                params.append(value)
        return " and ".join(where), params

    def live_days(self) -> list[HeldDay]:
        """Every day with live visits and how many, newest first (what a report can cover)."""
        rows = self.db.query("select substr(started_at, 1, 10) as day, count(*) as visits "
                             "from visits where kind = 'live' group by day order by day desc")
        return [HeldDay(r["day"], r["visits"]) for r in rows]

    def live_visits(self, first: date, last: date, window: str | None = None,
                    staff: str | None = None) -> list[StoredVisit]:
        """Live visits (never practice) started between two dates, in time order."""
        where, params = self._live(first, last, window, staff)
        return [StoredVisit.from_row(r) for r in self.db.query(
            f"select * from visits where {where} order by started_at, id", params)]

    def live_findings(self, first: date, last: date, window: str | None = None,
                      staff: str | None = None) -> list[StoredFinding]:
        """Findings of those visits, with the visit's window and staff, in time order."""
        where, params = self._live(first, last, window, staff, alias="v")
        return [StoredFinding.from_row(r) for r in self.db.query(
            f"{_FINDINGS} where {where} order by f.at, f.id", params)]

    def last_live_day(self, before: date, window: str | None = None,
                      staff: str | None = None) -> date | None:
        """The latest day before `before` with live visits, or None."""
        where, params = self._live(date.min, before - timedelta(days=1), window, staff)
        row = next(self.db.query(f"select max(started_at) as last from visits where {where}",
                                 params))
        return date.fromisoformat(row["last"][:10]) if row["last"] else None

    def visit_utterances(self, visit_ids: list[str]) -> list[StoredUtterance]:
        """The utterances of some visits, in session order."""
        rows = self._chunked("select * from utterances where visit in ({})", list(visit_ids))
        return sorted((StoredUtterance.from_row(r) for r in rows),
                      key=lambda u: (u.session, u.idx))

    def visit(self, visit_id: str) -> StoredVisit | None:
        row = next(self.db["visits"].rows_where("id = ?", [visit_id]), None)
        return StoredVisit.from_row(row) if row else None

    def visit_hits(self, visit_id: str) -> list[PhraseHit]:
        return [PhraseHit(h["kind"], h["phrase"], h["matched"] or "", h["utterance"], h["start"],
                          h["end"], h["score"], h["category"] or "", h["severity"] or "")
                for h in self.db["hits"].rows_where("visit = ?", [visit_id], order_by="start")]

    def visit_findings(self, visit_id: str) -> list[StoredFinding]:
        return [StoredFinding.from_row(r) for r in self.db.query(
            f"{_FINDINGS} where f.visit = ? order by f.start", [visit_id])]

    def add_training(self, visit_id: str, tag: str, note: str = "") -> bool:
        """Put a visit in a training collection; False if it is there already."""
        with self._writing("store training tag"):
            if list(self.db["training"].rows_where("visit = ? and tag = ?", [visit_id, tag])):
                return False
            self.db["training"].insert({"visit": visit_id, "tag": tag, "note": self._clean(note),
                                        "added_at": datetime.now().astimezone().isoformat()})
        return True

    def remove_training(self, visit_id: str, tag: str | None = None) -> int:
        """Take a visit out of one collection (or all); returns how many tags went."""
        where, args = (("visit = ? and tag = ?", [visit_id, tag]) if tag
                       else ("visit = ?", [visit_id]))
        with self._writing("remove training tag"):
            return self.db.execute(f"delete from training where {where}", args).rowcount

    def training(self, tag: str | None = None) -> list[TrainingEntry]:
        """Training visits with their tags, newest first."""
        if not self.db["training"].exists():
            return []
        where, args = ("where t.tag = ?", [tag]) if tag else ("", [])
        return [TrainingEntry(r["visit"], r["tag"], r["note"] or "", r["added_at"], r["window"],
                              r["staff"], r["started_at"], r["score"], r["verdict"],
                              bool(r["provisional"])) for r in self.db.query(
            "select t.visit, t.tag, t.note, t.added_at, v.window, v.staff, v.started_at, "
            f"v.score, v.verdict, v.provisional from training t join visits v on v.id = t.visit "
            f"{where} order by t.added_at desc, t.id desc", args)]

    def visit_tags(self, visit_id: str) -> list[str]:
        """The training collections a visit is in."""
        return [r["tag"] for r in self.db["training"].rows_where(
            "visit = ?", [visit_id], select="tag", order_by="tag")]

    # --- audio kept for replay (courtesy listen's retention) ---------------------------

    def save_recording(self, recording: Recording) -> None:
        """Note a recording file and whether retention kept it (replacing an earlier note)."""
        with self._writing("store recording"):
            self.db["recordings"].upsert({
                "path": recording.path, "window": recording.window,
                "started_at": recording.started_at.isoformat(timespec="milliseconds"),
                "ended_at": recording.ended_at.isoformat(timespec="milliseconds"),
                "kept": int(recording.kept), "reason": recording.reason}, pk="path")

    def recordings_over(self, window: str, started_at: str, ended_at: str) -> list[Recording]:
        """Kept recordings of a window overlapping a stretch of wall-clock time (ISO)."""
        return [self._located(r) for r in self.db["recordings"].rows_where(
            "window = ? and kept = 1 and started_at <= ? and ended_at >= ?",
            [window, ended_at, started_at], order_by="started_at")]

    def kept_recordings(self) -> list[Recording]:
        """Every window's kept recordings, oldest first, paths absolute."""
        if not self.db["recordings"].exists():
            return []
        return [self._located(r) for r in self.db["recordings"].rows_where(
            "kept = 1", order_by="ended_at")]

    def recording_paths(self) -> set[str]:
        """Every recording the database knows (kept or not), paths absolute."""
        return {self._found(r["path"]) for r in self.db["recordings"].rows_where(select="path")}

    def _located(self, row: dict) -> Recording:
        return _recording({**row, "path": self._found(row["path"])})

    def _found(self, stored: str) -> str:
        """Paths are stored absolute; a relative one (older versions stored them relative to
        where `listen` ran) is looked for beside the database, then in its parent folders."""
        path = Path(stored)
        if path.is_absolute():
            return stored
        folder = self.path.resolve().parent
        return str(next((base / path for base in (folder, *folder.parents)
                         if (base / path).exists()), folder / path))

    def recording_expired(self, path: str, reason: str = "expired") -> None:
        """A recording deleted from disk (by retention): its row stays, marked not kept."""
        with self._writing("mark recording expired"):
            self.db.execute("update recordings set kept = 0, reason = ? where path = ?",
                            [reason, path])

    def speech_before(self, cutoff: datetime) -> list[SpokenSession]:
        """Sessions holding speech text heard before `cutoff`: session, window, utterances."""
        return [SpokenSession(**r) for r in self.db.query(
            "select session, window, count(*) as utterances from utterances where at < ? and "
            "(coalesce(text, '') != '' or coalesce(pinyin, '') != '' or words is not null) "
            "group by session order by min(at)", [cutoff.isoformat(timespec="milliseconds")])]

    def forget_speech(self, session_id: str, cutoff: datetime) -> int:
        """Delete what was said before `cutoff` in a session (utterance text, pinyin, words
        and spotted phrases; finding quotes, matched phrases, light quotes), keeping the
        times, scores and verdicts the reports count. Returns the utterances emptied."""
        at = cutoff.isoformat(timespec="milliseconds")
        with self._writing("delete old speech"):
            emptied = self.db.execute(
                "update utterances set text = '', pinyin = '', words = null, spotted = null "
                "where session = ? and at < ?", [session_id, at]).rowcount
            self.db.execute("update findings set text = '' where session = ? and at < ?",
                            [session_id, at])
            self.db.execute("update hits set matched = '' where session = ? and visit in "
                            "(select id from visits where session = ? and ended_at < ?)",
                            [session_id, session_id, at])
            self.db.execute("update light_events set quote = '' where at < ? and visit in "
                            "(select id from visits where session = ?)", [at, session_id])
        return emptied

    def flagged_visits(self, window: str, start: datetime, end: datetime) -> int:
        """Visits at a window overlapping a stretch of time whose verdict is not pass."""
        return self.db.execute(
            "select count(*) from visits where window = ? and verdict != 'pass' "
            "and started_at <= ? and ended_at >= ?",
            [window, end.isoformat(timespec="milliseconds"),
             start.isoformat(timespec="milliseconds")]).fetchone()[0]

    # --- liveness: each monitor's heartbeat per window -------------------------------------

    def beat(self, heartbeat: Heartbeat) -> None:
        """A window's latest heartbeat (one row per window: the monitor that last beat)."""
        row = {k: v.isoformat(timespec="milliseconds") if isinstance(v, datetime) else v
               for k, v in asdict(heartbeat).items()}
        row["message"] = self._clean(heartbeat.message)
        with self._writing("store heartbeat"):
            self.db["heartbeats"].upsert(row, pk="window")

    def heartbeats(self) -> dict[str, Heartbeat]:
        if not self.db["heartbeats"].exists():  # a database from before liveness, read-only
            return {}
        return {r["window"]: _heartbeat(r) for r in self.db["heartbeats"].rows}

    # --- the audit trail (append-only) ---------------------------------------------------

    def add_audit(self, entry: AuditEntry) -> AuditEntry:
        """Append an action to the audit trail; returns it with its id and time. Only the
        free-text note is masked: target and detail are ids, codes and times, which
        masking would garble (a visit id is digits enough to look like a phone)."""
        at = entry.at or datetime.now().astimezone()
        row = {"at": at.isoformat(timespec="milliseconds"), "actor": entry.actor,
               "action": entry.action, "target": entry.target, "detail": entry.detail,
               "origin": entry.origin, "note": self._clean(entry.note)}
        with self._writing("store audit entry"):
            entry_id = self.db["audit"].insert(row).last_pk
        return replace(entry, at=at, id=entry_id)

    def audit(self, first: date | None = None, last: date | None = None,
              actor: str | None = None, action: str | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first, optionally for days, a person or an action."""
        if not self.db["audit"].exists():
            return []
        where, args = ["1"], []
        if first is not None:
            where, args = where + ["at >= ?"], args + [first.isoformat()]
        if last is not None:
            where, args = where + ["at < ?"], args + [day_bounds(last, last)[1]]
        for column, value in (("actor", actor), ("action", action)):
            if value is not None:
                where, args = where + [f"{column} = ?"], args + [value]
        return [AuditEntry(r["actor"], r["action"], r["target"], r["detail"], r["origin"],
                           datetime.fromisoformat(r["at"]), r["id"], r.get("note") or "")
                for r in self.db["audit"].rows_where(" and ".join(where), args, order_by="id")]

    def counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in SCHEMA}

    def close(self) -> None:
        self.db.close()

    # --- the web board: users, settings, and what changed since the last look -----------

    def add_user(self, name: str, role: str, password_hash: str, at: datetime,
                 replace: bool = False) -> bool:
        """Store a user (the hash only, never the password); False if the name is taken and
        `replace` is not set."""
        with self._writing("store user"):
            if not replace and self.account(name) is not None:
                return False
            self.db["users"].upsert({"name": name, "role": role, "password_hash": password_hash,
                                     "created_at": at.isoformat(timespec="seconds")}, pk="name")
        return True

    def setting(self, name: str, default: str) -> str:
        """A stored setting, storing `default` the first time (e.g. a generated secret)."""
        with self._writing("store setting"):
            self.db.execute("insert or ignore into settings (name, value) values (?, ?)",
                            [name, default])
        return self.db.execute("select value from settings where name = ?",
                               [name]).fetchone()[0]

    def light_event(self, event_id: int) -> LightEvent | None:
        row = next(self.db["light_events"].rows_where("id = ?", [event_id]), None)
        return _light_event(row) if row else None

    def last_light_event(self) -> int:
        return self.db.execute("select coalesce(max(id), 0) from light_events").fetchone()[0]

    def ack_of(self, event_id: int) -> Ack | None:
        row = next(self.db["acks"].rows_where("event = ?", [event_id]), None)
        return Ack(row["event"], row["window"], row["user"], datetime.fromisoformat(row["at"]),
                   row["id"]) if row else None

    def ack_of_red_before(self, window: str, event_id: int) -> Ack | None:
        """The acknowledgement of `window`'s last red before `event_id`, if it has one: a
        tile that left that red still says who acknowledged it."""
        row = self.db.execute(
            "select event from acks where event = (select max(id) from light_events "
            "where window = ? and id < ? and state = 'red')", [window, event_id]).fetchone()
        return self.ack_of(row[0]) if row else None

    def data_version(self) -> int:
        """Changes whenever another connection commits: a watcher's cue to look again."""
        return self.db.execute("pragma data_version").fetchone()[0]

    # --- review and appeal (monitor/review.py), accounts (monitor/accounts.py) -----------

    @contextmanager
    def audited(self, entry: AuditEntry):
        """One transaction for a person's action and its audit row: neither is stored
        without the other. A CourtesyError raised inside rolls both back and goes on."""
        try:
            with self.db.atomic():
                yield
                self.add_audit(entry)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot store {entry.action}: {exc}") from None

    def add_review(self, review: Review, visit: str) -> Review:
        at = review.at or datetime.now().astimezone()
        with self._writing("store review"):
            review_id = self.db["reviews"].insert({
                "finding": review.finding, "visit": visit, "decision": review.decision,
                "reason": review.reason, "note": self._clean(review.note),
                "actor": review.actor, "at": at.isoformat(timespec="milliseconds")}).last_pk
        return replace(review, at=at, id=review_id)

    def _chunked(self, sql: str, keys: list[str]) -> list[dict]:
        """A query with `in ({})` over many keys, 500 at a time."""
        rows: list[dict] = []
        for n in range(0, len(keys), 500):
            chunk = keys[n:n + 500]
            rows += self.db.query(sql.format(", ".join("?" * len(chunk))), chunk)
        return rows

    def latest_reviews(self, finding_ids: list[str]) -> dict[str, Review]:
        """Each finding's latest review (the one that counts), by finding id."""
        if not self.db["reviews"].exists():
            return {}
        rows = self._chunked("select * from reviews where id in (select max(id) from reviews "
                             "where finding in ({}) group by finding)", list(finding_ids))
        return {r["finding"]: _review(r) for r in rows}

    def visit_reviews(self, visit_ids: list[str]) -> list[Review]:
        """Every review of some visits' findings, oldest first (the history stays)."""
        if not self.db["reviews"].exists():
            return []
        return sorted((_review(r) for r in self._chunked(
            "select * from reviews where visit in ({})", list(visit_ids))), key=lambda r: r.id)

    def add_finding(self, added: AddedFinding, anchor: datetime) -> AddedFinding:
        """A finding the machine missed; `anchor` is its session's start (for the clock time)."""
        at = added.at or datetime.now().astimezone()
        with self._writing("store added finding"):
            added_id = self.db["added_findings"].insert({
                "visit": added.visit, "rule": added.rule, "severity": added.severity,
                "start": added.start, "at": _iso(anchor, added.start),
                "note": self._clean(added.note), "actor": added.actor,
                "added_at": at.isoformat(timespec="milliseconds")}).last_pk
        return replace(added, at=at, id=added_id)

    def added_findings(self, visit_ids: list[str]) -> list[AddedFinding]:
        if not self.db["added_findings"].exists():
            return []
        return sorted((_added(r) for r in self._chunked(
            "select * from added_findings where visit in ({})", list(visit_ids))),
            key=lambda r: r.id)

    def add_appeal(self, appeal: Appeal, visit: str) -> Appeal:
        at = appeal.filed_at or datetime.now().astimezone()
        with self._writing("store appeal"):
            appeal_id = self.db["appeals"].insert({
                "finding": appeal.finding, "visit": visit, "staff": appeal.staff,
                "actor": appeal.actor, "reason": self._clean(appeal.reason),
                "status": "open", "decided_by": "", "decided_at": None, "decision_note": "",
                "filed_at": at.isoformat(timespec="milliseconds")}).last_pk
        return replace(appeal, filed_at=at, id=appeal_id, status="open")

    def decide_appeal(self, appeal_id: int, status: str, by: str, at: datetime,
                      note: str) -> bool:
        """Decide an open appeal once; False if it is not open (already decided)."""
        with self._writing("store appeal decision"):
            return self.db.execute(
                "update appeals set status = ?, decided_by = ?, decided_at = ?, "
                "decision_note = ? where id = ? and status = 'open'",
                [status, by, at.isoformat(timespec="milliseconds"), self._clean(note),
                 appeal_id]).rowcount == 1

    def appeals(self, staff: str | None = None, status: str | None = None,
                finding_ids: list[str] | None = None, appeal_id: int | None = None
                ) -> list[Appeal]:
        """Appeals, newest first, optionally of one staff id, status, findings or one id."""
        if not self.db["appeals"].exists():
            return []
        where, args = ["1"], []
        for column, value in (("staff", staff), ("status", status), ("id", appeal_id)):
            if value is not None:
                where, args = where + [f"{column} = ?"], args + [value]
        if finding_ids is not None:
            if not finding_ids:
                return []
            where.append(f"finding in ({', '.join('?' * len(finding_ids))})")
            args += list(finding_ids)
        return [_appeal(r) for r in self.db["appeals"].rows_where(" and ".join(where), args,
                                                                  order_by="id desc")]

    def finding(self, finding_id: str) -> StoredFinding | None:
        """A machine finding with its visit's window, staff and start."""
        row = next(self.db.query(f"{_FINDINGS} where f.id = ?", [finding_id]), None)
        return StoredFinding.from_row(row) if row else None

    def unreviewed(self, first: date, last: date, window: str | None = None,
                   staff: str | None = None, rule: str | None = None,
                   limit: int = 200) -> list[StoredFinding]:
        """Live findings nobody has reviewed yet, gravest first, then in time order."""
        where, params = self._live(first, last, window, staff, alias="v")
        if rule is not None:
            where, params = where + " and f.rule = ?", params + [rule]
        return [StoredFinding.from_row(r) for r in self.db.query(
            f"{_FINDINGS} where {where} and not exists "
            "(select 1 from reviews r where r.finding = f.id) order by case f.severity "
            "when 'critical' then 0 when 'major' then 1 else 2 end, f.at, f.id limit ?",
            params + [limit])]

    def session_options(self, session_id: str) -> dict:
        row = self.db.execute("select options from sessions where id = ?",
                              [session_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def account(self, name: str) -> Account | None:
        """A user with staff id and disabled flag (the hash only to check a password)."""
        if not self.db["users"].exists():  # a database from before the board, read-only
            return None
        row = next(self.db["users"].rows_where("name = ?", [name]), None)
        return _account(row) if row else None

    def accounts(self) -> list[Account]:
        """Every user by name, without the hash (an older database may lack columns)."""
        if not self.db["users"].exists():
            return []
        return [_account({**row, "password_hash": "", "session_version": ""})
                for row in self.db["users"].rows_where(order_by="name")]

    def update_account(self, name: str, values: dict) -> bool:
        """Change a user's role, hash, staff id or disabled flag; False if no such user."""
        with self._writing("store user"):
            columns = ", ".join(f"[{k}] = ?" for k in values)
            return self.db.execute(f"update users set {columns} where name = ?",
                                   [*values.values(), name]).rowcount == 1

    def remove_account(self, name: str) -> bool:
        with self._writing("remove user"):
            return self.db.execute("delete from users where name = ?", [name]).rowcount == 1

    def reviewed_findings(self, since: date | None = None) -> list[ReviewedFinding]:
        """Each reviewed machine finding's rule, phrase (a taboo's lexicon phrase, from the
        hit it came from) and latest decision; findings since a day, if given."""
        if not self.db["reviews"].exists():
            return []
        return [ReviewedFinding(**r) for r in self.db.query(
            "select f.id, f.rule, min(coalesce(h.phrase, '')) as phrase, r.decision from reviews r "
            "join findings f on f.id = r.finding left join hits h on h.visit = f.visit and "
            "h.kind = f.rule and h.start = f.start where r.id in (select max(id) from reviews "
            "group by finding) and f.at >= ? group by f.id", [(since or date.min).isoformat()])]

    def findings_of(self, visit_ids: list[str]) -> list[StoredFinding]:
        """Every machine finding of some visits (with its deduction), in time order."""
        return sorted((StoredFinding.from_row(r) for r in self._chunked(
            f"{_FINDINGS} where f.visit in ({{}})", list(visit_ids))),
            key=lambda f: (f.visit, f.start))

    # --- hall lexicon changes (tuning.py, hallchanges.py) --------------------------------

    def lexicon_changes(self, upto: int | None = None) -> list[LexiconChange]:
        """The hall's lexicon changes in version order, up to a version if given."""
        return hallchanges.changes(self.db, hallchanges.LEXICON, upto)

    def lexicon_version(self) -> int:
        """The hall lexicon's current version (0: the shipped files, unchanged)."""
        return hallchanges.version(self.db, hallchanges.LEXICON)

    def session_lexicon_version(self, session_id: str) -> int:
        """The hall lexicon version a session is judged with (0 for an older session)."""
        row = self.db.execute("select lexicon_version from sessions where id = ?",
                              [session_id]).fetchone()
        return (row[0] or 0) if row else 0

    def live_sessions(self, first: date, last: date) -> list[JudgedSession]:
        """Live sessions with visits started on the days first..last, oldest first, with
        how many of those visits each has."""
        where, params = self._live(first, last, None, None, alias="v")
        return [JudgedSession.from_row(r) for r in self.db.query(
            "select s.id, s.window, s.staff, s.profile, s.started_at, s.lexicon_version, "
            "count(v.id) as visits from sessions s join visits v on v.session = s.id where "
            f"{where} group by s.id order by s.started_at, s.id", params)]

    def phrase_visits(self, kind: str, phrase: str, first: date, last: date
                      ) -> list[StoredVisit]:
        """Live visits of those days in which a lexicon phrase was heard, as stored."""
        where, params = self._live(first, last, None, None, alias="v")
        return [StoredVisit.from_row(r) for r in self.db.query(
            f"select v.* from visits v where {where} and v.id in (select visit from hits "
            "where kind = ? and phrase = ?) order by v.started_at, v.id",
            params + [kind, phrase])]


def move_lines(store: Store, session: Session, ended: Visit, opened: Visit,
               heard: Sequence[int] = ()) -> None:
    """A live visit's first lines found to open the next visit (one pickup: a greeting came
    soon after a new customer's first words): the visit they leave, judged for good without
    them, and the one they open (provisional, with `heard`: lines not stored yet), in one
    transaction, so a killed monitor leaves every line in one visit, the one it was judged in."""
    with store._writing("move lines to the next visit"):
        for index in heard:
            store.add_utterance(session, index, opened.id)
        store.save_visit(session, ended)
        store.save_visit(session, opened, provisional=True)
