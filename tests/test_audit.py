"""`courtesy audit`: the trail listed and exported (CSV for Excel, JSON), filtered, safe."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from monitor import audit
from monitor.cli import cli
from monitor.records import AuditEntry
from monitor.storage import Store


@pytest.fixture
def trail(db_path):
    store = Store(db_path)
    for day, actor, action, target, detail in (
            (19, "zhang", "login", "zhang", "supervisor"),
            (20, "zhang", "review", "v1:f0", "dismiss misheard"),
            (20, "=cmd|' /C calc'!A0", "login", "x", "+SUM(1)"),
            (21, "liu", "appeal", "v1:f1", "我说了您好")):
        store.add_audit(AuditEntry(actor, action, target, detail, "127.0.0.1",
                                   datetime(2026, 11, day, 9, 30).astimezone()))
    return db_path


def courtesy(db_path, *args):
    return CliRunner().invoke(cli, ["audit", *args, "--db", str(db_path)])


def test_list_filters_by_days_actor_and_action(trail):
    out = courtesy(trail, "list", "--from", "2026-11-20", "--to", "2026-11-20").output
    assert out.count("\n") == 2 and "dismiss misheard" in out
    assert courtesy(trail, "list", "--actor", "liu").output.count("\n") == 1
    out = courtesy(trail, "list", "--action", "login").output
    assert out.count("\n") == 2 and "review" not in out


def test_csv_export_has_a_bom_and_no_live_formulas(trail, tmp_path):
    target = tmp_path / "audit.csv"
    result = courtesy(trail, "export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 0 and "已写出 4 条审计记录" in result.output
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["编号", "时间", "操作人", "操作", "对象", "内容", "备注", "来源",
                           "操作代码"]
    assert [r["操作代码"] for r in rows] == ["login", "review", "login", "appeal"]
    assert [r["操作"] for r in rows] == ["登录", "复核", "登录", "申诉"]
    assert rows[1]["内容"] == "驳回（误识别）"
    assert rows[2]["操作人"] == "'=cmd|' /C calc'!A0" and rows[2]["内容"] == "'+SUM(1)"
    assert rows[3]["内容"] == "我说了您好"
    assert audit.safe_cell("-1") == "'-1" and audit.safe_cell("普通") == "普通"


def test_json_export_to_stdout(trail):
    data = json.loads(courtesy(trail, "export", "--format", "json", "--actor", "zhang").stdout)
    assert [(e["action"], e["origin"]) for e in data["audit"]] == [
        ("login", "127.0.0.1"), ("review", "127.0.0.1")]
    assert data["audit"][0]["at"].startswith("2026-11-19T09:30")


def test_a_bad_day_or_missing_database_is_one_clear_error(trail, tmp_path):
    bad = courtesy(trail, "list", "--from", "yesterday")
    assert bad.exit_code == 2 and "not a date like 2026-11-22" in bad.output
    missing = courtesy(tmp_path / "none.db", "list")
    assert missing.exit_code == 1 and "没有这个数据库" in missing.output


@pytest.mark.parametrize("action, target, detail, words", [
    ("ack", "light event 12", "window W01", ("确认红灯", "亮灯记录 12", "窗口 W01")),
    ("review", "v1:f0", "confirm misheard", ("复核", "v1:f0", "确认（误识别）")),
    ("add_finding", "v1", "farewell major +30.0s", ("补录检出", "v1", "未送别，较重，第 30.0 秒")),
    ("decision", "appeal:3", "overturned v1:f2", ("处理申诉", "申诉 3", "已撤销 v1:f2")),
    ("training", "v1", "remove 好的迎声", ("培训集", "v1", "移出 好的迎声")),
    ("user", "liu", "add staff staff=S12", ("账号", "liu", "添加 工作人员 S12")),
    ("user", "liu", "reset password", ("账号", "liu", "重置密码")),
    ("config", "windows.W01", "name: （无） → 户籍窗口; ack_required: false → true",
     ("修改设置", "窗口 W01", "名称：（无） → 户籍窗口; 须主管确认：否 → 是")),
    ("lexicon_change", "lexicon:taboo:你烦不烦", "threshold 1",
     ("修改词库", "服务忌语 你烦不烦", "调整阈值 1")),
    ("login", "zhang", "", ("登录", "zhang", "")),
    ("role", "v1", "line 3 (s1:4) customer -> staff", ("更正角色", "v1", "第 3 句：顾客 → 工作人员")),
])
def test_every_action_reads_in_chinese(action, target, detail, words):
    described = audit.describe(AuditEntry("zhang", action, target, detail, "127.0.0.1"))
    assert (described.action, described.target, described.detail) == words


def test_the_widest_days_list_everything_without_a_traceback(trail):
    result = courtesy(trail, "list", "--from", "0001-01-01", "--to", "9999-12-31")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 4
    exported = courtesy(trail, "export", "--format", "json", "--to", "9999-12-31")
    assert len(json.loads(exported.stdout)["audit"]) == 4
