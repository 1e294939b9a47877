"""The replay page in a real headless browser opens at the moment the review queue links
to (#t=SECONDS): paused there, that line current."""
import pytest

from .conftest import CHROMIUM
from .test_web_replay_e2e import log_in, served  # noqa: F401 (served is a fixture)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                                "/usr/bin/chromium (scripts/system-packages.sh installs it)")


def test_the_page_opens_at_the_linked_moment(served, browser):  # noqa: F811
    from playwright.sync_api import expect

    _, visit_id, start = served
    base = start()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, f"{base}/replay/{visit_id}")
    expect(page.locator(".line").first).to_have_class("line current")  # no fragment: at 0
    page.goto("about:blank")
    page.goto(f"{base}/replay/{visit_id}#t=2.1")  # the taboo, 2.1 s into the visit
    expect(page.locator(".line").nth(2)).to_have_class("line current")
    assert page.locator("#position").inner_text().startswith("00:02.1")
    assert page.locator("#play").inner_text() == "播放"  # paused there
    page.evaluate("location.hash = '#t=2.8'")  # another link on the same page
    expect(page.locator(".line").nth(3)).to_have_class("line current")
    assert page.locator(".line.current").count() == 1
