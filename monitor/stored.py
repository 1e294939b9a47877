"""Read models: what `Store` gives back, as frozen records, and their one JSON form.

`records.py` holds what the pipeline passes on and `Store` writes; this module holds what
`Store` reads back, with what the database adds (ids, wall-clock times, the session a row
belongs to, the 暂定 mark of a visit a killed monitor left). A schema change then fails
where the row is read (`from_row`), not in a page far away. Wall-clock times read for
display and day arithmetic stay the ISO text stored (`started_at`, `at`: local time with
its offset, so `[:10]` is the day); times a record of `records.py` holds are datetimes.

`as_json` is the only record → JSON-ready dict conversion, used by the CLI's `--json`,
the report's export, the board's `/api/*` and the alerts' payloads.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from functools import cache
from typing import Any

from .records import ADDED_PREFIX, Finding, PhraseHit, Utterance, Word


def _text(value: str | None) -> str:
    return value or ""


@dataclass(frozen=True)
class StoredVisit:
    """A stored visit: one customer at one window, as the machine (or a review) judged it."""

    id: str
    session: str
    window: str | None
    staff: str | None
    start: float  # seconds from the session start
    end: float
    started_at: str  # ISO wall-clock time (local, with offset)
    ended_at: str
    score: float
    verdict: str
    greeted: bool = False
    farewelled: bool = False
    questions: int = 0
    unanswered: int = 0
    kind: str = "live"
    profile: str = ""
    provisional: bool = False  # 暂定: cut by a monitor that was killed mid-visit
    ticket: str = ""  # the queue's ticket and business type, where a call set the visit
    business: str = ""

    @property
    def answered(self) -> int:
        return self.questions - self.unanswered

    @classmethod
    def from_row(cls, row: dict) -> StoredVisit:
        return cls(row["id"], row["session"], row["window"], row["staff"], row["start"],
                   row["end"], _text(row["started_at"]), _text(row["ended_at"]), row["score"],
                   row["verdict"], bool(row["greeted"]), bool(row["farewelled"]),
                   row["questions"] or 0, row["unanswered"] or 0, row["kind"] or "live",
                   _text(row["profile"]), bool(row.get("provisional")),
                   _text(row.get("ticket")), _text(row.get("business")))


@dataclass(frozen=True)
class StoredFinding:
    """A stored finding with its visit's window, staff and start (for review and reports).
    A finding a person added in review has an id starting with `added:`."""

    id: str
    session: str
    visit: str
    rule: str
    start: float
    end: float
    at: str  # ISO wall-clock time of its start
    text: str
    severity: str
    category: str = ""
    detail: str = ""
    deduction: float = 0.0
    window: str | None = None
    staff: str | None = None
    visit_start: float = 0.0  # the visit's start, seconds from the session start
    role_confidence: float | None = None  # set: it rests on a role heard unsure (rules.py)
    ticket: str = ""  # its visit's queue ticket and business type (issue 22)
    business: str = ""

    @property
    def added(self) -> bool:
        return self.id.startswith(ADDED_PREFIX)

    @property
    def unsure_role(self) -> bool:
        return self.role_confidence is not None

    def finding(self) -> Finding:
        """The pipeline's record of it (what `rules.score` counts)."""
        return Finding(self.rule, self.start, self.end, self.text, self.severity,
                       self.category, self.detail, self.deduction, self.role_confidence)

    @classmethod
    def from_row(cls, row: dict) -> StoredFinding:
        return cls(row["id"], row["session"], row["visit"], row["rule"], row["start"],
                   row["end"], _text(row["at"]), _text(row["text"]), row["severity"],
                   _text(row["category"]), _text(row["detail"]), row["deduction"] or 0.0,
                   row["window"], row["staff"], row["visit_start"] or 0.0,
                   row.get("role_confidence"), _text(row.get("ticket")),
                   _text(row.get("business")))


@dataclass(frozen=True)
class StoredUtterance:
    """A stored utterance (masked as stored), in its session's order."""

    session: str
    idx: int
    visit: str | None
    start: float
    end: float
    at: str  # ISO wall-clock time of its start
    role: str
    text: str = ""
    pinyin: str = ""
    heard_by: str = ""
    window: str | None = None
    staff: str | None = None
    dbfs: float | None = None
    words: tuple[Word, ...] = ()
    spotted: tuple[PhraseHit, ...] = ()  # a keyword spotter's hits, the evidence beside it
    role_confidence: float | None = None  # None: the role was given, not guessed by voice

    def utterance(self) -> Utterance:
        """The pipeline's record of it, to hear it again (a resumed live session, a lexicon
        preview): with the spotter's hits, it is judged as it was."""
        return Utterance(self.start, self.end, self.role, self.text, self.pinyin,
                         window=self.window, staff=self.staff, words=self.words,
                         dbfs=self.dbfs, heard_by=self.heard_by, spotted=self.spotted,
                         role_confidence=self.role_confidence)

    @classmethod
    def from_row(cls, row: dict) -> StoredUtterance:
        """`.get`: columns a read-only database from an older version lacks."""
        words = tuple(Word(**w) for w in json.loads(row["words"])) if row.get("words") else ()
        spotted = tuple(PhraseHit(**h) for h in json.loads(row["spotted"])) \
            if row.get("spotted") else ()
        return cls(row["session"], row["idx"], row["visit"], row["start"], row["end"],
                   _text(row["at"]), row["role"], _text(row["text"]), _text(row["pinyin"]),
                   _text(row.get("heard_by")), row["window"], row["staff"], row.get("dbfs"),
                   words, spotted, row.get("role_confidence"))


@dataclass(frozen=True)
class OpenSession:
    """A live session no monitor ended (its monitor runs, or was killed)."""

    id: str
    staff: str | None
    started_at: str
    monitor: str


@dataclass(frozen=True)
class HeldDay:
    """A day the database holds live visits of (what a report can cover)."""

    day: str  # 2026-11-20, the visits' wall-clock date
    visits: int


@dataclass(frozen=True)
class JudgedSession:
    """A live session as a lexicon preview reads it: who, which profile and lexicon version
    judged it, and how many of its visits fall in the days asked for."""

    id: str
    window: str | None
    staff: str | None
    profile: str
    started_at: str
    lexicon_version: int
    visits: int

    @classmethod
    def from_row(cls, row: dict) -> JudgedSession:
        return cls(row["id"], row["window"], row["staff"], row["profile"] or "",
                   row["started_at"], row["lexicon_version"] or 0, row["visits"])


@dataclass(frozen=True)
class TrainingEntry:
    """A visit in a training collection, with the visit's figures."""

    visit: str
    tag: str
    note: str
    added_at: str
    window: str | None
    staff: str | None
    started_at: str
    score: float
    verdict: str
    provisional: bool = False


@dataclass(frozen=True)
class Account:
    """A board user; the password hash is read only to check a password, never shown."""

    name: str
    role: str
    created_at: str
    staff: str | None = None
    disabled: bool = False
    password_hash: str = field(default="", repr=False, metadata={"secret": True})
    session_version: str = field(default="", repr=False, metadata={"secret": True})


@dataclass(frozen=True)
class Ack:
    """A supervisor's acknowledgement of a red light."""

    event: int
    window: str
    user: str
    at: datetime
    id: int | None = None


@dataclass(frozen=True)
class SpokenSession:
    """A session holding speech heard before some time (retention of transcripts)."""

    session: str
    window: str | None
    utterances: int


@dataclass(frozen=True)
class ReviewedFinding:
    """A reviewed machine finding: its rule, lexicon phrase ('' if none) and latest decision."""

    id: str
    rule: str
    phrase: str
    decision: str


def as_json(record: Any) -> dict:
    """A record as JSON-ready values: datetimes ISO (milliseconds), tuples lists, nested
    records dicts; fields marked secret (a password hash) left out."""
    return {name: _plain(getattr(record, name)) for name in _shown_fields(type(record))}


@cache
def _shown_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if not f.metadata.get("secret"))


_PLAIN = (str, int, float, type(None))  # bool is an int


def _plain(value: Any) -> Any:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return as_json(value)
    return value
