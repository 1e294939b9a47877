"""The city board (`courtesy serve --db postgresql://…`): each hall's live summary from the
broker (lights and heartbeats), today's figures from the city's database, and a hall's
windows one click down. A page that refreshes itself; no script, so the same strict CSP
as the hall's board."""
from __future__ import annotations

import time
from datetime import date

from flask import Flask, abort, render_template_string

from ..vocabulary import STATE_LABELS
from . import city
from .mqtt import CityBoard
from .options import CentralOptions

_STYLE = """<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em}.red{background:#f66}.yellow{background:#fd6}
.green{background:#8d8}.off{background:#ddd}.stale{color:#a00}</style>"""
_HALLS = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>全市大厅实时看板</title>""" + _STYLE + """</head>
<body><h1>全市大厅实时看板</h1><table><tr><th>大厅</th><th>在线</th>{% for s in states %}
<th class="{{ s }}">{{ labels[s] }}</th>{% endfor %}<th>监测中断</th><th>今日服务次数</th>
<th>今日平均分</th></tr>
{% for h in halls %}<tr data-hall="{{ h.hall }}">
<td><a href="/hall/{{ h.hall }}">{{ h.hall }}</a></td>
<td>{{ "是" if h.online else "否" }}</td>{% for s in states %}<td>{{ h[s] }}</td>{% endfor %}
<td class="stale">{{ h.interrupted|join("、") }}</td><td>{{ h.visits }}</td>
<td>{{ h.mean_score }}</td></tr>
{% endfor %}</table></body></html>"""
_HALL = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>{{ hall }}</title>""" + _STYLE + """</head>
<body><p><a href="/">返回全市</a></p><h1>{{ hall }}</h1><table><tr><th>窗口</th><th>指示灯</th></tr>
{% for w, s in lights %}<tr><td>{{ w }}</td><td class="{{ s }}">{{ labels.get(s, s) }}</td></tr>
{% endfor %}</table></body></html>"""


def create_city_app(url: str, options: CentralOptions) -> Flask:
    """The city board: the broker's live state, the database's figures for today."""
    app = Flask("courtesy.city")
    board = CityBoard(options.mqtt_url, options.mqtt_user, options.mqtt_password,
                      options.topic_prefix)
    states = ("red", "yellow", "green", "off")
    cache: dict = {"at": 0.0, "figures": {}}

    def today() -> dict:
        if time.monotonic() - cache["at"] > 30:  # the database is asked twice a minute
            report = city.build(url, date.today(), date.today())
            cache.update(at=time.monotonic(), figures={h.hall: h for h in report.halls})
        return cache["figures"]

    @app.after_request
    def csp(response):
        response.headers["Content-Security-Policy"] = ("default-src 'self'; "
                                                       "style-src 'unsafe-inline'")
        return response

    @app.get("/")
    def halls():
        figures = today()
        rows = [{**row, "visits": getattr(figures.get(row["hall"]), "visits", 0),
                 "mean_score": getattr(figures.get(row["hall"]), "mean_score", None) or "—"}
                for row in board.summary()]
        return render_template_string(_HALLS, halls=rows, states=states, labels=STATE_LABELS)

    @app.get("/hall/<hall>")
    def hall(hall: str):
        lights = board.lights(hall)
        if not lights:
            abort(404)
        return render_template_string(_HALL, hall=hall, lights=sorted(lights.items()),
                                      labels=STATE_LABELS)

    @app.get("/api/halls")
    def api():
        return {"halls": board.summary()}

    app.extensions["city_board"] = board
    return app
