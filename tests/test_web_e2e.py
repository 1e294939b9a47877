"""End to end in a real headless browser: a sample session is played through the live
pipeline while `courtesy serve` pushes the lights to the board; a supervisor logs in and
acknowledges the red. Screenshots of each step go to tests/artifacts/."""
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from monitor.accounts import add_user
from monitor.records import Heartbeat, LightEvent
from monitor.storage import Store

from .conftest import CHROMIUM, ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
COURTESY = str(Path(sys.executable).parent / "courtesy")
PASSWORD = "counter-supervisor"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (`make test` installs it: scripts/system-packages.sh)")


HALL_TOML = """[windows.W03]
name = "出入境窗口"

[windows.W05]
name = "户籍窗口"
"""


@pytest.fixture
def board(db_path, board_server, tmp_path):
    """The board over a fresh database with one supervisor, for a hall of two windows."""
    add_user(Store(db_path), "zhang", "supervisor", PASSWORD)
    hall = tmp_path / "hall.toml"
    hall.write_text(HALL_TOML, encoding="utf-8")
    return board_server("--config", str(hall))


def shot(page, name: str) -> None:
    """Save a screenshot artefact. Chromium sometimes refuses a capture while it paints
    ("Unable to capture screenshot"); a screenshot is evidence, not a check, so try again."""
    from playwright.sync_api import Error

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            return
        except Error:
            if attempt == 2:
                raise
            page.wait_for_timeout(200)


def test_board_follows_a_played_session_and_a_supervisor_acknowledges(board, browser, db_path):
    from playwright.sync_api import expect

    store = Store(db_path)
    # A window whose cause quotes HTML: the board must show it as text, never run it.
    store.add_light_event(LightEvent(
        "W09", "yellow", "green", datetime.now().astimezone(), rule="please",
        quote='<img src=x onerror=alert(1)><script>alert(2)</script>'))
    hall = browser.new_page(viewport={"width": 1600, "height": 900})
    dialogs = []
    hall.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hall.goto(board + "/")
    expect(hall.locator("[data-conn]")).to_have_attribute("data-ok", "1")
    counter = browser.new_page(viewport={"width": 800, "height": 480})
    counter.goto(board + "/window/W03")
    expect(counter.locator("[data-conn]")).to_have_attribute("data-ok", "1")

    player = subprocess.Popen(
        [COURTESY, "play", str(ROOT / "audio" / "hospital_taboo.jsonl"), "--window", "W03",
         "--profile", "hospital", "--speed", "3", "--red-hold", "2", "--linger", "60",
         "--db", str(db_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tile = hall.locator('[data-tile][data-window="W03"]')
        for n, state in enumerate(("green", "yellow", "red"), 1):
            # generous: at load 14 the player's start and heartbeats lag (the tile even shows
            # 监测程序无响应 for a while); the order of the states is what is asserted
            expect(tile).to_have_attribute("data-state", state, timeout=60_000)
            shot(hall, f"e2e-{n}-{state}")
        expect(tile.locator(".cause")).to_have_text("服务忌语：你烦不烦")
        expect(counter.locator("body")).to_have_attribute("data-state", "red")
        # the counter screen prompts the staff member; what was said stays on the board
        expect(counter.locator(".cause")).to_have_text("请注意文明用语")
        assert "你烦不烦" not in counter.content() and "分 ·" not in counter.content()
        shot(counter, "e2e-3-red-counter")

        time.sleep(2.0)  # the red hold (2 s at speed 3) is over: red waits for a supervisor
        expect(tile).to_have_attribute("data-state", "red")
        expect(tile.locator(".state")).to_have_text("严重 · 待确认")
        assert player.poll() is None
        shot(hall, "e2e-4-red-held")

        hall.get_by_role("link", name="登录", exact=True).click()
        hall.get_by_label("用户名").fill("zhang")
        hall.get_by_label("密码").fill(PASSWORD)
        hall.get_by_role("button", name="登录").click()
        expect(hall.locator("nav.user")).to_contain_text("值班主管：zhang")
        shot(hall, "e2e-4-red-supervisor")
        tile.get_by_role("button", name="确认红灯").click()
        expect(tile.locator(".acked")).to_contain_text("已由 zhang")
        expect(tile).not_to_have_attribute("data-state", "red", timeout=10_000)
        after_ack = tile.get_attribute("data-state")
        shot(hall, f"e2e-5-acknowledged-{after_ack}")
        expect(counter.locator("body")).to_have_attribute("data-state", after_ack)
        shot(counter, f"e2e-5-acknowledged-{after_ack}-counter")

        # the visit ends (off), then play stops and says so: nobody listens any more
        expect(tile).to_have_attribute("data-state", re.compile("off|interrupted"),
                                       timeout=30_000)
        shot(hall, "e2e-6-off")
        output, errors = player.communicate(timeout=30)
        expect(tile).to_have_attribute("data-state", "interrupted", timeout=10_000)
        expect(tile).to_contain_text("监测中断")
    finally:
        player.kill()
    assert player.returncode == 0, errors

    stored = [(e.previous, e.state) for e in store.light_events(window="W03")]
    assert stored[:3] == [("off", "green"), ("green", "yellow"), ("yellow", "red")]
    assert stored[3] == ("red", after_ack)  # what the state machine said on its next tick
    assert stored[-1][1] == "off"
    red_id = store.light_events(window="W03")[2].id
    assert store.ack_of(red_id).user == "zhang"

    escaped = hall.locator('[data-tile][data-window="W09"] .cause')
    expect(escaped).to_have_text("缺“请”字：<img src=x onerror=alert(1)><script>alert(2)</script>")
    assert dialogs == []


def test_a_window_whose_monitor_dies_shows_interrupted_and_comes_back(board, browser, db_path):
    """Hall names on the tiles from the start; a monitor killed with -9 writes nothing more,
    yet its tile turns to 监测中断 within 10 s, and back to its light when beats resume."""
    from playwright.sync_api import expect

    store = Store(db_path)
    now = datetime.now().astimezone()
    store.add_light_event(LightEvent("W05", "yellow", "green", now, rule="please"))
    store.beat(Heartbeat("W05", "listen 1@host", now, "listening", started_at=now))
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    page.goto(board + "/")
    expect(page.locator("[data-conn]")).to_have_attribute("data-ok", "1")
    tile = page.locator('[data-tile][data-window="W05"]')
    expect(page.locator('[data-tile][data-window="W03"] .name')).to_have_text("出入境窗口")
    expect(tile.locator(".name")).to_have_text("户籍窗口")
    expect(tile).to_have_attribute("data-state", "yellow")
    started = time.monotonic()  # no more beats from here on: the monitor is dead
    expect(tile).to_have_attribute("data-state", "interrupted", timeout=10_000)
    assert time.monotonic() - started < 10
    expect(tile.locator(".state")).to_have_text("监测中断")
    expect(tile).to_have_class(re.compile(r"\binterrupted\b"))
    expect(tile.locator(".since")).to_have_text(f"{now:%H:%M:%S} 起")
    shot(page, "e2e-liveness-interrupted")
    store.beat(Heartbeat("W05", "listen 2@host", datetime.now().astimezone(), "listening"))
    expect(tile).to_have_attribute("data-state", "yellow", timeout=10_000)
    shot(page, "e2e-liveness-back")
