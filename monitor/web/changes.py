"""The pages of a hall's versioned changes, the lexicon's (/review/lexicon, web/review.py)
and the rules' (/review/rules, web/rules.py) alike: a change previewed on the stored visits
of the last days (nothing stored changes), applied with a second button, every version
listed and undone after a confirmation, each with its audit row (hallchanges.py). Each page
says what is its own (`Changes`: its gate, how it reads a proposed change from its form,
how a preview judges again); the routes, the rows and the templates are these.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import hallchanges
from ..config import Hall
from ..errors import ChangeError, CourtesyError
from ..privacy import mask
from ..vocabulary import (MACHINE_MARK, REVIEWED_LABELS, Speech, rule_name, severity_label,
                          verdict_label, when)
from .common import WebContext

PREVIEW_ROWS = 500  # findings and visits listed on the preview page (the totals count all)


def preview_view(shown, hall: Hall) -> dict:
    """A lexicon or a rule change's preview as its page shows it (quotes masked; the first
    PREVIEW_ROWS findings and visits listed)."""
    c = shown.change
    kind = hallchanges.kind_of(c)
    if c.change == hallchanges.ADD:  # 新建规则“…”
        named, what = "", f"{kind.labels[c.change]}“{kind.subject(c)}”"
    else:
        named, what = kind.named(c), kind.labels[c.change] + (f" {c.value}" if c.value else "")
    return {
        "named": named, "what": what,
        "visits_all": shown.visits,
        "heard": shown.rescored if kind is hallchanges.LEXICON else None,
        **preview_rows(shown, hall),
    }


def preview_rows(shown, hall: Hall) -> dict:
    """What a lexicon or a rule change's preview would change, as the pages list it."""
    gone = [f for f in shown.findings if f.gone]
    changed = getattr(shown.change, "rule", None)  # a rule change's rule (a new one unnamed yet)
    named = {changed: hallchanges.RULES.subject(shown.change)} if changed else {}
    return {
        "days": shown.days, "seconds": f"{shown.seconds:.2f}",
        "before": shown.findings_before, "after": shown.findings_after, "gone": len(gone),
        "new": len(shown.findings) - len(gone),
        "findings": [{"gone": f.gone, "at": when(f.at),
                      "window": hall.window_name(f.window) or f.window or "",
                      "staff": hall.staff_name(f.staff) or f.staff or "",
                      "label": named.get(f.rule) or rule_name(f.rule), "severity": f.severity,
                      "severity_label": severity_label(f.severity), "quote": mask(f.quote or ""),
                      "mark": MACHINE_MARK if f.heard_by else "",
                      "title": mask(Speech(f.quote, f.pinyin, f.heard_by).title),
                      "review": REVIEWED_LABELS.get(f.review, "未复核"),
                      "outcome": _outcome(f.gone, f.review)}
                     for f in shown.findings[:PREVIEW_ROWS]],
        "lost": sum(f.gone and f.review == "confirm" for f in shown.findings),
        "visits": [{"at": when(v.at),
                    "window": hall.window_name(v.window) or v.window or "",
                    "staff": hall.staff_name(v.staff) or v.staff or "",
                    "before": f"{verdict_label(v.verdict_before)} {v.score_before:.0f}",
                    "after": f"{verdict_label(v.verdict_after)} {v.score_after:.0f}"}
                   for v in shown.visits_changed[:PREVIEW_ROWS]],
        "changed_findings": len(shown.findings), "changed_visits": len(shown.visits_changed),
        "limit": PREVIEW_ROWS,
    }


def _outcome(gone: bool, reviewed: str | None) -> str:
    """Whether a finding the change removes or adds is good news: losing a finding a person
    confirmed is bad, losing one they dismissed good; anything unreviewed is not known."""
    if gone and reviewed:
        return "good" if reviewed == "dismiss" else "bad"
    return "unknown"


def change_rows(kind: hallchanges.Kind, stored: list) -> list[dict]:
    """A hall's lexicon or rule versions, newest first, each with whether it can still be
    undone."""
    undone = hallchanges.undone(stored)
    return [{"version": c.version, "at": when(c.at), "actor": c.actor,
             "subject": kind.subject(c), "named": kind.named(c),
             "what": kind.labels.get(c.change, c.change), "value": kind.value(c),
             "reason": mask(c.reason), "undone": c.version in undone,
             "may_undo": c.change != hallchanges.UNDO and c.version not in undone}
            for c in reversed(stored)]


def _preview_days() -> int:
    """The form's preview period, in the days a preview allows."""
    return max(1, min(request.form.get("days", hallchanges.DEFAULT_DAYS, type=int)
                      or hallchanges.DEFAULT_DAYS, hallchanges.MAX_DAYS))


@dataclass(frozen=True)
class Changes:
    """What one page of changes has of its own."""

    kind: hallchanges.Kind
    name: str  # its endpoints: NAME_preview, NAME_apply, NAME_undo, under `path`
    path: str
    gate: Callable  # gate(post=True): None if the user may change, else the refusal
    proposed: Callable  # the change the form asks for, checked (raises a ChangeError)
    preview: Callable  # preview(store, change, days, lexicon_dir) -> ChangePreview
    fields: Callable  # a proposed change's form fields, for the apply button
    page: Callable  # page(**args): the page's own URL
    done: str  # what a version is called when one is made: 词库版本, 本厅规则版本
    invalid: Callable = lambda error: None  # the page again for a form's mistake (None: refuse)
    explain: Callable = lambda change: []  # (depth, text) lines saying what a change makes
    anchor: Callable = lambda change: None  # where on the page a change made is seen


def routes(bp: Blueprint, ctx: WebContext, own: Changes) -> None:
    """A page's preview, apply and undo (POST, with the page's CSRF token)."""
    kind = own.kind

    def refused(error: CourtesyError):
        return ctx.refuse(409 if isinstance(error, ChangeError) else 500, str(error))

    def preview_change():
        refusal = own.gate(post=True)
        if refusal:
            return refusal
        try:
            change = own.proposed()
            shown = own.preview(ctx.store(), change, _preview_days(), ctx.lexicon_dir)
        except CourtesyError as exc:
            return own.invalid(exc) or refused(exc)
        return render_template("review_change_preview.html", p=preview_view(shown, ctx.hall),
                               change=change, kind=kind, user=g.user, fields=own.fields(change),
                               explained=own.explain(change),
                               apply_url=url_for(f".{own.name}_apply"), back_url=own.page())

    def apply_change():
        refusal = own.gate(post=True)
        if refusal:
            return refusal
        try:
            made = hallchanges.apply(ctx.store(), kind, own.proposed(), request.remote_addr or "")
        except CourtesyError as exc:
            return refused(exc)
        return redirect(own.page(
            done=f"已应用：{own.done} {made.version}（{kind.subject(made)}："
                 f"{kind.labels[made.change]}{' ' + kind.value(made) if kind.value(made) else ''}）",
            _anchor=own.anchor(made)))

    def undo_change():
        refusal = own.gate(post=True)
        if refusal:
            return refusal
        version = request.form.get("version", 0, type=int)
        if request.form.get("confirmed") != "1":  # a second button, on a page that says what
            row = next((c for c in change_rows(kind, hallchanges.changes(ctx.store().db, kind))
                        if c["version"] == version), None)
            if row is None or not row["may_undo"]:
                return ctx.refuse(409, f"版本 {version} 的{kind.noun}不存在或已撤销")
            return render_template("review_change_undo.html", c=row, kind=kind, user=g.user,
                                   reason=request.form.get("reason", ""),
                                   undo_url=url_for(f".{own.name}_undo"), back_url=own.page())
        try:
            made = hallchanges.undo(ctx.store(), kind, version, g.user.name,
                                    request.form.get("reason", ""), request.remote_addr or "")
        except CourtesyError as exc:
            return refused(exc)
        return redirect(own.page(done=f"已撤销：{own.done} {made.version}"))

    for action, view in (("preview", preview_change), ("apply", apply_change),
                         ("undo", undo_change)):
        bp.add_url_rule(f"{own.path}/{action}", f"{own.name}_{action}", view, methods=["POST"])
