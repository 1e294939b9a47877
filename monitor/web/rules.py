"""/review/rules: each rule of the hall, its conditions in Chinese and its precision from
reviews, with forms to change it (on/off, severity, points, a parameter); a change is
previewed on the stored visits of the last days (nothing stored changes), applied with a
second button, and every version is listed and can be undone after a confirmation, each
with its audit row (monitor/rulechanges.py, hallchanges.py; the lexicon page's templates and
helpers). Supervisors and admins, as lexicon tuning."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import profiles, review, rulechanges, ruletext
from .settings import profile_titles
from ..errors import ChangeError, CourtesyError
from ..hallchanges import DEFAULT_DAYS, RULES
from ..rules import RuleOptions
from ..vocabulary import SEVERITIES, SEVERITY_LABELS, rule_name, rule_norm, rule_prompt
from .common import WebContext
from .review import change_rows, preview_days, preview_view, undo_page

PRECISION_DAYS = 90


def _shown(value) -> str:
    """A parameter's value as the form shows it (words joined by 、)."""
    if isinstance(value, (tuple, list)):
        return "、".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


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
            "source": norms[rule_id].source if rule_id in norms else "",
            "enabled": setting.enabled, "severity": setting.severity,
            "severity_label": SEVERITY_LABELS.get(setting.severity, setting.severity),
            "weight": f"{setting.weight:g}",
            "conditions": ruletext.describe(norms[rule_id], params) if rule_id in norms else [],
            "params": [{"name": k, "label": norms[rule_id].labels.get(k, k) if rule_id in norms
                        else k, "value": _shown(v), "regex": isinstance(v, str)}
                       for k, v in params.items()],
            "confirmed": c["confirmed"], "dismissed": c["dismissed"],
            "precision": f"{c['confirmed'] / judged:.0%}" if judged else "-"})
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


def _proposed(ctx: WebContext):
    """The change the form asks for, checked against the rules as they stand."""
    form = request.form
    value = form.get("value", "")
    if form.get("change") == "param":
        value = f"{form.get('param', '')}={value}"
    options = rulechanges.options_for(ctx.store(), _profile(ctx), ctx.lexicon_dir)
    return rulechanges.propose(options, form.get("rule", ""), form.get("change", ""), value,
                               form.get("reason", ""), g.user.name)


def _refused(ctx: WebContext, error: CourtesyError):
    return ctx.refuse(409 if isinstance(error, ChangeError) else 500, str(error))


def pages(ctx: WebContext) -> Blueprint:
    bp = Blueprint("rules", __name__)
    store = ctx.store

    @bp.get("/review/rules")
    def rules_page():
        refusal = _gate(ctx)
        if refusal:
            return refusal
        options = rulechanges.options_for(store(), _profile(ctx), ctx.lexicon_dir)
        return render_template(
            "review_rules.html", rows=rule_rows(options, _precision(store())), user=g.user,
            profile=_profile(ctx), profiles=profile_titles(ctx.lexicon_dir),
            changes=change_rows(RULES, rulechanges.changes(store())), kind=RULES,
            version=options.norms_version, severities={s: SEVERITY_LABELS[s] for s in SEVERITIES},
            days=PRECISION_DAYS, preview_days=DEFAULT_DAYS, done=request.args.get("done", ""))

    @bp.post("/review/rules/preview")
    def rules_preview():
        refusal = _gate(ctx, post=True)
        if refusal:
            return refusal
        try:
            change = _proposed(ctx)
            shown = rulechanges.preview(store(), change, preview_days(), ctx.lexicon_dir)
        except CourtesyError as exc:
            return _refused(ctx, exc)
        form = request.form
        fields = [("profile", _profile(ctx)), ("rule", change.rule), ("change", change.change)]
        fields += [("param", form["param"])] if form.get("param") else []
        return render_template("review_change_preview.html", p=preview_view(shown, ctx.hall),
                               change=change, kind=RULES, user=g.user,
                               fields=fields + [("value", form.get("value", ""))],
                               apply_url=url_for(".rules_apply"),
                               back_url=url_for(".rules_page", profile=_profile(ctx)))

    @bp.post("/review/rules/apply")
    def rules_apply():
        refusal = _gate(ctx, post=True)
        if refusal:
            return refusal
        try:
            made = rulechanges.apply(store(), _proposed(ctx), request.remote_addr or "")
        except CourtesyError as exc:
            return _refused(ctx, exc)
        return redirect(url_for(".rules_page", profile=_profile(ctx),
                                done=f"已应用：本厅规则版本 {made.version}"))

    @bp.post("/review/rules/undo")
    def rules_undo():
        refusal = _gate(ctx, post=True)
        if refusal:
            return refusal
        version = request.form.get("version", 0, type=int)
        if request.form.get("confirmed") != "1":  # a second button, on a page that says what
            return (undo_page(RULES, rulechanges.changes(store()), url_for(".rules_undo"),
                              url_for(".rules_page"))
                    or ctx.refuse(409, f"版本 {version} 的修改不存在或已撤销"))
        try:
            made = rulechanges.undo(store(), version, g.user.name,
                                    request.form.get("reason", ""), request.remote_addr or "")
        except CourtesyError as exc:
            return _refused(ctx, exc)
        return redirect(url_for(".rules_page", done=f"已撤销：本厅规则版本 {made.version}"))

    return bp
