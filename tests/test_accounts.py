"""Accounts: four roles, staff tied to a staff id, disable/reset/remove/change password,
each with its audit row (and none without it)."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from monitor import accounts
from monitor.accounts import AccountError
from monitor.cli import cli
from monitor.storage import StorageError, Store

PASSWORD = "correct horse battery"


@pytest.fixture
def store(db_path):
    return Store(db_path)


def test_roles_and_what_each_may_do(store):
    admin = accounts.add_user(store, "root", "admin", PASSWORD)
    boss = accounts.add_user(store, "zhang", "supervisor", PASSWORD)
    clerk = accounts.add_user(store, "wangfang", "staff", PASSWORD, staff="S07")
    look = accounts.add_user(store, "li", "viewer", PASSWORD)
    assert (admin.may_admin, admin.may_review, admin.may_acknowledge) == (True, True, True)
    assert (boss.may_admin, boss.may_review) == (False, True)
    assert (clerk.may_review, clerk.staff, clerk.label) == (False, "S07", "工作人员")
    assert (look.may_review, look.may_acknowledge) == (False, False)
    assert accounts.authenticate(store, "wangfang", PASSWORD) == clerk
    with pytest.raises(AccountError, match="staff id"):
        accounts.add_user(store, "nobody", "staff", PASSWORD)
    with pytest.raises(AccountError, match="role 'boss'"):
        accounts.add_user(store, "nobody", "boss", PASSWORD)
    assert [(e.action, e.target) for e in store.audit(action="user")] == [
        ("user", "root"), ("user", "zhang"), ("user", "wangfang"), ("user", "li")]


def test_disable_reset_change_remove_each_audited(store):
    cookie = accounts.add_user(store, "li", "viewer", PASSWORD)
    accounts.disable(store, "li", actor="root", origin="10.0.0.5")
    assert accounts.authenticate(store, "li", PASSWORD) is None
    assert accounts.current(store, "li", cookie.version) is None  # an open page is logged out
    accounts.disable(store, "li", actor="root", enabled=True)
    assert accounts.current(store, "li", cookie.version) is None  # and stays out
    assert accounts.authenticate(store, "li", PASSWORD).role == "viewer"
    accounts.reset_password(store, "li", "a new password 1", actor="root")
    assert accounts.authenticate(store, "li", PASSWORD) is None
    with pytest.raises(AccountError, match="原密码不正确"):
        accounts.change_password(store, "li", PASSWORD, "whatever 12345")
    accounts.change_password(store, "li", "a new password 1", "my own password")
    assert accounts.authenticate(store, "li", "my own password") is not None
    with pytest.raises(AccountError, match="不能删除自己"):
        accounts.remove(store, "li", actor="li")
    accounts.remove(store, "li", actor="root")
    assert store.account("li") is None
    with pytest.raises(AccountError, match="no user li"):
        accounts.disable(store, "li", actor="root")
    details = [(e.actor, e.detail) for e in store.audit(action="user")]
    assert details == [("system", "add viewer"), ("root", "disable"), ("root", "enable"),
                       ("root", "reset password"), ("li", "change own password"),
                       ("root", "remove")]
    assert store.audit(action="user")[1].origin == "10.0.0.5"


def test_no_account_change_without_its_audit_row(store, db_path):
    accounts.add_user(store, "li", "viewer", PASSWORD)
    with sqlite3.connect(db_path) as db:
        db.execute("create trigger no_audit before insert on audit "
                   "begin select raise(abort, 'audit unavailable'); end")
    with pytest.raises(StorageError, match="audit unavailable"):
        accounts.add_user(store, "wang", "viewer", PASSWORD)
    with pytest.raises(StorageError):
        accounts.disable(store, "li", actor="root")
    with pytest.raises(StorageError):
        accounts.remove(store, "li", actor="root")
    assert store.account("wang") is None
    assert store.account("li").disabled is False


def test_the_cli_adds_disables_resets_and_removes(db_path):
    def courtesy(*args, stdin=None):
        return CliRunner().invoke(cli, [*args, "--db", str(db_path)], input=stdin)

    result = courtesy("user", "add", "wangfang", "--role", "staff", "--staff", "S07",
                      "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "工号 S07" in courtesy("user", "list").output
    assert courtesy("user", "disable", "wangfang").exit_code == 0
    assert "已停用" in courtesy("user", "list").output
    assert courtesy("user", "reset", "wangfang", "--password-stdin",
                    stdin="another password\n").exit_code == 0
    assert courtesy("user", "remove", "wangfang").exit_code == 0
    missing = courtesy("user", "remove", "wangfang")
    assert missing.exit_code == 1 and "错误：没有用户 wangfang（no user wangfang）" in missing.output
    actions = [e.detail for e in Store(db_path).audit(actor="cli")]
    assert actions == ["add staff staff=S07", "disable", "reset password", "remove"]


def test_user_list_reads_a_database_from_before_roles_and_staff_ids(db_path):
    import sqlite3 as sql

    with sql.connect(db_path) as db:  # the users table as an older version made it
        db.execute("create table users (name text primary key, role text, "
                   "password_hash text, created_at text)")
        for table in ("sessions", "visits", "findings"):
            db.execute(f"create table {table} (id text)")
        db.execute("insert into users values ('old', 'viewer', 'x', '2026-01-01T00:00:00')")
    result = CliRunner().invoke(cli, ["user", "list", "--db", str(db_path)])
    assert result.exit_code == 0 and result.output.startswith("old ")
    assert "x" not in result.output.split()[1:]  # never the hash
