"""The lexicon page through Flask's test client: a phrase's change previewed (nothing
stored changes), applied with a second button and its audit row, undone; who may do it."""
from __future__ import annotations

from monitor import review

from .test_review import finding
from .test_review_web import app, client, login, store, visits  # noqa: F401 (fixtures)
from .test_tuning import _digest

OFF = {"phrase": "你烦不烦", "kind": "taboo", "change": "off", "value": "", "days": "30",
       "reason": "多为顾客所说"}


def test_preview_then_apply_with_its_audit_row_then_undo(client, store, visits, db_path):
    review.review(store, finding(store, visits["taboo"], "taboo"), "dismiss", "customer", "root")
    token = login(client, "zhang")
    page = client.get("/review/lexicon").text
    assert 'name="phrase" value="你烦不烦"' in page and "当前版本 0" in page
    before = _digest(db_path)
    shown = client.post("/review/lexicon/preview", data={**OFF, "csrf": token})
    assert shown.status_code == 200, shown.text
    assert _digest(db_path) == before
    html = shown.text
    assert "停用" in html and "消失 1" in html and "新增 0" in html and "已驳回" in html
    assert "不合格 0" in html and "待改进" in html  # the taboo visit's verdict would turn
    assert 'action="/review/lexicon/apply"' in html
    applied = client.post("/review/lexicon/apply", data={**OFF, "csrf": token})
    assert applied.status_code == 302
    assert store.lexicon_version() == 1
    entry, = store.audit(action="lexicon_change")
    assert (entry.actor, entry.target, entry.detail, entry.origin) == (
        "zhang", "lexicon:taboo:你烦不烦", "off", "127.0.0.1")
    page = client.get(applied.headers["Location"]).text
    assert "已应用：词库版本 1" in page and "v1" in page and "多为顾客所说" in page
    assert "本厅已停用" in page and 'name="phrase" value="你烦不烦"' not in page
    asked = client.post("/review/lexicon/undo", data={"version": "1", "reason": "误判",
                                                      "csrf": token})
    assert asked.status_code == 200 and store.lexicon_version() == 1  # asked first
    assert "确定撤销版本 v1" in asked.text and 'name="confirmed" value="1"' in asked.text
    undone = client.post("/review/lexicon/undo", data={"version": "1", "reason": "误判",
                                                       "confirmed": "1", "csrf": token})
    assert undone.status_code == 302 and store.lexicon_version() == 2
    assert "（已撤销）" in client.get("/review/lexicon").text


def test_a_bad_change_is_refused_and_nothing_stored(client, store, visits):
    token = login(client, "zhang")
    bad = client.post("/review/lexicon/preview",
                      data={**OFF, "change": "threshold", "value": "20", "csrf": token})
    assert bad.status_code == 409 and "阈值" in bad.text
    no_reason = client.post("/review/lexicon/apply", data={**OFF, "reason": "", "csrf": token})
    assert no_reason.status_code == 409 and "原因" in no_reason.text
    forged = client.post("/review/lexicon/apply", data={**OFF, "csrf": "nope"})
    assert forged.status_code == 403
    assert store.lexicon_version() == 0 and not store.audit(action="lexicon_change")


def test_an_admin_may_tune_and_a_viewer_may_not(app, store, visits):
    admin, viewer = app.test_client(), app.test_client()
    assert admin.post("/review/lexicon/preview",
                      data={**OFF, "csrf": login(admin, "root")}).status_code == 200
    refused = viewer.post("/review/lexicon/apply", data={**OFF, "csrf": login(viewer, "li")})
    assert refused.status_code == 403 and store.lexicon_version() == 0


def test_an_admin_may_do_what_a_supervisor_does_on_replay_and_health(app, store, visits):
    admin, viewer = app.test_client(), app.test_client()
    token = login(admin, "root")
    login(viewer, "li")
    url = f"/replay/{visits['taboo']}"
    assert viewer.get(url).status_code == 404  # not a training visit: a viewer cannot tell
    assert admin.get(url).status_code == 200
    tagged = admin.post(f"{url}/training", data={"tag": "taboo", "csrf": token})
    assert tagged.status_code in (200, 302, 303), tagged.text
    assert store.visit_tags(visits["taboo"])
    assert admin.get("/health").status_code == 200
    assert viewer.get("/health").status_code == 403


def test_the_user_bar_names_each_role(app, store):
    for name, label in (("root", "管理员"), ("zhang", "值班主管"), ("liu", "工作人员"),
                        ("li", "查看人员")):
        client = app.test_client()
        login(client, name)
        assert f"<span>{label}：{name}</span>" in client.get("/users").text


def test_losing_a_confirmed_finding_is_shown_as_bad_news(client, store, visits):
    review.review(store, finding(store, visits["taboo"], "taboo"), "confirm", "", "root")
    token = login(client, "zhang")
    html = client.post("/review/lexicon/preview", data={**OFF, "csrf": token}).text
    assert 'class="gone" data-severity="critical" data-outcome="bad"' in html
    assert "1 条消失的检出已由复核确认" in html
