"""The board from the hall config and the monitors' heartbeats, and the board under abuse:
foreign hosts, huge ids, guessed passwords from one client, many idle streams."""
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import pytest

from monitor.config import Hall, WindowConfig
from monitor.records import Heartbeat, LightEvent
from monitor.web import WebOptions, create_app

from .test_web import PASSWORD, csrf, light, login, read_stream, store  # noqa: F401 (fixture)

HALL = Hall(windows={w: WindowConfig(w, name=name) for w, name in
                     {"W01": "出入境窗口", "W02": "户籍窗口", "W03": "社保窗口"}.items()})


def now():
    return datetime.now().astimezone()


@pytest.fixture
def make(store, db_path):
    apps = []

    def build(hall=HALL, **options):
        app = create_app(db_path, WebOptions(poll_s=0.02, heartbeat_s=0.2, live_s=0.2,
                                             **options), hall)
        apps.append(app)
        return app.test_client()
    yield build
    for app in apps:
        app.extensions["courtesy_hub"].stop()


def beat(store, window, at, state="listening", **fields):
    store.beat(Heartbeat(window, "listen 4242@host", at, state, started_at=at, **fields))


def windows(client):
    return {w["window"]: w for w in client.get("/api/lights").json["windows"]}


def test_every_configured_window_has_a_named_tile_and_unknown_windows_are_404(make, store):
    client = make()
    shown = windows(client)
    assert set(shown) == {"W01", "W02", "W03"}
    assert {w: v["name"] for w, v in shown.items()} == HALL.window_names()
    assert all(v["state"] == "off" and v["state_label"] == "空闲" for v in shown.values())
    board = client.get("/").text
    assert "出入境窗口" in board and "户籍窗口" in board and "社保窗口" in board
    assert "出入境窗口 窗口提示灯" in client.get("/window/W01").text
    assert client.get("/window/W99").status_code == 404
    light(store, "W07", "green")  # lit though not configured: shown under its id
    assert windows(client)["W07"]["name"] == "W07"
    assert client.get("/window/W07").status_code == 200


def test_who_acknowledged_a_red_stays_on_its_tile_once_the_monitor_lets_it_go(make, store):
    """The monitor releases an acknowledged red within a moment: the tile went green with
    nothing on it, so whoever clicked 确认红灯 saw their acknowledgement flash and vanish
    (and the supervisor's flow test missed it now and then). It stays until the next change."""
    client = make()
    red = store.add_light_event(LightEvent("W01", "red", "green", now(), rule="taboo",
                                           severity="critical", quote="你烦不烦"))
    assert client.post("/ack", data={"event": red.id, "csrf": login(client)}).status_code == 302
    assert windows(client)["W01"]["ack"].startswith("已由 zhang 于")
    store.add_light_event(LightEvent("W01", "green", "red", now()))
    released = windows(client)["W01"]
    assert released["ack"].startswith("红灯已由 zhang 于") and not released["ackable"]
    beat(store, "W01", now() - timedelta(seconds=30))  # and once its monitor has ended
    assert windows(client)["W01"]["ack"].startswith("红灯已由 zhang 于")
    store.add_light_event(LightEvent("W01", "yellow", "green", now()))
    assert windows(client)["W01"]["ack"] == ""
    unacked = store.add_light_event(LightEvent("W02", "red", "green", now()))
    store.add_light_event(LightEvent("W02", "green", "red", now()))  # released without one
    assert unacked.id and windows(client)["W02"]["ack"] == ""


def test_a_window_whose_monitor_stopped_shows_interrupted_never_its_light(make, store):
    client = make()
    store.add_light_event(LightEvent("W01", "red", "green", now(), rule="taboo",
                                     severity="critical", quote="你烦不烦"))
    beat(store, "W01", now())
    live = windows(client)["W01"]
    assert (live["state"], live["live"], live["ackable"]) == ("red", True, True)
    stopped_at = now() - timedelta(seconds=30)
    beat(store, "W01", stopped_at)  # the monitor was killed: its last beat grows old
    dead = windows(client)["W01"]
    assert (dead["state"], dead["state_label"], dead["live"], dead["reason"]) == (
        "interrupted", "监测中断 · 红灯待确认", False, "stale")
    assert dead["interrupted_since"] == stopped_at.isoformat(timespec="milliseconds")
    # the red nobody acknowledged outlives its monitor, with its button
    assert dead["since"] == f"{stopped_at:%H:%M:%S} 起" and dead["ackable"]
    assert "你烦不烦" not in dead["cause"]
    page = client.get("/window/W01").text
    assert 'data-state="interrupted"' in page and "监测中断" in page
    board = client.get("/").text
    token = login(client)
    assert "确认红灯" in client.get("/").text and "确认红灯" not in board  # once logged in
    red = store.current_lights()["W01"]
    assert client.post("/ack", data={"event": red.id, "csrf": token}).status_code == 302
    acked = windows(client)["W01"]
    assert (acked["state_label"], acked["ackable"]) == ("监测中断", False)
    beat(store, "W02", now(), state="unplugged")
    assert (windows(client)["W02"]["state"], windows(client)["W02"]["cause"]) == (
        "interrupted", "麦克风已断开")
    beat(store, "W01", now())  # beats resume: the light is back
    assert windows(client)["W01"]["state"] == "red"


def test_the_watcher_flips_a_silent_dead_monitor_without_any_write(make, store):
    """A monitor killed with -9 writes nothing more: the board's own clock must notice."""
    client = make()
    beat(store, "W02", now() - timedelta(seconds=5))  # live, stale within about a second
    text = read_stream(client, "/events", lambda t: '"state":"interrupted"' in t, timeout=10)
    update = text.split("event: update\ndata: ", 1)[1].split("\n", 1)[0]
    assert json.loads(update)["window"] == "W02"
    assert json.loads(update)["state_label"] == "监测中断"


def test_a_tile_keeps_the_gravest_findings_and_links_its_replay(make, store, scorer,
                                                                write_jsonl):
    from .conftest import utt

    session = scorer.score([utt(0, 2, "customer", "你好我办护照"),
                            utt(3, 5, "staff", "填表"), utt(6, 8, "staff", "签字"),
                            utt(9, 11, "staff", "拍照"), utt(12, 14, "staff", "交钱")],
                           window="W01", started_at=now())
    store.save(session)
    visit = session.visits[0]
    store.add_light_event(LightEvent("W01", "yellow", "green", now(), rule="please",
                                     visit=visit.id))
    tile = make(findings_shown=2).get("/api/lights").json["windows"][0]
    kept = [f["text"] for f in tile["findings"]]
    assert len(kept) == 2 and any("未问候" in k for k in kept), kept
    assert tile["replay"] == f"/replay/{visit.id}"


def test_times_written_ahead_are_never_shown_in_the_future(make, store):
    ahead = now() + timedelta(hours=2)
    store.add_light_event(LightEvent("W01", "green", "off", ahead))
    tile = windows(make())["W01"]
    assert datetime.fromisoformat(tile["at"]) <= now()
    assert tile["since"] != f"{ahead:%H:%M:%S} 起"


def test_health_page_lists_heartbeats_for_supervisors_only(make, store):
    client = make()
    beat(store, "W01", now(), level_dbfs=-32.4, last_speech_at=now(), overruns=3, backlog=7,
         message="数据库忙")
    assert client.get("/health").status_code == 302  # not logged in: the login page
    login(client, "li")
    assert client.get("/health").status_code == 403
    login(client, "zhang")
    page = client.get("/health").text
    for text in ("出入境窗口", "户籍窗口", "正在监听", "-32 dBFS", "数据库忙", ">3<", ">7<"):
        assert text in page, text


def test_foreign_hosts_huge_ids_and_secure_cookies(make, store):
    client = make()
    assert client.get("/api/lights", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8080"}).status_code == 200
    assert make(allowed_hosts=("hall.local",)).get(
        "/", headers={"Host": "hall.local:8080"}).status_code == 200
    for after in ("99999999999999999999999", "-1", "x"):
        answer = client.get(f"/api/events?after={after}")
        assert answer.status_code == 400 and "after" in answer.json["error"], after
    assert client.get("/events?after=99999999999999999999999").status_code == 400
    secure = make(secure_cookie=True)
    token = csrf(secure)
    answer = secure.post("/login", data={"name": "zhang", "password": PASSWORD,
                                         "csrf": token})
    assert "Secure" in answer.headers["Set-Cookie"]
    assert "Secure" not in client.get("/login").headers.get("Set-Cookie", "Secure")


def _try(client, name, password="guess-1234"):
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf": csrf(client)})


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_logins_are_throttled_per_client_and_name_and_survive_a_restart(make, store):
    attacker = make(login_failures=5, client_failures=20)
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for _ in range(12):
        _try(attacker, "zhang")
    assert _try(attacker, "zhang", PASSWORD).status_code == 429
    for n in range(30):  # many names from one client: throttled too
        last = _try(attacker, f"user{n}")
    assert last.status_code == 429
    supervisor = make()  # the real supervisor, at another counter, is never locked out
    supervisor.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert _try(supervisor, "zhang", PASSWORD).status_code == 302
    restarted = make()
    restarted.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    assert _try(restarted, "zhang", PASSWORD).status_code == 429  # held in the database
    actions = [(e.action, e.actor, e.origin) for e in store.audit()]
    assert ("login_failed", "zhang", "10.0.0.66") in actions
    assert ("login", "zhang", "10.0.0.7") in actions


def test_login_logout_and_acknowledgement_are_audited(make, store):
    client = make()
    red = store.add_light_event(LightEvent("W01", "red", "green", now(), rule="taboo",
                                           severity="critical"))
    token = login(client)
    assert client.post("/ack", data={"event": red.id, "csrf": token},
                       headers={"Accept": "application/json"}).status_code == 200
    client.post("/logout", data={"csrf": token})
    trail = [(e.actor, e.action, e.origin) for e in store.audit() if e.action != "user"]
    assert trail == [("zhang", "login", "127.0.0.1"), ("zhang", "ack", "127.0.0.1"),
                     ("zhang", "logout", "127.0.0.1")]
    assert store.audit(action="ack")[0].target == f"light event {red.id}"


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_seventy_idle_streams_never_starve_the_board(board_server, db_path):
    """70 open /events from one client against real waitress: the caps refuse the excess
    with 503, /api/lights and /login still answer at once, and closed streams free slots."""
    url = board_server()
    port = int(url.rsplit(":", 1)[1])
    sockets, answers = [], []

    def open_stream():
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answers.append(s.recv(64))
        sockets.append(s)

    threads = [threading.Thread(target=open_stream) for _ in range(70)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    try:
        statuses = [a.split(b" ")[1] for a in answers if a]
        assert statuses.count(b"200") == 16 and statuses.count(b"503") == 54, statuses
        for path in ("/api/lights", "/login"):
            started = time.monotonic()
            with urllib.request.urlopen(url + path, timeout=5) as answer:
                assert answer.status == 200
            assert time.monotonic() - started < 2, path
    finally:
        for s in sockets:
            s.close()
    deadline = time.monotonic() + 10  # the closed streams give their slots back
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if b" 200 " in s.recv(64):
                break
        assert time.monotonic() < deadline, "streams were not released"
        time.sleep(0.3)


def test_a_monitor_that_cannot_write_says_so_on_its_tile(make, store):
    light(store, "W01", "green")
    beat(store, "W01", now(), state="storage", backlog=12, message="磁盘已满")
    tile = windows(make())["W01"]
    assert (tile["state"], tile["live"]) == ("green", True)
    assert tile["fault"] == "数据库暂时无法写入：磁盘已满"


def test_serve_options_for_hosts_cookies_and_stream_caps(board_server, db_path):
    import subprocess

    from .test_web import COURTESY

    url = board_server("--allowed-host", "hall.local", "--secure-cookies")

    def status(host, path="/api/lights"):
        request = urllib.request.Request(url + path, headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, answer.headers.get("Set-Cookie", "")
        except urllib.error.HTTPError as refused:
            return refused.code, ""

    assert status("hall.local:8080")[0] == 200
    assert status("attacker.example")[0] == 400
    code, cookie = status("127.0.0.1", "/login")
    assert code == 200 and "Secure" in cookie and "HttpOnly" in cookie
    refused = subprocess.run([COURTESY, "serve", "--db", str(db_path), "--threads", "8",
                              "--max-streams", "8"], capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "--max-streams 8 must stay below --threads 8" in \
        refused.stderr


def test_serve_takes_hosts_and_stream_caps_from_the_hall_config(board_server, db_path,
                                                                 tmp_path):
    import subprocess

    from .test_web import COURTESY

    hall = tmp_path / "hall.toml"
    hall.write_text('[web]\nallowed_hosts = ["courtesy.hall.local"]\nmax_streams = 8\n',
                    encoding="utf-8")
    url = board_server("--config", str(hall), "--threads", "16")
    counter = urllib.request.Request(url + "/api/lights",
                                     headers={"Host": "courtesy.hall.local:8080"})
    with urllib.request.urlopen(counter, timeout=5) as answer:  # a counter PC's name
        assert answer.status == 200
    refused = subprocess.run([COURTESY, "serve", "--db", str(db_path), "--threads", "8",
                              "--config", str(hall)], capture_output=True, text=True,
                             timeout=30)
    assert refused.returncode == 1 and "--max-streams 8 must stay below --threads 8" in \
        refused.stderr


def test_streams_are_capped_in_all_and_freed_when_closed(make, store):
    client = make(max_streams=2, max_streams_per_client=5)
    opened = []
    for address in ("10.0.0.1", "10.0.0.2"):
        opened.append(client.get("/events", buffered=False,
                                 environ_base={"REMOTE_ADDR": address}))
    assert [r.status_code for r in opened] == [200, 200]
    full = client.get("/events", environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert full.status_code == 503 and "看板连接数已满" in full.json["error"]
    assert client.get("/api/lights").status_code == 200
    opened.pop().close()  # a page goes away: its slot is free again
    again = client.get("/events", buffered=False, environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert again.status_code == 200
    again.close()
    for response in opened:
        response.close()
