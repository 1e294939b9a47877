"""Editing `hall.toml` in place: the hall's own comments and layout kept (tomlkit), the
result checked by the same loader as every command before it replaces the file.

The settings page (`websettings.py`) changes a window (name, device, staff, profile), a
staff member's name, the lights (red_hold_s, ack_required) and recordings (keep, days).
A change that the loader refuses leaves the file as it was; a saved file is whole (written
to a temporary file beside it, then renamed over it).
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from . import config
from .errors import InputError, read_text

EDITABLE = {  # table -> keys the web app may set; windows and staff hold [table.ID] entries
    "windows": ("name", "device", "staff", "profile"),
    "staff": ("name",),
    "lights": ("red_hold_s", "ack_required"),
    "recordings": ("keep", "days"),
}
_saving = threading.Lock()  # one read-change-write at a time in this process


@dataclass
class Edit:
    """New values for one table (`entry`: the window or staff id); None removes a key."""

    table: str
    values: dict = field(default_factory=dict)
    entry: str | None = None

    @property
    def target(self) -> str:
        return f"{self.table}.{self.entry}" if self.entry else self.table


@dataclass
class Change:
    """What one saved edit changed, for the audit trail: key -> (before, after)."""

    target: str
    changes: dict

    def detail(self) -> str:
        return "; ".join(f"{key}: {_shown(old)} → {_shown(new)}"
                         for key, (old, new) in self.changes.items())


def _shown(value) -> str:
    return "（无）" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def apply(path: Path | str, edit: Edit) -> Change:
    """Apply one edit to the file at `path`; InputError (file unchanged) if the result is
    not a valid hall config."""
    path = Path(path)
    unknown = sorted(set(edit.values) - set(EDITABLE.get(edit.table, ())))
    if edit.table not in EDITABLE or unknown:
        raise InputError(path, "not editable here", field=f"{edit.target}.{(unknown or [''])[0]}")
    with _saving:
        document = tomlkit.parse(read_text(path))
        changes = _set(document, edit)
        text = tomlkit.dumps(document)
        config.parse(text, path)  # the loader's checks, before anything is written
        if changes:
            _replace(path, text)
    return Change(edit.target, changes)


def _set(document, edit: Edit) -> dict:
    """Set each value where the file keeps it: a window's device may live in its older
    `[devices.ID]` table; anything new goes to `[windows.ID]` (or `[staff.ID]`)."""
    homes = [edit.table] + (["devices"] if edit.table == "windows" else [])
    changes = {}
    for key, value in edit.values.items():
        tables = [_table(document, home, edit.entry, create=False) for home in homes]
        holder = next((t for t in tables if t is not None and key in t), None)
        before = holder.unwrap()[key] if holder is not None else None
        if before == value:
            continue
        if value is None:
            del holder[key]
        else:
            if holder is None:
                holder = _table(document, edit.table, edit.entry, create=True)
            holder[key] = value
        changes[key] = (before, value)
    return changes


def _table(document, table: str, entry: str | None, create: bool):
    """The `[table]` or `[table.entry]` table of the document, made if asked."""
    if table not in document:
        if not create:
            return None
        document[table] = tomlkit.table(is_super_table=entry is not None)
    holder = document[table]
    if entry is None:
        return holder
    if entry not in holder:
        if not create:
            return None
        holder[entry] = tomlkit.table()
    return holder[entry]


def _replace(path: Path, text: str) -> None:
    """Write beside the file, then rename over it: a crash leaves the old file or the new."""
    try:
        mode = path.stat().st_mode & 0o777
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(path, f"cannot save: {exc.strerror or exc}") from None
