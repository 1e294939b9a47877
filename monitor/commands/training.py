"""`courtesy training`: training collections of real visits.
"""
from __future__ import annotations

import click

from ..privacy import mask
from ..vocabulary import when, verdict_label
from .common import Group, db_option


@click.group(cls=Group)
def training():
    """Training collections of real visits."""


@training.command("add")
@click.argument("visit_id")
@click.option("--tag", required=True, help="Collection, e.g. good-greeting")
@click.option("--note", default="", help="Why this visit is worth learning from")
@db_option
def training_add(visit_id, tag, note, db_path):
    """Add a visit to a training collection.

    Example: courtesy training add 683eb01906b7-W01-001 --tag good-greeting
    """
    from ..errors import InputError
    from ..storage import Store

    store = Store(db_path, must_exist=True)
    if store.visit(visit_id) is None:
        raise InputError(db_path, f"no visit {visit_id!r}", field="visit")
    added = store.add_training(visit_id, tag, note)
    click.echo(f"{visit_id} {'已加入' if added else '已在'}培训集 {tag}")


@training.command("remove")
@click.argument("visit_id")
@click.option("--tag", help="Only this collection (default: all)")
@db_option
def training_remove(visit_id, tag, db_path):
    """Take a visit out of training collections.

    Example: courtesy training remove 683eb01906b7-W01-001 --tag good-greeting
    """
    from ..storage import Store

    removed = Store(db_path, must_exist=True).remove_training(visit_id, tag)
    click.echo(f"{visit_id}：已从 {removed} 个培训集移出")


@training.command("list")
@click.option("--tag", help="Only this collection")
@db_option
def training_list(tag, db_path):
    """List training visits by collection.

    Example: courtesy training list --tag good-greeting
    """
    from ..storage import Store

    for entry in Store(db_path, read_only=True).training(tag):
        click.echo(f"{entry.tag:<16} {entry.visit}  {when(entry.started_at)}  "
                   f"窗口 {entry.window or '-'}  {entry.score:.0f} 分 "
                   f"{verdict_label(entry.verdict, entry.provisional)}"
                   f"{'  · ' + mask(entry.note) if entry.note else ''}")


COMMANDS = (training,)
