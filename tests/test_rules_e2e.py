"""In a real headless Chromium over waitress: a supervisor opens the rules page from the
header, previews switching a rule off, applies it with the second button, and undoes it
after the confirmation page; the rule's state and the hall's versions follow."""
from __future__ import annotations

import pytest

from monitor import rulechanges

from .conftest import CHROMIUM
from .test_review_e2e import log_in, served  # noqa: F401 (a fixture: the review app served)
from .test_web_e2e import shot

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]


def test_a_supervisor_previews_applies_and_undoes_a_rule_change(served, browser):
    from playwright.sync_api import expect

    base, store, _ = served
    page = log_in(browser, base, "zhang", "/review")
    page.click("header >> text=规则")
    taboo = page.locator("#rule-taboo")
    expect(taboo).to_have_attribute("data-enabled", "yes")
    expect(taboo.locator("ul.conditions")).to_contain_text("说话人是谁没有把握")
    taboo.locator("details.change summary").click()  # the change form, folded
    taboo.locator("form.tune input[name=reason]").fill("本厅另行考核")
    taboo.get_by_role("button", name="预览停用").click()
    expect(page.locator("p.totals")).to_contain_text("消失")
    shot(page, "rules-preview")
    assert rulechanges.changes(store) == []  # a preview stores nothing
    page.click("text=确认应用")
    expect(page.locator("p.done")).to_contain_text("已应用：本厅规则版本 1")
    expect(page.locator("#rule-taboo")).to_have_attribute("data-enabled", "no")
    page.locator("tr[data-version='1'] input[name=reason]").fill("误判")
    page.locator("tr[data-version='1'] button").click()
    page.click("text=确认撤销")
    expect(page.locator("p.done")).to_contain_text("已撤销：本厅规则版本 2")
    expect(page.locator("#rule-taboo")).to_have_attribute("data-enabled", "yes")
    shot(page, "rules-undone")
    assert [a.action for a in store.audit(action="rule_change")] == ["rule_change"] * 2
