"""`courtesy user`: the web app's accounts.
"""
from __future__ import annotations

import sys

import click

from ..vocabulary import ACCOUNT_ROLE_LABELS, when
from .common import Group, db_option, hall_option


@click.group(cls=Group)
def user():
    """Web app users: admin (accounts), supervisor (acknowledge, review, decide appeals),
    staff (own record, appeals; --staff ID), viewer (only looks)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "supervisor", "staff", "viewer"]),
              required=True)
@click.option("--staff", "staff_id", help="The staff id a staff account belongs to")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line")
@click.option("--replace", is_flag=True, help="Reset the password and role of an existing user")
@db_option
@hall_option
def user_add(name, role, staff_id, password_stdin, replace, db_path, hall):
    """Add a user; the password is asked for (or read from stdin) and stored hashed. A
    staff account's --staff must be in the hall config's [staff], when it lists staff.

    Example: courtesy user add zhang --role supervisor
    """
    from ..accounts import add_user
    from ..storage import Store

    added = add_user(Store(db_path), name, role, _password(password_stdin), replace=replace,
                     staff=staff_id, actor="cli", origin="courtesy user add",
                     known_staff=hall.staff)
    click.echo(f"{'已更新' if replace else '已添加'}账号 {added.name}（{ACCOUNT_ROLE_LABELS[added.role]}，{added.role}）")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user.command("list")
@db_option
def user_list(db_path):
    """List the board's users (never their passwords).

    Example: courtesy user list
    """
    from ..storage import Store

    for account in Store(db_path, read_only=True).accounts():
        state = "  已停用" if account.disabled else ""
        staff = f"  工号 {account.staff}" if account.staff else ""
        click.echo(f"{account.name:<20} {ACCOUNT_ROLE_LABELS[account.role]}（{account.role}）  "
                   f"创建于 {when(account.created_at)}{staff}{state}")


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Switch the user on again")
@db_option
def user_disable(name, enable, db_path):
    """Switch a user off (they cannot log in; an open page is logged out), or on again.

    Example: courtesy user disable li
    """
    from ..accounts import disable
    from ..storage import Store

    disable(Store(db_path, must_exist=True), name, actor="cli", origin="courtesy user disable",
            enabled=enable)
    click.echo(f"已{'启用' if enable else '停用'}账号 {name}")


@user.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line")
@db_option
def user_reset(name, password_stdin, db_path):
    """Give a user a new password.

    Example: courtesy user reset zhang
    """
    from ..accounts import reset_password
    from ..storage import Store

    reset_password(Store(db_path, must_exist=True), name, _password(password_stdin),
                   actor="cli", origin="courtesy user reset")
    click.echo(f"已重置 {name} 的密码")


@user.command("remove")
@click.argument("name")
@db_option
def user_remove(name, db_path):
    """Remove a user (their actions stay in the audit trail).

    Example: courtesy user remove li
    """
    from ..accounts import remove
    from ..storage import Store

    remove(Store(db_path, must_exist=True), name, actor="cli", origin="courtesy user remove")
    click.echo(f"已删除账号 {name}（其操作仍留在审计记录中）")


COMMANDS = (user,)
