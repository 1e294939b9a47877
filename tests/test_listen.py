"""`courtesy listen`: the live path through a real PortAudio stream, and its replay twin.

The live tests give PortAudio a virtual counter microphone: a private PulseAudio daemon
with a null sink `counter`, whose monitor is recorded through ALSA's pulse device while
`paplay` speaks into the sink.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, SAMPLES, Pulse, sherpa_model, speak
from monitor import asr, config, hallfile, hallwatch, lexicon
from monitor.alerts import LightOptions
from monitor.config import WindowConfig
from monitor.hallwatch import HallFile
from monitor.listen import Monitor
from monitor.recordings import RetentionOptions
from monitor.records import Recording
from monitor.storage import Store

COURTESY = [str(Path(sys.executable).parent / "courtesy")]
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")  # monitor.logs.FORMAT


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


# --- replay: the live pipeline fed from a file -------------------------------------------

def _monitor(tmp_path, engine, retention, windows=None, events=None, updates=None):
    windows = windows or [WindowConfig("W1", SAMPLES / "police_good.flac", profile="police"),
                          WindowConfig("W2", SAMPLES / "hospital_taboo.flac",
                                       profile="hospital")]
    store = Store(tmp_path / "live.db")
    return Monitor(windows, engine, store, retention, lights=LightOptions(),
                   on_event=events.append if events is not None else None,
                   on_update=updates.append if updates is not None else None), store


def test_replay_scores_stores_and_keeps_only_flagged_audio(tmp_path, engine):
    events, updates = [], []
    monitor, store = _monitor(tmp_path, engine, RetentionOptions(folder=tmp_path / "rec"),
                              events=events, updates=updates)
    monitor.run(lambda: False)
    verdicts = dict(store.db.execute("select window, verdict from visits").fetchall())
    assert verdicts == {"W1": "pass", "W2": "fail"}
    lights = store.db.execute("select window, state from light_events order by id").fetchall()
    assert ("W2", "red") in lights and ("W1", "green") in lights
    recordings = {row[0]: row[1:] for row in store.db.execute(
        "select window, kept, reason, path from recordings").fetchall()}
    assert recordings["W1"][:2] == (0, "no flagged visit")
    assert not Path(recordings["W1"][2]).exists()
    assert recordings["W2"][:2] == (1, "flagged visit")
    kept, rate = sf.read(recordings["W2"][2])
    assert rate == RATE and kept.shape[1] == 2 and 30 < len(kept) / RATE < 33
    taboo = [f for u in updates if u.window == "W2" for f in u.new_findings
             if f.rule == "taboo"]
    assert taboo and taboo[0].severity == "critical" and 21 < taboo[0].start < 25
    closed = [u for u in updates if u.window == "W1" and u.state == "closed"]
    assert len(closed) == 1 and closed[0].visit.verdict == "pass"


def test_a_changed_hall_file_counts_in_the_running_monitor(tmp_path, engine, monkeypatch):
    """An admin's save (hallfile.apply, as the settings page does) is taken up within
    seconds: lights at once, a window whose staff changed heard afresh, the other untouched."""
    monkeypatch.setattr(hallwatch, "CHECK_S", 0.0)
    path = tmp_path / "hall.toml"
    path.write_text(f"""[windows.W1]\ndevice = "{SAMPLES / 'police_good.flac'}"\nstaff = "S1"
profile = "police"\n[windows.W2]\ndevice = "{SAMPLES / 'hospital_taboo.flac'}"
profile = "hospital"\n[staff.S1]\nname = "王芳"\n[staff.S2]\nname = "李强"\n""",
                    encoding="utf-8")
    hall, events, store = config.load(path), [], Store(tmp_path / "live.db")
    monitor = Monitor(hall.listened(), engine, store, RetentionOptions(folder=tmp_path / "r"),
                      lights=hall.lights, on_event=events.append, hall_file=HallFile(hall))
    monitor.open()
    for _ in range(3):
        monitor.step()
    before = [w.session for w in monitor.windows]
    hallfile.apply(path, hallfile.Edit("lights", {"red_hold_s": 5, "ack_required": False}))
    hallfile.apply(path, hallfile.Edit("windows", {"staff": "S2"}, "W1"))
    monitor.step()
    options = monitor.lights.machine.options
    assert (options.red_hold_s, options.ack_required) == (5, False)
    w1, w2 = monitor.windows
    assert w1.session is not before[0] and w1.session.session.staff == "S2"
    assert w2.session is before[1] and monitor.sessions == {"W1": w1.session, "W2": w2.session}
    [applied] = store.audit(action=hallwatch.APPLIED)
    assert applied.actor == "system" and applied.target == str(path.resolve())
    assert "窗口 W1 值班人员：S1 → S2" in applied.detail and "红灯保持秒数：60 → 5" in applied.detail
    assert [e.message for e in events if e.kind == "config"] == [
        "已按新的大厅设置运行：" + applied.detail]
    while not monitor.finished:  # the rest heard out, under the new settings
        monitor.step()
    monitor.close()
    staff = store.db.execute("select distinct staff from sessions where window = 'W1'")
    assert {row[0] for row in staff} == {"S1", "S2"}
    assert hallwatch.last_applied(store, path).detail == applied.detail


def test_retention_all_and_none(tmp_path, engine):
    monitor, store = _monitor(tmp_path / "all", engine,
                              RetentionOptions(keep="all", folder=tmp_path / "all-rec"))
    monitor.run(lambda: False)
    assert len(list((tmp_path / "all-rec").rglob("*.flac"))) == 2
    monitor, store = _monitor(tmp_path / "none", engine,
                              RetentionOptions(keep="none", folder=tmp_path / "none-rec"))
    monitor.run(lambda: False)
    assert not (tmp_path / "none-rec").exists()
    assert store.counts()["visits"] == 2


def test_old_recordings_are_deleted(tmp_path, engine):
    old = tmp_path / "rec" / "W1" / "2026-09-01" / "W1-090000.flac"
    fresh = tmp_path / "rec" / "W1" / "2026-11-21" / "W1-090000.flac"
    for path, age in ((old, 40), (fresh, 1)):
        path.parent.mkdir(parents=True)
        sf.write(path, np.zeros((RATE, 2), np.float32), RATE)
        stamp = (datetime.now() - timedelta(days=age)).timestamp()
        os.utime(path, (stamp, stamp))
    monitor, store = _monitor(tmp_path, engine, RetentionOptions(days=30, folder=tmp_path / "rec"),
                              windows=[WindowConfig("W1", SAMPLES / "police_good.flac")])
    store.save_recording(Recording(str(old), "W1", datetime(2026, 9, 1, 9).astimezone(),
                                   datetime(2026, 9, 1, 9, 5).astimezone(), True, "flagged visit"))
    monitor.open()
    monitor.close()
    assert not old.exists() and fresh.exists()
    reopened = Store(tmp_path / "live.db")
    assert list(reopened.db.execute("select kept, reason from recordings where path = ?",
                                    [str(old)])) == [(0, "expired")]


def test_a_full_disk_is_reported_and_monitoring_goes_on(tmp_path, engine):
    full = tmp_path / "small"
    full.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(full)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs to fill up here: {mounted.stderr.decode()}")
    try:
        events = []
        monitor, store = _monitor(tmp_path, engine, RetentionOptions(keep="all", folder=full),
                                  events=events)
        monitor.run(lambda: False)
    finally:
        subprocess.run(["umount", str(full)], check=True)
    problems = [e.message for e in events if e.kind == "recording"]
    assert problems and "recording paused" in problems[0] and "monitoring goes on" in problems[0]
    assert store.counts()["visits"] == 2


# --- live: a real PortAudio stream from a PulseAudio null sink ------------------------------

@pytest.fixture
def pulse(tmp_path):
    if not shutil.which("pulseaudio") or not shutil.which("paplay"):
        pytest.skip("pulseaudio/paplay not installed (make sysdeps installs them)")
    daemon = Pulse(tmp_path / "runtime")
    (tmp_path / "runtime").mkdir()
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture(scope="module")
def counter_clip(tmp_path_factory):
    """Five seconds at a counter: staff greets on channel 0, the customer answers on 1."""
    folder = tmp_path_factory.mktemp("clip")
    staff, _ = sf.read(speak("您好，请坐。", folder / "staff.wav"), dtype="float32")
    customer, _ = sf.read(speak("你好，我想办一下身份证。", folder / "customer.wav"),
                          dtype="float32")
    audio = np.zeros((round(6.5 * RATE), 2), np.float32)
    audio[RATE // 2:RATE // 2 + len(staff), 0] = staff[: 6 * RATE - RATE // 2] * 0.5
    start = round(3.2 * RATE)
    audio[start:start + len(customer), 1] = customer[: len(audio) - start] * 0.5
    path = folder / "counter.wav"
    sf.write(path, audio, RATE)
    return path


def _listen(pulse, tmp_path, *extra) -> subprocess.Popen:
    sherpa_model()
    command = COURTESY + ["listen", "--window", "W1", "--device", "pulse", "--engine", "sherpa",
                          "--db", str(tmp_path / "live.db"), "--recordings",
                          str(tmp_path / "rec"), *extra]
    process = subprocess.Popen(command, env=pulse.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               cwd=Path(__file__).parent.parent)
    first = process.stdout.readline()
    while LOG_LINE.match(first):  # the hall's log on stderr, merged here
        first = process.stdout.readline()
    assert first.startswith("正在监听 W1"), first
    return process


def _wait_rows(db: Path, query: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    rows = conn.execute(query).fetchall()
                if rows:
                    return rows
            except sqlite3.OperationalError:
                pass  # tables not created yet
        time.sleep(0.2)
    return []


def test_live_counter_through_portaudio_and_a_kill_loses_nothing(pulse, tmp_path, counter_clip):
    """What espeak's voice is heard as varies with how the blocks fall, so this checks the
    path (both sides heard, judged and stored live), not the words."""
    process = _listen(pulse, tmp_path)
    db = tmp_path / "live.db"
    try:
        time.sleep(1.0)
        pulse.play(counter_clip).wait(timeout=20)
        roles = _wait_rows(db, "select group_concat(role) from (select distinct role from "
                                "utterances where pinyin != '' order by role) having count(*) = 2")
        visits = _wait_rows(db, "select window, verdict from visits")
    finally:
        process.kill()  # SIGKILL: no flush, no goodbye
        process.wait(timeout=10)
    assert roles == [("customer,staff",)], process.stdout.read()
    assert visits and visits[0][0] == "W1"
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        kept = conn.execute("select count(*) from utterances where dbfs is not null").fetchone()
        assert kept[0] >= 2, "what was stored before the kill is still there"


def test_device_loss_is_reported_and_the_device_reopened(pulse, tmp_path, counter_clip):
    process = _listen(pulse, tmp_path)
    lines = []
    try:
        time.sleep(1.0)
        pulse.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("已断开" in line for line in lines):
            lines.append(process.stdout.readline())
        unplugged = _wait_rows(tmp_path / "live.db", "select state from heartbeats where "
                                                     "state = 'unplugged'", timeout=10)
        pulse.start()
        while time.monotonic() < deadline + 40 and not any("已重新打开" in line for line in lines):
            lines.append(process.stdout.readline())
        listening = _wait_rows(tmp_path / "live.db", "select state from heartbeats where "
                                                     "state = 'listening'", timeout=10)
        time.sleep(1.0)
        pulse.play(counter_clip).wait(timeout=20)
        stored = _wait_rows(tmp_path / "live.db", "select role from utterances")
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    text = "".join(lines) + out
    assert "音频设备 'pulse' 已断开" in text
    assert "音频设备 'pulse' 已重新打开" in text
    assert stored, "speech after the reopen was heard and stored"
    assert process.returncode == 0 and "已停止；" in out
    states = [state for state, in unplugged + listening]
    assert states == ["unplugged", "listening"], "the board saw the device go and come back"
    final = Store(tmp_path / "live.db", read_only=True).heartbeats()["W1"]
    assert final.state == "stopped" and final.last_speech_at is not None


def test_overruns_are_counted_not_silent(pulse, monkeypatch):
    from monitor.sources import LiveOptions, LiveSource

    for key in ("XDG_RUNTIME_DIR", "PULSE_SOURCE"):
        monkeypatch.setenv(key, pulse.env[key])
    source = LiveSource("pulse", options=LiveOptions(queue_s=0.3))
    source.open()
    try:
        time.sleep(3.0)  # a consumer that does not keep up
        chunks = source.read()
    finally:
        source.close()
    assert source.dropped_s >= 0.5  # what did not fit was counted (the stream starts late)
    from monitor.liveness import Ear

    beat = Ear("W1", source).heartbeat("m", datetime.now(), datetime.now())
    assert beat.overruns >= source.dropped >= 5  # the board sees the loss too
    assert chunks and {c.role for c in chunks} == {"staff", "customer"}
    assert len(chunks) <= 2 * 3 + 2  # only what the bounded queue held


@pytest.mark.parametrize("sample, profile", [("bank_wait", "bank"), ("utility_day", "utility")])
def test_the_live_monitor_and_a_scored_file_judge_alike(tmp_path, engine, sample, profile):
    """One code path: what `listen` decides as it hears a recording (partial results and
    all) is what `score` decides from the whole file."""
    from monitor.audio import score_file
    from monitor.pipeline import Scorer

    path = SAMPLES / f"{sample}.flac"
    filed = score_file(Scorer.load(profile), path, engine, window="W1")
    monitor, store = _monitor(tmp_path, engine, RetentionOptions(keep="none"),
                              windows=[WindowConfig("W1", path, profile=profile)])
    monitor.run(lambda: False)
    live = store.db.execute("select greeted, farewelled, questions, unanswered, score, verdict "
                            "from visits order by start").fetchall()
    assert live == [(int(v.greeted), int(v.farewelled), v.questions, v.unanswered, v.score,
                     v.verdict) for v in filed.visits]
    rules = [sorted(r[0] for r in store.db.execute(
        "select rule from findings where visit = ?", [visit_id]).fetchall())
        for (visit_id,) in store.db.execute("select id from visits order by start").fetchall()]
    assert rules == [sorted(f.rule for f in v.findings) for v in filed.visits]


@pytest.mark.parametrize("device, message", [
    ("audio/nope.flac", "录音文件不存在"),
    ("notes.txt", "不是可读取的音频文件"),
])
@pytest.mark.slow  # real subprocesses or seconds of real time
def test_a_missing_or_garbage_file_as_a_device_is_one_error(tmp_path, device, message):
    sherpa_model()
    (tmp_path / "notes.txt").write_text("not audio")
    db = tmp_path / "live.db"
    done = subprocess.run(COURTESY + ["listen", "--window", "W1", "--device", device,
                                      "--engine", "sherpa", "--db", str(db)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert "retrying" not in done.stdout + done.stderr
    with sqlite3.connect(db) as conn:  # nothing was started
        assert conn.execute("select count(*) from sessions").fetchone() == (0,)


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_listen_counts_its_own_visits_and_says_it_stopped(tmp_path):
    sherpa_model()
    db = tmp_path / "live.db"
    root = Path(__file__).parent.parent
    subprocess.run(COURTESY + ["play", "audio/hospital_taboo.jsonl", "--window", "W9", "--db",
                               str(db)], cwd=root, check=True, capture_output=True)
    done = subprocess.run(COURTESY + ["listen", "--window", "W1", "--device",
                                      str(SAMPLES / "police_good.flac"), "--engine", "sherpa",
                                      "--keep", "none", "--db", str(db)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"已停止；本次监听 1 次来访，已存入 {db}")
    beats = Store(db, read_only=True).heartbeats()
    assert beats["W1"].state == "stopped" and beats["W1"].monitor.startswith("listen ")
    assert beats["W1"].level_dbfs is not None and beats["W1"].last_speech_at is not None
    assert beats["W9"].monitor.startswith("play ")
