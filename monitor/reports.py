"""The end-of-day courtesy report: a period's figures from the database, and its renderings.

`build()` reads the stored visits and findings into a typed `Report`; `to_json()`,
`write_csv()`, `render_html()` and `write_pdf()` present the same figures. Only live
visits count: practice sessions never enter a report.

Figures (for the whole period, a window, a staff member, a day):
- visits: live visits started in the period (by wall-clock date of their start).
- score_avg: mean visit score, 1 decimal.
- pass / warn / fail: visits with that verdict.
- greeting_rate = greeted visits / visits (来有迎声).
- answer_rate = answered questions / customer questions (问有答声).
- farewell_rate = visits with a farewell / visits (走有送声).
  Rates are fractions 0..1 rounded to 4 decimals, null when the denominator is 0.
- taboo_incidents: taboo findings (each forbidden phrase heard counts once).
- findings: all findings of any rule.
Comparisons: the previous working day is the latest earlier day with live visits (else
the previous Monday-to-Friday day); the last 7 days are the 7 calendar days before the
period's first day. The trend shows each day of the period; a one-day report shows the
7 days ending on its day.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

from . import charts, privacy, ratingreport, roles
from .config import Hall
from .errors import ReportError
from .review import reviewed
from .records import RoleCorrection
from .storage import Store, day_bounds
from .stored import StoredFinding, StoredUtterance, StoredVisit, as_json
from .vocabulary import (MACHINE_MARK, MACHINE_NOTE, PROVISIONAL, Speech, quoted, role_heard,
                         rule_name, rule_norm, severity_label, spoken, ticket_label,
                         verdict_label)

FORMATS = ("html", "csv", "json", "pdf")
INCIDENT_SEVERITIES = ("critical", "major")
FIGURE_KEYS = ("visits", "score_avg", "pass", "warn", "fail", "greeting_rate", "answer_rate",
               "farewell_rate", "taboo_incidents", "findings", "greeted", "farewelled",
               "questions", "answered", "provisional")


# the days a report may cover: a hall's working life, and at most a year at a time (the
# report compares with the week before and charts every day)
FIRST_DAY, LAST_DAY, MAX_DAYS = date(2000, 1, 1), date(2099, 12, 31), 366


@dataclass
class ReportOptions:
    """What a report covers."""

    first: date  # first day of the period
    last: date  # last day of the period (inclusive)
    window: str | None = None  # only this window
    staff: str | None = None  # only this staff member
    context_lines: int = 2  # utterances quoted before and after an incident's own

    def __post_init__(self):
        if self.first > self.last:
            raise ReportError(f"the period starts ({self.first}) after it ends ({self.last})")
        for day in (self.first, self.last):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise ReportError(f"{day} is outside the days a report can cover "
                                  f"({FIRST_DAY} to {LAST_DAY})")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ReportError(f"the period {self.first} to {self.last} is longer than "
                              f"{MAX_DAYS} days; report a year at most")


@dataclass
class Figures:
    """The report's figures for one set of visits (definitions in the module docstring)."""

    visits: int = 0
    score_avg: float | None = None
    passed: int = 0
    warned: int = 0
    failed: int = 0
    greeting_rate: float | None = None
    answer_rate: float | None = None
    farewell_rate: float | None = None
    taboo_incidents: int = 0
    findings: int = 0
    greeted: int = 0
    farewelled: int = 0
    questions: int = 0
    answered: int = 0
    provisional: int = 0  # of `visits`, cut by a killed monitor (暂定): counted, and flagged

    def as_dict(self) -> dict:
        values = dict(self.__dict__)
        for key, name in (("passed", "pass"), ("warned", "warn"), ("failed", "fail")):
            values[name] = values.pop(key)
        return {key: values[key] for key in FIGURE_KEYS}


class _Tally:
    """Adds visits up into Figures."""

    def __init__(self):
        self.visits = self.greeted = self.farewelled = self.questions = self.answered = 0
        self.taboo = self.findings = self.provisional = 0
        self.score_sum = 0.0
        self.verdicts: Counter = Counter()

    def add(self, visit: StoredVisit, findings: list[StoredFinding]) -> None:
        self.visits += 1
        self.provisional += visit.provisional
        self.score_sum += visit.score
        self.verdicts[visit.verdict] += 1
        self.greeted += visit.greeted
        self.farewelled += visit.farewelled
        self.questions += visit.questions
        self.answered += visit.answered
        self.findings += len(findings)
        self.taboo += sum(1 for f in findings if f.rule == "taboo")

    def figures(self) -> Figures:
        def rate(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return Figures(
            visits=self.visits,
            score_avg=round(self.score_sum / self.visits, 1) if self.visits else None,
            passed=self.verdicts["pass"], warned=self.verdicts["warn"],
            failed=self.verdicts["fail"], greeting_rate=rate(self.greeted, self.visits),
            answer_rate=rate(self.answered, self.questions),
            farewell_rate=rate(self.farewelled, self.visits), taboo_incidents=self.taboo,
            findings=self.findings, greeted=self.greeted, farewelled=self.farewelled,
            questions=self.questions, answered=self.answered, provisional=self.provisional)


@dataclass
class Comparison:
    """The same figures for an earlier stretch of days."""

    first: date
    last: date
    figures: Figures


@dataclass
class Group:
    """One window or one staff member, ranked by average score."""

    id: str | None
    name: str | None
    rank: int
    figures: Figures


@dataclass
class Place:
    id: str | None
    name: str | None
    count: int


@dataclass
class RuleStat:
    """How often a rule was broken, and where."""

    id: str
    title: str
    findings: int
    visits: int
    critical: int
    major: int
    minor: int
    windows: list[Place]
    staff: list[Place]


@dataclass
class HourStat:
    hour: int
    visits: int
    findings: int


@dataclass
class Day:
    date: date
    figures: Figures


@dataclass
class Line:
    """One utterance quoted around an incident (masked)."""

    at: str
    role: str
    text: str
    hit: bool  # the utterance the finding quotes
    pinyin: str = ""  # what a recogniser heard (masked), '' for typed text
    heard_by: str = ""  # the engine, '' when a person wrote the text
    role_confidence: float | None = None  # a single pickup's voice decision on `role`
    corrected: str = ""  # the role a reviewer gave the line (monitor/roles.py), '' if none


@dataclass
class Incident:
    """A critical or major finding with its evidence."""

    id: str
    visit: str
    at: str
    window: str | None
    window_name: str | None
    staff: str | None
    staff_name: str | None
    rule: str
    title: str
    severity: str
    category: str
    text: str
    detail: str
    link: str
    context: list[Line] = field(default_factory=list)
    pinyin: str = ""  # the quote's pinyin when a recogniser heard it (masked)
    heard_by: str = ""  # the engine that heard the quote, '' when typed
    provisional: bool = False  # its visit was cut by a killed monitor (暂定)
    ticket: str = ""  # its visit's queue ticket and business (排队号 A023（户籍）), '' without


@dataclass
class Report:
    options: ReportOptions
    hall: Hall
    generated_at: datetime
    summary: Figures
    previous_day: Comparison
    last_7_days: Comparison
    windows: list[Group]
    staff: list[Group]
    rules: list[RuleStat]
    hours: list[HourStat]
    days: list[Day]
    incidents: list[Incident]
    message: str | None = None  # why the report is empty, when it is
    reviews: list = field(default_factory=list)  # review.tallies: the 复核 section
    # the 好差评 section: citizen ratings joined to visits (monitor/ratingreport.py)
    ratings: ratingreport.RatingSection = field(default_factory=ratingreport.RatingSection)


def _days(first: date, last: date) -> Iterable[date]:
    for n in range((last - first).days + 1):
        yield first + timedelta(days=n)


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _tally(visits: Iterable[StoredVisit], findings_of: dict[str, list[StoredFinding]]
           ) -> Figures:
    tally = _Tally()
    for visit in visits:
        tally.add(visit, findings_of.get(visit.id, []))
    return tally.figures()


def _ranked(visits: list[StoredVisit], findings_of, key: str, names: dict[str, str]
            ) -> list[Group]:
    groups: dict[str | None, list[StoredVisit]] = defaultdict(list)
    for visit in visits:
        groups[getattr(visit, key)].append(visit)
    scored = [(gid, _tally(rows, findings_of)) for gid, rows in groups.items()]
    scored.sort(key=lambda g: (-g[1].score_avg, -g[1].visits, g[0] or ""))
    return [Group(gid, names.get(gid) if gid else None, rank, figures)
            for rank, (gid, figures) in enumerate(scored, 1)]


def _places(findings: list[StoredFinding], key: str, names: dict[str, str]) -> list[Place]:
    counts = Counter(getattr(f, key) for f in findings)
    return [Place(pid, names.get(pid) if pid else None, n)
            for pid, n in sorted(counts.items(), key=lambda c: (-c[1], c[0] or ""))]


def _rules(findings: list[StoredFinding], hall: Hall) -> list[RuleStat]:
    by_rule: dict[str, list[StoredFinding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    stats = []
    for rule, rows in by_rule.items():
        severities = Counter(f.severity for f in rows)
        stats.append(RuleStat(
            rule, rule_norm(rule), len(rows), len({f.visit for f in rows}),
            severities["critical"], severities["major"], severities["minor"],
            _places(rows, "window", hall.window_names()), _places(rows, "staff", hall.staff)))
    return sorted(stats, key=lambda s: (-s.findings, s.id))


def _hours(visits: list[StoredVisit], findings: list[StoredFinding]) -> list[HourStat]:
    visit_hours = Counter(int(v.started_at[11:13]) for v in visits)
    finding_hours = Counter(int(f.at[11:13]) for f in findings)
    seen = set(visit_hours) | set(finding_hours)
    first, last = min(seen | {8}), max(seen | {17})
    return [HourStat(h, visit_hours[h], finding_hours[h]) for h in range(first, last + 1)]


def _context(finding: StoredFinding, lines: list[StoredUtterance], shown: list[Speech],
             around: int, fixes: dict[int, RoleCorrection]) -> list[Line]:
    """The utterance the finding quotes (within its time span), with `around` more each side;
    `shown`: each line's words as shown (masked); `fixes`: role corrections by line index."""
    if not lines:
        return []
    start, end, quote = finding.start, finding.end, finding.text
    during = [n for n, u in enumerate(lines) if u.start <= end and u.end >= start] \
        or [min(range(len(lines)), key=lambda n: abs(lines[n].start - start))]
    hit = next((n for n in during if quote and (quote in lines[n].text
                                                or quote in lines[n].pinyin)), during[0])
    return [Line(lines[n].at, lines[n].role, shown[n].text, n == hit, shown[n].pinyin,
                 shown[n].heard_by, lines[n].role_confidence,
                 fixes[lines[n].idx].role if lines[n].idx in fixes else "")
            for n in range(max(0, hit - around), min(len(lines), hit + around + 1))]


def _incidents(store: Store, findings: list[StoredFinding], provisional: set[str], hall: Hall,
               around: int) -> list[Incident]:
    grave = [f for f in findings if f.severity in INCIDENT_SEVERITIES]
    lines_of: dict[str, list[StoredUtterance]] = defaultdict(list)
    shown_of: dict[str, list[Speech]] = defaultdict(list)
    for line in store.visit_utterances(sorted({f.visit for f in grave})):
        said = spoken(line)  # masked once per line
        lines_of[line.visit].append(line)
        shown_of[line.visit].append(replace(said, text=privacy.mask(said.text),
                                            pinyin=privacy.mask(said.pinyin)))
    incidents = []
    fixes = roles.corrections(store, sorted(lines_of))
    for f in grave:
        quote = quoted(f.text, f.start, f.end, lines_of[f.visit])
        incidents.append(Incident(
            id=f.id, visit=f.visit, at=f.at, window=f.window,
            window_name=hall.window_name(f.window), staff=f.staff,
            staff_name=hall.staff_name(f.staff), rule=f.rule, title=rule_norm(f.rule),
            severity=f.severity, category=f.category,
            text=privacy.mask(quote.text), detail=privacy.mask(f.detail),
            link=hall.replay_link(f.visit),
            context=_context(f, lines_of[f.visit], shown_of[f.visit], around,
                             fixes.get(f.visit, {})),
            pinyin=privacy.mask(quote.pinyin), heard_by=quote.heard_by,
            provisional=f.visit in provisional, ticket=ticket_label(f.ticket, f.business)))
    return incidents


def _by_visit(findings: list[StoredFinding]) -> dict[str, list[StoredFinding]]:
    out: dict[str, list[StoredFinding]] = defaultdict(list)
    for finding in findings:
        out[finding.visit].append(finding)
    return out


def _on(visits: list[StoredVisit], first: date, last: date) -> list[StoredVisit]:
    low, high = day_bounds(first, last)
    return [v for v in visits if low <= v.started_at < high]


def _describe(options: ReportOptions, hall: Hall) -> str:
    what = (f"{options.first}" if options.first == options.last
            else f"{options.first} 至 {options.last}")
    for label, value, names in (("窗口", options.window, hall.window_names()),
                                ("人员", options.staff, hall.staff)):
        if value is not None:
            what += f"，{label} {value}" + (f"（{names[value]}）" if value in names else "")
    return what


def build(store: Store, options: ReportOptions, hall: Hall | None = None,
          now: datetime | None = None) -> Report:
    """Compute the report for a period from the database."""
    hall = hall or Hall()
    filters = dict(window=options.window, staff=options.staff)
    wide_first = options.first - timedelta(days=7)
    # reviewed figures: dismissed findings out, added ones in, visits rescored
    wide = reviewed(store, wide_first, options.last, **filters)
    findings_of = _by_visit(wide.findings)
    visits = _on(wide.visits, options.first, options.last)
    in_period = {v.id for v in visits}
    findings = [f for f in wide.findings if f.visit in in_period]

    last_day = store.last_live_day(options.first, **filters)
    previous = last_day or _previous_weekday(options.first)
    if previous >= wide_first:
        previous_visits = _on(wide.visits, previous, previous)
        previous_findings = findings_of
    else:
        earlier = reviewed(store, previous, previous, **filters)
        previous_visits, previous_findings = earlier.visits, _by_visit(earlier.findings)
    week = (wide_first, options.first - timedelta(days=1))

    trend = (options.first - timedelta(days=6), options.first) \
        if options.first == options.last else (options.first, options.last)
    visits_by_day: dict[str, list[StoredVisit]] = defaultdict(list)
    for visit in wide.visits:
        visits_by_day[visit.started_at[:10]].append(visit)

    message = None
    if not visits:
        message = f"{_describe(options, hall)} 没有正式接待记录。"
        if last_day:
            message += f"此前最近有接待的一天是 {last_day}。"
    return Report(
        options=options, hall=hall, generated_at=now or datetime.now().astimezone(),
        summary=_tally(visits, findings_of),
        previous_day=Comparison(previous, previous, _tally(previous_visits, previous_findings)),
        last_7_days=Comparison(*week, _tally(_on(wide.visits, *week), findings_of)),
        windows=_ranked(visits, findings_of, "window", hall.window_names()),
        staff=_ranked(visits, findings_of, "staff", hall.staff),
        rules=_rules(findings, hall), hours=_hours(visits, findings) if visits else [],
        days=[Day(d, _tally(visits_by_day[d.isoformat()], findings_of))
              for d in _days(*trend)] if visits else [],
        incidents=_incidents(store, findings, {v.id for v in visits if v.provisional}, hall,
                             options.context_lines),
        message=message, reviews=wide.tallies(options.first, options.last),
        ratings=ratingreport.build(store, visits, findings_of, options.first, options.last,
                                   hall))


def _group_json(group: Group) -> dict:
    return {"rank": group.rank, "id": group.id, "name": group.name, **group.figures.as_dict()}


def to_json(report: Report) -> dict:
    """The report as plain data: what the JSON export holds and the HTML page shows."""
    options, hall = report.options, report.hall
    return {
        "report": {
            "from": options.first.isoformat(), "to": options.last.isoformat(),
            "window": options.window, "window_name": hall.window_name(options.window),
            "staff": options.staff, "staff_name": hall.staff_name(options.staff),
            "generated_at": report.generated_at.isoformat(timespec="seconds"),
            "config": hall.path or None,
        },
        "message": report.message,
        "reviews": [as_json(t) for t in report.reviews],
        "summary": report.summary.as_dict(),
        "comparison": {
            name: {"from": c.first.isoformat(), "to": c.last.isoformat(), **c.figures.as_dict()}
            for name, c in (("previous_day", report.previous_day),
                            ("last_7_days", report.last_7_days))},
        "windows": [_group_json(g) for g in report.windows],
        "staff": [_group_json(g) for g in report.staff],
        "rules": [as_json(r) for r in report.rules],
        "hours": [as_json(h) for h in report.hours],
        "days": [{"date": d.date.isoformat(), **d.figures.as_dict()} for d in report.days],
        "incidents": [as_json(i) for i in report.incidents],
        "ratings": as_json(report.ratings),
    }


CSV_COLUMNS = ("section", "id", "name", "from", "to") + FIGURE_KEYS + (
    "critical", "major", "minor", "at", "window", "staff", "rule", "severity", "text", "pinyin",
    "heard_by", "link", "context", "reviewed", "confirmed", "dismissed", "added",
    "ratings", "mean_level", "satisfied", "bad")


def csv_rows(report: Report) -> Iterable[dict]:
    """One row per figure set, rule, place, 复核 tally and incident; `section` says which."""
    data = to_json(report)
    period = {"from": data["report"]["from"], "to": data["report"]["to"]}
    yield {"section": "summary", **period, **data["summary"]}
    for tally in data["reviews"]:  # the HTML's 复核 section: per rule and window
        yield {"section": "review", "name": rule_name(tally["rule"]), **tally}
    for name, values in data["comparison"].items():
        yield {"section": name, **values}
    for section in ("windows", "staff"):
        for row in data[section]:
            yield {"section": section.rstrip("s"), **{k: v for k, v in row.items() if k != "rank"}}
    for day in data["days"]:
        yield {"section": "day", "id": day["date"], **{k: day[k] for k in FIGURE_KEYS}}
    for hour in data["hours"]:
        yield {"section": "hour", "id": f"{hour['hour']:02d}", "visits": hour["visits"],
               "findings": hour["findings"]}
    for rule in data["rules"]:
        yield {"section": "rule", **{k: v for k, v in rule.items() if k not in (
            "title", "windows", "staff")}, "name": rule["title"]}
        for key in ("window", "staff"):
            for place in rule[key + ("s" if key == "window" else "")]:
                yield {"section": f"rule_{key}", "rule": rule["id"], key: place["id"],
                       "name": place["name"], "findings": place["count"]}
    for incident in data["incidents"]:
        yield {"section": "incident", "name": incident["title"], **{k: incident[k] for k in (
            "id", "at", "window", "staff", "rule", "severity", "text", "pinyin", "heard_by",
            "link")}, "provisional": PROVISIONAL if incident["provisional"] else "",
               "context": " / ".join(_context_text(c) for c in incident["context"])}
    yield from _rating_rows(data["ratings"])


def _rating_rows(section: dict) -> Iterable[dict]:
    """The 好差评 section: per window and staff member, per level, and each 差评."""
    for key in ("windows", "staff"):
        for row in section[key]:
            yield {"section": f"rating_{key.rstrip('s')}", "id": row["id"], "name": row["name"],
                   "score_avg": row["mean_score"], **{k: row[k] for k in (
                       "ratings", "mean_level", "satisfied", "bad")}}
    for row in section["levels"]:
        yield {"section": "rating_level", "id": row["level"], "name": row["label"],
               "ratings": row["ratings"], "visits": row["joined"],
               "score_avg": row["mean_score"], "fail": row["failed"]}
    for bad in section["bad"]:
        yield {"section": "rating_bad", "id": bad["visit"], "name": bad["label"],
               "at": bad["at"], "window": bad["window"], "staff": bad["staff"],
               "text": " ".join(filter(None, (bad["reason"], bad["text"]))),
               "context": " / ".join(bad["findings"]), "link": bad["link"],
               "score_avg": bad["score"]}


def _context_text(line: dict) -> str:
    heard = f"（{MACHINE_MARK}：{line['pinyin']}）" if line["heard_by"] and line["pinyin"] \
        else f"（{MACHINE_MARK}）" if line["heard_by"] else ""
    role = line["role"]
    if line["role_confidence"] is not None or line["corrected"]:
        role += f"（{role_heard(role, line['role_confidence'], line['corrected'])}）"
    return f"{role}: {line['text']}{heard}"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell


def _cell(value) -> str | int | float:
    """A CSV cell: text that a spreadsheet would take for a formula starts with a `'`."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(report: Report, handle: IO[str]) -> None:
    """UTF-8 with a BOM, so Excel reads the Chinese; no cell is a formula."""
    handle.write("\ufeff")
    writer = csv.DictWriter(handle, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(report):
        writer.writerow({k: _cell(v) for k, v in row.items()})


PAGE_INCIDENTS = 500  # a page with more opens and prints too slowly; the exports hold all


def page_incidents(incidents: list[dict], limit: int | None) -> list[tuple[int, dict]]:
    """The incidents a page lists, each with its index in the export: all up to `limit`,
    else the critical ones first, then the earliest major ones, shown in time order."""
    indexed = list(enumerate(incidents))
    if limit is None or len(indexed) <= limit:
        return indexed
    chosen = sorted(indexed, key=lambda pair: (pair[1]["severity"] != "critical", pair[0]))
    return sorted(chosen[:limit], key=lambda pair: pair[0])


def render_html(report: Report, max_incidents: int | None = PAGE_INCIDENTS,
                site_header: str = "") -> str:
    """One self-contained page: inline styles, server-drawn SVG charts, no scripts; in the
    web app with its `site_header` (markup the app rendered) on top."""
    import jinja2  # only the HTML and PDF formats need the template engine
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["fmt"] = lambda value, fmt: charts.FORMATS[fmt](value)
    env.globals.update(severity_label=severity_label, verdict_label=verdict_label,
                       provisional=PROVISIONAL,
                       role_heard=role_heard, rule_name=rule_name, machine_mark=MACHINE_MARK,
                       machine_note=MACHINE_NOTE)
    data = to_json(report)
    return env.get_template("report.html.j2").render(
        r=data, title=_title(report), charts=charts.report_charts(data),
        incidents=page_incidents(data["incidents"], max_incidents),
        site_header=markupsafe.Markup(site_header))


def _title(report: Report) -> str:
    options = report.options
    period = str(options.first) if options.first == options.last \
        else f"{options.first} – {options.last}"
    return f"文明服务报告 {period}"


def write(report: Report, fmt: str, handle: IO[str],
          max_incidents: int | None = PAGE_INCIDENTS) -> None:
    """Write the report as JSON, CSV or HTML text."""
    if fmt == "json":
        json.dump(to_json(report), handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    elif fmt == "csv":
        write_csv(report, handle)
    elif fmt == "html":
        handle.write(render_html(report, max_incidents))
    else:
        raise ReportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def save(report: Report, fmt: str, path: Path,
         max_incidents: int | None = PAGE_INCIDENTS) -> None:
    """Write the report to a file in any of the FORMATS."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            write_pdf(render_html(report, max_incidents), path)
            return
        with path.open("w", encoding="utf-8", newline="") as handle:
            write(report, fmt, handle, max_incidents)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write the report: {exc.strerror or exc}") from None


def default_name(options: ReportOptions, fmt: str) -> str:
    """reports/courtesy-2026-11-22.html, -2026-11-01_2026-11-30 for a range, -W01 filtered."""
    name = f"courtesy-{options.first}"
    if options.last != options.first:
        name += f"_{options.last}"
    for value in (options.window, options.staff):
        if value:
            name += "-" + "".join(c if c.isalnum() else "_" for c in value)
    return f"{name}.{fmt}"


def chromium_path() -> str:
    """The Chromium that prints PDFs, or an error that says how to get one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ReportError("PDF needs headless Chromium, which is not installed "
                      "(Debian: apt-get install chromium fonts-wqy-zenhei)")


def write_pdf(html: str, path: Path, timeout: float = 120.0) -> None:
    """Print the HTML page to PDF with headless Chromium (A4, the page's print styles)."""
    browser = chromium_path()
    with tempfile.TemporaryDirectory(prefix="courtesy-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        target = Path(path).resolve()
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
                   "--no-pdf-header-footer", f"--print-to-pdf={target}", page.as_uri()]
        # its own process group, so a timeout ends the renderers too, not only the launcher
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, start_new_session=True) as chromium:
            try:
                _, errors = chromium.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(chromium.pid, signal.SIGKILL)
                chromium.communicate()
                raise ReportError(f"Chromium did not finish printing {target} "
                                  f"within {timeout:g} s") from None
        if chromium.returncode != 0 or not target.is_file():
            tail = (errors or "").strip().splitlines()[-3:]
            raise ReportError(f"Chromium could not print {target}: " + " | ".join(tail))


def output_format(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one `-o FILE`'s suffix names, else html."""
    suffix = Path(output).suffix.lstrip(".") if output and output != "-" else ""
    return fmt or (suffix if suffix in FORMATS else "html")


def output_path(output: str | None, options: ReportOptions, fmt: str) -> Path:
    """Where `-o` writes: a file as given, a folder (or nothing: reports/) gets the
    period's default name."""
    target = Path(output) if output else Path("reports")
    if output is None or target.is_dir() or output.endswith(("/", "\\")):
        target = target / default_name(options, fmt)
    return target
