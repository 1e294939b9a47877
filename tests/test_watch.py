"""Alerts: a monitor stopped, a microphone unplugged or silent, a storage fault or backlog,
a full disk go to the hall's command and webhook drivers and to the log."""
from __future__ import annotations

import json
import logging
import stat
import time
from datetime import datetime, timedelta

import pytest

from monitor import alerts, config, watch
from monitor.records import Heartbeat
from monitor.storage import Store

T0 = datetime(2026, 12, 6, 9, 0).astimezone()


def _hall(tmp_path, extra: str = ""):
    path = tmp_path / "hall.toml"
    path.write_text(f"[alerts]\nsilent_min = 5\nbacklog = 10\n{extra}", encoding="utf-8")
    return config.load(path)


def _beat(window: str, at: datetime, state: str = "listening", backlog: int = 0):
    return Heartbeat(window, "listen 1@host", at, state, T0, backlog=backlog)


def test_each_alert_begins_when_it_should(tmp_path):
    hall = _hall(tmp_path)
    now = T0 + timedelta(hours=1)
    beats = {"W01": _beat("W01", now), "W02": _beat("W02", now - timedelta(seconds=30)),
             "W03": _beat("W03", now, "unplugged"), "W04": _beat("W04", now, "stopped"),
             "W05": _beat("W05", now, backlog=11), "W06": _beat("W06", now, "storage"),
             "W07": _beat("W07", now, "silent")}
    silent: dict = {}
    standing = watch.judge(beats, now, hall, silent, free_mb=50_000)
    assert set(standing) == {("W02", "stale"), ("W03", "unplugged"), ("W04", "stopped"),
                             ("W05", "backlog"), ("W06", "storage")}
    later = watch.judge(beats, now + timedelta(minutes=6), hall, silent, free_mb=10)
    assert ("W07", "silent") in later  # silent for silent_min minutes
    assert ("-", "disk") in later and "10 MB" in later[("-", "disk")].message


def _wait_for_lines(path, n, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(path.read_text().splitlines()
                                               if path.exists() else []) < n:
        time.sleep(0.05)


def test_alerts_and_their_end_reach_the_drivers_and_the_log(tmp_path, caplog):
    sink = tmp_path / "alerts.jsonl"
    program = tmp_path / "relay"
    program.write_text(f"#!/bin/sh\n(cat; echo) >> {sink}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    db = tmp_path / "hall.db"
    store = Store(db)
    now = datetime.now().astimezone()
    store.beat(_beat("W01", now - timedelta(seconds=60)))  # a monitor killed a minute ago
    hall = _hall(tmp_path)
    drivers = [alerts.CommandDriver([str(program)]), alerts.UsbDriver()]
    watcher = watch.Watch(db, hall, drivers)
    assert [type(d) for d in watcher.dispatcher.drivers] == [alerts.CommandDriver]
    with caplog.at_level(logging.INFO, logger="courtesy.alerts"):
        began = watcher.tick(now)
        _wait_for_lines(sink, 1)  # a driver behind keeps only a window's newest event
        store.beat(_beat("W01", datetime.now().astimezone()))  # back
        ended = watcher.tick(datetime.now().astimezone())
        _wait_for_lines(sink, 2)
    watcher.stop()
    assert [(e.window, e.state, e.rule) for e in began] == [("W01", "alert", "stale")]
    assert [(e.window, e.state, e.rule) for e in ended] == [("W01", "alert_cleared", "stale")]
    sent = [json.loads(line) for line in sink.read_text().splitlines()]
    assert [(s["state"], s["rule"]) for s in sent] == [("alert", "stale"),
                                                       ("alert_cleared", "stale")]
    assert "监测程序无响应" in sent[0]["detail"]
    assert "告警 alert stale: 窗口 window=W01 监测程序无响应" in caplog.text
    assert "告警解除 alert cleared stale" in caplog.text


def test_a_window_no_longer_in_the_hall_is_no_alert(tmp_path):
    hall = _hall(tmp_path, '[windows.W01]\ndevice = "USB Audio"\n')
    now = T0 + timedelta(hours=1)
    beats = {"W01": _beat("W01", now, "unplugged"), "OLD": _beat("OLD", T0, "stopped")}
    assert set(watch.judge(beats, now, hall, {}, None)) == {("W01", "unplugged")}


def test_the_watch_follows_windows_an_admin_saves_without_a_restart(tmp_path):
    """`serve`'s watch read hall.toml once: a window whose device the admin removed on the
    settings page went on alerting until the server was restarted."""
    from monitor import hallfile
    from monitor.hallwatch import HallFile

    path = tmp_path / "hall.toml"
    path.write_text('[windows.W01]\ndevice = "USB Audio"\n[windows.W02]\ndevice = "USB 2"\n',
                    encoding="utf-8")
    db = tmp_path / "hall.db"
    store = Store(db)
    now = datetime.now().astimezone()
    store.beat(_beat("W02", now - timedelta(seconds=60)))  # its monitor was stopped
    watcher = watch.Watch(db, HallFile.read(path), drivers=[])
    began = watcher.tick(now)
    assert [(e.window, e.state, e.rule) for e in began] == [("W02", "alert", "stale")]
    hallfile.apply(path, hallfile.Edit("windows", {"device": None}, "W02"))  # as /settings does
    ended = watcher.tick(now)
    watcher.stop()
    assert [(e.window, e.state, e.rule) for e in ended] == [("W02", "alert_cleared", "stale")]


@pytest.mark.slow  # `courtesy serve` for two rounds of its watch (5 s apart)
def test_serve_takes_up_a_window_removed_on_the_settings_page_without_a_restart(tmp_path):
    """The running server's own watch, not one built by the test: `serve` gave it the hall
    as read at start, so a removed window went on alerting until a restart."""
    from monitor import hallfile

    from .conftest import serve_board, stop_servers

    sink, program = tmp_path / "alerts.jsonl", tmp_path / "relay"
    program.write_text(f"#!/bin/sh\n(cat; echo) >> {sink}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    path = tmp_path / "hall.toml"
    path.write_text('[windows.W01]\ndevice = "USB Audio"\n[windows.W02]\ndevice = "USB 2"\n'
                    f'[[lights.drivers]]\ntype = "command"\ncommand = ["{program}"]\n',
                    encoding="utf-8")
    db = tmp_path / "hall.db"
    Store(db).beat(_beat("W02", datetime.now().astimezone() - timedelta(seconds=60)))
    servers: list = []
    serve_board(db, servers, "--config", str(path))

    def sent(state: str) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = sink.read_text().splitlines() if sink.exists() else []
            if any(json.loads(line)["state"] == state for line in lines if line.strip()):
                return True
            time.sleep(0.2)
        return False

    try:
        assert sent("alert")
        hallfile.apply(path, hallfile.Edit("windows", {"device": None}, "W02"))
        assert sent("alert_cleared")
    finally:
        stop_servers(servers)
