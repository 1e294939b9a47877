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
    assert result.exit_code == 0 and "4 audit entries written" in result.output
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["login", "review", "login", "appeal"]
    assert rows[2]["actor"] == "'=cmd|' /C calc'!A0" and rows[2]["detail"] == "'+SUM(1)"
    assert rows[3]["detail"] == "我说了您好"
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
    assert missing.exit_code == 1 and "no such database" in missing.output


def test_the_widest_days_list_everything_without_a_traceback(trail):
    result = courtesy(trail, "list", "--from", "0001-01-01", "--to", "9999-12-31")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 4
    exported = courtesy(trail, "export", "--format", "json", "--to", "9999-12-31")
    assert len(json.loads(exported.stdout)["audit"]) == 4
