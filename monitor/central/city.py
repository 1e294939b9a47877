"""The city's report: every hall's live visits from the central PostgreSQL, halls ranked.

One typed `CityReport`, rendered as JSON (the export), CSV, HTML and PDF like a hall's
report; every row carries its hall.
"""
from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from jinja2 import Environment

from ..vocabulary import SEVERITIES, SEVERITY_LABELS, VERDICT_LABELS
from .sync import SyncError, error_text

FORMATS = ("html", "csv", "json", "pdf")


@dataclass(frozen=True)
class HallFigures:
    """One hall (or one of its windows) over the period."""

    hall: str
    window: str | None
    visits: int
    mean_score: float | None
    passed: int
    warned: int
    failed: int
    critical: int
    major: int
    minor: int
    rank: int | None = None  # halls only: 1 is the best mean score
    staff: str | None = None  # staff rows only: the staff id the visits were served by
    ratings: int = 0  # halls only: citizen ratings (好差评) of the period
    mean_rating: float | None = None  # their mean level, 5 = 非常满意
    rating_rank: int | None = None  # 1 is the best mean rating; None: no ratings

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed / self.visits, 3) if self.visits else None


@dataclass(frozen=True)
class CityReport:
    first: date
    last: date
    halls: list[HallFigures]  # ranked, best first
    windows: list[HallFigures]  # per hall and window
    staff: list[HallFigures]  # per hall, window and staff member

    def to_json(self) -> dict:
        def row(f: HallFigures) -> dict:
            return {**asdict(f), "pass_rate": f.pass_rate}
        return {"first": self.first.isoformat(), "last": self.last.isoformat(),
                "halls": [row(f) for f in self.halls], "windows": [row(f) for f in self.windows],
                "staff": [row(f) for f in self.staff]}


_QUERY = """
with v as (
  select hall, id, "window", staff, score, verdict from visits
  where kind = 'live' and started_at >= %(first)s and started_at < %(after)s),
f as (
  select hall, visit, count(*) filter (where severity = 'critical') as critical,
    count(*) filter (where severity = 'major') as major,
    count(*) filter (where severity = 'minor') as minor
  from findings where (hall, visit) in (select hall, id from v)
    and row->>'role_confidence' is null  -- on a role heard unsure: not counted (rules.py)
  group by hall, visit)
select v.hall, {columns}, count(*), avg(v.score),
  count(*) filter (where v.verdict = 'pass'), count(*) filter (where v.verdict = 'warn'),
  count(*) filter (where v.verdict = 'fail'), coalesce(sum(f.critical), 0)::int,
  coalesce(sum(f.major), 0)::int, coalesce(sum(f.minor), 0)::int
from v left join f on f.hall = v.hall and f.visit = v.id
group by v.hall{group} order by v.hall{group}
"""


def _figures(pg, first: date, last: date, by: tuple[str, ...]) -> list[HallFigures]:
    """Figures per hall, and by `by` (window, then staff) under it."""
    query = _QUERY.format(
        columns=", ".join(f'v."{c}"' if c in by else "null" for c in ("window", "staff")),
        group="".join(f', v."{c}"' for c in by))
    rows = pg.execute(query, {"first": first.isoformat(),
                              "after": (last + timedelta(days=1)).isoformat()}).fetchall()
    return [HallFigures(r[0], r[1], r[3], None if r[4] is None else round(r[4], 1),
                        *r[5:], staff=r[2]) for r in rows]


_RATINGS = """select hall, count(*), avg(level) from ratings
where at >= %(first)s and at < %(after)s group by hall"""


def _rated(pg, first: date, last: date, halls: list[HallFigures]) -> list[HallFigures]:
    """The halls with their ratings, ranked by mean rating as well (halls without none)."""
    rows = pg.execute(_RATINGS, {"first": first.isoformat(),
                                 "after": (last + timedelta(days=1)).isoformat()}).fetchall()
    rated = {hall: (count, round(float(mean), 2)) for hall, count, mean in rows}
    order = sorted(rated, key=lambda hall: (-rated[hall][1], hall))
    return [HallFigures(**{**asdict(f), "ratings": rated.get(f.hall, (0, None))[0],
                           "mean_rating": rated.get(f.hall, (0, None))[1],
                           "rating_rank": order.index(f.hall) + 1 if f.hall in rated else None})
            for f in halls]


def build(url: str, first: date, last: date) -> CityReport:
    """Read the period's figures per hall and per window; rank halls by mean score, and by
    mean citizen rating (好差评)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as pg:
            halls = _figures(pg, first, last, ())
            windows = _figures(pg, first, last, ("window",))
            staff = _figures(pg, first, last, ("window", "staff"))
            halls = _rated(pg, first, last, halls)
    except psycopg.Error as exc:
        raise SyncError(f"central database: {error_text(exc)}") from None
    halls.sort(key=lambda f: (-(f.mean_score or 0), f.critical, f.hall))
    ranked = [HallFigures(**{**asdict(f), "rank": n}) for n, f in enumerate(halls, 1)]
    return CityReport(first, last, ranked, windows, staff)


_COLUMNS = ("rank", "hall", "window", "staff", "visits", "mean_score", "pass_rate", "passed", "warned",
            "failed", "critical", "major", "minor", "ratings", "mean_rating", "rating_rank")


def write_csv(report: CityReport, handle: IO[str]) -> None:
    """One row per hall (window and staff empty), one per hall and window, then one per
    hall, window and staff member."""
    out = csv.writer(handle)
    out.writerow(_COLUMNS)
    for f in report.halls + report.windows + report.staff:
        row = {**asdict(f), "pass_rate": f.pass_rate}
        out.writerow([row[c] if row[c] is not None else "" for c in _COLUMNS])


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>全市服务文明用语报告 {{ r.first }} – {{ r.last }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td.h{text-align:left}</style>
</head><body><h1>全市服务文明用语报告</h1><p>{{ r.first }} 至 {{ r.last }}，共 {{ r.halls|length }} 个大厅</p>
<h2>大厅排名</h2><table><tr><th>名次</th><th>大厅</th><th>服务次数</th><th>平均分</th><th>合格率</th>
<th>{{ v.pass }}</th><th>{{ v.warn }}</th><th>{{ v.fail }}</th>
{% for s in sev %}<th>{{ s }}问题</th>{% endfor %}</tr>
{% for f in r.halls %}<tr data-field="halls.{{ loop.index0 }}"><td>{{ f.rank }}</td>
<td class="h">{{ f.hall }}</td>
<td>{{ f.visits }}</td><td>{{ f.mean_score if f.mean_score is not none else "—" }}</td>
<td>{{ "%.0f%%"|format(f.pass_rate * 100) if f.pass_rate is not none else "—" }}</td>
<td>{{ f.passed }}</td><td>{{ f.warned }}</td><td>{{ f.failed }}</td><td>{{ f.critical }}</td>
<td>{{ f.major }}</td><td>{{ f.minor }}</td></tr>{% endfor %}</table>
<h2>按群众评价排名（好差评）</h2><table><tr><th>名次</th><th>大厅</th><th>评价数</th><th>平均评价</th>
<th>文明用语名次</th><th>平均分</th></tr>
{% for f in r.halls|selectattr("rating_rank")|sort(attribute="rating_rank") %}
<tr data-field="ratings.{{ loop.index0 }}"><td>{{ f.rating_rank }}</td><td class="h">{{ f.hall }}</td>
<td>{{ f.ratings }}</td><td>{{ "%.2f"|format(f.mean_rating) }}</td><td>{{ f.rank }}</td>
<td>{{ f.mean_score if f.mean_score is not none else "—" }}</td></tr>{% endfor %}</table>
<h2>各窗口</h2><table><tr><th>大厅</th><th>窗口</th><th>服务次数</th><th>平均分</th><th>{{ sev[0] }}问题</th></tr>
{% for f in r.windows %}<tr><td class="h">{{ f.hall }}</td><td class="h">{{ f.window or "—" }}</td>
<td>{{ f.visits }}</td><td>{{ f.mean_score if f.mean_score is not none else "—" }}</td>
<td>{{ f.critical }}</td></tr>
{% endfor %}</table>
<h2>各工作人员</h2><table><tr><th>大厅</th><th>窗口</th><th>工作人员</th><th>服务次数</th>
<th>平均分</th><th>合格率</th>{% for s in sev %}<th>{{ s }}问题</th>{% endfor %}</tr>
{% for f in r.staff %}<tr data-field="staff.{{ loop.index0 }}"><td class="h">{{ f.hall }}</td>
<td class="h">{{ f.window or "—" }}</td><td class="h">{{ f.staff or "—" }}</td>
<td>{{ f.visits }}</td><td>{{ f.mean_score if f.mean_score is not none else "—" }}</td>
<td>{{ "%.0f%%"|format(f.pass_rate * 100) if f.pass_rate is not none else "—" }}</td>
<td>{{ f.critical }}</td><td>{{ f.major }}</td><td>{{ f.minor }}</td></tr>
{% endfor %}</table></body></html>"""


def render_html(report: CityReport) -> str:
    page = Environment(autoescape=True).from_string(_PAGE)
    return page.render(r=report, v=VERDICT_LABELS, sev=[SEVERITY_LABELS[s] for s in SEVERITIES])


def save(report: CityReport, fmt: str, path: Path) -> None:
    """Write the report in one of FORMATS."""
    from ..reports import write_pdf

    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        write_pdf(render_html(report), path)
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        write(report, fmt, handle)


def write(report: CityReport, fmt: str, handle: IO[str]) -> None:
    if fmt == "json":
        json.dump(report.to_json(), handle, ensure_ascii=False, indent=1)
    elif fmt == "csv":
        write_csv(report, handle)
    else:
        handle.write(render_html(report))


def default_name(first: date, last: date, fmt: str) -> str:
    span = first.isoformat() if first == last else f"{first}_{last}"
    return f"city-{span}.{fmt}"
