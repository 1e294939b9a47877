"""One mechanism for a hall's versioned changes (hallchanges.py), lexicon and rules alike:
what the rules side gained by sharing it (times as a hall reads them, reasons masked like
the lexicon's, the same terminal commands) and the words each kind keeps."""
from __future__ import annotations

import dataclasses
import re
import sqlite3

import pytest

from monitor import hallchanges, rulechanges, tuning
from monitor.errors import RuleChangeError, TuningError
from monitor.records import LexiconChange, RuleChange

from .test_review_web import app, client, login, store, visits  # noqa: F401 (fixtures)

RAW_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")  # what a hall never reads
PHONE = "13912345678"


def _rule_off(store, reason="本厅另行考核"):
    options = rulechanges.options_for(store, "general")
    return rulechanges.apply(store, rulechanges.propose(options, "taboo", "enabled", "false",
                                                        reason, "zhang"))


def test_rules_change_undo_and_changes_from_the_terminal(run, db_path):
    assert run("score", "audio/hospital_taboo.jsonl", "--window", "W03",
               "--db", db_path).exit_code == 0
    shown = run("rules", "change", "taboo", "--off", "--db", db_path).output
    assert shown.startswith("预览：规则“服务忌语”（taboo）启用/停用 false")
    assert "消失" in shown and "仅为预览，未作任何更改" in shown
    made = run("rules", "change", "taboo", "--off", "--reason", "本厅另行考核", "--apply",
               "--db", db_path)
    assert "已应用：本厅规则版本 1" in made.output
    assert "已撤销版本 1：本厅规则版本 2" in run("rules", "undo", "1", "--db", db_path).output
    again = run("rules", "undo", "1", "--db", db_path)
    assert again.exit_code == 1 and "版本 1 的修改已经撤销" in again.output
    lines = run("rules", "changes", "--db", db_path).output.splitlines()
    assert [line.split()[0] for line in lines] == ["v1", "v2"]
    assert "服务忌语（taboo） 启用/停用 false 本厅另行考核" in lines[0]
    assert not RAW_TIME.search("\n".join(lines)) and "年" in lines[0]  # was 2026-12-06 22:30


def test_the_rules_page_lists_versions_with_times_as_a_hall_reads_them(client, store):
    _rule_off(store)
    login(client, "zhang")
    page = client.get("/review/rules").text
    table = page[page.index("本厅规则修改记录"):]
    assert "v1" in table and "服务忌语" in table and "本厅另行考核" in table
    assert not RAW_TIME.search(table), table  # was 2026-12-06 22:30 beside the lexicon's 年月日


def test_a_rule_change_reason_is_stored_masked_as_a_lexicon_one_is(store, db_path):
    _rule_off(store, f"市民 {PHONE} 投诉")
    tuning.apply(store, LexiconChange("taboo", "你烦不烦", "off", "", f"市民 {PHONE} 投诉",
                                      "zhang"))
    with sqlite3.connect(db_path) as db:
        reasons = [r for (r,) in db.execute(
            "select reason from rule_changes union all select reason from lexicon_changes")]
    assert len(reasons) == 2 and not any(PHONE in r for r in reasons), reasons


@pytest.mark.parametrize("kind, first, error, words", [
    (hallchanges.LEXICON, LexiconChange("taboo", "你烦不烦", "off", "", "试用", "zhang"),
     TuningError, "调整"),
    (hallchanges.RULES, RuleChange("taboo", "enabled", "false", "试用", "zhang"),
     RuleChangeError, "修改")])
def test_each_kind_versions_audits_and_undoes_alike_in_its_own_words(
        store, kind, first, error, words):
    made = hallchanges.apply(store, kind, first, origin="test")
    assert made.version == 1 and hallchanges.version(store.db, kind) == 1
    undone = hallchanges.undo(store, kind, 1, "li", "", origin="test")
    assert (undone.change, undone.value, undone.reason, undone.version) == (
        "undo", "1", "撤销版本 1", 2)
    assert hallchanges.in_force(hallchanges.changes(store.db, kind)) == []
    assert [a.detail for a in store.audit(action=kind.action)] == [
        f"{first.change} {first.value}".strip(), "undo 1"]
    for version, why in ((1, f"版本 1 的{words}已经撤销"), (2, "撤销本身不能再撤销"),
                         (9, f"没有版本 9 的{kind.of}{words}")):
        with pytest.raises(error, match=why):
            hallchanges.undo(store, kind, version, "li", "")
    with pytest.raises(error, match=f"请写明{words}原因"):
        hallchanges.apply(store, kind, dataclasses.replace(first, reason=" "))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute(f"delete from {kind.table}")
