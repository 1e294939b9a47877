"""`courtesy review`: reviewing from the terminal (a line's role corrected).
"""
from __future__ import annotations

import click

from .. import limits
from ..privacy import mask
from ..vocabulary import ROLE_CORRECTED, role_label, rule_name, severity_label, verdict_label
from .common import Bounded, Group, clock, db_option


@click.group("review", cls=Group)
def review_group():
    """Review from the terminal: correct who spoke a line (the web pages do the rest)."""


@review_group.command("role")
@click.argument("visit_id")
@click.argument("line", type=Bounded(limits.LINE))
@click.argument("role", type=click.Choice(["staff", "customer"]))
@click.option("--note", default="", help="Why (kept with the correction)")
@click.option("--by", "actor", default="cli", show_default=True, help="Who corrects it")
@db_option
def review_role(visit_id, line, role, note, actor, db_path):
    """Say who spoke line LINE (numbered as in replay) of a visit heard on one pickup; the
    visit is judged again with the corrected role (its findings and score as reviews
    leave them), and the machine's result stays stored beside it.

    Example: courtesy review role 683eb01906b7-W01-001 2 customer --note 顾客的声音
    """
    from .. import review, roles
    from ..storage import Store

    store = Store(db_path, must_exist=True)
    roles.correct(store, visit_id, line, role, actor, note, origin="courtesy review role")
    result = review.effective(store, visit_id)
    click.echo(f"已更正：第 {line} 句为{role_label(role)}（{ROLE_CORRECTED}）")
    click.echo(f"{visit_id}  复核后 {result.score:.1f} {verdict_label(result.verdict)}"
               f"（机器判定 {result.automatic_score:.1f} "
               f"{verdict_label(result.automatic_verdict)}）")
    for found in result.counted:
        if not found.unsure_role:
            click.echo(f"    {clock(found.start)} {rule_name(found.rule)}"
                       f"（{severity_label(found.severity)}） {mask(found.detail)}")


COMMANDS = (review_group,)
