"""Charts for the report, drawn server-side as inline SVG (no scripts, no network).

Every figure drawn as text carries `data-field` (its path in the JSON export) and
`data-format`, so a test can check the page against the export; scale ticks are marked
`data-static`. The number formats live here too, so table and chart read alike.
"""
from __future__ import annotations

from html import escape

from .vocabulary import when

COLOURS = {"visits": "#4e79a7", "findings": "#e15759", "greeting": "#59a14f",
           "answer": "#4e79a7", "farewell": "#f28e2b", "score": "#b07aa1"}
FONT = 'font-family="WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"'
MANY_DAYS = 16  # longer trends drop point labels; the day table holds the numbers


def fmt_int(value) -> str:
    return "—" if value is None else str(int(value))


def fmt_score(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def fmt_rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def fmt_hour(value) -> str:
    return f"{int(value):02d}"


def clock(iso: str) -> str:
    """HH:MM:SS of an ISO timestamp (the wall clock it was recorded in)."""
    return iso[11:19]


FORMATS = {"int": fmt_int, "score": fmt_score, "rate": fmt_rate, "hour": fmt_hour,
           "text": lambda v: "" if v is None else str(v), "date": lambda v: str(v)[5:10],
           "clock": clock, "moment": when, "day": when}  # day: 2026年11月20日


def _text(x, y, value, path: str | None, fmt: str, anchor="middle", size=10, fill="#333",
          extra="") -> str:
    marker = f'data-field="{path}" data-format="{fmt}"' if path else "data-static=\"\""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}" {marker} {extra}>{escape(FORMATS[fmt](value))}</text>')


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(label)}" {FONT}>'
            + "".join(body) + "</svg>")


def _legend(x: float, y: float, items: list[tuple[str, str]]) -> list[str]:
    out = []
    for name, colour in items:
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{y}" font-size="11" fill="#333">{escape(name)}</text>')
        x += 14 + sum(12 if ord(c) > 0x2E80 else 6.5 for c in name) + 16
    return out


def _ticks(left, right, top, bottom, peak, fmt="int", steps=4) -> list[str]:
    out = []
    for n in range(steps + 1):
        value = peak * n / steps
        y = bottom - (bottom - top) * n / steps
        out.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(_text(left - 4, y + 3, round(value) if fmt == "int" else value, None, fmt,
                         anchor="end", size=9, fill="#777"))
    return out


def _nice(peak: float) -> int:
    """A round scale top at or above `peak`, divisible into 4 whole steps."""
    for step in (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000):
        if step * 4 >= peak:
            return step * 4
    return int(peak) + 4 - int(peak) % 4


def hours_chart(hours: list[dict]) -> str:
    """Visits and findings per hour of the day, side by side."""
    width, height, left, top, bottom = 680, 230, 40, 30, 195
    peak = _nice(max([h["visits"] for h in hours] + [h["findings"] for h in hours] + [1]))
    slot = (width - left - 10) / max(1, len(hours))
    bar = min(18.0, slot / 2 - 3)
    body = _legend(left, 14, [("接待", COLOURS["visits"]),
                              ("问题", COLOURS["findings"])])
    body += _ticks(left, width - 10, top, bottom, peak)
    for n, hour in enumerate(hours):
        centre = left + slot * (n + 0.5)
        for offset, key in ((-bar - 1, "visits"), (1, "findings")):
            value = hour[key]
            h = (bottom - top) * value / peak
            body.append(f'<rect x="{centre + offset:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" '
                        f'height="{h:.1f}" fill="{COLOURS[key]}"/>')
            if value:
                body.append(_text(centre + offset + bar / 2, bottom - h - 3, value,
                                  f"hours/{n}/{key}", "int", size=9))
        body.append(_text(centre, bottom + 14, hour["hour"], f"hours/{n}/hour", "hour", size=10))
    return _svg(width, height, body, "各时段接待与问题")


def windows_chart(windows: list[dict]) -> str:
    """The three courtesy rates (greeting, answer, farewell) of each window."""
    width, left, row, top = 680, 150, 40, 26
    height = top + row * len(windows) + 24
    right = width - 60
    body = _legend(left, 14, [("迎声", COLOURS["greeting"]),
                              ("答声", COLOURS["answer"]),
                              ("送声", COLOURS["farewell"])])
    for n, window in enumerate(windows):
        y = top + row * n
        label_path, label = (f"windows/{n}/name", window["name"]) if window["name"] \
            else (f"windows/{n}/id", window["id"] or "—")
        body.append(_text(left - 8, y + 20, label, label_path if window["name"] or window["id"]
                          else None, "text", anchor="end", size=11))
        for k, key in enumerate(("greeting", "answer", "farewell")):
            value = window[f"{key}_rate"]
            w = (right - left) * (value or 0)
            by = y + 4 + k * 11
            body.append(f'<rect x="{left}" y="{by}" width="{right - left}" height="9" '
                        f'fill="#f1f1f1"/>')
            body.append(f'<rect x="{left}" y="{by}" width="{w:.1f}" height="9" '
                        f'fill="{COLOURS[key]}"/>')
            body.append(_text(right + 4, by + 8, value, f"windows/{n}/{key}_rate", "rate",
                              anchor="start", size=9))
    return _svg(width, height, body, "各窗口三声达标率")


def trend_chart(days: list[dict]) -> str:
    """Visits per day (bars) and the average score (line, 0-100) over the period."""
    width, height, left, top, bottom, right = 680, 240, 40, 30, 200, 640
    peak = _nice(max([d["visits"] for d in days] + [1]))
    slot = (right - left) / max(1, len(days))
    labelled = len(days) <= MANY_DAYS
    body = _legend(left, 14, [("接待", COLOURS["visits"]),
                              ("平均分", COLOURS["score"])])
    body += _ticks(left, right, top, bottom, peak)
    for n in range(5):  # the score's own scale on the right
        body.append(_text(right + 4, bottom - (bottom - top) * n / 4 + 3, 25 * n, None, "int",
                          anchor="start", size=9, fill="#777"))
    points = []
    for n, day in enumerate(days):
        centre = left + slot * (n + 0.5)
        h = (bottom - top) * day["visits"] / peak
        bar = min(30.0, slot * 0.6)
        body.append(f'<rect x="{centre - bar / 2:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{COLOURS["visits"]}" fill-opacity="0.35"/>')
        if labelled and day["visits"]:
            body.append(_text(centre, bottom - 4, day["visits"], f"days/{n}/visits", "int",
                              size=9))
        if labelled or n % max(1, len(days) // 8) == 0:
            body.append(_text(centre, bottom + 14, day["date"], f"days/{n}/date", "date",
                              size=9))
        if day["score_avg"] is not None:
            y = bottom - (bottom - top) * day["score_avg"] / 100
            points.append((centre, y))
            body.append(f'<circle cx="{centre:.1f}" cy="{y:.1f}" r="3" '
                        f'fill="{COLOURS["score"]}"/>')
            if labelled:
                body.append(_text(centre, y - 6, day["score_avg"], f"days/{n}/score_avg",
                                  "score", size=9, fill=COLOURS["score"]))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS["score"]}" '
                    f'stroke-width="2"/>')
    return _svg(width, height, body, "每日接待与平均分")


def report_charts(data: dict) -> dict[str, str]:
    """The report's three charts as SVG strings, from its JSON form."""
    if not data["summary"]["visits"]:
        return {}
    return {"hours": hours_chart(data["hours"]), "windows": windows_chart(data["windows"]),
            "trend": trend_chart(data["days"])}
