"""Review and appeal on a real scored database: what counts after a person's decision, the
history kept, the audit row that goes with every action, and the report's figures."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from monitor import reports, review, transcript
from monitor.config import Hall
from monitor.review import ReviewError
from monitor.storage import StorageError, Store

from .test_reports import VISIT_GOOD, VISIT_TABOO, VISIT_UNGREETED

DAY = date(2026, 11, 20)
# the report tests' conversations, each at its own start: GOOD 100, pass; TABOO no greeting
# (major), 你烦不烦 (critical): 0, fail; UNGREETED no greeting, last question unanswered: 65, warn
GOOD, UNGREETED = VISIT_GOOD, VISIT_UNGREETED
TABOO = [(start - 3600, end - 3600, role, text) for start, end, role, text in VISIT_TABOO]


def _score(store, scorer, tmp: Path, name, lines, window, staff, at):
    path = tmp / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"start": s, "end": e, "role": r, "text": t},
                                       ensure_ascii=False) + "\n" for s, e, r, t in lines),
                    encoding="utf-8")
    session = scorer.score(transcript.read(path), source=str(path), window=window, staff=staff,
                           started_at=datetime.fromisoformat(at + "+08:00"))
    store.save(session)
    return session.visits[0].id


def seed(store, scorer, tmp: Path) -> dict[str, str]:
    """Three live visits on 2026-11-20: good (W01/S07), taboo (W01/S07), ungreeted (W02/S12)."""
    return {"good": _score(store, scorer, tmp, "good", GOOD, "W01", "S07", "2026-11-20T09:00"),
            "taboo": _score(store, scorer, tmp, "taboo", TABOO, "W01", "S07",
                            "2026-11-20T10:00"),
            "ungreeted": _score(store, scorer, tmp, "ungreeted", UNGREETED, "W02", "S12",
                                "2026-11-20T11:00")}


@pytest.fixture
def store(db_path):
    return Store(db_path)


@pytest.fixture
def visits(store, scorer, tmp_path):
    return seed(store, scorer, tmp_path)


def finding(store, visit_id, rule) -> str:
    return next(f.id for f in store.visit_findings(visit_id) if f.rule == rule)


def test_a_dismissed_finding_no_longer_counts_and_the_machines_result_stays(store, visits):
    ungreeted = visits["ungreeted"]
    assert review.effective(store, ungreeted).score == 65.0
    review.review(store, finding(store, ungreeted, "greeting"), "dismiss", "misheard", "zhang",
                  note="其实问候了", origin="127.0.0.1")
    result = review.effective(store, ungreeted)
    assert (result.score, result.verdict) == (85.0, "warn")
    assert (result.automatic_score, result.automatic_verdict) == (65.0, "warn")
    assert result.dismissed == (finding(store, ungreeted, "greeting"),)
    assert [f.rule for f in result.counted] == ["answer"]
    review.review(store, finding(store, ungreeted, "answer"), "dismiss", "customer", "zhang")
    assert (review.effective(store, ungreeted).score, review.effective(store, ungreeted).verdict
            ) == (100.0, "pass")
    assert store.visit(ungreeted).score == 65.0  # nothing changed in place
    assert len(store.visit_findings(ungreeted)) == 2
    audit = store.audit(action="review")
    assert [(a.actor, a.detail) for a in audit] == [("zhang", "dismiss misheard"),
                                                   ("zhang", "dismiss customer")]
    assert audit[0].origin == "127.0.0.1"


def test_a_later_review_supersedes_and_both_stay(store, visits):
    greeting = finding(store, visits["ungreeted"], "greeting")
    review.review(store, greeting, "dismiss", "misheard", "zhang")
    review.review(store, greeting, "confirm", "", "wang", note="复核后确认")
    assert review.effective(store, visits["ungreeted"]).score == 65.0
    history = store.visit_reviews([visits["ungreeted"]])
    assert [(r.decision, r.actor) for r in history] == [("dismiss", "zhang"),
                                                             ("confirm", "wang")]


def test_a_review_cannot_be_stored_without_its_audit_row(store, visits, db_path):
    with sqlite3.connect(db_path) as db:  # the audit trail refuses any new row
        db.execute("create trigger no_audit before insert on audit "
                   "begin select raise(abort, 'audit unavailable'); end")
    greeting = finding(store, visits["ungreeted"], "greeting")
    with pytest.raises(StorageError, match="audit unavailable"):
        review.review(store, greeting, "dismiss", "misheard", "zhang")
    assert store.db["reviews"].count == 0
    with pytest.raises(StorageError):
        review.add_missed(store, visits["good"], "please", "minor", 5.0, "zhang")
    assert store.db["added_findings"].count == 0
    assert review.effective(store, visits["ungreeted"]).score == 65.0


@pytest.mark.parametrize("decision, reason, message", [
    ("delete", "misheard", "复核结论“delete”无效"), ("dismiss", "because", "理由“because”无效"),
    ("dismiss", "", "驳回须选择理由")])
def test_a_bad_decision_or_reason_is_refused(store, visits, decision, reason, message):
    with pytest.raises(ReviewError, match=message):
        review.review(store, finding(store, visits["ungreeted"], "greeting"), decision, reason,
                      "zhang")
    with pytest.raises(ReviewError, match="没有编号为 nope"):
        review.review(store, "nope", "dismiss", "misheard", "zhang")
    assert store.db["reviews"].count == 0 and not store.audit()


def test_a_confirmation_is_stored_without_a_reason(store, visits):
    greeting = finding(store, visits["ungreeted"], "greeting")
    assert review.review(store, greeting, "confirm", "other", "zhang").reason == ""
    assert store.latest_reviews([greeting])[greeting].reason == ""
    assert store.audit(action="review")[-1].detail == "confirm"


def test_a_missed_finding_added_by_hand_counts(store, visits):
    good = visits["good"]
    added = review.add_missed(store, good, "please", "minor", 10.0, "zhang", note="漏检")
    assert added.finding_id == f"added:{added.id}"
    result = review.effective(store, good)
    assert (result.score, result.verdict, result.added) == (97.5, "pass", (added.finding_id,))
    review.add_missed(store, good, "taboo", "critical", 20.0, "zhang")
    assert (review.effective(store, good).score, review.effective(store, good).verdict) == (
        0.0, "fail")
    row = store.added_findings([good])[0]
    assert row.finding_at.startswith("2026-11-20T09:00:10")
    with pytest.raises(ReviewError, match="时间须在"):
        review.add_missed(store, good, "please", "minor", 999.0, "zhang")
    with pytest.raises(ReviewError, match="规则“rude”无效"):
        review.add_missed(store, good, "rude", "minor", 1.0, "zhang")


def test_staff_appeal_their_own_findings_and_someone_else_decides(store, visits):
    greeting = finding(store, visits["ungreeted"], "greeting")
    with pytest.raises(ReviewError, match="只能对自己的"):
        review.appeal(store, greeting, "wangfang", "S07", "不是我")
    filed = review.appeal(store, greeting, "liu", "S12", "我说了您好，机器没听到")
    with pytest.raises(ReviewError, match="已申诉过（待处理）"):
        review.appeal(store, greeting, "liu", "S12", "再申诉一次")
    with pytest.raises(ReviewError, match="不能处理自己的申诉"):
        review.decide(store, filed.id, "overturned", "liu", "S12")
    with pytest.raises(ReviewError, match="不能处理自己的申诉"):  # a supervisor on that record
        review.decide(store, filed.id, "overturned", "boss", "S12")
    review.decide(store, filed.id, "overturned", "zhang", None, note="录音确有问候")
    assert review.effective(store, visits["ungreeted"]).score == 85.0
    with pytest.raises(ReviewError, match="已经处理"):
        review.decide(store, filed.id, "upheld", "zhang", None)
    with pytest.raises(ReviewError, match="已申诉过（.*），不能再次申诉"):  # a decision is final
        review.appeal(store, greeting, "liu", "S12", "再申诉一次")
    row = store.appeals(staff="S12")[0]
    assert (row.status, row.decided_by, row.decision_note) == (
        "overturned", "zhang", "录音确有问候")
    assert [a.action for a in store.audit()] == ["appeal", "decision"]


def test_the_queue_shows_unreviewed_findings_gravest_first(store, visits):
    queue = store.unreviewed(DAY, DAY)
    assert queue[0].severity == "critical" and queue[0].rule == "taboo"
    severities = [r.severity for r in queue]
    assert severities == sorted(severities, key=["critical", "major", "minor"].index)
    review.review(store, queue[0].id, "confirm", "", "zhang")
    assert queue[0].id not in {r.id for r in store.unreviewed(DAY, DAY)}
    assert {r.staff for r in store.unreviewed(DAY, DAY, staff="S12")} == {"S12"}
    assert {r.rule for r in store.unreviewed(DAY, DAY, rule="greeting")} == {"greeting"}


def test_the_report_uses_reviewed_figures(store, visits):
    options = reports.ReportOptions(DAY, DAY)
    before = reports.to_json(reports.build(store, options, Hall()))
    assert before["summary"]["score_avg"] == 55.0  # (100 + 0 + 65) / 3
    review.review(store, finding(store, visits["ungreeted"], "greeting"), "dismiss",
                  "misheard", "zhang")
    review.review(store, finding(store, visits["ungreeted"], "answer"), "dismiss",
                  "customer", "zhang")
    review.add_missed(store, visits["good"], "please", "minor", 10.0, "zhang")
    after = reports.to_json(reports.build(store, options, Hall()))
    assert after["summary"]["score_avg"] == round((97.5 + 0 + 100) / 3, 1)
    assert after["summary"]["findings"] == before["summary"]["findings"] - 2 + 1
    assert (after["summary"]["pass"], after["summary"]["warn"]) == (2, 0)
    tallies = {(t.rule, t.window): t for t in review.tallies(store, DAY, DAY)}
    assert tallies[("greeting", "W02")].dismissed == 1
    assert tallies[("please", "W01")].added == 1
    assert store.visit(visits["ungreeted"]).verdict == "warn"  # the automatic result stays


def test_the_report_shows_what_reviews_changed(store, visits, tmp_path):
    review.review(store, finding(store, visits["ungreeted"], "greeting"), "dismiss",
                  "misheard", "zhang")
    review.review(store, finding(store, visits["taboo"], "taboo"), "confirm", "", "zhang")
    review.add_missed(store, visits["good"], "please", "minor", 10.0, "zhang")
    report = reports.build(store, reports.ReportOptions(DAY, DAY), Hall())
    rows = reports.to_json(report)["reviews"]
    assert {(r["rule"], r["window"]): (r["reviewed"], r["confirmed"], r["dismissed"], r["added"])
            for r in rows} == {("greeting", "W02"): (1, 0, 1, 0), ("taboo", "W01"): (1, 1, 0, 0),
                               ("please", "W01"): (0, 0, 0, 1)}
    html = reports.render_html(report)
    assert '<section id="reviews">' in html and "驳回/撤销" in html
    assert 'data-field="reviews/0/dismissed"' in html


def test_precision_per_rule_and_phrase_from_reviews(store, visits):
    taboo = finding(store, visits["taboo"], "taboo")
    review.review(store, taboo, "dismiss", "customer", "zhang")
    review.review(store, finding(store, visits["ungreeted"], "greeting"), "confirm", "",
                  "zhang")
    filed = review.appeal(store, finding(store, visits["ungreeted"], "answer"), "liu", "S12",
                          "答了")
    review.review(store, finding(store, visits["ungreeted"], "answer"), "confirm", "",
                  "zhang")
    review.decide(store, filed.id, "overturned", "zhang", None)
    rows = {(p.rule, p.phrase): p for p in review.precision(store)}
    phrase = next(k[1] for k in rows if k[0] == "taboo")
    assert phrase and phrase in store.finding(taboo).detail  # the lexicon's phrase
    assert (rows[("taboo", phrase)].confirmed, rows[("taboo", phrase)].dismissed) == (0, 1)
    assert rows[("greeting", "")].precision == 1.0
    assert rows[("answer", "")].dismissed == 1  # overturned on appeal
    assert [p.precision for p in review.precision(store)][0] == 0.0  # worst first


def test_the_audit_keeps_ids_whole_and_records_the_masked_decision_note(store, visits):
    """A visit id is digits enough to look like a phone: masking it made the trail useless
    (`W02-2*****06T*****4-…`); only the free-text note is masked, and the note is kept."""
    taboo = finding(store, visits["taboo"], "taboo")
    filed = review.appeal(store, taboo, "s07", "S07", "客户电话13812345678可以作证")
    review.decide(store, filed.id, "overturned", "zhang", None,
                  note="已回电 138.1234.5678 核实", origin="127.0.0.1")
    appealed, decided = store.audit(action="appeal")[0], store.audit(action="decision")[0]
    assert appealed.target == taboo and appealed.note == "客户电话138****5678可以作证"
    assert decided.detail == f"overturned {taboo}" and visits["taboo"] in decided.detail
    assert decided.note == "已回电 138.****.5678 核实"


def test_an_added_finding_outside_its_visit_after_a_new_cut_is_orphaned_not_moved(
        store, visits, db_path):
    """A re-scoring may cut visits anew (their ids are per window and order): a finding
    added at 10:00:05 must not count against whatever visit now has that id."""
    good = visits["good"]
    review.add_missed(store, good, "taboo", "critical", 5.0, "zhang", note="漏检")
    assert review.effective(store, good).score == 0.0
    with sqlite3.connect(db_path) as db:  # the visit of that id now covers later minutes
        db.execute("update visits set start = start + 600, [end] = [end] + 600 where id = ?",
                   [good])
    result = review.effective(store, good)
    assert (result.score, result.added) == (100.0, ())
    assert review.added_to(store, [store.visit(good)]) == []
