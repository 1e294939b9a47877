"""`courtesy rules` and `courtesy profiles`: rule files checked, every rule as the hall
judges with it, a hall's own changes to them; the sector profiles.
"""
from __future__ import annotations

import json

import click

from .. import hallchanges, limits, profiles, rulechanges
from ..hallchanges import ADD
from .changes import one_of, preview_then_apply, change_options, version_commands
from .common import Bounded, Group, db_option, existing, lexicons_option, path_argument


@click.group(cls=Group)
def rules():
    """Rules (lexicons/rules/*.toml and the code's): check, list; a hall's own changes."""


@rules.command("check")
@path_argument
def rules_check(path):
    """Validate rule files (a lexicon folder's rules/, or one file) and every profile.

    Example: courtesy rules check lexicons/
    """
    found, checked = profiles.check_rules(path)
    click.echo(", ".join(rule.id for rule in found))
    click.echo(f"{len(found)} 条规则 (rules)，{len(checked)} 个行业配置 (profiles)：检查通过 OK")


@rules.command("list")
@click.option("--profile", default="general", show_default=True, help="Profile to show")
@db_option
@lexicons_option
def rules_list(profile, db_path, lexicon_dir):
    """Every rule as the hall judges with it: on or off, severity, points, conditions.

    Example: courtesy rules list --profile government
    """
    from .. import ruletext
    from ..vocabulary import rule_name, rule_norm, severity_label

    with existing(db_path) as store:
        options = rulechanges.applied(profiles.load(profile, lexicon_dir).rules,
                                      rulechanges.changes(store) if store else [])
    norms = {rule.id: rule for rule in options.norms}
    for rule_id, setting in options.settings.items():
        state = "启用" if setting.enabled else "停用"
        kind = "数据" if rule_id in norms else "代码"
        click.echo(f"{rule_id}  {rule_name(rule_id)}（{rule_norm(rule_id)}） {state} "
                   f"{severity_label(setting.severity)} 扣{setting.weight:g}分 [{kind}]")
        if rule_id in norms:
            params = rulechanges.parameters(options, rule_id)
            for depth, text in ruletext.describe(norms[rule_id], params):
                click.echo("    " + "  " * depth + text)


@rules.command("change")
@click.argument("rule")
@click.option("--on/--off", "enabled", default=None, help="Switch the rule on or off")
@click.option("--severity", type=click.Choice(("critical", "major", "minor")))
@click.option("--deduction", type=Bounded(limits.DEDUCTION), help="Points a finding costs")
@click.option("--param", help="One parameter: NAME=VALUE (a number, words, a regex)")
@click.option("--profile", default="general", show_default=True, help="Profile to check it on")
@change_options("visits")
def rules_change(rule, enabled, severity, deduction, param, profile, days, apply_, reason,
                 actor, show_all, db_path, lexicon_dir):
    """Preview a change to one rule of the hall, and with --apply make it.

    The preview judges the rule again on the stored visits of the last --days days with and
    without the change; --apply stores it as a new rule-set version, which score, play,
    listen and practice judge with from then on.

    Example: courtesy rules change first_asked --param turns=2 --reason 两句内指引也算 --apply
    """
    from ..storage import Store

    change, value = one_of((("enabled", None if enabled is None else str(enabled).lower()),
                             ("severity", severity), ("deduction", deduction), ("param", param)),
                            "give exactly one of --on/--off, --severity, --deduction, --param")
    store = Store(db_path, must_exist=True)
    options = rulechanges.options_for(store, profile, lexicon_dir)
    proposed = rulechanges.propose(options, rule, change, str(value), reason, actor)
    preview_then_apply(store, rulechanges.preview(store, proposed, days, lexicon_dir),
                        show_all, apply_, "rules change")


@rules.command("add")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--profile", default="general", show_default=True, help="Profile to check it on")
@change_options("visits")
def rules_add(path, profile, days, apply_, reason, actor, show_all, db_path, lexicon_dir):
    """Preview a hall's own rule written in a TOML file, and with --apply add it.

    The file holds one or more [[rules]] tables as lexicons/rules/*.toml do (word lists in
    the rule's own params; ids begin with hall_). Each is checked (one error naming the file,
    rule and field), previewed on the stored visits of the last --days days, and with --apply
    stored as a new rule-set version, as the rules page's "new rule" form does.

    Example: courtesy rules add lexicons/hall-examples/hall_phone.toml --reason 本厅纪律 --apply
    """
    from ..storage import Store

    store = Store(db_path, must_exist=True)
    options = rulechanges.options_for(store, profile, lexicon_dir)
    proposed = [rulechanges.propose(options, table["id"], ADD,
                                    json.dumps(table, ensure_ascii=False), reason, actor)
                for table in rulechanges.tables_in(path)]  # all checked before one is stored
    for change in proposed:
        preview_then_apply(store, rulechanges.preview(store, change, days, lexicon_dir),
                           show_all, apply_, "rules add")


version_commands(rules, hallchanges.RULES, "误报增多", "本厅规则未作修改（版本 0）")


@click.command("profiles")
@lexicons_option
def list_profiles(lexicon_dir):
    """List the sector profiles.

    Example: courtesy profiles
    """
    for name in profiles.available(lexicon_dir):
        chosen = profiles.load(name, lexicon_dir)
        click.echo(f"{name:<12} {chosen.title}")


COMMANDS = (rules, list_profiles)
