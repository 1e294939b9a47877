"""The auth blueprint: login and logout, each written to the audit trail.

Guessing is slowed twice, from the audit trail (so a restart forgets nothing): one client
may try one name `login_failures` times, and any names `client_failures` times, within
`login_wait_s`. Both count per client address, so nobody elsewhere can lock the real
supervisor out; a right password clears that client's count for that name.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from .. import accounts
from ..storage import Store
from .common import WebContext, WebOptions, client, home, refuse

log = logging.getLogger("courtesy.web")

FAILED, PASSED, LOGOUT = "login_failed", "login", "logout"  # audit actions


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

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        target = request.values.get("next", "")
        if not target.startswith("/") or target.startswith("//") or target in ("/", "/?"):
            target = ""  # where the role's own page is (home)
        if request.method == "GET":
            return render_template("login.html", next=target, error="", user=g.user)
        why = ctx.forged()
        if why:
            return refuse(403, why)
        name = request.form.get("name", "")[:64]
        wait = wait_s(ctx.store(), ctx.options, client(), name, datetime.now().astimezone())
        if wait > 0:
            log.warning("login throttled for %r from %s", name, client())
            return render_template("login.html", next=target, user=None,
                                   error=f"密码错误次数过多，请 {max(wait / 60, 1):.0f} 分钟后再试"), 429
        user = accounts.authenticate(ctx.store(), name, request.form.get("password", ""))
        if user is None:
            ctx.audit(FAILED, name, "用户名或密码错误", actor=name)
            return render_template("login.html", next=target, error="用户名或密码错误",
                                   user=None), 401
        ctx.audit(PASSED, user.name, actor=user.name)
        session.clear()
        session.permanent = True
        session["user"] = user.name
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(target or url_for(home(user)))

    @bp.post("/logout")
    def logout():
        why = ctx.forged()
        if why:
            return refuse(403, why)
        if g.user is not None:
            ctx.audit(LOGOUT, g.user.name)
        session.clear()
        return redirect(url_for("board.board"))

    return bp
