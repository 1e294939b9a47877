"""The web board: who may acknowledge, forged and replayed requests, escaping, the stream."""
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from monitor.accounts import add_user, authenticate
from monitor.records import LightEvent
from monitor.storage import Store
from monitor.web import WebOptions, create_app

from .conftest import ROOT

T0 = datetime(2026, 11, 22, 9, 0).astimezone()
EVIL = '<script>alert("x")</script>'
PASSWORD = "correct horse battery"
COURTESY = str(Path(sys.executable).parent / "courtesy")


def light(store, window, state, previous="off", quote="", rule=""):
    return store.add_light_event(LightEvent(window, state, previous, T0, rule=rule,
                                            severity="critical" if state == "red" else "",
                                            quote=quote))


@pytest.fixture
def store(db_path):
    store = Store(db_path)
    add_user(store, "zhang", "supervisor", PASSWORD)
    add_user(store, "li", "viewer", PASSWORD)
    return store


def make_client(db_path, **options):
    app = create_app(db_path, WebOptions(poll_s=0.02, heartbeat_s=0.2, **options))
    return app, app.test_client()


@pytest.fixture
def app_client(store, db_path):
    app, client = make_client(db_path)
    yield app, client
    app.extensions["courtesy_hub"].stop()


@pytest.fixture
def client(app_client):
    return app_client[1]


@pytest.fixture
def red(store):
    light(store, "W01", "green")
    return light(store, "W01", "red", "green", quote="你烦不烦", rule="taboo")


def csrf(client) -> str:
    client.get("/login")
    with client.session_transaction() as session:
        return session["csrf"]


def login(client, name="zhang", password=PASSWORD):
    response = client.post("/login", data={"name": name, "password": password,
                                           "csrf": csrf(client), "next": "/"})
    assert response.status_code == 302, response.text
    return csrf(client)  # a login issues a fresh token


def ack(client, event_id, token, **headers):
    return client.post("/ack", data={"event": event_id, "csrf": token},
                       headers={"Accept": "application/json", **headers})


def test_passwords_are_stored_hashed(store, db_path, run):
    account = store.account("zhang")
    assert PASSWORD not in account.password_hash and account.password_hash.startswith("scrypt:")
    assert authenticate(store, "zhang", PASSWORD).role == "supervisor"
    assert authenticate(store, "zhang", PASSWORD + "x") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    with open(db_path, "rb") as raw:
        assert PASSWORD.encode() not in raw.read()


@pytest.mark.slow
def test_user_commands(db_path):
    def courtesy(*args, stdin=""):
        return subprocess.run([COURTESY, *args, "--db", str(db_path)],
                              input=stdin, capture_output=True, text=True)

    added = courtesy("user", "add", "wang", "--role", "supervisor", "--password-stdin",
                     stdin="s3cret-pass\n")
    assert added.returncode == 0 and "已添加账号 wang（值班主管，supervisor）" in added.stdout
    again = courtesy("user", "add", "wang", "--role", "viewer", "--password-stdin",
                     stdin="s3cret-pass\n")
    assert again.returncode == 1
    assert again.stderr.strip() == "错误：用户 wang 已存在（user wang exists: use --replace " \
                                   "to reset the password or role）"
    short = courtesy("user", "add", "zhao", "--role", "viewer", "--password-stdin", stdin="abc\n")
    assert short.stderr.strip() == "错误：zhao 的密码至少 8 个字符（password for zhao: at least " \
                                   "8 characters）"
    listed = courtesy("user", "list")
    assert listed.stdout.split()[:2] == ["wang", "值班主管（supervisor）"] and "s3cret" not in listed.stdout
    assert authenticate(Store(db_path), "wang", "s3cret-pass") is not None


def test_acknowledge_needs_a_login(client, store, red):
    assert ack(client, red.id, csrf(client)).status_code == 401
    form = client.post("/ack", data={"event": red.id, "csrf": csrf(client)})
    assert form.status_code == 302 and "/login" in form.headers["Location"]
    assert not store.acknowledged(red.id)


def test_forged_acknowledgements_are_refused(client, store, red):
    token = login(client)
    assert ack(client, red.id, "").status_code == 403
    assert ack(client, red.id, token[:-2] + "xx").status_code == 403
    assert ack(client, red.id, "非ASCII令牌").status_code == 403
    assert ack(client, red.id, token, Origin="http://evil.example").status_code == 403
    assert ack(client, red.id, token, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert not store.acknowledged(red.id)


def test_acknowledge_once_then_replay_is_refused(client, store, red):
    token = login(client)
    response = ack(client, red.id, token, Origin="http://localhost")
    assert response.status_code == 200, response.text
    assert response.json["acknowledged"] == red.id
    assert response.json["window"]["ack"].startswith("已由 zhang 于")
    assert response.json["window"]["ackable"] is False
    assert store.ack_of(red.id).user == "zhang"
    replay = ack(client, red.id, token)
    assert replay.status_code == 409 and replay.json["error"] == "已由 zhang 确认过"
    assert len(list(store.db["acks"].rows)) == 1


def test_viewers_cannot_acknowledge(client, store, red):
    token = login(client, "li")
    response = ack(client, red.id, token)
    assert response.status_code == 403 and response.json["error"] == "只有值班主管可以确认红灯"
    assert not store.acknowledged(red.id)


def test_only_a_stored_red_can_be_acknowledged(client, store, red):
    token = login(client)
    assert ack(client, red.id - 1, token).status_code == 409  # the green before it
    assert ack(client, 9999, token).status_code == 404


def test_login_refuses_wrong_password_missing_token_and_foreign_next(client):
    token = csrf(client)
    wrong = client.post("/login", data={"name": "zhang", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    unknown = client.post("/login", data={"name": "nobody", "password": PASSWORD, "csrf": token})
    assert unknown.status_code == 401
    assert client.post("/login", data={"name": "zhang", "password": PASSWORD}).status_code == 403
    response = client.post("/login", data={"name": "zhang", "password": PASSWORD, "csrf": token,
                                           "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_strict(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_logout_needs_the_token(client):
    token = login(client)
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    with client.session_transaction() as session:
        assert "user" not in session


def test_transcript_html_is_escaped_on_every_page_and_in_the_stream(client, store, red):
    evil = light(store, "W<b>", "red", quote=EVIL, rule="taboo")
    pages = [client.get("/"), client.get("/window/W<b>"), client.get("/api/lights"),
             client.get("/api/events?after=0")]
    login(client)
    pages.append(client.get("/"))  # with the supervisor's acknowledge forms
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<b>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[0].text
    [shown] = [w for w in pages[2].json["windows"] if w["window"] == "W<b>"]
    assert shown["quote"] == EVIL  # the text itself is kept; only its encoding is safe
    chunks = read_stream(client, f"/events?after={evil.id - 1}", lambda text: "id: " in text)
    assert "<" not in chunks and "\\u003cscript\\u003e" in chunks
    data = json.loads(chunks.split("data: ", 1)[1].split("\n", 1)[0])
    assert data["quote"] == EVIL and data["window"] == "W<b>"


def read_stream(client, url, done, timeout=5.0, headers=None) -> str:
    """Read a server-sent event stream until `done(text so far)` or the timeout."""
    response = client.get(url, buffered=False, headers=headers or {})
    text, deadline = "", time.monotonic() + timeout
    try:
        for chunk in response.response:
            text += chunk.decode() if isinstance(chunk, bytes) else chunk
            if done(text) or time.monotonic() > deadline:
                break
    finally:
        response.close()
    return text


def test_stream_delivers_a_new_event(app_client, store, red, db_path):
    app, client = app_client
    stored = []

    def later(text):
        if not stored:  # the stream is open: the monitor (another connection) stores a change
            stored.append(light(Store(db_path), "W02", "yellow", "green", rule="please"))
        return f"id: {stored[0].id}\n" in text

    text = read_stream(client, f"/events?after={red.id}", later)
    assert text.startswith("retry: 1000\n\n")
    event = text.split(f"id: {stored[0].id}\n", 1)[1]
    data = json.loads(event.split("data: ", 1)[1].split("\n", 1)[0])
    assert (data["window"], data["state"], data["state_label"]) == ("W02", "yellow", "提醒")
    assert f"id: {red.id}\n" not in text  # not before `after`
    assert app.extensions["courtesy_hub"].subscribers == 0  # closed streams unsubscribe


def test_stream_resumes_from_last_event_id_and_filters_windows(client, store, red):
    other = light(store, "W02", "green")
    text = read_stream(client, "/events?after=999", lambda t: "id: " in t,
                       headers={"Last-Event-ID": str(red.id - 1)})
    assert f"id: {red.id}\n" in text  # the header wins over ?after
    only = read_stream(client, "/events?after=0&window=W02", lambda t: "id: " in t)
    assert f"id: {other.id}\n" in only and '"window":"W01"' not in only


def test_stream_pushes_an_acknowledgement_as_an_update(client, store, red):
    token = login(client)

    def acked(text):
        if "retry" in text and "stored" not in acked.__dict__:
            acked.stored = ack(client, red.id, token).status_code
        return "event: update" in text

    text = read_stream(client, f"/events?after={red.id}", acked)
    data = json.loads(text.split("event: update\ndata: ", 1)[1].split("\n", 1)[0])
    assert acked.stored == 200 and data["ack"].startswith("已由 zhang") and not data["ackable"]


def test_api_shapes(client, store, red):
    lights = client.get("/api/lights").json
    assert lights["last_event"] == red.id
    [w01] = lights["windows"]
    assert {"window", "event", "state", "previous", "state_label", "at", "since", "rule",
            "severity", "quote", "pinyin", "heard_by", "cause", "cause_mark", "cause_title",
            "prompt", "ackable", "ack", "visit", "visit_text", "findings", "name", "replay",
            "live", "reason", "interrupted_since", "fault"} == set(w01)
    assert (w01["state"], w01["event"], w01["ackable"], w01["cause"]) == (
        "red", red.id, True, "服务忌语：你烦不烦")
    events = client.get(f"/api/events?after={red.id - 1}").json
    assert events["last_event"] == red.id
    [event] = events["events"]
    assert {k: event[k] for k in ("id", "window", "state", "previous", "rule", "quote",
                                  "acknowledged_by")} == {
        "id": red.id, "window": "W01", "state": "red", "previous": "green", "rule": "taboo",
        "quote": "你烦不烦", "acknowledged_by": None}
    assert client.get(f"/api/events?after={red.id}").json == {"events": [],
                                                              "last_event": red.id}
    assert client.get("/window/W01").status_code == 200
    assert client.get("/window/W09").status_code == 404  # neither configured nor ever seen


def test_board_login_option_closes_the_board(store, red, db_path):
    app, client = make_client(db_path, board_login=True)
    try:
        for page in ("/", "/window/W01", "/health", "/training", "/review", "/review/lexicon",
                     "/appeals", "/audit", "/users", "/settings", "/me"):
            answer = client.get(page)
            assert answer.status_code == 302 and "/login?next=" in answer.location, page
        assert client.get("/api/lights").status_code == 401
        assert client.get("/events").status_code == 401
        login(client, "li")
        assert client.get("/").status_code == 200 and "W01" in client.get("/").text
    finally:
        app.extensions["courtesy_hub"].stop()


def test_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.slow
def test_played_red_waits_for_an_acknowledgement(db_path):
    """`play --linger` keeps the light machine running after the transcript until the
    board's acknowledgement (written by another process) releases the red."""
    command = [COURTESY, "play",
               str(ROOT / "audio" / "hospital_taboo.jsonl"), "--window", "W03",
               "--profile", "hospital", "--red-hold", "0", "--linger", "120", "--db", str(db_path)]
    player = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    # a loaded machine starts the player slowly (jieba's dictionary alone took 21 s at load 14)
    store, deadline = Store(db_path), time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            reds = [e for e in store.light_events() if e.state == "red"]
            if reds:
                break
            time.sleep(0.05)
        assert reds, "no red light stored within 90 s"
        time.sleep(0.5)
        assert player.poll() is None  # still waiting for the supervisor
        assert store.acknowledge(reds[0].id, "zhang", datetime.now().astimezone())
        output, _ = player.communicate(timeout=10)
    finally:
        player.kill()
    assert player.returncode == 0
    lights = [line.strip() for line in output.splitlines() if line.strip().startswith("提示灯")]
    # acknowledged after the transcript's end the red goes idle at once; on a loaded machine
    # the acknowledgement can come while the visit is still played: red → reminder → idle
    assert any(line.startswith("提示灯 W03 严重 → ") for line in lights)
    assert lights[-1].endswith("→ 空闲")


def test_page_script_never_parses_text_as_html():
    script = (ROOT / "monitor" / "static" / "board.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


@pytest.mark.slow
def test_served_streams_free_their_thread_when_the_page_goes(board_server):
    """With two server threads, streams opened and dropped must not starve the board."""
    import http.client
    import urllib.request

    url = board_server("--threads", "2")  # so one stream at most (--max-streams 1)
    port = int(url.rsplit(":", 1)[1])
    for _ in range(4):
        deadline = time.monotonic() + 5  # the dropped stream's slot frees within a second
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/events")
            response = connection.getresponse()
            if response.status != 503 or time.monotonic() > deadline:
                break
            connection.close()
            time.sleep(0.2)
        assert (response.status, response.read(7)) == (200, b"retry: ")
        connection.close()
    started = time.monotonic()
    with urllib.request.urlopen(url + "/api/lights", timeout=10) as answer:
        assert json.load(answer)["windows"] == []
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_serve_on_a_taken_port_is_one_clear_error(board_server, db_path):
    url = board_server()
    port = url.rsplit(":", 1)[1]
    taken = subprocess.run([COURTESY, "serve", "--db", str(db_path), "--port", port],
                           capture_output=True, text=True, timeout=30)
    assert taken.returncode == 1
    assert taken.stderr.strip().startswith(f"错误：cannot serve on 127.0.0.1:{port}: ")


def test_personal_numbers_are_masked_on_the_board_and_in_the_api(client, store):
    said = "你手机号13812345678都不会填吗"
    event = light(store, "W05", "red", quote=said, rule="taboo")
    pages = {"board": client.get("/").text, "window": client.get("/window/W05").text,
             "lights": client.get("/api/lights").text,
             "events": client.get(f"/api/events?after={event.id - 1}").text,
             "stream": read_stream(client, f"/events?after={event.id - 1}", lambda t: "id: " in t)}
    counter = pages.pop("window")  # the counter screen shows no quote at all
    assert "138" not in counter and "请注意文明用语" in counter
    for name, text in pages.items():
        assert "13812345678" not in text, name
        assert "138****5678" in text, name


def heard_visit(store, scorer):
    """A stored visit whose staff line a recogniser heard (characters decoded from pinyin)."""
    from .conftest import utt

    session = scorer.score([
        utt(0, 2, "staff", "您好请坐"),
        utt(3, 5, "customer", "我办社保卡"),
        utt(6, 8, "staff", "你烦不烦", pinyin="nǐ fán bù fán", heard_by="sherpa"),
        utt(9, 11, "staff", "请慢走再见")], window="W07", staff="S01")
    store.save(session)
    return session.visits[0]


def test_counter_screen_shows_the_light_and_a_prompt_never_the_quote(db_path, store, scorer):
    from monitor.config import Hall

    visit = heard_visit(store, scorer)
    event = store.add_light_event(LightEvent("W07", "red", "green", T0, rule="taboo",
                                             severity="critical", quote="你烦不烦", visit=visit.id))
    app, client = make_client(db_path)
    try:
        page = client.get("/window/W07").text
        stream = read_stream(client, f"/events?after={event.id - 1}&window=W07&counter=1",
                             lambda t: "id: " in t)
        board = client.get("/").text
    finally:
        app.extensions["courtesy_hub"].stop()
    for text in (page, stream):
        assert "请注意文明用语" in text and "严重" in text
        assert "你烦不烦" not in text and "nǐ" not in text and " 分 · " not in text
    assert 'data-counter="1"' in page
    assert "你烦不烦" in board and " 分 · " in board  # the supervisor's board keeps the details
    shown = create_app(db_path, WebOptions(poll_s=0.02), hall=Hall(counter_details=True))
    try:
        detailed = shown.test_client().get("/window/W07").text
    finally:
        shown.extensions["courtesy_hub"].stop()
    assert "你烦不烦" in detailed and 'data-counter' not in detailed


def test_machine_heard_quotes_are_marked_with_their_pinyin(client, store, scorer):
    visit = heard_visit(store, scorer)
    store.add_light_event(LightEvent("W07", "red", "green", T0, rule="taboo",
                                     severity="critical", quote="你烦不烦", visit=visit.id))
    [w07] = [w for w in client.get("/api/lights").json["windows"] if w["window"] == "W07"]
    assert w07["cause"] == "服务忌语：你烦不烦" and w07["cause_mark"] == "机器识别"
    assert (w07["quote"], w07["pinyin"], w07["heard_by"]) == ("你烦不烦", "nǐ fán bù fán", "sherpa")
    assert "由语音自动识别，可能有误" in w07["cause_title"] and "nǐ fán bù fán" in w07["cause_title"]
    taboo = [f for f in w07["findings"] if "服务忌语" in f["text"]]
    assert taboo and taboo[0]["mark"] == "机器识别"  # its quote may be the pinyin matched
    typed = [f for f in w07["findings"] if "服务忌语" not in f["text"]]
    assert all(f["mark"] == "" and f["title"] == "" for f in typed)
    board = client.get("/").text
    assert 'title="由语音自动识别，可能有误；拼音：nǐ fán bù fán"' in board


def test_guessing_a_password_is_throttled(db_path, store):
    app, client = make_client(db_path, login_failures=3, login_wait_s=60)
    try:
        token = csrf(client)
        for _ in range(3):
            wrong = client.post("/login", data={"name": "zhang", "password": "guess-1234",
                                                "csrf": token})
            assert wrong.status_code == 401
        right = client.post("/login", data={"name": "zhang", "password": PASSWORD, "csrf": token})
        assert right.status_code == 429 and "密码错误次数过多" in right.text
        other = client.post("/login", data={"name": "li", "password": PASSWORD, "csrf": token})
        assert other.status_code == 302  # only the guessed name waits
    finally:
        app.extensions["courtesy_hub"].stop()
