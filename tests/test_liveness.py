"""Heartbeats: every monitor says every few seconds that it still hears its windows, and
the board's `liveness.judge` turns silence, a lost device, a stop or a kill into 监测中断."""
from __future__ import annotations

import pytest

import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile as sf

from monitor import liveness
from monitor.errors import AudioError, CourtesyError
from monitor.liveness import Beater, Ear, LivenessOptions, judge
from monitor.sources import FileReplay, LiveSource
from monitor.storage import Store

ROOT = Path(__file__).parent.parent
COURTESY = [str(Path(sys.executable).parent / "courtesy")]
RATE = 16000


def _play(db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(COURTESY + ["play", "audio/hospital_taboo.jsonl", "--window", "W03",
                                        "--db", str(db), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _beat(db: Path, window: str = "W03"):
    if not db.exists():
        return None
    try:
        store = Store(db, read_only=True)
    except CourtesyError:  # the monitor has not created its tables yet
        return None
    try:
        return store.heartbeats().get(window)
    except sqlite3.Error:
        return None
    finally:
        store.close()


def _wait(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    return None


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_a_killed_play_goes_stale_within_stale_s(tmp_path):
    db = tmp_path / "live.db"
    process = _play(db, "--speed", "0.2")  # seconds of sleep between lines: beats go on
    try:
        first = _wait(lambda: _beat(db))
        assert first and first.state == "listening", process.stdout
        later = _wait(lambda: (b := _beat(db)) and b.at > first.at and b)
        assert later and (later.at - first.at).total_seconds() <= liveness.BEAT_S + 1
        assert judge(later, "W03", datetime.now().astimezone()).live
        assert later.monitor.startswith("play ") and f"{process.pid}@" in later.monitor
    finally:
        process.kill()  # SIGKILL: no goodbye
        process.wait(timeout=10)
    killed_at = datetime.now().astimezone()
    last = _beat(db)
    time.sleep(liveness.STALE_S + 0.5)
    assert _beat(db).at == last.at, "nobody beats for a killed monitor"
    verdict = judge(_beat(db), "W03", killed_at + timedelta(seconds=liveness.STALE_S + 0.5))
    assert not verdict.live and verdict.reason == "stale" and verdict.since == last.at


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_play_ends_with_stopped_and_sigterm_too(tmp_path):
    db = tmp_path / "live.db"
    done = _play(db, "--speed", "0")
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 0, out
    beat = _beat(db)
    assert beat.state == "stopped" and beat.message == "监测已停止"
    assert beat.last_speech_at is not None and beat.started_at <= beat.at
    verdict = judge(beat, "W03", datetime.now().astimezone())
    assert not verdict.live and verdict.reason == "stopped"

    db2 = tmp_path / "term.db"
    running = _play(db2, "--speed", "1")
    try:
        assert _wait(lambda: (b := _beat(db2)) and b.state == "listening")
        running.send_signal(signal.SIGTERM)
        running.wait(timeout=30)
    finally:
        running.kill()
    assert _beat(db2).state == "stopped"


def test_a_restarted_monitor_takes_its_window_over(tmp_path):
    store = Store(tmp_path / "live.db")
    first = Beater(store, [Ear("W01")], "listen")
    first.tick()
    second = Beater(store, [Ear("W01")], "listen")
    second.monitor = "listen 99999@elsewhere"  # another process, as after a restart
    second.started_at = first.started_at + timedelta(seconds=30)
    second.tick()
    beats = store.heartbeats()
    assert list(beats) == ["W01"]
    assert beats["W01"].monitor == "listen 99999@elsewhere"
    assert beats["W01"].started_at == second.started_at.replace(microsecond=(
        second.started_at.microsecond // 1000 * 1000))


def test_states_from_a_real_source(tmp_path):
    quiet = tmp_path / "quiet.wav"
    sf.write(quiet, np.zeros((RATE * 2, 2), np.float32), RATE)
    now = [0.0]
    replay = FileReplay(quiet, ("staff", "customer"))
    replay.level.clock = lambda: now[0]
    replay.level.loud_at = 0.0
    replay.open()
    ear = Ear("W01", replay, options=LivenessOptions(silent_s=5), clock=lambda: now[0])
    assert ear.heartbeat("m", datetime.now(), datetime.now()).state == "listening"
    while replay.read():
        pass
    beat = ear.heartbeat("m", datetime.now(), datetime.now())
    assert beat.level_dbfs == -120.0 and beat.state == "listening"
    now[0] = 6.0  # digital silence for longer than silent_s
    beat = ear.heartbeat("m", datetime.now(), datetime.now())
    assert beat.state == "silent" and "没有声音输入" in beat.message

    gone = LiveSource("no-such-device")  # never opened or lost: being reopened
    try:
        gone.open()
    except AudioError:
        pass
    assert Ear("W02", gone).heartbeat("m", datetime.now(), datetime.now()).state == "unplugged"


def test_a_beat_the_database_refuses_is_retried_never_fatal(tmp_path, caplog):
    store = Store(tmp_path / "live.db")
    store.db.conn.execute("pragma busy_timeout = 200")
    beater = Beater(store, [Ear("W01")], "listen", beat_s=0.1)
    blocker = sqlite3.connect(tmp_path / "live.db")
    blocker.execute("begin exclusive")
    try:
        beater.tick()  # the database is locked by another writer
        assert beater.failing and "heartbeat not written" in caplog.text
        assert store.heartbeats() == {}
    finally:
        blocker.rollback()
        blocker.close()
    time.sleep(0.1)
    beater.tick()
    assert not beater.failing and store.heartbeats()["W01"].state == "listening"


def test_beats_keep_coming_while_a_loop_runs(tmp_path):
    """A loop ticking every half second beats every `beat_s` (2 s), not at every tick. The
    loop's clock is injected (stepped, not slept): on a loaded machine a slept loop ticks late
    and beats less, which says nothing about the Beater."""
    store = Store(tmp_path / "live.db")
    now, relayed = [0.0], []
    beater = Beater(store, [Ear("W01"), Ear("W02")], "listen", beat_s=2.0,
                    clock=lambda: now[0], relays=[relayed.append])
    for tick in range(20):  # 0.0, 0.5 ... 9.5 s: beats at 0, 2, 4, 6 and 8 s
        now[0] = tick * 0.5
        beater.tick()
        written = store.heartbeats()["W02"]  # the store holds the latest beat (to the ms)
        assert relayed[-1].window == "W02"
        assert abs(written.at - relayed[-1].at) < timedelta(milliseconds=1)
    assert [b.window for b in relayed] == ["W01", "W02"] * 5
    beater.stop()
    assert {b.state for b in store.heartbeats().values()} == {"stopped"}


def test_a_recording_as_a_device_plays_at_the_pace_it_was_spoken_with_realtime(tmp_path):
    import time

    clip = tmp_path / "clip.wav"
    sf.write(clip, np.zeros((RATE, 2), np.float32), RATE)  # one second
    for realtime, slowest, fastest in ((False, 0.0, 0.5), (True, 0.85, 3.0)):
        replay = FileReplay(clip, ("staff", "customer"), realtime=realtime)
        replay.open()
        began, blocks = time.monotonic(), 0
        while not replay.finished:
            blocks += bool(replay.read(timeout=0.05))
        took = time.monotonic() - began
        assert slowest <= took <= fastest and blocks >= 9, (realtime, took, blocks)
