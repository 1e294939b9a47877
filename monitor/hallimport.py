"""The hall's own systems in: queue events (排队叫号) and citizen ratings (好差评) read from
files, the API or a watched folder, checked whole before anything is stored.

One canonical format, JSON Lines (docs/hall-systems.md):
queue `{"id", "ticket", "window", "business", "called", "started", "finished"}` and rating
`{"id", "ticket", "window", "at", "level", "reason", "text"}`, times ISO 8601 with offset,
level 1-5 (5 = 非常满意). Every vendor exports differently, so a mapping file (TOML) says
which column or key is which field, the time format and zone, the level names and the
window ids; CSV, JSON and JSON Lines exports are read through it. A bad row is one
InputError naming file, line (record, for a JSON array) and field.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from .errors import InputError, read_toml
from .records import QueueEvent, Rating

KINDS = ("queue", "ratings")
FIELDS = {"queue": ("id", "ticket", "window", "business", "called", "started", "finished"),
          "ratings": ("id", "ticket", "window", "at", "level", "reason", "text")}
REQUIRED = {"queue": ("id", "ticket", "window", "called"),
            "ratings": ("id", "window", "at", "level")}
TIMES = {"queue": ("called", "started", "finished"), "ratings": ("at",)}
# GB/T 39735 / 国办发〔2019〕51号: the five levels every rating device shows
LEVEL_NAMES = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
FORMATS = ("jsonl", "csv", "json")
MAPPING_KEYS = ("format", "encoding", "delimiter", "records", "time_format", "timezone",
                "fields", "levels", "windows")
WINDOW_ID = re.compile(r"[A-Za-z0-9_-]+")  # as config.WINDOW_ID: in URLs and folders


@dataclass(frozen=True)
class Mapping:
    """How one vendor's export reads as the canonical format (the defaults: canonical)."""

    path: str = ""
    format: str = ""  # jsonl | csv | json; "" from the file's extension
    encoding: str = "utf-8-sig"  # many vendors' CSV is gbk
    delimiter: str = ","
    records: str = ""  # JSON: dotted path to the list of records ("data.rows")
    time_format: str = ""  # strptime format; "" ISO 8601
    timezone: tzinfo | None = None  # for times written without an offset
    fields: dict[str, str] = field(default_factory=dict)  # canonical field -> column or key
    levels: dict[str, int] = field(default_factory=dict)  # the vendor's level names
    windows: dict[str, str] = field(default_factory=dict)  # vendor window -> hall window id

    def column(self, name: str) -> str:
        return self.fields.get(name, name)


def load_mapping(path: Path | str) -> Mapping:
    """A mapping file, checked: unknown keys, fields and levels are errors naming them."""
    data = read_toml(path)
    for key in data:
        if key not in MAPPING_KEYS:
            raise InputError(path, f"unknown key (known: {', '.join(MAPPING_KEYS)})", field=key)
    fmt = data.get("format", "")
    if fmt and fmt not in FORMATS:
        raise InputError(path, f"must be one of {', '.join(FORMATS)}, not {fmt!r}",
                         field="format")
    texts = {key: data.get(key, "") for key in ("encoding", "delimiter", "records",
                                                "time_format", "timezone")}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise InputError(path, f"must be a string, not {value!r}", field=key)
    fields = _table(path, data, "fields", str)
    known = set(FIELDS["queue"] + FIELDS["ratings"])
    for name in fields:
        if name not in known:
            raise InputError(path, f"not a field of the canonical format "
                                   f"({', '.join(sorted(known))})", field=f"fields.{name}")
    levels = _table(path, data, "levels", int)
    for name, level in levels.items():
        if not 1 <= level <= 5:
            raise InputError(path, f"a level is 1-5 (5 = 非常满意), not {level}",
                             field=f"levels.{name}")
    windows = _table(path, data, "windows", str)
    for name, window in windows.items():
        if not WINDOW_ID.fullmatch(window):
            raise InputError(path, f"window id {window!r}: only letters, digits, - and _",
                             field=f"windows.{name}")
    if texts["delimiter"] and len(texts["delimiter"]) != 1:
        raise InputError(path, "one character, e.g. \",\" or \"\\t\"", field="delimiter")
    try:
        "".encode(texts["encoding"] or "utf-8")
    except LookupError:
        raise InputError(path, f"unknown encoding {texts['encoding']!r}",
                         field="encoding") from None
    return Mapping(str(path), fmt, texts["encoding"] or "utf-8-sig",
                   texts["delimiter"] or ",", texts["records"], texts["time_format"],
                   _zone(path, texts["timezone"]), fields, levels, windows)


def _table(path, data: dict, key: str, kind: type) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise InputError(path, f"must be a table: [{key}]", field=key)
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, kind):
            raise InputError(path, f"must be a {kind.__name__}, not {value!r}",
                             field=f"{key}.{name}")
    return {str(k): v for k, v in table.items()}


def _zone(path, text: str) -> tzinfo | None:
    if not text:
        return None
    found = re.fullmatch(r"([+-])(\d\d):?(\d\d)", text)
    if not found:
        raise InputError(path, f"an offset like +08:00, not {text!r}", field="timezone")
    sign = -1 if found.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(found.group(2)), minutes=int(found.group(3))))


def read(path: Path | str, kind: str, mapping: Mapping | None = None
         ) -> list[QueueEvent] | list[Rating]:
    """Every event of a file, or the InputError of its first bad row (nothing half read)."""
    mapping = mapping or Mapping()
    fmt = mapping.format or _format_of(Path(path))
    try:
        text = Path(path).read_bytes().decode(mapping.encoding)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read as {mapping.encoding}: {exc}") from None
    rows = {"jsonl": _json_lines, "csv": _csv_rows, "json": _json_rows}[fmt](text, path,
                                                                             mapping)
    return [event(kind, raw, path, line, mapping) for line, raw in rows]


def parse_lines(text: str, source: str, kind: str) -> list[QueueEvent] | list[Rating]:
    """Canonical JSON Lines (what `POST /api/hall/events` takes)."""
    return [event(kind, raw, source, line, Mapping())
            for line, raw in _json_lines(text, source, Mapping())]


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix in ("csv", "json"):
        return suffix
    if suffix in ("txt", "tsv"):
        return "csv"
    raise InputError(path, "cannot tell the format from the name: .jsonl, .csv or .json, "
                           "or format = \"...\" in the mapping file")


def _json_lines(text: str, path, mapping: Mapping):
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON: {exc.msg}", number) from None
        if not isinstance(raw, dict):
            raise InputError(path, "each line must be one JSON object {...}", number)
        yield number, raw


def _csv_rows(text: str, path, mapping: Mapping):
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    wanted = [mapping.column(name) for name in FIELDS["queue"] + FIELDS["ratings"]]
    if reader.fieldnames is None:
        return
    if not any(column in reader.fieldnames for column in wanted):
        raise InputError(path, f"no known column in the header ({', '.join(reader.fieldnames)})"
                               "; give --mapping", 1)
    try:
        for raw in reader:
            yield reader.line_num, {k: v for k, v in raw.items() if k is not None}
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV: {exc}", reader.line_num) from None


def _json_rows(text: str, path, mapping: Mapping):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    for key in filter(None, mapping.records.split(".")):
        if not isinstance(data, dict) or key not in data:
            raise InputError(path, f"no {key!r} in the JSON (records = {mapping.records!r})",
                             field="records")
        data = data[key]
    if not isinstance(data, list):
        raise InputError(path, "the records must be a JSON list (records = \"a.b\" in the "
                               "mapping names where the list is)")
    for number, raw in enumerate(data, 1):
        if not isinstance(raw, dict):
            raise InputError(path, f"record {number} must be a JSON object {{...}}")
        yield -number, raw  # a record number, not a line


def event(kind: str, raw: dict, path, line: int, mapping: Mapping) -> QueueEvent | Rating:
    """One row as its record; every problem an InputError naming file, line and field."""
    def fail(name: str, message: str):
        where = mapping.column(name)
        if line < 0:  # a JSON array: the record's number
            raise InputError(path, f"record {-line}: {message}", field=where)
        raise InputError(path, message, line, field=where)

    values = {}
    for name in FIELDS[kind]:
        value = raw.get(mapping.column(name))
        value = "" if value is None else value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and name != "level":
            value = str(value)
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            fail(name, f"must be text, not {value!r}")
        value = value.strip() if isinstance(value, str) else value
        if value == "" and name in REQUIRED[kind]:
            fail(name, "missing (required)")
        values[name] = value
    values["window"] = mapping.windows.get(values["window"], values["window"])
    if not WINDOW_ID.fullmatch(values["window"]):
        fail("window", f"window id {values['window']!r}: only letters, digits, - and _ "
                       "(map the vendor's names in [windows] of the mapping file)")
    for name in TIMES[kind]:
        values[name] = _time(values[name], mapping, lambda m, n=name: fail(n, m))
    if kind == "ratings":
        values["level"] = _level(values["level"], mapping, lambda m: fail("level", m))
        return Rating(**values)
    if values["finished"] and values["finished"] < values["called"]:
        fail("finished", "before the call (called)")
    return QueueEvent(**values)


def _time(text: str, mapping: Mapping, fail) -> datetime | None:
    if text == "":
        return None
    try:
        at = (datetime.strptime(text, mapping.time_format) if mapping.time_format
              else datetime.fromisoformat(text))
    except ValueError:
        fail(f"not a time in {mapping.time_format or 'ISO 8601'}: {text!r}")
    if at.tzinfo is None:
        if mapping.timezone is None:
            fail(f"{text!r} has no offset: write it as ISO 8601 with one "
                 "(2026-11-22T09:00:00+08:00) or set timezone in the mapping file")
        at = at.replace(tzinfo=mapping.timezone)
    return at


def _level(value, mapping: Mapping, fail) -> int:
    if isinstance(value, str):
        names = {**LEVEL_NAMES, **mapping.levels}
        value = names[value] if value in names else int(value) if value.isdigit() else value
    if not isinstance(value, int) or not 1 <= value <= 5:
        fail(f"a level is 1-5 (5 = 非常满意) or one of {', '.join(LEVEL_NAMES)}, "
             f"not {value!r}")
    return value
