"""Citizen ratings joined to visits (issue 22): by ticket, else by window and time with the
join's confidence; the report's 好差评 section; ratings that disagree with the recording
go to the review queue marked 评价与录音不符."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor import accounts, hallevents, ratingreport, reports, visits
from monitor.config import Hall
from monitor.records import Rating
from monitor.storage import Store
from monitor.stored import StoredVisit

from tests.conftest import utt

from .test_review_web import PASSWORD, login

CST = timezone(timedelta(hours=8))
ANCHOR = datetime(2026, 11, 22, 9, 0, tzinfo=CST)
DAY = ANCHOR.date()


def visit(vid, window, start_s, end_s, ticket="", score=100.0, verdict="pass", staff="S07"):
    return StoredVisit(vid, "s", window, staff, start_s, end_s,
                       (ANCHOR + timedelta(seconds=start_s)).isoformat(),
                       (ANCHOR + timedelta(seconds=end_s)).isoformat(), score, verdict,
                       ticket=ticket)


def rating(rid, window, at_s, level, ticket=""):
    return Rating(rid, window, ANCHOR + timedelta(seconds=at_s), level, ticket)


def test_join_by_ticket_else_by_window_and_time():
    stored = [visit("v1", "W01", 0, 100, "A001"), visit("v2", "W01", 120, 200),
              visit("v3", "W02", 0, 100)]
    joins = ratingreport.join(stored, [
        rating("r1", "W09", 5000, 5, "A001"),  # the ticket decides, whatever the window
        rating("r2", "W01", 210, 4),  # 10 s after v2 ended
        rating("r3", "W02", 350, 3),  # 250 s after v3
        rating("r4", "W02", 2000, 2),  # too late for any
        rating("r5", "W01", 150, 1, "B999"),  # another ticket than v1's; v2 holds none
    ])
    assert [(j.rating.id, j.visit.id if j.visit else None, j.how, j.confidence)
            for j in joins] == [("r1", "v1", "ticket", 1.0), ("r2", "v2", "time", 0.8),
                                ("r3", "v3", "time", 0.6), ("r4", None, "", 0.0),
                                ("r5", "v2", "time", 0.6)]


@pytest.fixture
def rated_day(db_path, scorer):
    """Three queue visits at W01: a clean one rated 非常不满意, one with a taboo rated 差评,
    one with a critical taboo rated 非常满意."""
    lines = [utt(0, 2, "staff", "您好，请问办理什么业务", window="W01", staff="S07"),
             utt(3, 5, "customer", "我来开证明", window="W01"),
             utt(6, 8, "staff", "好的，您慢走", window="W01", staff="S07"),
             utt(60, 62, "staff", "您好，请问办理什么业务", window="W01", staff="S07"),
             utt(63, 66, "staff", "这不归我管，电话是13812345678", window="W01", staff="S07"),
             utt(67, 69, "staff", "您慢走", window="W01", staff="S07"),
             utt(120, 122, "staff", "您好，请问办理什么业务", window="W01", staff="S07"),
             utt(123, 125, "staff", "你烦不烦", window="W01", staff="S07"),
             utt(126, 128, "staff", "您慢走", window="W01", staff="S07")]
    calls = [visits.Call("W01", 0.0, 50.0, "A001", "户籍"),
             visits.Call("W01", 55.0, 110.0, "A002"), visits.Call("W01", 115.0, 170.0, "A003")]
    store = Store(db_path)
    store.save(scorer.score(lines, started_at=ANCHOR, kind="live", queue=calls))
    hallevents.save(store, "ratings", [
        rating("r1", "W01", 52, 1, "A001"),
        Rating("r2", "W01", ANCHOR + timedelta(seconds=112), 2, "", "态度差",
               "他说电话13912345678不归他管"),
        rating("r3", "W01", 171, 5, "A003")], "test")
    return store


def test_the_report_has_a_ratings_section(rated_day):
    built = reports.build(rated_day, reports.ReportOptions(DAY, DAY),
                          Hall(replay_url="http://hall.local"))
    data = reports.to_json(built)["ratings"]
    assert (data["ratings"], data["by_ticket"], data["by_time"], data["unjoined"]) == (3, 2, 1, 0)
    [window] = data["windows"]
    assert window["id"] == "W01" and window["bad"] == 2 and window["ratings"] == 3
    assert [s["id"] for s in data["staff"]] == ["S07"]
    by_level = {row["level"]: row for row in data["levels"]}
    assert by_level[5]["failed"] == 1 and by_level[1]["mean_score"] >= 90
    bad = {b["level"]: b for b in data["bad"]}
    assert bad[2]["link"].startswith("http://hall.local/replay/")
    assert any("这不归我管" in f for f in bad[2]["findings"])
    assert "13912345678" not in bad[2]["text"] and "139****5678" in bad[2]["text"]
    assert bad[1]["how"] == "ticket" and not any("忌语" in f for f in bad[1]["findings"])
    rows = list(reports.csv_rows(built))
    assert {r["section"] for r in rows} >= {"rating_window", "rating_staff", "rating_level",
                                             "rating_bad"}
    assert sum(r["section"] == "rating_bad" for r in rows) == 2
    html = reports.render_html(built)
    assert "好差评" in html and 'data-field="ratings/windows/0/bad"' in html
    assert "13812345678" not in html


def test_rating_and_recording_that_disagree_are_marked(rated_day):
    found = ratingreport.mismatches(rated_day, DAY, Hall())
    assert sorted((m.level, m.why) for m in found) == [
        (1, "评价非常不满意，录音判定合格"), (5, "评价非常满意，录音有严重问题")]


def test_the_review_queue_shows_the_mismatches(rated_day, db_path):
    from monitor.web import WebOptions, create_app

    accounts.add_user(rated_day, "zhang", "supervisor", PASSWORD)
    app = create_app(db_path, WebOptions(poll_s=0.05))
    client = app.test_client()
    login(client, "zhang")
    page = client.get(f"/review?day={DAY}").text
    app.extensions["courtesy_hub"].stop()
    assert "评价与录音不符" in page and page.count('data-mark="rating_mismatch"') == 2
