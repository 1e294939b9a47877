"""Read models: every Store read gives records (never a dict or sqlite row), each record goes
to JSON and back through the one serialiser, and a visit a killed monitor left is marked 暂定
in the report and on the board's pages."""
from __future__ import annotations

import csv
import dataclasses
import inspect
import io
import json
import re
import sqlite3
import typing
from datetime import datetime, timedelta

import pytest

from monitor import replay, reports, review, stored, terminal, tuning
from monitor.accounts import add_user
from monitor.config import Hall
from monitor.records import (AuditEntry, Heartbeat, LexiconChange, LightEvent, PhraseHit,
                             Recording, Session)
from monitor.storage import Store
from monitor.stored import as_json
from monitor.web.tiles import window_view

from .conftest import utt
from .test_web import PASSWORD, login
from .test_web_replay import make_client

T0 = datetime(2026, 11, 20, 9, 30).astimezone()
DAY = T0.date()
LINES = [
    utt(0.0, 2.0, "customer", "你好 我来交电费"),
    utt(2.5, 5.0, "staff", "你烦不烦啊 后面还有人排队呢"),
    utt(5.5, 8.0, "customer", "那发票在哪里拿呢"),
    utt(8.5, 11.0, "staff", "好的，请慢走，再见。"),
]
# what is generic on purpose: table counts, a session's stored options (its profile as JSON)
GENERIC = {"counts", "session_options"}
SCALARS = {"None", "bool", "int", "str", "date", "set", "list"}  # answers, not rows
RECORDS = {name for name, value in vars(stored).items()
           if dataclasses.is_dataclass(value)} | {
    name for name, value in vars(__import__("monitor.records", fromlist=["x"])).items()
    if dataclasses.is_dataclass(value)}


def _reads() -> dict[str, str]:
    """Store's public methods whose return annotation says they give something back."""
    out = {}
    for name, method in inspect.getmembers(Store, inspect.isfunction):
        annotation = inspect.signature(method).return_annotation
        if not name.startswith("_") and name not in GENERIC and isinstance(annotation, str) \
                and not set(re.findall(r"[A-Za-z_]+", annotation)) <= SCALARS:
            out[name] = annotation
    return out


def test_no_store_read_is_annotated_as_a_dict_or_row():
    reads = _reads()
    assert {"visit", "live_visits", "live_findings", "visit_utterances", "training", "accounts",
            "appeals", "latest_reviews"} <= set(reads)
    for name, annotation in reads.items():
        assert "Row" not in annotation, name
        named = set(re.findall(r"[A-Za-z_]+", annotation)) - SCALARS - {"dict"}
        assert named and named <= RECORDS, (name, annotation)  # records, keyed by str at most
        assert not re.search(r"dict\[str, (dict|list|str|int)", annotation), (name, annotation)


@pytest.fixture
def left(db_path, scorer):
    """A store with a visit a killed monitor left (provisional) and one of everything else."""
    store = Store(db_path)
    session = scorer.score(LINES, window="W01", staff="S07", started_at=T0, source="live")
    visit = session.visits[0]
    store.open_session(Session(session.id, "live", "W01", "S07", session.profile, T0, [],
                               options=session.options), monitor="1@gone")
    for index in range(len(session.utterances)):
        store.add_utterance(session, index, visit.id)
    store.save_visit(session, visit, provisional=True)
    event = store.add_light_event(LightEvent("W01", "red", "green", T0 + timedelta(seconds=3),
                                             "taboo", "critical", "你烦不烦", "", visit.id))
    store.acknowledge(event.id, "zhang", T0 + timedelta(seconds=9))
    store.add_training(visit.id, "taboo", "for the team")
    store.save_recording(Recording("/nowhere/W01.flac", "W01", T0, T0 + timedelta(minutes=1),
                                   True, "flagged visit"))
    store.beat(Heartbeat("W01", "1@gone", T0, "listening", started_at=T0))
    add_user(store, "zhang", "supervisor", PASSWORD)
    add_user(store, "wang", "staff", PASSWORD, staff="S07")
    taboo = next(f for f in store.visit_findings(visit.id) if f.rule == "taboo")
    review.review(store, taboo.id, "confirm", "", "zhang")
    review.add_missed(store, visit.id, "please", "minor", 1.0, "zhang")
    review.appeal(store, taboo.id, "wang", "S07", "我没有这样说")
    store.add_audit(AuditEntry("zhang", "login"))
    tuning.apply(store, LexiconChange("taboo", "你烦不烦", "threshold", "90", "试用", "zhang"))
    return store, session.id, visit.id


def _calls(store: Store, session_id: str, visit_id: str) -> dict[str, object]:
    finding = next(f.id for f in store.visit_findings(visit_id) if f.rule == "taboo")
    return {
        "unfinished_sessions": store.unfinished_sessions("live", "W01", "live"),
        "session_utterances": store.session_utterances(session_id),
        "light_events": store.light_events(), "current_lights": store.current_lights(),
        "live_visits": store.live_visits(DAY, DAY), "live_findings": store.live_findings(DAY, DAY),
        "visit_utterances": store.visit_utterances([visit_id]), "visit": store.visit(visit_id),
        "visit_hits": store.visit_hits(visit_id), "visit_findings": store.visit_findings(visit_id),
        "training": store.training(), "recordings_over": store.recordings_over(
            "W01", T0.isoformat(), (T0 + timedelta(seconds=5)).isoformat()),
        "kept_recordings": store.kept_recordings(),
        "speech_before": store.speech_before(T0 + timedelta(days=1)),
        "heartbeats": store.heartbeats(), "audit": store.audit(),
        "light_event": store.light_event(1), "ack_of": store.ack_of(1),
        "ack_of_red_before": store.ack_of_red_before("W01", 2),
        "latest_reviews": store.latest_reviews([finding]),
        "visit_reviews": store.visit_reviews([visit_id]),
        "added_findings": store.added_findings([visit_id]), "appeals": store.appeals(),
        "finding": store.finding(finding), "unreviewed": store.unreviewed(DAY, DAY),
        "account": store.account("zhang"), "accounts": store.accounts(),
        "reviewed_findings": store.reviewed_findings(),
        "findings_of": store.findings_of([visit_id]),
        "lexicon_changes": store.lexicon_changes(), "live_sessions": store.live_sessions(DAY, DAY),
        "phrase_visits": store.phrase_visits("taboo", "你烦不烦", DAY, DAY),
        "live_days": store.live_days(),
    }


def _items(value) -> list:
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else [value]


def test_every_read_gives_records_that_go_to_json_and_back(left):
    store, session_id, visit_id = left
    calls = _calls(store, session_id, visit_id)
    reads = {name for name in _reads() if not name.startswith("add_")}  # add_* give back
    assert reads <= set(calls), "a new read method: call it here"  # what they stored
    for name, value in calls.items():
        items = _items(value)
        assert items, f"{name} read nothing from the filled store"
        for item in items:
            assert dataclasses.is_dataclass(item), (name, type(item))
            assert not isinstance(item, (dict, sqlite3.Row)), name
            assert _back(type(item), json.loads(json.dumps(as_json(item)))) == (
                item if not isinstance(item, stored.Account)
                else dataclasses.replace(item, password_hash="", session_version="")), name


def _back(cls, data: dict):
    """A record from its JSON (the test's inverse of `as_json`)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value, hint = data[f.name], str(hints[f.name])
        if "datetime" in hint and value is not None:
            value = datetime.fromisoformat(value)
        elif "Word" in hint:
            value = tuple(stored.Word(**w) for w in value)
        elif "tuple" in hint:
            value = tuple(value)
        values[f.name] = value
    return cls(**values)


def test_a_password_hash_never_reaches_json(left):
    store = left[0]
    account = store.account("zhang")
    assert account.password_hash.startswith("scrypt:")
    assert "password_hash" not in as_json(account) and "scrypt" not in repr(account)
    assert all(a.password_hash == "" for a in store.accounts())


def test_a_hit_and_an_alert_payload_come_from_the_same_serialiser(left):
    store, _, visit_id = left
    hit = store.visit_hits(visit_id)[0]
    assert isinstance(hit, PhraseHit) and as_json(hit)["kind"] == hit.kind
    event = store.light_event(1)
    assert as_json(event)["at"] == event.at.isoformat(timespec="milliseconds")


def test_the_report_counts_a_provisional_visit_and_marks_it(left):
    store = left[0]
    report = reports.build(store, reports.ReportOptions(DAY, DAY), Hall())
    data = reports.to_json(report)
    assert data["summary"]["visits"] == 1 and data["summary"]["provisional"] == 1
    assert data["days"][-1]["provisional"] == 1
    incident = next(i for i in data["incidents"] if i["rule"] == "taboo")
    assert incident["provisional"] is True
    page = reports.render_html(report)
    assert re.search(r'其中暂定 <span class="num" data-field="summary/provisional"[^>]*>1<', page)
    assert 'class="badge provisional"' in page
    rows = list(csv.DictReader(io.StringIO(_csv(report))))
    assert {r["provisional"] for r in rows if r["section"] == "incident"} == {"暂定"}
    assert next(r for r in rows if r["section"] == "summary")["provisional"] == "1"


def _csv(report) -> str:
    out = io.StringIO()
    reports.write_csv(report, out)
    return out.getvalue().lstrip("\ufeff")


def test_a_finished_visit_is_not_provisional(db_path, scorer):
    store = Store(db_path)
    store.save(scorer.score(LINES, window="W01", staff="S07", started_at=T0))
    data = reports.to_json(reports.build(store, reports.ReportOptions(DAY, DAY), Hall()))
    assert data["summary"]["provisional"] == 0
    assert not any(i["provisional"] for i in data["incidents"])
    assert "其中暂定" not in reports.render_html(reports.build(
        store, reports.ReportOptions(DAY, DAY), Hall()))


def test_the_board_marks_a_provisional_visit(left, db_path, tmp_path):
    store, _, visit_id = left
    tile = window_view(store, store.light_event(1), now=T0 + timedelta(minutes=1))
    assert tile["visit_text"].endswith("不合格（暂定）")
    client = make_client(db_path, tmp_path)
    login(client, "zhang", PASSWORD)
    page = client.get(f"/replay/{visit_id}").text
    assert re.search(r'data-verdict="fail" data-provisional[^>]*>不合格（暂定）<', page)
    assert "不合格（暂定）" in client.get("/training").text
    assert "不合格（暂定）" in client.get("/").text  # the board's tile (a counter shows no verdict)
    assert "不合格（暂定）" in client.get("/review/sample?day=" + DAY.isoformat()).text


def test_the_terminal_replay_says_provisional(left):
    store, _, visit_id = left
    shown = replay.load(store, visit_id)
    assert shown.provisional and terminal.header(shown).endswith("得分 0 不合格（暂定）")
