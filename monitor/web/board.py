"""The board blueprint: the hall board, one window's counter screen, the lights API, the
event stream, a supervisor's acknowledgement of a red light and the device-health page.

An acknowledgement is written to `acks`, where the monitor's light machine sees it on its
next tick.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from .. import liveness
from ..privacy import mask
from ..stored import as_json
from ..vocabulary import INTERRUPTED_LABEL, liveness_label
from .common import WebContext, client, not_after, refuse, role_required, wants_json
from .events import EventSource
from .hub import BACKLOG_LIMIT, Hub, stream
from .tiles import Board, blank_view, counter_view

log = logging.getLogger("courtesy.web")

MAX_EVENT_ID = 2 ** 63 - 1  # SQLite's largest integer: a larger `after` is a bad request


def _event_id(text: str | None, default: int | None) -> int | None:
    """A non-negative event id from a query, `default` when absent; ValueError when bad."""
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) > MAX_EVENT_ID:
        raise ValueError(text)
    return int(text)


def _tiles(ctx: WebContext, hub: Hub) -> Board:
    return Board(ctx.store(), ctx.hall, ctx.options.findings_shown, hub.events)


def _events(ctx: WebContext, hub: Hub) -> EventSource:
    """Where lights come from: the broker when the hall board takes them from there."""
    return ctx.store() if hub.events is None else hub.events


def pages(ctx: WebContext, hub: Hub) -> Blueprint:
    """The board's pages over the app's store, the watcher `hub` and its stream caps."""
    bp = Blueprint("board", __name__)
    _page_routes(bp, ctx, hub)
    _api_routes(bp, ctx, hub)
    return bp


def _page_routes(bp: Blueprint, ctx: WebContext, hub: Hub) -> None:
    ack_lock = threading.Lock()  # two supervisors clicking at once: one wins, one gets 409

    @bp.get("/")
    def board():
        last = _events(ctx, hub).last_light_event()  # first: a later one is resent, not lost
        return render_template("board.html", views=list(_tiles(ctx, hub).views().values()),
                               last=last, blank=blank_view(), user=g.user,
                               interrupted_label=INTERRUPTED_LABEL)

    @bp.get("/window/<window_id>")
    def window_page(window_id: str):
        last = _events(ctx, hub).last_light_event()
        view = _tiles(ctx, hub).one(window_id)
        if view is None:
            return refuse(404, f"大厅配置中没有窗口 {window_id}，也从未监测到它")
        counter = not ctx.hall.counter_details
        return render_template("window.html", view=counter_view(view) if counter else view,
                               last=last, user=g.user, counter=counter)

    @bp.post("/ack")
    def ack():
        if g.user is None:
            if wants_json():
                return refuse(401, "请先登录")
            return redirect(url_for("auth.login", next=url_for("board.board")))
        why = ctx.forged()
        if why:
            return refuse(403, why)
        if not g.user.may_acknowledge:
            return refuse(403, "只有值班主管可以确认红灯")
        return _acknowledge(ctx, hub, ack_lock, request.form.get("event", type=int))

    @bp.get("/health")
    @role_required("supervisor", "admin")
    def health():
        now = datetime.now().astimezone()
        beats = ctx.store().heartbeats()
        windows = sorted(set(ctx.hall.windows) | set(beats))
        rows = [_health_row(ctx, w, beats.get(w), now) for w in windows]
        return render_template("health.html", rows=rows, user=g.user)


def _api_routes(bp: Blueprint, ctx: WebContext, hub: Hub) -> None:
    @bp.get("/api/lights")
    def api_lights():
        last = _events(ctx, hub).last_light_event()
        return ctx.json_response({"last_event": last,
                                  "windows": list(_tiles(ctx, hub).views().values())})

    @bp.get("/api/events")
    def api_events():
        try:
            after = _event_id(request.args.get("after"), 0)
            limit = min(_event_id(request.args.get("limit"), BACKLOG_LIMIT), BACKLOG_LIMIT)
        except ValueError:
            return refuse(400, "参数 after 和 limit 须为不大于 2^63-1 的非负整数")
        store, now = ctx.store(), datetime.now().astimezone()
        rows = []
        lit = _events(ctx, hub).light_events(after=after, window=request.args.get("window"))
        for event in lit[:limit]:
            ack = store.ack_of(event.id) if event.state == "red" else None
            rows.append({**as_json(replace(event, at=not_after(event.at, now))),
                         "quote": mask(event.quote), "detail": mask(event.detail),
                         "acknowledged_by": ack.user if ack else None,
                         "acknowledged_at": as_json(ack)["at"] if ack else None})
        return ctx.json_response({"events": rows,
                                  "last_event": rows[-1]["id"] if rows else after})

    @bp.get("/events")
    def events():
        resume = request.headers.get("Last-Event-ID", "")
        try:
            after = _event_id(resume if resume.isdigit() else request.args.get("after"), None)
        except ValueError:
            return refuse(400, "参数 after 须为不大于 2^63-1 的非负整数")
        if after is None:
            after = _events(ctx, hub).last_light_event()
        address = client()
        if not hub.slots.take(address):
            log.warning("stream refused for %s: %d open", address, hub.slots.open)
            return refuse(503, "看板连接数已满，请关闭多余的看板页面后刷新")
        body = stream(hub, after, request.args.get("window") or None,
                      request.environ.get("waitress.client_disconnected", lambda: False),
                      counter=request.args.get("counter") == "1")
        response = Response(body, mimetype="text/event-stream",
                            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        response.call_on_close(lambda: hub.slots.give(address))
        return response


def _acknowledge(ctx: WebContext, hub: Hub, lock: threading.Lock, event_id: int | None):
    store = ctx.store()
    event = store.light_event(event_id) if event_id else None
    if event is None:
        return refuse(404, "没有这条亮灯记录")
    with lock:
        done = store.acknowledge(event.id, g.user.name, datetime.now().astimezone())
    if not done:
        already = store.ack_of(event.id)
        return refuse(409, f"已由 {already.user} 确认过" if already
                      else "这不是红灯，无需确认")
    ctx.audit("ack", f"light event {event.id}", f"window {event.window}")
    log.info("%s acknowledged red light %d at window %s", g.user.name, event.id, event.window)
    view = _tiles(ctx, hub).one(event.window)
    if wants_json():
        return ctx.json_response({"acknowledged": event.id, "window": view})
    return redirect(url_for("board.board"))


def _health_row(ctx: WebContext, window: str, beat, now: datetime) -> dict:
    """One window's device health as its monitor last reported it."""
    judged = liveness.judge(beat, window, now)
    row = {"window": window, "name": ctx.hall.window_name(window) or window,
           "live": judged.live, "status": "正常" if judged.live else INTERRUPTED_LABEL,
           "reason": liveness_label(judged.reason) if judged.reason else "",
           "monitor": "", "state": "", "at": "", "level": "", "last_speech": "",
           "overruns": "", "backlog": "", "message": ""}
    if beat is None:
        return row
    speech = beat.last_speech_at
    return {**row, "monitor": beat.monitor, "state": liveness_label(beat.state),
            "at": f"{not_after(beat.at, now):%H:%M:%S}",
            "level": f"{beat.level_dbfs:.0f} dBFS" if beat.level_dbfs is not None else "",
            "last_speech": f"{not_after(speech, now):%H:%M:%S}" if speech else "",
            "overruns": beat.overruns, "backlog": beat.backlog, "message": beat.message}
