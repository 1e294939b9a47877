"""`courtesy config check`: is everything hall.toml names really there?

The config reader (`config.load`) says whether the file is well formed; this goes further
and looks at the machine: the database opens and its folder is writable, each window's
microphone is present, each light driver can be reached (USB light listed, command
runnable, webhook's server answering), each folder the services write is writable, the
mail server answers, and where a window has one pickup (channels = "mixed") the voice
embedding that tells its two voices apart is installed: without it the monitor still runs,
judging roles by the voice profile alone, and makes more role errors, so it must be seen.
Each check is one line of a checklist a hall's IT person reads.
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import alerts
from .config import Hall
from .errors import CourtesyError
from .sources import MIXED

TIMEOUT_S = 3.0


@dataclass
class Check:
    what: str  # 数据库 database, 窗口 W01 麦克风 ...
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.what}：{self.detail}"


def run(hall: Hall, db: Path) -> list[Check]:
    """Every check, in the order of the file."""
    checks = [_database(db)]
    checks += [_device(w.id, w.device) for w in hall.listened()]
    pickups = [w.id for w in hall.listened() if MIXED in w.channels]
    if pickups:
        checks.append(_voiceprint(pickups))
    checks += [_driver(n, d) for n, d in enumerate(hall.drivers, 1)]
    folders = {"录音目录 recordings.folder": hall.recordings.folder,
               "备份目录 backup.folder": hall.ops.backup_folder,
               "报表目录 report.folder": hall.ops.report_folder,
               "日志目录 log.file": hall.ops.log_file and hall.ops.log_file.parent}
    checks += [_writable(what, Path(f)) for what, f in folders.items() if f]
    if hall.ops.smtp:
        checks.append(_reachable("邮件服务器 report.smtp_host", hall.ops.smtp["host"],
                                 int(hall.ops.smtp.get("port", 25))))
    if hall.ops.report_webhook:
        checks.append(_url("报表推送 report.webhook", hall.ops.report_webhook))
    return checks


def _database(db: Path) -> Check:
    what = "数据库 hall.db"
    folder = db.parent if str(db.parent) else Path(".")
    if not db.exists():
        writable = _can_write(folder)
        return Check(what, writable, f"{db} 尚未创建，目录{'可写' if writable else '不可写'}")
    try:
        conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True, timeout=TIMEOUT_S)
        try:
            verdict = conn.execute("pragma quick_check").fetchone()[0]
            version = conn.execute("pragma user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check(what, False, f"{db} 无法打开 cannot open: {exc}")
    from . import migrate

    if version > migrate.current():
        return Check(what, False, f"{db} 由更新的版本创建 (schema {version} > "
                                  f"{migrate.current()})")
    if verdict != "ok":
        return Check(what, False, f"{db} 已损坏 damaged: {verdict}")
    writable = _can_write(folder) and os.access(db, os.W_OK)
    return Check(what, writable, f"{db} 完好 (schema {version})，"
                                 f"{'可写' if writable else '不可写 not writable'}")


def _device(window: str, device) -> Check:
    what = f"窗口 {window} 麦克风 device"
    if isinstance(device, str) and Path(device).suffix.lower() in (".wav", ".flac"):
        found = Path(device).is_file()
        return Check(what, found, f"{device} {'存在' if found else '不存在 missing'}")
    try:
        from .sources import devices
        present = devices()
    except CourtesyError as exc:
        return Check(what, False, f"{device!r} 无法查询声卡 {exc}")
    names = [d["name"] for d in present]
    found = any(device == d["index"] if isinstance(device, int) else device in d["name"]
                for d in present)
    listed = "、".join(names) or "无"
    return Check(what, found, f"{device!r} {'已连接' if found else '未找到 not found'}"
                              f"（可用：{listed}）")


def _voiceprint(windows: list[str]) -> Check:
    from . import voiceprint

    what = f"声纹模型 voice embedding（单拾音器窗口 {'、'.join(windows)}）"
    try:
        found = voiceprint.encoder() is not None
    except CourtesyError as exc:
        return Check(what, False, str(exc))
    if not found:
        return Check(what, False, f"未安装 missing：请运行 make setup（或 pip install --no-deps "
                                  f"{voiceprint.PACKAGE}）；没有它只凭声音特征分辨员工和群众，角色错得更多")
    return Check(what, True, f"{voiceprint.weights_path()} 已安装，校验通过")


def _driver(n: int, driver) -> Check:
    what = f"信号灯驱动 lights.drivers[{n}] {driver.name}"
    if isinstance(driver, alerts.CommandDriver):
        program = driver.argv[0]
        path = shutil.which(program)
        return Check(what, bool(path), f"{program} {'可执行' if path else '找不到或不可执行'}")
    if isinstance(driver, alerts.WebhookDriver):
        return _url(what, driver.url)
    if isinstance(driver, alerts.UsbDriver):
        return _usb(what, driver)
    return Check(what, True, "未检查（由其服务检查）not checked here")


def _usb(what: str, driver: alerts.UsbDriver) -> Check:
    try:
        from busylight.controller import LightController

        with LightController() as controller:
            names = [light.name for light in controller.lights]
    except Exception as exc:  # busylight missing or no USB access: any failure is a ✗
        return Check(what, False, f"无法列出USB信号灯: {exc}")
    wanted = driver.light
    found = any(wanted in name for name in names) if wanted else bool(names)
    return Check(what, found, f"{wanted or '第一个灯'} {'已连接' if found else '未找到'}"
                              f"（已连接：{'、'.join(names) or '无'}）")


def _url(what: str, url: str) -> Check:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return _reachable(what, parts.hostname or "", port)


def _reachable(what: str, host: str, port: int) -> Check:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_S):
            return Check(what, True, f"{host}:{port} 可连接")
    except OSError as exc:
        return Check(what, False, f"{host}:{port} 无法连接 unreachable: {exc}")


def _can_write(folder: Path) -> bool:
    probe = folder
    while not probe.exists() and probe != probe.parent:  # the folder is made when needed
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def _writable(what: str, folder: Path) -> Check:
    ok = _can_write(folder)
    return Check(what, ok, f"{folder} {'可写' if ok else '不可写 not writable'}")
