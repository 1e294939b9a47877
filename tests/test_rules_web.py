"""The rules page through Flask's test client: each rule with its conditions in Chinese
and its precision from reviews; a change previewed (nothing stored changes), applied with a
second button and its audit row, undone after a confirmation; who may do it."""
from __future__ import annotations

from monitor import review, rulechanges

from .test_review import finding
from .test_review_web import app, client, login, store, visits  # noqa: F401 (fixtures)
from .test_tuning import _digest

OFF = {"rule": "taboo", "change": "enabled", "value": "false", "days": "30",
       "reason": "本厅另行考核"}


def test_each_rule_shows_its_conditions_and_precision(client, store, visits):
    review.review(store, finding(store, visits["taboo"], "taboo"), "dismiss", "customer", "root")
    login(client, "zhang")
    page = client.get("/review/rules").text
    assert 'id="rule-first_asked"' in page and "推诿未指引" in page and "首问负责" in page
    assert "以下任一成立" in page and "听到「推脱」类用语" in page  # conditions in Chinese
    assert "内置代码规则" in page  # greeting stays code
    section = page[page.index('id="rule-taboo"'):page.index('id="rule-please"')]
    assert "准确率 <b>0%</b>（确认 0，驳回 1）" in section
    assert 'href="/review/rules"' in page  # in the shared header


def test_preview_then_apply_with_its_audit_row_then_undo(client, store, visits, db_path):
    token = login(client, "zhang")
    before = _digest(db_path)
    shown = client.post("/review/rules/preview", data={**OFF, "csrf": token})
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert "规则“服务忌语”启用/停用 false" in html and "消失" in html
    assert 'action="/review/rules/apply"' in html
    assert _digest(db_path) == before  # a preview stores nothing
    applied = client.post("/review/rules/apply", data={**OFF, "csrf": token})
    assert applied.status_code in (302, 303)
    assert [(c.rule, c.change, c.value) for c in rulechanges.changes(store)] == [
        ("taboo", "enabled", "false")]
    assert [a.target for a in store.audit(action="rule_change")] == ["rule:taboo"]
    assert 'data-rule="taboo" data-enabled="no"' in client.get("/review/rules").text
    asked = client.post("/review/rules/undo", data={"version": "1", "reason": "误判",
                                                    "csrf": token})
    assert "确认撤销" in asked.text and len(rulechanges.changes(store)) == 1
    undone = client.post("/review/rules/undo", data={"version": "1", "reason": "误判",
                                                     "confirmed": "1", "csrf": token})
    assert undone.status_code in (302, 303)
    assert 'data-rule="taboo" data-enabled="yes"' in client.get("/review/rules").text


def test_a_parameter_change_and_a_bad_one(client, store, visits):
    token = login(client, "zhang")
    turns = {"rule": "first_asked", "change": "param", "param": "turns", "value": "2",
             "reason": "两句内指引也算", "csrf": token}
    assert client.post("/review/rules/preview", data=turns).status_code == 200
    assert client.post("/review/rules/apply", data=turns).status_code in (302, 303)
    assert 'value="2"' in client.get("/review/rules").text
    bad = client.post("/review/rules/preview", data={**turns, "value": "-3"})
    assert bad.status_code == 409 and "0 到 86400" in bad.text
    no_reason = client.post("/review/rules/apply", data={**turns, "reason": ""})
    assert no_reason.status_code == 409 and "原因" in no_reason.text
    assert client.post("/review/rules/apply", data={**turns, "csrf": "nope"}).status_code == 403
    assert len(rulechanges.changes(store)) == 1


def test_an_admin_may_change_rules_and_a_viewer_may_not(app, store, visits):
    admin, viewer = app.test_client(), app.test_client()
    assert admin.post("/review/rules/preview",
                      data={**OFF, "csrf": login(admin, "root")}).status_code == 200
    refused = viewer.post("/review/rules/apply", data={**OFF, "csrf": login(viewer, "li")})
    assert refused.status_code == 403 and rulechanges.changes(store) == []
    assert viewer.get("/review/rules").status_code == 403
