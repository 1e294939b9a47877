"""Replay pages of the web app: a visit's recording, transcript and findings; training sets.

A visit's page plays the stretch of the kept recording that holds it (cut out of the FLAC
and served as WAV, with HTTP ranges so the player can seek), shows the transcript (a click
seeks there), the findings on a timeline with the norm each breaks and what the lexicon
would have had staff say. The transcript is citizens' speech, so every page here needs a
login: supervisors see any visit, viewers only visits in a training collection, and then
always anonymised as the hall config says (`[training]`).
"""
from __future__ import annotations

import functools
from itertools import groupby

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from .. import lexicon as lexicons
from .. import profiles, review
from .. import replay as replays
from ..config import Hall
from ..errors import CourtesyError
from ..lexicon import Lexicon
from ..terminal import clock_text
from ..vocabulary import (MACHINE_MARK, ROLE_LABELS, rule_name, rule_norm, severity_label,
                         ticket_label, verdict_label, when)
from ..storage import Store
from ..stored import StoredVisit
from .common import WebContext

# The lexicon kinds whose phrases would have kept a rule (for a taboo: what to say instead).
BETTER_KINDS = {
    "greeting": ("greeting",), "farewell": ("farewell",), "please": ("please",),
    "wait_apology": ("apology", "waiting"), "thanks_reply": ("thanks_reply",),
    "taboo": ("apology", "please", "waiting"),
}
PHRASES_SHOWN = 4  # per finding; split among the kinds when several serve
TAG_MAX = 40


def better_phrasing(lexicon: Lexicon, rule: str) -> list[str]:
    """A few phrases from the lexicon that would have kept `rule`."""
    kinds = BETTER_KINDS.get(rule, ())
    each = max(1, -(-PHRASES_SHOWN // len(kinds))) if kinds else 0
    return [p.text for kind in kinds for p in lexicon.of_kind(kind)[:each]]


def _mark_text(mark: replays.Mark) -> str:
    if mark.kind == "good":
        return f"✓ {mark.label}"
    return f"✗ {rule_name(mark.label)}"


def page_view(visit: replays.VisitReplay, hall: Hall, how: replays.Anonymise | None,
              lexicon: Lexicon) -> dict:
    """Everything the replay page shows, as display text and times from the visit's start."""
    duration = max(visit.end - visit.start, 0.1)
    show_staff = how is None or how.staff_names
    staff = (hall.staff_name(visit.staff) or visit.staff) if show_staff else visit.staff
    lines = [{
        "role": line.speaker, "who": line.who, "number": number,
        "unsure": line.role_confidence is not None and not line.corrected,
        "t": round(line.start - visit.start, 3), "at": clock_text(line.start - visit.start),
        "text": line.text, "pinyin": line.pinyin,
        "mark": MACHINE_MARK if line.speech.machine else "", "title": line.speech.title,
        "marks": [{"kind": m.kind, "text": _mark_text(m)} for m in line.marks],
    } for number, line in enumerate(visit.lines, 1)]
    findings = [{
        "t": round(f.start - visit.start, 3), "at": clock_text(f.start - visit.start),
        "rule": f.label, "label": rule_name(f.label), "norm": rule_norm(f.label),
        "severity": f.severity, "severity_label": severity_label(f.severity), "detail": f.detail,
        "better": better_phrasing(lexicon, f.label),
    } for f in visit.findings]
    return {
        "id": visit.id, "window": hall.window_name(visit.window) or visit.window or "-",
        "staff": staff or "-", "score": f"{visit.score:.0f}",
        "verdict": visit.verdict_text, "verdict_id": visit.verdict,
        "provisional": visit.provisional, "ticket": ticket_label(visit.ticket, visit.business),
        "duration": round(duration, 3), "length": clock_text(duration),
        "lines": lines, "findings": findings,
        "machine": any(line["mark"] for line in lines), "pinyin": any(l["pinyin"] for l in lines),
    }


def _supervisor() -> bool:
    """A supervisor, or an admin (who may do all a supervisor does)."""
    return g.user is not None and g.user.may_review


def _own(visit: StoredVisit) -> bool:
    """The visit is the logged-in staff member's own."""
    return g.user.role == "staff" and bool(g.user.staff) and visit.staff == g.user.staff


class _Visits:
    """A visit as this user may see it: its row, lexicon and clip."""

    def __init__(self, ctx: WebContext):
        self.ctx = ctx
        self.lexicon = lexicons.load(ctx.lexicon_dir)  # a broken lexicon stops the server
        self.sectors: dict[str | None, Lexicon] = {}
        # a seeking player asks for the same clip again and again
        self.wav = functools.lru_cache(maxsize=4)(self._wav)

    def lexicon_of(self, profile: str | None) -> Lexicon:
        if profile not in self.sectors:
            try:
                sector = profiles.load(profile, self.ctx.lexicon_dir).sector if profile else None
            except CourtesyError:  # a profile since removed: the phrases every sector shares
                sector = None
            self.sectors[profile] = self.lexicon.for_sector(sector)
        return self.sectors[profile]

    @staticmethod
    def _wav(source: replays.Recording, start: float, end: float,
             customer: str) -> tuple[float, bytes] | None:
        """A visit's clip as WAV, with its first sample in session seconds."""
        piece = replays.clip(source, start, end, customer)
        return (piece.start, piece.wav()) if piece else None

    def visit_wav(self, visit: StoredVisit, how: replays.Anonymise | None):
        source = replays.recording(self.ctx.store(), visit.id)
        if source is None:
            return None, None
        return source, self.wav(source, visit.start, visit.end,
                                how.customer if how else "keep")

    def access(self, visit_id: str) -> tuple[StoredVisit | None, replays.Anonymise | None,
                                             Response | None]:
        """The visit and how this user may see it, or the refusal."""
        refuse, store = self.ctx.refuse, self.ctx.store()
        if g.user is None:
            if request.method == "GET" and "/audio" not in request.path:
                return None, None, redirect(url_for("auth.login", next=request.full_path))
            return None, None, refuse(401, "请先登录")
        visit = store.visit(visit_id)
        # a staff member replays their own visits as they were (to argue an appeal); a
        # viewer sees training visits only; neither can tell another visit from none
        own = visit is not None and _own(visit)
        if visit is None or not (_supervisor() or own) and not store.visit_tags(visit_id):
            return None, None, refuse(404, f"没有编号为 {visit_id} 的来访记录")
        training = request.args.get("training") == "1" or not (_supervisor() or own)
        return visit, self.ctx.hall.training if training else None, None


def pages(ctx: WebContext) -> Blueprint:
    """The replay and training pages, over the app's store, CSRF check and error page."""
    bp = Blueprint("replay", __name__)
    _replay_routes(bp, ctx, _Visits(ctx))
    _training_routes(bp, ctx)
    return bp


def _replay_routes(bp: Blueprint, ctx: WebContext, visits: _Visits) -> None:
    store, refuse = ctx.store, ctx.refuse

    @bp.get("/replay/<visit_id>")
    def replay_page(visit_id: str):
        stored, how, refusal = visits.access(visit_id)
        if refusal is not None:
            return refusal
        visit = replays.load(store(), visit_id, how)
        view = page_view(visit, ctx.hall, how, visits.lexicon_of(stored.profile))
        audio, note = None, "这次来访没有保存录音：按“播放”按时间逐句回看文字记录。"
        try:
            source, clip = visits.visit_wav(stored, how)
            if clip is not None:
                audio, note = {"offset": round(clip[0] - visit.start, 4)}, ""
            elif source is not None:
                note = "录音为单声道，无法去除客户声音，培训回放不播放录音。"
        except CourtesyError as exc:
            note = f"录音无法读取：{exc}"
        query = {"training": "1"} if request.args.get("training") == "1" else {}
        return render_template(
            "replay.html", view=view, audio=audio, note=note, training=how is not None,
            audio_url=url_for(".replay_audio", visit_id=visit_id, **query),
            tags=store().visit_tags(visit_id),
            all_tags=sorted({entry.tag for entry in store().training()}),
            may_edit=_supervisor(), query=query, user=g.user, roles=ROLE_LABELS,
            reviewed=_reviewed(store(), stored) if how is None else None,
            started=stored.started_at if how is None else "")  # training: not when, nor who

    @bp.get("/replay/<visit_id>/audio")
    def replay_audio(visit_id: str):
        stored, how, refusal = visits.access(visit_id)
        if refusal is not None:
            return refusal
        try:
            _, clip = visits.visit_wav(stored, how)
        except CourtesyError as exc:
            return refuse(404, f"录音无法读取：{exc}")
        if clip is None:
            return refuse(404, "这次来访没有可播放的录音")
        data = clip[1]
        response = Response(data, mimetype="audio/wav")
        return response.make_conditional(request, accept_ranges=True, complete_length=len(data))


def _reviewed(store: Store, visit: StoredVisit) -> dict | None:
    """The visit's score as reviews and role corrections left it, when that differs."""
    result = review.effective(store, visit.id)
    if (result.score, result.verdict) == (visit.score, visit.verdict):
        return None
    return {"score": f"{result.score:.0f}", "verdict": verdict_label(result.verdict),
            "verdict_id": result.verdict}


def _training_routes(bp: Blueprint, ctx: WebContext) -> None:
    store, refuse, hall = ctx.store, ctx.refuse, ctx.hall

    @bp.post("/replay/<visit_id>/training")
    def replay_training(visit_id: str):
        if g.user is None:
            return refuse(401, "请先登录")
        why = ctx.forged()
        if why:
            return refuse(403, why)
        if not _supervisor():
            return refuse(403, "只有值班主管可以编辑培训集")
        if store().visit(visit_id) is None:
            return refuse(404, f"没有编号为 {visit_id} 的来访记录")
        tag = request.form.get("tag", "").strip()
        if not tag or len(tag) > TAG_MAX:
            return refuse(400, f"培训集名称须为 1 到 {TAG_MAX} 个字")
        if request.form.get("action") == "remove":
            store().remove_training(visit_id, tag)
        else:
            store().add_training(visit_id, tag, request.form.get("note", "").strip())
        ctx.audit("training", visit_id, f"{request.form.get('action') or 'add'} {tag}")
        back = {"training": "1"} if request.form.get("training") == "1" else {}
        return redirect(url_for(".replay_page", visit_id=visit_id, **back))

    @bp.get("/training")
    def training_list():
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        show_staff = hall.training.staff_names
        entries = sorted(store().training(), key=lambda e: e.tag)
        collections = [(tag, [{
            "visit": e.visit, "note": replays.anonymised_text(e.note, hall.training),
            "window": hall.window_name(e.window) or e.window or "-",
            "staff": (hall.staff_name(e.staff) or e.staff or "-") if show_staff else "",
            "at": when(e.started_at),
            "score": f"{e.score:.0f}", "verdict": verdict_label(e.verdict, e.provisional),
            "verdict_id": e.verdict,
        } for e in group]) for tag, group in groupby(entries, key=lambda e: e.tag)]
        return render_template("training.html", collections=collections, user=g.user,
                               show_staff=show_staff)
