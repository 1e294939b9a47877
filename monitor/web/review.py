"""Review pages of the web app: the review queue and sampling (抽检) for supervisors, a staff
member's own record and appeals, the supervisor's appeal decisions, the audit trail and
the accounts page.

Every change is one POST with the page's CSRF token (`forged()`), made by a library call
that stores the action and its audit row together (`review.py`, `accounts.py`). Speech is
shown masked (`privacy.mask`); the page script (review.js: j/k, c/d, 1-4) only moves a
class and clicks the row's own buttons, as the CSP allows no inline script.
"""
from __future__ import annotations

import io
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for

from .. import accounts, audit, hallchanges, ratingreport, review, roles, tuning
from .. import lexicon as lexicons
from ..config import Hall
from ..errors import AccountError, CourtesyError
from ..hallchanges import LEXICON
from ..privacy import mask
from ..records import Appeal, Review
from ..storage import Store
from ..stored import StoredFinding, StoredUtterance, StoredVisit
from ..terminal import clock_text
from .changes import Changes, change_rows, routes
from .common import WebContext, day_from, local_path
from ..vocabulary import (ACCOUNT_ROLE_LABELS, APPEAL_LABELS, AUDIT_ACTIONS, DECISION_LABELS,
                          MACHINE_MARK,
                          LEXICON_CHANGE_LABELS, ORPHANED, REVIEW_REASONS, REVIEWED_LABELS,
                          ROLE_PENDING, SEVERITIES, phrase_kind_label, quoted,
                          role_heard, rule_name, rule_norm, severity_label, spoken, ticket_label,
                          verdict_label, when, all_rules)

CONTEXT_S = 8.0  # transcript shown around a finding in the queue
QUEUE_LIMIT = 200
SAMPLE_MAX = 50
ME_DAYS = 31


def _latest(store: Store) -> date:
    """The day a review page opens on: the last with visits (today's, once there are)."""
    return store.last_live_day(date.today() + timedelta(days=1)) or date.today()


def _lines(lines: list[StoredUtterance], start: float, end: float,
           said_by: dict[int, str]) -> list[dict]:
    """The transcript around a moment, masked; each line's role as heard (`said_by`: the
    role a reviewer gave a line, by its index)."""
    return [{"at": u.at[11:19], "who": role_heard(u.role, u.role_confidence,
                                                   said_by.get(u.idx, "")),
             "role": said_by.get(u.idx, u.role), "text": mask(said.text),
             "mark": MACHINE_MARK if said.machine else "", "title": mask(said.title)}
            for u in lines if u.end >= start - CONTEXT_S and u.start <= end + CONTEXT_S
            for said in [spoken(u)]]


def finding_view(found: StoredFinding, hall: Hall, lines: list[StoredUtterance],
                 said_by: dict[int, str] | None = None) -> dict:
    """A finding as a review row: rule, norm, quote (masked), the stretch to replay."""
    offset = max(0.0, found.start - found.visit_start)
    return {
        "id": found.id, "visit": found.visit, "at": when(found.at),
        "day": found.at[:10], "window": hall.window_name(found.window) or found.window,
        "staff": hall.staff_name(found.staff) or found.staff, "rule": found.rule,
        "label": rule_name(found.rule), "norm": rule_norm(found.rule),
        "severity": found.severity, "severity_label": severity_label(found.severity),
        **_heard(found, lines), "detail": mask(found.detail),
        "offset": clock_text(offset), "t": round(offset, 1),
        "context": _lines(lines, found.start, found.end, said_by or {}),
        "pending": _pending(found), "ticket": ticket_label(found.ticket, found.business),
        "line": _unsure_line(found, lines) if found.unsure_role else None,
    }


def _unsure_line(found: StoredFinding, lines: list[StoredUtterance]) -> int | None:
    """The number (as replay counts them) of the least sure line a finding rests on."""
    ordered = sorted(lines, key=lambda u: (u.start, u.idx))
    during = [n for n, u in enumerate(ordered, 1) if u.role_confidence is not None
              and u.start <= found.end and u.end >= found.start]
    return min(during, key=lambda n: ordered[n - 1].role_confidence) if during else None


def _pending(found: StoredFinding) -> str:
    """What the queue says of a finding on a role a single pickup heard unsure."""
    if not found.unsure_role:
        return ""
    return (f"{ROLE_PENDING}：说话人由声纹判断，把握 {found.role_confidence:.0%}，"
            "可能听错了是谁说的。人工确认前不计分、不亮红灯；确认则计入，"
            "驳回（顾客所说）则不计，也可更正这句话的角色（下方或回放页）。")


def queue_view(store: Store, hall: Hall, day: date, window: str | None, staff: str | None,
               rule: str | None) -> list[dict]:
    queue = store.unreviewed(day, day, window, staff, rule, QUEUE_LIMIT)
    corrected = roles.corrections(store, sorted({f.visit for f in queue}))
    fixes = roles.fixes(store, [store.visit(v) for v in corrected])
    queue = [fixes[f.visit].sured(f) if f.visit in fixes else f for f in queue
             if f.visit not in fixes or f.id not in fixes[f.visit].removed]
    lines_of: dict[str, list[StoredUtterance]] = defaultdict(list)
    for line in store.visit_utterances(sorted({f.visit for f in queue})):
        lines_of[line.visit].append(line)
    return [finding_view(f, hall, lines_of[f.visit],
                         {i: fix.role for i, fix in corrected.get(f.visit, {}).items()})
            for f in queue]


def _heard(found, lines: list[StoredUtterance]) -> dict:
    """A finding's quote (masked) and, when a machine heard it, its 机器识别 mark and the
    pinyin heard in the mark's title (as the board, replay and report show it)."""
    said = quoted(found.text, found.start, found.end, lines)
    return {"quote": mask(said.text), "mark": MACHINE_MARK if said.machine else "",
            "title": mask(said.title)}


def visit_view(store: Store, hall: Hall, visit: StoredVisit) -> dict:
    """A visit with its effective result and each finding's review and appeal state."""
    result = review.effective(store, visit.id)
    fix = roles.fixes(store, [visit]).get(visit.id)
    machine = store.visit_findings(visit.id)
    machine = [fix.sured(f) for f in machine] if fix else machine
    latest = store.latest_reviews([f.id for f in machine])
    appeals: dict[str, Appeal] = {}
    for contested in store.appeals(finding_ids=[f.id for f in machine]):
        appeals.setdefault(contested.finding, contested)  # newest first
    lines = store.visit_utterances([visit.id]) if machine else []
    findings = [{
        "id": f.id, "label": rule_name(f.rule), "norm": rule_norm(f.rule),
        "severity": f.severity, "severity_label": severity_label(f.severity),
        "at": clock_text(max(0.0, f.start - visit.start)), **_heard(f, lines),
        "t": round(max(0.0, f.start - visit.start), 1),
        "counts": f.id not in result.dismissed and (
            not f.unsure_role or f.id in latest and latest[f.id].decision == "confirm"),
        "review": _reviewed(latest[f.id]) if f.id in latest else _unreviewed(f, fix),
        "appeal": _appeal_view(appeals[f.id]) if f.id in appeals else None,
    } for f in machine]
    findings += [{
        "id": a.finding_id, "label": rule_name(a.rule) if kept else ORPHANED,
        "norm": rule_norm(a.rule) if kept else "", "severity": a.severity,
        "severity_label": severity_label(a.severity),
        "at": clock_text(max(0.0, a.start - visit.start)), "quote": "",
        "t": round(max(0.0, a.start - visit.start), 1), "counts": kept,
        "review": f"人工补录（{a.actor}）" + (f"：{mask(a.note)}" if a.note else ""),
        "appeal": None,
    } for a in store.added_findings([visit.id]) for kept in [review.within(a, visit)]]
    findings += _orphaned(store, visit, {f.id for f in machine})
    return {
        "id": visit.id, "at": when(visit.started_at),
        "window": hall.window_name(visit.window) or visit.window,
        "staff": hall.staff_name(visit.staff) or visit.staff,
        "score": f"{result.score:.0f}",
        "verdict": verdict_label(result.verdict, visit.provisional),
        "verdict_id": result.verdict, "automatic": f"{result.automatic_score:.0f}",
        "changed": result.score != result.automatic_score, "provisional": visit.provisional,
        "length": round(visit.end - visit.start), "findings": findings,
        "ticket": ticket_label(visit.ticket, visit.business),
    }


def _reviewed(done: Review) -> str:
    """已确认, or 驳回（误识别）: a dismissal with its reason."""
    if done.decision == "confirm":
        return REVIEWED_LABELS["confirm"]
    return f"{DECISION_LABELS[done.decision]}（{REVIEW_REASONS.get(done.reason, done.reason)}）"


def _orphaned(store: Store, visit: StoredVisit, current: set[str]) -> list[dict]:
    """Decisions on findings a re-scoring took away (a phrase switched off, an exception):
    shown as such, never moved onto another finding, and no longer counted."""
    reviews = {r.finding: r for r in store.visit_reviews([visit.id]) if r.finding not in current}
    appeals: dict[str, Appeal] = {}
    for contested in store.appeals(staff=visit.staff):
        if contested.visit == visit.id and contested.finding not in current:
            appeals.setdefault(contested.finding, contested)  # newest first
    return [{
        "id": gone, "label": ORPHANED, "norm": "", "severity": "", "severity_label": "",
        "at": "", "quote": "", "counts": False, "orphaned": True,
        "review": _reviewed(reviews[gone]) if gone in reviews else "",
        "appeal": _appeal_view(appeals[gone]) if gone in appeals else None,
    } for gone in sorted(set(reviews) | set(appeals))]


def _unreviewed(found: StoredFinding, fix: roles.Fix | None) -> str:
    """What stands for a review of a finding nobody reviewed: a role correction took it
    away, or it waits for a person because its role was heard unsure."""
    if fix is not None and found.id in fix.removed:
        return "角色已更正，不计"
    return ROLE_PENDING if found.unsure_role else ""


def _appeal_view(contested: Appeal) -> dict:
    return {"id": contested.id, "status": contested.status,
            "label": APPEAL_LABELS[contested.status], "reason": mask(contested.reason),
            "actor": contested.actor, "filed_at": when(contested.filed_at),
            "decided_by": contested.decided_by, "note": mask(contested.decision_note),
            "decided_at": when(contested.decided_at)}


def appeals_view(store: Store, hall: Hall) -> list[dict]:
    """Every appeal, open ones first, with the finding it contests."""
    out = []
    for contested in sorted(store.appeals(), key=lambda a: (a.status != "open", -a.id)):
        found = store.finding(contested.finding)
        if found is None:  # scored again since without it: listed as orphaned, never moved
            found = StoredFinding(contested.finding, "", contested.visit, "", 0.0, 0.0, "", "",
                                  "", staff=contested.staff)
        out.append({**_appeal_view(contested), "finding": contested.finding,
                    "visit": contested.visit,
                    "label": rule_name(found.rule) if found.rule else ORPHANED,
                    "orphaned": not found.rule, "norm": rule_norm(found.rule),
                    "severity_label": severity_label(found.severity),
                    **_heard(found, store.visit_utterances([contested.visit])),
                    "t": round(max(0.0, found.start - found.visit_start), 1),
                    "staff": hall.staff_name(contested.staff) or contested.staff,
                    "status_label": APPEAL_LABELS[contested.status]})
    return out


def pages(ctx: WebContext) -> Blueprint:
    """The review, appeal, audit and account pages; `g.user` is the logged-in user
    (accounts.User) or None."""
    bp = Blueprint("review", __name__)
    store, forged, refuse, hall = ctx.store, ctx.forged, ctx.refuse, ctx.hall

    def gate(may: Callable[[accounts.User], bool], why: str, post: bool = False):
        """None if the user may go on, else the redirect or refusal."""
        if g.user is None:
            if request.method == "GET":
                return redirect(url_for("auth.login", next=request.full_path))
            return refuse(401, "请先登录")
        if post:
            forgery = forged()
            if forgery:
                return refuse(403, forgery)
        return None if may(g.user) else refuse(403, why)

    def reviewer(post: bool = False):
        return gate(lambda u: u.may_review, "只有值班主管可以复核", post)

    def origin() -> str:
        return request.remote_addr or ""

    def failed(error: CourtesyError):
        """A refused action: 409 for what the rules forbid, 500 for a database fault."""
        mine = isinstance(error, (review.ReviewError, roles.RoleError, AccountError))
        return refuse(409 if mine else 500, str(error))

    @bp.get("/review")
    def queue():
        refusal = reviewer()
        if refusal:
            return refusal
        args = request.args
        day = day_from(args.get("day"), _latest(store()))
        filters = {k: args.get(k) or None for k in ("window", "staff", "rule")}
        rows = queue_view(store(), hall, day, **filters)
        return render_template("review.html", rows=rows, day=day, filters=filters,
                               mismatches=ratingreport.mismatches(store(), day, hall),
                               mismatch_mark=ratingreport.MISMATCH,
                               reasons=REVIEW_REASONS, rules=all_rules(), user=g.user,
                               back=request.full_path, limit=QUEUE_LIMIT)

    def acted(act: Callable[[dict], object]):
        """A reviewer's change from a queue row: made, then back to where it was asked."""
        refusal = reviewer(post=True)
        if refusal:
            return refusal
        form = request.form
        try:
            act(form)
        except CourtesyError as exc:
            return failed(exc)
        return redirect(local_path(form.get("back"), url_for(".queue")))

    @bp.post("/review/decide")
    def decide_finding():
        return acted(lambda form: review.review(
            store(), form.get("finding", ""), form.get("decision", ""),
            form.get("reason", ""), g.user.name, form.get("note", ""), origin()))

    @bp.post("/review/role")
    def correct_role():
        """Who spoke a line one pickup heard (from the queue or the replay page); the
        visit is judged again with it (monitor/roles.py)."""
        def correct(form) -> None:
            line = form.get("line", "")
            if not line.isdigit():
                raise roles.RoleError("句号须为数字")
            roles.correct(store(), form.get("visit", ""), int(line), form.get("role", ""),
                          g.user.name, form.get("note", ""), origin())
        return acted(correct)

    _sample_pages(bp, store, hall, reviewer, failed, refuse, origin)
    _lexicon_pages(bp, ctx, reviewer)
    _appeal_pages(bp, store, hall, gate, reviewer, failed, origin)
    _audit_pages(bp, store, reviewer)
    _user_pages(bp, store, hall, gate, refuse, origin)
    return bp


def _sample_pages(bp: Blueprint, store: Callable[[], Store], hall: Hall, reviewer, failed,
                  refuse, origin) -> None:
    """抽检: random visits of a day, a missed finding added by hand."""
    @bp.get("/review/sample")
    def sample():
        refusal = reviewer()
        if refusal:
            return refusal
        day = day_from(request.args.get("day"), _latest(store()))
        n = max(1, min(request.args.get("n", 5, type=int) or 5, SAMPLE_MAX))
        visits = store().live_visits(day, day)
        drawn = random.SystemRandom().sample(visits, min(n, len(visits)))
        chosen = sorted(drawn, key=lambda v: v.started_at)
        views = [visit_view(store(), hall, v) for v in chosen]
        return render_template("review_sample.html", visits=views, day=day, n=n, user=g.user,
                               rules=all_rules(), severities=SEVERITIES, total=len(visits),
                               severity_label=severity_label, back=request.full_path)

    @bp.post("/review/visit/<visit_id>/add")
    def add_finding(visit_id: str):
        refusal = reviewer(post=True)
        if refusal:
            return refusal
        form = request.form
        try:
            offset = float(form.get("offset", "0") or 0)
            review.add_missed(store(), visit_id, form.get("rule", ""), form.get("severity", ""),
                              offset, g.user.name, form.get("note", ""), origin())
        except ValueError:
            return refuse(400, "时间须为秒数")
        except CourtesyError as exc:
            return failed(exc)
        return redirect(local_path(form.get("back"), url_for(".sample")))


def _appeal_pages(bp: Blueprint, store: Callable[[], Store], hall: Hall, gate, reviewer,
                  failed, origin) -> None:
    """A staff member's own record and appeals; the supervisors' decisions."""
    @bp.get("/me")
    def me():
        refusal = gate(lambda u: u.role == "staff" and bool(u.staff),
                       "只有工作人员账号有个人记录")
        if refusal:
            return refusal
        last = day_from(request.args.get("to"), date.today())
        first = day_from(request.args.get("from"), last - timedelta(days=ME_DAYS - 1))
        rows = store().live_visits(first, last, staff=g.user.staff)
        views = [visit_view(store(), hall, v) for v in reversed(rows)]
        scores = [float(v["score"]) for v in views]
        return render_template("me.html", visits=views, first=first, last=last, user=g.user,
                               average=f"{sum(scores) / len(scores):.1f}" if scores else "-",
                               name=hall.staff_name(g.user.staff) or g.user.staff)

    @bp.post("/me/appeal")
    def file_appeal():
        refusal = gate(lambda u: u.role == "staff", "只有工作人员可以申诉", post=True)
        if refusal:
            return refusal
        try:
            review.appeal(store(), request.form.get("finding", ""), g.user.name, g.user.staff,
                          request.form.get("reason", ""), origin())
        except CourtesyError as exc:
            return failed(exc)
        return redirect(url_for(".me"))

    @bp.get("/appeals")
    def appeals():
        refusal = reviewer()
        if refusal:
            return refusal
        return render_template("appeals.html", appeals=appeals_view(store(), hall),
                               user=g.user)

    @bp.post("/appeals/<int:appeal_id>")
    def decide_appeal(appeal_id: int):
        refusal = reviewer(post=True)
        if refusal:
            return refusal
        try:
            review.decide(store(), appeal_id, request.form.get("status", ""), g.user.name,
                          g.user.staff, request.form.get("note", ""), origin())
        except CourtesyError as exc:
            return failed(exc)
        return redirect(url_for(".appeals"))



def _audit_pages(bp: Blueprint, store: Callable[[], Store], reviewer) -> None:
    def query() -> dict:
        args = request.args
        return {"first": day_from(args.get("from"), date.today() - timedelta(days=6)),
                "last": day_from(args.get("to"), date.today()),
                "actor": args.get("actor") or None, "action": args.get("action") or None}

    @bp.get("/audit")
    def audit_page():
        refusal = reviewer()
        if refusal:
            return refusal
        chosen = query()
        rows = [(e, audit.describe(e)) for e in reversed(audit.entries(store(), **chosen))]
        return render_template("audit.html", rows=rows, chosen=chosen, user=g.user,
                               args=request.args.to_dict(), actions=AUDIT_ACTIONS)

    @bp.get("/audit/export")
    def audit_export():
        refusal = reviewer()
        if refusal:
            return refusal
        fmt = request.args.get("format", "csv")
        fmt = fmt if fmt in audit.FORMATS else "csv"
        buffer = io.StringIO()
        audit.write(audit.entries(store(), **query()), fmt, buffer)
        mimetype = "text/csv" if fmt == "csv" else "application/json"
        return Response(buffer.getvalue().encode("utf-8"), mimetype=f"{mimetype}; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=audit.{fmt}"})


def _user_pages(bp: Blueprint, store: Callable[[], Store], hall: Hall, gate, refuse,
                origin) -> None:
    @bp.get("/users")
    def users():
        refusal = gate(lambda u: True, "")
        if refusal:
            return refusal
        rows = accounts.users(store()) if g.user.may_admin else []
        return render_template("users.html", rows=rows, roles=ACCOUNT_ROLE_LABELS,
                               user=g.user, message=request.args.get("done", ""))

    @bp.post("/users")
    def change_user():
        refusal = gate(lambda u: u.may_admin, "只有管理员可以管理账号", post=True)
        if refusal:
            return refusal
        form, who = request.form, g.user.name
        name, action = form.get("name", "").strip(), form.get("action", "")
        try:
            if action == "add":
                accounts.add_user(store(), name, form.get("role", ""), form.get("password", ""),
                                  staff=form.get("staff"), actor=who, origin=origin(),
                                  known_staff=hall.staff)
            elif action in ("disable", "enable"):
                accounts.disable(store(), name, who, origin(), enabled=action == "enable")
            elif action == "reset":
                accounts.reset_password(store(), name, form.get("password", ""), who, origin())
            elif action == "remove":
                accounts.remove(store(), name, who, origin())
            else:
                return refuse(400, "未知操作")
        except CourtesyError as exc:
            return refuse(409, str(exc))
        return redirect(url_for(".users", done=f"{name}：已{USER_ACTIONS[action]}"))

    @bp.post("/users/password")
    def change_password():
        refusal = gate(lambda u: True, "", post=True)
        if refusal:
            return refusal
        form = request.form
        if form.get("new", "") != form.get("again", ""):
            return refuse(400, "两次输入的新密码不一致")
        try:
            session["version"] = accounts.change_password(
                store(), g.user.name, form.get("old", ""), form.get("new", ""), origin())
        except CourtesyError as exc:
            return refuse(409, str(exc))
        return redirect(url_for(".users", done="密码已修改"))


USER_ACTIONS = {"add": "添加", "disable": "停用", "enable": "启用", "reset": "重置密码",
                "remove": "删除"}


# --- the lexicon page: precision from reviews, and the hall's changes to its lexicon ----


def _lexicon_pages(bp: Blueprint, ctx: WebContext, reviewer) -> None:
    """/review/lexicon: each phrase's precision with a form to change it; a change is
    previewed on the stored speech of the last days (nothing stored changes), then applied
    with a second button; every version listed, each undoable (web/changes.py)."""
    store = ctx.store

    def proposed():
        form = request.form
        return tuning.propose(store(), lexicons.load(ctx.lexicon_dir), form.get("phrase", ""),
                              form.get("change", ""), form.get("value", ""),
                              form.get("reason", ""), g.user.name, form.get("kind") or None)

    @bp.get("/review/lexicon")
    def lexicon_precision():
        refusal = reviewer()
        if refusal:
            return refusal
        days_shown = max(1, min(request.args.get("days", 90, type=int) or 90, 3660))
        rows = [{"rule": p.rule, "label": rule_name(p.rule), "norm": rule_norm(p.rule),
                 "phrase": p.phrase, "confirmed": p.confirmed, "dismissed": p.dismissed,
                 "precision": f"{p.precision:.0%}" if p.precision is not None else "-"}
                for p in review.precision(store(), date.today() - timedelta(days=days_shown))]
        shipped = lexicons.load(ctx.lexicon_dir)
        standing = {(p.kind, p.text) for p in tuning.current(store(), shipped)[0].phrases}
        for row in rows:
            row["off"] = bool(row["phrase"]) and (row["rule"], row["phrase"]) not in standing
        return render_template("review_lexicon.html", rows=rows, days=days_shown, user=g.user,
                               changes=change_rows(LEXICON, store().lexicon_changes()),
                               version=store().lexicon_version(), kind=LEXICON,
                               kinds={k: phrase_kind_label(k) for k in tuning.KINDS},
                               labels=LEXICON_CHANGE_LABELS, done=request.args.get("done", ""),
                               preview_days=hallchanges.DEFAULT_DAYS)

    routes(bp, ctx, Changes(
        LEXICON, "lexicon", "/review/lexicon", reviewer, proposed, tuning.preview,
        lambda c: [("phrase", c.phrase), ("kind", c.kind), ("change", c.change),
                   ("value", c.value)],
        lambda **args: url_for(".lexicon_precision", **args), "词库版本"))
