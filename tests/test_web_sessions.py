"""Who a cookie is and where a form sends the browser (issue 21): session versions that
logout, password changes, resets, disabling and removal replace; same-origin redirect
targets only; a login throttle that thirty simultaneous guesses cannot race past."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from monitor import accounts
from monitor.config import Hall
from monitor.storage import Store
from monitor.web import WebOptions, create_app
from monitor.web.common import local_path

from .test_review import finding, seed

PASSWORD = "correct horse battery"
COOKIE = "courtesy_session"


@pytest.fixture
def store(db_path):
    store = Store(db_path)
    accounts.add_user(store, "zhang", "supervisor", PASSWORD)
    accounts.add_user(store, "liu", "staff", PASSWORD, staff="S12")
    return store


@pytest.fixture
def app(db_path, store):
    app = create_app(db_path, WebOptions(poll_s=0.02, heartbeat_s=0.2))
    yield app
    app.extensions["courtesy_hub"].stop()


def token(client) -> str:
    client.get("/login")
    with client.session_transaction() as session:
        return session["csrf"]


def login(client, name, password=PASSWORD, target="/"):
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf": token(client), "next": target})


def logged_in(app, name, password=PASSWORD):
    client = app.test_client()
    assert login(client, name, password).status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding the same cookie (as a thief with a copy would)."""
    other = app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return other


def may_see_users(client) -> bool:
    return client.get("/users").status_code == 200


BAD_TARGETS = ["/\t/evil.example.com", "/%09/evil.example.com", "//evil.example.com",
               "/\\evil.example.com", "/%5Cevil.example.com", "\\\\evil.example.com",
               "https://evil.example.com/", "javascript:alert(1)", "/\n/evil.example.com",
               "/%0a/evil.example.com", "/%0d%0aSet-Cookie:x=1", "/\r\nLocation: //e.com",
               "/%2F/evil.example.com", " //evil.example.com", "/ /evil", "/\x00x",
               "/\u2028/evil.example.com", "evil.example.com", "/" + "a" * 3000, ""]


def test_a_login_never_sends_the_browser_off_site(app):
    client = app.test_client()
    for target in ("/\t/evil.example.com", "/%09/evil.example.com", "/\\evil.example.com",
                   "/\n/evil.example.com", "https://evil.example.com/"):
        response = login(client, "zhang", target=target)
        assert (response.status_code, response.headers["Location"]) == (302, "/"), target
    assert login(client, "zhang", target="/review?day=2026-11-20").headers["Location"] == \
        "/review?day=2026-11-20"


def test_local_targets_are_kept_and_every_other_refused():
    for target in ("/review?day=2026-11-20&window=W01", "/replay/W01-20261120T0900-1#t=3",
                   "/me", "/review?staff=%E5%BC%A0"):
        assert local_path(target, "/") == target
    assert [bad for bad in BAD_TARGETS if local_path(bad, "/d") != "/d"] == []


def test_a_stored_review_never_ends_in_a_500_or_off_site(app, store, scorer, tmp_path):
    visits = seed(store, scorer, tmp_path)
    client = logged_in(app, "zhang")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    backs = ["/\n/evil.example.com", "//evil.example.com", "/%09/evil.example.com",
             "/\r\nX: y"]
    for back in backs:
        response = client.post("/review/decide", data={
            "finding": finding(store, visits["taboo"], "taboo"), "decision": "confirm",
            "reason": "other", "csrf": csrf, "back": back})
        assert (response.status_code, response.headers["Location"]) == (302, "/review"), back
    assert [e.action for e in store.audit(action="review")] == ["review"] * len(backs)


def test_logout_kills_every_copy_of_the_cookie(app):
    client = logged_in(app, "zhang")
    thief = copy_of(app, client)
    assert may_see_users(thief)
    with client.session_transaction() as session:
        csrf = session["csrf"]
    assert client.post("/logout", data={"csrf": csrf}).status_code == 302
    assert thief.get("/users").status_code == 302  # to the login page
    assert logged_in(app, "zhang")  # a new login works


def test_a_reset_or_disabled_account_is_out_and_a_change_keeps_only_its_browser(app, store):
    client = logged_in(app, "zhang")
    accounts.reset_password(store, "zhang", "a new password 1")
    assert client.get("/users").status_code == 302
    client = logged_in(app, "zhang", "a new password 1")
    accounts.disable(store, "zhang")
    accounts.disable(store, "zhang", enabled=True)
    assert client.get("/users").status_code == 302  # enabling again revives no old cookie
    changer = logged_in(app, "zhang", "a new password 1")
    other = logged_in(app, "zhang", "a new password 1")
    with changer.session_transaction() as session:
        csrf = session["csrf"]
    changed = changer.post("/users/password", data={
        "old": "a new password 1", "new": "my own password", "again": "my own password",
        "csrf": csrf})
    assert changed.status_code == 302
    assert may_see_users(changer) and other.get("/users").status_code == 302


def test_a_removed_users_cookie_never_opens_a_new_account_of_the_same_name(app, store):
    staff = logged_in(app, "liu")
    accounts.remove(store, "liu", actor="root")
    accounts.add_user(store, "liu", "admin", "another password 1")
    assert staff.get("/users").status_code == 302
    assert staff.get("/me").status_code == 302
    fresh = logged_in(app, "liu", "another password 1")
    assert "重置密码" in fresh.get("/users").text  # the new admin sees the accounts table


def test_a_cookie_without_a_version_logs_nobody_in(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "zhang"  # as a cookie signed before session versions
    assert client.get("/users").status_code == 302


def test_staff_id_only_for_staff_accounts_and_known_to_the_hall(store, run, db_path, tmp_path):
    with pytest.raises(accounts.AccountError, match="只有工作人员账号有工号"):
        accounts.add_user(store, "boss", "supervisor", PASSWORD, staff="S12")
    with pytest.raises(accounts.AccountError, match="不在 hall.toml 的 \\[staff\\] 中"):
        accounts.add_user(store, "wu", "staff", PASSWORD, staff="S99",
                          known_staff={"S12": "刘"})
    for bad in ("S\x0012", "x" * 65, "S 12"):
        with pytest.raises(accounts.AccountError, match="工号"):
            accounts.add_user(store, "wu", "staff", PASSWORD, staff=bad)
    hall = tmp_path / "hall.toml"
    hall.write_text('[staff.S12]\nname = "刘"\n', encoding="utf-8")
    from click.testing import CliRunner

    from monitor.cli import cli
    result = CliRunner().invoke(cli, ["user", "add", "boss", "--role", "supervisor", "--staff",
                                      "S12", "--password-stdin", "--db", str(db_path)],
                                input=PASSWORD + "\n")
    assert result.exit_code == 1 and "错误：只有工作人员账号有工号" in result.output
    result = CliRunner().invoke(cli, ["user", "add", "wu", "--role", "staff", "--staff", "S99",
                                      "--password-stdin", "--db", str(db_path),
                                      "--config", str(hall)], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "S99 不在 hall.toml 的 [staff] 中" in result.output
    assert store.account("boss") is None and store.account("wu") is None
    assert Hall().staff == {}


def _browser(base: str):
    """A urllib opener with its own cookie jar and the login form's CSRF token."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=10).read().decode()
    return opener, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_thirty_simultaneous_wrong_passwords_pass_the_limit_no_more(board_server, store):
    base = board_server()
    browsers = [_browser(base) for _ in range(30)]
    statuses, start = [], threading.Barrier(30)

    def guess(opener, csrf):
        body = urllib.parse.urlencode({"name": "zhang", "password": "guess-1234",
                                       "csrf": csrf}).encode()
        start.wait()
        try:
            opener.open(base + "/login", body, timeout=60)
            statuses.append(200)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)

    threads = [threading.Thread(target=guess, args=b) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    limit = WebOptions().login_failures
    assert sorted(statuses) == [401] * limit + [429] * (30 - limit)
    assert len(store.audit(action="login_failed")) == limit
