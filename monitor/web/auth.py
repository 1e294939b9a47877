"""The auth blueprint: login and logout, each written to the audit trail.

Guessing is slowed twice, from the audit trail (so a restart forgets nothing): one client
may try one name `login_failures` times, and any names `client_failures` times, within
`login_wait_s`. Both count per client address, so nobody elsewhere can lock the real
supervisor out; a right password clears that client's count for that name. One client's
attempts are counted, checked and recorded one at a time (a lock per address, from a fixed
set), so thirty wrong passwords sent at once are counted as thirty, not as thirty firsts.

A login puts the account's session version in the cookie; logout replaces it
(`accounts.log_out`), so a copied cookie dies with the session it came from.
"""
from __future__ import annotations

import logging
import secrets
import threading
import zlib
from datetime import datetime, timedelta

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from .. import accounts
from ..storage import Store
from .common import WebContext, WebOptions, client, home, local_path, refuse

log = logging.getLogger("courtesy.web")

FAILED, PASSED = "login_failed", "login"  # audit actions
_COUNTING = tuple(threading.Lock() for _ in range(64))  # one client's attempts, in turn


def _counting(address: str) -> threading.Lock:
    return _COUNTING[zlib.crc32(address.encode()) % len(_COUNTING)]


def wait_s(store: Store, options: WebOptions, address: str, name: str,
           now: datetime) -> float:
    """Seconds before `address` may try `name` again (0: now)."""
    since = now - timedelta(seconds=options.login_wait_s)
    failed = [e for e in store.audit(first=since.date(), action=FAILED)
              if e.origin == address and e.at >= since]
    passed = [e.at for e in store.audit(first=since.date(), action=PASSED)
              if e.origin == address and e.actor == name]
    cleared = max(passed, default=since)
    own = [e.at for e in failed if e.actor == name and e.at > cleared]
    waits = [0.0]
    for times, limit in ((own, options.login_failures),
                         ([e.at for e in failed], options.client_failures)):
        if len(times) >= limit:
            waits.append(options.login_wait_s - (now - times[-limit]).total_seconds())
    return max(waits)


def pages(ctx: WebContext) -> Blueprint:
    """Login and logout over the app's store."""
    bp = Blueprint("auth", __name__)

    def attempt(name: str, password: str) -> tuple[accounts.User | None, float]:
        """The user, or the seconds this client must wait: counted and recorded under the
        client's lock, so simultaneous guesses see each other's failures."""
        with _counting(client()):
            wait = wait_s(ctx.store(), ctx.options, client(), name, datetime.now().astimezone())
            if wait > 0:
                return None, wait
            user = accounts.authenticate(ctx.store(), name, password)
            ctx.audit(PASSED if user else FAILED, name, "" if user else "用户名或密码错误",
                      actor=name)
            return user, 0.0

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        target = local_path(request.values.get("next"), "")
        if target in ("/", "/?"):
            target = ""  # the board asked for by default: the role's own page (home)
        if request.method == "GET":
            return render_template("login.html", next=target, error="", user=g.user)
        why = ctx.forged()
        if why:
            return refuse(403, why)
        name = request.form.get("name", "")[:64]
        user, wait = attempt(name, request.form.get("password", ""))
        if wait > 0:
            log.warning("login throttled for %r from %s", name, client())
            return render_template("login.html", next=target, user=None,
                                   error=f"密码错误次数过多，请 {max(wait / 60, 1):.0f} 分钟后再试"), 429
        if user is None:
            log.warning("登录失败 login failed: 用户 user=%r 来自 from=%s", name, client())
            return render_template("login.html", next=target, error="用户名或密码错误",
                                   user=None), 401
        log.info("登录 login: 用户 user=%s 来自 from=%s", user.name, client())
        session.clear()
        session.permanent = True
        session["user"] = user.name
        session["version"] = user.version
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(target or url_for(home(user)))

    @bp.post("/logout")
    def logout():
        why = ctx.forged()
        if why:
            return refuse(403, why)
        if g.user is not None:
            accounts.log_out(ctx.store(), g.user.name, client())
        session.clear()
        return redirect(url_for("board.board"))

    return bp
