"""The city's side (issue 15) on real parts: a private PostgreSQL 15 and mosquitto started
here (Debian packages), the hall's real live pipeline writing SQLite, the outbox shipping
it. Faults: the central database down for an hour of monitoring, the shipper killed
mid-batch, the same data sent twice, the broker restarted, a hall with a wrong password."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import alerts
from monitor.central import outbox, schema, simulate
from monitor.central.options import CentralOptions
from monitor.central.sync import Shipper
from monitor.cli import cli
from monitor.errors import ConfigError, InputError
from monitor.storage import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
psycopg = pytest.importorskip("psycopg", reason="the central extra: pip install '.[central]'")
local = pytest.importorskip("monitor.central.local")

HALLS = {"hall_a": "pw-a", "hall_b": "pw-b"}
CITY = ("city", "pw-city")
MORNING = datetime(2026, 11, 20, 9, 0).astimezone()


def _have(program: str) -> bool:
    try:
        local._need(program, "")
        return True
    except ConfigError:
        return False


def _install_services() -> str | None:
    """The Debian packages, installed like CI does; the reason to skip if that fails."""
    if _have("initdb") and _have("mosquitto") and _have("mosquitto_passwd"):
        return None
    try:
        subprocess.run(["sh", str(ROOT / "scripts" / "central-services.sh"), "--install-only"],
                       check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"PostgreSQL/mosquitto could not be installed: {exc}"
    return None if _have("initdb") and _have("mosquitto") else "PostgreSQL/mosquitto missing"


@pytest.fixture(scope="module")
def pg():
    reason = _install_services()
    if reason:
        pytest.skip(reason)
    server = local.Postgres().init().start()
    schema.upgrade(server.url)
    for hall, password in HALLS.items():
        schema.add_role(server.url, hall, password)
    schema.add_role(server.url, *CITY, city=True)
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def broker():
    reason = _install_services()
    if reason:
        pytest.skip(reason)
    server = local.Broker({**HALLS, CITY[0]: CITY[1]}, tuple(HALLS)).start()
    yield server
    server.destroy()


@pytest.fixture
def clean(pg):
    """Each test starts from an empty city."""
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("truncate " + ", ".join(TABLES + STATE))
    return pg


TABLES = ("sessions", "utterances", "visits", "hits", "findings", "light_events",
          "recordings", "audit")
STATE = ("heartbeats", "acks", "users", "settings", "training", "added_findings", "appeals",
         "lexicon_changes", "queue_events", "ratings")


def options(pg, hall="hall_a", password=None) -> CentralOptions:
    return CentralOptions.from_table(
        {"url": pg.hall_url(hall, password or HALLS[hall]), "hall": hall}, "hall.toml")


def hall_config(tmp_path, pg, hall="hall_a", password=None) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(f'[central]\nurl = "{pg.hall_url(hall, password or HALLS[hall])}"\n'
                    f'hall = "{hall}"\n', encoding="utf-8")
    return path


def monitored(scorer, db: Path, windows: dict[str, float]) -> Store:
    """A hall box: outbox installed (as [central] does), then windows monitored."""
    store = Store(db)
    outbox.install(store.db.conn)
    for window, minutes in windows.items():
        simulate.monitor(scorer, store, window, MORNING, simulate.stretch(minutes))
    return store


def local_ids(db: Path) -> dict[str, set[str]]:
    conn = sqlite3.connect(db)
    ids = {t: {str(r[0]) for r in conn.execute(
        f"select [{outbox.SHIPPED[t]}] from [{t}]")} for t in TABLES}
    conn.close()
    return ids


def central_ids(pg, hall: str) -> dict[str, list[str]]:
    """The ids per table as a list, so a duplicate would show (the key forbids one too)."""
    with psycopg.connect(pg.url) as conn:
        return {t: sorted(r[0] for r in conn.execute(f"select id from {t} where hall = %s",
                                                      [hall])) for t in TABLES}


def assert_same(db: Path, pg, hall: str, least: int = 100) -> None:
    here, there = local_ids(db), central_ids(pg, hall)
    for table in TABLES:
        assert there[table] == sorted(here[table]), table
    assert sum(len(v) for v in there.values()) >= least


def test_outbox_notes_every_change_once_per_row_and_survives_a_restart(scorer, tmp_path):
    db = tmp_path / "hall.db"
    store = monitored(scorer, db, {"W01": 10})
    store.close()
    conn = sqlite3.connect(db)  # another process, later: the outbox is in the file
    rows = conn.execute("select tbl, key, op from outbox").fetchall()
    noted = {(t, k) for t, k, _ in rows}
    present = {(t, k) for t, keys in local_ids(db).items() for k in keys}
    assert len(rows) == len(noted) and present <= noted  # every row once, none forgotten
    assert {op for t, k, op in rows if (t, k) not in present} == {"delete"}  # re-judged away
    assert outbox.install(conn) == []  # idempotent: nothing watched twice, nothing re-noted
    assert conn.execute("select count(*) from outbox").fetchone()[0] == len(rows)


def test_an_hour_without_the_city_arrives_exactly_once(scorer, clean, tmp_path):
    db, config = tmp_path / "hall.db", hall_config(tmp_path, clean)
    clean.stop()  # the city's database is down for the next hour of monitoring
    try:
        monitored(scorer, db, {"W01": 60, "W02": 15}).close()
        runner = CliRunner()
        failed = runner.invoke(cli, ["sync", "run", "--once", "--config", str(config),
                                     "--db", str(db)])
        assert failed.exit_code == 1 and "错误：central database: cannot connect" in failed.output
        status = runner.invoke(cli, ["sync", "status", "--config", str(config), "--db", str(db)])
        pending = sqlite3.connect(db).execute("select count(*) from outbox").fetchone()[0]
        assert pending >= sum(len(v) for v in local_ids(db).values())
        assert f"待上传变更：{pending} 条" in status.output and "上次错误" in status.output
    finally:
        clean.start()
    shipped = CliRunner().invoke(cli, ["sync", "run", "--once", "--config", str(config),
                                       "--db", str(db)])
    assert shipped.exit_code == 0, shipped.output
    assert_same(db, clean, "hall_a")
    status = CliRunner().invoke(cli, ["sync", "status", "--config", str(config), "--db", str(db)])
    assert "待上传变更：0 条" in status.output and "上次错误" not in status.output


def test_same_data_twice_and_a_rescored_session_replace_rows(scorer, clean, tmp_path):
    db = tmp_path / "hall.db"
    store = monitored(scorer, db, {"W01": 10})
    ship = simulate_ship(db, clean)
    before = central_ids(clean, "hall_a")
    # the same data noted again (a restored backup, an outbox re-filled by hand): no change
    with ship.conn:
        for table in TABLES:
            ship.conn.execute(f"insert into outbox (tbl, key, op) select '{table}', "
                              f"[{outbox.SHIPPED[table]}], 'update' from [{table}]")
    assert ship.drain() > 0
    assert central_ids(clean, "hall_a") == before
    # the session scored again from its file: fewer rows, the city follows
    runner = CliRunner()
    for profile in ("general", "hospital"):
        result = runner.invoke(cli, ["score", str(ROOT / "audio" / "hospital_taboo.jsonl"),
                                     "--window", "W09", "--profile", profile,
                                     "--at", "2026-11-20T10:00", "--db", str(db)])
        assert result.exit_code == 0, result.output
        ship.drain()
        assert_same(db, clean, "hall_a")
    with psycopg.connect(clean.url) as conn:
        profile = conn.execute("select row->>'profile' from sessions where hall = 'hall_a' "
                               "and row->>'window' = 'W09'").fetchall()
    assert profile == [("hospital",)]
    ship.close()
    store.close()


def simulate_ship(db: Path, pg, hall="hall_a"):
    from monitor.central.sync import Shipper

    ship = Shipper(db, options(pg, hall))
    assert ship.drain() > 0
    assert_same(db, pg, hall, least=10)
    return ship


def test_a_box_killed_mid_sync_resumes_without_loss_or_duplicate(scorer, clean, tmp_path):
    db, config = tmp_path / "hall.db", hall_config(tmp_path, clean)
    monitored(scorer, db, {"W01": 60, "W02": 60}).close()
    total = sum(len(v) for v in local_ids(db).values())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    box = subprocess.Popen([sys.executable, "-c", "from monitor.cli import cli; cli()",
                            "sync", "run", "--config", str(config), "--db", str(db)],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    arrived = 0
    deadline = time.monotonic() + 60
    with psycopg.connect(clean.url, autocommit=True) as conn:
        while arrived == 0 and time.monotonic() < deadline:
            arrived = conn.execute(" union all ".join(
                f"(select 1 from {t} limit 1)" for t in TABLES)).fetchone() is not None
            time.sleep(0.005)
    box.send_signal(signal.SIGKILL)
    box.wait()
    with psycopg.connect(clean.url) as conn:
        landed = sum(conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES)
    assert 0 < landed < total, "killed before or after the whole backlog, not in the middle"
    result = CliRunner().invoke(cli, ["sync", "run", "--once", "--config", str(config),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert_same(db, clean, "hall_a")


def test_a_wrong_password_is_refused_by_the_database_and_the_broker(clean, broker, tmp_path,
                                                                    scorer):
    db = tmp_path / "hall.db"
    monitored(scorer, db, {"W01": 5}).close()
    config = hall_config(tmp_path, clean, password="guess")
    result = CliRunner().invoke(cli, ["sync", "run", "--once", "--config", str(config),
                                      "--db", str(db)])
    assert result.exit_code == 1
    assert 'password authentication failed for user "hall_a"' in result.output
    assert central_ids(clean, "hall_a")["visits"] == []
    # a hall's own login cannot write, change or delete another hall's rows
    with psycopg.connect(options(clean, "hall_b").url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into visits (hall, id, row) values ('hall_a', 'x', '{}')")
    driver = alerts.driver_from_config({"type": "mqtt", "url": broker.url, "hall": "hall_a",
                                        "password": "guess", "timeout_s": 1.0}, "hall.toml")
    try:
        with pytest.raises(ConnectionError, match="Not authorized"):
            driver.show(_event("W01", "red"))
    finally:
        driver.close()


def _event(window, state):
    from monitor.records import LightEvent
    return LightEvent(window, state, "green", datetime.now().astimezone(), id=1)


def _retained(broker, hall: str, wait_s: float = 3.0) -> dict[str, str]:
    """What a display subscribing now gets: each window's retained light."""
    from monitor.central.mqtt import CityBoard

    board = CityBoard(broker.url, *CITY)
    try:
        assert board.ready.wait(10)
        time.sleep(wait_s)
        return board.lights(hall)
    finally:
        board.close()


def test_lights_on_mqtt_stay_right_through_a_broker_restart(scorer, broker, tmp_path):
    store = Store(tmp_path / "hall.db")
    driver = alerts.driver_from_config({"type": "mqtt", "url": broker.url, "hall": "hall_b",
                                        "password": HALLS["hall_b"], "timeout_s": 0.5},
                                       "hall.toml [[lights]]")
    lights = alerts.Lights(alerts.Lights.for_store(store).machine,
                           alerts.Dispatcher([driver], retry_s=0.2, max_retry_s=1.0))
    bank = simulate.stretch(1, samples=[ROOT / "audio" / "bank_wait.jsonl"])
    taboo = simulate.stretch(1, samples=[ROOT / "audio" / "hospital_taboo.jsonl"])
    simulate.monitor(scorer, store, "W01", MORNING, bank, lights)
    broker.stop()  # restarted while the hall goes on monitoring
    simulate.monitor(scorer, store, "W02", MORNING, taboo, lights)
    simulate.monitor(scorer, store, "W03", MORNING, taboo[:4], lights)
    time.sleep(1.5)  # down for longer than the driver waits: the changes fail and are retried
    broker.start()
    want = {w: e.state for w, e in store.current_lights().items()}
    assert "red" in want.values() and len(want) == 3
    deadline = time.monotonic() + 30
    while (seen := _retained(broker, "hall_b", wait_s=0.5)) != want:
        assert time.monotonic() < deadline, seen
    assert lights.dispatcher.failures["mqtt"] > 0  # the changes did meet the broker down
    # hall_b's user may not speak for hall_a: the broker drops it (ACL)
    import paho.mqtt.client as paho
    rogue = paho.Client(paho.CallbackAPIVersion.VERSION2)
    rogue.username_pw_set("hall_b", HALLS["hall_b"])
    rogue.connect("127.0.0.1", broker.port)
    rogue.loop_start()
    rogue.publish("courtesy/hall_a/W01/light", json.dumps({"state": "red"}), 1, True)
    time.sleep(0.3)
    rogue.disconnect()
    rogue.loop_stop()
    assert "W01" not in _retained(broker, "hall_a", wait_s=1.0)
    lights.close()
    driver.close()
    store.close()


def test_city_report_ranks_halls(scorer, clean, tmp_path):
    for hall, windows in (("hall_a", {"W01": 15}), ("hall_b", {"W01": 5, "W02": 5})):
        db = tmp_path / f"{hall}.db"
        monitored(scorer, db, windows).close()
        simulate_ship(db, clean, hall)
    city = clean.hall_url(*CITY)
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--db", city, "--date", "2026-11-20",
                                 "--format", "json", "-o", "-"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    with psycopg.connect(clean.url) as conn:
        visits = dict(conn.execute("select hall, count(*) from visits where kind = 'live' "
                                   "group by hall").fetchall())
        means = dict(conn.execute("select hall, avg(score) from visits group by hall").fetchall())
    assert {h["hall"]: h["visits"] for h in report["halls"]} == visits
    assert [h["rank"] for h in report["halls"]] == [1, 2]
    best = max(means, key=means.get)
    assert report["halls"][0]["hall"] == best
    assert {(w["hall"], w["window"]) for w in report["windows"]} == {
        ("hall_a", "W01"), ("hall_b", "W01"), ("hall_b", "W02")}
    assert sum(w["visits"] for w in report["windows"]) == sum(visits.values())
    with psycopg.connect(clean.url) as conn:  # the staff dimension: as the city's own rows
        staff = {(h, w, st): n for h, w, st, n in conn.execute(
            'select hall, "window", staff, count(*) from visits where kind = \'live\' '
            'group by 1, 2, 3').fetchall()}
    assert {(s["hall"], s["window"], s["staff"]): s["visits"] for s in report["staff"]} == staff
    assert sum(s["visits"] for s in report["staff"]) == sum(visits.values())
    assert {"S01", "S02"} <= {s["staff"] for s in report["staff"]}
    html = tmp_path / "city.html"
    assert runner.invoke(cli, ["report", "--db", city, "--date", "2026-11-20",
                               "-o", str(html)]).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "大厅排名" in page and "hall_b" in page and "各工作人员" in page
    assert page.count('data-field="staff.') == len(staff)
    csv_out = runner.invoke(cli, ["report", "--db", city, "--date", "2026-11-20",
                                  "--format", "csv", "-o", "-"]).output.splitlines()
    assert csv_out[0].startswith("rank,hall,window,staff,") and len(csv_out) == 1 + 2 + 3 + len(staff)
    assert sum(line.count(",S0") for line in csv_out) == len(staff)


def test_city_figures_leave_out_a_finding_on_an_unsure_role(scorer, clean, tmp_path):
    """One pickup gave the customer's 你烦不烦 to staff, unsure: the city counts no
    critical finding and no failed visit for it, as the hall's own figures do."""
    from .test_roles import pickup

    db = tmp_path / "hall_a.db"
    store = Store(db)
    outbox.install(store.db.conn)
    store.save(scorer.score(pickup(), window="W01", staff="S01", started_at=MORNING))
    store.close()
    Shipper(db, options(clean, "hall_a")).drain()
    result = CliRunner().invoke(cli, ["report", "--db", clean.hall_url(*CITY), "--date",
                                      "2026-11-20", "--format", "json", "-o", "-"])
    assert result.exit_code == 0, result.output
    [hall] = json.loads(result.output)["halls"]
    assert (hall["visits"], hall["critical"], hall["failed"]) == (1, 0, 0)


def test_sync_init_migrates_and_creates_a_hall_that_logs_in(clean, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", "init", clean.url, "--hall", "hall_new",
                                 "--password-stdin"], input="pw-new\n")
    assert result.exit_code == 0, result.output
    head = max(p.name[:4] for p in (ROOT / "monitor" / "central" / "migrations" / "versions")
               .glob("0*.py"))  # the newest migration
    assert f"数据库结构版本：{head}" in result.output and "已创建角色：hall_new" in result.output
    with psycopg.connect(clean.hall_url("hall_new", "pw-new")) as conn:
        assert conn.execute("select count(*) from visits").fetchone() == (0,)
    missing = runner.invoke(cli, ["sync", "status", "--config", str(hall_config(tmp_path, clean)),
                                  "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "nope.db：没有这个数据库" in missing.output
    assert not (tmp_path / "nope.db").exists()


def test_recordings_ship_their_metadata_and_audio_only_when_asked(clean, tmp_path):
    from monitor.central.sync import Shipper
    from monitor.records import Recording

    db = tmp_path / "hall.db"
    store = Store(db)
    outbox.install(store.db.conn)
    flac = tmp_path / "W01-0900.flac"
    flac.write_bytes((ROOT / "audio" / "bank_wait.flac").read_bytes())
    for path, kept in ((flac, True), (tmp_path / "gone.flac", False)):
        store.save_recording(Recording(str(path), "W01", MORNING, MORNING, kept, "all"))
    for ship_audio in (False, True):
        table = {"url": clean.hall_url("hall_a", HALLS["hall_a"]), "hall": "hall_a",
                 "ship_audio": ship_audio}
        ship = Shipper(db, CentralOptions.from_table(table, "hall.toml"))
        with ship.conn:  # ship both again
            ship.conn.execute("insert into outbox (tbl, key, op) select 'recordings', path, "
                              "'update' from recordings")
        ship.drain()
        ship.close()
        with psycopg.connect(clean.url) as conn:
            audio = dict(conn.execute("select id, audio from recordings").fetchall())
        assert audio.keys() == {str(flac), str(tmp_path / "gone.flac")}
        assert audio[str(flac)] == (flac.read_bytes() if ship_audio else None)
        assert audio[str(tmp_path / "gone.flac")] is None
    store.close()


def test_central_options_are_checked_key_by_key():
    with pytest.raises(InputError, match="字段“central.mqtt_pasword”"):
        CentralOptions.from_table({"url": "postgresql://h:p@db/c", "hall": "h",
                                   "mqtt_pasword": "x"}, "hall.toml")
    with pytest.raises(InputError, match="字段“central.hall”"):
        CentralOptions.from_table({"url": "postgresql://h:p@db/c", "hall": "Hall 1"},
                                  "hall.toml")
    ok = CentralOptions.from_table({"url": "postgresql://h:p@db/c", "hall": "h1"}, "hall.toml")
    assert ok.mqtt_user == "h1" and ok.ship_audio is False
    assert ok.board_events == "sqlite"
    with pytest.raises(InputError, match="字段“central.board_events”"):
        CentralOptions.from_table({"url": "postgresql://h:p@db/c", "hall": "h1",
                                   "board_events": "kafka"}, "hall.toml")
    with pytest.raises(InputError, match="字段“central.mqtt_url”"):
        CentralOptions.from_table({"url": "postgresql://h:p@db/c", "hall": "h1",
                                   "board_events": "mqtt"}, "hall.toml")


def test_city_board_shows_each_hall_live_and_drills_down(scorer, clean, broker, tmp_path):
    from monitor.central.board import create_city_app

    db = tmp_path / "hall_a.db"
    store = monitored(scorer, db, {})
    driver = alerts.driver_from_config({"type": "mqtt", "url": broker.url, "hall": "hall_a",
                                        "password": HALLS["hall_a"]}, "hall.toml")
    lights = alerts.Lights(alerts.Lights.for_store(store).machine, alerts.Dispatcher([driver]))
    today = datetime.now().astimezone().replace(hour=9, minute=0, second=0, microsecond=0)
    simulate.monitor(scorer, store, "W07", today,
                     simulate.stretch(1, samples=[ROOT / "audio" / "hospital_taboo.jsonl"]),
                     lights)
    lights.close()
    simulate_ship(db, clean)
    city = CentralOptions.from_table({"url": clean.hall_url(*CITY), "hall": "city",
                                      "mqtt_url": broker.url, "mqtt_password": CITY[1]}, "c")
    app = create_city_app(city.url, city)
    client = app.test_client()
    want = store.current_lights()["W07"].state
    deadline = time.monotonic() + 10
    while not (halls := client.get("/api/halls").json["halls"]):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    row = next(h for h in halls if h["hall"] == "hall_a")
    assert row[want] == 1 and row["online"] is True
    page = client.get("/").get_data(as_text=True)
    visits = len(store.live_visits(today.date(), today.date()))
    assert 'data-hall="hall_a"' in page and f"<td>{visits}</td>" in page
    assert "W07" in client.get("/hall/hall_a").get_data(as_text=True)
    assert client.get("/hall/nowhere").status_code == 404
    driver.close()  # the hall's monitor stops: the board says so
    while next(h for h in client.get("/api/halls").json["halls"]
               if h["hall"] == "hall_a")["online"]:
        assert time.monotonic() < deadline + 10
        time.sleep(0.1)
    app.extensions["city_board"].close()
    store.close()


def _tile(client, window: str) -> dict | None:
    return next((v for v in client.get("/api/lights").json["windows"] if v["window"] == window),
                None)


def _until(check, within_s: float, what: str):
    deadline = time.monotonic() + within_s
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return found


def test_hall_board_takes_its_lights_from_the_broker_through_a_restart(broker, tmp_path):
    from monitor.central.mqtt import MqttDriver
    from monitor.config import Hall
    from monitor.records import LightEvent
    from monitor.web import WebOptions, create_app

    from monitor.accounts import add_user

    from .test_web import PASSWORD, ack, login

    db = tmp_path / "hall.db"
    store = Store(db)  # the database the monitor writes and the board serves
    add_user(store, "zhang", "supervisor", PASSWORD)
    hall = Hall(central={"url": "postgresql://hall_a:pw@127.0.0.1:9/none", "hall": "hall_a",
                         "mqtt_url": broker.url, "mqtt_password": HALLS["hall_a"],
                         "board_events": "mqtt"})
    app = create_app(db, WebOptions(poll_s=0.02, live_s=0.2, heartbeat_s=0.2), hall)
    hub, client = app.extensions["courtesy_hub"], app.test_client()
    subscriber = hub.subscribe()  # the SSE stream's subscription
    driver = MqttDriver(broker.url, "hall_a", password=HALLS["hall_a"], heartbeat_s=0.5,
                        timeout_s=0.5)
    try:
        assert hub.events.ready.wait(10)
        sent = time.monotonic()
        driver.show(LightEvent("W05", "yellow", "green", datetime.now().astimezone(),
                               "no_greeting", "minor", visit="v1", id=41))
        _until(lambda: (_tile(client, "W05") or {}).get("state") == "yellow", 2.0,
               "the light change on the board within 2 s")
        assert time.monotonic() - sent < 2.0
        streamed = []  # the broker's retained lights of earlier tests may come first
        while 41 not in [m.event_id for m in streamed]:
            streamed += subscriber.queue.get(timeout=2)
        assert '"state":"yellow"' in next(m.text for m in streamed if m.event_id == 41)
        assert client.get("/api/events?after=40").json["events"][0]["id"] == 41
        assert store.light_events() == []  # never in SQLite: it came from the broker
        # a red light the monitor stored and published: acknowledged into the hall's database
        red = store.add_light_event(LightEvent("W06", "red", "green", datetime.now().astimezone(),
                                               "taboo", "critical"))
        driver.show(red)
        _until(lambda: (_tile(client, "W06") or {}).get("ackable"), 2.0, "the red light")
        assert ack(client, red.id, login(client)).json["acknowledged"] == red.id
        assert store.ack_of(red.id).user == "zhang"
        assert "已确认" in _tile(client, "W06")["state_label"]
        _until(lambda: _tile(client, "W05")["live"] is True, 3.0, "the driver's heartbeat")
        broker.stop()  # restarted under the board: it must come back by itself
        time.sleep(1.0)
        broker.start()
        red = LightEvent("W05", "red", "yellow", datetime.now().astimezone(), "taboo",
                         "critical", visit="v1", id=42)
        _until(lambda: _shown(driver, red), 20.0, "the driver reconnected")
        _until(lambda: (_tile(client, "W05") or {}).get("state") == "red", 10.0,
               "the board resubscribed after the broker's restart")
        assert [e.id for e in hub.events.light_events(window="W05")] == [41, 42]  # once each
        driver.close()  # the monitor stops: its retained heartbeat ages into 监测中断
        _until(lambda: _tile(client, "W05")["state"] == "interrupted", 10.0,
               "a stopped monitor shown as interrupted")
    finally:
        driver.close()
        hub.stop()
        store.close()


def test_a_monitors_state_reaches_the_broker_fed_board(broker, tmp_path):
    """The heartbeat on MQTT carries the monitor's state: a board fed by the broker shows a
    microphone unplugged, and a monitor that stopped, at once, as the SQLite board does."""
    from monitor.alerts import beat_relays
    from monitor.central.mqtt import MqttDriver
    from monitor.config import Hall
    from monitor.liveness import Beater, Ear
    from monitor.records import Heartbeat
    from monitor.web import WebOptions, create_app

    db = tmp_path / "hall.db"
    store = Store(db)
    hall = Hall(central={"url": "postgresql://hall_a:pw@127.0.0.1:9/none", "hall": "hall_a",
                         "mqtt_url": broker.url, "mqtt_password": HALLS["hall_a"],
                         "board_events": "mqtt"})
    app = create_app(db, WebOptions(poll_s=0.02, live_s=0.2, heartbeat_s=0.2), hall)
    hub, client = app.extensions["courtesy_hub"], app.test_client()
    driver = MqttDriver(broker.url, "hall_a", password=HALLS["hall_a"], heartbeat_s=0.5,
                        timeout_s=0.5)
    beater = Beater(store, [Ear("W08")], "listen", beat_s=0.0, relays=beat_relays([driver]))
    try:
        assert hub.events.ready.wait(10)
        beater.tick()
        _until(lambda: (_tile(client, "W08") or {}).get("live") is True, 5.0, "listening")
        driver.beat(Heartbeat("W08", beater.monitor, datetime.now().astimezone(), "unplugged",
                              message="音频设备已断开，正在重新连接"))
        unplugged = _until(lambda: (t := _tile(client, "W08")) and t["live"] is False and t,
                           2.0, "the unplugged microphone on the board")
        assert unplugged["cause"] == "麦克风已断开"
        assert hub.events.heartbeats()["W08"].message == "音频设备已断开，正在重新连接"
        beater.tick()  # the microphone is back
        _until(lambda: _tile(client, "W08")["live"] is True, 3.0, "listening again")
        beater.stop()  # a clean stop: shown at once, not after the heartbeat ages
        stopped = _until(lambda: (t := _tile(client, "W08"))["live"] is False and t, 2.0,
                         "the stopped monitor")
        assert stopped["cause"] == "监测已停止"
        assert store.heartbeats()["W08"].state == "stopped"  # the hall's database too
    finally:
        driver.close()
        hub.stop()
        store.close()


def _shown(driver, event) -> bool:
    try:
        driver.show(event)
        return True
    except ConnectionError:
        return False


def test_lexicon_versions_ship_with_the_sessions_judged_by_them(clean, tmp_path):
    from monitor import tuning
    from monitor.central.sync import Shipper
    from monitor.records import LexiconChange

    db = tmp_path / "hall.db"
    store = Store(db)
    outbox.install(store.db.conn)
    tuning.apply(store, LexiconChange("taboo", "你烦不烦", "off", "", "本厅误报多", "zhang"))
    session = tuning.scorer(store, "hospital").score_file(
        ROOT / "audio" / "hospital_taboo.jsonl", window="W03", started_at=MORNING)
    store.save(session)
    ship = Shipper(db, options(clean))
    ship.drain()
    with psycopg.connect(clean.url) as conn:
        assert conn.execute("select id, kind, phrase, change from lexicon_changes where "
                            "hall = 'hall_a'").fetchall() == [("1", "taboo", "你烦不烦", "off")]
        assert conn.execute("select lexicon_version from sessions where hall = 'hall_a' and "
                            "id = %s", [session.id]).fetchone() == (1,)
    ship.close()
    store.close()


def test_hall_state_ships_without_hashes_or_secrets(clean, tmp_path):
    from monitor.accounts import add_user
    from monitor.records import Heartbeat, LightEvent
    from monitor.central.sync import Shipper

    db = tmp_path / "hall.db"
    store = Store(db)
    outbox.install(store.db.conn)
    now = datetime.now().astimezone()
    for window in ("W01", "W02"):
        store.beat(Heartbeat(window, "listen 1@box", now, "listening"))
    red = store.add_light_event(LightEvent("W01", "red", "green", now, "taboo", "critical"))
    assert store.acknowledge(red.id, "zhang", now)
    add_user(store, "zhang", "supervisor", "secret-pw-1234")
    store.setting("web_secret_key", "0123abcd")
    store.setting("board_title", "东区大厅")
    ship = Shipper(db, options(clean))
    ship.drain()
    later = now.replace(microsecond=0) + timedelta(seconds=7)
    store.beat(Heartbeat("W02", "listen 1@box", later, "listening"))  # the same state again:
    assert outbox.pending(ship.conn, 9) == []  # noted at most once a minute
    store.beat(Heartbeat("W01", "listen 2@box", later, "unplugged"))  # the latest replaces
    assert ship.drain() == 1
    assert ship.drain() == 0
    with psycopg.connect(clean.url) as conn:
        def rows(table):
            return {r[0]: r[1] for r in conn.execute(
                f"select id, row from {table} where hall = 'hall_a' order by id")}
        beats = rows("heartbeats")
        assert sorted(beats) == ["W01", "W02"]
        assert beats["W01"]["state"] == "unplugged" and beats["W01"]["monitor"] == "listen 2@box"
        assert conn.execute("select state from heartbeats where id = 'W01'").fetchone() == (
            "unplugged",)
        acks = rows("acks")
        assert [a["event"] for a in acks.values()] == [red.id]
        users = rows("users")
        assert users["zhang"]["role"] == "supervisor" and "password_hash" not in users["zhang"]
        assert store.account("zhang").password_hash[:20] not in str(users)
        assert rows("settings") == {"board_title": {"name": "board_title", "value": "东区大厅"}}
    # the same again changes nothing; another hall neither sees nor writes these rows
    with ship.conn:
        ship.conn.execute("insert into outbox (tbl, key, op) select 'users', name, 'update' "
                          "from users")
    assert ship.drain() == 1
    with psycopg.connect(options(clean, "hall_b").url, autocommit=True) as conn:
        assert conn.execute("select count(*) from heartbeats").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into acks (hall, id, row) values ('hall_a', '9', '{}')")
    with psycopg.connect(clean.url) as conn:
        assert conn.execute("select count(*) from users").fetchone() == (1,)
    ship.close()
    store.close()


def test_queue_events_and_ratings_ship_and_rank_halls_by_rating(scorer, clean, tmp_path):
    """Issue 22: the hall's queue events and ratings reach the city like its visits (a
    re-import ships nothing twice), and the city report ranks halls by rating too."""
    from monitor import hallevents
    from monitor.central import city
    from monitor.records import QueueEvent, Rating
    from monitor.central.sync import Shipper

    levels = {"hall_a": [3, 4], "hall_b": [5, 5, 4]}
    for hall, given in levels.items():
        db = tmp_path / f"{hall}.db"
        store = monitored(scorer, db, {"W01": 2})
        calls = [QueueEvent(f"Q{n}", f"A{n:03d}", "W01", MORNING + timedelta(minutes=n), "户籍")
                 for n in range(len(given))]
        ratings = [Rating(f"R{n}", "W01", MORNING + timedelta(minutes=n, seconds=50), level,
                          f"A{n:03d}", "", "电话13812345678" if n == 0 else "")
                   for n, level in enumerate(given)]
        hallevents.save(store, "queue", calls, "test")
        hallevents.save(store, "ratings", ratings, "test")
        ship = Shipper(db, options(clean, hall))
        ship.drain()
        hallevents.save(store, "ratings", ratings, "test")  # again: only its audit row
        assert [c.table for c in outbox.pending(store.db.conn, 100)] == ["audit"]
        ship.close()
        store.close()
    with psycopg.connect(clean.url) as conn:
        assert conn.execute("select hall, count(*) from queue_events group by hall "
                            "order by hall").fetchall() == [("hall_a", 2), ("hall_b", 3)]
        rows = conn.execute("select hall, id, level, ticket, row->>'text' from ratings "
                            "order by hall, id").fetchall()
    assert [(h, i, lv, t) for h, i, lv, t, _ in rows][:2] == [("hall_a", "R0", 3, "A000"),
                                                             ("hall_a", "R1", 4, "A001")]
    assert all("13812345678" not in (text or "") for *_, text in rows)
    report = city.build(clean.hall_url(*CITY), MORNING.date(), MORNING.date())
    by_hall = {f.hall: f for f in report.halls}
    assert (by_hall["hall_b"].rating_rank, by_hall["hall_a"].rating_rank) == (1, 2)
    assert by_hall["hall_a"].ratings == 2 and by_hall["hall_a"].mean_rating == 3.5
    assert "按群众评价排名" in city.render_html(report)


def test_a_halls_role_cannot_rewrite_or_delete_its_audit_trail_or_lexicon_changes(
        clean, tmp_path):
    """Issue 21: hall_a updated and deleted its own `audit` and `lexicon_changes` rows in
    PostgreSQL. Now refused (migration 0004); shipping the same rows again still works."""
    from monitor import tuning
    from monitor.central.sync import Shipper
    from monitor.lexicon import load
    from monitor.records import AuditEntry

    db = tmp_path / "hall.db"
    store = Store(db)
    outbox.install(store.db.conn)
    store.add_audit(AuditEntry("zhang", "login", "zhang", "supervisor", "127.0.0.1"))
    tuning.apply(store, tuning.propose(store, load(), "你烦不烦", "off", "", "多为顾客所说",
                                       "zhang"))
    ship = Shipper(db, options(clean))
    assert ship.drain() >= 3
    hall = options(clean).url
    for table in ("audit", "lexicon_changes"):
        for statement in (f"update {table} set row = row || '{{\"actor\": \"x\"}}'",
                          f"delete from {table}"):
            with psycopg.connect(hall) as conn, pytest.raises(
                    psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    outbox.install(store.db.conn)  # noted again: shipped twice, no error, nothing changed
    store.db.conn.execute("insert into outbox (tbl, key, op) select 'audit', id, 'insert' "
                          "from audit")
    store.db.conn.commit()
    assert ship.drain() >= 2
    with psycopg.connect(clean.url) as conn:
        actors = {r[0] for r in conn.execute("select row->>'actor' from audit")}
        changes = conn.execute("select count(*) from lexicon_changes").fetchone()[0]
    assert actors == {"zhang"} and changes == 1
    with psycopg.connect(hall) as conn:  # a hall may still add its own rows
        conn.execute("insert into audit (hall, id, row) values ('hall_a', 'x1', '{}')")
    ship.close()
    store.close()


def test_one_hall_cannot_knock_another_off_the_broker_nor_speak_for_it(broker):
    """Issue 21: hall A connecting with hall B's client id (`courtesy-<hall>-<pid>@<host>`,
    every part guessable) closed B's connection and published B's retained `offline`. Now
    every id carries a random part, and the ACL gives each hall's login its own topics only."""
    import paho.mqtt.client as paho
    from monitor.central.mqtt import CityBoard

    drivers = [alerts.driver_from_config({"type": "mqtt", "url": broker.url, "hall": "hall_b",
                                          "password": HALLS["hall_b"], "timeout_s": 2.0},
                                         "hall.toml") for _ in range(2)]
    driver = drivers[0]
    try:
        driver.show(_event("W05", "green"))
        ids = [d.client._client_id.decode() for d in drivers]
        guessable = f"courtesy-hall_b-{driver.monitor}"
        assert ids[0] != ids[1] and all(i.startswith(guessable + "-") for i in ids)
        dropped = []
        driver.client.on_disconnect = lambda *a: dropped.append(a)
        rogue = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=guessable)
        rogue.username_pw_set("hall_a", HALLS["hall_a"])
        rogue.connect("127.0.0.1", broker.port)
        rogue.loop_start()
        rogue.publish("courtesy/hall_b/status", "offline", 1, True)
        rogue.publish("courtesy/hall_b/W05/light", json.dumps({"state": "red"}), 1, True)
        time.sleep(1.0)
        rogue.disconnect()
        rogue.loop_stop()
        assert dropped == [], "hall_b's monitor was knocked off the broker"
        board = CityBoard(broker.url, *CITY)
        try:
            assert board.ready.wait(10)
            time.sleep(1.0)
            [seen] = [row for row in board.summary() if row["hall"] == "hall_b"]
            assert seen["online"] is True and board.lights("hall_b")["W05"] == "green"
        finally:
            board.close()
    finally:
        for each in drivers:
            each.close()
