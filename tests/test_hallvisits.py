"""Visits from the queue (issue 22): where a window has queue calls, a call starts a visit
and the next call (or the ticket's finish) ends it; speech decides only where the queue is
silent. Visits carry the ticket and business type into the store."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from monitor import visits
from monitor.records import QueueEvent
from monitor.storage import Store
from tests.conftest import utt

CST = timezone(timedelta(hours=8))
ANCHOR = datetime(2026, 11, 22, 9, 0, tzinfo=CST)


def lines(*starts, window="W01"):
    """A short exchange (greeting, request, farewell) at each start, without visit labels."""
    out = []
    for t in starts:
        out += [utt(t, t + 2, "staff", "您好，请问办理什么业务", window=window),
                utt(t + 3, t + 5, "customer", "我来开证明", window=window),
                utt(t + 6, t + 8, "staff", "好的您慢走", window=window)]
    return out


def test_calls_set_the_visits_exactly_with_ticket_and_business(scorer):
    # speech alone would make one visit of 0-38 (no farewell/greeting gap of 30 s)
    utterances = lines(0, 12, 24)
    calls = [visits.Call("W01", -5.0, None, "A001", "户籍"),
             visits.Call("W01", 11.0, 20.0, "A002", "出入境"),
             visits.Call("W01", 23.5, None, "A003")]
    session = scorer.score(utterances, queue=calls)
    assert [(v.ticket, v.business, v.start, v.end, v.utterances) for v in session.visits] == [
        ("A001", "户籍", -5.0, 11.0, [0, 1, 2]), ("A002", "出入境", 11.0, 20.0, [3, 4, 5]),
        ("A003", "", 23.5, 32.0, [6, 7, 8])]


def test_speech_decides_where_the_queue_is_silent(scorer):
    # a finished ticket, then talk no call covers: cut by speech as without a queue
    utterances = lines(0, 100, 300)
    calls = [visits.Call("W01", 0.0, 50.0, "A001")]
    session = scorer.score(utterances, queue=calls)
    assert [(v.ticket, v.utterances) for v in session.visits] == [
        ("A001", [0, 1, 2]), ("", [3, 4, 5]), ("", [6, 7, 8])]


def test_a_window_without_calls_is_cut_by_speech(scorer):
    utterances = lines(0, window="W02") + lines(200, window="W01")
    session = scorer.score(utterances, queue=[visits.Call("W01", 190.0, None, "B007")])
    assert {(v.window, v.ticket) for v in session.visits} == {("W02", ""), ("W01", "B007")}


def test_queue_events_become_calls_in_session_seconds():
    event = QueueEvent("Q1", "A001", "W01", ANCHOR + timedelta(seconds=90), "户籍",
                       None, ANCHOR + timedelta(seconds=300))
    assert visits.calls([event], ANCHOR) == [visits.Call("W01", 90.0, 300.0, "A001", "户籍")]


def test_score_takes_the_imported_queue_and_stores_the_ticket(run, tmp_path, write_jsonl):
    db = tmp_path / "c.db"
    queue = tmp_path / "q.jsonl"
    queue.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in [
        {"id": "Q1", "ticket": "A001", "window": "W01", "business": "户籍",
         "called": "2026-11-22T09:00:00+08:00"},
        {"id": "Q2", "ticket": "A002", "window": "W01", "business": "出入境",
         "called": "2026-11-22T09:00:11+08:00"}]), encoding="utf-8")
    assert run("hall", "import", "queue", queue, "--db", db).exit_code == 0
    rows = [{"start": u.start, "end": u.end, "role": u.role, "text": u.text}
            for u in lines(0, 12)]
    result = run("score", write_jsonl(rows), "--window", "W01", "--db", db,
                 "--at", "2026-11-22T09:00:00+08:00")
    assert result.exit_code == 0, result.output
    store = Store(db)
    stored = sorted((store.visit(v.id) for v in store.live_visits(ANCHOR.date(), ANCHOR.date())),
                    key=lambda v: v.start)
    assert [(v.ticket, v.business, v.start) for v in stored] == [("A001", "户籍", 0.0),
                                                                 ("A002", "出入境", 11.0)]


def test_the_ticket_shows_on_replay_board_and_report(scorer, db_path):
    from monitor import replay, reports
    from monitor.web import tiles

    # (with where it is handled: alone it is a first_asked finding as well as a taboo)
    utterances = lines(0) + [utt(12, 16, "staff", "这不归我管，您到三号窗口", window="W01")]
    session = scorer.score(utterances, started_at=ANCHOR, kind="live",
                           queue=[visits.Call("W01", 0.0, None, "A023", "户籍")])
    store = Store(db_path)
    store.save(session)
    visit_id = session.visits[0].id
    assert replay.load(store, visit_id).ticket == "A023"
    assert "排队号 A023（户籍）" in tiles._visit_text(store.visit(visit_id), "green", ANCHOR
                                                  + timedelta(minutes=5))
    built = reports.build(store, reports.ReportOptions(ANCHOR.date(), ANCHOR.date()))
    assert [i.ticket for i in built.incidents] == ["排队号 A023（户籍）"]
    assert "排队号 A023（户籍）" in reports.render_html(built)


def test_live_visits_follow_the_queue_and_speech_where_it_is_silent(scorer, db_path):
    """The live monitor (listen, play) cuts visits by the calls it is given: a call in the
    middle of talk closes the visit, a ticket's finish closes it as the clock passes, and
    speech no call covers is cut by speech."""
    from monitor.live import LiveSession

    store = Store(db_path)
    session = LiveSession(scorer, store, window="W01", started_at=ANCHOR)
    session.calls = [visits.Call("W01", 0.0, None, "A001", "户籍"),
                     visits.Call("W01", 11.0, 25.0, "A002", "出入境")]
    for u in lines(1, 12, 40):
        session.feed(u)
        session.tick(u.end + 0.5)
    session.tick(60.0)
    session.flush(60.0)
    stored = sorted(store.live_visits(ANCHOR.date(), ANCHOR.date()), key=lambda v: v.start)
    assert [(v.ticket, v.business, v.start, v.end) for v in stored] == [
        ("A001", "户籍", 0.0, 11.0), ("A002", "出入境", 11.0, 25.0), ("", "", 40.0, 48.0)]
