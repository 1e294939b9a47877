"""What a tile shows about one window, as display text, so the page script only copies text
into place: its light, or 监测中断 when nobody listens (liveness), its hall name, the gravest
findings of its visit and a link to that visit's replay.

Whatever a customer or a clerk said is untrusted text: templates autoescape it, the page
script sets it only as textContent. Personal numbers are masked (`privacy.mask`) before any
view holds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as url_quote

from .. import liveness
from ..config import Hall
from ..privacy import mask
from ..records import Heartbeat, LightEvent
from ..storage import Store
from ..stored import Ack, StoredFinding, StoredUtterance, StoredVisit
from ..vocabulary import (INTERRUPTED_LABEL, MACHINE_MARK, ROLE_PENDING, SEVERITIES,
                          UNACKNOWLEDGED_RED, Speech, liveness_label, quoted, rule_name,
                          rule_prompt, severity_label, state_label, ticket_label, verdict_label)
from .common import not_after
from .events import EventSource


def _shown(speech: Speech) -> Speech:
    """Speech as a page may show it: personal numbers masked, in the pinyin too."""
    return Speech(mask(speech.text), mask(speech.pinyin), speech.heard_by)


def _gravest(findings: list[StoredFinding], shown: int) -> list[StoredFinding]:
    """The `shown` gravest findings (by severity, then time), in the order they happened:
    two minor ones never push a major one off the tile."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    kept = sorted(findings, key=lambda f: (rank.get(f.severity, len(rank)), f.at))
    return sorted(kept[:shown], key=lambda f: f.at)


def _finding_view(found: StoredFinding, lines: list[StoredUtterance], now: datetime) -> dict:
    said = _shown(quoted(found.text, found.start, found.end, lines)
                  if found.text else Speech(found.detail))
    at = f"{not_after(datetime.fromisoformat(found.at), now):%H:%M:%S}" if found.at else ""
    return {"severity": found.severity,
            "text": (f"{at} {rule_name(found.rule)}"
                     f"（{severity_label(found.severity)}"
                     f"{'，' + ROLE_PENDING if found.unsure_role else ''}）"
                     f"{'：' + said.text if said.text else ''}"),
            "mark": MACHINE_MARK if said.machine else "", "title": said.title}


def _visit_text(visit: StoredVisit | None, state: str, now: datetime) -> str:
    if not visit:
        return ""
    who = "上一位" if state == "off" else "当前"
    started = not_after(datetime.fromisoformat(visit.started_at), now)
    ticket = ticket_label(visit.ticket, visit.business)
    return (f"{who}顾客{' ' + ticket if ticket else ''} {started:%H:%M:%S} 起 · "
            f"{visit.score:.0f} 分 · "
            f"{verdict_label(visit.verdict, visit.provisional)}")


RELEASE_NOTE = "，灯将按规则恢复"


def _ack(store: Store | None, event: LightEvent) -> Ack | None:
    """The red's acknowledgement, or, when the light just left a red, that red's: whoever
    clicked 确认红灯 keeps seeing it was done once the monitor lets the red go."""
    if not store or not event.id:
        return None
    if event.state == "red":
        return store.ack_of(event.id)
    return store.ack_of_red_before(event.window, event.id) if event.previous == "red" else None


def _ack_text(ack: Ack | None, red: bool) -> str:
    if ack is None:
        return ""
    done = f"已由 {ack.user} 于 {ack.at:%H:%M:%S} 确认"
    return done + RELEASE_NOTE if red else "红灯" + done


def window_view(store: Store | None, event: LightEvent, findings_shown: int = 3,
                now: datetime | None = None, name: str = "") -> dict:
    """A window's tile from its current light event. A quote heard by a machine carries a
    mark and, in its title, the pinyin the recogniser heard."""
    now = now or datetime.now().astimezone()
    ack = _ack(store, event)
    visit = store.visit(event.visit) if store and event.visit else None
    findings = _gravest(store.visit_findings(event.visit), findings_shown) \
        if store and event.visit else []
    lines = store.visit_utterances([event.visit]) if store and event.visit and (
        findings or event.quote) else []
    label = state_label(event.state)
    if event.state == "red":
        label += " · 已确认" if ack else " · 待确认"
    said = _shown(quoted(event.quote, 0.0, float("inf"), lines) if event.quote
                  else Speech(event.detail))
    at = not_after(event.at, now)
    return {
        "window": event.window, "name": name or event.window, "event": event.id or 0,
        "state": event.state, "previous": event.previous, "state_label": label,
        "at": at.isoformat(timespec="milliseconds") if event.id else "",
        "since": f"{at:%H:%M:%S} 起" if event.id else "",
        "rule": event.rule, "severity": event.severity, "quote": mask(event.quote),
        "pinyin": said.pinyin if event.quote else "",
        "heard_by": said.heard_by if event.quote else "",
        "cause": f"{rule_name(event.rule)}：{said.text}" if event.rule else "",
        "cause_mark": MACHINE_MARK if event.rule and said.machine else "",
        "cause_title": said.title if event.rule else "",
        "prompt": rule_prompt(event.rule) if event.state in ("yellow", "red") else "",
        "ackable": event.state == "red" and ack is None and bool(event.id),
        "ack": _ack_text(ack, event.state == "red"),
        "visit": event.visit or "", "visit_text": _visit_text(visit, event.state, now),
        "replay": f"/replay/{url_quote(event.visit, safe='')}" if event.visit else "",
        "findings": [_finding_view(f, lines, now) for f in findings],
        "live": None, "reason": "never", "interrupted_since": "", "fault": "",
    }


def with_liveness(view: dict, heartbeat: Heartbeat | None, now: datetime) -> dict:
    """The tile as liveness says: a window whose monitor stopped, hangs, or whose device is
    unplugged or silent shows 监测中断 since its last good beat, never its stale light (but a
    red nobody acknowledged, with its 确认红灯 button). A window no monitor ever beat for (a
    monitor from before heartbeats) keeps its light."""
    if heartbeat is None:
        return view
    judged = liveness.judge(heartbeat, view["window"], now)
    if judged.live:  # a monitor that cannot write says so, while it keeps listening
        fault = f"{liveness_label('storage')}：{heartbeat.message}".rstrip("：") \
            if heartbeat.state == "storage" else ""
        return {**view, "live": True, "reason": "", "fault": fault}
    since = not_after(judged.since, now) if judged.since else None
    # a red nobody acknowledged outlives its monitor: still there to acknowledge
    red = " · " + UNACKNOWLEDGED_RED if view["ackable"] else ""
    return {**view, "live": False, "reason": judged.reason, "state": "interrupted",
            "state_label": INTERRUPTED_LABEL + red, "cause": liveness_label(judged.reason),
            "cause_mark": "", "cause_title": "", "prompt": "",
            "ack": view["ack"].removesuffix(RELEASE_NOTE),  # nothing runs the light now
            "since": f"{since:%H:%M:%S} 起" if since else "",
            "interrupted_since": since.isoformat(timespec="milliseconds") if since else ""}


def counter_view(view: dict) -> dict:
    """The window's own screen, seen by whoever stands at the counter (the citizen too): the
    light and a prompt for the staff member, never what was said, the findings or the score."""
    cause = view["cause"] if view["state"] == "interrupted" else view["prompt"]
    return {**view, "quote": "", "pinyin": "", "heard_by": "", "cause": cause,
            "cause_mark": "", "cause_title": "", "visit": "", "visit_text": "", "replay": "",
            "findings": []}


@dataclass
class Board:
    """Every window the hall shows: configured, heard (a heartbeat) or lit, by id."""

    store: Store
    hall: Hall
    findings_shown: int = 3
    source: EventSource | None = None  # lights and heartbeats (events.py); None: the store

    @property
    def events(self) -> EventSource:
        return self.store if self.source is None else self.source

    def views(self, now: datetime | None = None) -> dict[str, dict]:
        now = now or datetime.now().astimezone()
        lights = self.events.current_lights()
        beats = self.events.heartbeats()
        windows = sorted(set(self.hall.windows) | set(beats) | set(lights))
        return {w: self.view(w, lights.get(w), beats.get(w), now) for w in windows}

    def view(self, window: str, event: LightEvent | None, heartbeat: Heartbeat | None,
             now: datetime) -> dict:
        event = event or LightEvent(window, "off", "off", now)  # unlit yet: idle
        view = window_view(self.store, event, self.findings_shown, now,
                           self.hall.window_name(window) or window)
        return with_liveness(view, heartbeat, now)

    def one(self, window: str, now: datetime | None = None) -> dict | None:
        """One window's tile, or None for a window neither configured, heard nor lit."""
        now = now or datetime.now().astimezone()
        event = self.events.current_lights().get(window)
        heartbeat = self.events.heartbeats().get(window)
        if event is None and heartbeat is None and window not in self.hall.windows:
            return None
        return self.view(window, event, heartbeat, now)


def blank_view() -> dict:
    """The template a page script clones for a window that appears later."""
    return window_view(None, LightEvent("", "off", "off", datetime.now().astimezone()))
