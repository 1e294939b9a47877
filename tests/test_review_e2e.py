"""In a real headless Chromium over waitress: a supervisor works the review queue with the
keyboard only (j/k, 1-4, c/d), under the app's CSP (the page's script is a static file);
a staff member appeals, a supervisor overturns, and the report changes with it."""
from __future__ import annotations

import threading

import pytest

from monitor import accounts, reports
from monitor.config import Hall
from monitor.storage import Store

from .conftest import CHROMIUM
from .test_review import DAY, seed
from .test_review_web import PASSWORD, review_app
from .test_web_e2e import shot

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]


@pytest.fixture
def served(db_path, scorer, tmp_path):
    """The app with the review pages, served by waitress on a free port."""
    from waitress import create_server

    store = Store(db_path)
    accounts.add_user(store, "zhang", "supervisor", PASSWORD)
    accounts.add_user(store, "liu", "staff", PASSWORD, staff="S12")
    visits = seed(store, scorer, tmp_path)
    app = review_app(db_path)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", store, visits
    server.close()
    app.extensions["courtesy_hub"].stop()
    thread.join(timeout=5)


def log_in(browser, base, name, target):
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    return page


def test_staff_appeal_a_supervisor_overturns_and_the_report_follows(served, browser):
    from playwright.sync_api import expect

    base, store, visits = served
    day = reports.ReportOptions(DAY, DAY)
    before = reports.to_json(reports.build(store, day, Hall()))["summary"]
    staff = log_in(browser, base, "liu", "/me?from=2026-11-01%26to=2026-11-30")
    expect(staff.locator("#average")).to_have_text("65.0")
    row = staff.locator("li", has_text="未问候")
    row.locator("input[name=reason]").fill("我说了您好，是机器没听清")
    row.locator("button", has_text="申诉").click()
    expect(staff.locator("li", has_text="未问候")).to_contain_text("已申诉")
    boss = log_in(browser, base, "zhang", "/appeals")
    appeal = boss.locator("tr[data-status=open]")
    expect(appeal).to_contain_text("我说了您好")
    appeal.locator("input[name=note]").fill("录音里有问候")
    appeal.locator("button", has_text="撤销检出").click()
    expect(boss.locator("tr[data-status=overturned]")).to_contain_text("zhang")
    staff.reload()
    expect(staff.locator("#average")).to_have_text("85.0")
    expect(staff.locator("li", has_text="未问候")).to_contain_text("申诉：已撤销")
    shot(staff, "review-appeal-staff")
    after = reports.to_json(reports.build(store, day, Hall()))["summary"]
    assert (before["score_avg"], after["score_avg"]) == (55.0, round((100 + 0 + 85) / 3, 1))
    assert after["findings"] == before["findings"] - 1


def test_a_supervisor_works_the_queue_with_the_keyboard(served, browser):
    from playwright.sync_api import expect

    base, store, visits = served
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{base}/login?next=/review?day={DAY}")
    page.fill("input[name=name]", "zhang")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    items = page.locator("#queue .item")
    expect(items.first).to_have_class("item current")
    total = items.count()
    assert total >= 4 and items.first.get_attribute("data-severity") == "critical"
    first = items.nth(0).get_attribute("data-finding")
    second = items.nth(1).get_attribute("data-finding")
    shot(page, "review-queue")
    page.keyboard.press("j")
    expect(items.nth(1)).to_have_class("item current")
    page.keyboard.press("2")  # 顾客所说
    page.keyboard.press("d")
    expect(page.locator("#count")).to_have_attribute("data-count", str(total - 1))
    expect(items.first).to_have_class("item current")  # the reloaded page's keys are live
    page.keyboard.press("k")  # back at the top after the reload: stays on the first
    page.keyboard.press("c")
    expect(page.locator("#count")).to_have_attribute("data-count", str(total - 2))
    shot(page, "review-queue-after")
    latest = store.latest_reviews([first, second])
    assert (latest[second].decision, latest[second].reason) == ("dismiss", "customer")
    assert (latest[first].decision, latest[first].reason) == ("confirm", "")
    assert [e.actor for e in store.audit(action="review")] == ["zhang", "zhang"]
    assert [m for m in missing if not m.endswith("/favicon.ico")] == []
    assert [p for p in problems if "404" not in p] == []  # no CSP violation, no script error
