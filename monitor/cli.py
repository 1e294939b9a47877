"""The `courtesy` command: the root group, assembling the commands of monitor/commands/
(one module a group; each command parses options, calls the library, formats output)."""
from __future__ import annotations

import click

from .commands import (audit, hall, lexicon, live, models, ops, reports, retention, review,
                       rules, scoring, staff, sync, training, users, web)
from .commands.common import Group


@click.group(cls=Group)
@click.option("-v", "--verbose", is_flag=True, help="Log what is happening to stderr")
@click.version_option(package_name="courtesy")
def cli(verbose):
    """Offline courtesy monitor for service counters (窗口文明用语监测)."""
    from . import logs

    logs.setup("INFO" if verbose else "WARNING")
    click.get_current_context().meta["courtesy.verbose"] = verbose


for _module in (scoring, lexicon, rules, web, users, reports, training, models, live, retention,
                audit, sync, ops, hall, review, staff):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


if __name__ == "__main__":  # python -m monitor.cli, as well as the courtesy script
    cli()
