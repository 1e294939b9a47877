"""`courtesy service`: units systemd accepts, an install that owns the hall folder, and the
restart floor: after kill -9 of `listen` or `serve`, monitoring is back within 10 s."""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from audio_support import SAMPLES, sherpa_model
from monitor import config, service
from supervisor import Supervisor, service_section
from test_listen import pulse  # noqa: F401  (a private PulseAudio: a device never ending)

HALL = """[hall]
db = "hall.db"

[windows.W01]
name = "户籍1号窗口"
device = "{flac}"
profile = "utility"

[report]
at = "18:00"

[backup]
at = "02:30"
"""


@pytest.fixture
def hall_dir(tmp_path) -> Path:
    folder = tmp_path / "hall"
    folder.mkdir()
    (folder / "hall.toml").write_text(HALL.format(flac=SAMPLES / "utility_day.flac"),
                                      encoding="utf-8")
    return folder


def _units(hall_dir: Path, out: Path, **where) -> dict[str, Path]:
    out.mkdir(exist_ok=True)
    cfg = hall_dir / "hall.toml"
    written = {}
    for unit in service.units(config.load(cfg), cfg, **where):
        (out / unit.name).write_text(unit.text, encoding="utf-8")
        written[unit.name] = out / unit.name
    return written


def test_the_units_restart_always_and_read_the_hall_from_its_config(hall_dir, tmp_path):
    units = _units(hall_dir, tmp_path / "units")
    assert set(units) == {"courtesy-listen.service", "courtesy-serve.service",
                          "courtesy-backup.service", "courtesy-backup.timer",
                          "courtesy-daily.service", "courtesy-daily.timer"}
    for name in ("courtesy-listen.service", "courtesy-serve.service"):
        unit = service_section(units[name])
        assert unit["Restart"] == ["always"] and unit["User"] == ["courtesy"]
        assert f"COURTESY_CONFIG={hall_dir / 'hall.toml'}" in unit["Environment"]
        assert "WantedBy=multi-user.target" in units[name].read_text()
    assert "OnCalendar=*-*-* 18:00:00" in units["courtesy-daily.timer"].read_text()
    assert "OnCalendar=*-*-* 02:30:00" in units["courtesy-backup.timer"].read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not "
                    "installed (apt-get install systemd)")
def test_systemd_analyze_verifies_the_units(hall_dir, tmp_path):
    units = _units(hall_dir, tmp_path / "units")
    verified = subprocess.run(["systemd-analyze", "verify", *map(str, units.values())],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert verified.returncode == 0, verified.stderr
    assert "courtesy" not in verified.stderr  # not even a warning about our units
    broken = tmp_path / "units" / "courtesy-listen.service"  # the check can fail
    broken.write_text(broken.read_text().replace("Restart=always", "Restart=sometimes"))
    refused = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120)
    assert "restart specifier" in refused.stderr


TEST_USER = "courtesy-test"


@pytest.fixture
def test_user():
    yield TEST_USER
    subprocess.run(["userdel", TEST_USER], capture_output=True)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"),
                    reason="service install needs root and useradd")
def test_install_makes_the_user_own_the_hall_folder_and_uninstall_removes_units(
        hall_dir, tmp_path, test_user, run):
    (hall_dir / "recordings").mkdir()
    (hall_dir / "recordings" / "a.flac").write_bytes(b"x")
    units = tmp_path / "units"
    result = run("service", "install", "--config", hall_dir / "hall.toml", "--user", test_user,
                 "--unit-dir", units)
    assert result.exit_code == 0, result.output
    user = pwd.getpwnam(test_user)
    assert user.pw_shell == "/usr/sbin/nologin"
    for path in (hall_dir, hall_dir / "recordings", hall_dir / "recordings" / "a.flac"):
        assert path.stat().st_uid == user.pw_uid
        assert path.stat().st_mode & 0o007 == 0  # others read no recording
    assert (units / "courtesy-listen.service").is_file()
    if not service.systemd_running():
        assert "systemd is not running here" in result.output
    assert "courtesy-listen.service" in run("service", "status", "--unit-dir", units).output
    assert run("service", "uninstall", "--unit-dir", units).exit_code == 0
    assert not list(units.iterdir())


def _beating_pid(db: Path) -> int | None:
    """The PID of the monitor whose heartbeat is fresh (within 3 s) and listening."""
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            row = conn.execute("select monitor, at, state from heartbeats where window = 'W01'"
                               ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    if not row or row[2] == "stopped":
        return None
    from datetime import datetime
    age = datetime.now().astimezone() - datetime.fromisoformat(row[1])
    return int(row[0].split()[1].split("@")[0]) if age.total_seconds() < 3 else None


def _until(check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _board_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


FLOOR_S = 10.0  # the floor: monitoring back within 10 s of a kill -9
COLD_START_BAR_S = FLOOR_S - 1 - 2  # less RestartSec and a margin: a quiet enough machine


@pytest.mark.slow
def test_kill_9_of_each_process_is_back_within_10_seconds(hall_dir, tmp_path, pulse):  # noqa: F811
    """Both processes under a supervisor following the units' Restart=always; after kill -9
    of each, the time until a new listen process beats (it heard its device) and the board
    answers again. Restart adds only RestartSec to a cold start (no waiting on what the
    killed process left); the 10 s floor itself needs a machine where a cold start of
    listen takes under 7 s (a shared test machine may not be one: then it says so)."""
    sherpa_model()
    port = _free_port()
    hall = hall_dir / "hall.toml"
    hall.write_text(hall.read_text().replace(str(SAMPLES / "utility_day.flac"), "pulse"))
    units = _units(hall_dir, tmp_path / "units", port=port)
    began = time.monotonic()
    listen = Supervisor(units["courtesy-listen.service"], pulse.env).start()
    serve = Supervisor(units["courtesy-serve.service"]).start()
    try:
        first = _until(lambda: _beating_pid(hall_dir / "hall.db"), 120)
        cold_s = time.monotonic() - began
        assert first, "listen never beat"
        assert _until(lambda: _board_up(port), 60), "the board never answered"
        os.kill(first, signal.SIGKILL)
        killed = time.monotonic()
        back = _until(lambda: (p := _beating_pid(hall_dir / "hall.db")) and p != first and p,
                      120)
        listen_s = time.monotonic() - killed
        assert back, "listen never came back"
        os.kill(serve.wait_started(), signal.SIGKILL)
        killed = time.monotonic()
        _until(lambda: not _board_up(port), 5)
        assert _until(lambda: _board_up(port), 60), "the board never came back"
        serve_s = time.monotonic() - killed
    finally:
        listen.stop()
        serve.stop()
    said = (f"cold start of listen {cold_s:.1f} s; back after kill -9: listen {listen_s:.1f} s,"
            f" serve {serve_s:.1f} s")
    print(said)
    assert listen.starts == 2 and serve.starts == 2
    assert listen_s < cold_s * 1.5 + 3, said  # a restart is a cold start, nothing more
    if cold_s > COLD_START_BAR_S:
        pytest.skip(f"machine too loaded for the {FLOOR_S:.0f} s floor ({said})")
    assert listen_s < FLOOR_S and serve_s < FLOOR_S, said


def test_status_says_whether_each_window_is_heard(tmp_path, run):
    from datetime import datetime, timedelta

    from monitor.records import Heartbeat
    from monitor.storage import Store

    store = Store(tmp_path / "hall.db")
    now = datetime.now().astimezone()
    store.beat(Heartbeat("W01", "listen 7@host", now, "listening", now))
    store.beat(Heartbeat("W02", "listen 7@host", now - timedelta(minutes=5), "listening", now))
    store.close()
    result = run("service", "status", "--unit-dir", tmp_path / "none", "--db",
                 tmp_path / "hall.db")
    assert result.exit_code == 0, result.output
    assert "未安装 not installed" in result.output
    assert "窗口 window=W01: 正在监听 (listening)" in result.output
    assert "窗口 window=W02: 监测程序无响应 (stale)" in result.output
