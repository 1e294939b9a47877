"""`courtesy score`: what a user sees and what lands in the database."""
import json

import pytest
import sqlite_utils

from .conftest import ROOT

SAMPLES = ROOT / "audio"


def counts(db_path):
    db = sqlite_utils.Database(db_path)
    return {t: db[t].count for t in ("sessions", "utterances", "visits", "hits", "findings")}


def test_json_output_has_the_documented_shape(run, db_path):
    result = run("score", SAMPLES / "hospital_taboo.jsonl", "--window", "W03", "--json",
                 "--db", db_path, "--at", "2026-11-20T09:00")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    [visit] = out["visits"]
    assert {"id", "window", "start", "end", "greeted", "farewelled", "questions", "unanswered",
            "findings", "score", "verdict"} <= set(visit)
    assert visit["window"] == "W03" and visit["verdict"] == "fail" and visit["score"] == 0
    taboo = [f for f in visit["findings"] if f["rule"] == "taboo"]
    assert {(f["text"], f["category"], f["severity"]) for f in taboo} >= {("你烦不烦", "不耐烦", "critical")}
    assert all({"rule", "start", "end", "text", "category", "severity"} <= set(f)
               for f in visit["findings"])


@pytest.mark.slow
def test_bundled_samples_get_the_expected_three_sounds(run, db_path):
    expected = {  # file: [(greeted, farewelled, questions, unanswered, verdict)] per visit
        "police_good": [(True, True, 2, 0, "pass")],
        "hospital_taboo": [(False, False, 3, 0, "fail")],
        "bank_wait": [(True, False, 2, 1, "fail")],
        "utility_day": [(True, True, 0, 0, "pass"), (False, False, 3, 1, "fail")],
    }
    for name, visits in expected.items():
        result = run("score", SAMPLES / f"{name}.jsonl", "--json", "--db", db_path)
        got = [(v["greeted"], v["farewelled"], v["questions"], v["unanswered"], v["verdict"])
               for v in json.loads(result.stdout)["visits"]]
        assert got == visits, name


def test_readable_summary(run, db_path):
    result = run("score", SAMPLES / "utility_day.jsonl", "--db", db_path)
    assert result.exit_code == 0
    assert "2 次来访" in result.stdout
    assert "服务忌语（" in result.stdout and "推诿" in result.stdout
    assert "机器识别" not in result.stdout  # typed text carries no mark
    assert f"已存入 {db_path}" in result.stdout


def test_scoring_twice_does_not_duplicate_rows(run, db_path):
    run("score", SAMPLES / "bank_wait.jsonl", "--db", db_path)
    first = counts(db_path)
    run("score", SAMPLES / "bank_wait.jsonl", "--db", db_path)
    assert counts(db_path) == first
    assert first["sessions"] == 1 and first["visits"] == 1


def test_window_and_staff_come_from_lines_or_options(run, db_path):
    run("score", SAMPLES / "utility_day.jsonl", "--db", db_path, "--window", "W09")
    db = sqlite_utils.Database(db_path)
    assert {(r["window"], r["staff"]) for r in db["visits"].rows} == {("W09", "S07")}
    run("score", SAMPLES / "bank_wait.jsonl", "--db", db_path, "--staff", "S01")
    assert db["sessions"].get(next(r["id"] for r in db["sessions"].rows_where(
        "source like ?", ["%bank_wait%"])))["staff"] == "S01"


def test_wall_clock_anchor(run, db_path):
    run("score", SAMPLES / "police_good.jsonl", "--db", db_path, "--at", "2026-11-20T09:00:00+08:00")
    db = sqlite_utils.Database(db_path)
    [visit] = db["visits"].rows
    assert visit["started_at"].startswith("2026-11-20T09:00:00")
    last = max(db["findings"].rows, key=lambda r: r["start"], default=None)
    assert last is None or last["at"].startswith("2026-11-20T09:")


def test_bad_line_fails_whole_file_and_leaves_db_unchanged(run, db_path, write_jsonl):
    run("score", SAMPLES / "police_good.jsonl", "--db", db_path)
    before = counts(db_path)
    bad = write_jsonl([{"start": 0, "end": 1, "role": "staff", "text": "您好"},
                       {"start": 2, "end": 1, "role": "staff", "text": "再见"}])
    result = run("score", bad, "--db", db_path)
    assert result.exit_code == 1
    assert result.stderr == f"错误：{bad} 第 2 行：字段“end”：end 1.0 is before start 2.0\n"
    assert result.stdout == ""
    assert counts(db_path) == before


def test_bad_options(run, db_path):
    result = run("score", SAMPLES / "police_good.jsonl", "--db", db_path, "--profile", "zoo")
    assert result.exit_code == 1 and "unknown profile 'zoo'" in result.stderr
    result = run("score", SAMPLES / "police_good.jsonl", "--db", db_path, "--at", "yesterday")
    assert result.exit_code == 2 and "--at" in result.stderr
    result = run("score", "missing.jsonl", "--db", db_path)
    assert result.exit_code == 1 and "missing.jsonl：cannot read" in result.stderr


def test_unwritable_database_is_a_clear_error(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("score", SAMPLES / "police_good.jsonl", "--db", blocker / "courtesy.db")
    assert result.exit_code == 1 and "cannot open database" in result.stderr


def test_profile_changes_the_verdict(run, db_path, write_jsonl):
    rows = [{"start": 0, "end": 3, "role": "staff", "text": "您好，请问您办理什么业务"}]
    rows += [{"start": t, "end": t + 1, "role": "staff", "text": "嗯"} for t in range(15, 400, 15)]
    rows.append({"start": 401, "end": 403.5, "role": "staff", "text": "好的，请慢走，再见"})
    path = write_jsonl(rows)
    general = json.loads(run("score", path, "--json", "--db", db_path).stdout)
    hospital = json.loads(run("score", path, "--json", "--db", db_path, "--profile", "hospital").stdout)
    assert general["visits"][0]["verdict"] == "pass"
    assert [f["rule"] for f in hospital["visits"][0]["findings"]] == ["duration"]


def test_machine_heard_quotes_are_marked_and_carry_their_pinyin(run, db_path, write_jsonl):
    path = write_jsonl([
        {"start": 0, "end": 2, "role": "customer", "text": "我来交电费"},
        {"start": 2.5, "end": 5, "role": "staff", "text": "你烦不烦啊", "pinyin": "nǐ fán bù fán a",
         "heard_by": "sherpa"},
        {"start": 5.5, "end": 7, "role": "staff", "text": "请慢走再见"}])
    shown = run("score", path, "--db", db_path).stdout
    taboo = next(line for line in shown.splitlines() if "服务忌语（" in line)
    assert taboo.endswith("〔机器识别〕") and "由语音自动识别，可能有误" in shown
    visit = json.loads(run("score", path, "--json", "--db", db_path).stdout)["visits"][0]
    greeting, taboo = visit["findings"]  # the greeting finding quotes the first staff line
    assert (greeting["text"], greeting["pinyin"], greeting["heard_by"]) == (
        "你烦不烦啊", "nǐ fán bù fán a", "sherpa")
    assert taboo["rule"] == "taboo" and taboo["heard_by"] == "sherpa"


def test_hall_config_gives_the_window_its_staff_profile_and_privacy(run, db_path, write_jsonl,
                                                                     tmp_path):
    hall = tmp_path / "hall.toml"
    hall.write_text('[privacy]\nstore_raw = true\n'
                    '[windows.W05]\nstaff = "S09"\nprofile = "hospital"\n', encoding="utf-8")
    rows = [{"start": 0, "end": 3, "role": "staff", "text": "您好，请问您办理什么业务"},
            {"start": 4, "end": 7, "role": "customer", "text": "我的电话是13812345678"}]
    rows += [{"start": t, "end": t + 1, "role": "staff", "text": "嗯"} for t in range(15, 400, 15)]
    rows.append({"start": 401, "end": 403.5, "role": "staff", "text": "好的，请慢走，再见"})
    result = run("score", write_jsonl(rows), "--window", "W05", "--json", "--db", db_path,
                 "--config", hall)
    [visit] = json.loads(result.stdout)["visits"]
    assert visit["staff"] == "S09"
    assert [f["rule"] for f in visit["findings"]] == ["duration"]  # the hospital's time limit
    db = sqlite_utils.Database(db_path)
    assert any("13812345678" in r["text"] for r in db["utterances"].rows)  # store_raw
    explicit = run("score", write_jsonl(rows), "--window", "W05", "--json", "--db", db_path,
                   "--config", hall, "--staff", "S01", "--profile", "general")
    assert json.loads(explicit.stdout)["visits"][0]["staff"] == "S01"
    assert json.loads(explicit.stdout)["visits"][0]["verdict"] == "pass"


def test_a_bad_hall_config_is_named_and_nothing_is_stored(run, db_path, tmp_path):
    hall = tmp_path / "hall.toml"
    hall.write_text('[windows.W05]\nstaf = "S09"\n', encoding="utf-8")
    result = run("score", SAMPLES / "police_good.jsonl", "--db", db_path, "--config", hall)
    assert result.exit_code == 1 and str(hall) in result.stderr and "staf" in result.stderr
    assert not db_path.exists() or counts(db_path)["sessions"] == 0


def test_window_and_staff_options_apply_to_every_line(run, db_path, write_jsonl):
    """The session said W01 while its visits said WX: now the options win for every line."""
    source = write_jsonl([
        {"start": 0, "end": 2, "role": "staff", "text": "您好", "window": "WX", "staff": "S99"},
        {"start": 3, "end": 5, "role": "customer", "text": "我来交电费", "window": "WX"},
        {"start": 6, "end": 8, "role": "staff", "text": "好的，请慢走", "staff": "S99"},
    ])
    result = run("score", source, "--window", "W01", "--staff", "S07", "--db", db_path)
    assert result.exit_code == 0, result.stderr
    db = sqlite_utils.Database(db_path)
    rows = [(r["window"], r["staff"]) for t in ("sessions", "visits", "utterances")
            for r in db[t].rows]
    assert set(rows) == {("W01", "S07")} and len(rows) == 5


@pytest.mark.parametrize("option, value", [("--window", "<xss-win>"), ("--staff", "S 07"),
                                           ("--window", "W" * 65)])
def test_bad_window_or_staff_ids_are_refused(run, db_path, option, value):
    result = run("score", SAMPLES / "police_good.jsonl", option, value, "--db", db_path)
    assert result.exit_code == 2 and "only letters, digits" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_an_id_from_a_transcript_is_refused_with_file_line_and_field(run, db_path,
                                                                     write_jsonl):
    source = write_jsonl([{"start": 0, "end": 2, "role": "staff", "text": "您好"},
                          {"start": 3, "end": 5, "role": "staff", "text": "好",
                           "window": "<xss-win>"}])
    result = run("score", source, "--db", db_path)
    shown = result.output + result.stderr
    assert result.exit_code == 1 and "第 2 行：字段“window”：window id '<xss-win>'" in shown
    assert not db_path.exists() or counts(db_path)["sessions"] == 0
