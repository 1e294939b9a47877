"""Review and appeal: people confirm or dismiss what the machine found, add what it missed,
and staff contest findings on their own record.

Nothing is deleted or changed in place: each review, added finding and appeal is a new row
beside the machine's findings, and each is stored in one transaction with its audit row.
A visit's effective result (`effective`, `adjust` for reports) leaves out findings whose
latest review dismissed them or whose appeal was overturned, adds the hand-added ones, counts
the ones on an unsure role (a single pickup) that a person confirmed, and scores again with
`rules.score`, the formula the machine used.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from . import roles, ruledata
from .errors import CourtesyError
from .records import (AddedFinding, Appeal, AuditEntry, Effective, Finding,
                      Precision, Review, ReviewTally)
from .rules import SEVERITY_FACTOR, RuleOptions, ScoreOptions, score
from .storage import Store, day_bounds
from .stored import StoredFinding, StoredVisit
from .vocabulary import (APPEAL_LABELS, DECISION_LABELS, REVIEW_REASONS, SEVERITIES,
                         all_rules)

DECISIONS = tuple(DECISION_LABELS)
REASONS = tuple(REVIEW_REASONS)
DECISIONS_ON_APPEAL = ("upheld", "overturned")
NOTE_MAX = 500
PHRASE_RULES = ("taboo",)  # rules whose finding is one lexicon phrase heard (precision per phrase)


class ReviewError(CourtesyError):
    """A review, added finding or appeal cannot be made as asked."""


def _now() -> datetime:
    return datetime.now().astimezone()


FIELDS = {"decision": "复核结论", "reason": "理由", "rule": "规则", "severity": "严重程度",
          "status": "处理结果"}


def _one_of(field: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ReviewError(f"{FIELDS[field]}“{value}”无效，可选：{'、'.join(allowed)}")


def _note(text: str, what: str = "备注") -> str:
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise ReviewError(f"{what}不能超过 {NOTE_MAX} 个字")
    return text


def review(store: Store, finding_id: str, decision: str, reason: str, actor: str,
           note: str = "", origin: str = "") -> Review:
    """Confirm a machine finding, or dismiss it with a reason (why the machine was wrong: a
    confirmation has none, whatever reason comes with it); stored with its audit row."""
    _one_of("decision", decision, DECISIONS)
    if decision == "confirm":
        reason = ""
    elif not reason:
        raise ReviewError("驳回须选择理由")
    else:
        _one_of("reason", reason, REASONS)
    found = store.finding(finding_id)
    if found is None:
        raise ReviewError(f"没有编号为 {finding_id} 的检出记录")
    note = _note(note)
    entry = AuditEntry(actor, "review", finding_id, f"{decision} {reason}".strip(), origin,
                       note=note)
    with store.audited(entry):
        return store.add_review(Review(finding_id, decision, reason, actor, note), found.visit)


def add_missed(store: Store, visit_id: str, rule: str, severity: str, offset: float,
               actor: str, note: str = "", origin: str = "") -> AddedFinding:
    """Mark a finding the machine missed, `offset` seconds into the visit."""
    _one_of("rule", rule, all_rules())
    _one_of("severity", severity, SEVERITIES)
    visit = store.visit(visit_id)
    if visit is None:
        raise ReviewError(f"没有编号为 {visit_id} 的来访记录")
    length = visit.end - visit.start
    if not 0 <= offset <= length:
        raise ReviewError(f"时间须在来访的 0 到 {length:.0f} 秒之间")
    anchor = datetime.fromisoformat(visit.started_at) - timedelta(seconds=visit.start)
    note = _note(note)
    entry = AuditEntry(actor, "add_finding", visit_id, f"{rule} {severity} +{offset:.1f}s",
                       origin, note=note)
    with store.audited(entry):
        return store.add_finding(AddedFinding(visit_id, rule, severity, visit.start + offset,
                                              actor, note), anchor)


def appeal(store: Store, finding_id: str, actor: str, staff: str | None, reason: str,
           origin: str = "") -> Appeal:
    """A staff member contests a finding on their own record, once: a decided appeal is
    final (a second would let the same finding be argued until somebody gives in)."""
    found = store.finding(finding_id)
    if found is None:
        raise ReviewError(f"没有编号为 {finding_id} 的检出记录")
    if not staff or found.staff != staff:
        raise ReviewError("只能对自己的检出记录提出申诉")
    reason = _note(reason, "申诉理由")
    if not reason:
        raise ReviewError("请写明申诉理由")
    entry = AuditEntry(actor, "appeal", finding_id, "", origin, note=reason)
    with store.audited(entry):  # checked in the transaction that stores it: one appeal only
        earlier = store.appeals(finding_ids=[finding_id])
        if earlier:
            raise ReviewError(f"这条检出已申诉过（{APPEAL_LABELS.get(earlier[-1].status)}），"
                              "不能再次申诉")
        return store.add_appeal(Appeal(finding_id, staff, actor, reason), found.visit)


def decide(store: Store, appeal_id: int, status: str, actor: str, actor_staff: str | None,
           note: str = "", origin: str = "") -> None:
    """Uphold or overturn an open appeal; nobody decides an appeal of their own."""
    _one_of("status", status, DECISIONS_ON_APPEAL)
    found = store.appeals(appeal_id=appeal_id)
    if not found:
        raise ReviewError(f"没有编号为 {appeal_id} 的申诉")
    contested = found[0]
    if contested.actor == actor or (actor_staff and actor_staff == contested.staff):
        raise ReviewError("不能处理自己的申诉")
    note = _note(note)
    entry = AuditEntry(actor, "decision", f"appeal:{appeal_id}",
                       f"{status} {contested.finding}", origin, note=note)
    with store.audited(entry):
        if not store.decide_appeal(appeal_id, status, actor, _now(), note):
            raise ReviewError(f"这条申诉已经处理（{APPEAL_LABELS.get(contested.status)}）")


def _gone(store: Store, finding_ids: list[str], latest: dict[str, Review] | None = None
          ) -> set[str]:
    """Machine findings that no longer count: dismissed by their latest review, or overturned."""
    latest = store.latest_reviews(finding_ids) if latest is None else latest
    out = {f for f, r in latest.items() if r.decision == "dismiss"}
    wanted = set(finding_ids)
    return out | {a.finding for a in store.appeals(status="overturned") if a.finding in wanted}


def _deduction(rule: str, severity: str, options: dict) -> float:
    """What an added finding costs, with the weights its session was judged with."""
    settings = options.get("rules", {}).get("settings", {})
    weight = settings.get(rule, {}).get("weight", _default_weight(rule))
    factor = SEVERITY_FACTOR[severity]
    return 100.0 if factor is None else weight * factor


def _default_weight(rule: str) -> float:
    """A rule's weight where its session's options do not say (a rule newer than it)."""
    code = RuleOptions().settings.get(rule)
    if code is not None:
        return code.weight
    return next((r.deduction for r in ruledata.load() if r.id == rule), 10.0)


def _scoring(options: dict) -> ScoreOptions:
    return ScoreOptions(**options["scoring"]) if options.get("scoring") else ScoreOptions()


def _added_finding(added: AddedFinding, options: dict) -> Finding:
    return Finding(added.rule, added.start, added.start, "", added.severity, detail=added.note,
                   deduction=_deduction(added.rule, added.severity, options))


def _confirmed(latest: dict[str, Review]) -> set[str]:
    return {f for f, r in latest.items() if r.decision == "confirm"}


def _counted(found: StoredFinding, confirmed: set[str]) -> Finding:
    """A finding as it counts: one on an unsure role only once a person confirmed it."""
    if found.unsure_role and found.id in confirmed:
        return replace(found.finding(), role_confidence=None)
    return found.finding()


def _rescored(visit: StoredVisit, machine: list[StoredFinding], gone: set[str],
              added: list[AddedFinding], options: Callable[[], dict],
              confirmed: set[str] = frozenset(), fix: roles.Fix | None = None) -> Effective:
    """One visit's effective result from its rows (`options`: its session's, when needed;
    `fix`: what role corrections change in its findings)."""
    if fix is not None:
        machine, gone = fix.apply(machine), gone | fix.removed
    elif not added and not any(f.id in gone or f.unsure_role and f.id in confirmed
                               for f in machine):
        return Effective(visit.id, visit.score, visit.verdict, visit.score, visit.verdict,
                         tuple(f.finding() for f in machine), (), ())
    chosen = options()
    counted = [_counted(f, confirmed) for f in machine if f.id not in gone]
    counted += [_added_finding(a, chosen) for a in added]
    new_score, verdict = score(counted, _scoring(chosen))
    return Effective(visit.id, new_score, verdict, visit.score, visit.verdict,
                     tuple(counted), tuple(f.id for f in machine if f.id in gone),
                     tuple(a.finding_id for a in added))


def within(added: AddedFinding, visit: StoredVisit) -> bool:
    """Is a hand-added finding still inside its visit? A re-scoring may cut visits anew (a
    greeting phrase switched off): one whose visit id now names other minutes is orphaned,
    never counted against another customer's visit."""
    return visit.start <= added.start <= visit.end


def added_to(store: Store, visits: list[StoredVisit]) -> list[AddedFinding]:
    """The hand-added findings that still lie inside their visits."""
    by_id = {v.id: v for v in visits}
    return [a for a in store.added_findings(list(by_id)) if within(a, by_id[a.visit])]


def effective(store: Store, visit_id: str) -> Effective:
    """The visit's findings minus dismissed and overturned plus added ones, rescored."""
    visit = store.visit(visit_id)
    if visit is None:
        raise ReviewError(f"没有编号为 {visit_id} 的来访记录")
    machine = store.visit_findings(visit_id)
    latest = store.latest_reviews([f.id for f in machine])
    return _rescored(visit, machine, _gone(store, [f.id for f in machine], latest),
                     added_to(store, [visit]),
                     lambda: store.session_options(visit.session), _confirmed(latest),
                     roles.fixes(store, [visit]).get(visit_id))


def _added_stored(added: AddedFinding, visit: StoredVisit) -> StoredFinding:
    """An added finding as a report reads findings (`Store.live_findings`)."""
    return StoredFinding(added.finding_id, visit.session, added.visit, added.rule, added.start,
                         added.start, added.finding_at, "", added.severity, detail=added.note,
                         window=visit.window, staff=visit.staff, visit_start=visit.start)


@dataclass
class _Period:
    """A period's rows as stored and what reviews say of them (read once, used twice)."""

    visits: list[StoredVisit]
    findings: list[StoredFinding]
    latest: dict[str, Review]  # finding id -> its latest review
    gone: set[str]  # dismissed, overturned, or taken away by a role correction
    added: list[AddedFinding]
    fixes: dict[str, roles.Fix]  # visit id -> what role corrections change in it


def _read(store: Store, visits: list[StoredVisit], findings: list[StoredFinding]) -> _Period:
    ids = [f.id for f in findings]
    latest = store.latest_reviews(ids)
    fixes = roles.fixes(store, visits)
    removed = {f for fix in fixes.values() for f in fix.removed}
    return _Period(visits, findings, latest, _gone(store, ids, latest) | removed,
                   added_to(store, visits), fixes)


def _adjust(store: Store, period: _Period) -> tuple[list[StoredVisit], list[StoredFinding]]:
    by_id = {v.id: v for v in period.visits}
    added_of: dict[str, list[AddedFinding]] = {}
    for added in period.added:
        added_of.setdefault(added.visit, []).append(added)
    confirmed = _confirmed(period.latest)
    touched = sorted(({f.visit for f in period.findings if f.id in period.gone
                       or f.unsure_role and f.id in confirmed} | set(added_of)
                      | set(period.fixes)) & set(by_id))
    machine_of: dict[str, list[StoredFinding]] = {}
    for found in store.findings_of(touched):
        machine_of.setdefault(found.visit, []).append(found)
    options: dict[str, dict] = {}

    def session_options(session: str) -> dict:
        if session not in options:
            options[session] = store.session_options(session)
        return options[session]

    rescored = {}
    for visit_id in touched:
        visit = by_id[visit_id]
        result = _rescored(visit, machine_of.get(visit_id, []), period.gone,
                           added_of.get(visit_id, []),
                           lambda: session_options(visit.session), confirmed,
                           period.fixes.get(visit_id))
        rescored[visit_id] = replace(visit, score=result.score, verdict=result.verdict)
    kept = [period.fixes[f.visit].sured(f) if f.visit in period.fixes else f
            for f in period.findings if f.id not in period.gone]
    kept += [f for v in period.fixes.values() for f in v.brought if f.visit in by_id]
    kept = [f for f in kept if not f.unsure_role or f.id in confirmed]  # unchecked: not yet
    kept += [_added_stored(a, by_id[a.visit]) for a in period.added]
    kept.sort(key=lambda f: (f.at, f.id))
    return [rescored.get(v.id, v) for v in period.visits], kept


def _tallies(period: _Period, first: date, last: date) -> list[ReviewTally]:
    low, high = day_bounds(first, last)
    counts: dict[tuple[str, str], Counter] = {}
    for f in period.findings:
        latest = period.latest.get(f.id)
        if not low <= f.at < high or (latest is None and f.id not in period.gone):
            continue
        tally = counts.setdefault((f.rule, f.window or ""), Counter())
        tally["reviewed"] += 1
        tally["dismissed"] += f.id in period.gone
        tally["confirmed"] += f.id not in period.gone and latest.decision == "confirm"
    windows = {v.id: v.window or "" for v in period.visits if low <= v.started_at < high}
    for added in period.added:
        if added.visit in windows:
            counts.setdefault((added.rule, windows[added.visit]), Counter())["added"] += 1
    return [ReviewTally(rule, win, c["reviewed"], c["confirmed"], c["dismissed"], c["added"])
            for (rule, win), c in sorted(counts.items())]


def tallies(store: Store, first: date, last: date, window: str | None = None,
            staff: str | None = None) -> list[ReviewTally]:
    """Per rule and window: findings reviewed, confirmed, dismissed (or overturned) and
    added by hand in a period; the report's 复核 section."""
    period = _read(store, store.live_visits(first, last, window, staff),
                   store.live_findings(first, last, window, staff))
    return _tallies(period, first, last)


@dataclass
class Reviewed:
    """A period's live visits and findings as reviews left them, for a report: dismissed
    and overturned findings out, and those on an unsure role until a person confirms them;
    added ones in; the visits they touch rescored (each a `dataclasses.replace` of the
    stored visit, the stored one unchanged)."""

    visits: list[StoredVisit]
    findings: list[StoredFinding]
    period: _Period  # the rows as stored, for the 复核 tallies

    def tallies(self, first: date, last: date) -> list[ReviewTally]:
        """The 复核 rows of days first..last within the period read."""
        return _tallies(self.period, first, last)


def reviewed(store: Store, first: date, last: date, window: str | None = None,
             staff: str | None = None) -> Reviewed:
    """Live visits and findings of days first..last as reviews left them."""
    period = _read(store, store.live_visits(first, last, window, staff),
                   store.live_findings(first, last, window, staff))
    return Reviewed(*_adjust(store, period), period)


def precision(store: Store, since: date | None = None) -> list[Precision]:
    """Per rule and phrase, the findings reviewers confirmed and dismissed (their latest
    review; an overturned appeal counts as dismissed), lowest precision first."""
    rows = store.reviewed_findings(since)
    overturned = {a.finding for a in store.appeals(status="overturned")}
    counts: dict[tuple[str, str], Counter] = {}
    for row in rows:
        dismissed = row.decision == "dismiss" or row.id in overturned
        phrase = row.phrase if row.rule in PHRASE_RULES else ""
        counts.setdefault((row.rule, phrase), Counter())[dismissed] += 1
    out = [Precision(rule, phrase, c[False], c[True]) for (rule, phrase), c in counts.items()]
    return sorted(out, key=lambda p: (p.precision, -p.dismissed, p.rule, p.phrase))
