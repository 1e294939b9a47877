"""The rules page through Flask's test client: each rule with its conditions in Chinese
and its precision from reviews; a change previewed (nothing stored changes), applied with a
second button and its audit row, undone after a confirmation; who may do it."""
from __future__ import annotations

import html
import json
import re

import pytest

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


# the new-rule form as a supervisor fills it: a staff line with 请稍等, not followed within
# one staff turn (this one included) by how many minutes
NEW = {"change": "add", "name": "让等未说时长", "prompt": "请告诉群众大约要等多久",
       "norm": "等候告知", "severity": "minor", "deduction": "5", "on": "line", "join": "all",
       "c1.op": "line", "c1.who": "staff", "c1.what": "says", "c1.text": "请稍等、稍等一下",
       "c2.op": "followed", "c2.not": "1", "c2.number": "1", "c2.unit": "turns", "c2.same": "1",
       "c2.who": "staff", "c2.what": "regex", "c2.text": "(大约|大概)[一二三四五六七八九十0-9]+分钟",
       "detail": "未说要等多久：{原话}", "days": "30", "reason": "本厅要求说明等候时长"}


def test_a_new_rule_written_in_the_form_is_previewed_applied_and_undone(client, store, visits):
    token = login(client, "zhang")
    page = client.get("/review/rules").text
    assert "新建规则" in page and 'value="hall_1"' in page  # a free id offered
    assert 'title="形如 hall_1、hall_2（开头与之相同）' in page  # the hint says what the check asks
    shown = client.post("/review/rules/preview", data={**NEW, "csrf": token})
    assert shown.status_code == 200, shown.text
    assert "新建规则“让等未说时长”" in shown.text and "新规则怎样判断" in shown.text
    assert "说了下列词之一：「请稍等」、「稍等一下」" in shown.text and "以下不成立" in shown.text
    assert 'name="value" value="{&#34;id&#34;: &#34;hall_1&#34;' in shown.text  # applied as shown
    assert rulechanges.changes(store) == []
    apply = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', shown.text))
    made = client.post("/review/rules/apply", data={**{k: html.unescape(v) for k, v in
                                                      apply.items()}, "reason": "本厅要求"})
    assert made.status_code in (302, 303), made.text
    [added] = rulechanges.changes(store)
    assert (added.rule, added.change) == ("hall_1", "add")
    assert json.loads(added.value)["detail"] == "未说要等多久：{quote}"  # as the rule names it
    page = client.get("/review/rules").text
    section = page[page.index('id="rule-hall_1"'):]
    assert "让等未说时长" in section and "本厅新建规则" in section and "条件1的词" in section
    assert "新建规则" in page[page.index('class="audit changes"'):]
    undone = client.post("/review/rules/undo", data={"version": "1", "reason": "试行结束",
                                                     "confirmed": "1", "csrf": token})
    assert undone.status_code in (302, 303)
    assert 'id="rule-hall_1"' not in client.get("/review/rules").text


@pytest.mark.parametrize("wrong,field,says", [
    ({"name": " "}, "name", "名称：不能为空"),
    ({"c2.number": "两"}, "c2.number", "条件 2（其后几句内）：请填整数"),
    ({"c2.number": "99"}, "c2.number", "须在 1 到 20 之间"),
    ({"c1.text": "、"}, "c1.text", "条件 1：请写至少一个词"),
    ({"c2.text": "(分钟"}, "c2.text", "条件 2：正则表达式写得不对"),
    ({"on": "visit"}, "c1.op", "只能用于逐句判断的规则"),
    ({"id": "taboo"}, "id", "须以 hall_ 开头"),
    ({"detail": "{谁}"}, "detail", "检出说明：不认识 {谁}"),
    ({"c1.op": "", "c2.op": ""}, "c1.op", "至少要有一个条件"),
])
def test_a_mistake_in_the_form_names_its_field_and_keeps_what_was_written(
        client, store, wrong, field, says):
    token = login(client, "zhang")
    shown = client.post("/review/rules/preview", data={**NEW, **wrong, "csrf": token})
    assert shown.status_code == 422
    text = html.unescape(shown.text)
    assert says in text and 'id="form-error"' in text
    assert re.search(rf'name="{re.escape(field)}"[^>]*aria-invalid="true"', text)
    assert 'value="请告诉群众大约要等多久"' in text and 'value="本厅要求说明等候时长"' in text
    assert rulechanges.changes(store) == []


def test_one_form_a_rule_the_button_says_which_change(client, store, visits):
    token = login(client, "zhang")
    form = {"rule": "first_asked", "value.param:turns": "2", "value.deduction": "10",
            "reason": "两句内指引也算", "csrf": token}
    shown = client.post("/review/rules/preview", data={**form, "pick": "param:turns"})
    assert shown.status_code == 200 and "参数 turns=2" in shown.text
    assert '<input type="hidden" name="param" value="turns">' in shown.text
    deduction = client.post("/review/rules/preview", data={**form, "pick": "deduction"})
    assert "扣分 10" in deduction.text


def test_a_viewer_and_a_staff_member_may_not_write_a_rule(app, store, visits):
    for name in ("li", "liu"):
        other = app.test_client()
        token = login(other, name)
        assert other.post("/review/rules/preview",
                          data={**NEW, "csrf": token}).status_code == 403
        assert other.get("/review/rules").status_code == 403
        assert 'href="/review/rules"' not in other.get("/").text
    assert rulechanges.changes(store) == []
