"""The review pages through Flask's test client, on the app `create_app` builds (its own
store, CSRF check and error page) with the review blueprint registered: the queue, one POST
per decision, sampling and added findings, staff appeals and supervisor decisions, the audit
page and export, accounts."""
from __future__ import annotations

import re

import pytest

from monitor import accounts, review
from monitor.config import Hall
from monitor.storage import Store
from monitor.web import WebOptions, create_app

from .test_review import DAY, finding, seed

PASSWORD = "correct horse battery"


def review_app(db_path, hall: Hall | None = None):
    """The web app, review pages included."""
    return create_app(db_path, WebOptions(poll_s=0.02, heartbeat_s=0.2), hall)


@pytest.fixture
def store(db_path):
    store = Store(db_path)
    accounts.add_user(store, "root", "admin", PASSWORD)
    accounts.add_user(store, "zhang", "supervisor", PASSWORD)
    accounts.add_user(store, "liu", "staff", PASSWORD, staff="S12")
    accounts.add_user(store, "li", "viewer", PASSWORD)
    return store


@pytest.fixture
def visits(store, scorer, tmp_path):
    return seed(store, scorer, tmp_path)


@pytest.fixture
def app(db_path, store):
    app = review_app(db_path)
    yield app
    app.extensions["courtesy_hub"].stop()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, name) -> str:
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token,
                                           "next": "/"})
    assert response.status_code == 302, response.text
    with client.session_transaction() as session:
        return session["csrf"]


def test_the_queue_is_for_supervisors_gravest_first_with_quote_norm_and_replay(
        client, visits):
    assert client.get("/review").status_code == 302  # to the login page
    login(client, "li")
    assert client.get(f"/review?day={DAY}").status_code == 403
    client.post("/logout")
    login(client, "zhang")
    html = client.get(f"/review?day={DAY}").text
    first = html.index('data-severity="critical"')
    assert first < html.index('data-severity="major"')
    assert "服务忌语" in html and "你烦不烦" in html and "违反“来有迎声”" in html
    assert f'/replay/{visits["taboo"]}#t=' in html
    assert "一三八一二三四五六七八" not in html  # the customer's number is masked
    assert "<script>" not in html and 'src="/static/review.js"' in html
    only = client.get(f"/review?day={DAY}&staff=S12&rule=greeting").text
    assert only.count('class="item"') == 1


def test_one_post_decides_and_needs_the_csrf_token(client, store, visits):
    token = login(client, "zhang")
    greeting = finding(store, visits["ungreeted"], "greeting")
    data = {"finding": greeting, "decision": "dismiss", "reason": "misheard", "note": "听错了"}
    assert client.post("/review/decide", data=data).status_code == 403  # no token
    assert store.db["reviews"].count == 0 and not store.audit(action="review")
    back = f"/review?day={DAY}"
    response = client.post("/review/decide", data={**data, "csrf": token, "back": back})
    assert response.status_code == 302 and response.location.endswith(back)
    assert review.effective(store, visits["ungreeted"]).score == 85.0
    entry = store.audit(action="review")[0]
    assert (entry.actor, entry.target, entry.origin) == ("zhang", greeting, "127.0.0.1")
    assert greeting not in client.get(back).text
    bad = client.post("/review/decide", data={**data, "reason": "whim", "csrf": token})
    assert bad.status_code == 409 and "理由“whim”无效" in bad.text


def test_a_sample_includes_passed_visits_and_a_missed_finding_is_added(client, store, visits):
    token = login(client, "zhang")
    html = client.get(f"/review/sample?day={DAY}&n=10").text
    assert html.count('class="visit"') == 3 and "合格" in html
    response = client.post(f"/review/visit/{visits['good']}/add", data={
        "rule": "please", "severity": "minor", "offset": "12", "note": "漏了请字",
        "csrf": token, "back": f"/review/sample?day={DAY}"})
    assert response.status_code == 302
    assert review.effective(store, visits["good"]).score == 97.5
    html = client.get(f"/review/sample?day={DAY}&n=10").text
    assert "人工补录（zhang）：漏了请字" in html and "自动评分 100" in html
    assert client.post(f"/review/visit/{visits['good']}/add", data={
        "rule": "please", "severity": "minor", "offset": "x", "csrf": token}).status_code == 400


def test_staff_see_only_their_own_record_appeal_and_a_supervisor_decides(
        app, store, visits):
    staff, boss = app.test_client(), app.test_client()
    token = login(staff, "liu")
    html = staff.get("/me?from=2026-11-01&to=2026-11-30").text
    assert html.count('class="visit"') == 1 and "未问候" in html
    assert "你烦不烦" not in html  # S07's visit is not theirs
    assert staff.get("/review").status_code == 403 and staff.get("/appeals").status_code == 403
    taboo = finding(store, visits["taboo"], "taboo")
    refused = staff.post("/me/appeal", data={"finding": taboo, "reason": "x", "csrf": token})
    assert refused.status_code == 409 and "只能对自己的" in refused.text
    greeting = finding(store, visits["ungreeted"], "greeting")
    assert staff.post("/me/appeal", data={"finding": greeting, "reason": "我说了您好",
                                          "csrf": token}).status_code == 302
    boss_token = login(boss, "zhang")
    page = boss.get("/appeals").text
    appeal_id = re.search(r'data-appeal="(\d+)" data-status="open"', page).group(1)
    assert "我说了您好" in page
    assert boss.post(f"/appeals/{appeal_id}", data={
        "status": "overturned", "note": "录音确有问候", "csrf": boss_token}).status_code == 302
    html = staff.get("/me?from=2026-11-01&to=2026-11-30").text
    assert "申诉：已撤销（zhang：录音确有问候）" in html and 'id="average">85.0' in html
    assert [e.action for e in store.audit() if e.action in ("appeal", "decision")] == [
        "appeal", "decision"]


def test_nobody_decides_their_own_appeal(app, store, visits):
    accounts.add_user(store, "chen", "supervisor", PASSWORD)
    greeting = finding(store, visits["ungreeted"], "greeting")
    filed = review.appeal(store, greeting, "chen", "S12", "test")  # filed under chen's name
    client = app.test_client()
    token = login(client, "chen")
    response = client.post(f"/appeals/{filed.id}", data={"status": "overturned", "csrf": token})
    assert response.status_code == 409 and "不能处理自己的申诉" in response.text
    assert store.appeals()[0].status == "open"


def test_the_audit_page_and_export(client, store, visits):
    token = login(client, "zhang")
    client.post("/review/decide", data={"finding": finding(store, visits["taboo"], "taboo"),
                                        "decision": "confirm", "reason": "other",
                                        "csrf": token})
    html = client.get("/audit").text
    assert "<td>确认</td>" in html and "<td>登录</td>" in html  # a confirmation has no reason
    assert "其他" not in html and "<td>login</td>" not in html
    assert store.latest_reviews([finding(store, visits["taboo"], "taboo")]).popitem()[1].reason == ""
    export = client.get("/audit/export?format=csv&action=review")
    assert export.data.startswith("\ufeff".encode())
    text = export.data.decode("utf-8-sig")
    assert text.startswith("编号,时间,操作人,操作,对象,内容,备注,来源") and ",确认," in text
    assert "登录" not in text
    client.post("/logout")
    login(client, "liu")
    assert client.get("/audit").status_code == 403


def test_accounts_page_admin_manages_and_everyone_changes_their_password(app, store):
    admin, viewer = app.test_client(), app.test_client()
    token = login(admin, "root")
    html = admin.get("/users").text
    assert 'data-user="liu"' in html and "工作人员" in html
    assert admin.post("/users", data={"action": "add", "name": "wang", "role": "staff",
                                      "staff": "S20", "password": PASSWORD,
                                      "csrf": token}).status_code == 302
    assert store.account("wang").staff == "S20"
    view_token = login(viewer, "li")
    assert "全部账号" not in viewer.get("/users").text
    assert viewer.post("/users", data={"action": "disable", "name": "wang",
                                       "csrf": view_token}).status_code == 403
    assert admin.post("/users", data={"action": "disable", "name": "li",
                                      "csrf": token}).status_code == 302
    assert viewer.get("/users").status_code == 302  # disabled: logged out at once
    admin.post("/users", data={"action": "enable", "name": "li", "csrf": token})
    view_token = login(viewer, "li")
    changed = viewer.post("/users/password", data={"old": PASSWORD, "new": "new password 9",
                                                   "again": "new password 9",
                                                   "csrf": view_token})
    assert changed.status_code == 302
    assert accounts.authenticate(store, "li", "new password 9") is not None
    assert admin.post("/users", data={"action": "remove", "name": "wang",
                                      "csrf": token}).status_code == 302
    details = [(e.actor, e.target, e.detail) for e in store.audit(action="user")][-5:]
    assert details == [("root", "wang", "add staff staff=S20"), ("root", "li", "disable"),
                       ("root", "li", "enable"), ("li", "li", "change own password"),
                       ("root", "wang", "remove")]


def test_the_lexicon_precision_page(client, store, visits):
    review.review(store, finding(store, visits["taboo"], "taboo"), "dismiss", "customer",
                  "zhang")
    login(client, "zhang")
    html = client.get("/review/lexicon?days=3660").text
    assert 'data-rule="taboo"' in html and "服务忌语" in html and "0%" in html


def test_an_appeal_whose_finding_a_rescoring_took_away_is_shown_orphaned(
        app, store, visits, scorer, tmp_path):
    from monitor import lexicon as lexicons
    from monitor import tuning

    from .test_review import TABOO, _score

    accounts.add_user(store, "wu", "staff", PASSWORD, staff="S07")
    taboo = finding(store, visits["taboo"], "taboo")
    review.review(store, taboo, "confirm", "other", "zhang")
    review.appeal(store, taboo, "wu", "S07", "是顾客说的")
    tuning.apply(store, tuning.propose(store, lexicons.load(), "你烦不烦", "off", "",
                                       "多为顾客所说", "zhang"))
    _score(store, tuning.scorer(store, "general"), tmp_path, "taboo", TABOO, "W01", "S07",
           "2026-11-20T10:00")
    staff, boss = app.test_client(), app.test_client()
    login(staff, "wu")
    html = staff.get("/me?from=2026-11-01&to=2026-11-30").text
    item = html[html.index("原发现已不存在"):]
    item = item[:item.index("</li>")]
    assert "已确认" in item and "申诉：待处理" in item and "<form" not in item
    login(boss, "zhang")
    page = boss.get("/appeals").text
    assert "原发现已不存在" in page and "是顾客说的" in page
