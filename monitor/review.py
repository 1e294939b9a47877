"""Review and appeal: people confirm or dismiss what the machine found, add what it missed,
and staff contest findings on their own record.

Nothing is deleted or changed in place: each review, added finding and appeal is a new row
beside the machine's findings, and each is stored in one transaction with its audit row.
A visit's effective result (`effective`, `adjust` for reports) leaves out findings whose
latest review dismissed them or whose appeal was overturned, adds the hand-added ones, and
scores again with `rules.score`, the formula the machine used.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from .errors import CourtesyError
from .records import (AddedFinding, Appeal, AuditEntry, Effective, Finding, Precision,
                      Review, ReviewTally)
from .rules import SEVERITY_FACTOR, RuleOptions, ScoreOptions, score
from .storage import Store
from .vocabulary import APPEAL_LABELS, DECISION_LABELS, REVIEW_REASONS, RULES, SEVERITIES

DECISIONS = tuple(DECISION_LABELS)
REASONS = tuple(REVIEW_REASONS)
DECISIONS_ON_APPEAL = ("upheld", "overturned")
NOTE_MAX = 500
ADDED_PREFIX = "added:"
PHRASE_RULES = ("taboo",)  # rules whose finding is one lexicon phrase heard (precision per phrase)


class ReviewError(CourtesyError):
    """A review, added finding or appeal cannot be made as asked."""


def _now() -> datetime:
    return datetime.now().astimezone()


def _note(text: str, what: str = "备注") -> str:
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise ReviewError(f"{what}不能超过 {NOTE_MAX} 个字")
    return text


def review(store: Store, finding_id: str, decision: str, reason: str, actor: str,
           note: str = "", origin: str = "") -> Review:
    """Confirm or dismiss a machine finding with a reason; stored with its audit row."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision {decision!r}: one of {', '.join(DECISIONS)}")
    if reason not in REASONS:
        raise ReviewError(f"reason {reason!r}: one of {', '.join(REASONS)}")
    row = store.finding_row(finding_id)
    if row is None:
        raise ReviewError(f"没有编号为 {finding_id} 的检出记录")
    entry = AuditEntry(actor, "review", finding_id, f"{decision} {reason}", origin)
    with store.audited(entry):
        return store.add_review(Review(finding_id, decision, reason, actor, _note(note)),
                                row["visit"])


def add_missed(store: Store, visit_id: str, rule: str, severity: str, offset: float,
               actor: str, note: str = "", origin: str = "") -> AddedFinding:
    """Mark a finding the machine missed, `offset` seconds into the visit."""
    if rule not in RULES:
        raise ReviewError(f"rule {rule!r}: one of {', '.join(RULES)}")
    if severity not in SEVERITIES:
        raise ReviewError(f"severity {severity!r}: one of {', '.join(SEVERITIES)}")
    visit = store.visit(visit_id)
    if visit is None:
        raise ReviewError(f"没有编号为 {visit_id} 的来访记录")
    length = visit["end"] - visit["start"]
    if not 0 <= offset <= length:
        raise ReviewError(f"时间须在来访的 0 到 {length:.0f} 秒之间")
    anchor = datetime.fromisoformat(visit["started_at"]) - timedelta(seconds=visit["start"])
    entry = AuditEntry(actor, "add_finding", visit_id, f"{rule} {severity} +{offset:.1f}s",
                       origin)
    with store.audited(entry):
        return store.add_finding(AddedFinding(visit_id, rule, severity, visit["start"] + offset,
                                              actor, _note(note)), anchor)


def appeal(store: Store, finding_id: str, actor: str, staff: str | None, reason: str,
           origin: str = "") -> Appeal:
    """A staff member contests a finding on their own record (one open appeal at a time)."""
    row = store.finding_row(finding_id)
    if row is None:
        raise ReviewError(f"没有编号为 {finding_id} 的检出记录")
    if not staff or row["staff"] != staff:
        raise ReviewError("只能对自己的检出记录提出申诉")
    reason = _note(reason, "申诉理由")
    if not reason:
        raise ReviewError("请写明申诉理由")
    if store.appeals(finding_ids=[finding_id], status="open"):
        raise ReviewError("这条检出已有待处理的申诉")
    entry = AuditEntry(actor, "appeal", finding_id, reason, origin)
    with store.audited(entry):
        return store.add_appeal(Appeal(finding_id, staff, actor, reason), row["visit"])


def decide(store: Store, appeal_id: int, status: str, actor: str, actor_staff: str | None,
           note: str = "", origin: str = "") -> None:
    """Uphold or overturn an open appeal; nobody decides an appeal of their own."""
    if status not in DECISIONS_ON_APPEAL:
        raise ReviewError(f"decision {status!r}: one of {', '.join(DECISIONS_ON_APPEAL)}")
    found = store.appeals(appeal_id=appeal_id)
    if not found:
        raise ReviewError(f"没有编号为 {appeal_id} 的申诉")
    row = found[0]
    if row["actor"] == actor or (actor_staff and actor_staff == row["staff"]):
        raise ReviewError("不能处理自己的申诉")
    entry = AuditEntry(actor, "decision", f"appeal:{appeal_id}",
                       f"{status} {row['finding']}", origin)
    with store.audited(entry):
        if not store.decide_appeal(appeal_id, status, actor, _now(), _note(note)):
            raise ReviewError(f"这条申诉已经处理（{APPEAL_LABELS.get(row['status'])}）")


def _gone(store: Store, finding_ids: list[str]) -> set[str]:
    """Machine findings that no longer count: dismissed by their latest review, or overturned."""
    latest = store.latest_reviews(finding_ids)
    out = {f for f, r in latest.items() if r["decision"] == "dismiss"}
    return out | {a["finding"] for a in store.appeals(status="overturned")
                  if a["finding"] in set(finding_ids)}


def _deduction(rule: str, severity: str, options: dict) -> float:
    """What an added finding costs, with the weights its session was judged with."""
    settings = options.get("rules", {}).get("settings", {})
    weight = settings.get(rule, {}).get("weight", RuleOptions().settings[rule].weight)
    factor = SEVERITY_FACTOR[severity]
    return 100.0 if factor is None else weight * factor


def _scoring(options: dict) -> ScoreOptions:
    return ScoreOptions(**options["scoring"]) if options.get("scoring") else ScoreOptions()


def _added_finding(row: dict, options: dict) -> Finding:
    return Finding(row["rule"], row["start"], row["start"], "", row["severity"],
                   detail=row["note"] or "",
                   deduction=_deduction(row["rule"], row["severity"], options))


def _machine_finding(row: dict) -> Finding:
    return Finding(row["rule"], row["start"], row["end"], row["text"] or "", row["severity"],
                   row["category"] or "", row["detail"] or "", row["deduction"] or 0.0)


def effective(store: Store, visit_id: str) -> Effective:
    """The visit's findings minus dismissed and overturned plus added ones, rescored."""
    visit = store.visit(visit_id)
    if visit is None:
        raise ReviewError(f"没有编号为 {visit_id} 的来访记录")
    machine = store.visit_findings(visit_id)
    gone = _gone(store, [f["id"] for f in machine])
    added = store.added_findings([visit_id])
    if not gone and not added:
        return Effective(visit_id, visit["score"], visit["verdict"], visit["score"],
                         visit["verdict"], tuple(_machine_finding(f) for f in machine), (), ())
    options = store.session_options(visit["session"])
    counted = [_machine_finding(f) for f in machine if f["id"] not in gone]
    counted += [_added_finding(a, options) for a in added]
    new_score, verdict = score(counted, _scoring(options))
    return Effective(visit_id, new_score, verdict, visit["score"], visit["verdict"],
                     tuple(counted), tuple(f["id"] for f in machine if f["id"] in gone),
                     tuple(f"{ADDED_PREFIX}{a['id']}" for a in added))


def _added_row(row: dict, visit: dict) -> dict:
    """An added finding as a report reads findings (`Store.live_findings` rows)."""
    return {"id": f"{ADDED_PREFIX}{row['id']}", "session": visit["session"],
            "visit": row["visit"], "rule": row["rule"], "start": row["start"],
            "end": row["start"], "at": row["at"], "text": "", "category": "",
            "severity": row["severity"], "detail": row["note"] or "",
            "window": visit["window"], "staff": visit["staff"]}


def adjust(store: Store, visits: list[dict], findings: list[dict]
           ) -> tuple[list[dict], list[dict]]:
    """A report's visits and findings as reviews left them: dismissed and overturned
    findings out, added ones in, and the visits they touch rescored."""
    gone = _gone(store, [f["id"] for f in findings])
    by_id = {v["id"]: v for v in visits}
    added = store.added_findings(list(by_id))
    touched = {f["visit"] for f in findings if f["id"] in gone} | {a["visit"] for a in added}
    rescored = {}
    for visit_id in touched & set(by_id):
        result = effective(store, visit_id)
        rescored[visit_id] = {**by_id[visit_id], "score": result.score,
                              "verdict": result.verdict}
    kept = [f for f in findings if f["id"] not in gone]
    kept += [_added_row(a, by_id[a["visit"]]) for a in added]
    kept.sort(key=lambda f: (f["at"], f["id"]))
    return [rescored.get(v["id"], v) for v in visits], kept


def tallies(store: Store, first: date, last: date, window: str | None = None,
            staff: str | None = None) -> list[ReviewTally]:
    """Per rule and window: findings reviewed, confirmed, dismissed (or overturned) and
    added by hand in a period; the report's 复核 section."""
    findings = store.live_findings(first, last, window, staff)
    latest = store.latest_reviews([f["id"] for f in findings])
    gone = _gone(store, [f["id"] for f in findings])
    counts: dict[tuple[str, str], Counter] = {}
    for f in findings:
        key = (f["rule"], f["window"] or "")
        review_row = latest.get(f["id"])
        if review_row is None and f["id"] not in gone:
            continue
        tally = counts.setdefault(key, Counter())
        tally["reviewed"] += 1
        tally["dismissed"] += f["id"] in gone
        tally["confirmed"] += f["id"] not in gone and review_row["decision"] == "confirm"
    visits = {v["id"]: v for v in store.live_visits(first, last, window, staff)}
    for row in store.added_findings(list(visits)):
        key = (row["rule"], visits[row["visit"]]["window"] or "")
        counts.setdefault(key, Counter())["added"] += 1
    return [ReviewTally(rule, win, c["reviewed"], c["confirmed"], c["dismissed"], c["added"])
            for (rule, win), c in sorted(counts.items())]


class Reviewed:
    """A store whose live visits and findings are as reviews left them, for a report: it
    reads the same `live_visits`/`live_findings` and leaves every other method as it is."""

    def __init__(self, store: Store):
        self.store = store
        self._last: tuple | None = None  # (query, visits, findings): a report asks twice

    def __getattr__(self, name: str):
        return getattr(self.store, name)

    def _adjusted(self, *query) -> tuple[list[dict], list[dict]]:
        if self._last is None or self._last[0] != query:
            visits, findings = adjust(self.store, self.store.live_visits(*query),
                                      self.store.live_findings(*query))
            self._last = (query, visits, findings)
        return self._last[1], self._last[2]

    def live_visits(self, first: date, last: date, window: str | None = None,
                    staff: str | None = None) -> list[dict]:
        return self._adjusted(first, last, window, staff)[0]

    def live_findings(self, first: date, last: date, window: str | None = None,
                      staff: str | None = None) -> list[dict]:
        return self._adjusted(first, last, window, staff)[1]

    def tallies(self, first: date, last: date, window: str | None = None,
                staff: str | None = None) -> list[ReviewTally]:
        return tallies(self.store, first, last, window, staff)


def precision(store: Store, since: date | None = None) -> list[Precision]:
    """Per rule and phrase, the findings reviewers confirmed and dismissed (their latest
    review; an overturned appeal counts as dismissed), lowest precision first."""
    rows = store.reviewed_findings(since)
    overturned = {a["finding"] for a in store.appeals(status="overturned")}
    counts: dict[tuple[str, str], Counter] = {}
    for row in rows:
        dismissed = row["decision"] == "dismiss" or row["id"] in overturned
        phrase = row["phrase"] if row["rule"] in PHRASE_RULES else ""
        counts.setdefault((row["rule"], phrase), Counter())[dismissed] += 1
    out = [Precision(rule, phrase, c[False], c[True]) for (rule, phrase), c in counts.items()]
    return sorted(out, key=lambda p: (p.precision, -p.dismissed, p.rule, p.phrase))
