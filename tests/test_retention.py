"""Retention on a clock: a running monitor deletes, every hour and for every window in the
database, the audio (and, per policy, the words) the hall may no longer keep, each deletion
in the audit trail; a recording left unfinished by kill -9 is repaired or removed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, SAMPLES, sherpa_model
from monitor import asr, lexicon, recordings
from monitor.config import WindowConfig
from monitor.listen import Monitor
from monitor.recordings import RetentionOptions
from monitor.records import Recording
from monitor.storage import Store

ROOT = Path(__file__).parent.parent
COURTESY = [str(Path(sys.executable).parent / "courtesy")]


def _flac(path: Path, seconds: float = 1.0, age_days: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full((round(seconds * RATE), 2), 0.01, np.float32), RATE, format="FLAC")
    if age_days:
        stamp = (datetime.now() - timedelta(days=age_days)).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def _retention_audit(store: Store) -> list:
    return [e for e in store.audit(action="retention") if e.actor == "system"]


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_a_running_monitor_expires_old_audio_of_every_window(tmp_path):
    sherpa_model()
    engine = asr.create("sherpa", lexicon.load())
    store = Store(tmp_path / "live.db")
    folder = tmp_path / "rec"
    monitor = Monitor([WindowConfig("W1", SAMPLES / "police_good.flac", profile="police")],
                      engine, store, RetentionOptions(keep="all", days=30, folder=folder),
                      upkeep_s=0.5)
    forty = datetime.now().astimezone() - timedelta(days=40)
    planted = []

    def plant_during_the_run() -> bool:
        if not planted and store.counts()["utterances"]:
            other = _flac(tmp_path / "elsewhere" / "W9-old.flac")  # another window, elsewhere
            store.save_recording(Recording(str(other), "W9", forty, forty + timedelta(minutes=5),
                                           True, "flagged visit"))
            orphan = _flac(folder / "W1" / forty.strftime("%Y-%m-%d") / "W1-090000.flac",
                           age_days=40)  # no row: a file from before rows were kept
            planted.extend([other, orphan])
            time.sleep(0.6)  # the next hourly run is due
        return False

    monitor.run(plant_during_the_run)
    assert planted, "the run heard speech"
    assert not any(p.exists() for p in planted)
    rows = dict(store.db.execute("select window, reason from recordings where window = 'W9'"))
    assert rows == {"W9": "expired"}
    audit = _retention_audit(store)
    assert len(audit) == 2 and all(e.target.endswith(".flac") for e in audit)
    assert any(e.detail.startswith("W9 录音超过 30 天") for e in audit)
    kept = store.db.execute("select path from recordings where window = 'W1' and kept = 1").fetchall()
    assert kept and all(Path(p).is_absolute() and Path(p).exists() for (p,) in kept)


def test_relative_paths_of_older_rows_are_found_beside_the_database(tmp_path):
    store = Store(tmp_path / "reports" / "courtesy.db")
    audio = _flac(tmp_path / "reports" / "recordings" / "W1" / "2026-11-01" / "W1-090000.flac")
    at = datetime(2026, 11, 1, 9).astimezone()
    store.save_recording(Recording("reports/recordings/W1/2026-11-01/W1-090000.flac", "W1", at,
                                   at + timedelta(minutes=5), True, "all"))
    found = store.recordings_over("W1", at.isoformat(), (at + timedelta(minutes=1)).isoformat())
    assert [Path(r.path) for r in found] == [audio]


def _play(db: Path, at: str) -> None:
    subprocess.run(COURTESY + ["play", "audio/police_good.jsonl", "--window", "W1", "--at", at,
                               "--db", str(db)], cwd=ROOT, check=True, capture_output=True)


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_retention_show_and_apply_delete_old_words(tmp_path):
    db = tmp_path / "live.db"
    old = (datetime.now() - timedelta(days=10)).strftime("%Y-%m-%dT09:00")
    _play(db, old)
    _play(db, datetime.now().strftime("%Y-%m-%dT%H:%M"))
    audio = _flac(tmp_path / "rec" / "W2" / "2026-01-01" / "W2-090000.flac", age_days=40)
    hall = tmp_path / "hall.toml"
    hall.write_text(f'[devices.W1]\ndevice = "pulse"\n\n[recordings]\nkeep = "all"\ndays = 30\n'
                    f'folder = "{tmp_path / "rec"}"\ntranscript_days = 7\n', encoding="utf-8")
    args = ["--config", str(hall), "--db", str(db)]
    shown = subprocess.run(COURTESY + ["retention", "show", *args], capture_output=True,
                           text=True)
    assert shown.returncode == 0, shown.stderr
    assert "录音保留 30 天" in shown.stdout and "7 天后删除说话文字" in shown.stdout
    assert "现在执行将删除：1 个录音文件，1 个会话的说话文字" in shown.stdout
    assert audio.exists() and not Store(db).audit(action="retention")

    applied = subprocess.run(COURTESY + ["retention", "apply", *args], capture_output=True,
                             text=True)
    assert applied.returncode == 0, applied.stderr
    assert "[1/2]" in applied.stderr and "[2/2]" in applied.stderr
    assert "已删除：1 个录音文件，1 个会话的说话文字" in applied.stdout
    store = Store(db)
    words = store.db.execute("select substr(at, 1, 10) < ?, count(*), sum(text != '') "
                             "from utterances group by 1 order by 1",
                             [datetime.now().date().isoformat()]).fetchall()
    assert words[0][0] == 0 and words[0][2] == words[0][1] > 0  # today's words stay
    assert words[1][0] == 1 and words[1][2] == 0  # the old ones are gone
    assert store.db.execute("select count(*) from visits").fetchone()[0] == 2  # scores stay
    assert not audio.exists() and len(_retention_audit(store)) == 2
    again = subprocess.run(COURTESY + ["retention", "show", *args], capture_output=True,
                           text=True)
    assert "现在没有需要删除的内容" in again.stdout


def test_a_bad_policy_is_one_clear_error(tmp_path):
    hall = tmp_path / "hall.toml"
    for text, field in (("days = nan", "recordings.days"),
                        ("transcript_days = -1", "recordings.transcript_days")):
        hall.write_text(f'[devices.W1]\ndevice = "pulse"\n[recordings]\n{text}\n')
        done = subprocess.run(COURTESY + ["retention", "apply", "--config", str(hall), "--db",
                                          str(tmp_path / "none.db")], capture_output=True,
                              text=True)
        assert done.returncode == 1 and f"字段“{field}”" in done.stderr
    assert not (tmp_path / "none.db").exists()


WRITER = """
import sys, time
from datetime import datetime
from pathlib import Path
import numpy as np
from monitor.recordings import Recorder, RetentionOptions
from monitor.records import AudioChunk
from monitor.storage import Store

store = Store(sys.argv[1])
recorder = Recorder("W1", RetentionOptions(keep="all", folder=Path(sys.argv[2])), store,
                    datetime.now().astimezone(), lambda kind, message: None)
for n in range(100000):
    block = np.full(1600, 0.05, np.float32)
    recorder.write([AudioChunk("staff", block, n / 10), AudioChunk("customer", block, n / 10)])
    if n == 50:
        print("recording", flush=True)
    time.sleep(0.002)
"""


def test_a_recording_left_unfinished_by_kill_9_is_repaired(tmp_path):
    db, folder = tmp_path / "live.db", tmp_path / "rec"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(folder)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout.readline().strip() == "recording"
        time.sleep(0.5)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    [unfinished] = folder.rglob("*.flac")
    assert sf.info(unfinished).frames > 10 ** 12  # the header was never finished
    garbage = folder / "W1" / "2026-11-30" / "W1-100000.flac"
    garbage.parent.mkdir(parents=True)
    garbage.write_bytes(b"fLaC" + os.urandom(300))
    store = Store(db)
    assert store.counts()["recordings"] == 0
    repaired = recordings.repair(store, RetentionOptions(keep="all", folder=folder), ["W1"])
    assert [r.path for r in repaired] == [str(unfinished)] and repaired[0].reason == "repaired"
    audio, rate = sf.read(unfinished)
    assert rate == RATE and audio.shape[1] == 2 and len(audio) >= 5 * RATE
    seconds = (repaired[0].ended_at - repaired[0].started_at).total_seconds()
    assert seconds == pytest.approx(len(audio) / RATE, abs=0.01)
    assert not garbage.exists()
    assert [e.detail for e in store.audit(action="retention")] == [
        "W1 未写完的录音无可读内容，已删除"]
    rows = store.db.execute("select window, kept, reason from recordings").fetchall()
    assert rows == [("W1", 1, "repaired")]
    assert recordings.repair(store, RetentionOptions(keep="all", folder=folder), ["W1"]) == []
