"""`courtesy sync`: a hall's rows shipped to the city's PostgreSQL (central/).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import limits
from .common import Bounded, Group, db_option


@click.group(cls=Group)
def sync():
    """Ship this hall's database to the city's PostgreSQL ([central] in hall.toml).

    Example: courtesy sync status --config hall.toml --db reports/courtesy.db
    """


@sync.command("run")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hall.toml"), show_default=True, help="Hall config with [central]")
@click.option("--once", is_flag=True, help="Ship what is pending, then stop")
@click.option("--every", type=Bounded(limits.SYNC_EVERY_S), default=2.0, show_default=True,
              help="Seconds between rounds")
@db_option
def sync_run(config_path, once, every, db_path):
    """Ship pending changes; without --once keep shipping until stopped (Ctrl-C).

    Example: courtesy sync run --config hall.toml --db reports/courtesy.db
    """
    from ..central.city_cli import run_sync

    run_sync(config_path, db_path, once, every, click.echo)


@sync.command("status")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hall.toml"), show_default=True, help="Hall config with [central]")
@db_option
def sync_status(config_path, db_path):
    """Say what waits to be shipped, since when, and the last error.

    Example: courtesy sync status --config hall.toml
    """
    from ..central.city_cli import shipper

    with shipper(config_path, db_path) as ship:
        click.echo(ship.status().text())


@sync.command("init")
@click.argument("admin_url")
@click.option("--hall", "halls", multiple=True, help="A hall's role to create (its id)")
@click.option("--city", "cities", multiple=True, help="A reader of all halls to create")
@click.option("--password-stdin", is_flag=True,
              help="Read the roles' password from stdin (else it is asked for)")
def sync_init(admin_url, halls, cities, password_stdin):
    """Migrate the city's database to the newest schema and create hall/city roles.

    Example: courtesy sync init postgresql://postgres@db/city --hall hall_01 --password-stdin
    """
    from ..central import schema

    password = ""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif halls or cities:
        password = click.prompt("Password for the roles", hide_input=True,
                                confirmation_prompt=True)
    click.echo(f"数据库结构版本：{schema.upgrade(admin_url)}")
    for name in halls + cities:
        schema.add_role(admin_url, name, password, city=name in cities)
        click.echo(f"已创建角色：{name}")


COMMANDS = (sync,)
