"""The hall's log: Chinese lines with English ids, to stderr and a rotating file."""
from __future__ import annotations

import logging
from datetime import datetime

import pytest

from monitor import config, logs
from monitor.records import Finding, LightEvent, LiveEvent, LiveUpdate, Visit

from .test_web import PASSWORD, app_client, client, csrf, login, store  # noqa: F401

T0 = datetime(2026, 12, 6, 9, 0).astimezone()


@pytest.fixture
def hall_log(tmp_path):
    (tmp_path / "hall.toml").write_text('[log]\nfile = "logs/courtesy.log"\nmax_mb = 0.001\n'
                                        'keep = 2\n', encoding="utf-8")
    hall = config.load(tmp_path / "hall.toml")
    yield logs.for_hall(hall), tmp_path / "logs" / "courtesy.log"
    logs.setup()


def _text(path) -> str:
    for handler in logging.getLogger(logs.LOGGER).handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_hall_events_are_one_chinese_line_each_with_their_ids(hall_log):
    _, path = hall_log
    visit = Visit("s-W01-003", "W01", "S07", 0, 60, [0, 1], score=70, verdict="fail",
                  findings=[Finding("taboo", 3, 4, "你烦不烦", "critical")])
    logs.visit(LiveUpdate("W01", 60, T0, "update", visit))  # not judged yet: no line
    logs.visit(LiveUpdate("W01", 60, T0, "closed", visit))
    logs.light(LightEvent("W01", "red", "green", T0, rule="taboo", quote="电话13812345678"))
    logs.event(LiveEvent(T0, "W02", "device", "USB Audio lost; retrying"))
    logs.event(LiveEvent(T0, "W02", "storage", "database is locked; holding 3 write(s)"))
    lines = _text(path).splitlines()
    assert len(lines) == 4
    assert "来访已评定 visit judged: 窗口 window=W01 来访 visit=s-W01-003 得分 70 不合格(fail)" \
        in lines[0]
    assert "信号灯 light: 窗口 window=W01 服务中 → 严重 (green→red)" in lines[1]
    assert "13812345678" not in lines[1]  # a citizen's number never reaches the log
    assert "WARNING" in lines[2] and "设备 device: 窗口 window=W02" in lines[2]
    assert "WARNING" in lines[3] and "存储故障 storage" in lines[3]


def test_the_file_rotates_and_keeps_only_the_newest(hall_log):
    logger, path = hall_log
    for n in range(200):
        logging.getLogger("courtesy.hall").info("line %d 来访", n)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["courtesy.log", "courtesy.log.1", "courtesy.log.2"]
    assert "line 199" in _text(path)


def test_a_log_file_that_cannot_be_written_is_one_config_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(config.ConfigError, match=r"\[log\] file .*cannot write"):
        logs.setup("INFO", tmp_path / "file" / "x.log")
    logs.setup()


def test_logins_are_logged_with_user_and_address(client, hall_log):  # noqa: F811
    _, path = hall_log
    client.post("/login", data={"name": "zhang", "password": "wrong", "csrf": csrf(client)})
    login(client)
    text = _text(path)
    assert "登录失败 login failed: 用户 user='zhang'" in text
    assert "登录 login: 用户 user=zhang 来自 from=127.0.0.1" in text
