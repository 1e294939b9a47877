"""Storage faults: a monitor never dies of its database, and counts rows to prove it.

Full disks (a page limit on the connection: SQLITE_FULL), locks held by other writers,
several monitors on one file, two sessions started in the same second, a monitor killed
with SIGKILL and restarted, bad transcripts refused before anything is stored, and fast
replays that must not store times in the future.
"""
from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
import sqlite_utils

from monitor import live, transcript
from monitor.live import LiveSession, play
from monitor.storage import Store
from monitor.vocabulary import verdict_label

from .conftest import ROOT, utt

AT = datetime(2026, 11, 20, 9, 0).astimezone()
SAMPLE = ROOT / "audio" / "utility_day.jsonl"


def rows(db_path, table: str, where: str = "1", args=()) -> int:
    """Rows as another connection sees them (as after a killed process)."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"select count(*) from [{table}] where {where}", args).fetchone()[0]


def wait_rows(db_path, table: str, at_least: int, timeout: float = 120) -> None:
    """Until another process has stored `at_least` rows (its tables may not exist yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if rows(db_path, table) >= at_least:
                return
        except sqlite3.OperationalError:  # no such table yet
            pass
        time.sleep(0.02)
    pytest.fail(f"{at_least} {table} were not stored within {timeout} s")


def full(store: Store) -> None:
    """The database may grow no more: every write that needs a page fails SQLITE_FULL."""
    pages = store.db.execute("pragma page_count").fetchone()[0]
    store.db.execute(f"pragma max_page_count = {pages}")


def unlimited(store: Store) -> None:
    store.db.execute("pragma max_page_count = 1073741823")


def courtesy(*args) -> list[str]:
    return [sys.executable, "-c", "from monitor.cli import cli; cli()", *map(str, args)]


def environment() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


LONG = "我想问一下这个业务怎么办理比较好，需要带哪些材料，" * 6
BULKY = LONG * 10  # more than a page: never fits in the room left in the last pages


@pytest.fixture
def bulky(write_jsonl):
    """The sample day with customers who talk at length: every utterance needs new pages."""
    return write_jsonl([{**transcript.to_json(u), "text": u.text + BULKY}
                        if u.role == "customer" else transcript.to_json(u)
                        for u in transcript.read(SAMPLE)], "bulky.jsonl")


# --- 1. failed writes never kill the monitor ------------------------------------------

def test_a_full_disk_holds_the_work_in_order_and_writes_it_once_it_can(scorer, db_path,
                                                                       caplog):
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    session.feed(utt(0, 2, "staff", "您好"))
    full(session.store)
    with caplog.at_level(logging.WARNING, "courtesy.live"):
        for start in range(3, 90, 3):
            session.feed(utt(start, start + 2, "customer", LONG))
            session.tick(start + 2.5)
    held = rows(db_path, "utterances")
    assert held < 30  # the free room in the last pages ran out
    assert session.backlog > 0 and session.fault.startswith("数据库已满，暂存 ")
    assert session.fault == f"数据库已满，暂存 {session.backlog} 条"
    warned = [r for r in caplog.records if "holding" in r.getMessage()]
    assert len(warned) == 1  # once per fault, not once per retry
    unlimited(session.store)
    assert session.drain(10) == 0 and session.fault == ""
    assert rows(db_path, "utterances") == 30
    stored = [r[0] for r in sqlite3.connect(db_path).execute(
        "select start from utterances order by idx")]
    assert stored == [0] + list(range(3, 90, 3))  # in order, none lost


def test_the_backlog_is_bounded_and_says_what_it_dropped(scorer, db_path, caplog):
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, backlog_limit=5)
    session.feed(utt(0, 2, "staff", "您好"))
    full(session.store)
    with caplog.at_level(logging.WARNING, "courtesy.live"):
        for start in range(3, 33, 3):  # ten utterances of one visit
            session.feed(utt(start, start + 2, "customer", BULKY))
    written = rows(db_path, "utterances")  # the first, and what fitted in freed pages
    assert session.backlog == 5  # four utterances and the visit's latest judgement
    assert session.dropped == (11 - written) + 1 - 5 > 0  # utterances and the visit held
    dropped = [r.getMessage() for r in caplog.records if "dropped utterance" in r.getMessage()]
    assert len(dropped) == session.dropped
    assert f"dropped utterance {written} (customer, 09:00:{3 * written:02d})" in dropped[0]
    assert session.fault == f"数据库已满，暂存 5 条，已丢弃 {session.dropped} 条"
    unlimited(session.store)
    assert session.drain(10) == 0
    kept = [r[0] for r in sqlite3.connect(db_path).execute(
        "select idx from utterances order by idx")]
    assert kept == list(range(written)) + [7, 8, 9, 10]  # the oldest held went
    assert rows(db_path, "visits") == 1


def test_a_lock_held_too_long_is_waited_out_in_the_backlog(scorer, db_path, monkeypatch):
    monkeypatch.setattr("monitor.storage.BUSY_S", 0.2)
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    session.feed(utt(0, 2, "staff", "您好"))
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("begin immediate")  # another process holds the write lock
    session.feed(utt(3, 5, "customer", "我办社保卡"))
    assert session.fault.startswith("数据库被占用，暂存 ")
    assert rows(db_path, "utterances") == 1
    other.execute("commit")
    assert session.drain(10) == 0 and rows(db_path, "utterances") == 2


def test_light_changes_wait_in_the_backlog_and_keep_their_order(scorer, db_path):
    store = Store(db_path)
    session = LiveSession(scorer, store, window="W1", started_at=AT)
    lights = live.lights_for([session], store)
    full(store)
    events = []
    for line in (utt(0, 2, "staff", "您好" + BULKY), utt(3, 5, "staff", "你烦不烦")):
        for update in session.feed(line):
            events += lights.update(update)
    assert events[-1].state == "red" and events[-1].id is None
    assert rows(db_path, "light_events") == 0 and session.backlog > 0
    # issue 21: a full disk released reds (red -> yellow -> off with no acknowledgement)
    for minutes in (2, 10, 60):
        assert lights.tick(AT + timedelta(minutes=minutes)) == []  # held: red until acked
    assert lights.machine.state("W1") == "red"
    unlimited(store)
    assert session.drain(10) == 0
    assert lights.tick(AT + timedelta(minutes=61)) == []  # stored now: it waits for its ack
    [red] = [e for e in store.light_events() if e.state == "red"]
    assert store.acknowledge(red.id, "zhang", AT + timedelta(minutes=62))
    events += lights.tick(AT + timedelta(minutes=62))
    assert events[-1].state == "yellow"
    session.drain(10)
    states = [r[0] for r in sqlite3.connect(db_path).execute(
        "select state from light_events order by id")]
    assert states == [e.state for e in events] and len(states) >= 3
    lights.close()


def test_play_on_a_full_disk_ends_with_a_stopped_heartbeat_not_the_backlog(
        run, db_path, monkeypatch, bulky):
    """Issue 21: the run exited 0 (its backlog written at the end) while its heartbeat
    still said `storage / 暂存 23 条`: the last beat is written after the backlog."""
    Store(db_path).close()
    stores = []

    def writer(path, config=None):  # the disk is full until the replay has ended
        stores.append(Store(path))
        full(stores[-1])
        return stores[-1]

    drain = live.LiveSession.drain

    def freed_then_drain(session, timeout, *args):
        unlimited(stores[0])
        return drain(session, timeout, *args)

    monkeypatch.setattr("monitor.commands.scoring.writer", writer)
    monkeypatch.setattr(live.LiveSession, "drain", freed_then_drain)
    result = run("play", bulky, "--window", "W1", "--db", db_path, "--at", "2026-11-20T09:00")
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db_path) as conn:
        beat = conn.execute("select state, backlog, message from heartbeats").fetchall()
    assert beat == [("stopped", 0, "监测已停止")]


def test_play_with_a_full_database_keeps_going_and_writes_everything_later(scorer, db_path,
                                                                            bulky):
    utterances = transcript.read(bulky)
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, replay=True)
    full(session.store)
    held = []

    def lift(at):  # the disk is freed half way through the replay
        held.append(session.backlog)
        if at >= AT + timedelta(seconds=60):
            unlimited(session.store)

    updates = list(play(session, utterances, on_tick=lift))
    assert max(held) > 0 and updates[-1].state == "closed"
    assert session.drain(10) == 0
    assert rows(db_path, "utterances") == len(utterances)
    assert rows(db_path, "visits") == len(scorer.score(utterances, window="W1").visits)
    assert rows(db_path, "sessions", "ended_at is not null") == 1


def test_play_that_never_could_write_ends_with_a_clear_error(run, db_path, monkeypatch, bulky):
    Store(db_path).close()

    def writer(path, config=None):  # the database play opens may grow no more
        store = Store(path)
        full(store)
        return store

    monkeypatch.setattr("monitor.commands.scoring.writer", writer)
    monkeypatch.setattr(live, "DRAIN_S", 0.5)
    result = run("play", bulky, "--window", "W1", "--db", db_path, "--at", "2026-11-20T09:00")
    assert result.exit_code == 1
    assert "条记录未能写入数据库（数据库已满，暂存" in result.stderr
    assert "nothing already stored is lost" in result.stderr
    assert "[02:" in result.stdout  # it played to the end
    assert rows(db_path, "utterances") < len(transcript.read(bulky))


# --- 2. many monitors on one database -------------------------------------------------

@pytest.mark.slow  # real subprocesses or seconds of real time
def test_four_plays_and_a_writer_holding_the_lock_all_store_everything(db_path, scorer):
    Store(db_path).close()
    lines = transcript.read(SAMPLE)
    plays = [subprocess.Popen(courtesy("play", SAMPLE, "--window", f"W{n}", "--db", db_path,
                                       "--speed", 50),
                              env=environment(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for n in range(4)]
    wait_rows(db_path, "utterances", 4)
    holder = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    holder.execute("begin immediate")
    held_at = rows(db_path, "utterances")
    time.sleep(3)  # everyone else waits for the lock
    holder.execute("insert into settings (name, value) values ('probe', 'x')")
    holder.execute("commit")
    results = [(p.wait(timeout=180), p.stderr.read()) for p in plays]
    assert [code for code, _ in results] == [0] * 4, results
    assert held_at < 4 * len(lines)  # the lock came while they were writing
    assert rows(db_path, "sessions") == 4
    assert rows(db_path, "utterances") == 4 * len(lines)
    assert rows(db_path, "visits") == 4 * len(scorer.score(lines, window="W1").visits)
    assert rows(db_path, "visits", "provisional = 1") == 0


# --- 3. session ids never collide -----------------------------------------------------

def test_two_sessions_for_one_window_in_the_same_second_keep_apart(scorer, db_path):
    store = Store(db_path)
    first = LiveSession(scorer, store, window="W1", started_at=AT)
    second = LiveSession(scorer, store, window="W1", started_at=AT)
    assert first.session.id != second.session.id
    first.feed(utt(0, 2, "staff", "您好"))
    second.feed(utt(0, 2, "staff", "你好请坐"))
    assert rows(db_path, "sessions") == 2 and rows(db_path, "utterances") == 2


# --- 4. kill -9 resumes the day -------------------------------------------------------

def _play(db_path, *options):
    return subprocess.Popen(courtesy("play", SAMPLE, "--window", "W1", "--db", db_path,
                                     "--at", "2026-11-20T09:00", *options),
                            env=environment(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow  # real subprocesses or seconds of real time
def test_a_killed_play_resumes_its_session_without_duplicates(db_path, scorer):
    lines = transcript.read(SAMPLE)
    visits = len(scorer.score(lines, window="W1").visits)
    first = _play(db_path, "--speed", 10)
    wait_rows(db_path, "utterances", 4)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)  # reaped: its pid is gone
    stored = rows(db_path, "utterances")
    assert 4 <= stored < len(lines)
    assert rows(db_path, "visits", "provisional = 1") == 1  # the visit in progress
    assert rows(db_path, "sessions", "ended_at is null") == 1
    second = _play(db_path)
    assert second.wait(timeout=120) == 0, second.stderr.read()
    assert rows(db_path, "sessions") == 1 and rows(db_path, "sessions", "ended_at is null") == 0
    assert rows(db_path, "utterances") == len(lines)  # the rest, none twice
    assert rows(db_path, "visits") == visits
    assert rows(db_path, "visits", "provisional = 1") == 0


def _kill_owner(db_path) -> None:
    """As if the process owning the sessions had died (a pid nobody has)."""
    with sqlite3.connect(db_path) as conn:
        conn.execute("update sessions set monitor = '999999999@' || "
                     "substr(monitor, instr(monitor, '@') + 1)")


def test_live_audio_continues_the_same_session_with_later_times(scorer, db_path):
    first = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    first.feed(utt(0, 2, "staff", "您好"))
    first.feed(utt(3, 5, "customer", "我办社保卡"))
    [visit] = sqlite_utils.Database(db_path)["visits"].rows
    assert verdict_label(visit["verdict"], visit["provisional"]) == "合格（暂定）"
    _kill_owner(db_path)
    later = LiveSession(scorer, Store(db_path), window="W1",
                        started_at=AT + timedelta(minutes=10))
    assert later.session.id == first.session.id and later.offset == 600
    [closed] = later.tick(0.5)  # the old visit's silence is long over: it is finished
    assert closed.state == "closed" and rows(db_path, "visits", "provisional = 1") == 0
    later.feed(utt(1, 3, "staff", "您好"))
    at = sqlite3.connect(db_path).execute(
        "select at from utterances where idx = 2").fetchone()[0]
    assert at.startswith("2026-11-20T09:10:01")
    assert rows(db_path, "sessions") == 1 and rows(db_path, "utterances") == 3
    assert rows(db_path, "visits") == 2


def test_a_resumed_replay_heard_again_from_its_start_stores_nothing_twice(scorer, db_path):
    """`listen` replaying a recording restarts its audio from 0: what was stored is passed."""
    lines = [utt(0, 2, "staff", "您好"), utt(3, 5, "customer", "我办社保卡"),
             utt(6, 8, "staff", "好的请稍等"), utt(9, 11, "staff", "办好了请慢走")]
    first = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, replay=True)
    for line in lines[:2]:
        first.feed(line)
    _kill_owner(db_path)
    again = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, replay=True)
    assert again.session.id == first.session.id
    for line in lines:
        again.tick(line.start)
        again.feed(line)
    again.flush(45)
    assert rows(db_path, "utterances") == 4 and rows(db_path, "visits") == 1
    [visit] = sqlite_utils.Database(db_path)["visits"].rows
    assert (visit["provisional"], visit["verdict"]) == (0, "pass")


def test_a_dead_monitors_session_of_another_day_is_finished(scorer, db_path):
    first = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    first.feed(utt(0, 2, "staff", "您好"))
    first.feed(utt(3, 5, "customer", "我办社保卡"))
    _kill_owner(db_path)
    LiveSession(scorer, Store(db_path), window="W1", started_at=AT + timedelta(days=1))
    assert rows(db_path, "sessions") == 2
    assert rows(db_path, "sessions", "id = ? and ended_at is not null",
                [first.session.id]) == 1
    [visit] = sqlite_utils.Database(db_path)["visits"].rows
    assert visit["provisional"] == 0 and visit["farewelled"] == 0
    assert "farewell" in {f["rule"] for f in sqlite_utils.Database(db_path)["findings"].rows}


def test_a_running_monitors_session_is_never_taken(scorer, db_path):
    store = Store(db_path)
    first = LiveSession(scorer, store, window="W1", started_at=AT)
    first.feed(utt(0, 2, "staff", "您好"))
    other = LiveSession(scorer, store, window="W1", started_at=AT + timedelta(minutes=1))
    assert other.session.id != first.session.id and other.offset == 0


# --- 5. bad transcripts are refused before anything is stored -------------------------

@pytest.mark.parametrize("line,field", [
    ('{"start": 1, "end": Infinity, "role": "staff", "text": "x"}', "end"),
    ('{"start": 1, "end": 1e308, "role": "staff", "text": "x"}', "end"),
    ('{"start": NaN, "end": 3, "role": "staff", "text": "x"}', "start"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "\\ud800"}', "text"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "spotted": [{"kind": "taboo", '
     '"phrase": "x", "start": 1, "end": 2, "score": "9"}]}', "spotted.score"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "n": ' + "[" * 50_000
     + "]" * 50_000 + "}", None),
])
@pytest.mark.parametrize("command", ["play", "score"])
def test_a_bad_line_stops_play_and_score_before_anything_is_stored(run, write_jsonl, db_path,
                                                                   line, field, command):
    Store(db_path).close()
    before = {t: rows(db_path, t) for t in ("sessions", "utterances", "visits")}
    path = write_jsonl(['{"start": 0, "end": 1, "role": "staff", "text": "您好"}', line])
    options = ["--window", "W1"] if command == "play" else []
    result = run(command, path, *options, "--db", db_path)
    assert result.exit_code == 1
    assert f"{path} 第 2 行：" + (f"字段“{field}”" if field else "not valid JSON") \
        in result.stderr
    assert {t: rows(db_path, t) for t in before} == before


# --- 6. a fast replay never stores times in the future --------------------------------

@pytest.mark.slow  # real subprocesses or seconds of real time
def test_a_fast_replay_stores_no_time_in_the_future(run, db_path):
    result = run("play", SAMPLE, "--window", "W1", "--db", db_path, "--speed", 50)
    assert result.exit_code == 0, result.stderr
    now = datetime.now().astimezone().isoformat(timespec="milliseconds")
    db = sqlite_utils.Database(db_path)
    times = ([r["at"] for r in db["utterances"].rows] + [r["ended_at"] for r in db["visits"].rows]
             + [r["at"] for r in db["light_events"].rows] + [r["at"] for r in db["findings"].rows])
    assert len(times) > 12 and max(times) <= now
    last = max(r["end"] for r in db["utterances"].rows)
    started = datetime.fromisoformat(next(db["sessions"].rows)["started_at"])
    assert started + timedelta(seconds=last) <= datetime.now().astimezone()


class Killed(BaseException):
    """The process dying between two statements of a transaction (SIGKILL)."""


def test_a_monitor_killed_mid_move_leaves_each_line_in_one_visit_and_redoes_it(
        scorer, db_path, monkeypatch):
    """One pickup: the next customer's first words, told staff, moved to the next visit when
    the greeting comes; killed between the two visits' writes, nothing of the move is
    stored, and the resumed replay makes it again with the greeting."""
    lines = [utt(0, 2, "staff", "您好", role_confidence=0.97),
             utt(3, 5, "customer", "我办社保卡", role_confidence=0.9),
             utt(6, 8, "staff", "好的", role_confidence=0.95),
             utt(40, 41.5, "staff", "我想办社保卡", role_confidence=0.93),
             utt(42, 43, "staff", "您好", role_confidence=0.99),
             utt(44, 46, "customer", "好的", role_confidence=0.9)]
    save = Store.save_visit

    def dies_opening_the_next(store, session, visit, provisional=False):
        save(store, session, visit, provisional)
        if visit.utterances[0] == 3:
            raise Killed

    monkeypatch.setattr(Store, "save_visit", dies_opening_the_next)
    first = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, replay=True)
    with pytest.raises(Killed):
        for _ in play(first, lines):
            pass
    monkeypatch.undo()
    db = sqlite_utils.Database(db_path)  # another connection: what the killed one left
    assert [(r["idx"], r["visit"][-3:]) for r in db.query(
        "select utterances.idx, visits.id as visit from utterances join visits"
        " on visits.id = utterances.visit order by idx")] == [(i, "001") for i in range(4)]
    assert [(r["end"], r["provisional"]) for r in db["visits"].rows] == [(41.5, 1)]
    _kill_owner(db_path)
    again = LiveSession(scorer, Store(db_path), window="W1", started_at=AT, replay=True)
    assert again.session.id == first.session.id
    list(play(again, lines))
    assert [[r["idx"] for r in db.query("select idx from utterances where visit = ? "
                                        "order by idx", [v["id"]])]
            for v in db.query("select id from visits order by start")] == [[0, 1, 2],
                                                                             [3, 4, 5]]
    assert rows(db_path, "utterances") == 6 and rows(db_path, "visits", "provisional = 1") == 0
