"""Backups hold while monitors write; restore checks before it replaces."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor import backup, migrate
from monitor.errors import StorageError
from monitor.records import Heartbeat, LightEvent
from monitor.storage import Store

# A monitor's writes through the real Store: one light event per transaction, as fast as
# the lock allows, until killed.
WRITER = """
import sys
from datetime import datetime
from monitor.records import LightEvent
from monitor.storage import Store
store = Store(sys.argv[1])
n = 0
while True:
    store.add_light_event(LightEvent(sys.argv[2], "green", "off",
                                     datetime.now().astimezone(), detail=str(n)))
    n += 1
"""


def _committed(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return dict(conn.execute("select window, count(*) from light_events group by window"))
    finally:
        conn.close()


def _wait_for(db: Path, rows: int, windows: int, timeout: float = 60.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _committed(db)
        if len(done) == windows and min(done.values()) >= rows:
            return done
        time.sleep(0.1)
    raise AssertionError(f"writers too slow: {_committed(db)}")


@pytest.mark.slow
def test_a_backup_taken_while_four_monitors_write_holds_every_committed_row(tmp_path, run):
    db = tmp_path / "hall.db"
    Store(db).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"W0{n}"])
               for n in range(1, 5)]
    try:
        _wait_for(db, 50, 4)
        before = _committed(db)  # every row committed before the backup started
        result = run("backup", "--db", db, "-o", tmp_path / "copy.db")
        assert result.exit_code == 0, result.output
        after = _wait_for(db, max(before.values()) + 50, 4)  # the monitors never waited
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    for window, count in before.items():
        seqs = {int(d) for (d,) in copy.execute(
            "select detail from light_events where window = ?", [window])}
        assert set(range(count)) <= seqs, window  # each monitor's rows, without a gap
        assert seqs == set(range(len(seqs)))
    assert sum(after.values()) > sum(_committed(tmp_path / "copy.db").values())
    assert "完整性检查通过" in result.output


def test_rotation_keeps_the_newest(tmp_path):
    db = tmp_path / "hall.db"
    Store(db).close()
    folder = tmp_path / "backups"
    for minute in range(5):
        backup.copy(db, backup.stamped(folder, datetime(2026, 12, 1, 2, minute)))
    made = backup.backup(db, None, folder, keep=3)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 3 and made.path.name in names
    assert [p.name for p in made.removed] == ["courtesy-20261201-020000.db",
                                              "courtesy-20261201-020100.db",
                                              "courtesy-20261201-020200.db"]


def test_backup_without_a_destination_says_where_to_put_it(tmp_path, run):
    db = tmp_path / "hall.db"
    Store(db).close()
    result = run("backup", "--db", db)
    assert result.exit_code == 1 and "[backup] folder" in result.stderr


def _store_with_rows(path: Path, rows: int) -> None:
    store = Store(path)
    for n in range(rows):
        store.add_light_event(LightEvent("W01", "green", "off", datetime.now().astimezone(),
                                         detail=str(n)))
    store.close()


def test_restore_puts_the_backup_back_and_keeps_what_it_replaced(tmp_path, run):
    db = tmp_path / "hall.db"
    _store_with_rows(db, 3)
    assert run("backup", "--db", db, "-o", tmp_path / "b.db").exit_code == 0
    _store_with_rows(db, 4)  # written after the backup
    result = run("restore", tmp_path / "b.db", "--db", db)
    assert result.exit_code == 0, result.output
    assert _committed(db) == {"W01": 3}
    kept = next(tmp_path.glob("hall.db.before-restore-*"))
    assert _committed(kept) == {"W01": 7}
    Store(db).close()  # the monitors can open it again


def test_restore_refuses_a_damaged_file_and_leaves_the_database(tmp_path, run):
    db = tmp_path / "hall.db"
    _store_with_rows(db, 2)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = run("restore", bad, "--db", db)
    assert result.exit_code == 1 and str(bad) in result.stderr
    assert "Traceback" not in result.stderr
    assert _committed(db) == {"W01": 2}
    assert not list(tmp_path.glob("hall.db.before-restore-*"))


def test_restore_refuses_a_newer_backup(tmp_path):
    db, newer = tmp_path / "hall.db", tmp_path / "newer.db"
    _store_with_rows(db, 1)
    backup.copy(db, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"pragma user_version = {migrate.current() + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer courtesy"):
        backup.restore(newer, db)


def test_restore_refuses_while_a_monitor_beats(tmp_path):
    db = tmp_path / "hall.db"
    _store_with_rows(db, 1)
    backup.copy(db, tmp_path / "b.db")
    store = Store(db)
    now = datetime.now().astimezone()
    store.beat(Heartbeat("W01", "1@host", now, "listening", now - timedelta(hours=1)))
    store.close()
    with pytest.raises(StorageError, match="W01.*stop them first"):
        backup.restore(tmp_path / "b.db", db)
    assert backup.restore(tmp_path / "b.db", db, force=True) is not None


def test_a_hall_without_a_backup_folder_backs_up_beside_its_config(tmp_path, run):
    (tmp_path / "hall.toml").write_text('[hall]\ndb = "hall.db"\n', encoding="utf-8")
    Store(tmp_path / "hall.db").close()
    result = run("backup", "--config", tmp_path / "hall.toml")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "backups").glob("courtesy-*.db"))) == 1
