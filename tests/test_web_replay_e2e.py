"""The replay page in a real headless browser, served by `courtesy serve`: the recording
plays through the page's audio player, and a click on a transcript line seeks there."""
import pytest

from monitor.accounts import add_user
from monitor.storage import Store

from .conftest import CHROMIUM
from .test_web_e2e import shot
from .test_web_replay import HALL, LINES, PASSWORD, T0, write_recording

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                                "/usr/bin/chromium (scripts/system-packages.sh installs it)")


@pytest.fixture
def served(db_path, tmp_path, board_server, scorer):
    store = Store(db_path)
    add_user(store, "zhang", "supervisor", PASSWORD)
    store.save(scorer.score(LINES, window="W01", staff="S07", started_at=T0))
    visit_id = store.db.execute("select id from visits").fetchone()[0]
    hall = tmp_path / "hall.toml"
    hall.write_text(HALL, encoding="utf-8")
    return store, visit_id, lambda: board_server("--config", str(hall))


def log_in(page, url):
    page.goto(url)
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_clicking_a_line_seeks_the_player_there(served, browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    store, visit_id, start = served
    store.save_recording(write_recording(tmp_path / "W01-093000.flac"))
    base = start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed = []  # the page's own requests (the audio's ranges among them); no favicon here
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    log_in(page, f"{base}/replay/{visit_id}")
    expect(page.locator("h1")).to_have_text("来访回放")
    # polled from here: the page's CSP forbids the eval a wait_for_function predicate needs
    for _ in range(200):
        if page.evaluate("document.getElementById('audio').readyState") >= 1:
            break
        page.wait_for_timeout(50)
    offset = float(page.locator("#audio").get_attribute("data-offset"))
    duration = page.evaluate("document.getElementById('audio').duration")
    assert duration == pytest.approx(6.1, abs=0.05)  # the visit and a second each side

    line = page.locator(".line").nth(2)  # the taboo, 2.1 s into the visit
    line.click()
    now = page.evaluate("document.getElementById('audio').currentTime")
    assert abs(now - (2.1 - offset)) < 0.3
    expect(line).to_have_class("line current")
    page.locator(".tick").first.click()  # the finding's mark on the timeline
    assert abs(page.evaluate("document.getElementById('audio').currentTime") - (2.1 - offset)) < 0.3
    page.locator(".line").nth(3).click()  # 2.8 s; playing on, the highlight follows
    expect(page.locator(".line").nth(4)).to_have_class("line current", timeout=3000)
    assert page.locator(".line.current").count() == 1
    page.evaluate("document.getElementById('audio').pause()")
    shot(page, "replay-1-recording")
    assert failed == []


def test_without_a_recording_a_timer_steps_through(served, browser):  # noqa: F811
    from playwright.sync_api import expect

    store, visit_id, start = served
    store.add_training(visit_id, "taboo", note="忌语之后的补救")
    base = start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, f"{base}/training")
    shot(page, "replay-2-training-list")
    page.get_by_role("link", name="回放").click()
    expect(page).to_have_url(f"{base}/replay/{visit_id}?training=1")
    expect(page.locator("#play")).to_be_visible()
    page.locator("#play").click()
    expect(page.locator(".line").nth(1)).to_have_class("line current", timeout=3000)
    expect(page.locator(".line").nth(4)).to_have_class("line current", timeout=6000)
    expect(page.locator("#play")).to_have_text("播放", timeout=3000)  # stopped at the end
    page.locator(".line").nth(2).click()
    expect(page.locator(".line").nth(2)).to_have_class("line current")
    page.locator("#play").click()
    shot(page, "replay-3-training-timer")
    assert "王芳" not in page.content()


def test_show_pinyin_toggles_what_the_recogniser_heard(served, browser, scorer):  # noqa: F811
    from playwright.sync_api import expect

    from .test_web_replay import HEARD

    store, _, start = served
    heard = scorer.score(HEARD, window="W01", staff="S07", started_at=T0)
    store.save(heard)
    base = start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, f"{base}/replay/{heard.visits[0].id}")
    first = page.locator(".line").first
    expect(first.locator(".machine")).to_have_text("机器识别")
    expect(first.locator(".text")).to_have_attribute(
        "title", "由语音自动识别，可能有误；拼音：nín hǎo qǐng zuò")
    expect(first.locator(".pinyin")).to_be_hidden()
    page.get_by_role("button", name="显示拼音").click()
    expect(first.locator(".pinyin")).to_be_visible()
    expect(first.locator(".pinyin")).to_have_text("nín hǎo qǐng zuò")
    expect(page.locator(".line").last.locator(".pinyin")).to_have_count(0)  # typed
    shot(page, "replay-4-pinyin")
    page.get_by_role("button", name="隐藏拼音").click()
    expect(first.locator(".pinyin")).to_be_hidden()
