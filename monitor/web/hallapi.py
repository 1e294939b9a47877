"""`POST /api/hall/events`: the hall's queue and rating systems push their events.

Each system has its own token in hall.toml (`[queue] token`, `[ratings] token`), sent as
`Authorization: Bearer TOKEN`; the token says which system it is, so which kind of event
the body holds. The body is canonical JSON Lines (docs/hall-systems.md), checked whole:
a bad line is a 400 naming line and field, and nothing of the batch is stored. A wrong or
missing token is a 401 and an audit row, so a misconfigured or probing client is seen.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, request

from .. import hallevents, hallimport
from ..errors import InputError
from .common import WebContext, client

MAX_BODY = 8 * 1024 * 1024  # a day of a large hall is ~1 MB


def pages(ctx: WebContext) -> Blueprint:
    pages = Blueprint("hallapi", __name__)

    @pages.post("/api/hall/events")
    def events():
        kind = _system(ctx, request.headers.get("Authorization", ""))
        if kind is None:
            ctx.audit("hall.api.refused", "/api/hall/events", "令牌错误或缺失 (wrong token)",
                      actor="")
            return ctx.refuse(401, "令牌错误或缺失（[queue]/[ratings] token in hall.toml）")
        if (request.content_length or 0) > MAX_BODY:
            return ctx.refuse(413, f"一次最多 {MAX_BODY // 1024 // 1024} MB，请分批发送")
        source = f"api:{kind}@{client()}"
        try:
            text = request.get_data(cache=False).decode("utf-8")
            items = hallimport.parse_lines(text, source, kind)
        except UnicodeDecodeError:
            return ctx.refuse(400, "请求体须为 UTF-8 编码的 JSON Lines")
        except InputError as exc:
            return ctx.json_response({"error": str(exc), "line": exc.line,
                                      "field": exc.field}, 400)
        done = hallevents.save(ctx.store(), kind, items, source, actor=f"api:{kind}",
                               origin=client())
        return ctx.json_response({"kind": kind, "new": done.new, "changed": done.changed,
                                  "unchanged": done.same})

    return pages


def _system(ctx: WebContext, header: str) -> str | None:
    """Which system the bearer token belongs to, compared in constant time."""
    given = header.removeprefix("Bearer ").strip().encode()
    found = None
    for kind, system in (("queue", ctx.hall.queue), ("ratings", ctx.hall.ratings)):
        if system.token and hmac.compare_digest(given, system.token.encode()):
            found = kind
    return found if given else None
