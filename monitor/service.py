"""`courtesy service install|status|uninstall`: one hall run by systemd.

Units for `listen` and `serve` (Restart=always, started on boot, never given up on), and
timers for the nightly backup and the day's report, all running as a dedicated system user
that owns the hall folder (the database, recordings, logs, backups and reports) and nothing
else. Every unit reads the hall from COURTESY_CONFIG, so the commands need no --db.
"""
from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import Hall
from .errors import ConfigError

UNIT_DIR = Path("/etc/systemd/system")
USER = "courtesy"
PREFIX = "courtesy-"
DEVICE_GROUPS = ("audio", "plugdev")  # microphones (ALSA), USB lights (udev rules)
RESTART_S = 1  # systemd's RestartSec: a killed monitor is started again after 1 s


@dataclass
class Unit:
    name: str  # courtesy-listen.service
    text: str


def courtesy_command() -> str:
    """The `courtesy` program of this installation (the venv's, wherever it is)."""
    beside = Path(sys.executable).parent / "courtesy"
    return str(beside if beside.exists() else shutil.which("courtesy") or beside)


def _service(what: str, exec_start: str, hall_config: Path, user: str, long_running: bool,
             after: str = "network-online.target") -> str:
    folder = hall_config.parent
    run = ("Restart=always\nRestartSec={}\n".format(RESTART_S) if long_running
           else "Type=oneshot\n")
    groups = " ".join(g for g in DEVICE_GROUPS if _group_exists(g))
    return f"""[Unit]
Description=courtesy {what} ({folder})
After={after}
Wants={after}
StartLimitIntervalSec=0

[Service]
{run}User={user}
Group={user}
SupplementaryGroups={groups}
WorkingDirectory={folder}
Environment=COURTESY_CONFIG={hall_config}
Environment=PYTHONUNBUFFERED=1
ExecStart={exec_start}
KillSignal=SIGTERM
TimeoutStopSec=20
UMask=0027
NoNewPrivileges=yes
ProtectSystem=full
ReadWritePaths={folder}
"""


def _timer(what: str, at: str) -> str:
    return f"""[Unit]
Description=courtesy {what} every day at {at}

[Timer]
OnCalendar=*-*-* {at}:00
Persistent=true

[Install]
WantedBy=timers.target
"""


def units(hall: Hall, hall_config: Path, user: str = USER, host: str = "127.0.0.1",
          port: int = 8080, secure_cookies: bool = False) -> list[Unit]:
    """Every unit file for the hall whose config is `hall_config` (an absolute path)."""
    exe = courtesy_command()
    https = " --secure-cookies" if secure_cookies else ""
    boot = "\n[Install]\nWantedBy=multi-user.target\n"
    made = [
        Unit(f"{PREFIX}listen.service",
             _service("monitor (listen)", f"{exe} listen --config {hall_config}", hall_config,
                      user, True, "network-online.target sound.target") + boot),
        Unit(f"{PREFIX}serve.service",
             _service("board (serve)", f"{exe} serve --config {hall_config} --host {host} "
                                       f"--port {port}{https}", hall_config, user, True) + boot),
        Unit(f"{PREFIX}backup.service",
             _service("backup", f"{exe} backup --config {hall_config}", hall_config, user,
                      False)),
        Unit(f"{PREFIX}backup.timer", _timer("backup", hall.ops.backup_at)),
    ]
    if hall.ops.report_at:
        made += [Unit(f"{PREFIX}daily.service",
                      _service("day's report", f"{exe} daily --config {hall_config}",
                               hall_config, user, False)),
                 Unit(f"{PREFIX}daily.timer", _timer("day's report", hall.ops.report_at))]
    return made


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def systemd_running() -> bool:
    """Is systemd this machine's init (so systemctl can start units)?"""
    return Path("/run/systemd/system").is_dir()


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True)


def ensure_user(user: str, home: Path) -> None:
    """A system user without a shell or login, in the device groups."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        made = _run("useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", str(home), "--shell", "/usr/sbin/nologin", user)
        if made.returncode:
            raise ConfigError(f"cannot add system user {user}（无法创建系统用户）: "
                              f"{made.stderr.strip()}")
    for group in DEVICE_GROUPS:
        if _group_exists(group):
            _run("usermod", "--append", "--groups", group, user)


def own_folder(folder: Path, user: str) -> None:
    """The hall folder and everything in it belong to the service user; others read
    nothing (recordings and the database are personal data)."""
    uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(user).gr_gid
    for root, dirs, files in os.walk(folder):
        for name in [root, *(os.path.join(root, f) for f in files)]:
            os.chown(name, uid, gid, follow_symlinks=False)
        os.chmod(root, 0o750)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o640)


def install(hall: Hall, hall_config: Path, user: str = USER, unit_dir: Path = UNIT_DIR,
            host: str = "127.0.0.1", port: int = 8080, secure_cookies: bool = False
            ) -> list[str]:
    """Write the units, make the user own the hall folder, enable and start (systemd)."""
    if os.geteuid() != 0:
        raise ConfigError("service install needs root（请用 root 运行：sudo courtesy service "
                          "install ...）")
    hall_config = hall_config.resolve()
    ensure_user(user, hall_config.parent)
    own_folder(hall_config.parent, user)
    made = units(hall, hall_config, user, host, port, secure_cookies)
    unit_dir.mkdir(parents=True, exist_ok=True)
    for unit in made:
        (unit_dir / unit.name).write_text(unit.text, encoding="utf-8")
    said = [f"已写入 unit: {unit_dir / u.name}" for u in made]
    if not systemd_running():
        return said + ["systemd 未运行（本机不是由 systemd 启动的）：单元已写好，未启用 "
                       "systemd is not running here: units written, not started"]
    _run("systemctl", "daemon-reload")
    startable = [u.name for u in made if not u.name.endswith(("backup.service",
                                                               "daily.service"))]
    started = _run("systemctl", "enable", "--now", *startable)
    if started.returncode:
        raise ConfigError(f"systemctl enable failed: {started.stderr.strip()}")
    return said + [f"已启用并启动 enabled and started: {' '.join(startable)}"]


def installed(unit_dir: Path = UNIT_DIR) -> list[Path]:
    return sorted(unit_dir.glob(f"{PREFIX}*"))


def status(unit_dir: Path = UNIT_DIR) -> list[str]:
    """One line per unit: installed, enabled, active (what systemd says)."""
    lines = []
    for path in installed(unit_dir):
        if systemd_running():
            active = _run("systemctl", "is-active", path.name).stdout.strip()
            enabled = _run("systemctl", "is-enabled", path.name).stdout.strip()
            lines.append(f"{path.name}: {active} ({enabled})")
        else:
            lines.append(f"{path.name}: 已安装 installed（systemd 未运行 not running）")
    return lines or ["未安装 not installed（courtesy service install）"]


def uninstall(unit_dir: Path = UNIT_DIR) -> list[str]:
    """Stop, disable and remove the units; the user, the hall folder and its data stay."""
    if os.geteuid() != 0:
        raise ConfigError("service uninstall needs root（请用 root 运行）")
    names = [p.name for p in installed(unit_dir)]
    if names and systemd_running():
        _run("systemctl", "disable", "--now", *names)
    for name in names:
        (unit_dir / name).unlink()
    if names and systemd_running():
        _run("systemctl", "daemon-reload")
    return [f"已删除 removed: {unit_dir / n}" for n in names] or ["未安装 not installed"]


def windows(db_path: Path) -> list[str]:
    """One line per window the database has heard of: listened to, or why not, since when."""
    from datetime import datetime

    from . import liveness
    from .errors import StorageError
    from .storage import Store
    from .vocabulary import liveness_label

    try:
        store = Store(db_path, read_only=True)
    except StorageError as exc:
        return [f"数据库 database: {exc}"]
    try:
        beats = store.heartbeats()
    finally:
        store.close()
    now = datetime.now().astimezone()
    lines = []
    for window, beat in sorted(beats.items()):
        state = liveness.judge(beat, window, now)
        reason = "listening" if state.live else state.reason
        lines.append(f"窗口 window={window}: {liveness_label(reason)} ({reason})，"
                     f"最后心跳 last beat {beat.at:%Y-%m-%d %H:%M:%S}，{beat.monitor}")
    return lines or ["尚无监测心跳 no heartbeat yet"]
