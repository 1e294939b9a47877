"""`courtesy transcribe` and `courtesy score AUDIO`: the whole pipeline from a recording."""
from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from audio_support import RATE, SAMPLES, sherpa_model
from monitor import transcript
from monitor.cli import cli

HOSPITAL = SAMPLES / "hospital_taboo.flac"


@pytest.fixture(scope="module", autouse=True)
def model():
    sherpa_model()


@pytest.mark.slow
def test_transcribe_writes_a_transcript_the_scorer_reads(tmp_path):
    out = tmp_path / "heard.jsonl"
    result = CliRunner().invoke(cli, ["transcribe", str(HOSPITAL), "--engine", "sherpa",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    utterances = transcript.read(out)
    assert f"已写出 {len(utterances)} 句到 {out}" in result.output
    assert {u.role for u in utterances} == {"staff", "customer"}
    assert all(u.pinyin and u.words and u.dbfs is not None for u in utterances)
    assert [u.start for u in utterances] == sorted(u.start for u in utterances)
    assert any(u.spotted for u in utterances)
    scored = CliRunner().invoke(cli, ["score", str(out), "--profile", "hospital",
                                      "--db", str(tmp_path / "t.db")])
    assert scored.exit_code == 0, scored.output
    assert "服务忌语（严重） 不耐烦 服务忌语「你烦不烦」" in scored.output  # said at 21.3 s


@pytest.mark.slow
def test_channel_map_swaps_roles():
    default = CliRunner().invoke(cli, ["transcribe", str(HOSPITAL), "--engine", "sherpa"])
    swapped = CliRunner().invoke(cli, ["transcribe", str(HOSPITAL), "--engine", "sherpa",
                                       "--channels", "customer,staff"])
    assert default.exit_code == swapped.exit_code == 0
    roles = [line.split('"role": "')[1].split('"')[0] for line in default.output.splitlines()]
    flipped = [line.split('"role": "')[1].split('"')[0] for line in swapped.output.splitlines()]
    assert flipped == [{"staff": "customer", "customer": "staff"}[r] for r in roles]


@pytest.mark.slow
def test_score_audio_stores_a_session_keyed_by_the_audio(tmp_path):
    db = tmp_path / "c.db"
    args = ["score", str(HOSPITAL), "--profile", "hospital", "--window", "W3",
            "--engine", "sherpa", "--db", str(db)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "服务忌语（" in first.output and "不合格" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0
    with sqlite3.connect(db) as conn:
        sessions = conn.execute("select sha256, source, options from sessions").fetchall()
        utterances = conn.execute("select count(*) from utterances where pinyin != ''").fetchone()
        levels = conn.execute("select count(*) from utterances where dbfs is not null").fetchone()
    assert len(sessions) == 1, "scoring the same recording twice replaces it"
    assert sessions[0][0] == hashlib.sha256(HOSPITAL.read_bytes()).hexdigest()
    assert '"engine": "sherpa"' in sessions[0][2]
    assert utterances[0] >= 6 and levels == utterances


@pytest.mark.parametrize("name, content, message", [
    ("broken.flac", b"fLaC\x00\x00\x00\x22" + b"\x00" * 40, "不是可读取的音频文件"),
    ("empty.wav", None, "文件中没有音频"),
    ("talk.ogg", b"OggS", "不支持的音频格式 '.ogg'，请用 WAV 或 FLAC"),
])
@pytest.mark.slow
def test_bad_audio_is_one_error_and_leaves_the_database_alone(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        sf.write(path, np.zeros(0, np.float32), RATE)
    else:
        path.write_bytes(content)
    db = tmp_path / "c.db"
    good = CliRunner().invoke(cli, ["score", str(SAMPLES / "police_good.jsonl"), "--db", str(db)])
    assert good.exit_code == 0
    with sqlite3.connect(db) as conn:
        before = conn.execute("select count(*) from utterances").fetchone()
    for command in (["transcribe", str(path), "--engine", "sherpa"],
                    ["score", str(path), "--engine", "sherpa", "--db", str(db)]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert lines[-1].startswith(f"错误：{path}：") and message in lines[-1]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from utterances").fetchone() == before
