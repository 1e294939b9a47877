"""The hall's settings in the web app: windows (name, device, staff on duty, profile), staff,
lights and recordings, read from `hall.toml`.

Supervisors see them; an admin changes them. Each change is written back to the file by
`hallfile.apply` (comments kept, checked by the loader first) and leaves an audit row; a
refused one writes nothing and says why on the page. The board reads the file again at its
next request and a running `listen` within seconds (`hallwatch`), so a change needs no
restart; the page says where it took effect.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import config, hallfile, hallwatch, liveness, profiles
from ..errors import CourtesyError
from ..recordings import KEEP
from ..records import AuditEntry
from ..vocabulary import KEEP_WORDS, role_label, setting_label, when
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


def _name(form, label: str) -> str:
    """The name a window or staff member is shown by: the page never saves one empty."""
    name = form.get("name", "").strip()
    if not name:
        raise ValueError(f"{label}不能为空")
    return name


def window_edit(window_id: str, form) -> hallfile.Edit:
    values = {"name": _name(form, "窗口名称"), "device": _device(form.get("device", "")),
              "staff": _optional(form.get("staff", "")),
              "profile": _optional(form.get("profile", ""))}
    return hallfile.Edit("windows", values, window_id)


def staff_edit(staff_id: str, form) -> hallfile.Edit:
    return hallfile.Edit("staff", {"name": _name(form, "姓名")}, staff_id)


def new_entry(hall: config.Hall, table: str, form) -> str:
    """The id of a window or staff member to add: given, and not taken already."""
    what, known = (("窗口", hall.windows) if table == "windows" else ("工作人员", hall.staff))
    entry = form.get("id", "").strip()
    if not entry:
        raise ValueError(f"新{what}编号不能为空")
    if entry in known:
        raise ValueError(f"已有编号为 {entry} 的{what}，请改在上面的表格中修改")
    return entry


def lights_edit(form) -> hallfile.Edit:
    return hallfile.Edit("lights", {"red_hold_s": _number(form.get("red_hold_s", ""), "红灯保持秒数"),
                                    "ack_required": form.get("ack_required") == "on"})


def recordings_edit(form) -> hallfile.Edit:
    return hallfile.Edit("recordings", {"keep": form.get("keep", "").strip(),
                                        "days": _number(form.get("days", ""), "保存天数")})


def channels_text(channels: tuple[str, ...]) -> str:
    """Whose voice each channel carries, in Chinese (工作人员，顾客; - skips one)."""
    return "，".join(role_label(c) for c in channels)


def profile_titles(lexicon_dir=None) -> dict[str, str]:
    """Each profile's name and its Chinese title (医院窗口), for a choice of profile."""
    titles = {}
    for name in profiles.available(lexicon_dir):
        try:
            titles[name] = profiles.load(name, lexicon_dir).title
        except CourtesyError:  # a broken profile is shown by name; the loader refuses it
            titles[name] = name
    return titles


def effect(store, hall_path: Path, saved_at: datetime | None) -> list[str]:
    """What a save took effect in, as the page says it: the board at once (it reads the
    file at each request); the monitor when its audit row says it took the change, else
    whether one is running to take it within seconds."""
    said = ["看板已按新设置显示，无需重启。"]
    applied = hallwatch.last_applied(store, hall_path)
    now = datetime.now().astimezone()
    if applied is not None and saved_at is not None and applied.at >= saved_at:
        said.append(f"监测程序已于 {when(applied.at)} 按新设置运行（{applied.detail}），无需重启。")
    elif any(liveness.judge(beat, window, now).live
             for window, beat in store.heartbeats().items()):
        said.append(f"监测程序正在运行，将在 {hallwatch.CHECK_S:g} 秒内按新设置运行，无需重启"
                    "（刷新本页可查看）。")
    else:
        said.append("监测程序现在没有运行，下次启动时按新设置运行。")
    return said


def pages(ctx: WebContext) -> Blueprint:
    """`/settings` (supervisors and admins) and its POST forms (admins), on the hall.toml
    the server was given (else ./hall.toml)."""
    bp = Blueprint("settings", __name__)
    store, forged, refuse = ctx.store, ctx.forged, ctx.refuse
    hall_path = Path(ctx.hall.path or config.DEFAULT_PATH)

    def page(status: int = 200, error: str = ""):
        if not hall_path.is_file():
            return refuse(status, error) if error else refuse(
                404, "看板启动时没有大厅设置文件（courtesy serve --config hall.toml）")
        try:
            hall = config.load(hall_path)
        except CourtesyError as exc:
            return refuse(500, f"大厅设置文件有误：{exc}")
        target = request.args.get("saved", "") if not error else ""
        saves = store().audit(action="config") if target else []
        return render_template(
            "settings.html", hall=hall, path=str(hall_path), user=g.user,
            may_edit=g.user.role in EDITS, profiles=profile_titles(), keeps=KEEP,
            keep_words=KEEP_WORDS, error=error, saved=setting_label(target),
            unchanged=setting_label(request.args.get("unchanged", "")) if not error else "",
            effects=effect(store(), hall_path, saves[-1].at if saves else None) if target else [],
            channels_text=channels_text), status

    @bp.get("/settings")
    def settings_page():
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if g.user.role not in SEES:
            return refuse(403, "只有值班主管和管理员可以查看大厅设置")
        return page()

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
            return page(400, f"设置未保存：{exc}")
        if not change.changes:
            return redirect(url_for(".settings_page", unchanged=change.target))
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
        return save(lambda: window_edit(new_entry(ctx.hall, "windows", request.form),
                                        request.form))

    @bp.post("/settings/staff")
    def staff_add():
        return save(lambda: staff_edit(new_entry(ctx.hall, "staff", request.form),
                                       request.form))

    @bp.post("/settings/lights")
    def lights_save():
        return save(lambda: lights_edit(request.form))

    @bp.post("/settings/recordings")
    def recordings_save():
        return save(lambda: recordings_edit(request.form))

    return bp
