"""Phrase matching that survives speech recognition.

Phrases and utterances are compared as sequences of toneless pinyin syllables, each
syllable coded as one character so rapidfuzz aligns whole syllables: a homophone
substitution is free, a dropped character costs one edit. Candidate phrases come from an
index of syllable bigrams and skip-bigrams, so cost grows with the text, not the lexicon.
Short phrases must match their syllables exactly; a short match heard only as a homophone
must also sit on jieba word boundaries (再见 is not 在健身房). Where only pinyin was heard,
longer phrases are also compared with the initials and finals a small recogniser confuses
merged (loose pinyin); characters, when present, already carry the exact syllables.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .lexicon import Lexicon, Phrase
from .normalize import NormText, normalize
from .records import PhraseHit, Utterance

_RETROFLEX = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINALS = (("ing", "in"), ("eng", "en"))


def loose_syllable(syllable: str) -> str:
    """Merge what accents and small recognisers confuse: zh/z ch/c sh/s, n/l, -ing/-in, -eng/-en."""
    for hard, soft in _RETROFLEX:
        if syllable.startswith(hard):
            syllable = soft + syllable[len(hard):]
            break
    if syllable.startswith("n") and len(syllable) > 1 and syllable != "ng":
        syllable = "l" + syllable[1:]
    for hard, soft in _FINALS:
        if syllable.endswith(hard):
            return syllable[: -len(hard)] + soft
    return syllable


@dataclass
class MatchOptions:
    """How strict matching is; per lexicon kind, since a false taboo costs more than a missed 您好."""

    thresholds: dict[str, float] = field(default_factory=lambda: {
        "greeting": 75.0, "farewell": 75.0, "please": 80.0, "apology": 75.0,
        "waiting": 75.0, "thanks_reply": 75.0, "taboo": 80.0, "thanks": 80.0,
        "question": 85.0, "instruction": 85.0,
    })
    exact_below: int = 3  # phrases with fewer syllables than this match their syllables exactly
    loose_pinyin: bool = True  # pinyin-only speech: longer phrases also match loosely, see loose_syllable()


@dataclass(frozen=True)
class _Form:
    phrase: Phrase
    chars: str
    code: str
    loose: str  # '' for exact forms
    exceptions: tuple[str, ...]  # coded

    @property
    def exact(self) -> bool:
        return not self.loose


@dataclass(frozen=True)
class Span:
    """A phrase found in one normalised utterance, in unit positions [begin, end)."""

    phrase: Phrase
    begin: int
    end: int
    score: float


class Matcher:
    """Finds lexicon phrases in normalised utterances."""

    def __init__(self, lexicon: Lexicon, options: MatchOptions | None = None):
        self.options = options or MatchOptions()
        self._codes: dict[str, str] = {}
        self._forms: list[_Form] = []
        self._index: dict[str, list[int]] = {}
        for phrase in lexicon.phrases:
            exceptions = tuple(self._code(normalize(e).syllables) for e in phrase.exceptions)
            for form in phrase.forms:
                syllables = normalize(form).syllables
                exact = len(syllables) < self.options.exact_below
                self._forms.append(_Form(phrase, form, self._code(syllables),
                                         "" if exact else self._code(syllables, loose=True),
                                         exceptions))
        for n, form in enumerate(self._forms):
            for key in set(_keys(form.code)) | set(_keys(form.loose)):
                self._index.setdefault(key, []).append(n)

    def _code(self, syllables: Iterable[str], loose: bool = False) -> str:
        """One character per syllable; loose syllables get codes of their own (prefix ~)."""
        out = []
        for syllable in syllables:
            key = "~" + loose_syllable(syllable) if loose else syllable
            code = self._codes.get(key)
            if code is None:
                code = self._codes[key] = chr(0xF0000 + len(self._codes))
            out.append(code)
        return "".join(out)

    def find(self, norm: NormText) -> list[Span]:
        """Every phrase in the utterance, best span per phrase, overlaps within a kind resolved."""
        if not norm.syllables:
            return []
        text = self._code(norm.syllables)
        keys = set(text) | set(_keys(text))  # single syllables find one-syllable phrases (吗)
        loose = ""
        if self.options.loose_pinyin and not norm.chars:
            loose = self._code(norm.syllables, loose=True)
            keys |= set(_keys(loose))
        candidates = {n for key in keys for n in self._index.get(key, ())}
        best: dict[Phrase, Span] = {}
        for n in candidates:
            form = self._forms[n]
            span = self._align(form, text, norm)
            if span is None and loose and not form.exact:
                span = self._align(form, loose, norm, form.loose)
            if span is None or _excepted(form, text, span):
                continue
            known = best.get(form.phrase)
            if known is None or span.score > known.score:
                best[form.phrase] = span
        return _resolve_overlaps(best.values())

    def _align(self, form: _Form, text: str, norm: NormText, code: str = "") -> Span | None:
        phrase = form.phrase
        code = code or form.code
        if form.exact:
            begin = text.rfind(form.code) if phrase.position == "final" else text.find(form.code)
            while begin >= 0:
                end = begin + len(form.code)
                if _placed(phrase, end, len(text)) and _on_words(form, norm, begin, end):
                    return Span(phrase, begin, end, 100.0)
                begin = text.find(form.code, begin + 1)
            return None
        threshold = self.options.thresholds.get(phrase.kind, 80.0)
        if len(text) <= len(code):
            begin, end = 0, len(text)
        else:
            aligned = fuzz.partial_ratio_alignment(code, text, score_cutoff=threshold)
            if aligned is None:
                return None
            begin, end = aligned.dest_start, aligned.dest_end
        score = Indel.normalized_similarity(code, text[begin:end]) * 100
        if score < threshold:
            return None
        begin, end = _trim(code, text, begin, end)
        if not _placed(phrase, end, len(text)):
            return None
        return Span(phrase, begin, end, round(score, 1))

    def hits(self, utterance: Utterance, index: int, norm: NormText | None = None) -> list[PhraseHit]:
        """The phrase hits of one utterance, with their time spans."""
        norm = norm or normalize(utterance.text, utterance.pinyin)
        times = unit_times(utterance, len(norm))
        hits = []
        for span in self.find(norm):
            matched = (norm.chars[span.begin:span.end] if norm.chars
                       else " ".join(norm.syllables[span.begin:span.end]))
            phrase = span.phrase
            hits.append(PhraseHit(
                kind=phrase.kind, phrase=phrase.text, matched=matched, utterance=index,
                start=times[span.begin][0], end=times[span.end - 1][1], score=span.score,
                category=phrase.category, severity=phrase.severity))
        return hits


def _keys(code: str) -> Iterable[str]:
    if len(code) == 1:
        yield code
    for i in range(len(code) - 1):
        yield code[i:i + 2]
        if i + 2 < len(code):
            yield code[i] + "\0" + code[i + 2]


def _placed(phrase: Phrase, end: int, length: int) -> bool:
    return phrase.position != "final" or end >= length - 1


def _trim(code: str, text: str, begin: int, end: int) -> tuple[int, int]:
    """Shrink an aligned window to the syllables that really match the phrase."""
    equal = [op for op in Indel.opcodes(code, text[begin:end]) if op.tag == "equal"]
    if not equal:
        return begin, end
    return begin + equal[0].dest_start, begin + equal[-1].dest_end


def _excepted(form: _Form, text: str, span: Span) -> bool:
    """An exception (a polite phrasing containing the phrase) overlapping the hit wins."""
    for code in form.exceptions:
        start = text.find(code)
        while start >= 0:
            if start < span.end and span.begin < start + len(code):
                return True
            start = text.find(code, start + 1)
    return False


def _on_words(form: _Form, norm: NormText, begin: int, end: int) -> bool:
    """A short phrase heard only as homophones must not cut through a word."""
    if not norm.chars or norm.chars[begin:end] == form.chars:
        return True
    bounds = _word_bounds(norm.chars)
    return begin in bounds and end in bounds


@lru_cache(maxsize=4096)
def _word_bounds(chars: str) -> frozenset[int]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    bounds, pos = {0}, 0
    for word in jieba.cut(chars, HMM=False):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


def _resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Within a kind, overlapping phrases are one event: keep the longest, then the best."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.begin), -s.score, s.begin)):
        if not any(k.phrase.kind == span.phrase.kind and k.begin < span.end and span.begin < k.end
                   for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s.begin, s.phrase.kind))


def unit_times(utterance: Utterance, units: int) -> list[tuple[float, float]]:
    """Start and end time of each unit: from word timings when they fit, else spread evenly."""
    if units == 0:
        return []
    if utterance.words:
        times = []
        for word in utterance.words:
            n = len(normalize(word.text) if utterance.text else normalize("", word.text))
            for k in range(n):
                step = (word.end - word.start) / n
                times.append((word.start + k * step, word.start + (k + 1) * step))
        if len(times) == units:
            return times
    step = (utterance.end - utterance.start) / units
    return [(utterance.start + k * step, utterance.start + (k + 1) * step) for k in range(units)]
