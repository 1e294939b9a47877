"""The hall's live board: every window's light, pushed to the browsers as it changes.

A process apart from the monitor: it reads the light events the monitor writes (SQLite in
WAL mode), so a killed monitor never takes the board down, and it writes a supervisor's
acknowledgement to `acks`, where the monitor's light machine sees it on its next tick.
One watcher thread looks for changes every `poll_s` (only when the database changed, and
then by indexed queries) and hands each change to every open page as a server-sent event.

Whatever a customer or a clerk said is untrusted text: templates autoescape it, the page
script sets it only as textContent, and JSON carries `<`, `>` and `&` as \\u escapes.
Personal numbers in it (phones, ID and bank cards) are masked (`privacy.mask`) before
any page or API shows it.
"""
from __future__ import annotations

import hmac
import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import (Flask, Response, g, redirect, render_template, request, session,
                   url_for)

from . import accounts
from .alerts import event_json
from .config import Hall
from .privacy import mask
from .errors import ServeError
from .records import LightEvent
from .storage import Store
from .vocabulary import (MACHINE_MARK, MACHINE_NOTE, PINYIN_TOGGLE, STATE_LABELS, Speech,
                         quoted, rule_name, rule_prompt, severity_label, state_label,
                         verdict_label)

log = logging.getLogger("courtesy.web")

BACKLOG_LIMIT = 500  # a resume missing more than this gets each window's latest event only


@dataclass
class WebOptions:
    """How the board is served."""

    board_login: bool = False  # viewing needs a login too (acknowledging always does)
    poll_s: float = 0.1  # how often the watcher looks for new light events
    heartbeat_s: float = 15.0  # an idle stream writes a comment this often (keeps it open)
    findings_shown: int = 3  # the last findings of a visit on each tile
    login_hours: float = 12.0  # a login lasts one shift
    login_failures: int = 5  # wrong passwords for one name before it must wait
    login_wait_s: float = 300.0  # how long, counted from the first of those failures
    secure_cookie: bool = False  # set when served behind HTTPS


def _json(data) -> str:
    """JSON in which no transcript text can close a tag, even if someone misuses it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _clock(iso: str | None) -> str:
    return iso[11:19] if iso else ""


def _finding_view(row: dict, lines: list[dict]) -> dict:
    said = _shown(quoted(row["text"] or "", row["start"], row["end"], lines)
                  if row["text"] else Speech(row["detail"] or ""))
    return {"severity": row["severity"],
            "text": (f"{_clock(row['at'])} {rule_name(row['rule'])}"
                     f"（{severity_label(row['severity'])}）{'：' + said.text if said.text else ''}"),
            "mark": MACHINE_MARK if said.machine else "", "title": said.title}


def _shown(speech: Speech) -> Speech:
    """Speech as a page may show it: personal numbers masked, in the pinyin too."""
    return Speech(mask(speech.text), mask(speech.pinyin), speech.heard_by)


def window_view(store: Store | None, event: LightEvent, findings_shown: int = 3) -> dict:
    """What a tile shows about one window, display text included, so the page script only
    copies text into place. A quote heard by a machine carries a mark and, in its title, the
    pinyin the recogniser heard."""
    ack = store.ack_of(event.id) if event.state == "red" and event.id else None
    visit = store.visit(event.visit) if event.visit else None
    findings = store.visit_findings(event.visit)[-findings_shown:] if event.visit else []
    lines = store.visit_utterances([event.visit]) if event.visit and (findings or event.quote) \
        else []
    label = state_label(event.state)
    if event.state == "red":
        label += " · 已确认" if ack else " · 待确认"
    said = _shown(quoted(event.quote, 0.0, float("inf"), lines) if event.quote
                  else Speech(event.detail))
    visit_text = ""
    if visit:
        who = "上一位" if event.state == "off" else "当前"
        visit_text = (f"{who}顾客 {_clock(visit['started_at'])} 起 · {visit['score']:.0f} 分 · "
                      f"{verdict_label(visit['verdict'])}")
    return {
        "window": event.window, "event": event.id or 0, "state": event.state,
        "previous": event.previous, "state_label": label,
        "at": event.at.isoformat(timespec="milliseconds") if event.id else "",
        "since": f"{event.at:%H:%M:%S} 起" if event.id else "",
        "rule": event.rule, "severity": event.severity, "quote": mask(event.quote),
        "pinyin": said.pinyin if event.quote else "",
        "heard_by": said.heard_by if event.quote else "",
        "cause": f"{rule_name(event.rule)}：{said.text}" if event.rule else "",
        "cause_mark": MACHINE_MARK if event.rule and said.machine else "",
        "cause_title": said.title if event.rule else "",
        "prompt": rule_prompt(event.rule) if event.state in ("yellow", "red") else "",
        "ackable": event.state == "red" and ack is None and bool(event.id),
        "ack": f"已由 {ack['user']} 于 {_clock(ack['at'])} 确认，灯将按规则恢复" if ack else "",
        "visit": event.visit or "", "visit_text": visit_text,
        "findings": [_finding_view(f, lines) for f in findings],
    }


def counter_view(view: dict) -> dict:
    """The window's own screen, seen by whoever stands at the counter (the citizen too): the
    light and a prompt for the staff member, never what was said, the findings or the score."""
    return {**view, "quote": "", "pinyin": "", "heard_by": "", "cause": view["prompt"],
            "cause_mark": "", "cause_title": "",
            "visit": "", "visit_text": "", "findings": []}


def idle_view(window: str) -> dict:
    """A window that has not lit yet (an unstored, visitless event needs no look-up)."""
    return window_view(None, LightEvent(window, "off", "off", datetime.now()))


class _Throttle:
    """Counts wrong passwords per user name, so guessing one is slow."""

    def __init__(self, limit: int, window_s: float):
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(name, []) if now - t < self.window_s]
        self._failures[name] = recent
        return recent

    def wait_s(self, name: str) -> float:
        """Seconds before `name` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent(name, now)
            return self.window_s - (now - recent[0]) if len(recent) >= self.limit else 0.0

    def failed(self, name: str) -> None:
        with self._lock:
            self._recent(name, time.monotonic()).append(time.monotonic())

    def passed(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


def _sse(kind: str, data: dict, event_id: int | None = None) -> str:
    head = f"event: {kind}\n" + (f"id: {event_id}\n" if event_id else "")
    return f"{head}data: {_json(data)}\n\n"


@dataclass(frozen=True)
class _Message:
    event_id: int | None  # light events carry their id (for Last-Event-ID); updates none
    window: str
    text: str
    counter_text: str  # the same change as the counter screen shows it


def _message(kind: str, view: dict, event_id: int | None = None) -> _Message:
    return _Message(event_id, view["window"], _sse(kind, view, event_id),
                    _sse(kind, counter_view(view), event_id))


class _Subscriber:
    def __init__(self, window: str | None, counter: bool = False):
        self.window = window
        self.counter = counter  # a counter screen: no quotes, findings or scores
        self.queue: queue.SimpleQueue[list[_Message]] = queue.SimpleQueue()


class Hub:
    """Watches the database for light changes and hands each to every subscriber.

    New light events are found by id; any other change that alters a window's tile (its
    visit re-judged, a red acknowledged) is found by rebuilding the views of the lit windows
    when the database's data_version moves, and sending those that differ.
    """

    def __init__(self, db_path: Path, options: WebOptions):
        self.db_path = db_path
        self.options = options
        self._subscribers: set[_Subscriber] = set()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, window: str | None = None, counter: bool = False) -> _Subscriber:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="board-watcher",
                                                daemon=True)
                self._thread.start()
            subscriber = _Subscriber(window, counter)
            self._subscribers.add(subscriber)
        self._ready.wait(10)
        return subscriber

    def unsubscribe(self, subscriber: _Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            store = Store(self.db_path)
            last = store.last_light_event()
            current = {w: e for w, e in store.current_lights().items() if e.id <= last}
            shown = self.options.findings_shown
            sent = {w: window_view(store, e, shown) for w, e in current.items()}
            version = store.data_version()
        except Exception:  # the pages then show "connection lost"; the log says why
            log.exception("board watcher cannot read %s", self.db_path)
            raise
        finally:
            self._ready.set()
        while not self._stop.wait(self.options.poll_s):
            try:
                if store.data_version() == version:
                    continue
                version = store.data_version()
                messages = []
                for event in store.light_events(after=last):
                    last = event.id
                    current[event.window] = event
                    view = sent[event.window] = window_view(store, event, shown)
                    messages.append(_message("light", view, event.id))
                lit_now = {m.window for m in messages}
                for window, event in current.items():
                    view = window_view(store, event, shown) if window not in lit_now else None
                    if view is not None and view != sent.get(window):
                        sent[window] = view
                        messages.append(_message("update", view))
            except Exception as exc:  # locked or unreadable for a moment: a dead watcher
                log.warning("board watcher: %s", exc)  # would be a frozen board, so go on
                continue
            if messages:
                self._broadcast(messages)
        store.close()

    def _broadcast(self, messages: list[_Message]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            batch = [m for m in messages if subscriber.window in (None, m.window)]
            if batch:
                subscriber.queue.put(batch)


def stream(hub: Hub, db_path: Path, after: int, window: str | None, options: WebOptions,
           gone: Callable[[], bool] = lambda: False, counter: bool = False) -> Iterator[str]:
    """One page's event stream: what it missed since `after`, then each change as it comes,
    until `gone()` says the page went away (checked each second while idle). A counter
    screen's stream carries counter views only, so what it must not show never reaches it."""
    shown = counter_view if counter else (lambda view: view)
    subscriber = hub.subscribe(window, counter)  # before the backlog: nothing falls between
    try:
        store = Store(db_path)
        try:
            missed = store.light_events(after=after, window=window)
            if len(missed) > BACKLOG_LIMIT:
                latest = {e.window: e for e in missed}
                missed = sorted(latest.values(), key=lambda e: e.id)
            backlog = "".join(
                _sse("light", shown(window_view(store, e, options.findings_shown)), e.id)
                for e in missed)
            last = max([after] + [e.id for e in missed])
        finally:
            store.close()
        yield "retry: 1000\n\n" + backlog
        idle = 0.0
        while True:
            try:
                batch = subscriber.queue.get(timeout=min(1.0, options.heartbeat_s))
            except queue.Empty:
                if gone():
                    return
                idle += min(1.0, options.heartbeat_s)
                if idle >= options.heartbeat_s:
                    idle = 0.0
                    yield ": keep-alive\n\n"
                continue
            fresh = [m for m in batch if m.event_id is None or m.event_id > last]
            last = max([last] + [m.event_id for m in fresh if m.event_id])
            if fresh:
                yield "".join(m.counter_text if counter else m.text for m in fresh)
    finally:
        hub.unsubscribe(subscriber)


def create_app(db_path: Path | str, options: WebOptions | None = None,
               hall: Hall | None = None, lexicon_dir: Path | None = None) -> Flask:
    """The board as a Flask app over the monitor's database (with the replay pages, which
    take names and training anonymisation from the hall config)."""
    from .webreplay import pages

    db_path = Path(db_path)
    options = options or WebOptions()
    hall = hall or Hall()
    app = Flask(__name__)
    local = threading.local()

    def store() -> Store:
        """One connection per server thread (sqlite3 connections stay in their thread)."""
        if not hasattr(local, "store"):
            local.store = Store(db_path)
        return local.store

    app.secret_key = store().setting("web_secret_key", secrets.token_hex(32))
    app.config.update(
        SESSION_COOKIE_NAME="courtesy_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=options.secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=options.login_hours))
    hub = Hub(db_path, options)
    app.extensions["courtesy_hub"] = hub
    ack_lock = threading.Lock()  # two supervisors clicking at once: one wins, one gets 409
    throttle = _Throttle(options.login_failures, options.login_wait_s)

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return session["csrf"]

    app.jinja_env.globals.update(csrf_token=csrf_token, states=STATE_LABELS,
                                 machine_mark=MACHINE_MARK, machine_note=MACHINE_NOTE,
                                 pinyin_toggle=PINYIN_TOGGLE)

    def wants_json() -> bool:
        return request.accept_mimetypes.best_match(
            ["text/html", "application/json"]) == "application/json"

    def refuse(status: int, message: str):
        if wants_json() or request.path.startswith(("/api/", "/events")):
            return json_response({"error": message}, status)
        return render_template("error.html", status=status, message=message), status

    def json_response(data, status: int = 200) -> Response:
        return Response(_json(data), status=status, mimetype="application/json")

    def forged() -> str | None:
        """Why a state-changing request is not the page's own, or None."""
        origin = request.headers.get("Origin")
        if origin and origin != request.host_url.rstrip("/"):
            return "跨站请求被拒绝"
        if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
            return "跨站请求被拒绝"
        token = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return "请求校验失败，请刷新页面后重试"
        return None

    @app.before_request
    def identify():
        g.user = accounts.current(store(), session.get("user"))
        if options.board_login and g.user is None and request.endpoint not in ("login", "static"):
            if request.method == "GET" and not wants_json() and request.endpoint in (
                    "board", "window_page", "replay.replay_page", "replay.training_list"):
                return redirect(url_for("login", next=request.full_path))
            return refuse(401, "请先登录")
        return None

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    def lights() -> tuple[int, list[dict]]:
        last = store().last_light_event()  # first: a later event is resent, never lost
        views = [window_view(store(), e, options.findings_shown)
                 for e in store().current_lights().values()]
        return last, views

    @app.get("/")
    def board():
        last, views = lights()
        return render_template("board.html", views=views, last=last,
                               blank=idle_view(""), user=g.user)

    @app.get("/window/<window_id>")
    def window_page(window_id: str):
        last = store().last_light_event()
        event = store().current_lights().get(window_id)
        view = (window_view(store(), event, options.findings_shown) if event
                else idle_view(window_id))
        counter = not hall.counter_details
        return render_template("window.html", view=counter_view(view) if counter else view,
                               last=last, user=g.user, counter=counter)

    @app.get("/api/lights")
    def api_lights():
        last, views = lights()
        return json_response({"last_event": last, "windows": views})

    @app.get("/api/events")
    def api_events():
        after = request.args.get("after", 0, type=int)
        limit = min(request.args.get("limit", BACKLOG_LIMIT, type=int), BACKLOG_LIMIT)
        events = store().light_events(after=after, window=request.args.get("window"))[:limit]
        rows = []
        for event in events:
            ack = store().ack_of(event.id) if event.state == "red" else None
            rows.append({**event_json(event), "quote": mask(event.quote),
                         "detail": mask(event.detail),
                         "acknowledged_by": ack["user"] if ack else None,
                         "acknowledged_at": ack["at"] if ack else None})
        return json_response({"events": rows,
                              "last_event": rows[-1]["id"] if rows else after})

    @app.get("/events")
    def events():
        resume = request.headers.get("Last-Event-ID", "")
        after = int(resume) if resume.isdigit() else request.args.get("after", type=int)
        if after is None:
            after = store().last_light_event()
        body = stream(hub, db_path, after, request.args.get("window") or None, options,
                      request.environ.get("waitress.client_disconnected", lambda: False),
                      counter=request.args.get("counter") == "1")
        return Response(body, mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @app.route("/login", methods=["GET", "POST"])
    def login():
        target = request.values.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("board")
        if request.method == "GET":
            return render_template("login.html", next=target, error="", user=g.user)
        why = forged()
        if why:
            return refuse(403, why)
        name = request.form.get("name", "")
        wait = throttle.wait_s(name)
        if wait:
            return render_template("login.html", next=target, user=None,
                                   error=f"密码错误次数过多，请 {wait / 60:.0f} 分钟后再试"), 429
        user = accounts.authenticate(store(), name, request.form.get("password", ""))
        if user is None:
            throttle.failed(name)
            return render_template("login.html", next=target, error="用户名或密码错误",
                                   user=None), 401
        throttle.passed(name)
        session.clear()
        session.permanent = True
        session["user"] = user.name
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(target)

    @app.post("/logout")
    def logout():
        why = forged()
        if why:
            return refuse(403, why)
        session.clear()
        return redirect(url_for("board"))

    @app.post("/ack")
    def ack():
        if g.user is None:
            if wants_json():
                return refuse(401, "请先登录")
            return redirect(url_for("login", next=url_for("board")))
        why = forged()
        if why:
            return refuse(403, why)
        if not g.user.may_acknowledge:
            return refuse(403, "只有值班主管可以确认红灯")
        event_id = request.form.get("event", type=int)
        event = store().light_event(event_id) if event_id else None
        if event is None:
            return refuse(404, "没有这条亮灯记录")
        with ack_lock:
            done = store().acknowledge(event.id, g.user.name, datetime.now().astimezone())
        if not done:
            already = store().ack_of(event.id)
            return refuse(409, f"已由 {already['user']} 确认过" if already
                          else "这不是红灯，无需确认")
        log.info("%s acknowledged red light %d at window %s", g.user.name, event.id, event.window)
        view = window_view(store(), store().current_lights()[event.window], options.findings_shown)
        if wants_json():
            return json_response({"acknowledged": event.id, "window": view})
        return redirect(url_for("board"))

    app.register_blueprint(pages(store, forged, refuse, hall, lexicon_dir))
    return app


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8080, threads: int = 64) -> None:
    """Serve with waitress: every open board or window page holds one thread (its stream)."""
    from waitress import serve as run

    try:
        run(app, host=host, port=port, threads=threads, ident="courtesy",
            channel_request_lookahead=1)  # reads on, so a closed page frees its thread
    except OSError as exc:
        raise ServeError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
