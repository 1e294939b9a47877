"""`courtesy hall`: the hall's own systems' files imported (queue calls, ratings).
"""
from __future__ import annotations

from pathlib import Path

import click

from .common import Group, db_option


@click.group("hall", cls=Group)
def hall_systems():
    """The hall's own systems: queue calls (排队叫号) and citizen ratings (好差评).

    Example: courtesy hall import queue audio/hall/queue.jsonl --db reports/courtesy.db
    """


@hall_systems.command("import")
@click.argument("kind", type=click.Choice(["queue", "ratings"]))
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="Mapping file (TOML) for a vendor's CSV or JSON export "
                   "(default: the canonical JSON Lines)")
@db_option
def hall_import(kind, source, mapping, db_path):
    """Import queue events or ratings from a file: checked whole, stored once by the
    source's event id (a second import of the same file changes nothing).

    Example: courtesy hall import ratings audio/hall/ratings.csv --mapping audio/hall/ratings-mapping.toml --db reports/courtesy.db
    """
    from .. import hallevents, hallimport
    from ..storage import Store

    mapping = hallimport.load_mapping(mapping) if mapping else None
    items = hallimport.read(source, kind, mapping)  # checked before the database opens
    done = hallevents.save(Store(db_path), kind, items, str(source), actor="cli",
                           origin="courtesy hall import")
    click.echo(done.text())


COMMANDS = (hall_systems,)
