"""The web app: the hall's live board, logins, visit replay and training collections.

A process apart from the monitor (`courtesy serve`): it reads what the monitor writes to
SQLite and writes only acknowledgements, training tags and the audit trail.

`create_app` builds one `WebContext` (common.py) and registers a blueprint per page group,
each made by a factory in its own module:

- `board.pages(ctx, hub)`: /, /window/<id>, /api/lights, /api/events, /events, /ack, /health
- `auth.pages(ctx)`: /login, /logout
- `replay.pages(ctx)`: /replay/<visit>, its audio and training tags, /training
- `reports.pages(ctx)`: /reports (the days held) and /reports/view (HTML, PDF, CSV, JSON)
- `hallapi.pages(ctx)`: POST /api/hall/events (queue and rating systems, by token)

A new page group is a module with `pages(ctx: WebContext) -> Blueprint`, registered here with
one line: `app.register_blueprint(settings.pages(ctx))`. The context carries:

- `ctx.store()`: this server thread's `Store`;
- `ctx.hall`, `ctx.options` (`WebOptions`), `ctx.db_path`, `ctx.lexicon_dir`;
- `ctx.forged()`: why a POST is not the page's own (CSRF, Origin), or None;
- `ctx.refuse(status, message)`: the error page, or JSON for /api/ and scripts;
- `ctx.json_response(data, status)`: JSON safe to embed;
- `ctx.audit(action, target, detail)`: an audit row by `g.user` from the client's address.

`g.user` (an `accounts.User` or None) is set before every view; `common.role_required(
"supervisor")` guards a view. Templates have `csrf_token()`; endpoints are named by their
blueprint: `board.board`, `board.window_page`, `board.ack`, `auth.login`, `auth.logout`,
`replay.replay_page`, `replay.training_list`.

Modules import `common` (and `tiles`, `hub`), never this package: no import cycle.
"""
from __future__ import annotations

import socket
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, g, redirect, request, session, url_for

from .. import accounts
from ..config import Hall
from ..errors import ServeError
from ..hallwatch import HallFile
from ..vocabulary import MACHINE_MARK, MACHINE_NOTE, PINYIN_TOGGLE, STATE_LABELS, when
from . import auth, board, hallapi, replay, reports, review, rules, settings
from .common import (LOCAL_HOSTS, BadDay, WebContext, WebOptions, csrf_token, home, host_allowed,
                     nav_links, refuse, wants_json)
from .events import open_events
from .hub import Hub

__all__ = ["WebContext", "WebOptions", "create_app", "serve", "ServeError", "bind_hosts"]

ASSETS = Path(__file__).resolve().parent.parent  # monitor/templates, monitor/static
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def create_app(db_path: Path | str, options: WebOptions | None = None,
               hall: HallFile | Hall | None = None, lexicon_dir: Path | None = None) -> Flask:
    """The web app over the monitor's database, names and anonymisation from the hall
    (a `HallFile`: as its file is now, shared with the server's other watchers)."""
    options = options or WebOptions()
    hall_file = hall if isinstance(hall, HallFile) else HallFile(hall or Hall())
    ctx = WebContext(Path(db_path), hall_file, options, lexicon_dir)
    app = Flask(__name__, template_folder=str(ASSETS / "templates"),
                static_folder=str(ASSETS / "static"))
    app.secret_key = ctx.store().setting("web_secret_key", secrets.token_hex(32))
    app.config.update(
        SESSION_COOKIE_NAME="courtesy_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=options.secure_cookie,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=options.login_hours))
    hub = Hub(ctx.db_path, options, ctx.hall_file, open_events(ctx.hall))
    app.extensions["courtesy_hub"] = hub
    app.extensions["courtesy_context"] = ctx
    app.jinja_env.globals.update(csrf_token=csrf_token, nav_links=nav_links, home=home,
                                 states=STATE_LABELS, machine_mark=MACHINE_MARK,
                                 machine_note=MACHINE_NOTE, pinyin_toggle=PINYIN_TOGGLE)
    app.jinja_env.filters["when"] = when  # every date a page shows, one way
    app.register_error_handler(BadDay, lambda error: refuse(400, str(error)))
    app.before_request(lambda: _identify(ctx))
    app.after_request(_harden)
    app.register_blueprint(board.pages(ctx, hub))
    app.register_blueprint(auth.pages(ctx))
    app.register_blueprint(replay.pages(ctx))
    app.register_blueprint(settings.pages(ctx))
    app.register_blueprint(review.pages(ctx))
    app.register_blueprint(rules.pages(ctx))
    app.register_blueprint(reports.pages(ctx))
    app.register_blueprint(hallapi.pages(ctx))
    return app


def _identify(ctx: WebContext):
    """Refuse a foreign Host (DNS rebinding), then know the user (or ask for a login)."""
    if not host_allowed(request.host, ctx.options.allowed_hosts):
        return refuse(400, "请求的主机名不在本服务允许的范围内"
                           "（管理员可用 courtesy serve --allowed-host 添加）")
    g.user = accounts.current(ctx.store(), session.get("user"), session.get("version"))
    if ctx.options.board_login and g.user is None and request.endpoint not in (
            "auth.login", "static", "hallapi.events"):  # the hall's systems carry a token
        if request.method == "GET" and request.endpoint and not wants_json() \
                and not request.path.startswith(("/api/", "/events")):
            return redirect(url_for("auth.login", next=request.full_path))
        return refuse(401, "请先登录")
    return None


def _harden(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)  # the report page sets its own
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def bind_hosts(host: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Host: names to serve by default on `host`: the bind address and, bound to every
    interface, this machine's names; plus those asked for (LOCAL_HOSTS always)."""
    names = [host]
    if host in ("0.0.0.0", "::", ""):
        names += [socket.gethostname(), socket.getfqdn()]
        try:
            names += socket.gethostbyname_ex(socket.gethostname())[2]
        except OSError:  # no resolver entry for this machine: its names still serve
            pass
    return tuple(dict.fromkeys(n for n in names + list(extra) if n and n not in LOCAL_HOSTS))


def serve(app: Flask, host: str = "127.0.0.1", port: int = 8080, threads: int = 64) -> None:
    """Serve with waitress: every open board or window page holds one thread (its stream),
    so the stream cap must leave threads for the other pages."""
    from waitress import serve as run

    options = app.extensions["courtesy_context"].options
    if options.max_streams >= threads:
        raise ServeError(f"看板事件流上限 {options.max_streams} 须小于服务线程数 {threads}"
                         f"（--max-streams {options.max_streams} must stay below --threads "
                         f"{threads}, or open streams leave no thread for other pages）")
    try:
        run(app, host=host, port=port, threads=threads, ident="courtesy",
            channel_request_lookahead=1)  # reads on, so a closed page frees its thread
    except OSError as exc:
        raise ServeError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
