"""A hall's own lexicon: the shipped files plus the changes its supervisors made.

Reviews measure how often a phrase's findings hold (review.precision); a supervisor who
sees one that keeps being dismissed can raise its match threshold, add an exception (a
context in which it does not count) or switch it off for the hall. Each change is one
append-only row and a new lexicon *version* (0 is the shipped files); an undo is another
change, so every version can be rebuilt and every session says which one judged it.

Before a change is applied, `preview` judges the stored visits of the last days again with
and without it, in memory: which findings would disappear or appear (and what reviewers
said of them), which visits would change verdict. Nothing stored changes.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from . import lexicon as lexicons
from . import limits, profiles, rulechanges
from .errors import CourtesyError
from .lexicon import REQUIRED_KINDS, UNDO, Lexicon, Phrase, hall_lexicon
from .matching import Matcher
from .normalize import clean_chars, heard
from .pipeline import EXPECTED, Scorer, expected_forms
from .records import (AuditEntry, ChangedFinding, ChangedVisit, Finding, LexiconChange,
                      RuleChange, RulePreview, TuningPreview, Utterance, Visit)
from .storage import Store
from .stored import JudgedSession, StoredVisit
from .vocabulary import quoted

CHANGES = ("threshold", "except", "off")
KINDS = REQUIRED_KINDS + ("taboo",)  # phrases whose hits make or spare findings
THRESHOLD_MIN, THRESHOLD_MAX = limits.THRESHOLD.low, limits.THRESHOLD.high
DEFAULT_DAYS = 7
MAX_DAYS = int(limits.PREVIEW_DAYS.high)
REASON_MAX = 500


class TuningError(CourtesyError):
    """A lexicon change cannot be made as asked."""


def current(store: Store, shipped: Lexicon) -> tuple[Lexicon, int]:
    """The hall's lexicon as it stands now."""
    return hall_lexicon(shipped, store.lexicon_changes())


def scorer(store: Store, profile: str = profiles.DEFAULT,
           lexicon_dir: Path | None = None, rating_device: bool = False) -> Scorer:
    """A profile's scorer with the hall lexicon and rules of the database it will write to."""
    return Scorer.load(profile, lexicon_dir, store.lexicon_changes(), rating_device,
                       rulechanges.changes(store))


def find_phrase(shipped: Lexicon, text: str, kind: str | None = None) -> Phrase:
    """The rule phrase (required or taboo) written `text`, by its text or one of its forms."""
    wanted = clean_chars(text)
    found = [p for p in shipped.phrases if p.kind in KINDS and (kind is None or p.kind == kind)
             and wanted in p.forms]
    if not found:
        raise TuningError(f"词库中没有词条“{text}”（只能调整必用语和服务忌语的词条）")
    exact = [p for p in found if p.text == wanted]
    return (exact or found)[0]


def propose(store: Store, shipped: Lexicon, text: str, change: str, value: str, reason: str,
            actor: str, kind: str | None = None) -> LexiconChange:
    """A checked change to one phrase of the hall lexicon as it stands (not stored: see
    `preview`, then `apply`)."""
    if change not in CHANGES:
        raise TuningError(f"change {change!r}: one of {', '.join(CHANGES)}")
    phrase = find_phrase(shipped, text, kind)
    now, _ = current(store, shipped)
    standing = next((p for p in now.phrases if (p.kind, p.text) == (phrase.kind, phrase.text)),
                    None)
    if standing is None:
        raise TuningError(f"词条“{phrase.text}”已在本厅停用（可撤销那次停用）")
    value = _checked_value(standing, change, value)
    return LexiconChange(phrase.kind, phrase.text, change, value, (reason or "").strip(), actor)


def _checked_value(phrase: Phrase, change: str, value: str) -> str:
    if change == "off":
        return ""
    if change == "threshold":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TuningError(f"阈值须为 {THRESHOLD_MIN:.0f} 到 {THRESHOLD_MAX:.0f} 之间的数"
                              ) from None
        if not THRESHOLD_MIN <= number <= THRESHOLD_MAX:
            raise TuningError(f"阈值须为 {THRESHOLD_MIN:.0f} 到 {THRESHOLD_MAX:.0f} 之间的数")
        return f"{number:g}"
    context = clean_chars(value or "")
    if not any(form in context and form != context for form in phrase.forms):
        raise TuningError(f"例外须是包含“{phrase.text}”（或其变体）的更长说法，如“{phrase.text}的话”")
    if context in phrase.exceptions:
        raise TuningError(f"“{context}”已是这个词条的例外")
    return context


def apply(store: Store, change: LexiconChange, origin: str = "") -> LexiconChange:
    """Store a change as the next lexicon version, with its audit row; a change needs
    its reason."""
    if not change.reason.strip():
        raise TuningError("请写明调整原因")
    if len(change.reason) > REASON_MAX:
        raise TuningError(f"原因不能超过 {REASON_MAX} 个字")
    entry = AuditEntry(change.actor, "lexicon_change", f"lexicon:{change.kind}:{change.phrase}",
                       f"{change.change} {change.value}".strip(), origin)
    with store.audited(entry):
        return store.add_lexicon_change(change)


def undo(store: Store, version: int, actor: str, reason: str, origin: str = "") -> LexiconChange:
    """Revert one change: a new version without it (the change itself stays stored)."""
    changes = store.lexicon_changes()
    target = next((c for c in changes if c.version == version), None)
    if target is None:
        raise TuningError(f"没有版本 {version} 的词库调整")
    if target.change == UNDO:
        raise TuningError("撤销本身不能再撤销；请重新提交那次调整")
    if any(c.change == UNDO and c.value == str(version) for c in changes):
        raise TuningError(f"版本 {version} 的调整已经撤销")
    reason = (reason or "").strip() or f"撤销版本 {version}"
    return apply(store, LexiconChange(target.kind, target.phrase, UNDO, str(version),
                                      reason[:REASON_MAX], actor), origin)


# --- preview: the stored speech of some days, re-scored with and without a change -------


def stored_speech(store: Store, first: date, last: date,
                  wanted: list[StoredVisit] | None = None
                  ) -> Iterator[tuple[JudgedSession, dict[str, list[Utterance]]]]:
    """Each live session of the days with its stored utterances, visit by visit (only the
    `wanted` visits): the one place a preview reads stored speech."""
    visits = None if wanted is None else {v.id for v in wanted}
    sessions = None if wanted is None else {v.session for v in wanted}
    for judged in store.live_sessions(first, last):
        if sessions is not None and judged.id not in sessions:
            continue
        groups: dict[str, list[Utterance]] = {}
        for line in store.session_utterances(judged.id):
            if line.visit and (visits is None or line.visit in visits):
                groups.setdefault(line.visit, []).append(line.utterance())
        yield judged, groups


class _Pair:
    """One profile's scorers without and with the change, and a test of whether the phrase
    is heard at all, as loosely as either allows (where it is not, the change cannot
    matter)."""

    def __init__(self, profile: profiles.Profile, shipped: Lexicon,
                 changes: list[LexiconChange], change: LexiconChange):
        before, version = hall_lexicon(shipped, changes)
        after, _ = hall_lexicon(shipped, changes + [replace(change, version=version + 1)])
        self.before = Scorer(profile, before, version)
        self.after = Scorer(profile, after, version + 1)
        key = (change.kind, change.phrase)
        phrase = next((p for p in self.before.lexicon.phrases if (p.kind, p.text) == key), None)
        self.filters: list[Matcher] = []
        self.stricter = True  # the change can only remove this phrase's hits
        if phrase is not None:
            changed = next((p for p in self.after.lexicon.phrases if (p.kind, p.text) == key),
                           None)
            wide = min(_threshold(phrase, profile), _threshold(changed or phrase, profile))
            self.stricter = wide == _threshold(phrase, profile)
            loosest = Lexicon((replace(phrase, exceptions=(), threshold=wide),))
            self.filters.append(Matcher(loosest, profile.matching))
            if phrase.kind in EXPECTED:
                self.filters.append(Matcher(expected_forms(loosest),
                                            profile.matching.expecting()))

    def touches(self, utterances: list[Utterance]) -> bool:
        return any(m.find(heard(u)) for u in utterances for m in self.filters)


def _threshold(phrase: Phrase, profile: profiles.Profile) -> float:
    return (phrase.threshold if phrase.threshold is not None
            else profile.matching.thresholds.get(phrase.kind, 80.0))


def preview(store: Store, change: LexiconChange, days: int = DEFAULT_DAYS,
            lexicon_dir: Path | None = None, today: date | None = None) -> TuningPreview:
    """What `change` would have changed on the live visits of the last `days` days.

    Each visit is judged again on its stored utterances, as it was cut (where visits begin
    and end stays), with the hall lexicon as it stands and with the change. A change that
    can only remove hits (off, an exception, a higher threshold) judges the visits whose
    stored hits hold the phrase; a lower threshold, or a session judged with another
    lexicon version, asks the matcher which visits hear the phrase at all.
    """
    began = time.perf_counter()
    last = today or date.today()
    first = last - timedelta(days=max(1, min(days, MAX_DAYS)) - 1)
    changes, version = store.lexicon_changes(), store.lexicon_version()
    pairs: dict[str, _Pair] = {}
    sessions = store.live_sessions(first, last)
    for name in {judged.profile or profiles.DEFAULT for judged in sessions}:
        chosen = profiles.load(name, lexicon_dir)
        pairs[name] = _Pair(chosen, lexicons.load(lexicon_dir, chosen.lexicons), changes,
                            change)
    stricter = all(pair.stricter for pair in pairs.values())
    heard_in = store.phrase_visits(change.kind, change.phrase, first, last) if stricter else None
    if heard_in is not None and any(judged.lexicon_version != version for judged in sessions):
        heard_in = None  # what was stored was heard with another lexicon
    rescored = before_n = after_n = 0
    found: list[ChangedFinding] = []
    turned: list[ChangedVisit] = []
    for judged, groups in stored_speech(store, first, last, heard_in):
        pair = pairs[judged.profile or profiles.DEFAULT]
        anchor = datetime.fromisoformat(judged.started_at)
        for visit_id, utterances in groups.items():
            if heard_in is None and not pair.touches(utterances):
                continue
            rescored += 1
            old = pair.before.judge_as_cut(visit_id, utterances, judged.window)
            new = pair.after.judge_as_cut(visit_id, utterances, judged.window)
            before_n, after_n = before_n + len(old.findings), after_n + len(new.findings)
            found += _changed_findings(judged, anchor, old, new, utterances)
            if old.verdict != new.verdict:
                turned.append(ChangedVisit(judged.id, old.window, old.staff or judged.staff,
                                           anchor + timedelta(seconds=old.start), old.score,
                                           old.verdict, new.score, new.verdict))
    found = with_reviews(store, found, first, last)
    return TuningPreview(change, days, sum(judged.visits for judged in sessions), rescored,
                         before_n, after_n, tuple(sorted(found, key=lambda f: f.at)),
                         tuple(turned), round(time.perf_counter() - began, 3))


def _changed_findings(judged: JudgedSession, anchor: datetime, old: Visit, new: Visit,
                      lines: list) -> list[ChangedFinding]:
    """The findings of a visit judged without and with the change that only one side has,
    each with how its quote was heard (a machine's words are marked where shown)."""
    def keys(visit: Visit) -> dict[tuple, Finding]:
        return {(f.rule, round(f.start, 2), f.severity, f.text): f for f in visit.findings}

    before, after = keys(old), keys(new)
    return [ChangedFinding(judged.id, old.window, old.staff or judged.staff,
                           anchor + timedelta(seconds=f.start), f.rule, f.severity, f.text,
                           gone, pinyin=said.pinyin, heard_by=said.heard_by)
            for mine, other, gone in ((before, after, True), (after, before, False))
            for key, f in mine.items() if key not in other
            for said in [quoted(f.text, f.start, f.end, lines)]]


def with_reviews(store: Store, found: list[ChangedFinding], first: date, last: date
                  ) -> list[ChangedFinding]:
    """Findings that would disappear, with what reviewers decided on the stored finding
    (the same rule at the same moment of the same session; an overturned appeal counts
    as dismissed): a lexicon or a rule change's preview (rulechanges.preview) alike."""
    gone = {f.session for f in found if f.gone}
    if not gone:
        return found
    stored = {(f.session, f.rule, f.at): f.id
              for f in store.live_findings(first, last) if f.session in gone}
    ids = [stored.get((f.session, f.rule, f.at.isoformat(timespec="milliseconds")))
           if f.gone else None for f in found]
    latest = store.latest_reviews([i for i in ids if i])
    overturned = {a.finding for a in store.appeals(status="overturned")}
    out = []
    for f, finding_id in zip(found, ids):
        decision = ("dismiss" if finding_id in overturned else
                    latest[finding_id].decision if finding_id in latest else "")
        out.append(replace(f, review=decision))
    return out


def rule_preview(store: Store, change: RuleChange, days: int = DEFAULT_DAYS,
                 lexicon_dir: Path | None = None, today: date | None = None) -> RulePreview:
    """A rule change's preview (`rulechanges.preview`), with what reviewers decided on the
    findings it would take away, as a lexicon change's preview shows them."""
    shown = rulechanges.preview(store, change, days, lexicon_dir, today)
    last = today or date.today()
    first = last - timedelta(days=max(1, min(days, MAX_DAYS)) - 1)
    return replace(shown, findings=tuple(with_reviews(store, list(shown.findings), first, last)))
