"""Transcripts as JSON Lines: one utterance per line, in time order.

This is the text side of the monitor and the format the audio side writes, so a
recording can be transcribed once and scored many times.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .errors import InputError
from .records import ROLES, STAFF_ID, WINDOW_ID, PhraseHit, Utterance, Word

_OPTIONAL_STR = ("visit", "window", "staff", "pinyin", "heard_by")
ID_MAX = 64
# ids go into URLs, file names, pages and the city's rows: a safe alphabet, a bounded length
_IDS = {"window": WINDOW_ID, "staff": STAFF_ID, "visit": re.compile(r"[\w.-]+")}
MAX_SECONDS = 31 * 86400.0  # a session's time base: a month of listening is already absurd
_SURROGATE = re.compile("[\ud800-\udfff]")


def id_problem(field: str, value: str) -> str | None:
    """Why a window, staff or visit id (from a transcript or the command line) is refused,
    or None if it may be used."""
    if len(value) <= ID_MAX and _IDS[field].fullmatch(value):
        return None
    shown = value if len(value) <= 40 else value[:40] + "…"
    return (f"{field} id {shown!r}: only letters, digits, - and _, at most {ID_MAX} "
            f"（编号只能包含字母、数字、- 和 _，最多 {ID_MAX} 个字符）")


def _number(obj: dict, key: str, path, line: int, field: str | None = None) -> float:
    value = obj.get(key)
    field = field or key
    if value is None:
        raise InputError(path, "missing", line, field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise InputError(path, f"must be a number of seconds, not {value!r}", line, field)
    if value < 0:
        raise InputError(path, f"must not be negative ({_short(value)})", line, field)
    if value > MAX_SECONDS:  # compared as written: a 400-digit integer is no float
        raise InputError(path, f"{_short(value)} s is more than 31 days into the session",
                         line, field)
    return float(value)


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}…（{len(text)} 位）"


def _text(value, path, line: int, field: str) -> str:
    """A string that can be stored and printed: a lone UTF-16 surrogate (\\ud800) cannot."""
    if _SURROGATE.search(value):
        raise InputError(path, "holds a lone surrogate (\\ud800-\\udfff), not text", line, field)
    return value


def _words(value, path, line: int) -> tuple[Word, ...]:
    if not isinstance(value, list):
        raise InputError(path, "must be a list of {word, start, end}", line, "words")
    words = []
    for item in value:
        if not isinstance(item, dict):
            raise InputError(path, "must be a list of {word, start, end}", line, "words")
        text = item.get("word", item.get("text"))
        if not isinstance(text, str):
            raise InputError(path, "each word needs a 'word' string", line, "words")
        words.append(Word(_text(text, path, line, "words"),
                          _number(item, "start", path, line, "words.start"),
                          _number(item, "end", path, line, "words.end")))
    return tuple(words)


def _spotted(value, path, line: int) -> tuple[PhraseHit, ...]:
    """Keyword-spotter hits written by `courtesy transcribe`."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InputError(path, "must be a list of {kind, phrase, start, end}", line, "spotted")
    hits = []
    for item in value:
        strings = {key: item.get(key, "") for key in ("kind", "phrase", "matched", "category",
                                                        "severity")}
        if not item.get("kind") or not item.get("phrase") or not all(
                isinstance(v, str) for v in strings.values()):
            raise InputError(path, "each hit needs 'kind' and 'phrase' strings (and 'matched', "
                             "'category', 'severity' are strings)", line, "spotted")
        for text in strings.values():
            _text(text, path, line, "spotted")
        score = item.get("score", 100.0)
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
            raise InputError(path, f"score must be a number 0-100, not {score!r}", line,
                             "spotted.score")
        hits.append(PhraseHit(
            utterance=-1, start=_number(item, "start", path, line, "spotted.start"),
            end=_number(item, "end", path, line, "spotted.end"), score=float(score),
            **strings))
    return tuple(hits)


def parse_line(raw: str, path, line: int) -> Utterance:
    """One JSON line to an Utterance; every problem names the file, line and field."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg} at column {exc.colno})", line) from None
    except RecursionError:
        raise InputError(path, "not valid JSON here: nested too deeply", line) from None
    except ValueError as exc:  # an integer of thousands of digits (Python's own limit)
        raise InputError(path, f"not valid JSON here: {exc}", line) from None
    if not isinstance(obj, dict):
        raise InputError(path, "must be a JSON object", line)
    start = _number(obj, "start", path, line)
    end = _number(obj, "end", path, line)
    if end < start:
        raise InputError(path, f"end {end} is before start {start}", line, "end")
    role = obj.get("role")
    if role not in ROLES:
        raise InputError(path, f"must be 'staff' or 'customer', not {role!r}", line, "role")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(path, "missing or not a string", line, "text")
    text = _text(text, path, line, "text")
    optional = {}
    for key in _OPTIONAL_STR:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f"must be a string, not {value!r}", line, key)
        optional[key] = _text(value, path, line, key) if value is not None else None
        problem = id_problem(key, value) if key in _IDS and value else None
        if problem:
            raise InputError(path, problem, line, key)
    dbfs = obj.get("dbfs")
    if dbfs is not None and (isinstance(dbfs, bool) or not isinstance(dbfs, (int, float))
                             or not -200 <= dbfs <= 20):
        raise InputError(path, f"must be a level in dBFS (-200 to 20), not {dbfs!r}", line,
                         "dbfs")
    confidence = obj.get("role_confidence")
    if confidence is not None and (isinstance(confidence, bool)
                                   or not isinstance(confidence, (int, float))
                                   or not 0 <= confidence <= 1):
        raise InputError(path, f"must be a number from 0 to 1, not {confidence!r}", line,
                         "role_confidence")
    return Utterance(
        start=start, end=end, role=role, text=text, pinyin=optional["pinyin"] or "",
        visit=optional["visit"], window=optional["window"], staff=optional["staff"],
        words=_words(obj["words"], path, line) if "words" in obj else (),
        dbfs=float(dbfs) if dbfs is not None else None, line=line,
        spotted=_spotted(obj["spotted"], path, line) if "spotted" in obj else (),
        heard_by=optional["heard_by"] or "",
        role_confidence=float(confidence) if confidence is not None else None,
    )


def read(path) -> list[Utterance]:
    """Read a whole transcript; any bad line fails the whole file (nothing half-stored)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return list(parse(handle, path))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None


def parse(lines: Iterable[str], path) -> Iterator[Utterance]:
    previous = None
    count = 0
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        utterance = parse_line(raw, path, number)
        if previous is not None and utterance.start < previous.start:
            raise InputError(path, f"start {utterance.start} is earlier than the line before "
                             f"({previous.start}); lines must be in time order", number, "start")
        previous = utterance
        count += 1
        yield utterance
    if count == 0:
        raise InputError(path, "no utterances")


def to_json(utterance: Utterance) -> dict:
    out = {"start": round(utterance.start, 3), "end": round(utterance.end, 3),
           "role": utterance.role, "text": utterance.text}
    for key in ("pinyin", "heard_by", "visit", "window", "staff", "dbfs", "role_confidence"):
        value = getattr(utterance, key)
        if value not in (None, ""):
            out[key] = value
    if utterance.words:
        out["words"] = [{"word": w.text, "start": round(w.start, 3), "end": round(w.end, 3)}
                        for w in utterance.words]
    if utterance.spotted:
        out["spotted"] = [{key: value for key, value in (
            ("kind", h.kind), ("phrase", h.phrase), ("matched", h.matched),
            ("start", round(h.start, 3)), ("end", round(h.end, 3)), ("score", h.score),
            ("category", h.category), ("severity", h.severity)) if value != ""}
            for h in utterance.spotted]
    return out


def write(utterances: Iterable[Utterance], handle: IO[str]) -> None:
    for utterance in utterances:
        handle.write(json.dumps(to_json(utterance), ensure_ascii=False) + "\n")
