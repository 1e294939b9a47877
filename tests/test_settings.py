"""The hall's settings: hall.toml edited in place (comments kept, checked before saving,
written whole) and the web page over it (supervisors see, admins edit, each save audited)."""
from datetime import datetime

import pytest
from werkzeug.security import generate_password_hash

from monitor import config, hallfile
from monitor.accounts import add_user
from monitor.errors import InputError
from monitor.storage import Store
from monitor.web import WebOptions, create_app

from .test_web import PASSWORD, csrf, login

HALL = """# 本大厅的设置 (a comment the hall wrote)
replay_url = "http://localhost:8080"

[windows.W01]
name = "户籍1号窗口"   # shown on the board

[devices.W01]
device = "USB Audio"  # the counter microphone
staff = "S07"

[staff.S07]
name = "王芳"

[staff.S12]
name = "李强"

# lights: keep red a minute
[lights]
red_hold_s = 60
ack_required = true

[recordings]
keep = "flagged"
days = 30
"""


@pytest.fixture
def hall_path(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text(HALL, encoding="utf-8")
    return path


def test_an_edit_keeps_comments_and_goes_where_the_key_lives(hall_path):
    change = hallfile.apply(hall_path, hallfile.Edit(
        "windows", {"name": "户籍一号", "device": 2, "staff": "S12", "profile": "police"}, "W01"))
    text = hall_path.read_text(encoding="utf-8")
    for comment in ("# 本大厅的设置", "# shown on the board", "# the counter microphone",
                    "# lights: keep red a minute"):
        assert comment in text
    assert change.target == "windows.W01" and change.changes == {
        "name": ("户籍1号窗口", "户籍一号"), "device": ("USB Audio", 2), "staff": ("S07", "S12"),
        "profile": (None, "police")}
    assert 'device = 2  # the counter microphone' in text  # still in [devices.W01]
    window = config.load(hall_path).windows["W01"]
    assert (window.name, window.device, window.staff, window.profile) == (
        "户籍一号", 2, "S12", "police")
    assert "device: USB Audio → 2" in change.detail()


def test_a_new_window_and_other_tables(hall_path):
    hallfile.apply(hall_path, hallfile.Edit("windows", {"name": "出入境窗口"}, "W03"))
    hallfile.apply(hall_path, hallfile.Edit("lights", {"red_hold_s": 15, "ack_required": False}))
    hallfile.apply(hall_path, hallfile.Edit("recordings", {"keep": "all", "days": 0}))
    hallfile.apply(hall_path, hallfile.Edit("staff", {"name": "王芳芳"}, "S07"))
    hall = config.load(hall_path)
    assert hall.window_name("W03") == "出入境窗口" and hall.staff_name("S07") == "王芳芳"
    assert (hall.lights.red_hold_s, hall.lights.ack_required) == (15, False)
    assert (hall.recordings.keep, hall.recordings.days) == ("all", 0)


@pytest.mark.parametrize("edit, field", [
    (hallfile.Edit("windows", {"profile": "zoo"}, "W01"), "windows.W01.profile"),
    (hallfile.Edit("windows", {"name": "x"}, "W/1"), "windows.W/1"),
    (hallfile.Edit("windows", {"device": 1.5}, "W01"), "devices.W01.device"),
    (hallfile.Edit("recordings", {"days": -1}), "recordings.days"),
    (hallfile.Edit("recordings", {"keep": "some"}), "recordings.keep"),
    (hallfile.Edit("staff", {"name": ""}, "S07"), "staff.S07.name"),
    (hallfile.Edit("privacy", {"store_raw": True}), "privacy."),
    (hallfile.Edit("lights", {"drivers": []}), "lights.drivers"),
])
def test_an_invalid_result_is_refused_and_the_file_unchanged(hall_path, edit, field):
    before = hall_path.read_bytes()
    with pytest.raises(InputError) as caught:
        hallfile.apply(hall_path, edit)
    assert f"字段“{field}" in str(caught.value)
    assert hall_path.read_bytes() == before
    assert [p.name for p in hall_path.parent.iterdir()] == ["hall.toml"]  # no temporary left


def make_client(db_path, hall_path):
    """The real app over the hall file, with its settings pages."""
    app = create_app(db_path, WebOptions(), config.load(hall_path))
    return app.test_client(), app.extensions["courtesy_context"].store()


@pytest.fixture
def client(db_path, hall_path, monkeypatch):
    store = Store(db_path)
    add_user(store, "zhang", "supervisor", PASSWORD)
    add_user(store, "li", "viewer", PASSWORD)
    # the admin role comes with the accounts work; the store keeps any role it is given
    store.add_user("root", "admin", generate_password_hash(PASSWORD), datetime.now().astimezone())
    client, app_store = make_client(db_path, hall_path)
    client.store = app_store
    return client


def test_settings_need_a_supervisor_or_admin(client):
    assert client.get("/settings").status_code == 302  # to the login page
    login(client, "li")
    assert client.get("/settings").status_code == 403


def test_a_supervisor_sees_the_settings_but_cannot_change_them(client, hall_path):
    token = login(client, "zhang")
    page = client.get("/settings")
    assert page.status_code == 200
    for shown in ("大厅设置", "户籍1号窗口", "USB Audio", "王芳",
                  "李强", "红灯至少保持 60 秒", "只保存有问题的来访", "保存 30 天"):
        assert shown in page.text, shown
    assert 'action="/settings/window/W01"' not in page.text and "<input" not in page.text.split(
        'id="windows"')[1].split("</section>")[0]
    assert "工作人员，顾客" in page.text  # the channels' roles, in Chinese
    before = hall_path.read_bytes()
    response = client.post("/settings/window/W01", data={"csrf": token, "name": "x"})
    assert response.status_code == 403 and "只有管理员" in response.text
    assert hall_path.read_bytes() == before


def test_an_admin_edits_a_window_and_the_save_is_audited(client, hall_path):
    token = login(client, "root")
    page = client.get("/settings")
    assert 'action="/settings/window/W01"' in page.text and 'value="USB Audio"' in page.text
    response = client.post("/settings/window/W01", data={
        "csrf": token, "name": "户籍一号", "device": "3", "staff": "S12", "profile": "police"})
    assert response.status_code == 302 and "saved=windows.W01" in response.location
    window = config.load(hall_path).windows["W01"]
    assert (window.name, window.device, window.staff, window.profile) == (
        "户籍一号", 3, "S12", "police")
    assert "# the counter microphone" in hall_path.read_text(encoding="utf-8")
    [entry] = client.store.audit(action="config")
    assert (entry.actor, entry.target) == ("root", "windows.W01")
    assert "name: 户籍1号窗口 → 户籍一号" in entry.detail and "device: USB Audio → 3" in entry.detail
    shown = client.get(response.location).text
    assert "已保存：窗口 W01" in shown and '<option value="police" selected>' in shown


def test_an_admin_edits_lights_recordings_and_staff(client, hall_path):
    token = login(client, "root")
    for url, data in (("/settings/lights", {"red_hold_s": "15"}),  # ack box left unticked
                      ("/settings/recordings", {"keep": "all", "days": "0"}),
                      ("/settings/staff/S12", {"name": "李强强"})):
        assert client.post(url, data={"csrf": token, **data}).status_code == 302, url
    hall = config.load(hall_path)
    assert (hall.lights.red_hold_s, hall.lights.ack_required) == (15, False)
    assert (hall.recordings.keep, hall.recordings.days) == ("all", 0)
    assert hall.staff_name("S12") == "李强强"
    assert [e.target for e in client.store.audit(action="config")] == [
        "lights", "recordings", "staff.S12"]


@pytest.mark.parametrize("url, data, message", [
    ("/settings/recordings", {"keep": "all", "days": "nan"}, "保存天数须为有限的数字"),
    ("/settings/recordings", {"keep": "all", "days": "很久"}, "保存天数须为数字"),
    ("/settings/recordings", {"keep": "all", "days": "-3"}, "recordings.days"),
    ("/settings/lights", {"red_hold_s": "x"}, "红灯保持秒数须为数字"),
    ("/settings/window/W01", {"name": "户籍", "profile": "zoo"}, "windows.W01.profile"),
    ("/settings/window/W01", {"name": " "}, "窗口名称不能为空"),
    ("/settings/window/W%2F2", {"name": "x"}, "窗口编号只能包含"),
])
def test_a_bad_value_is_refused_and_nothing_saved(client, hall_path, url, data, message):
    token = login(client, "root")
    before = hall_path.read_bytes()
    response = client.post(url, data={"csrf": token, **data})
    assert response.status_code in (400, 404) and (
        response.status_code == 404 or "设置未保存" in response.text and message in response.text)
    assert hall_path.read_bytes() == before
    assert client.store.audit(action="config") == []


def test_a_save_without_the_page_token_is_refused(client, hall_path):
    login(client, "root")
    before = hall_path.read_bytes()
    assert client.post("/settings/lights", data={"red_hold_s": "5"}).status_code == 403
    assert client.post("/settings/lights", data={"red_hold_s": "5", "csrf": "forged"},
                       headers={"Origin": "http://evil.example"}).status_code == 403
    assert hall_path.read_bytes() == before
    assert csrf(client)  # the session still works


def test_an_admin_adds_a_window_and_a_staff_member(client, hall_path):
    token = login(client, "root")
    for url, data in (("/settings/window", {"id": "W04", "name": "医保窗口"}),
                      ("/settings/staff", {"id": "S20", "name": "赵敏"})):
        assert client.post(url, data={"csrf": token, **data}).status_code == 302, url
    hall = config.load(hall_path)
    assert hall.window_name("W04") == "医保窗口" and hall.staff_name("S20") == "赵敏"
    assert hall.windows["W04"].device is None  # named, not listened to until given a device
    page = client.get("/settings").text
    assert 'action="/settings/window/W04"' in page and '<option value="S20">赵敏（S20）' in page
    for url, data in (("/settings/window", {"id": "W/5", "name": "x"}),
                      ("/settings/window", {"id": "", "name": "x"}),
                      ("/settings/staff", {"id": "", "name": "x"}),
                      ("/settings/staff", {"id": "S 1", "name": "x"})):
        response = client.post(url, data={"csrf": token, **data})
        assert response.status_code == 400 and "设置未保存" in response.text, data
    assert "W/5" not in hall_path.read_text(encoding="utf-8")


def test_without_a_hall_file_the_page_says_how_to_give_one(client, hall_path):
    token = login(client, "root")
    hall_path.unlink()
    response = client.get("/settings")
    assert response.status_code == 404 and "serve --config hall.toml" in response.text
    response = client.post("/settings/lights", data={"csrf": token, "red_hold_s": "5"})
    assert response.status_code == 400 and "设置未保存" in response.text
    assert not hall_path.exists()


def test_a_broken_hall_file_is_named_on_the_page(client, hall_path):
    login(client, "zhang")
    hall_path.write_text(HALL + "[recording]\nkeep = \"all\"\n", encoding="utf-8")
    response = client.get("/settings")
    assert response.status_code == 500 and "未知表" in response.text and "[recordings]" in response.text


def test_a_new_window_without_a_name_is_refused_on_the_page(client, hall_path):
    """Issue 24: adding a window with an empty name said 已保存 and wrote nothing."""
    token = login(client, "root")
    before = hall_path.read_bytes()
    for data, says in (({"id": "W04", "name": ""}, "窗口名称不能为空"),
                       ({"id": "W01", "name": "重复"}, "已有编号为 W01 的窗口"),
                       ({"id": "", "name": "x"}, "新窗口编号不能为空")):
        response = client.post("/settings/window", data={"csrf": token, **data})
        assert response.status_code == 400, data
        assert f"设置未保存：{says}" in response.text and "已保存" not in response.text
        assert 'id="windows"' in response.text  # the settings page itself, to try again
    assert hall_path.read_bytes() == before and client.store.audit(action="config") == []


def test_a_save_that_changes_nothing_says_so(client, hall_path):
    token = login(client, "root")
    response = client.post("/settings/staff/S07", data={"csrf": token, "name": "王芳"})
    assert "unchanged=staff.S07" in response.location
    shown = client.get(response.location).text
    assert "没有改动：工作人员 S07" in shown and "已保存" not in shown


def test_a_saved_name_shows_on_the_board_without_a_restart(client, hall_path):
    token = login(client, "root")
    assert "户籍1号窗口" in client.get("/").text
    response = client.post("/settings/window/W01", data={"csrf": token, "name": "户籍一号"})
    shown = client.get(response.location).text
    assert "已保存：窗口 W01" in shown and "看板已按新设置显示，无需重启" in shown
    assert "监测程序现在没有运行，下次启动时按新设置运行" in shown  # no monitor beats
    assert "户籍一号" in client.get("/").text and "户籍1号窗口" not in client.get("/").text


def test_the_watched_file_is_taken_up_when_it_changes_and_kept_when_it_breaks(hall_path):
    from monitor import hallwatch

    watched = hallwatch.HallFile.read(hall_path)  # as `listen` reads it, before its model
    assert watched.changed() is None  # nothing changed yet
    hallfile.apply(hall_path, hallfile.Edit("lights", {"red_hold_s": 15}))
    before, after = watched.changed()
    assert hallwatch.differences(before, after) == ["红灯保持秒数：60 → 15"]
    assert watched.hall.lights.red_hold_s == 15 and watched.changed() is None
    hall_path.write_text(HALL + "[recording]\n", encoding="utf-8")  # a hand edit, broken
    assert watched.changed() is None and watched.hall.lights.red_hold_s == 15
    assert "仍按原设置运行" in watched.error and "第 25 行" in watched.error


def test_the_pages_store_follows_privacy_store_raw_without_a_restart(tmp_path, db_path):
    """The pages' connection was opened with `[privacy] store_raw` as at start."""
    path = tmp_path / "hall.toml"
    path.write_text('[windows.W01]\nname = "户籍窗口"\n', encoding="utf-8")
    app = create_app(db_path, WebOptions(), config.load(path))
    ctx = app.extensions["courtesy_context"]
    try:
        assert ctx.store().store_raw is False
        path.write_text('[privacy]\nstore_raw = true\n[windows.W01]\nname = "户籍窗口"\n',
                        encoding="utf-8")
        assert ctx.store().store_raw is True
    finally:
        app.extensions["courtesy_hub"].stop()
