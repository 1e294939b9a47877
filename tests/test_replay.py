"""Training replay: the timeline, its clock, anonymisation, collections, the terminal player."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor import replay as replays
from monitor import terminal
from monitor.errors import InputError
from monitor.storage import Store

from .conftest import utt

LINES = [
    utt(0.0, 1.0, "staff", "您好，请问办理什么业务"),
    utt(1.2, 2.0, "customer", "我的手机号是13812345678"),
    utt(2.1, 2.6, "staff", "你烦不烦"),
    utt(2.8, 3.4, "customer", "好的谢谢"),
    utt(3.5, 4.1, "staff", "不客气，请慢走，再见"),
]


@pytest.fixture
def stored(scorer, db_path):
    store = Store(db_path)
    session = scorer.score(LINES, window="W01", staff="S07")
    store.save(session)
    return store, session.visits[0].id


def test_timeline_marks_good_phrases_and_findings(stored):
    store, visit_id = stored
    visit = replays.load(store, visit_id)
    assert [line.role for line in visit.lines] == ["staff", "customer", "staff", "customer", "staff"]
    greeting = visit.lines[0].marks
    assert [(m.kind, m.label) for m in greeting][:1] == [("good", "您好")]
    taboo = [m for m in visit.lines[2].marks if m.kind == "finding"]
    assert [(m.label, m.severity) for m in taboo] == [("taboo", "critical")]
    assert visit.next_finding(0).label == "taboo"


def test_numbers_are_masked_and_training_is_anonymised(stored):
    store, visit_id = stored
    plain = replays.load(store, visit_id)
    assert plain.lines[1].text == "我的手机号是138****5678" and plain.staff == "S07"
    muted = replays.load(store, visit_id, replays.Anonymise(customer="mute"))
    assert [l.text for l in muted.lines if l.role == "customer"] == ["（顾客讲话）"] * 2
    assert muted.staff == "工作人员"
    dropped = replays.load(store, visit_id, replays.Anonymise(customer="drop"))
    assert {l.role for l in dropped.lines} == {"staff"}
    assert "13812345678" not in repr(muted) + repr(dropped) + repr(plain)


def test_unknown_visit_is_a_clear_error(stored):
    store, _ = stored
    with pytest.raises(InputError, match="no visit 'nope'"):
        replays.load(store, "nope")


def test_clock_pause_seek_and_speed():
    now = [100.0]
    clock = replays.Clock(10.0, now=lambda: now[0])
    now[0] += 2
    assert clock.position() == 12.0
    clock.pause()
    now[0] += 5
    assert clock.position() == 12.0
    clock.pause()
    clock.set_speed(2)
    now[0] += 1
    assert clock.position() == 14.0
    clock.seek(3.0)
    assert clock.position() == 3.0
    clock.set_speed(100)
    assert clock.speed == 4.0


@pytest.mark.slow
def test_each_line_is_shown_within_100_ms_of_its_start(stored):
    store, visit_id = stored
    visit = replays.load(store, visit_id)
    clock = replays.Clock(visit.start)
    shown = []
    began = time.monotonic()
    terminal.step(visit, clock, out=lambda text: shown.append((time.monotonic() - began, text)))
    lines = [(t, text) for t, text in shown[1:] if "✗ 未送别" not in text]
    for (t, _), line in zip(lines, visit.lines):
        assert 0 <= t - (line.start - visit.start) < 0.1


def test_training_collections(run, stored, db_path):
    _, visit_id = stored
    assert run("training", "add", visit_id, "--tag", "taboo", "--db", db_path).stdout \
        == f"{visit_id} 已加入培训集 taboo\n"
    assert "已在培训集" in run("training", "add", visit_id, "--tag", "taboo", "--db", db_path).stdout
    listed = run("training", "list", "--db", db_path).stdout
    assert listed.startswith("taboo") and visit_id in listed
    assert "已从 1 个培训集移出" in run("training", "remove", visit_id, "--db", db_path).stdout
    assert run("training", "list", "--db", db_path).stdout == ""
    bad = run("training", "add", "nope", "--tag", "x", "--db", db_path)
    assert bad.exit_code == 1 and "no visit 'nope'" in bad.stderr


def test_replay_command_steps_through_without_a_terminal(run, stored, db_path):
    _, visit_id = stored
    result = run("replay", visit_id, "--db", db_path, "--speed", "4", "--training")
    assert result.exit_code == 0
    out = result.stdout.splitlines()
    assert out[0].startswith(f"来访 {visit_id} · 窗口 W01 · 工作人员 工作人员")
    assert "（顾客讲话）" in result.stdout and "138" not in result.stdout
    assert any("✗ 服务忌语（严重）" in line for line in out)


def test_replay_runs_at_the_speed_asked_beyond_the_players_keys(run, stored, db_path,
                                                                 monkeypatch):
    """`--speed 1000` (its range's top) is kept, not cut to the +/- keys' 4: a pipe or CI
    steps through a visit in a moment instead of a quarter of its length."""
    _, visit_id = stored
    speeds, stepped = [], terminal.step

    def step(visit, clock, **options):
        speeds.append(clock.speed)
        return stepped(visit, clock, **options)

    monkeypatch.setattr(terminal, "step", step)
    result = run("replay", visit_id, "--db", db_path, "--speed", "1000", "--plain", "--no-audio")
    assert result.exit_code == 0 and "✗ 服务忌语（严重）" in result.stdout
    assert speeds == [1000.0]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_full_screen_player_keys(stored, db_path, tmp_path):
    _, visit_id = stored
    courtesy = [str(Path(sys.executable).parent / "courtesy")]
    name = f"replay{time.monotonic_ns()}"
    command = " ".join(courtesy + ["replay", visit_id, "--db", str(db_path)])
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "30", command],
                   check=True)
    try:
        _wait_for(name, "您好")  # the player has started, however loaded the machine
        subprocess.run(["tmux", "send-keys", "-t", name, " "], check=True)  # pause
        _wait_for(name, "暂停")
        subprocess.run(["tmux", "send-keys", "-t", name, "n"], check=True)  # next finding
        _wait_for(name, "你烦不烦")
        assert "p 显示拼音" in _screen(name)
        subprocess.run(["tmux", "send-keys", "-t", name, "p"], check=True)  # pinyin on
        _wait_for(name, "p 隐藏拼音")
        subprocess.run(["tmux", "send-keys", "-t", name, "q"], check=True)
        time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _wait_for(name: str, text: str, seconds: float = 30.0) -> None:
    """Waits on what the screen shows, not on a time: start-up takes seconds on a loaded box."""
    deadline = time.monotonic() + seconds
    screen = _screen(name)
    while text not in screen and time.monotonic() < deadline:
        screen = _screen(name)
    assert text in screen, screen


def _screen(name: str) -> str:
    time.sleep(0.2)
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True,
                          text=True, check=True).stdout


def test_audio_follows_the_same_clock():
    """The player's audio is read at the clock's position: what plays at a line's start is
    the recording at that line's start."""
    from monitor.replay import Clip
    import numpy as np

    rate = 1000
    samples = (np.arange(5 * rate, dtype=np.float32) / rate).reshape(-1, 1)  # value = seconds
    clip = Clip(samples, rate, start=10.0)  # the clip begins at session second 10
    now = [0.0]
    clock = replays.Clock(12.5, now=lambda: now[0])
    assert terminal.frames_at(clip, clock.position(), 4)[0, 0] == pytest.approx(2.5)
    now[0] += 1.0
    assert terminal.frames_at(clip, clock.position(), 4)[0, 0] == pytest.approx(3.5)
    clock.seek(10.0)
    assert terminal.frames_at(clip, clock.position(), 4)[0, 0] == 0.0
    assert terminal.frames_at(clip, 9.0, 4) is None and terminal.frames_at(clip, 15.5, 4) is None


def test_the_terminal_marks_machine_heard_lines_and_shows_pinyin_on_demand(scorer, db_path):
    store = Store(db_path)
    session = scorer.score([
        utt(0.0, 1.0, "staff", "您好请坐", pinyin="nín hǎo qǐng zuò", heard_by="sherpa"),
        utt(1.2, 2.0, "customer", "我办社保卡"),
        utt(2.1, 3.0, "staff", "请慢走再见")], window="W01", staff="S07")
    store.save(session)
    visit = replays.load(store, session.visits[0].id)
    heard, typed = visit.lines[0], visit.lines[1]
    assert (heard.pinyin, heard.heard_by, typed.pinyin, typed.heard_by) == (
        "nín hǎo qǐng zuò", "sherpa", "", "")
    assert "您好请坐 〔机器识别〕" in terminal.line_text(heard, 0)
    assert "nín" not in terminal.line_text(heard, 0)
    assert terminal.line_text(heard, 0, pinyin=True).split("   [")[0].endswith("‹nín hǎo qǐng zuò›")
    assert "机器识别" not in terminal.line_text(typed, 0)
    shown = []
    terminal.step(visit, replays.Clock(visit.end), out=shown.append, pinyin=True)
    assert shown[1] == "〔机器识别〕由语音自动识别，可能有误" and "‹nín hǎo qǐng zuò›" in shown[2]
