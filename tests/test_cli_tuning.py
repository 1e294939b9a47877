"""`courtesy lexicon tune / undo / changes` on a real database: a preview changes nothing,
--apply makes a version that `score` then judges with, a bad change is one clear error."""
from __future__ import annotations

import sqlite3

import pytest

from monitor.storage import Store

SAMPLE = "audio/hospital_taboo.jsonl"


def _scored(run, db_path, window="W03"):
    result = run("score", SAMPLE, "--window", window, "--db", db_path)
    assert result.exit_code == 0, result.output


def _taboos(db_path, window):
    with sqlite3.connect(db_path) as db:
        return db.execute("select count(*) from findings f join visits v on f.visit = v.id "
                          "where f.rule = 'taboo' and v.window = ?", [window]).fetchone()[0]


def test_a_preview_changes_nothing_and_apply_makes_a_version_score_uses(run, db_path):
    _scored(run, db_path)
    shown = run("lexicon", "tune", "你烦不烦", "--off", "--db", db_path)
    assert shown.exit_code == 0, shown.output
    assert "消失 1，新增 0" in shown.output
    assert "“你烦不烦”" in shown.output and "仅为预览" in shown.output
    assert Store(db_path).lexicon_version() == 0
    refused = run("lexicon", "tune", "你烦不烦", "--off", "--apply", "--db", db_path)
    assert refused.exit_code == 1 and "请写明调整原因" in refused.output
    made = run("lexicon", "tune", "你烦不烦", "--off", "--apply", "--reason", "多为顾客所说",
               "--by", "zhang", "--db", db_path)
    assert made.exit_code == 0 and "本厅词库版本 1" in made.output
    before = _taboos(db_path, "W03")
    _scored(run, db_path, "W04")
    assert _taboos(db_path, "W04") == before - 1
    with sqlite3.connect(db_path) as db:
        versions = dict(db.execute("select window, lexicon_version from sessions"))
    assert versions == {"W03": 0, "W04": 1}
    listed = run("lexicon", "changes", "--db", db_path)
    assert "v1" in listed.output and "zhang" in listed.output and "停用" in listed.output


def test_undo_then_changes_lists_both(run, db_path):
    _scored(run, db_path)
    run("lexicon", "tune", "不可能的", "--threshold", "90", "--reason", "误报多", "--apply",
        "--db", db_path)
    undone = run("lexicon", "undo", "1", "--reason", "漏检", "--db", db_path)
    assert undone.exit_code == 0 and "本厅词库版本 2" in undone.output
    again = run("lexicon", "undo", "1", "--db", db_path)
    assert again.exit_code == 1 and "已经撤销" in again.output
    lines = run("lexicon", "changes", "--db", db_path).output.splitlines()
    assert [line.split()[0] for line in lines] == ["v1", "v2"]


def test_exactly_one_change_and_a_known_phrase(run, db_path):
    _scored(run, db_path)
    both = run("lexicon", "tune", "你烦不烦", "--off", "--threshold", "90", "--db", db_path)
    assert both.exit_code == 2 and "exactly one" in both.output
    unknown = run("lexicon", "tune", "自己看", "--off", "--db", db_path)
    assert unknown.exit_code == 1 and "词库中没有词条“自己看”" in unknown.output
    assert Store(db_path).lexicon_version() == 0


def test_a_long_preview_lists_the_first_ones_unless_all(run, db_path):
    from monitor import lexicon, tuning
    from monitor.commands.changes import preview_lines

    for n in range(26):  # 26 windows, each the same taboo visit: 26 findings, 26 verdicts
        _scored(run, db_path, f"W{n:02d}")
    full = run("lexicon", "tune", "你烦不烦", "--off", "--db", db_path).output
    assert "消失 26，新增 0；来访结论改变 26" in full
    assert full.count("  消失 ") == 26 and full.count("  结论 ") == 26 and "只列出" not in full
    store = Store(db_path)
    shown = tuning.preview(store, tuning.propose(store, lexicon.load(), "你烦不烦", "off", "",
                                                 "", "cli"))
    short = "\n".join(preview_lines(shown, 20))
    assert short.count("  消失 ") == 20 and short.count("  结论 ") == 20
    assert "只列出前 20 条，加 --all 列出全部" in short


HALL_RULE = """
[[rules]]
id = "hall_wait"
name = "让等未说时长"
prompt = "请告诉群众大约要等多久"
norm = "等候告知"
severity = "minor"
deduction = 5
detail = "「{quote}」"
params = { words1 = ["请稍等", "请您稍等"] }
labels = { words1 = "让等的话" }
when = { all = [{ role = "staff" }, { says = "$words1" },
                { not = { followed = { within_turns = 1, same = true, role = "staff", regex = "分钟" } } }] }
"""


def _rule_versions(db_path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("select count(*) from rule_changes").fetchone()[0]


def test_rules_add_previews_a_hall_rule_then_adds_it_for_score(run, db_path, tmp_path):
    _scored(run, db_path)
    written = tmp_path / "等候告知.toml"
    written.write_text(HALL_RULE, encoding="utf-8")
    shown = run("rules", "add", str(written), "--db", db_path)
    assert shown.exit_code == 0, shown.output
    assert "新建规则“让等未说时长”（hall_wait，轻微，扣5分" in shown.output
    assert "说了下列词之一：「请稍等」、「请您稍等」（参数 「让等的话」）" in shown.output and "仅为预览" in shown.output
    assert _rule_versions(db_path) == 0
    made = run("rules", "add", str(written), "--apply", "--reason", "本厅要求", "--db", db_path)
    assert made.exit_code == 0 and "本厅规则版本 1" in made.output, made.output
    assert "hall_wait  让等未说时长（等候告知） 启用" in run("rules", "list", "--db", db_path).output
    again = run("rules", "add", str(written), "--db", db_path)
    assert again.exit_code == 1 and "defined twice" in again.output


@pytest.mark.parametrize("text,says", [
    (HALL_RULE.replace('"hall_wait"', '"wait_said"'), "须以 hall_ 开头"),
    (HALL_RULE.replace('role = "staff" }, { says', 'role = "boss" }, { says'),
     "第 3 行：字段“when.all[0].role”"),
    (HALL_RULE.replace('name = "让等未说时长"\n', ""), "字段“name”"),
    ("[classes.wait]\nwords = ['请稍等']\nlabel = '让等'\n" + HALL_RULE, "字段“classes”"),
    ("[[rules]\nid = 1", "TOML 格式有误"),
])
def test_rules_add_refuses_a_wrong_file_naming_it_and_stores_nothing(run, db_path, tmp_path,
                                                                      text, says):
    _scored(run, db_path)
    written = tmp_path / "规则.toml"
    written.write_text(text, encoding="utf-8")
    refused = run("rules", "add", str(written), "--apply", "--reason", "r", "--db", db_path)
    assert refused.exit_code == 1 and says in refused.output, refused.output
    assert refused.output.count("错误") == 1 and _rule_versions(db_path) == 0
    if "TOML" in says or "classes" in says:
        assert str(written) in refused.output


def test_no_shipped_rule_takes_the_prefix_of_a_halls_own():
    from monitor import profiles, ruledata
    from monitor.rulechanges import HALL_PREFIX

    shipped = {rule.id for rule in ruledata.load()} | {
        rule_id for name in profiles.available() for rule_id in profiles.load(name).rules.settings}
    assert shipped and not [rule_id for rule_id in shipped if rule_id.startswith(HALL_PREFIX)]
