"""Citizen ratings (好差评) joined to the visits they rate, for the report and review.

A rating is joined by its ticket where the queue set the visit (confidence 1), else by
window and time: the visit of its window whose end is nearest the rating, within
`JOIN_WINDOW_S` after it (confidence falling with the gap: a rating pressed as the citizen
leaves is surest). The report's 好差评 section adds them up per window and staff member,
lists the 差评 with their visit's findings, and sets the courtesy score beside the rating;
`mismatches` are the visits whose rating and recording disagree (非常满意 with a critical
finding, 非常不满意 with a visit the recording judged 合格), which the review queue shows marked
评价与录音不符.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from . import hallevents, privacy
from .hallimport import LEVEL_NAMES
from .records import Rating
from .review import reviewed
from .storage import Store
from .stored import StoredFinding, StoredVisit
from .vocabulary import rule_name

JOIN_WINDOW_S = 600.0  # a rating this long after a visit's end may still be its
BAD_LEVEL = 2  # 不满意 and below: 差评
GOOD_LEVEL = 4  # 满意 and above
LEVEL_LABELS = {level: name for name, level in LEVEL_NAMES.items()}
MISMATCH = "评价与录音不符"


@dataclass(frozen=True)
class RatingJoin:
    """A rating and the visit it rates (None: none found), how and how surely."""

    rating: Rating
    visit: StoredVisit | None
    how: str  # "ticket", "time" or "" (not joined)
    confidence: float


@dataclass(frozen=True)
class RatingGroup:
    """Ratings of one window or staff member, and the courtesy score of the visits rated."""

    id: str
    name: str
    ratings: int
    mean_level: float
    satisfied: float  # share rated 满意 or better
    bad: int  # 差评: 不满意 or 非常不满意
    mean_score: float | None  # courtesy score of the joined visits


@dataclass(frozen=True)
class LevelRow:
    """One level: how many ratings, and the courtesy score of the visits rated so."""

    level: int
    label: str
    ratings: int
    joined: int
    mean_score: float | None
    failed: int  # joined visits the recording judged 不合格


@dataclass(frozen=True)
class BadRating:
    """A 差评 with its visit's findings and a replay link."""

    at: str
    level: int
    label: str
    window: str
    staff: str
    reason: str
    text: str
    visit: str
    link: str
    score: float | None
    findings: list[str]
    how: str
    confidence: float


@dataclass(frozen=True)
class Mismatch:
    """A visit whose rating and recording disagree (评价与录音不符)."""

    visit: str
    at: str
    window: str
    staff: str
    level: int
    label: str
    verdict: str
    why: str


@dataclass
class RatingSection:
    """The report's 好差评 section."""

    ratings: int = 0
    by_ticket: int = 0
    by_time: int = 0
    unjoined: int = 0
    windows: list[RatingGroup] = field(default_factory=list)
    staff: list[RatingGroup] = field(default_factory=list)
    levels: list[LevelRow] = field(default_factory=list)
    bad: list[BadRating] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def join(visits: list[StoredVisit], ratings: list[Rating]) -> list[RatingJoin]:
    """Each rating with its visit: by ticket, else by window and time."""
    by_ticket = {(v.ticket, v.started_at[:10]): v for v in visits if v.ticket}
    by_window: dict[str, list[StoredVisit]] = defaultdict(list)
    for visit in visits:
        by_window[visit.window or ""].append(visit)
    joined = []
    for rating in ratings:
        day = rating.at.astimezone(_at(visits[0].started_at).tzinfo).date().isoformat() \
            if visits else ""
        visit = by_ticket.get((rating.ticket, day)) if rating.ticket else None
        if visit is not None:
            joined.append(RatingJoin(rating, visit, "ticket", 1.0))
            continue
        joined.append(_by_time(rating, by_window.get(rating.window, [])))
    return joined


def _by_time(rating: Rating, visits: list[StoredVisit]) -> RatingJoin:
    """The window's visit whose end is nearest the rating (one that holds another ticket
    than the rating's is not it)."""
    best, gap = None, None
    for visit in visits:
        if rating.ticket and visit.ticket and visit.ticket != rating.ticket:
            continue
        after = (rating.at - _at(visit.ended_at)).total_seconds()
        if rating.at < _at(visit.started_at) or after > JOIN_WINDOW_S:
            continue
        if gap is None or abs(after) < abs(gap):
            best, gap = visit, after
    if best is None:
        return RatingJoin(rating, None, "", 0.0)
    confidence = 0.8 if -30 <= gap <= 60 else 0.6 if gap <= 300 else 0.4
    return RatingJoin(rating, best, "time", confidence)


def build(store: Store, visits: list[StoredVisit], findings_of: dict[str, list[StoredFinding]],
          first: date, last: date, hall) -> RatingSection:
    """The 好差评 section for a period's (reviewed) visits; empty without ratings."""
    start = datetime.combine(first, time()).astimezone()
    ratings = hallevents.ratings(store, start, datetime.combine(last + timedelta(days=1),
                                                               time()).astimezone())
    if not ratings:
        return RatingSection()
    joins = join(visits, ratings)
    return RatingSection(
        ratings=len(joins), by_ticket=sum(j.how == "ticket" for j in joins),
        by_time=sum(j.how == "time" for j in joins), unjoined=sum(not j.how for j in joins),
        windows=_groups(joins, lambda j: j.rating.window, hall.window_name),
        staff=_groups([j for j in joins if j.visit and j.visit.staff],
                      lambda j: j.visit.staff, hall.staff_name),
        levels=[_level(level, [j for j in joins if j.rating.level == level])
                for level in range(5, 0, -1)],
        bad=[_bad(j, findings_of, hall) for j in joins if j.rating.level <= BAD_LEVEL],
        mismatches=_mismatches(joins, findings_of, hall))


def _mean(values) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 1) if values else None


def _groups(joins: list[RatingJoin], key, name_of) -> list[RatingGroup]:
    grouped: dict[str, list[RatingJoin]] = defaultdict(list)
    for j in joins:
        grouped[key(j)].append(j)
    rows = [RatingGroup(
        id, name_of(id) or id, len(group), _mean(j.rating.level for j in group) or 0.0,
        round(sum(j.rating.level >= GOOD_LEVEL for j in group) / len(group), 3),
        sum(j.rating.level <= BAD_LEVEL for j in group),
        _mean(j.visit.score for j in group if j.visit)) for id, group in grouped.items()]
    return sorted(rows, key=lambda g: (-g.mean_level, g.id))


def _level(level: int, joins: list[RatingJoin]) -> LevelRow:
    rated = [j.visit for j in joins if j.visit]
    return LevelRow(level, LEVEL_LABELS[level], len(joins), len(rated),
                    _mean(v.score for v in rated), sum(v.verdict == "fail" for v in rated))


def _bad(j: RatingJoin, findings_of, hall) -> BadRating:
    visit = j.visit
    findings = [f"{rule_name(f.rule)}：{privacy.mask(f.text)}" if f.text else rule_name(f.rule)
                for f in findings_of.get(visit.id, [])] if visit else []
    return BadRating(
        j.rating.at.isoformat(timespec="seconds"), j.rating.level, LEVEL_LABELS[j.rating.level],
        j.rating.window, (visit.staff or "") if visit else "", privacy.mask(j.rating.reason),
        privacy.mask(j.rating.text), visit.id if visit else "",
        hall.replay_link(visit.id) if visit else "", visit.score if visit else None, findings,
        j.how, j.confidence)


def _mismatches(joins: list[RatingJoin], findings_of, hall) -> list[Mismatch]:
    """非常满意 with a critical finding, 非常不满意 with a visit judged 合格 (pass)."""
    out = []
    for j in joins:
        if j.visit is None:
            continue
        found = findings_of.get(j.visit.id, [])
        if j.rating.level == 5 and any(f.severity == "critical" for f in found):
            why = "评价非常满意，录音有严重问题"
        elif j.rating.level == 1 and j.visit.verdict == "pass":
            why = "评价非常不满意，录音判定合格"
        else:
            continue
        out.append(Mismatch(j.visit.id, j.visit.started_at[:16].replace("T", " "),
                            hall.window_name(j.visit.window) or j.visit.window or "",
                            hall.staff_name(j.visit.staff) or j.visit.staff or "",
                            j.rating.level, LEVEL_LABELS[j.rating.level], j.visit.verdict, why))
    return out


def mismatches(store: Store, day: date, hall) -> list[Mismatch]:
    """The day's visits whose rating and recording disagree (the review queue's
    评价与录音不符), judged on the reviewed visits."""
    seen = reviewed(store, day, day)
    findings_of: dict[str, list[StoredFinding]] = defaultdict(list)
    for finding in seen.findings:
        findings_of[finding.visit].append(finding)
    return build(store, seen.visits, findings_of, day, day, hall).mismatches
