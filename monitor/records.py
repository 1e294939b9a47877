"""Typed records passed between pipeline stages.

One time base everywhere: seconds from the start of a session. A session carries the
wall-clock anchor (`Session.started_at`) that turns those offsets into clock times.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy

ROLES = ("staff", "customer")
WINDOW_ID = re.compile(r"[A-Za-z0-9_-]+")  # in URLs and recording folders
STAFF_ID = re.compile(r"[\w-]+")
ADDED_PREFIX = "added:"  # the id of a finding a person added in review, not the machine


@dataclass(frozen=True)
class Word:
    """A recognised word with its own timing (vosk `SetWords`, or an engine's tokens)."""

    text: str
    start: float
    end: float


@dataclass
class Utterance:
    """One stretch of speech by one side of the counter."""

    start: float
    end: float
    role: str
    text: str = ""
    pinyin: str = ""
    visit: str | None = None
    window: str | None = None
    staff: str | None = None
    words: tuple[Word, ...] = ()
    dbfs: float | None = None
    line: int = 0  # 1-based line in the source file, 0 when live
    spotted: tuple["PhraseHit", ...] = ()  # phrases a keyword spotter heard in this stretch
    heard_by: str = ""  # the engine that heard it ('' when a person wrote the text)
    partial: bool = False  # heard so far of speech still going on: judged, never stored
    role_confidence: float | None = None  # how sure a single-channel pickup is of `role`
    # (0.5-1.0); None: the role is given (its own intercom channel, a typed transcript)
    # a partial result: the voice paused after the words placed before this time (a pause
    # of `Voiced.paused_at` the recogniser read into), so no syllable joins them (None: none)
    paused_at: float | None = None
    # a partial result: the syllables greedy search, read again half a decoding step apart,
    # placed after the last whole syllable of `words` (which they stand for from there on:
    # an initial alone after it is read in them): they rule out an exception sooner, and
    # are not matched
    ahead: tuple[Word, ...] = ()

    @property
    def decoded(self) -> bool:
        """The characters were decoded from the recogniser's pinyin: they are for reading,
        while matching compares the syllables the recogniser really heard."""
        return bool(self.heard_by and self.pinyin)


@dataclass(frozen=True)
class PhraseHit:
    """A lexicon phrase found in an utterance."""

    kind: str  # lexicon kind: greeting, farewell, taboo, ...
    phrase: str  # the lexicon entry's canonical text
    matched: str  # what was heard (characters, or pinyin when only pinyin was heard)
    utterance: int  # index of the utterance in its session
    start: float
    end: float
    score: float  # similarity 0..100
    category: str = ""  # taboo category (八个不说 / 推诿)
    severity: str = ""


@dataclass(frozen=True)
class Finding:
    """One broken rule, with where it happened and what was said."""

    rule: str
    start: float
    end: float
    text: str
    severity: str
    category: str = ""
    detail: str = ""
    deduction: float = 0.0
    role_confidence: float | None = None  # set when a role it rests on was heard unsure (a
    # single pickup, below `RuleOptions.role_sure_at`): the lowest such confidence; it then
    # counts nothing and turns no light until a person confirms it or corrects the role

    @property
    def unsure_role(self) -> bool:
        return self.role_confidence is not None


@dataclass
class Visit:
    """One customer at one window, with everything the rules decided about it."""

    id: str
    window: str | None
    staff: str | None
    start: float
    end: float
    utterances: list[int] = field(default_factory=list)  # indices into the session
    greeted: bool = False
    farewelled: bool = False
    questions: int = 0
    unanswered: int = 0
    findings: list[Finding] = field(default_factory=list)
    hits: list[PhraseHit] = field(default_factory=list)
    score: float = 100.0
    verdict: str = "pass"
    ticket: str = ""  # the queue's ticket (排队号) where a call set the visit
    business: str = ""  # the queue's business type (业务类型)


@dataclass
class Session:
    """A scored conversation from one source (a transcript file, a recording, a live day)."""

    id: str
    source: str
    window: str | None
    staff: str | None
    profile: str
    started_at: datetime
    utterances: list[Utterance]
    visits: list[Visit] = field(default_factory=list)
    sha256: str = ""
    kind: str = "live"  # live (real visits) or practice (never in daily reports)
    options: dict = field(default_factory=dict)  # the profile used, so a score can be explained
    lexicon_version: int = 0  # the hall lexicon it was judged with (0: the shipped files)


@dataclass(frozen=True)
class LiveUpdate:
    """What changed at one window while listening: a visit opened, was re-judged, or ended."""

    window: str | None
    now: float  # seconds from the session start
    at: datetime  # the same moment on the wall clock
    state: str  # "open", "update" or "closed"
    visit: Visit  # the latest judgement of the visit concerned
    new_findings: tuple[Finding, ...] = ()
    provisional: tuple[Finding, ...] = ()  # critical findings resting on speech still heard
    partial: bool = False  # the visit as it stands with speech still going on (not stored)


@dataclass(frozen=True)
class LightEvent:
    """A window's light changed, and why (rule, quote): for the board, the report, replay."""

    window: str
    state: str  # off, green, yellow or red
    previous: str
    at: datetime
    rule: str = ""
    severity: str = ""
    quote: str = ""
    detail: str = ""
    visit: str | None = None
    id: int | None = None  # set once stored


@dataclass(frozen=True)
class AudioChunk:
    """A short run of one counter side's audio: float32 mono samples at 16 kHz."""

    role: str
    samples: numpy.ndarray
    start: float  # seconds from session start


@dataclass(frozen=True)
class Voiced:
    """Speech audio passed on by voice activity detection.

    The pieces of one speech segment arrive in order; the last has `final` set and the
    segment's level, so a recogniser can decode while the speaker is still talking.
    """

    role: str
    samples: numpy.ndarray
    start: float
    final: bool = False
    segment_start: float = 0.0  # where the segment began
    dbfs: float | None = None  # RMS level of the whole segment, on the final piece
    paused_at: float | None = None  # the voice has paused since then, at the piece's end
    # (no voice for `vad.PAUSE_S` at least): a word may still be said, not continued


@dataclass(frozen=True)
class LiveEvent:
    """Something the live monitor reports as it happens (printed by `courtesy listen`)."""

    at: datetime
    window: str
    kind: str  # heard, finding, visit, device, overrun, storage, recording
    message: str


@dataclass(frozen=True)
class Recording:
    """A stretch of one window's audio kept on disk for replay, or deleted by retention."""

    path: str
    window: str
    started_at: datetime
    ended_at: datetime
    kept: bool
    reason: str  # why kept or deleted: "all", "flagged visit", "no flagged visit", "expired"


@dataclass(frozen=True)
class Heartbeat:
    """A monitor saying, every few seconds, that it still hears a window, and how well.

    The board shows a window whose last beat is old, or says stopped/unplugged/silent, as
    interrupted (监测中断) instead of a stale light."""

    window: str
    monitor: str  # which process: "listen 4242@host", "play 77@host"
    at: datetime
    state: str  # listening, silent, unplugged, stopped, storage
    started_at: datetime | None = None  # when this monitor took the window over
    level_dbfs: float | None = None  # the input's recent level
    last_speech_at: datetime | None = None
    overruns: int = 0  # audio lost (input overflows and slow-consumer drops)
    backlog: int = 0  # judgements held in memory because the database cannot take them
    message: str = ""  # the last fault, in the hall's words


@dataclass(frozen=True)
class AuditEntry:
    """One action by a person or by the system (retention), stored append-only."""

    actor: str  # a user name, or "system"
    action: str  # login, ack, review, appeal, decision, training, user, config, retention…
    target: str = ""  # what it was done to: a visit, finding, user, file
    detail: str = ""  # ids and codes (what was decided), stored as given
    origin: str = ""  # where from: a client address, a command, a host
    at: datetime | None = None  # set when stored
    id: int | None = None
    note: str = ""  # a person's free text (a reason, a decision note): personal numbers masked


@dataclass(frozen=True)
class Review:
    """A person's decision on an automatic finding; a later review of the same finding
    supersedes it, and none is ever deleted (the machine's finding stays as it was)."""

    finding: str  # the finding's id
    decision: str  # confirm or dismiss
    reason: str  # a dismissal's (vocabulary.REVIEW_REASONS); a confirmation has none: ""
    actor: str  # the reviewer's user name
    note: str = ""
    at: datetime | None = None  # set when stored
    id: int | None = None
    visit: str = ""  # the finding's visit (read back from the database)


@dataclass(frozen=True)
class AddedFinding:
    """A finding the machine missed, marked by a person reviewing a visit."""

    visit: str
    rule: str
    severity: str
    start: float  # seconds from the session start, like the machine's findings
    actor: str
    note: str = ""
    at: datetime | None = None  # when it was added
    id: int | None = None
    finding_at: str = ""  # the finding's own wall-clock time, ISO (read back when stored)

    @property
    def finding_id(self) -> str:
        return f"{ADDED_PREFIX}{self.id}"


@dataclass(frozen=True)
class RoleCorrection:
    """A reviewer saying who really spoke a line a single pickup gave the wrong role (or
    an unsure one); a later correction of the same line supersedes it, none is deleted."""

    visit: str
    session: str
    idx: int  # the utterance's place in its session
    role: str  # staff or customer
    actor: str
    note: str = ""
    at: datetime | None = None  # set when stored
    id: int | None = None


@dataclass(frozen=True)
class Appeal:
    """A staff member contesting a finding; a supervisor other than the appellant decides."""

    finding: str
    staff: str  # the staff id whose record the finding is on
    actor: str  # the user who filed it
    reason: str
    status: str = "open"  # open, upheld (the finding stands) or overturned (it no longer counts)
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_note: str = ""
    filed_at: datetime | None = None
    id: int | None = None
    visit: str = ""  # the finding's visit (read back from the database)


@dataclass(frozen=True)
class Effective:
    """A visit as reviews left it: what still counts, rescored; the automatic result beside."""

    visit: str
    score: float
    verdict: str
    automatic_score: float
    automatic_verdict: str
    counted: tuple[Finding, ...]  # machine findings still standing, then added ones
    dismissed: tuple[str, ...]  # ids of machine findings dismissed or overturned
    added: tuple[str, ...]  # ids of findings added by hand ("added:N")


@dataclass(frozen=True)
class ReviewTally:
    """How reviews changed one rule's findings at one window in a period (report: 复核)."""

    rule: str
    window: str
    reviewed: int  # machine findings a person reviewed (or whose appeal was decided)
    confirmed: int
    dismissed: int  # dismissed by review or overturned on appeal
    added: int  # findings the machine missed, added by hand


@dataclass(frozen=True)
class Precision:
    """How often reviewers confirmed a rule's (or a phrase's) findings: the lexicon's
    measured precision, the worst first on the lexicon page."""

    rule: str
    phrase: str  # the lexicon phrase for phrase rules (taboo), '' for the rule as a whole
    confirmed: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        reviewed = self.confirmed + self.dismissed
        return self.confirmed / reviewed if reviewed else None


@dataclass(frozen=True, kw_only=True)
class HallChange:
    """What storing a hall's change to its lexicon or rules adds (hallchanges.py): when,
    and the version it made; keyword-only, so each kind's own fields come first."""

    at: datetime | None = None
    version: int | None = None


@dataclass(frozen=True)
class LexiconChange(HallChange):
    """One change a hall made to one phrase of its lexicon (tuning.py, hallchanges.py),
    stored append-only; `version` is the hall lexicon it makes (the shipped files are 0).

    change: "threshold" (value: the match threshold, 0-100), "except" (value: a context in
    which the phrase does not count), "off" (value ''), or "undo" (value: the version undone).
    """

    kind: str  # the phrase's lexicon kind (taboo, greeting, ...)
    phrase: str  # its canonical text
    change: str
    value: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ChangedFinding:
    """A finding a proposed lexicon or rule change would remove or add, on stored speech."""

    session: str
    window: str | None
    staff: str | None
    at: datetime  # wall clock
    rule: str
    severity: str
    quote: str  # as stored (masked on display)
    gone: bool  # True: would disappear; False: would appear
    review: str = ""  # the reviewers' latest decision on the stored finding ('confirm'...)
    pinyin: str = ""  # the quote's pinyin as a recogniser heard it
    heard_by: str = ""  # the recogniser that heard the quote ('' when typed)


@dataclass(frozen=True)
class ChangedVisit:
    """A visit whose verdict a proposed lexicon or rule change would turn."""

    session: str
    window: str | None
    staff: str | None
    at: datetime
    score_before: float
    verdict_before: str
    score_after: float
    verdict_after: str


@dataclass(frozen=True)
class RuleChange(HallChange):
    """One change a hall made to one rule (rulechanges.py, hallchanges.py), stored append-only;
    `version` is the hall rule set it makes (the shipped files and profiles are 0).

    change: "enabled" (value "true"/"false"), "severity" (critical/major/minor),
    "deduction" (points a finding), "param" (value "name=JSON": a number, a word list or a
    regular expression of the rule), or "undo" (value: the version undone).
    """

    rule: str
    change: str
    value: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ChangePreview:
    """What a proposed lexicon or rule change would have changed on the stored visits of
    some days (hallchanges.py): computed in memory, nothing stored changes."""

    change: HallChange
    days: int
    visits: int  # live visits in those days
    rescored: int  # of them, those judged again (a phrase not heard cannot matter)
    findings_before: int  # in the visits judged again (a rule change: that rule's)
    findings_after: int
    findings: tuple[ChangedFinding, ...]
    visits_changed: tuple[ChangedVisit, ...]
    seconds: float  # how long the preview took


@dataclass(frozen=True)
class QueueEvent:
    """One ticket from the hall's queue system (排队叫号): called to a window, served,
    finished. `id` is the queue system's own event id (imports are idempotent by it)."""

    id: str
    ticket: str
    window: str
    called: datetime
    business: str = ""
    started: datetime | None = None
    finished: datetime | None = None


@dataclass(frozen=True)
class Rating:
    """One citizen rating from a window's rating device (好差评): level 1-5, 5 = 非常满意;
    `ticket` where the device knows it, else joined to a visit by window and time."""

    id: str
    window: str
    at: datetime
    level: int
    ticket: str = ""
    reason: str = ""
    text: str = ""  # masked before it is stored
