"""Practice: scenarios, and a trainee answering through a real PortAudio stream.

The customer speaks into a `speaker` null sink; the trainee's recorded answers are played
into the `counter` sink, whose monitor is the microphone practice listens to.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audio_support import REAL_ZH, Pulse, need_shared, sherpa_model, speak
from monitor import practice
from monitor.errors import InputError

COURTESY = str(Path(sys.executable).parent / "courtesy")


def test_bundled_scenarios_load():
    names = {s.name for s in practice.available()}
    assert {"registration", "question", "long-wait", "angry-customer", "farewell"} <= names
    wait = practice.find("long-wait")
    assert wait.turns[1].pause_s == 20 and wait.turns[1].expect == ("apology",)


@pytest.mark.parametrize("text, field", [
    ('[scenario]\ntitle = "x"\n', "turns"),
    ('[scenario]\n[[turns]]\nsay = "你好"\n', "scenario.title"),
    ('[scenario]\ntitle = "x"\n[[turns]]\nsay = ""\n', "turns[1].say"),
    ('[scenario]\ntitle = "x"\n[[turns]]\nsay = "你好"\nexpect = ["smile"]\n', "turns[1].expect"),
    ('[scenario]\ntitle = "x"\n[[turns]]\nsay = "你好"\npause_s = -1\n', "turns[1].pause_s"),
    ('[scenario]\ntitle = "x"\n[[turns]]\nsay = "你好"\naudio = "none.wav"\n', "turns[1].audio"),
    ('[scenario]\ntitle = "x"\n[[turns]]\nsay = "你好"\nsmile = true\n', "turns[1].smile"),
])
def test_bad_scenario_names_the_field(tmp_path, text, field):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"bad.toml：字段“{field}”")):
        practice.load(path)


def test_what_the_trainee_reads_is_chinese_and_marks_machine_heard_answers():
    from monitor.records import Utterance

    turn = practice.find("registration").turns[0]
    assert practice.event_text("customer", turn) == f"顾客：{turn.say}"
    heard = Utterance(0, 2, "staff", "您好请坐", pinyin="nín hǎo qǐng zuò", heard_by="sherpa")
    assert practice.event_text("heard", heard) == "  你说：您好请坐〔机器识别〕"
    assert practice.event_text("heard", heard, pinyin=True).endswith("‹nín hǎo qǐng zuò›")
    result = practice.TurnResult(turn, [heard], found={"greeting"})
    shown = practice.event_text("turn", result)
    assert "✓ 迎声" in shown and all(c not in shown for c in "abcdefghijklmnopqrstuvwxyz")


def test_unknown_scenario_lists_the_known(run):
    result = run("practice", "nope")
    assert result.exit_code == 1 and "available: angry-customer" in result.stderr


def test_practice_without_a_microphone_says_so_in_chinese(run, tmp_path):
    db = tmp_path / "practice.db"
    result = run("practice", "long-wait", "--device", "no-such-microphone", "--db", db)
    assert result.exit_code == 1
    assert "没有找到麦克风：麦克风 'no-such-microphone'不可用" in result.stderr
    assert "--device" in result.stderr and not db.exists()  # nothing started or stored


@pytest.fixture
def pulse(tmp_path):
    for tool in ("pulseaudio", "paplay", "espeak-ng"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make sysdeps installs it)")
    (tmp_path / "runtime").mkdir()
    daemon = Pulse(tmp_path / "runtime", sinks=("counter", "speaker"))
    daemon.env["PULSE_SINK"] = "speaker"
    daemon.start()
    yield daemon
    daemon.stop()


def _practise(pulse, tmp_path, scenario: Path, answers: list[Path | None]) -> tuple[str, Path]:
    """Run `courtesy practice`, answering each prompt with a recording (None: silence)."""
    sherpa_model()
    db = tmp_path / "practice.db"
    process = subprocess.Popen(
        [COURTESY, "practice", str(scenario), "--device", "pulse", "--output-device", "pulse",
         "--engine", "sherpa", "--trainee", "T01", "--db", str(db)],
        env=pulse.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, answers = [], list(answers)
    try:
        for line in process.stdout:
            lines.append(line)
            if "请回答" in line and answers:
                answer = answers.pop(0)
                if answer is not None:
                    time.sleep(0.3)
                    pulse.play(answer).wait(timeout=20)
        process.wait(timeout=60)
    finally:
        process.kill()
    return "".join(lines), db


def test_practice_through_portaudio_scores_each_answer(pulse, tmp_path):
    scenario = tmp_path / "visit.toml"
    scenario.write_text('[scenario]\ntitle = "窗口练习"\n'
                        '[[turns]]\nsay = "你好，我想办一下身份证。"\nexpect = ["greeting"]\n'
                        'answer_s = 10\n'
                        '[[turns]]\nsay = "好的，我走了。"\nexpect = ["farewell"]\n'
                        'answer_s = 10\n', encoding="utf-8")
    # a real voice greets (你好世界); espeak's Mandarin, poor as it is, gets 请慢走再见 across
    greet = need_shared(REAL_ZH / "fr2s_hello_zh.wav")
    bye = speak("请慢走，再见。", tmp_path / "bye.wav")
    out, db = _practise(pulse, tmp_path, scenario, [greet, bye])
    assert "顾客：你好，我想办一下身份证。" in out
    assert re.search(r"你说：.+〔机器识别〕", out), out  # the answers a recogniser heard
    assert "✓ 迎声" in out and "✓ 送声" in out, out
    assert "答对 2/2 轮" in out, out
    import sqlite3

    with sqlite3.connect(db) as conn:
        kinds = conn.execute("select distinct kind from visits").fetchall()
        staff = conn.execute("select count(*) from utterances where role = 'staff'").fetchone()
    assert kinds == [("practice",)] and staff[0] >= 2


def test_a_silent_trainee_misses_the_greeting(pulse, tmp_path):
    scenario = tmp_path / "quiet.toml"
    scenario.write_text('[scenario]\ntitle = "x"\n[[turns]]\nsay = "你好。"\n'
                        'expect = ["greeting"]\nanswer_s = 3\n', encoding="utf-8")
    out, db = _practise(pulse, tmp_path, scenario, [None])
    assert "✗ 迎声" in out and "答对 0/1 轮" in out, out
    from monitor.storage import Store

    beat = Store(db, read_only=True).heartbeats()["practice"]  # it beat, and said it ended
    assert beat.state == "stopped" and beat.monitor.startswith("practice ")
    assert beat.last_speech_at is not None and beat.level_dbfs is not None
