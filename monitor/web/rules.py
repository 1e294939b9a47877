"""/review/rules: each rule of the hall, its conditions in Chinese and its precision from
reviews, with a form to change it (on/off, severity, points, a parameter) and one to write a
new rule (web/ruleform.py); a change is previewed on the stored visits of the last days
(nothing stored changes), applied with a second button, and every version is listed and can
be undone after a confirmation, each with its audit row (rulechanges.py; the routes, rows
and templates the lexicon page's too: web/changes.py). Supervisors and admins, as lexicon
tuning."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import profiles, review, rulechanges, ruletext
from .settings import profile_titles
from ..hallchanges import ADD, DEFAULT_DAYS, RULES
from ..rules import RuleOptions
from ..vocabulary import SEVERITIES, SEVERITY_LABELS, rule_name, rule_norm, rule_prompt
from .common import WebContext
from .changes import Changes, change_rows, routes
from .ruleform import FormError, choices, suggested_id, table

PRECISION_DAYS = 90


def _shown(value) -> str:
    """A parameter's value as the form shows it (words joined by 、)."""
    if isinstance(value, (tuple, list)):
        return "、".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


TYPES = ("number", "words", "regex")  # a parameter's form, in the order the page lists them


def _type(value) -> str:
    return ("words" if isinstance(value, (tuple, list)) else "regex" if isinstance(value, str)
            else "number")


def rule_rows(options: RuleOptions, counts: dict[str, Counter]) -> list[dict]:
    """Each rule as the page shows it: words, setting, conditions, parameters, precision."""
    norms = {rule.id: rule for rule in options.norms}
    rows = []
    for rule_id, setting in options.settings.items():
        params = rulechanges.parameters(options, rule_id)
        c = counts.get(rule_id, Counter())
        judged = c["confirmed"] + c["dismissed"]
        rows.append({
            "id": rule_id, "name": rule_name(rule_id), "norm": rule_norm(rule_id),
            "prompt": rule_prompt(rule_id), "data": rule_id in norms,
            "written": rule_id in norms and norms[rule_id].file == rulechanges.WRITTEN,
            "source": norms[rule_id].source if rule_id in norms else "",
            "enabled": setting.enabled, "severity": setting.severity,
            "severity_label": SEVERITY_LABELS.get(setting.severity, setting.severity),
            "weight": f"{setting.weight:g}",
            "conditions": ruletext.describe(norms[rule_id], params) if rule_id in norms else [],
            "params": sorted(({"name": k, "label": norms[rule_id].labels.get(k, k),
                               "value": _shown(v), "type": _type(v)} for k, v in params.items()),
                             key=lambda p: TYPES.index(p["type"])),
            "confirmed": c["confirmed"], "dismissed": c["dismissed"],
            "precision": f"{c['confirmed'] / judged:.0%}" if judged else "尚无复核"})
    return rows


def _precision(store) -> dict[str, Counter]:
    """Confirmed and dismissed findings per rule (all its phrases together)."""
    out: dict[str, Counter] = {}
    for p in review.precision(store, date.today() - timedelta(days=PRECISION_DAYS)):
        out.setdefault(p.rule, Counter()).update(confirmed=p.confirmed, dismissed=p.dismissed)
    return out


def _gate(ctx: WebContext, post: bool = False):
    """None if the user may change rules (a supervisor or an admin), else the refusal."""
    if g.user is None:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path))
        return ctx.refuse(401, "请先登录")
    forgery = ctx.forged() if post else None
    if forgery:
        return ctx.refuse(403, forgery)
    return None if g.user.may_review else ctx.refuse(403, "只有值班主管和管理员可以修改规则")


def _profile(ctx: WebContext) -> str:
    chosen = request.values.get("profile") or profiles.DEFAULT
    return chosen if chosen in profiles.available(ctx.lexicon_dir) else profiles.DEFAULT


def _asked() -> tuple[str, str, str]:
    """(change, parameter, value) as the form asks: a rule's form says which by the button
    pressed (`pick`: enabled, severity, deduction, param:NAME; the value in value.PICK), the
    apply form by its fields."""
    form = request.form
    pick = form.get("pick", "")
    if pick:
        change, _, param = pick.partition(":")
        return change, param, form.get(f"value.{pick}", "")
    return form.get("change", ""), form.get("param", ""), form.get("value", "")


def _proposed(ctx: WebContext):
    """The change the form asks for, checked against the rules as they stand; a new rule
    is read from its form (web/ruleform.py) or, from the apply form, as the preview made it."""
    form = request.form
    change, param, value = _asked()
    options = rulechanges.options_for(ctx.store(), _profile(ctx), ctx.lexicon_dir)
    rule = form.get("rule", "")
    if change == ADD and "value" not in form:
        written = table(form, options.settings)
        rule, value = written["id"], json.dumps(written, ensure_ascii=False)
    elif change == "param":
        value = f"{param}={value}"
    return rulechanges.propose(options, rule, change, value, form.get("reason", ""),
                               g.user.name)


def _fields(ctx: WebContext, change) -> list[tuple[str, str]]:
    """The apply button's form: the change as the preview form asked for it."""
    _, param, value = _asked()
    fields = [("profile", _profile(ctx)), ("rule", change.rule), ("change", change.change)]
    fields += [("param", param)] if param else []
    return fields + [("value", change.value if change.change == ADD else value)]


def _explained(change) -> list[tuple[int, str]]:
    """A new rule's conditions in Chinese, for its preview page."""
    if change.change != ADD:
        return []
    rule = rulechanges.written(change.value)
    return ruletext.describe(rule, rule.params)


def pages(ctx: WebContext) -> Blueprint:
    bp = Blueprint("rules", __name__)
    store = ctx.store

    def page(error: FormError | None = None):
        options = rulechanges.options_for(store(), _profile(ctx), ctx.lexicon_dir)
        return render_template(
            "review_rules.html", rows=rule_rows(options, _precision(store())), user=g.user,
            profile=_profile(ctx), profiles=profile_titles(ctx.lexicon_dir),
            changes=change_rows(RULES, rulechanges.changes(store())), kind=RULES,
            version=options.norms_version, severities={s: SEVERITY_LABELS[s] for s in SEVERITIES},
            days=PRECISION_DAYS, preview_days=DEFAULT_DAYS, done=request.args.get("done", ""),
            new=choices(), error=error,
            asked=request.form if error else {"id": suggested_id(options.settings)}
        ), 422 if error else 200

    @bp.get("/review/rules")
    def rules_page():
        return _gate(ctx) or page()

    def invalid(error):
        """A mistake in the new-rule form: the page again, as filled in, the field marked."""
        return page(error) if isinstance(error, FormError) else None

    routes(bp, ctx, Changes(
        RULES, "rules", "/review/rules", lambda post=False: _gate(ctx, post),
        lambda: _proposed(ctx), rulechanges.preview, lambda c: _fields(ctx, c),
        lambda **args: url_for(".rules_page", profile=_profile(ctx), **args), "本厅规则版本",
        invalid, _explained, lambda change: f"rule-{change.rule}"))
    return bp
