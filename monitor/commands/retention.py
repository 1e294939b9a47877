"""`courtesy retention`: the hall's retention policy shown or applied.
"""
from __future__ import annotations

from pathlib import Path

import click

from .common import Group, db_option


@click.group(cls=Group)
def retention():
    """Show or apply the hall's retention policy (recordings and what was said).

    A running `listen` applies it at start and every hour; this is for a check by hand, or
    for a cron job on a host where no monitor runs.
    """


def _retention_options(config_path: Path | None):
    from .. import config
    from ..recordings import RetentionOptions

    if config_path is None and not config.DEFAULT_PATH.is_file():
        return RetentionOptions(), "默认策略（未找到 hall.toml）"
    path = config_path or config.DEFAULT_PATH
    return config.load(path).recordings, str(path)


def retention_options(func):
    func = click.option("--config", "config_path", default=None,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Hall config with [recordings] keep/days/folder/transcript_days "
                             "[default: hall.toml]")(func)
    return db_option(func)


@retention.command("show")
@retention_options
def retention_show(config_path, db_path):
    """Print the policy and what it would delete now (nothing is deleted).

    Example: courtesy retention show
    """
    from ..recordings import policy_text, preview
    from ..storage import Store

    options, source = _retention_options(config_path)
    click.echo(policy_text(options, source))
    click.echo(preview(Store(db_path, must_exist=True), options))


@retention.command("apply")
@retention_options
def retention_apply(config_path, db_path):
    """Delete what the policy no longer allows, each deletion in the audit trail.

    Example: courtesy retention apply
    """
    from ..recordings import apply_now, policy_text
    from ..storage import Store

    options, source = _retention_options(config_path)
    click.echo(policy_text(options, source))
    click.echo(apply_now(Store(db_path, must_exist=True), options,
                         lambda line: click.echo(line, err=True)))


COMMANDS = (retention,)
