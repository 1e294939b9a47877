"""What every blueprint of the web app shares: its options, the `WebContext` a blueprint
factory receives, and the request helpers (JSON, refusals, CSRF, roles, the client).

Imports nothing from the other modules of this package, so any blueprint may import it.
"""
from __future__ import annotations

import functools
import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, g, redirect, render_template, request, session, url_for

from ..config import Hall
from ..hallwatch import HallFile
from ..records import AuditEntry
from ..storage import Store

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

SUPERVISORS = ("supervisor", "admin")
LOGGED_IN = ("admin", "supervisor", "staff", "viewer")
# Every page a role may open from the header: (endpoint, label, roles; None: anybody).
PAGES = (
    ("board.board", "看板", None),
    ("review.me", "我的记录", ("staff",)),
    ("review.queue", "复核", SUPERVISORS),
    ("review.sample", "抽检", SUPERVISORS),
    ("review.appeals", "申诉", SUPERVISORS),
    ("review.lexicon_precision", "词库", SUPERVISORS),
    ("rules.rules_page", "规则", SUPERVISORS),
    ("reports.listing", "报告", SUPERVISORS),
    ("replay.training_list", "培训集", LOGGED_IN),
    ("board.health", "设备状态", SUPERVISORS),
    ("settings.settings_page", "设置", SUPERVISORS),
    ("review.audit_page", "操作日志", SUPERVISORS),
    ("review.users", "账号", LOGGED_IN),
)


def nav_links(user) -> list[tuple[str, str]]:
    """The header's links for `user` (None: not logged in): the pages that role may open."""
    role = user.role if user is not None else None
    return [(endpoint, label) for endpoint, label, roles in PAGES
            if roles is None or role in roles]


def home(user) -> str:
    """Where a login lands: a staff member on their own record, everyone else the board."""
    return "review.me" if user is not None and user.role == "staff" else "board.board"


@dataclass
class WebOptions:
    """How the board is served (`courtesy serve` options; `[web]` in hall.toml)."""

    board_login: bool = False  # viewing needs a login too (acknowledging always does)
    poll_s: float = 0.1  # how often the watcher looks for new light events
    live_s: float = 1.0  # how often every tile's liveness is judged again
    heartbeat_s: float = 15.0  # an idle stream writes a comment this often (keeps it open)
    findings_shown: int = 3  # the gravest findings of a visit on each tile
    login_hours: float = 12.0  # a login lasts one shift
    login_failures: int = 5  # wrong passwords for one name from one client before it waits
    client_failures: int = 20  # wrong passwords from one client, any names, before it waits
    login_wait_s: float = 300.0  # how long, counted from the oldest of those failures
    secure_cookie: bool = False  # set when served behind HTTPS
    max_streams: int = 40  # open /events streams in all (each holds a server thread)
    max_streams_per_client: int = 16  # open /events streams from one client address
    allowed_hosts: tuple[str, ...] = ()  # Host: names served besides LOCAL_HOSTS; "*": any


@dataclass(frozen=True)
class WebContext:
    """What a blueprint factory `pages(ctx) -> Blueprint` is given by `create_app`.

    `hall` is re-read when its file changed; `store()` is this server thread's connection (sqlite3 connections stay in their thread);
    `forged()`, `refuse()`, `json_response()` and `audit()` are the helpers below, bound here
    so a blueprint needs nothing else from the app."""

    db_path: Path
    hall_file: HallFile
    options: WebOptions
    lexicon_dir: Path | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False,
                                    compare=False)

    @property
    def hall(self) -> Hall:
        """hall.toml as it is now: a saved change shows at the next request, no restart."""
        return self.hall_file.hall

    def store(self) -> Store:
        """This thread's connection, opened again when `[privacy] store_raw` changed."""
        raw, held = self.hall.store_raw, getattr(self._local, "store", None)
        if held is None or held.store_raw != raw:  # the old one may be in use this request:
            self._local.store = Store(self.db_path, store_raw=raw)  # left to be collected
        return self._local.store

    @staticmethod
    def forged() -> str | None:
        return forged()

    @staticmethod
    def refuse(status: int, message: str):
        return refuse(status, message)

    @staticmethod
    def json_response(data, status: int = 200) -> Response:
        return json_response(data, status)

    def audit(self, action: str, target: str = "", detail: str = "",
              actor: str | None = None) -> AuditEntry:
        """Append to the audit trail: by the user logged in (or `actor`), from this client."""
        who = actor if actor is not None else (g.user.name if g.get("user") else "")
        return self.store().add_audit(AuditEntry(who, action, target, detail, client()))


def json_text(data) -> str:
    """JSON in which no transcript text can close a tag, even if someone misuses it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_response(data, status: int = 200) -> Response:
    return Response(json_text(data), status=status, mimetype="application/json")


def wants_json() -> bool:
    return request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"


ERROR_HEADINGS = {400: "请求有误", 401: "请先登录", 403: "无权操作", 404: "页面不存在",
                  409: "无法完成", 429: "请稍后再试", 500: "服务出错", 503: "服务繁忙"}


def refuse(status: int, message: str):
    """The refusal as JSON for the API and scripts, as the error page for a person."""
    if wants_json() or request.path.startswith(("/api/", "/events")):
        return json_response({"error": message}, status)
    return render_template("error.html", status=status, message=message,
                           heading=ERROR_HEADINGS.get(status, "出错了")), status


# a date as a hall user writes it: 2026-12-06, 2026/12/6, 2026.12.6 or 2026年12月6日
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


class BadDay(ValueError):
    """A date field the page cannot read: a 400 saying how to write it (create_app)."""


def day_from(text: str | None, default: date | None = None) -> date | None:
    """The day a date field gives (pages take dates as text, so no browser shows them in
    its own locale's order, mm/dd/yyyy); `default` when it is empty."""
    text = (text or "").strip()
    if not text:
        return default
    found = _DAY.fullmatch(text)
    try:
        return date(*map(int, found.groups())) if found else date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"日期“{text[:20]}”看不懂：请按 年-月-日 填写，如 2026-12-06") from None


def client() -> str:
    """The client's address (the server is reached directly, never through a proxy)."""
    return request.remote_addr or ""


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


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


def role_required(*roles: str, hidden: bool = False):
    """A view for logged-in users of `roles` only: a person not logged in is sent to the
    login page (an API caller gets 401); another role gets 403, or 404 with `hidden`, for
    pages whose very existence a viewer must not learn."""
    def wrap(view: Callable):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if g.get("user") is None:
                if request.method == "GET" and not wants_json():
                    return redirect(url_for("auth.login", next=request.full_path))
                return refuse(401, "请先登录")
            if g.user.role not in roles:
                return refuse(404, "页面不存在") if hidden else refuse(403, "您的账号无权查看此页")
            return view(*args, **kwargs)
        return guarded
    return wrap


def local_path(target: str | None, default: str) -> str:
    """Where a `next=` or `back=` sends the browser: a path on this site, else `default`.

    A browser drops tabs and newlines from a URL and reads a backslash as `/`, so
    `/%09/evil.example` would leave the site: a target with a scheme, a host, a backslash,
    a space or a control character, as given or percent-decoded, is refused, not cleaned."""
    if not target or len(target) > 2048:
        return default
    for form in (target, unquote(target)):
        if not form.startswith("/") or form.startswith("//") or "\\" in form \
                or any(c.isspace() or not c.isprintable() for c in form):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return default
    return target


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a `Host:` header names this server (a DNS-rebinding page names another)."""
    if "*" in allowed:
        return True
    if host.startswith("["):  # [::1]:8080
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0]
    return bool(name) and name.lower() in {h.lower().strip("[]") for h in LOCAL_HOSTS + allowed}


def not_after(moment: datetime, now: datetime) -> datetime:
    """A time as the board shows it: never later than now (a monitor at --speed 5 writes
    times ahead of the clock)."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return min(moment, now)
