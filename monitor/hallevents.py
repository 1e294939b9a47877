"""Queue events and citizen ratings in the hall's database, beside `Store`.

Their tables (`queue_events`, `ratings`) are declared in `storage.SCHEMA`, so `Store`
creates them with its own; rows are keyed by the source
system's event id, so importing a file, an API batch or a folder twice stores it once (a
changed event, e.g. a ticket finished since, is updated). A batch is one transaction with
its audit row: all of a file or nothing. Texts a rating carries are masked first.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from . import hallimport, privacy, visits
from .errors import CourtesyError, InputError
from .hallwatch import HallFile
from .records import AuditEntry, QueueEvent, Rating
from .storage import SCHEMA, Store

log = logging.getLogger("courtesy.hall")

TABLE_OF = {"queue": "queue_events", "ratings": "ratings"}
_BOOK = ("source", "imported_at")  # bookkeeping: a re-import changes neither


@dataclass(frozen=True)
class Imported:
    """What one batch did: rows new, rows changed, rows already stored as they are."""

    kind: str
    source: str
    new: int
    changed: int
    same: int

    def text(self) -> str:
        what = "叫号事件" if self.kind == "queue" else "评价"
        return (f"{self.source}: {what} 新增 {self.new} 条，更新 {self.changed} 条，"
                f"已有 {self.same} 条 (new {self.new}, changed {self.changed}, "
                f"unchanged {self.same})")


def _row(item: QueueEvent | Rating, source: str, at: str) -> dict:
    row = {name: getattr(item, name) for name in SCHEMA[TABLE_OF[_kind(item)]][0]
           if name not in _BOOK}
    for name, value in row.items():
        if isinstance(value, datetime):
            row[name] = value.isoformat()
        elif value is None:
            row[name] = ""
    if isinstance(item, Rating):  # a citizen's words: no personal number is stored
        row["reason"], row["text"] = privacy.mask(item.reason), privacy.mask(item.text)
    return {**row, "source": source, "imported_at": at}


def _kind(item) -> str:
    return "ratings" if isinstance(item, Rating) else "queue"


def save(store: Store, kind: str, items: list, source: str, actor: str = "",
         origin: str = "") -> Imported:
    """Store a batch (upsert by id) with its audit row, in one transaction."""
    table = TABLE_OF[kind]
    columns = list(SCHEMA[table][0])
    content = [c for c in columns if c not in _BOOK and c != "id"]
    at = datetime.now().astimezone().isoformat(timespec="seconds")
    rows = [_row(item, source, at) for item in items]
    sql = (f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"values ({', '.join('?' * len(columns))}) on conflict(id) do update set "
           + ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != "id")
           + " where " + " or ".join(f"[{c}] is not excluded.[{c}]" for c in content))
    conn = store.db.conn
    entry = AuditEntry(actor or "system", f"hall.import.{kind}", source,
                       f"{len(rows)} rows", origin)
    with store.audited(entry):
        before, touched = store.db[table].count, conn.total_changes
        conn.executemany(sql, [[row[c] for c in columns] for row in rows])
        written = conn.total_changes - touched
        new = store.db[table].count - before
    return Imported(kind, source, new, written - new, len(set(r["id"] for r in rows)) - written)


def import_file(store: Store, kind: str, path: Path | str,
                mapping: hallimport.Mapping | None = None, actor: str = "") -> Imported:
    """A whole file read and checked, then stored; a bad row stores nothing."""
    items = hallimport.read(path, kind, mapping)
    return save(store, kind, items, str(path), actor)


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def queue_events(store: Store, first: datetime | None = None, last: datetime | None = None,
                 window: str | None = None) -> list[QueueEvent]:
    """Queue events called in [first, last), by window and call time."""
    rows = _rows(store, "queue_events", "called", first, last, window)
    return [QueueEvent(r["id"], r["ticket"], r["window"], _time(r["called"]), r["business"],
                       _time(r["started"]), _time(r["finished"])) for r in rows]


def ratings(store: Store, first: datetime | None = None, last: datetime | None = None,
            window: str | None = None) -> list[Rating]:
    """Ratings given in [first, last), by window and time."""
    rows = _rows(store, "ratings", "at", first, last, window)
    return [Rating(r["id"], r["window"], _time(r["at"]), r["level"], r["ticket"], r["reason"],
                   r["text"]) for r in rows]


def _rows(store: Store, table: str, column: str, first, last, window) -> list[dict]:
    """Times are compared as instants in Python: sources may write different offsets."""
    if not store.db[table].exists():
        return []
    where, args = (["window = ?"], [window]) if window else (["1"], [])
    rows = [dict(r) for r in store.db[table].rows_where(" and ".join(where), args)]
    keep = [(_time(r[column]), r) for r in rows]
    keep = [(t, r) for t, r in keep if (first is None or t >= first)
            and (last is None or t < last)]
    return [r for _, r in sorted(keep, key=lambda pair: (pair[1]["window"], pair[0]))]


def sweep(store: Store, folder: Path, kind: str,
          mapping: hallimport.Mapping | None = None) -> list[tuple[Path, str]]:
    """Import every file dropped in a watched folder once: moved to done/ when stored, to
    failed/ with `NAME.error.txt` beside it when not. Returns (file, outcome) pairs."""
    outcomes = []
    for path in sorted(p for p in Path(folder).iterdir() if _ready(p)):
        try:
            outcome = import_file(store, kind, path, mapping, actor="folder").text()
            target = _move(path, "done")
        except InputError as exc:  # the file is wrong; a busy database is tried again
            outcome = f"导入失败 (import failed): {exc}"
            target = _move(path, "failed")
            target.with_name(target.name + ".error.txt").write_text(outcome + "\n",
                                                                   encoding="utf-8")
        log.info("%s", outcome)
        outcomes.append((target, outcome))
    return outcomes


def _ready(path: Path) -> bool:
    """A whole file: not hidden, not one a copier is still writing (.part, .tmp)."""
    return (path.is_file() and not path.name.startswith(".")
            and path.suffix.lower() not in (".part", ".tmp", ".crdownload"))


def _move(path: Path, where: str) -> Path:
    folder = path.parent / where
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    stamp = 1
    while target.exists():  # the same name dropped again: both kept
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
        stamp += 1
    shutil.move(str(path), target)
    return target



def sweep_hall(store: Store, hall) -> list[tuple[Path, str]]:
    """One round over the folders hall.toml names (`[queue] folder`, `[ratings] folder`)."""
    outcomes = []
    for kind, system in (("queue", hall.queue), ("ratings", hall.ratings)):
        if system.folder is None:
            continue
        system.folder.mkdir(parents=True, exist_ok=True)
        mapping = hallimport.load_mapping(system.mapping) if system.mapping else None
        outcomes += sweep(store, system.folder, kind, mapping)
    return outcomes


def watch(db_path: Path, hall_file: HallFile, stop, every: float = 5.0) -> None:
    """`courtesy serve`'s folder watcher (a thread with its own connection): a round every
    `every` seconds until `stop` is set, over the folders hall.toml names now (a folder
    added or moved while serving counts from the next round); a round that fails is logged
    and tried again."""
    store = None
    while not stop.is_set():
        hall = hall_file.hall
        try:
            if store is None or store.store_raw != hall.store_raw:
                if store is not None:
                    store.close()
                store = Store(db_path, store_raw=hall.store_raw)
            sweep_hall(store, hall)
        except (CourtesyError, OSError) as exc:  # a bad mapping, a busy disk: next round
            log.error("监视文件夹导入出错 (hall folder import): %s", exc)
        stop.wait(every)


def calls_for(store: Store, anchor: datetime, hours: float = 24.0) -> list[visits.Call]:
    """The queue's calls around a session starting at `anchor`, in its seconds (a ticket
    called up to an hour before may still be at the counter)."""
    events = queue_events(store, anchor - timedelta(hours=1), anchor + timedelta(hours=hours))
    return visits.calls(events, anchor)
