"""`courtesy lexicon`: lexicon files checked; a hall's own changes to them.
"""
from __future__ import annotations

import click

from .. import lexicon as lexicons
from .. import hallchanges, limits, profiles
from .changes import one_of, preview_then_apply, change_options, version_commands
from .common import Bounded, Group, path_argument


@click.group(cls=Group)
def lexicon():
    """Lexicon files: check them; a hall's own changes to them: preview, make, undo, list."""


@lexicon.command("check")
@path_argument
def lexicon_check(path):
    """Validate lexicon files (a folder, or one file) and every profile beside them.

    Example: courtesy lexicon check lexicons/
    """
    by_kind, checked = profiles.check(path)
    if path is not None and path.is_file():
        click.echo(f"{path}：{sum(by_kind.values())} 条词语 (phrases)，检查通过 OK")
        return
    click.echo(", ".join(f"{k} {n}" for k, n in by_kind.items()))
    click.echo(f"{sum(by_kind.values())} 条词语 (phrases)，{len(checked)} 个行业配置 (profiles)：检查通过 OK")


@lexicon.command("tune")
@click.argument("phrase")
@click.option("--off", is_flag=True, help="Switch the phrase off for this hall")
@click.option("--threshold", type=Bounded(limits.THRESHOLD),
              help="Its own match threshold (50-100; higher: stricter)")
@click.option("--except", "context", help="A longer phrasing in which it does not count")
@click.option("--kind", type=click.Choice(lexicons.REQUIRED_KINDS + ("taboo",)),
              help="The phrase's lexicon kind, if its text is in several")
@change_options("speech")
def lexicon_tune(phrase, off, threshold, context, kind, days, apply_, reason, actor, show_all,
                 db_path, lexicon_dir):
    """Preview a change to one phrase of the hall's lexicon, and with --apply make it.

    The preview re-scores the stored speech of the last --days days with and without the
    change and changes nothing stored; --apply stores it as a new lexicon version, which
    score, play, listen and practice judge with from then on.

    Example: courtesy lexicon tune 不可能的 --threshold 90 --reason 误报多 --apply
    """
    from .. import tuning
    from ..storage import Store

    change, value = one_of((("off", "" if off else None), ("threshold", threshold),
                             ("except", context)),
                            "give exactly one of --off, --threshold N, --except TEXT")
    store = Store(db_path, must_exist=True)
    proposed = tuning.propose(store, lexicons.load(lexicon_dir), phrase, change,
                              "" if value is None else str(value), reason, actor, kind)
    preview_then_apply(store, tuning.preview(store, proposed, days, lexicon_dir), show_all,
                        apply_, "lexicon tune")


version_commands(lexicon, hallchanges.LEXICON, "阈值过高漏检",
                 "本厅词库未作调整（版本 0：随软件发布的词库）")


COMMANDS = (lexicon,)
