"""A hall's changes to its rules on a real scored database: each a new version with its
audit row, a preview that changes nothing stored, undo, and scorers judging with them."""
from __future__ import annotations

import json
import sqlite3

import pytest

from monitor import profiles, rulechanges, tuning, vocabulary
from monitor.pipeline import Scorer
from monitor.rulechanges import RuleChangeError
from monitor.storage import Store

from .test_review import DAY, finding, review
from .test_review import store, visits  # noqa: F401 (fixtures: a store and three scored visits)
from .test_tuning import _digest


def _options(store):
    return rulechanges.options_for(store, "general")


def test_a_preview_changes_nothing_and_finds_what_would_go(store, visits, db_path):
    before = _digest(db_path)
    off = rulechanges.propose(_options(store), "taboo", "enabled", "false", "试用", "zhang")
    shown = rulechanges.preview(store, off, 7, today=DAY)
    assert _digest(db_path) == before
    assert shown.visits == 3 and shown.findings_after == 0 < shown.findings_before
    assert {f.rule for f in shown.findings} == {"taboo"} and all(f.gone for f in shown.findings)
    assert [(v.verdict_before, v.verdict_after) for v in shown.visits_changed] == [
        ("fail", "warn")]  # the critical taboo made it fail; its missing greeting stays


def test_a_preview_shows_the_reviewers_word_on_what_would_go(store, visits):
    review.review(store, finding(store, visits["taboo"], "taboo"), "dismiss", "customer",
                  "zhang", origin="127.0.0.1")
    off = rulechanges.propose(_options(store), "taboo", "enabled", "false", "r", "zhang")
    assert [f.review for f in rulechanges.preview(store, off, 7, today=DAY).findings] == [
        "dismiss"]


def test_apply_makes_a_version_with_its_audit_row_and_undo_another(store, visits):
    change = rulechanges.propose(_options(store), "first_asked", "param", "turns=2",
                                 "两句内指引也算", "zhang")
    made = rulechanges.apply(store, change, origin="127.0.0.1")
    assert made.version == 1 and made.value == "turns=2.0"
    assert [(a.action, a.target, a.detail) for a in store.audit(action="rule_change")] == [
        ("rule_change", "rule:first_asked", "param turns=2.0")]
    options = _options(store)
    assert next(r for r in options.norms if r.id == "first_asked").params["turns"] == 2.0
    assert options.norms_version == 1
    undone = rulechanges.undo(store, 1, "li", "")
    assert undone.version == 2
    assert next(r for r in _options(store).norms if r.id == "first_asked").params["turns"] == 1
    with pytest.raises(RuleChangeError, match="已经撤销"):
        rulechanges.undo(store, 1, "li", "")
    with pytest.raises(sqlite3.IntegrityError):  # append-only, like the audit trail
        store.db.execute("delete from rule_changes")


def test_a_scorer_judges_with_the_halls_rules(store):
    lines = [("staff", "您好，请问办什么业务"), ("staff", "这个不是我们这儿办的")]
    from .conftest import utt
    said = [utt(n * 4, n * 4 + 3, role, text) for n, (role, text) in enumerate(lines)]
    assert "first_asked" in {f.rule for v in Scorer.load().score(said).visits
                             for f in v.findings}
    off = rulechanges.apply(store, rulechanges.propose(
        _options(store), "first_asked", "enabled", "false", "本厅不考核", "zhang"))
    scorer = tuning.scorer(store)
    assert scorer.profile.rules.norms_version == off.version
    assert "first_asked" not in {f.rule for v in scorer.score(said).visits for f in v.findings}


@pytest.mark.parametrize("rule,change,value,why", [
    ("nothing", "enabled", "true", "没有规则"),
    ("taboo", "deduction", "500", "0 到 100"),
    ("taboo", "severity", "awful", "严重程度"),
    ("first_asked", "param", "turns=-1", "0 到 86400"),
    ("first_asked", "param", "nothing=1", "没有参数"),
    ("first_asked", "param", "quoted=((", "正则"),
    ("greeting", "param", "greet_within_s=5", "没有参数"),
])
def test_a_wrong_change_is_refused_in_chinese(store, rule, change, value, why):
    with pytest.raises(RuleChangeError, match=why):
        rulechanges.propose(_options(store), rule, change, value, "r", "zhang")


def test_apply_needs_a_reason(store):
    change = rulechanges.propose(_options(store), "taboo", "deduction", "20", " ", "zhang")
    with pytest.raises(RuleChangeError, match="原因"):
        rulechanges.apply(store, change)
    assert rulechanges.changes(store) == []
    assert profiles.load("general").rules.settings["taboo"].weight == 30


# a hall's own norm, as the rules page writes it: 请稍等 said without how long
WAIT = {"id": "hall_wait", "name": "让等未说时长", "prompt": "请告诉群众大约要等多久",
        "norm": "等候告知", "severity": "minor", "deduction": 5, "on": "line",
        "detail": "「{quote}」", "params": {"words1": ["请稍等"], "n2": 1},
        "labels": {"words1": "条件1的词", "n2": "条件2：其后几句内"},
        "when": {"all": [{"role": "staff"}, {"says": "$words1"}, {"not": {"followed": {
            "within_turns": "$n2", "same": True, "role": "staff", "regex": "分钟"}}}]}}
WAITED = [("staff", "您好，请稍等"), ("customer", "好的"), ("staff", "身份证给我一下"),
          ("staff", "请稍等，大约五分钟")]


def _written(table=WAIT) -> str:
    return json.dumps(table, ensure_ascii=False)


def test_a_new_rule_is_previewed_applied_named_judged_with_and_undone(store, visits, db_path):
    from .conftest import utt
    said = [utt(n * 4, n * 4 + 3, role, text) for n, (role, text) in enumerate(WAITED)]
    new = rulechanges.propose(_options(store), "hall_wait", "add", _written(), "本厅要求", "zhang")
    before = _digest(db_path)
    shown = rulechanges.preview(store, new, 7, today=DAY)
    assert _digest(db_path) == before and shown.findings_before == 0
    made = rulechanges.apply(store, new)
    assert [(a.target, a.detail.split()[0]) for a in store.audit(action="rule_change")] == [
        ("rule:hall_wait", "add")]
    options = _options(store)
    assert options.settings["hall_wait"].severity == "minor" and "hall_wait" in {
        r.id for r in options.norms}
    found = [f for v in tuning.scorer(store).score(said).visits for f in v.findings
             if f.rule == "hall_wait"]
    assert [f.text for f in found] == ["您好，请稍等"]  # the second says how long
    vocabulary.hall_words.clear()  # another process: its name read from the database
    Store(db_path, read_only=True)
    assert vocabulary.rule_name("hall_wait") == "让等未说时长"
    assert rulechanges.changes(store)[0].value == _written() and made.version == 1
    rulechanges.undo(store, 1, "zhang", "试行结束")
    assert "hall_wait" not in _options(store).settings
    assert not any(f.rule == "hall_wait" for v in tuning.scorer(store).score(said).visits
                   for f in v.findings)
    # a change to it once made: its parameters change like a shipped rule's
    again = rulechanges.apply(store, rulechanges.propose(_options(store), "hall_wait", "add",
                                                         _written(), "再试", "zhang"))
    rulechanges.apply(store, rulechanges.propose(_options(store), "hall_wait", "param",
                                                 "words1=请稍等、稍等一下", "加一个", "zhang"))
    changed = next(r for r in _options(store).norms if r.id == "hall_wait")
    assert list(changed.params["words1"]) == ["请稍等", "稍等一下"] and again.version == 3


@pytest.mark.parametrize("table,why", [
    ({**WAIT, "id": "taboo"}, "defined twice"),
    ({**WAIT, "when": {"role": "boss"}}, "when.role"),
    ({**WAIT, "when": {"louder": "$nothing"}}, "nothing"),
    ({k: v for k, v in WAIT.items() if k != "name"}, "name"),
])
def test_a_wrong_new_rule_is_refused_naming_its_field(store, table, why):
    with pytest.raises(RuleChangeError, match=why):
        rulechanges.propose(_options(store), table["id"], "add", _written(table), "r", "zhang")
    with pytest.raises(RuleChangeError, match="JSON"):
        rulechanges.propose(_options(store), "hall_x", "add", "{not json", "r", "zhang")
