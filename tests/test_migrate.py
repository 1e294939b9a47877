"""Upgrades: a database each release left opens in this code with every row kept; a newer
database is refused; a data step runs once, in the upgrade's one transaction."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from monitor import migrate
from monitor.errors import StorageError
from monitor.storage import SCHEMA, Store

RELEASES = sorted((Path(__file__).parent / "releases").glob("v*.db"))


def _rows(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every table's rows (only `columns` of each table, when given), comparable."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table' "
                                           "and name not like 'sqlite_%'")]
        picked = {t: ", ".join(f"[{c}]" for c in columns[t]) if columns else "*"
                  for t in (columns or tables)}
        return {t: sorted(map(repr, db.execute(f"select {picked[t]} from [{t}]")))
                for t in picked}
    finally:
        db.close()


def _columns(path: Path, table: str) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [r[1] for r in db.execute(f"pragma table_info([{table}])")]
    finally:
        db.close()


@pytest.fixture(params=RELEASES, ids=lambda p: p.stem)
def released(request, tmp_path) -> Path:
    copy = tmp_path / "hall.db"
    shutil.copy(request.param, copy)
    return copy


def test_every_release_has_a_database():
    assert [p.stem for p in RELEASES][:1] == ["v0.1.0"]


def test_upgrade_from_a_release_keeps_every_row(released):
    before = _rows(released)
    old_columns = {t: _columns(released, t) for t in before}
    assert sum(map(len, before.values())) > 50  # the release wrote every kind of row
    store = Store(released)
    store.close()
    assert _rows(released, old_columns) == before  # every row, every old value
    for table, (columns, _) in SCHEMA.items():
        assert set(columns) <= set(_columns(released, table)), table
    db = sqlite3.connect(released)
    assert migrate.version_of(db) == migrate.current()
    history = db.execute("select from_version, to_version, backup from schema_history"
                         ).fetchall()
    assert [(h[0], h[1]) for h in history] == [(0, migrate.current())]
    copied = Path(history[0][2])
    assert copied.is_file() and _rows(copied) == before  # the copy made before any change


def test_reopening_an_upgraded_database_changes_nothing(released):
    Store(released).close()
    copies = set(released.parent.glob("*.before-upgrade-*"))
    Store(released).close()
    assert set(released.parent.glob("*.before-upgrade-*")) == copies


def test_a_newer_database_is_refused_with_one_error(released):
    Store(released).close()
    db = sqlite3.connect(released)
    db.execute(f"pragma user_version = {migrate.current() + 1}")
    db.commit()
    db.close()
    before = _rows(released)
    for read_only in (False, True):
        with pytest.raises(StorageError, match="newer courtesy.*schema version"):
            Store(released, read_only=read_only)
    assert _rows(released) == before


def test_the_cli_says_so_without_a_traceback(released, run):
    Store(released).close()
    db = sqlite3.connect(released)
    db.execute(f"pragma user_version = {migrate.current() + 5}")
    db.commit()
    db.close()
    result = run("user", "list", "--db", released)
    assert result.exit_code == 1
    assert "newer courtesy" in result.stderr and "Traceback" not in result.stderr


def _rename_role(db):
    db.execute("update utterances set role = 'clerk' where role = 'staff'")


def _fail(db):
    db.execute("update utterances set role = 'lost'")
    raise sqlite3.OperationalError("step failed on purpose")


def test_a_data_step_runs_once_in_the_upgrade(released, monkeypatch):
    staff_lines = _rows(released)["utterances"]
    monkeypatch.setattr(migrate, "STEPS", (migrate.Step(1, "staff are clerks", _rename_role),))
    Store(released).close()
    db = sqlite3.connect(released)
    roles = dict(db.execute("select role, count(*) from utterances group by role"))
    assert "staff" not in roles and roles["clerk"] > 0
    assert migrate.version_of(db) == 1
    assert len(staff_lines) == sum(roles.values())
    db.close()


def test_a_failing_step_leaves_the_database_as_it_was(released, monkeypatch):
    before = _rows(released)
    monkeypatch.setattr(migrate, "STEPS", (migrate.Step(1, "breaks", _fail),))
    with pytest.raises(StorageError, match="step failed on purpose"):
        Store(released)
    assert _rows(released) == before
    assert migrate.version_of(sqlite3.connect(released)) == 0


def test_steps_are_numbered_from_one_without_gaps():
    assert [s.number for s in migrate.STEPS] == list(range(1, len(migrate.STEPS) + 1))


def test_a_new_database_is_at_the_current_version_without_a_copy(tmp_path):
    Store(tmp_path / "new.db").close()
    assert migrate.version_of(sqlite3.connect(tmp_path / "new.db")) == migrate.current()
    assert not list(tmp_path.glob("*.before-upgrade-*"))
