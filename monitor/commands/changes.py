"""A hall's lexicon and rule changes from the terminal (tuning.py, rulechanges.py,
hallchanges.py): the options `lexicon tune` and `rules change` share, a change's preview,
--apply, and each group's `undo` and `changes`.
"""
from __future__ import annotations

import click

from .. import hallchanges, limits
from ..privacy import mask
from ..records import RuleChange
from ..vocabulary import MACHINE_MARK, when, rule_name, severity_label, verdict_label
from .common import Bounded, db_option, lexicons_option


def change_options(previewed: str):
    """The options `lexicon tune` and `rules change` share: the preview's days (on the
    stored `previewed` of them), --apply with its reason and who, --all, the database and
    the lexicons."""
    def decorate(func):
        for option in reversed((
                click.option("--days", type=Bounded(limits.PREVIEW_DAYS), default=7,
                             show_default=True,
                             help=f"Preview on the stored {previewed} of this many days"),
                click.option("--apply", "apply_", is_flag=True,
                             help="Make the change (else only preview it)"),
                click.option("--reason", default="", help="Why (needed with --apply)"),
                click.option("--by", "actor", default="cli", show_default=True,
                             help="Who makes the change"),
                click.option("--all", "show_all", is_flag=True,
                             help="List every changed finding (else 50)"),
                db_option, lexicons_option)):
            func = option(func)
        return func
    return decorate


def one_of(given: tuple[tuple[str, object], ...], usage: str) -> tuple[str, object]:
    """The one change a command's options ask for (name, value), or a usage error."""
    chosen = [(name, value) for name, value in given if value is not None]
    if len(chosen) != 1:
        raise click.UsageError(usage)
    return chosen[0]


def _new_rule(change, days: int) -> list[str]:
    """A new rule as its preview heads it: its name, weight and conditions in Chinese."""
    from .. import rulechanges, ruletext

    rule = rulechanges.written(change.value)
    return [f"预览：新建规则“{rule.name}”（{rule.id}，{severity_label(rule.severity)}，"
            f"扣{rule.deduction:g}分；最近 {days} 天）"] + [
        "    " + "  " * depth + text for depth, text in ruletext.describe(rule, rule.params)]


def preview_lines(shown, limit: int = 50) -> list[str]:
    """A lexicon or a rule change's preview for the terminal (quotes masked; the first
    `limit` findings and visits listed)."""
    from ..vocabulary import LEXICON_CHANGE_LABELS, REVIEWED_LABELS, RULE_CHANGE_LABELS
    from ..vocabulary import phrase_kind_label

    c = shown.change
    gone = [f for f in shown.findings if f.gone]
    if isinstance(c, RuleChange) and c.change == hallchanges.ADD:
        lines = _new_rule(c, shown.days) + [
            f"来访 {shown.visits} 个已重新判断（用时 {shown.seconds:.2f} 秒）"]
    elif isinstance(c, RuleChange):
        lines = [f"预览：规则“{rule_name(c.rule)}”（{c.rule}）{RULE_CHANGE_LABELS[c.change]} "
                 f"{c.value}（最近 {shown.days} 天）",
                 f"来访 {shown.visits} 个已重新判断（用时 {shown.seconds:.2f} 秒）"]
    else:
        what = LEXICON_CHANGE_LABELS[c.change] + (f" {c.value}" if c.value else "")
        lines = [f"预览：{phrase_kind_label(c.kind)}词条“{c.phrase}”{what}（最近 {shown.days} 天）",
                 f"来访 {shown.visits} 个，其中 {shown.rescored} 个听到该词条，已重新评分"
                 f"（用时 {shown.seconds:.2f} 秒）"]
    lines.append(f"检出 {shown.findings_before} → {shown.findings_after}：消失 {len(gone)}，"
                 f"新增 {len(shown.findings) - len(gone)}；来访结论改变 {len(shown.visits_changed)}")
    for f in shown.findings[:limit]:
        lines.append(f"  {'消失' if f.gone else '新增'} {when(f.at)} {f.window or '-'} "
                     f"{rule_name(f.rule)}（{severity_label(f.severity)}）“{mask(f.quote or '')}”"
                     + (f"〔{MACHINE_MARK}〕" if f.heard_by else "")
                     + (f" {REVIEWED_LABELS[f.review]}" if f.review else ""))
    for v in shown.visits_changed[:limit]:
        lines.append(f"  结论 {when(v.at)} {v.window or '-'} "
                     f"{verdict_label(v.verdict_before)} {v.score_before:.0f} → "
                     f"{verdict_label(v.verdict_after)} {v.score_after:.0f}")
    if max(len(shown.findings), len(shown.visits_changed)) > limit:
        lines.append(f"  （只列出前 {limit} 条，加 --all 列出全部）")
    return lines


def preview_then_apply(store, shown, show_all: bool, apply_: bool, command: str) -> None:
    """`lexicon tune` and `rules change`: print a change's preview, and with --apply store
    it as the next version."""
    for line in preview_lines(shown, len(shown.findings) + len(shown.visits_changed)
                              if show_all else 50):
        click.echo(line)
    if not apply_:
        click.echo("仅为预览，未作任何更改（加 --apply 应用）")
        return
    kind = hallchanges.kind_of(shown.change)
    made = hallchanges.apply(store, kind, shown.change, origin=f"courtesy {command}")
    click.echo(f"已应用：本厅{kind.of}版本 {made.version}")


def version_commands(group: click.Group, kind, undo_example: str, unchanged: str) -> None:
    """A group's `undo` and `changes` commands (lexicon, rules): one version undone, every
    version listed."""
    thing = "phrase" if kind is hallchanges.LEXICON else "rule"

    @group.command("undo", help=f"Undo one {kind.prefix} change: a new version without it "
                   f"(the change stays listed).\n\nExample: courtesy {group.name} undo 1 "
                   f"--reason {undo_example}")
    @click.argument("version", type=Bounded(limits.VERSION))
    @click.option("--reason", default="", help="Why")
    @click.option("--by", "actor", default="cli", show_default=True, help="Who undoes it")
    @db_option
    def undo(version, reason, actor, db_path):
        from ..storage import Store

        made = hallchanges.undo(Store(db_path, must_exist=True), kind, version, actor, reason,
                                origin=f"courtesy {group.name} undo")
        click.echo(f"已撤销版本 {version}：本厅{kind.of}版本 {made.version}")

    @group.command("changes", help=f"List the hall's {kind.prefix} versions: who changed "
                   f"which {thing}, how and why.\n\nExample: courtesy {group.name} changes "
                   "--db reports/courtesy.db")
    @db_option
    def changes(db_path):
        from ..storage import Store

        store = Store(db_path, read_only=True)
        stored = hallchanges.changes(store.db, kind)
        if not stored:
            click.echo(unchanged)
        for c in stored:  # a rule's id beside its name, for grep
            ident = f"（{c.rule}）" if kind is hallchanges.RULES else ""
            click.echo(f"v{c.version} {when(c.at)} {c.actor} {kind.subject(c)}{ident} "
                       f"{kind.labels.get(c.change, c.change)} {kind.value(c)} {mask(c.reason)}")
