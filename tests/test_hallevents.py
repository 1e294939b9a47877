"""Queue events and ratings in (issue 22): the canonical format, vendor mappings, the CLI,
the watched folder and the API; idempotent by id, a bad row stores nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor import config, hallevents, hallimport
from monitor.config import Hall, HallSystem
from monitor.errors import InputError
from monitor.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "audio" / "hall"
CST = timezone(timedelta(hours=8))
TOKEN_Q, TOKEN_R = "queue-token-0123456789", "ratings-token-0123456789"


def queue_line(n: int, **change) -> str:
    row = {"id": f"Q{n}", "ticket": f"A{n:03d}", "window": "W01", "business": "户籍",
           "called": f"2026-11-22T09:{n:02d}:00+08:00", "started": "", "finished": ""}
    return json.dumps({**row, **change}, ensure_ascii=False)


def count(db_path, table) -> int:
    return Store(db_path).db[table].count


def test_canonical_queue_file_imports_once(run, db_path):
    first = run("hall", "import", "queue", SAMPLES / "queue.jsonl", "--db", db_path)
    again = run("hall", "import", "queue", SAMPLES / "queue.jsonl", "--db", db_path)
    assert first.exit_code == again.exit_code == 0
    assert "新增 3 条" in first.output and "已有 3 条" in again.output
    events = hallevents.queue_events(Store(db_path))
    assert [e.ticket for e in events] == ["A001", "A002", "B001"]
    assert events[0].called == datetime(2026, 11, 22, 9, 0, tzinfo=CST)
    assert events[0].business == "户籍证明" and events[2].finished is None


def test_a_changed_event_is_updated_not_added(tmp_path, db_path):
    store = Store(db_path)
    path = tmp_path / "q.jsonl"
    path.write_text(queue_line(1) + "\n", encoding="utf-8")
    hallevents.import_file(store, "queue", path)
    path.write_text(queue_line(1, finished="2026-11-22T09:05:00+08:00") + "\n", encoding="utf-8")
    done = hallevents.import_file(store, "queue", path)
    assert (done.new, done.changed, done.same) == (0, 1, 0)
    [event] = hallevents.queue_events(store)
    assert event.finished == datetime(2026, 11, 22, 9, 5, tzinfo=CST)


def test_vendor_csv_through_a_mapping_masks_the_citizens_text(run, db_path):
    result = run("hall", "import", "ratings", SAMPLES / "ratings.csv",
                 "--mapping", SAMPLES / "ratings-mapping.toml", "--db", db_path)
    assert result.exit_code == 0, result.output
    ratings = {r.id: r for r in hallevents.ratings(Store(db_path))}
    assert ratings["R0001"].level == 5 and ratings["R0001"].window == "W01"
    assert ratings["R0002"].level == 2 and ratings["R0002"].reason == "态度生硬"
    assert "13812345678" not in ratings["R0002"].text and "138****5678" in ratings["R0002"].text
    assert ratings["R0003"].at == datetime(2026, 11, 22, 9, 3, 10, tzinfo=CST)


def test_gbk_json_export_with_level_names_and_records_path(tmp_path, db_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('format = "json"\nencoding = "gbk"\nrecords = "data.list"\n'
                       'time_format = "%Y/%m/%d %H:%M"\ntimezone = "+0800"\n'
                       '[fields]\nid = "pjid"\nwindow = "ckh"\nat = "sj"\nlevel = "jg"\n'
                       '[levels]\n"好评" = 5\n"差评" = 1\n', encoding="utf-8")
    export = tmp_path / "export.json"
    rows = [{"pjid": 7, "ckh": "W03", "sj": "2026/11/22 10:15", "jg": "差评"},
            {"pjid": 8, "ckh": "W03", "sj": "2026/11/22 10:20", "jg": "基本满意"}]
    export.write_bytes(json.dumps({"data": {"list": rows}}, ensure_ascii=False).encode("gbk"))
    hallevents.import_file(Store(db_path), "ratings", export, hallimport.load_mapping(mapping))
    got = hallevents.ratings(Store(db_path), window="W03")
    assert [(r.id, r.level) for r in got] == [("7", 1), ("8", 3)]
    assert got[0].at == datetime(2026, 11, 22, 10, 15, tzinfo=CST)


@pytest.mark.parametrize("line, field, says", [
    (queue_line(3, called="2026-11-22T09:03:00"), "called", "no offset"),
    (queue_line(3, called="九点"), "called", "not a time"),
    (queue_line(3, ticket=""), "ticket", "missing"),
    (queue_line(3, window="3号 窗口"), "window", "letters, digits"),
    (queue_line(3, finished="2026-11-22T08:00:00+08:00"), "finished", "before the call"),
    ("{not json", None, "not valid JSON"),
])
def test_a_bad_row_names_file_line_and_field_and_stores_nothing(
        tmp_path, db_path, run, line, field, says):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([queue_line(1), queue_line(2), line]) + "\n", encoding="utf-8")
    result = run("hall", "import", "queue", path, "--db", db_path)
    assert result.exit_code == 1
    assert f"{path} 第 3 行" in result.output and says in result.output
    if field:
        assert f"字段“{field}”" in result.output
    assert "Traceback" not in result.output
    assert not db_path.exists() or count(db_path, "queue_events") == 0


def test_a_bad_rating_level_names_the_vendor_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,window,at,level\nR1,W01,2026-11-22T09:00:00+08:00,7\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        hallimport.read(path, "ratings")
    assert caught.value.line == 2 and caught.value.field == "level"


@pytest.mark.parametrize("text, field", [
    ('bogus = 1\n', "bogus"), ('[fields]\nticktet = "x"\n', "fields.ticktet"),
    ('[levels]\n"好" = 9\n', "levels.好"), ('timezone = "Asia/Shanghai"\n', "timezone"),
    ('encoding = "klingon"\n', "encoding"), ('[windows]\n"1号" = "1 号"\n', "windows.1号"),
])
def test_a_bad_mapping_is_one_error_naming_the_key(tmp_path, text, field):
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        hallimport.load_mapping(path)
    assert caught.value.field == field


def test_watched_folder_imports_once_and_moves_files(tmp_path, db_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.jsonl").write_text(queue_line(1) + "\n", encoding="utf-8")
    (inbox / "bad.jsonl").write_text(queue_line(2, ticket="") + "\n", encoding="utf-8")
    (inbox / "half.jsonl.part").write_text(queue_line(3) + "\n", encoding="utf-8")
    hall = Hall(queue=HallSystem(folder=inbox))
    store = Store(db_path)
    outcomes = hallevents.sweep_hall(store, hall)
    assert {p.name for p, _ in outcomes} == {"good.jsonl", "bad.jsonl"}
    assert (inbox / "done" / "good.jsonl").exists() and (inbox / "failed" / "bad.jsonl").exists()
    reason = (inbox / "failed" / "bad.jsonl.error.txt").read_text(encoding="utf-8")
    assert "导入失败" in reason and "第 1 行" in reason and "“ticket”" in reason
    assert (inbox / "half.jsonl.part").exists()  # still being copied
    assert hallevents.sweep_hall(store, hall) == []  # imported once
    assert [e.id for e in hallevents.queue_events(store)] == ["Q1"]


def test_a_folder_named_while_serving_is_watched_without_a_restart(tmp_path, db_path):
    """`serve` looked at hall.toml's folders once at start: a [queue] folder added later was
    never swept until the server was restarted."""
    import threading
    import time

    from monitor.hallwatch import HallFile

    path, inbox = tmp_path / "hall.toml", tmp_path / "inbox"
    path.write_text('[windows.W01]\nname = "户籍窗口"\n', encoding="utf-8")
    stop = threading.Event()
    watcher = threading.Thread(target=hallevents.watch,
                               args=(db_path, HallFile.read(path), stop, 0.05))
    watcher.start()
    try:
        path.write_text(f'[windows.W01]\nname = "户籍窗口"\n[queue]\nfolder = "{inbox}"\n',
                        encoding="utf-8")
        inbox.mkdir()
        (inbox / "calls.jsonl").write_text(queue_line(1) + "\n", encoding="utf-8")
        deadline = time.monotonic() + 10
        while not (inbox / "done" / "calls.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert [e.id for e in hallevents.queue_events(Store(db_path))] == ["Q1"]


def test_hall_toml_queue_and_ratings_sections(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text(f'[queue]\nfolder = "in/q"\ntoken = "{TOKEN_Q}"\n'
                    f'[ratings]\nfolder = "in/r"\nmapping = "m.toml"\ndevice = true\n',
                    encoding="utf-8")
    hall = config.load(path)
    assert hall.queue.folder == Path("in/q") and hall.queue.token == TOKEN_Q
    assert hall.ratings.mapping == Path("m.toml") and hall.rating_device
    path.write_text('[queue]\ntoken = "short"\n', encoding="utf-8")
    with pytest.raises(InputError, match="16 characters"):
        config.load(path)
    path.write_text('[ratings]\ndevise = true\n', encoding="utf-8")
    with pytest.raises(InputError, match="did you mean device"):
        config.load(path)


@pytest.fixture
def api(db_path):
    from monitor.web import WebOptions, create_app

    hall = Hall(queue=HallSystem(token=TOKEN_Q), ratings=HallSystem(token=TOKEN_R))
    return create_app(db_path, WebOptions(poll_s=0.05, board_login=True), hall).test_client()


def test_api_takes_each_systems_events_by_its_token(api, db_path):
    body = "\n".join([queue_line(1), queue_line(2)])
    sent = api.post("/api/hall/events", data=body, headers={"Authorization": f"Bearer {TOKEN_Q}"})
    assert sent.status_code == 200 and sent.json["new"] == 2 and sent.json["kind"] == "queue"
    again = api.post("/api/hall/events", data=body,
                     headers={"Authorization": f"Bearer {TOKEN_Q}"})
    assert again.json["unchanged"] == 2 and count(db_path, "queue_events") == 2
    rating = json.dumps({"id": "R1", "window": "W01", "at": "2026-11-22T09:01:00+08:00",
                         "level": 1, "text": "我的电话是13912345678"})
    sent = api.post("/api/hall/events", data=rating,
                    headers={"Authorization": f"Bearer {TOKEN_R}"})
    assert sent.status_code == 200 and sent.json["kind"] == "ratings"
    assert "13912345678" not in hallevents.ratings(Store(db_path))[0].text


def test_api_refuses_a_wrong_token_with_an_audit_row(api, db_path):
    for header in ({"Authorization": "Bearer guessed-token-000000"}, {}):
        refused = api.post("/api/hall/events", data=queue_line(1), headers=header)
        assert refused.status_code == 401
    assert count(db_path, "queue_events") == 0
    rows = [e for e in Store(db_path).audit() if e.action == "hall.api.refused"]
    assert len(rows) == 2


def test_api_bad_line_is_400_naming_it_and_stores_nothing(api, db_path):
    body = "\n".join([queue_line(1), queue_line(2, called="tomorrow")])
    refused = api.post("/api/hall/events", data=body,
                       headers={"Authorization": f"Bearer {TOKEN_Q}"})
    assert refused.status_code == 400
    assert refused.json["line"] == 2 and refused.json["field"] == "called"
    assert count(db_path, "queue_events") == 0

