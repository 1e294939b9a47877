"""Reading and exporting the audit trail: who did what, when and from where.

The trail itself is written by each action's own module, in the action's transaction
(`Store.audited`), and the database refuses to change or delete a row; this module only
reads it. Exports are for a spreadsheet: CSV with a BOM (Excel then reads UTF-8 Chinese)
and every cell a spreadsheet would take for a formula quoted with a leading apostrophe.
"""
from __future__ import annotations

import csv
import json
from datetime import date
from typing import IO

from .records import AuditEntry
from .storage import Store
from .stored import as_json

FORMATS = ("csv", "json")
COLUMNS = ("id", "at", "actor", "action", "target", "detail", "note", "origin")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def entries(store: Store, first: date | None = None, last: date | None = None,
            actor: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """The trail, oldest first, for days first..last (inclusive), a person or an action."""
    return store.audit(first, last, actor, action)


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(rows: list[AuditEntry], handle: IO[str]) -> None:
    handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in rows:
        data = as_json(entry)
        writer.writerow([safe_cell(data[c]) for c in COLUMNS])


def write_json(rows: list[AuditEntry], handle: IO[str]) -> None:
    json.dump({"audit": [as_json(e) for e in rows]}, handle, ensure_ascii=False, indent=1)
    handle.write("\n")


def write(rows: list[AuditEntry], fmt: str, handle: IO[str]) -> None:
    (write_csv if fmt == "csv" else write_json)(rows, handle)


def line(entry: AuditEntry) -> str:
    """One entry as a line for the terminal."""
    return (f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:<12} {entry.action:<12} "
            f"{entry.target}  {entry.detail}" + (f"  “{entry.note}”" if entry.note else "")
            + (f"  ({entry.origin})" if entry.origin else ""))
