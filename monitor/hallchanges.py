"""A versioned change to hall data: the one mechanism behind a hall's lexicon tuning
(tuning.py) and its rule changes (rulechanges.py).

A supervisor's change is one append-only row and a new *version* of the hall's lexicon or
rules (0: the shipped files); an undo is another change, so every version can be rebuilt
and every session says which one judged it. A change is previewed first on the stored
visits of the last days (the findings it would take away or add, what reviewers said of
them, the visits whose verdict would turn), nothing stored changing; then applied with its
audit row in one transaction. What differs (what a change names, how it is checked, how a
preview judges again) stays in the two modules; a `Kind` says the rest, words included.

Below `Store` like `migrate.py`: storage.py takes its tables from `SCHEMA` and `GUARDS`;
the functions take a `Store` (its `db`, `audited`, and the reads of findings and reviews).
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from . import limits, privacy
from .errors import ChangeError, RuleChangeError, TuningError
from .records import (AuditEntry, ChangedFinding, ChangedVisit, ChangePreview, Finding,
                      HallChange, LexiconChange, RuleChange)
from .stored import JudgedSession
from . import vocabulary
from .vocabulary import (LEXICON_CHANGE_LABELS, RULE_CHANGE_LABELS, RuleWords,
                         phrase_kind_label, quoted, rule_name)

UNDO = "undo"  # a change that reverts an earlier one (value: the version undone)
ADD = "add"  # a rule a hall wrote (rulechanges.py; value: its [[rules]] table as JSON)
REASON_MAX = 500
DEFAULT_DAYS = 7
MAX_DAYS = int(limits.PREVIEW_DAYS.high)


@dataclass(frozen=True)
class Kind:
    """One kind of versioned hall data: its table and record, its audit action, and the
    words a hall reads about it."""

    table: str  # append-only, one row a version
    record: type[HallChange]  # LexiconChange or RuleChange
    names: tuple[str, ...]  # the record's fields naming what a change changes
    action: str  # the audit action (vocabulary.AUDIT_ACTIONS)
    prefix: str  # the audit target's first part: lexicon:taboo:你烦不烦, rule:first_asked
    of: str  # what a version is a version of: 词库, 规则
    noun: str  # what a change is called: 调整, 修改
    item: str  # what one change changes: 词条, 规则
    rejudged: str  # how a preview judges the stored visits again, as its page says
    error: type[ChangeError]
    labels: dict[str, str]  # each change (threshold, severity, undo...) as a hall reads it

    @property
    def columns(self) -> dict[str, type]:
        return {"version": int, "at": str, "actor": str, **{f: str for f in self.names},
                "change": str, "value": str, "reason": str}

    def subject(self, change: HallChange) -> str:
        """What a change changes, as a list shows it: 服务忌语“你烦不烦”, a rule's name."""
        if self.record is RuleChange:
            written = _words(change.value) if change.change == ADD else None
            return written.name if written else rule_name(change.rule)
        return f"{phrase_kind_label(change.kind)}“{change.phrase}”"

    def named(self, change: HallChange) -> str:
        """What a change changes, as a sentence names it: 服务忌语词条“你烦不烦”, 规则“…”."""
        if self.record is RuleChange:
            return f"规则“{self.subject(change)}”"
        return f"{phrase_kind_label(change.kind)}词条“{change.phrase}”"

    def value(self, change: HallChange) -> str:
        """A change's value as a page shows it (a new rule's table is shown as its name and
        its conditions, not as written)."""
        return "" if change.change == ADD else change.value

    def target(self, change: HallChange) -> str:
        return ":".join([self.prefix] + [getattr(change, f) for f in self.names])

    def read(self, row: dict) -> HallChange:
        return self.record(**{f: row[f] for f in self.names}, change=row["change"],
                           value=row["value"], reason=row["reason"], actor=row["actor"],
                           at=datetime.fromisoformat(row["at"]), version=row["version"])


LEXICON = Kind("lexicon_changes", LexiconChange, ("kind", "phrase"), "lexicon_change",
               "lexicon", "词库", "调整", "词条", "保存的语音重新评分", TuningError,
               LEXICON_CHANGE_LABELS)
RULES = Kind("rule_changes", RuleChange, ("rule",), "rule_change", "rule", "规则", "修改", "规则",
             "保存的来访（原话和听到的用语）重新判断这条规则", RuleChangeError, RULE_CHANGE_LABELS)
SCHEMA = {kind.table: (kind.columns, "version") for kind in (LEXICON, RULES)}
GUARDS = tuple(
    f"create trigger if not exists {table}_no_{verb} before {verb} on {table} "
    f"begin select raise(abort, '{table.replace('_', ' ')} are append-only'); end"
    for table in SCHEMA for verb in ("update", "delete"))


def changes(db, kind: Kind, upto: int | None = None) -> list[HallChange]:
    """A hall's changes of one kind in version order, up to a version if given (`db`: a
    Store's sqlite-utils database)."""
    if not db[kind.table].exists():  # an older database, opened read-only
        return []
    return [kind.read(row) for row in db[kind.table].rows_where(
        "version <= ?", [upto if upto is not None else 2 ** 62], order_by="version")]


def version(db, kind: Kind) -> int:
    """The current version (0: the shipped files, unchanged)."""
    if not db[kind.table].exists():
        return 0
    return db.execute(f"select coalesce(max(version), 0) from {kind.table}").fetchone()[0]


def remember(db) -> None:
    """The words of every rule the hall wrote, for every surface (vocabulary.hall_words):
    an undone one's too, since its stored findings keep their name."""
    if db[RULES.table].exists():
        for row in db[RULES.table].rows_where("change = ?", [ADD], order_by="version"):
            _remember(row["rule"], row["value"])


def _remember(rule: str, value: str) -> None:
    written = _words(value)
    if written:
        vocabulary.hall_words[rule] = written


def _words(value: str) -> RuleWords | None:
    """A new rule's words, from its table (checked when proposed: rulechanges.propose; a
    row edited by hand may name none)."""
    try:
        table = json.loads(value)
        return RuleWords(table["name"], table["prompt"], table["norm"])
    except (ValueError, TypeError, KeyError):
        return None


def kind_of(change: HallChange) -> Kind:
    """The kind a change record is of."""
    return RULES if isinstance(change, RuleChange) else LEXICON


def undone(stored: Sequence[HallChange]) -> set[int]:
    """The versions an undo reverted."""
    return {int(c.value) for c in stored if c.change == UNDO}


def in_force(stored: Sequence[HallChange]) -> list:
    """The changes neither undone nor undos themselves, in version order."""
    reverted = undone(stored)
    return [c for c in stored if c.change != UNDO and c.version not in reverted]


def apply(store, kind: Kind, change: HallChange, origin: str = "") -> HallChange:
    """Store a change as the next version, with its audit row, in one transaction (two
    supervisors at once make two versions); a change needs its reason (masked when stored,
    like every person's words)."""
    if not change.reason.strip():
        raise kind.error(f"请写明{kind.noun}原因")
    if len(change.reason) > REASON_MAX:
        raise kind.error(f"原因不能超过 {REASON_MAX} 个字")
    at = change.at or datetime.now().astimezone()
    entry = AuditEntry(change.actor, kind.action, kind.target(change),
                       f"{change.change} {change.value}".strip(), origin)
    with store.audited(entry):
        made = version(store.db, kind) + 1
        store.db[kind.table].insert({
            "version": made, "at": at.isoformat(timespec="milliseconds"), "actor": change.actor,
            **{f: getattr(change, f) for f in kind.names}, "change": change.change,
            "value": change.value,
            "reason": change.reason if store.store_raw else privacy.mask(change.reason)})
    if kind is RULES and change.change == ADD:
        _remember(change.rule, change.value)
    return replace(change, at=at, version=made)


def undo(store, kind: Kind, number: int, actor: str, reason: str, origin: str = ""
         ) -> HallChange:
    """Revert one change: a new version without it (the change itself stays stored)."""
    stored = changes(store.db, kind)
    target = next((c for c in stored if c.version == number), None)
    if target is None:
        raise kind.error(f"没有版本 {number} 的{kind.of}{kind.noun}")
    if target.change == UNDO:
        raise kind.error(f"撤销本身不能再撤销；请重新提交那次{kind.noun}")
    if number in undone(stored):
        raise kind.error(f"版本 {number} 的{kind.noun}已经撤销")
    reason = (reason or "").strip() or f"撤销版本 {number}"
    return apply(store, kind, replace(target, change=UNDO, value=str(number),
                                      reason=reason[:REASON_MAX], actor=actor, at=None,
                                      version=None), origin)


# --- preview: the stored visits of some days judged again without and with a change ------


def period(days: int, today: date | None = None) -> tuple[date, date]:
    """The first and last day of a preview of `days` days (1 to MAX_DAYS) up to today."""
    last = today or date.today()
    return last - timedelta(days=max(1, min(days, MAX_DAYS)) - 1), last


class Compared:
    """A preview as it goes, visit by visit: how many were judged again, their findings
    without and with the change, the findings only one side has, the verdicts turned."""

    def __init__(self, days: int, today: date | None = None):
        self.began = time.perf_counter()
        self.days = days
        self.first, self.last = period(days, today)
        self.rescored = self.before = self.after = 0
        self.found: list[ChangedFinding] = []
        self.turned: list[ChangedVisit] = []

    def visit(self, judged: JudgedSession, window: str | None, staff: str | None, start: float,
              old: Sequence[Finding], new: Sequence[Finding], lines: list,
              verdicts: tuple[tuple[float, str], tuple[float, str]]) -> None:
        """One visit judged without (`old`) and with (`new`) the change; `verdicts`: its
        (score, verdict) each way."""
        anchor = datetime.fromisoformat(judged.started_at)
        self.rescored += 1
        self.before, self.after = self.before + len(old), self.after + len(new)

        def keys(findings: Sequence[Finding]) -> dict[tuple, Finding]:
            return {(f.rule, round(f.start, 2), f.severity, f.text): f for f in findings}

        mine = keys(old), keys(new)
        self.found += [ChangedFinding(judged.id, window, staff,
                                      anchor + timedelta(seconds=f.start), f.rule, f.severity,
                                      f.text, gone, pinyin=said.pinyin, heard_by=said.heard_by)
                       for side, other, gone in ((0, 1, True), (1, 0, False))
                       for key, f in mine[side].items() if key not in mine[other]
                       for said in [quoted(f.text, f.start, f.end, lines)]]
        (s0, v0), (s1, v1) = verdicts
        if v0 != v1:
            self.turned.append(ChangedVisit(judged.id, window, staff,
                                            anchor + timedelta(seconds=start), s0, v0, s1, v1))

    def preview(self, store, change: HallChange, visits: int) -> ChangePreview:
        """What was found, with what reviewers decided on the findings that would go."""
        found = with_reviews(store, self.found, self.first, self.last)
        return ChangePreview(change, self.days, visits, self.rescored, self.before, self.after,
                             tuple(sorted(found, key=lambda f: f.at)), tuple(self.turned),
                             round(time.perf_counter() - self.began, 3))


def with_reviews(store, found: list[ChangedFinding], first: date, last: date
                 ) -> list[ChangedFinding]:
    """Findings that would disappear, with what reviewers decided on the stored finding
    (the same rule at the same moment of the same session; an overturned appeal counts
    as dismissed)."""
    gone = {f.session for f in found if f.gone}
    if not gone:
        return found
    stored = {(f.session, f.rule, f.at): f.id
              for f in store.live_findings(first, last) if f.session in gone}
    ids = [stored.get((f.session, f.rule, f.at.isoformat(timespec="milliseconds")))
           if f.gone else None for f in found]
    latest = store.latest_reviews([i for i in ids if i])
    overturned = {a.finding for a in store.appeals(status="overturned")}
    out = []
    for f, finding_id in zip(found, ids):
        decision = ("dismiss" if finding_id in overturned else
                    latest[finding_id].decision if finding_id in latest else "")
        out.append(replace(f, review=decision))
    return out
