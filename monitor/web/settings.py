"""The hall's settings in the web app: windows (name, device, staff on duty, profile), staff,
lights and recordings, read from `hall.toml`.

Supervisors see them; an admin changes them. Each change is written back to the file by
`hallfile.apply` (comments kept, checked by the loader first) and leaves an audit row. The
monitor and the board read the file when they start, so a change counts from their next
start, as the page says.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import config, hallfile, profiles
from ..errors import CourtesyError
from ..recordings import KEEP
from ..records import AuditEntry
from ..vocabulary import KEEP_WORDS, role_label, setting_label
from .common import WebContext

SEES = ("supervisor", "admin")
EDITS = ("admin",)


def _number(text: str, label: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label}须为数字，不是“{text}”") from None
    if not math.isfinite(value):
        raise ValueError(f"{label}须为有限的数字")
    return int(value) if value.is_integer() else value


def _device(text: str) -> str | int | None:
    """A device is a name, an index (digits) or a file; empty: none."""
    text = text.strip()
    return int(text) if text.isdigit() else (text or None)


def _optional(text: str) -> str | None:
    return text.strip() or None


def window_edit(window_id: str, form) -> hallfile.Edit:
    values = {"name": _optional(form.get("name", "")), "device": _device(form.get("device", "")),
              "staff": _optional(form.get("staff", "")),
              "profile": _optional(form.get("profile", ""))}
    return hallfile.Edit("windows", values, window_id)


def staff_edit(staff_id: str, form) -> hallfile.Edit:
    return hallfile.Edit("staff", {"name": form.get("name", "").strip()}, staff_id)


def lights_edit(form) -> hallfile.Edit:
    return hallfile.Edit("lights", {"red_hold_s": _number(form.get("red_hold_s", ""), "红灯保持秒数"),
                                    "ack_required": form.get("ack_required") == "on"})


def recordings_edit(form) -> hallfile.Edit:
    return hallfile.Edit("recordings", {"keep": form.get("keep", "").strip(),
                                        "days": _number(form.get("days", ""), "保存天数")})


def channels_text(channels: tuple[str, ...]) -> str:
    """Whose voice each channel carries, in Chinese (工作人员，顾客; - skips one)."""
    return "，".join(role_label(c) for c in channels)


def profile_titles() -> dict[str, str]:
    """Each profile's name and its Chinese title (医院窗口), for the window's choice."""
    titles = {}
    for name in profiles.available():
        try:
            titles[name] = profiles.load(name).title
        except CourtesyError:  # a broken profile is shown by name; the loader refuses it
            titles[name] = name
    return titles


def pages(ctx: WebContext) -> Blueprint:
    """`/settings` (supervisors and admins) and its POST forms (admins), on the hall.toml
    the server was given (else ./hall.toml)."""
    bp = Blueprint("settings", __name__)
    store, forged, refuse = ctx.store, ctx.forged, ctx.refuse
    hall_path = Path(ctx.hall.path or config.DEFAULT_PATH)

    def may_see() -> bool:
        return g.user is not None and g.user.role in SEES

    @bp.get("/settings")
    def settings_page():
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if not may_see():
            return refuse(403, "只有值班主管和管理员可以查看大厅设置")
        if not hall_path.is_file():
            return refuse(404, "看板启动时没有大厅设置文件（courtesy serve --config hall.toml）")
        try:
            hall = config.load(hall_path)
        except CourtesyError as exc:
            return refuse(500, f"大厅设置文件有误：{exc}")
        return render_template(
            "settings.html", hall=hall, path=str(hall_path), user=g.user,
            may_edit=g.user.role in EDITS, profiles=profile_titles(), keeps=KEEP,
            keep_words=KEEP_WORDS,
            saved=setting_label(request.args.get("saved", "")), channels_text=channels_text)

    def save(make: Callable[[], hallfile.Edit]):
        if g.user is None:
            return refuse(401, "请先登录")
        why = forged()
        if why:
            return refuse(403, why)
        if g.user.role not in EDITS:
            return refuse(403, "只有管理员可以修改大厅设置")
        try:
            change = hallfile.apply(hall_path, make())
        except (ValueError, CourtesyError) as exc:  # a bad form value, or the loader's refusal
            return refuse(400, f"设置未保存：{exc}")
        if change.changes:
            store().add_audit(AuditEntry(actor=g.user.name, action="config", target=change.target,
                                         detail=change.detail(), origin=request.remote_addr or ""))
        return redirect(url_for(".settings_page", saved=change.target))

    @bp.post("/settings/window/<window_id>")
    def window_save(window_id: str):
        return save(lambda: window_edit(window_id, request.form))

    @bp.post("/settings/staff/<staff_id>")
    def staff_save(staff_id: str):
        return save(lambda: staff_edit(staff_id, request.form))

    @bp.post("/settings/window")
    def window_add():
        """A new window: its id from the form (the loader checks it)."""
        return save(lambda: window_edit(request.form.get("id", "").strip(), request.form))

    @bp.post("/settings/staff")
    def staff_add():
        return save(lambda: staff_edit(request.form.get("id", "").strip(), request.form))

    @bp.post("/settings/lights")
    def lights_save():
        return save(lambda: lights_edit(request.form))

    @bp.post("/settings/recordings")
    def recordings_save():
        return save(lambda: recordings_edit(request.form))

    return bp
