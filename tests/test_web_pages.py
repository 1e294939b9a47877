"""Every page of the web app as each role finds it: one header with the links that role may
use (and no other), each link a page that opens; a login that lands on the role's own page;
error pages titled in words."""
from __future__ import annotations

import re

import pytest

from monitor import accounts
from monitor.config import load
from monitor.storage import Store
from monitor.web import WebOptions, create_app
from monitor.web.common import PAGES

from .test_review_web import PASSWORD, login

HALL = """[windows.W01]
name = "户籍窗口"
staff = "S07"

[windows.W02]
name = "户籍办理窗口"

[staff.S07]
name = "王芳"

[staff.S12]
name = "刘强"
"""
ROLES = {"root": "admin", "zhang": "supervisor", "liu": "staff", "li": "viewer"}


@pytest.fixture
def app(db_path, tmp_path):
    store = Store(db_path)
    for name, role in ROLES.items():
        accounts.add_user(store, name, role, PASSWORD, staff="S12" if role == "staff" else None)
    hall = tmp_path / "hall.toml"
    hall.write_text(HALL, encoding="utf-8")
    app = create_app(db_path, WebOptions(poll_s=0.02, heartbeat_s=0.2), load(hall))
    yield app
    app.extensions["courtesy_hub"].stop()


def header_links(html: str) -> list[str]:
    header = re.search(r'<header class="site">(.*?)</header>', html, re.S)
    assert header, "the page has no site header"
    nav = re.search(r'<nav class="links"[^>]*>(.*?)</nav>', header.group(1), re.S).group(1)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("name", list(ROLES))
def test_every_page_a_role_may_use_is_linked_from_one_header_on_every_page(app, name):
    role = ROLES[name]
    client = app.test_client()
    login(client, name)
    with app.test_request_context():
        from flask import url_for
        mine = [url_for(endpoint) for endpoint, _, roles in PAGES if roles is None or role in roles]
    assert len(mine) == len(set(mine))
    for path in mine:
        page = client.get(path)
        assert page.status_code == 200, (role, path, page.text[:300])
        assert header_links(page.text) == mine, (role, path)
        assert f'href="{path}" aria-current="page"' in page.text
    if role in ("supervisor", "admin"):
        assert "/settings" in mine and "/review" in mine and "/training" in mine
    else:
        assert "/settings" not in mine and "/review" not in mine and "/health" not in mine
    assert ("/me" in mine) == (role == "staff")


def test_a_staff_member_lands_on_their_own_record_and_everyone_logs_in_on_one_page(app):
    page = app.test_client().get("/login").text
    assert "<title>登录</title>" in page and "主管" not in page
    staff, supervisor = app.test_client(), app.test_client()
    staff.get("/login")
    with staff.session_transaction() as session:
        token = session["csrf"]
    landed = staff.post("/login", data={"name": "liu", "password": PASSWORD, "csrf": token})
    assert landed.headers["Location"] == "/me"
    login(supervisor, "zhang")  # next=/ : the board
    assert supervisor.get("/").status_code == 200


def test_an_error_page_is_titled_in_words(app):
    client = app.test_client()
    login(client, "zhang")
    missing = client.get("/replay/no-such-visit")
    assert missing.status_code == 404
    assert "<title>页面不存在</title>" in missing.text and "<h1>页面不存在</h1>" in missing.text
    assert "<title>404</title>" not in missing.text


def test_a_staff_member_replays_their_own_visit_from_their_record_and_no_other(
        app, db_path, scorer, tmp_path):
    from .test_review import seed

    visits = seed(Store(db_path), scorer, tmp_path)
    client = app.test_client()
    login(client, "liu")  # staff S12: the ungreeted visit is theirs
    record = client.get("/me?from=2026-11-01&to=2026-11-30").text
    own = visits["ungreeted"]
    assert f'href="/replay/{own}"' in record and f'href="/replay/{own}#t=' in record
    page = client.get(f"/replay/{own}")
    assert page.status_code == 200 and "刘强" in page.text  # as it was, not anonymised
    assert "加入培训集" not in page.text  # replaying is not editing
    assert client.get(f"/replay/{visits['taboo']}").status_code == 404  # a colleague's


def test_reports_list_the_days_held_and_give_the_report_four_ways(app, db_path, scorer,
                                                                   tmp_path):
    import json

    from .test_review import seed

    seed(Store(db_path), scorer, tmp_path)  # three visits on 2026-11-20
    staff, supervisor = app.test_client(), app.test_client()
    login(staff, "liu")
    assert staff.get("/reports").status_code == 403
    login(supervisor, "zhang")
    listing = supervisor.get("/reports").text
    assert "2026-11-20" in listing and "3 次" in listing
    assert "2026年第47周" in listing and "2026年11月" in listing and "2026年11月20日" in listing
    day = "/reports/view?from=2026-11-20&to=2026-11-20&format="
    assert f'href="{day}html"'.replace("&", "&amp;") in listing
    page = supervisor.get(day + "html")
    assert page.status_code == 200 and "文明服务报告" in page.text
    assert header_links(page.text) and "'unsafe-inline'" in page.headers["Content-Security-Policy"]
    data = json.loads(supervisor.get(day + "json").data)
    assert data["summary"]["visits"] == 3
    table = supervisor.get(day + "csv")
    assert "attachment" in table.headers["Content-Disposition"] and b"summary" in table.data
    assert supervisor.get("/reports/view?from=nope&format=html").status_code == 400


def test_machine_heard_speech_is_marked_on_review_record_and_appeal_pages(app, db_path,
                                                                           scorer, write_jsonl):
    from datetime import datetime

    from monitor import review, transcript

    heard = write_jsonl([
        {"start": 0.0, "end": 2.0, "role": "staff", "text": "你好", "heard_by": "sherpa"},
        {"start": 3.0, "end": 5.0, "role": "customer", "text": "我来办社保卡"},
        {"start": 6.0, "end": 8.0, "role": "staff", "text": "你烦不烦啊",
         "pinyin": "ni3 fan2 bu4 fan2 a5", "heard_by": "sherpa"}])
    session = scorer.score(transcript.read(heard), source=str(heard), window="W01",
                           staff="S12", started_at=datetime.fromisoformat(
                               "2026-11-20T14:00+08:00"))
    store = Store(db_path)
    store.save(session)
    taboo = next(f.id for f in store.visit_findings(session.visits[0].id) if f.rule == "taboo")
    review.appeal(store, taboo, "liu", "S12", "是顾客说的")
    supervisor, staff = app.test_client(), app.test_client()
    token = login(supervisor, "zhang")
    login(staff, "liu")
    for client, path in ((supervisor, "/review?day=2026-11-20"), (supervisor, "/appeals"),
                         (supervisor, "/review/sample?day=2026-11-20&n=5"),
                         (staff, "/me?from=2026-11-01&to=2026-11-30")):
        html = client.get(path).text
        assert '<abbr class="machine"' in html and "机器识别" in html, path
        assert "fan2" in html, path  # the pinyin heard, in the mark's title
    context = supervisor.get("/review?day=2026-11-20").text.split('class="context"')[1]
    assert "你好 <abbr class=\"machine\"" in context.split("</ol>")[0]  # heard lines too
    preview = supervisor.post("/review/lexicon/preview", data={
        "phrase": "你烦不烦", "kind": "taboo", "change": "off", "value": "", "days": "3650",
        "reason": "试一试", "csrf": token}).text  # issue 24: the preview's quotes were bare
    row = preview.split('class="audit preview-findings"')[1].split("</table>")[0]
    assert '<abbr class="machine"' in row and "机器识别" in row and "fan2" in row


def test_dates_are_written_and_read_as_a_hall_writes_them_whatever_the_browser(
        app, db_path, scorer, tmp_path):
    """<input type="date"> shows a browser's own locale's order (mm/dd/yyyy in an English
    Chromium): the pages ask for 年-月-日 as text, read 2026/11/20 and 2026年11月20日 too,
    and refuse a date they cannot read in words instead of quietly showing today."""
    from .test_review import seed

    seed(Store(db_path), scorer, tmp_path)  # three visits on 2026-11-20
    supervisor = app.test_client()
    login(supervisor, "zhang")
    listing = supervisor.get("/reports").text
    assert 'type="date"' not in listing and 'placeholder="年-月-日"' in listing
    assert 'name="from" value="2026-11-20"' in listing  # the latest day held, ready
    for path in ("/review", "/review/sample", "/audit"):
        page = supervisor.get(path).text
        assert 'type="date"' not in page and 'placeholder="年-月-日"' in page, path
    for written in ("2026-11-20", "2026/11/20", "2026年11月20日", " 2026.11.20 "):
        queue = supervisor.get("/review", query_string={"day": written})
        assert queue.status_code == 200 and 'value="2026-11-20"' in queue.text, written
    report = supervisor.get("/reports/view", query_string={"from": "2026年11月20日"})
    assert report.status_code == 200 and "文明服务报告" in report.text
    for path, field in (("/review", "day"), ("/audit", "from"), ("/reports/view", "from")):
        refused = supervisor.get(path, query_string={field: "11/20/2026"})
        assert refused.status_code == 400, path
        assert "日期“11/20/2026”看不懂：请按 年-月-日 填写" in refused.text, path


def test_pages_open_where_the_halls_visits_are_and_say_when_they_were(
        app, db_path, scorer, tmp_path):
    """Looked at in Chromium as each role: 抽检 opened on today with no visits while the
    queue opened on the last day held; a replay never said when its visit was; a staff
    member could not choose the period of their record; a new account was an admin unless
    changed, and one click deleted an account."""
    from .test_review import seed

    visits = seed(Store(db_path), scorer, tmp_path)  # three visits on 2026-11-20, +08:00
    supervisor, staff, admin = app.test_client(), app.test_client(), app.test_client()
    login(supervisor, "zhang")
    sample = supervisor.get("/review/sample").text
    assert 'name="day" value="2026-11-20"' in sample and "当天共 3 次来访" in sample
    replay = supervisor.get(f"/replay/{visits['taboo']}").text
    assert "<span>时间</span> 2026年11月20日 10:00" in replay  # the hall's clock, any server
    login(staff, "liu")
    record = staff.get("/me?from=2026-11-01&to=2026-11-30").text
    assert 'name="from" value="2026-11-01"' in record and 'name="to" value="2026-11-30"' in record
    assert "2026年11月1日 至 2026年11月30日" in record
    login(admin, "root")
    users = admin.get("/users").text
    assert '<option value="staff" selected>' in users
    assert re.search(r'<details class="remove"><summary>删除…</summary>[^<]*'
                     r'<button type="submit" name="action" value="remove">确定删除</button>', users)
