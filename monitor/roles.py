"""Role corrections: a reviewer says who really spoke a line that one pickup microphone
gave to the wrong side (or could not tell), and the visit is judged again with it.

Each correction is a new row of `role_corrections` (append-only, with its audit row); the
stored utterances and the machine's findings stay as they were heard. Like reviews, a
correction acts where results are read (`review.effective`, the reports, the queue):
`fixes` judges each corrected visit's stored lines twice with the rules of its session
(profile and hall lexicon version), as heard and as corrected, and the difference is
applied to the stored findings. Judging both ways, rather than comparing with what was
stored, means only the correction can change a finding, never a later lexicon or a line
stored masked.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from . import privacy
from .errors import CourtesyError
from .pipeline import Scorer
from .records import ROLES, AuditEntry, Finding, RoleCorrection
from .storage import Store
from .stored import StoredFinding, StoredUtterance, StoredVisit
from .vocabulary import ROLE_PENDING

TABLE = "role_corrections"
PREFIX = "role:"  # the id of a finding that only a role correction brought
NOTE_MAX = 500


class RoleError(CourtesyError):
    """A role correction cannot be made as asked."""


def _row(row: dict) -> RoleCorrection:
    return RoleCorrection(row["visit"], row["session"], row["idx"], row["role"],
                          row["actor"], row["note"] or "",
                          datetime.fromisoformat(row["at"]) if row["at"] else None, row["id"])


def visit_lines(store: Store, visit_id: str) -> list[StoredUtterance]:
    """A visit's lines in the order replay numbers them (第 1 句 first)."""
    return sorted(store.visit_utterances([visit_id]), key=lambda u: (u.start, u.idx))


def correct(store: Store, visit_id: str, line: int, role: str, actor: str, note: str = "",
            origin: str = "") -> RoleCorrection:
    """Say who spoke line `line` (1-based, as replay numbers them) of a visit; stored with
    its audit row."""
    if role not in ROLES:
        raise RoleError(f"role {role!r}: one of {', '.join(ROLES)}")
    if store.visit(visit_id) is None:
        raise RoleError(f"没有编号为 {visit_id} 的来访记录")
    lines = visit_lines(store, visit_id)
    if not 1 <= line <= len(lines):
        raise RoleError(f"这次来访共 {len(lines)} 句，没有第 {line} 句")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise RoleError(f"备注不能超过 {NOTE_MAX} 个字")
    note = note if store.store_raw else privacy.mask(note)  # a person's words, like speech
    said = lines[line - 1]
    fix = RoleCorrection(visit_id, said.session, said.idx, role, actor, note,
                         datetime.now().astimezone())
    entry = AuditEntry(actor, "role", visit_id,
                       f"line {line} ({said.session}:{said.idx}) {said.role} -> {role}", origin,
                       note=note)
    with store.audited(entry):
        row = {k: v for k, v in fix.__dict__.items() if k != "id"}
        new_id = store.db[TABLE].insert({**row, "at": fix.at.isoformat()}).last_pk
    return replace(fix, id=new_id)


def corrections(store: Store, visit_ids: list[str]) -> dict[str, dict[int, RoleCorrection]]:
    """Per visit, each corrected line's latest correction, by the line's session index."""
    if not visit_ids or not store.db[TABLE].exists():
        return {}
    out: dict[str, dict[int, RoleCorrection]] = {}
    wanted = list(dict.fromkeys(visit_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in store.db.query(f"select * from {TABLE} where visit in "
                                  f"({', '.join('?' * len(chunk))}) order by id", chunk):
            fix = _row(row)
            out.setdefault(fix.visit, {})[fix.idx] = fix
    return out


def history(store: Store, visit_id: str) -> list[RoleCorrection]:
    """Every correction of a visit's lines, oldest first (superseded ones too)."""
    if not store.db[TABLE].exists():
        return []
    return [_row(r) for r in store.db.query(
        f"select * from {TABLE} where visit = ? order by id", [visit_id])]


@dataclass(frozen=True)
class Fix:
    """What the corrections of one visit change in its findings."""

    removed: frozenset[str]  # ids of stored findings the corrected roles take away
    sure: dict[str, float | None]  # stored finding id -> its role confidence as corrected
    brought: tuple[StoredFinding, ...]  # findings only the corrected roles give

    def apply(self, findings: list[StoredFinding]) -> list[StoredFinding]:
        """The visit's stored findings with their roles' confidence as corrected, and the
        findings the correction brings (the ones it takes away stay: `removed`)."""
        return [self.sured(f) for f in findings] + list(self.brought)

    def sured(self, found: StoredFinding) -> StoredFinding:
        """A stored finding with its roles' confidence as corrected (sure: the 角色待确认
        note leaves its detail)."""
        if found.id not in self.sure or self.sure[found.id] == found.role_confidence:
            return found
        sure = self.sure[found.id]
        detail = found.detail if sure is not None else found.detail.split(f"（{ROLE_PENDING}")[0]
        return replace(found, role_confidence=sure, detail=detail)


def _key(f: Finding | StoredFinding) -> tuple:
    return f.rule, round(f.start, 3), round(f.end, 3), f.severity


class _Judges:
    """One scorer per (profile, hall lexicon version), built when first needed."""

    def __init__(self, store: Store):
        self.store = store
        self.scorers: dict[tuple[str, int], Scorer] = {}

    def __call__(self, visit: StoredVisit) -> Scorer:
        version = self.store.session_lexicon_version(visit.session)
        key = (visit.profile, version)
        if key not in self.scorers:
            self.scorers[key] = Scorer.load(visit.profile or "general", None,
                                            self.store.lexicon_changes(upto=version))
        return self.scorers[key]


def _fix(store: Store, visit: StoredVisit, lines: list[StoredUtterance],
         fixes: dict[int, RoleCorrection], scorer: Scorer) -> Fix:
    heard = [u.utterance() for u in lines]
    said = [replace(u, role=fixes[line.idx].role, role_confidence=None)
            if line.idx in fixes else u for u, line in zip(heard, lines)]
    before = {_key(f) for f in scorer.judge_as_cut(visit.id, heard, visit.window).findings}
    after = {_key(f): f for f in scorer.judge_as_cut(visit.id, said, visit.window).findings}
    gone = before - set(after)
    stored = store.visit_findings(visit.id)
    anchor = datetime.fromisoformat(visit.started_at) - timedelta(seconds=visit.start)
    brought = tuple(
        StoredFinding(f"{PREFIX}{visit.id}:{n}", visit.session, visit.id, f.rule, f.start,
                      f.end, (anchor + timedelta(seconds=f.start)).isoformat(), f.text,
                      f.severity, f.category, f.detail, f.deduction, visit.window,
                      visit.staff, visit.start, f.role_confidence)
        for n, f in enumerate(after[key] for key in sorted(set(after) - before)))
    return Fix(frozenset(f.id for f in stored if _key(f) in gone),
               {f.id: after[_key(f)].role_confidence for f in stored if _key(f) in after},
               brought)


def fixes(store: Store, visits: list[StoredVisit]) -> dict[str, Fix]:
    """For each of the visits with a role correction, what it changes in its findings."""
    corrected = corrections(store, [v.id for v in visits])
    if not corrected:
        return {}
    judges = _Judges(store)
    lines_of: dict[str, list[StoredUtterance]] = {}
    for line in store.visit_utterances(sorted(corrected)):
        lines_of.setdefault(line.visit, []).append(line)
    return {v.id: _fix(store, v, lines_of.get(v.id, []), corrected[v.id], judges(v))
            for v in visits if v.id in corrected}
