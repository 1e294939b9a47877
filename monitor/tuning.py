"""A hall's own lexicon: the shipped files plus the changes its supervisors made.

Reviews measure how often a phrase's findings hold (review.precision); a supervisor who
sees one that keeps being dismissed can raise its match threshold, add an exception (a
context in which it does not count) or switch it off for the hall. Each change is one
append-only row and a new lexicon *version* (0 is the shipped files); an undo is another
change, so every version can be rebuilt and every session says which one judged it.

Before a change is applied, `preview` judges the stored visits of the last days again with
and without it, in memory: which findings would disappear or appear (and what reviewers
said of them), which visits would change verdict. Nothing stored changes. Storing,
undoing and auditing a change, and the tally of a preview, are the rules' too
(hallchanges.py); what is the lexicon's own is here.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from . import hallchanges, limits, profiles, rulechanges
from . import lexicon as lexicons
from .errors import TuningError
from .hallchanges import DEFAULT_DAYS, LEXICON
from .lexicon import REQUIRED_KINDS, Lexicon, Phrase, hall_lexicon
from .matching import Matcher
from .normalize import clean_chars, heard
from .pipeline import EXPECTED, Scorer, expected_forms
from .records import ChangePreview, LexiconChange, Utterance
from .storage import Store
from .stored import JudgedSession, StoredVisit

CHANGES = ("threshold", "except", "off")
KINDS = REQUIRED_KINDS + ("taboo",)  # phrases whose hits make or spare findings
THRESHOLD_MIN, THRESHOLD_MAX = limits.THRESHOLD.low, limits.THRESHOLD.high


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
    """Store a change as the next lexicon version, with its audit row (hallchanges.apply)."""
    return hallchanges.apply(store, LEXICON, change, origin)


def undo(store: Store, version: int, actor: str, reason: str, origin: str = "") -> LexiconChange:
    """Revert one change: a new lexicon version without it (hallchanges.undo)."""
    return hallchanges.undo(store, LEXICON, version, actor, reason, origin)


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
            lexicon_dir: Path | None = None, today: date | None = None) -> ChangePreview:
    """What `change` would have changed on the live visits of the last `days` days.

    Each visit is judged again on its stored utterances, as it was cut (where visits begin
    and end stays), with the hall lexicon as it stands and with the change. A change that
    can only remove hits (off, an exception, a higher threshold) judges the visits whose
    stored hits hold the phrase; a lower threshold, or a session judged with another
    lexicon version, asks the matcher which visits hear the phrase at all.
    """
    compared = hallchanges.Compared(days, today)
    first, last = compared.first, compared.last
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
    for judged, groups in stored_speech(store, first, last, heard_in):
        pair = pairs[judged.profile or profiles.DEFAULT]
        for visit_id, utterances in groups.items():
            if heard_in is None and not pair.touches(utterances):
                continue
            old = pair.before.judge_as_cut(visit_id, utterances, judged.window)
            new = pair.after.judge_as_cut(visit_id, utterances, judged.window)
            compared.visit(judged, old.window, old.staff or judged.staff, old.start,
                           old.findings, new.findings, utterances,
                           ((old.score, old.verdict), (new.score, new.verdict)))
    return compared.preview(store, change, sum(judged.visits for judged in sessions))
