"""hall.toml names the database: every --db command takes `[hall] db` from --config or
$COURTESY_CONFIG; `courtesy config check` looks at everything the file names."""
from __future__ import annotations

import http.server
import socket
import threading

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.storage import Store

PASSWORD = "hall-db-password-1"


@pytest.fixture
def hall(tmp_path):
    folder = tmp_path / "hall"
    folder.mkdir()
    path = folder / "hall.toml"
    path.write_text('[hall]\ndb = "data/hall.db"\n', encoding="utf-8")
    return path


def test_the_database_comes_from_the_config_relative_to_its_folder(hall, tmp_path, run,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)  # elsewhere: the path is the config's, not the cwd's
    added = CliRunner().invoke(cli, ["user", "add", "wang", "--role", "admin",
                                     "--password-stdin", "--config", str(hall)],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    db = hall.parent / "data" / "hall.db"
    assert Store(db, must_exist=True).account("wang") is not None
    monkeypatch.setenv("COURTESY_CONFIG", str(hall))
    assert "wang" in run("user", "list").output  # from the environment
    other = tmp_path / "other.db"
    Store(other).close()
    assert "wang" not in run("user", "list", "--db", other).output  # --db wins


def test_commands_with_their_own_config_option_take_the_db_from_it(hall, run):
    Store(hall.parent / "data" / "hall.db").close()
    result = run("report", "--date", "2026-11-20", "--config", hall, "-o", "-",
                 "--format", "json")
    assert result.exit_code == 0, result.output


def test_a_broken_config_is_one_error_naming_the_line(hall, run):
    hall.write_text('[hall]\ndb = "data/hall.db"\ndbb = 1\n', encoding="utf-8")
    result = run("user", "list", "--config", hall)
    assert result.exit_code == 1
    assert f"{hall} 第 3 行：字段“hall.dbb”：unknown key" in result.stderr


def _listening() -> tuple[http.server.HTTPServer, int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_config_check_passes_what_is_there_and_fails_what_is_not(hall, run, tmp_path):
    server, port = _listening()
    text = hall.read_text() + f"""
[[lights.drivers]]
type = "webhook"
url = "http://127.0.0.1:{port}/light"

[[lights.drivers]]
type = "command"
command = ["true"]

[backup]
folder = "backups"
"""
    hall.write_text(text, encoding="utf-8")
    good = run("config", "check", "--config", hall)
    assert good.exit_code == 0, good.output
    assert good.output.count("✓") == 5 and "5 项通过，0 项未通过" in good.output
    server.shutdown()
    (tmp_path / "flac").mkdir()
    hall.write_text(text.replace(f":{port}/", f":{_closed_port()}/").replace(
        '["true"]', '["/no/such/relay"]') + '\n[windows.W01]\ndevice = "/no/such.flac"\n',
        encoding="utf-8")
    bad = run("config", "check", "--config", hall)
    assert bad.exit_code == 1
    assert "✗ 窗口 W01 麦克风 device：/no/such.flac 不存在" in bad.output
    assert "无法连接 unreachable" in bad.output and "/no/such/relay 找不到或不可执行" in bad.output
    assert "3 项未通过" in bad.output


def test_config_check_asks_for_the_voice_embedding_where_a_window_has_one_pickup(
        hall, run, tmp_path, monkeypatch):
    from monitor import voiceprint

    recording = tmp_path / "pickup.flac"
    recording.write_bytes(b"")
    hall.write_text(hall.read_text() + f'\n[windows.W01]\ndevice = "{recording}"\n'
                    'channels = "mixed"\n', encoding="utf-8")
    if voiceprint.weights_path() is None:
        pytest.skip(f"{voiceprint.PACKAGE} not installed (make setup installs it)")
    good = run("config", "check", "--config", hall)
    assert good.exit_code == 0, good.output
    assert "✓ 声纹模型 voice embedding（单拾音器窗口 W01）" in good.output, good.output
    monkeypatch.setattr(voiceprint, "weights_path", lambda: None)
    voiceprint.encoder.cache_clear()
    try:
        bad = run("config", "check", "--config", hall)
    finally:
        voiceprint.encoder.cache_clear()
    assert bad.exit_code == 1
    assert "✗ 声纹模型 voice embedding（单拾音器窗口 W01）：未安装 missing" in bad.output
