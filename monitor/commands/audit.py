"""`courtesy audit`: the audit trail listed or exported.
"""
from __future__ import annotations

import io
from pathlib import Path

import click

from .common import Group, db_option, parse_day


@click.group(cls=Group)
def audit():
    """The audit trail: every person's action (logins, reviews, appeals, user changes)."""


def _audit_entries(db_path, first, last, actor, action):
    from .. import audit as audits
    from ..storage import Store

    return audits.entries(Store(db_path, read_only=True), parse_day(first, "--from"),
                          parse_day(last, "--to"), actor, action)


def audit_filters(func):
    for option in reversed((
            click.option("--from", "first", help="First day, e.g. 2026-11-22"),
            click.option("--to", "last", help="Last day, inclusive"),
            click.option("--actor", help="Only this user (or system, cli)"),
            click.option("--action", help="Only this action: login, review, appeal, decision, "
                                          "add_finding, user, ..."))):
        func = option(func)
    return db_option(func)


@audit.command("list")
@audit_filters
def audit_list(first, last, actor, action, db_path):
    """Print the audit trail, oldest first.

    Example: courtesy audit list --from 2026-11-22 --action review
    """
    from .. import audit as audits

    for entry in _audit_entries(db_path, first, last, actor, action):
        click.echo(audits.line(entry))


@audit.command("export")
@audit_filters
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output)")
def audit_export(first, last, actor, action, db_path, fmt, output):
    """Export the audit trail as CSV (with BOM, for Excel) or JSON.

    Example: courtesy audit export --from 2026-11-01 --to 2026-11-30 -o audit.csv
    """
    from .. import audit as audits

    rows = _audit_entries(db_path, first, last, actor, action)
    if output is None:
        buffer = io.StringIO()
        audits.write(rows, fmt, buffer)
        click.echo(buffer.getvalue(), nl=False)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            audits.write(rows, fmt, handle)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"已写出 {len(rows)} 条审计记录到 {output}",
               err=True)


COMMANDS = (audit,)
