"""The report in the web app: `/reports` lists the days (and their weeks and months) the
database holds, each a link to the report page and its PDF, CSV and JSON downloads.

Supervisors and admins only. Each download is `reports.build` over this server's store,
written by `reports.write` (or printed with `reports.write_pdf`): the same report as
`courtesy report`, never a copy of its figures.
"""
from __future__ import annotations

import io
import tempfile
from datetime import date, timedelta
from pathlib import Path

from flask import Blueprint, Response, g, render_template, render_template_string, request

from .. import reports
from ..errors import CourtesyError
from ..stored import HeldDay
from ..vocabulary import when
from .common import SUPERVISORS, WebContext, day_from, role_required

MIMETYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
             "pdf": "application/pdf"}
FORMAT_LABELS = {"html": "查看", "pdf": "PDF", "csv": "表格（CSV）", "json": "数据（JSON）"}
HEADER = '{% from "_header.html" import page_header with context %}{{ page_header(t, user) }}'
# the report page's own inline styles; everything else as strict as the other pages
REPORT_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def periods(held: list[HeldDay]) -> list[dict]:
    """The days held, newest first, then each month and ISO week they fall in."""
    days = [(date.fromisoformat(h.day), h.visits) for h in held]
    rows = [{"kind": "日报", "label": when(d), "first": d, "last": d, "visits": n}
            for d, n in days]
    weeks: dict[tuple[int, int], list] = {}
    months: dict[tuple[int, int], list] = {}
    for d, n in days:
        weeks.setdefault(d.isocalendar()[:2], []).append((d, n))
        months.setdefault((d.year, d.month), []).append((d, n))
    for (year, week), held in weeks.items():
        monday = date.fromisocalendar(year, week, 1)
        rows.append({"kind": "周报", "label": f"{year}年第{week}周", "first": monday,
                     "last": monday + timedelta(days=6), "visits": sum(n for _, n in held)})
    for (year, month), held in months.items():
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        rows.append({"kind": "月报", "label": f"{year}年{month}月", "first": first,
                     "last": last, "visits": sum(n for _, n in held)})
    return rows


def pages(ctx: WebContext) -> Blueprint:
    """/reports and /reports/view over the app's store and hall."""
    bp = Blueprint("reports", __name__)

    @bp.get("/reports")
    @role_required(*SUPERVISORS)
    def listing():
        rows = periods(ctx.store().live_days())
        days = [r["first"] for r in rows if r["kind"] == "日报"]
        return render_template("reports.html", rows=rows, formats=FORMAT_LABELS, user=g.user,
                               days=days, latest=days[0] if days else "")

    @bp.get("/reports/view")
    @role_required(*SUPERVISORS)
    def view():
        first = day_from(request.args.get("from"))
        last = day_from(request.args.get("to"), first)
        fmt = request.args.get("format", "html")
        if first is None or fmt not in reports.FORMATS:
            return ctx.refuse(400, "请给出报告的起止日期（年-月-日，如 2026-11-20）和格式")
        try:
            built = reports.build(ctx.store(), reports.ReportOptions(first, last), ctx.hall)
            return _response(built, fmt)
        except CourtesyError as exc:
            return ctx.refuse(400 if isinstance(exc, reports.ReportError) else 500,
                              f"报告无法生成：{exc}")

    return bp


def _response(built: reports.Report, fmt: str) -> Response:
    name = reports.default_name(built.options, fmt)
    if fmt == "html":
        header = render_template_string(HEADER, t="文明服务报告", user=g.user)
        response = Response(reports.render_html(built, site_header=header), mimetype="text/html")
        response.headers["Content-Security-Policy"] = REPORT_CSP
        return response
    if fmt == "pdf":
        with tempfile.TemporaryDirectory(prefix="courtesy-web-pdf-") as tmp:
            target = Path(tmp) / name
            reports.write_pdf(reports.render_html(built), target)
            data = target.read_bytes()
    else:
        buffer = io.StringIO()
        reports.write(built, fmt, buffer)
        data = buffer.getvalue().encode("utf-8")
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename={name}"})
