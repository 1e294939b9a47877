"""Phrase matching that survives speech recognition.

Phrases and utterances are compared as sequences of toneless pinyin syllables, each
syllable coded as one character so rapidfuzz aligns whole syllables: a homophone
substitution is free, a wrong, dropped or added syllable costs one edit, and a phrase
tolerates a number of edits that grows with its length (threshold per kind, or a hall's
own per phrase). Candidates come from an automaton of phrase pieces, so cost grows with
the text, not the lexicon.
Short phrases must match their syllables exactly; a short match heard only as a homophone
must also sit on jieba word boundaries (再见 is not 在健身房). A phrase heard inside one
of its exceptions (不知道 in 不知道您) is no hit. Where only pinyin was heard, longer
phrases are also compared with the initials and finals a small recogniser confuses
merged (loose pinyin); characters, when present, already carry the exact syllables, and a
fuzzy match in them must keep what tells the phrase's words (_words_kept). A required
courtesy phrase is also heard by sound, in characters or pinyin: the confusions of regional
accents merged (sound_syllable), the phrase whole and in its tones where its own syllables
were heard, since staff with an accent still greet (上午好 heard 山无好).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from . import subject
from .hanzi import NEUTRAL, syllable_tone
from .lexicon import CUE_KINDS, REQUIRED_KINDS, Lexicon, Phrase
from .normalize import NormText, char_syllable, clean_chars, heard, normalize
from .records import PhraseHit, Utterance

_RETROFLEX = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINALS = (("ing", "in"), ("eng", "en"))


_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q",
             "x", "r", "z", "c", "s", "y", "w")


def initial(syllable: str) -> str:
    """The consonant a syllable opens with ('' for a vowel): 'zh' of zhang, 'f' of fan."""
    return next((i for i in _INITIALS if syllable.startswith(i)), "")


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


# f/h: a southern accent says 飞 fei as 灰 hui, 发 fa as 花 hua (hu- before a vowel is f-)
_HU_AS_F = {"hu": "fu", "hua": "fa", "huai": "fai", "huan": "fan", "huang": "fang",
            "hui": "fei", "hun": "fen", "huo": "fo"}


def sound_syllable(syllable: str) -> str:
    """What a syllable sounds like through the confusions of regional accents, which a
    recogniser then writes as heard: loose_syllable's (zh/z ch/c sh/s, n/l, -ing/-in,
    -eng/-en) and -ang/-an (上 shang heard 山 shan) and f/hu (飞/灰). Toneless: a form
    heard by sound keeps its tones where its own syllables were heard (_in_tune)."""
    syllable = loose_syllable(_HU_AS_F.get(syllable, syllable))
    return syllable[:-1] if syllable.endswith("ang") else syllable


@dataclass
class MatchOptions:
    """How strict matching is; per lexicon kind, since a false taboo costs more than a missed 您好.

    A threshold t lets a phrase of n syllables be heard with floor(n * (100 - t) / 100)
    syllables wrong, dropped or added (at 75: none below 4 syllables, one up to 7, two up to
    11); below `anchor_below` syllables the edit must fall inside the phrase.
    """

    thresholds: dict[str, float] = field(default_factory=lambda: {
        "greeting": 75.0, "farewell": 75.0, "please": 80.0, "apology": 75.0,
        "waiting": 75.0, "thanks_reply": 75.0, "taboo": 75.0, "thanks": 80.0,
        "question": 85.0, "instruction": 85.0, "rating_prompt": 75.0, "rating_pressure": 80.0,
        "deflection": 100.0, "direction": 80.0, "missing": 85.0,
        "returning": 85.0, "request": 85.0,
    })
    exact_below: int = 3  # phrases with fewer syllables than this match their syllables exactly
    # a phrase shorter than this heard with an edit must keep its first and last syllable:
    # 快下赌了 may be 快下班了, but 下班了 plus any syllable is not
    anchor_below: int = 6
    min_heard: int = 1  # fewest of a phrase's syllables heard right in a fuzzy match
    most_lost: int = 99  # most of a phrase's syllables missed or misheard in a fuzzy match
    # a fuzzy form shorter than `swap_from` syllables may not have one swapped, and one
    # shorter than `insert_from` may not gain one: 请收好 is not 请走好 misheard, nor is
    # 上午的号 上午好; losing a syllable is what recognisers do
    swap_from: int = 0
    insert_from: int = 0
    loose_pinyin: bool = True  # pinyin-only speech: longer phrases match loosely too
    # in characters a fuzzy hit of these kinds must keep what tells the phrase's words
    # (_words_kept): a false taboo turns a light red, while a greeting missed costs a
    # verdict as a greeting found falsely does
    word_kinds: tuple[str, ...] = ("taboo",)
    # Where a phrase is expected (a greeting in the visit's first staff words, a farewell in
    # its last) half of it heard right is evidence enough: a threshold for those two places.
    expected_threshold: float = 50.0
    # Speech heard from audio: a hit of these kinds stands only when the recogniser's own
    # syllables around it agree with the phrase (a keyword spotter fires on 本期电费 for
    # 不可能的): at least `spotter_agreement` similar (0-100), `long_agreement` from
    # `long_from` syllables, exactly below `exact_agreement_below` (不知道 is also an
    # ordinary word); with that many of its syllables heard, or fewer heard together and
    # in their tones (see Matcher.holds); and no exception of the phrase (不知道的话) heard
    # there at least `exception_veto` similar.
    evidence_kinds: tuple[str, ...] = ("taboo",)
    spotter_agreement: float = 50.0
    exact_agreement_below: int = 4
    long_from: int = 5
    long_agreement: float = 30.0
    exception_veto: float = 85.0
    # Required courtesy phrases of these kinds are matched by sound too (sound_syllable: the
    # confusions of regional accents): 上午好 heard 山无好 is still the greeting. A form of
    # `_SOUND_FROM` syllables or more, heard whole, in tune where its own syllables are
    # (_in_tune), and only where the phrase was not heard otherwise.
    sound_kinds: tuple[str, ...] = REQUIRED_KINDS
    # search only this many syllables at each end of an utterance (0: all of it); where a
    # phrase is expected it is at an end, and a loose search through a whole long line
    # finds a candidate at nearly every syllable
    edges: int = 0

    def expecting(self) -> "MatchOptions":
        """The options for phrases where they are expected: looser, never below two syllables."""
        return MatchOptions(
            thresholds={"greeting": self.expected_threshold, "farewell": self.expected_threshold},
            exact_below=2, anchor_below=0, min_heard=2, most_lost=1, swap_from=99,
            insert_from=4,
            loose_pinyin=self.loose_pinyin, evidence_kinds=(), edges=24,
            sound_kinds=tuple(k for k in self.sound_kinds if k in ("greeting", "farewell")))


_SHORTEST_FUZZY = 4  # a fuzzy match spans this many syllables: 我知道 is no 我不知道
# ...or one fewer in characters, where three characters written in order are evidence
# (有没完 is 有完没完 with a syllable lost), if no word of one syllable was lost (see
# _words_kept)
_SHORTEST_FUZZY_CHARS = 3
# ...and an anchored form of this many syllables may lose its first or last one in
# characters when the rest is written as the phrase writes it (投诉去吧 is 你投诉去吧)
_EDGE_LOST_FROM = 4
# a word that lost a syllable in a form shorter than this must keep the rest as the phrase
# writes it (_words_kept); a longer form says itself with one of its words in homophones
_WORDS_TOLD_BELOW = 6
# a form of fewer syllables is not heard by sound: 您好 would be 林浩 and 零号, 再见 在讲
_SOUND_FROM = 3


@dataclass(frozen=True)
class _Form:
    phrase: Phrase
    chars: str
    code: str
    loose: str  # the code with loose_syllable() applied; '' for short forms
    sound: str  # the code with sound_syllable() applied; '' below _SOUND_FROM, other kinds
    exact: bool  # short: no edits, and homophones only on word boundaries
    errors: int  # syllable edits tolerated
    anchored: bool  # the edit must fall inside: first and last syllable heard right
    exception: bool  # one of the phrase's exceptions, not the phrase


@dataclass(frozen=True)
class Span:
    """A phrase found in one normalised utterance, in unit positions [begin, end)."""

    phrase: Phrase
    begin: int
    end: int
    score: float


_REMEMBERED = 512  # texts whose phrases a matcher keeps (`Matcher.find`)


class Matcher:
    """Finds lexicon phrases in normalised utterances.

    A form heard with at most k syllable edits, cut into k + 1 pieces, keeps at least one
    piece intact (pigeonhole), so finding the pieces finds every candidate; only candidates
    are aligned, and only in the windows their intact pieces allow.
    """

    def __init__(self, lexicon: Lexicon, options: MatchOptions | None = None):
        self.options = options or MatchOptions()
        o = self.options
        self._checks_edits = (o.min_heard, o.most_lost, o.swap_from, o.insert_from) != (1, 99, 0, 0)
        self._strict = _Coding()
        self._loose = _Coding(loose_syllable, by_initial=True)  # pinyin-only speech
        self._sound = _Coding(sound_syllable)  # courtesy phrases (`sound_kinds`)
        self._forms: list[_Form] = []
        for phrase in lexicon.phrases:
            threshold = (phrase.threshold if phrase.threshold is not None
                         else self.options.thresholds.get(phrase.kind, 80.0))
            texts = [(f, False) for f in phrase.forms] + [(e, True) for e in phrase.exceptions]
            for text, exception in texts:
                norm = normalize(text)
                exact = len(norm) < self.options.exact_below
                code = self._strict.phrase(norm.syllables)
                errors = 0 if exact else int(len(code) * (100.0 - threshold) / 100.0 + 1e-9)
                anchored = errors > 0 and len(code) < o.anchor_below
                loose = "" if exact or not o.loose_pinyin else self._loose.phrase(
                    norm.syllables)
                sound = "" if (exception or len(norm) < _SOUND_FROM
                               or phrase.kind not in o.sound_kinds) else (
                    self._sound.phrase(norm.syllables))
                self._forms.append(_Form(phrase, norm.chars, code, loose, sound, exact,
                                         errors, anchored, exception))
        for n, form in enumerate(self._forms):
            for coding, code, errors in ((self._strict, form.code, form.errors),
                                         (self._loose, form.loose, form.errors),
                                         (self._sound, form.sound, 0)):  # heard whole
                for offset, piece in _pieces(code, errors) if code else ():
                    pins = (offset == 0) | (offset + len(piece) == len(code)) << 1 or 4
                    coding.add(piece, (n, offset, pins))
        self._strict.build()
        self._loose.build()
        self._sound.build()
        self._phrases = {(p.kind, p.text): p for p in lexicon.phrases}
        self._agreement = _Agreement()
        self._found: dict[tuple, tuple[Span, ...]] = {}  # find's, newest last

    def holds(self, hit: PhraseHit, utterance: Utterance, norm: NormText) -> bool:
        """Does a hit in speech heard from audio hold up against the recogniser's syllables
        around it? A short phrase the recogniser decoded as another word does not, whoever
        found it (_decoded_otherwise: a keyword spotter fires on 那边 for 哪边, tones
        unweighed); beyond that, kinds outside `evidence_kinds` always do."""
        o = self.options
        phrase = self._phrases.get((hit.kind, hit.phrase))
        if phrase is None:
            return True
        if self._decoded_as_another_word(phrase, hit, utterance, norm):
            return False
        if hit.kind not in o.evidence_kinds:
            return True
        times = unit_times(utterance, len(norm))
        toned = utterance.pinyin.split()
        if len(toned) != len(norm):
            toned = list(norm.syllables)  # characters heard: no tones to compare
        near = [(syllable, heard) for syllable, heard, (begin, end)
                in zip(norm.syllables, toned, times)
                if end > hit.start - _NEAR_BEFORE_S and begin < hit.end + _NEAR_AFTER_S]
        syllables = [syllable for syllable, _ in near]
        if phrase.exceptions and (self._agreement.whole(phrase.exceptions, syllables)
                                  >= o.exception_veto):
            return False
        spotted = any(s.kind == hit.kind and s.phrase == hit.phrase and s.start < hit.end + 1
                      and hit.start < s.end + 1 for s in utterance.spotted)
        least = self._needed(phrase.text)
        for form in phrase.forms:
            similarity, same = self._agreement.heard(form, syllables)
            if similarity < max(least, self._needed(form)):
                continue
            if len(same) >= o.exact_agreement_below:
                return True
            # fewer syllables are evidence only together (one syllable slipped in at most):
            # half the form where the spotter heard the phrase too, else in their tones
            # (饭不饭 is no 烦不烦): a short form whole and in tune, three of a longer one
            # with one tone off
            expected = _tones(form)
            if not same or same[-1][1] - same[0][1] >= len(same) + 1:
                continue
            off = sum(not _same_tone(expected[i], syllable_tone(near[j][1])[1])
                      for i, j in same)
            if (spotted and 2 * len(same) >= len(expected)) or (
                    len(same) == len(expected) and off == 0) or (
                    len(same) == 3 < len(expected) and off <= 1):
                return True
        return False

    def reported(self, hit: PhraseHit, utterance: Utterance, norm: NormText) -> bool:
        """Is a hit of a phrase marked `reported` said of a third person in its clause
        (subject.py: 教练不知道每个队员的任务…)? Judged where the matcher hears the phrase in
        characters, typed or decoded from the pinyin heard, so a keyword spotter's hit
        there is judged alike; clauses end at punctuation when typed, at pauses when heard."""
        phrase = self._phrases.get((hit.kind, hit.phrase))
        chars = norm.chars or _decoded_chars(utterance, norm)
        if phrase is None or not phrase.reported or not chars:
            return False
        times = unit_times(utterance, len(norm))
        bounds = (subject.pauses(times) if utterance.heard_by
                  else subject.clauses(utterance.text))
        return any(subject.reported(chars, s.begin, s.end, bounds) for s in self.find(norm)
                   if s.phrase is phrase and times[s.begin][0] < hit.end + _NEAR_AFTER_S
                   and hit.start - _NEAR_BEFORE_S < times[s.end - 1][1])

    def _needed(self, form: str) -> float:
        """How well the recogniser must have heard a form, by its length without a closing
        particle (不可能的 is as short, and as ordinary, as 不可能). A phrase's variant is
        held to its own bar and to the phrase's: 根本不可能 is no more than 不可能的."""
        o = self.options
        length = len(normalize(form.rstrip(_TRAILING) or form).syllables)
        return (100.0 if length < o.exact_agreement_below
                else o.long_agreement if length >= o.long_from else o.spotter_agreement)

    def find(self, norm: NormText, tones: tuple[int | None, ...] = (),
             decoded: str = "") -> list[Span]:
        """Every phrase in the utterance, best span per phrase, overlaps within a kind resolved.
        Where only pinyin was heard, `tones` (_heard_tones) and `decoded`, the characters
        decoded from it, if any, tell a phrase heard by sound (_in_tune, _on_bounds).
        Remembered for the last `_REMEMBERED` texts: live, a visit is judged again on every
        partial result and tick, its first and last staff words matched again each time."""
        key = (norm, tones, decoded)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = tuple(self._find(norm, tones, decoded))
            if len(self._found) > _REMEMBERED:
                self._found.pop(next(iter(self._found)), None)  # the oldest
        return list(found)

    def _find(self, norm: NormText, tones: tuple[int | None, ...], decoded: str) -> list[Span]:
        if not norm.syllables:
            return []
        # by the phrase's id: a Phrase's own hash walks all its fields, once per candidate
        best: dict[int, tuple[Span, int]] = {}
        excepted: dict[Phrase, list[Span]] = {}
        sounded: set[int] = set()  # found only by sound
        passes = [(self._strict, "code")]
        if self.options.loose_pinyin and not norm.chars:
            passes.append((self._loose, "loose"))
        if self.options.sound_kinds:
            passes.append((self._sound, "sound"))
        for coding, attribute in passes:
            by_sound = coding is self._sound
            text = coding.text(norm.syllables)
            for (n, start), pins in self._candidates(coding, text).items():
                form = self._forms[n]
                known = best.get(id(form.phrase))  # equal scores: the form listed first
                if by_sound and known:
                    continue  # by sound only what was not heard as its own syllables
                if known and known[0].score == 100.0 and known[1] < n and not form.exception:
                    continue  # nothing can beat it
                code = getattr(form, attribute)
                if form.anchored and not _edge_heard(code, form.errors, text, start, pins,
                                                     coding.same_edge) and not (
                        form.phrase.kind in self.options.word_kinds
                        and _edge_may_be_lost(code, text, start, norm)):
                    continue
                span = self._align(form, code, text, start, pins, norm, coding.same_edge,
                                   0 if by_sound else form.errors)
                if span is None or by_sound and not (
                        _in_tune(form, span, norm, tones)
                        and _on_bounds(norm.chars or decoded, span)):
                    continue
                if form.exception:
                    excepted.setdefault(form.phrase, []).append(span)
                elif known is None or (span.score, -n) > (known[0].score, -known[1]):
                    best[id(form.phrase)] = known = (span, n)
                    if by_sound:
                        sounded.add(id(form.phrase))
        spans = [span for span, _ in best.values()]
        if len(spans) < 2 and not excepted:
            return spans
        # a phrase heard by sound explains nothing away (a taboo inside it stays a taboo)
        polite = [s for s in spans if id(s.phrase) not in sounded] + [
            e for found in excepted.values() for e in found]
        kept = [s for s in spans
                if not any(_beyond(e, s) for e in excepted.get(s.phrase, ()))
                and not any(_explains(o, s) for o in polite)]
        return _resolve_overlaps(kept)

    def _candidates(self, coding, text: str) -> dict[tuple[int, int], int]:
        edges = self.options.edges
        if not edges or len(text) <= 2 * edges:
            return coding.candidates(text)
        tail = len(text) - edges
        found = coding.candidates(text[:edges])
        for (n, start), pins in coding.candidates(text[tail:]).items():
            found[n, start + tail] = found.get((n, start + tail), 0) | pins
        return found

    def _align(self, form: _Form, code: str, text: str, start: int, pins: int,
               norm: NormText, same_edge, errors: int) -> Span | None:
        """The span around `start` where the form is heard within its tolerance, if any.

        An intact piece pins the span: its begin when the piece opens the form (pins & 1),
        its end when it closes it (pins & 2); an intact middle piece (pins & 4) pins
        neither, but leaves at least one edit to each side.
        """
        k, n, m = errors, len(text), len(code)
        whole = start >= 0 and text[start:start + m] == code
        if k == 0 or (pins == 3 and whole):
            end = start + m
            if not whole or not _placed(form.phrase, end, n):
                return None
            if form.exact and not _on_words(form, norm, start, end):
                return None
            if not self._tells_words(form, code, text, norm, start, end):
                return None
            return Span(form.phrase, start, end, 100.0)
        windows = []
        if pins & 1:
            windows += [(start, end) for end in range(start + m - k, start + m + k + 1)]
        if pins & 2:
            windows += [(begin, start + m) for begin in range(start - k, start + k + 1)]
        if pins & 4:  # only a middle piece in place: each side holds one of the k edits
            windows += [(start + i, start + m + j) for i in range(1 - k, k)
                        for j in range(1 - k, k)]
        if pins not in (1, 2, 4):
            windows = list(dict.fromkeys(windows))
        windows = [(b, e, False) for b, e in windows if 0 <= b < e <= n]
        if form.anchored:  # both edges heard, or one lost (_edge_lost), which ranks after
            shortest = min(m, _SHORTEST_FUZZY_CHARS if norm.chars else _SHORTEST_FUZZY)
            windows = [(b, e, not (same_edge(text[b], code[0])
                                   and same_edge(text[e - 1], code[-1])))
                       for b, e, _ in windows if e - b >= shortest]
            windows = [(b, e, lost) for b, e, lost in windows
                       if not lost or (form.phrase.kind in self.options.word_kinds
                                       and _edge_lost(code, text[b:e], norm))]
        aligned = []
        for begin, end, lost in windows:
            edits = Levenshtein.distance(code, text[begin:end], score_cutoff=k)
            if edits <= k:
                aligned.append(((edits, lost, abs(end - begin - m)), begin, end))
        aligned.sort(key=lambda window: window[0])  # fewest edits, then nearest in length
        best = next((a for a in aligned
                     if self._tells_words(form, code, text, norm, a[1], a[2])), None)
        if best is None:
            return None
        (edits, *_), begin, end = best
        if edits and not self._heard_enough(code, text[begin:end]):
            return None
        begin, end = _trim(code, text, begin, end)
        if not _placed(form.phrase, end, n):
            return None
        return Span(form.phrase, begin, end, round(100.0 * (1 - edits / len(code)), 1))

    def _tells_words(self, form: _Form, code: str, text: str, norm: NormText, begin: int,
                     end: int) -> bool:
        """In characters, does a span keep what tells the form's words (_words_kept)?
        Checked for `word_kinds`, and for every kind where an anchored form is heard in a
        short span (_SHORTEST_FUZZY_CHARS); not where a phrase is expected (unanchored), nor
        for an exception: these rules keep false hits out, and an exception they refused
        would let one in (不知道能部之 is still 不知道能不能 heard through noise)."""
        short = end - begin < min(len(code), _SHORTEST_FUZZY)
        if not norm.chars or form.exception or not (short and form.anchored
                                  or form.phrase.kind in self.options.word_kinds):
            return True
        return _words_kept(form, code, text[begin:end], norm.chars, begin, short)

    def _heard_enough(self, code: str, span: str) -> bool:
        options = self.options
        if not self._checks_edits:
            return True
        tags = [op.tag for op in Levenshtein.editops(code, span)]
        swapped = tags.count("replace")
        lost = swapped + tags.count("delete")
        if (swapped and len(code) < options.swap_from) or (
                "insert" in tags and len(code) < options.insert_from):
            return False
        return len(code) - lost >= options.min_heard and lost <= options.most_lost

    def hits(self, utterance: Utterance, index: int,
             norm: NormText | None = None) -> list[PhraseHit]:
        """The phrase hits of one utterance, with their time spans."""
        norm = norm or heard(utterance)
        times = unit_times(utterance, len(norm))
        chars = norm.chars or _decoded_chars(utterance, norm)
        hits = []
        found = (self.find(norm) if norm.chars
                 else self.find(norm, _heard_tones(utterance, norm), chars))
        for span in found:
            if not norm.chars and chars and self._decoded_otherwise(span, chars):
                continue
            matched = (chars[span.begin:span.end] if chars
                       else " ".join(norm.syllables[span.begin:span.end]))
            phrase = span.phrase
            hits.append(PhraseHit(
                kind=phrase.kind, phrase=phrase.text, matched=matched, utterance=index,
                start=times[span.begin][0], end=times[span.end - 1][1], score=span.score,
                category=phrase.category, severity=phrase.severity))
        return hits

    def _decoded_as_another_word(self, phrase: Phrase, hit: PhraseHit, utterance: Utterance,
                                 norm: NormText) -> bool:
        """Is every place near the hit (a spotter's times are estimates) where the
        recogniser heard a short form's syllables decoded as another dictionary word
        (_decoded_otherwise)?"""
        chars = "" if norm.chars else _decoded_chars(utterance, norm)
        if not chars:
            return False
        times = unit_times(utterance, len(norm))
        near = [k for k, (begin, end) in enumerate(times)
                if end > hit.start - _NEAR_BEFORE_S and begin < hit.end + _NEAR_AFTER_S]
        places = [Span(phrase, k, k + len(syllables), 100.0)
                  for syllables in {normalize(form).syllables for form in phrase.forms}
                  if near and len(syllables) < self.options.exact_below
                  for k in range(near[0], near[-1] - len(syllables) + 2)
                  if norm.syllables[k:k + len(syllables)] == syllables]
        return bool(places) and all(self._decoded_otherwise(s, chars) for s in places)

    def _decoded_otherwise(self, span: Span, chars: str) -> bool:
        """Pinyin-only speech: was a short phrase decoded as another dictionary word? The
        decoder favours the lexicon's phrases and weighs the tones heard, so a recogniser
        heard 那边 (nà biān), not 哪边, where it wrote 那边; matching the syllables without
        tones alone made a customer's statement a question (as `_on_words` does for
        characters)."""
        said = chars[span.begin:span.end]
        return (span.end - span.begin < self.options.exact_below and 1 < len(said)
                and said not in span.phrase.forms and _dictionary().get(said, 0) > 0)


class _Coding:
    """Syllables as one character each (strict, or merged by `key`: loose_syllable,
    sound_syllable), and the phrase pieces to find.

    Syllables no phrase uses all share one code: they can never match a phrase syllable.
    The pieces go into an Aho-Corasick automaton, so one pass over an utterance finds
    every piece in it, whatever the lexicon's size.
    """

    _UNKNOWN = chr(0xF0000)

    def __init__(self, key: Callable[[str], str] | None = None, by_initial: bool = False):
        self._keyed = key
        self.loose = by_initial  # same_edge() by initials; heard syllables get codes
        self.codes: dict[str, str] = {}
        self.heard: dict[str, str] = {}
        self.initials: dict[str, str] = {}  # loose: code -> initial, for same_edge()
        self._pieces: dict[str, list[tuple[int, int, int]]] = {}
        self._automaton = None

    def _key(self, syllable: str) -> str:
        return self._keyed(syllable) if self._keyed else syllable

    def phrase(self, syllables: Iterable[str]) -> str:
        out = []
        for syllable in syllables:
            key = self._key(syllable)
            out.append(self._new(key))
        return "".join(out)

    def _new(self, key: str) -> str:
        code = self.codes.get(key)
        if code is None:
            code = self.codes[key] = chr(0xF0001 + len(self.codes))
            self.initials[code] = initial(key)
        return code

    def same_edge(self, heard: str, wanted: str) -> bool:
        """Is a phrase's first or last syllable heard? By its code (strict, or by sound); by
        its initial alone in loose (pinyin-only) speech, where a small recogniser mishears
        finals far more than initials (烦 heard as fa)."""
        if heard == wanted:
            return True
        return (self.loose and heard != self._UNKNOWN
                and self.initials[heard] == self.initials[wanted])

    def add(self, piece: str, entry: tuple[int, int, int]) -> None:
        self._pieces.setdefault(piece, []).append(entry)

    def build(self) -> None:
        """Compile the pieces added so far into the automaton."""
        self._automaton = None
        if self._pieces:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
            for piece, entries in self._pieces.items():
                automaton.add_word(piece, (len(piece) - 1, tuple(entries)))
            automaton.make_automaton()
            self._automaton = automaton

    def text(self, syllables: tuple[str, ...]) -> str:
        heard = self.heard
        try:
            return "".join(map(heard.__getitem__, syllables))
        except KeyError:  # a syllable heard for the first time
            for syllable in syllables:
                if syllable not in heard:  # loose: a code of its own, for same_edge()
                    key = self._key(syllable)
                    heard[syllable] = self._new(key) if self.loose else self.codes.get(
                        key, self._UNKNOWN)
            return "".join(map(heard.__getitem__, syllables))

    def candidates(self, text: str) -> dict[tuple[int, int], int]:
        """(form, where it would start) for every form a piece of which is heard intact,
        with which pieces (1: the opening one, 2: the closing one, 4: a middle one)."""
        found: dict[tuple[int, int], int] = {}
        if self._automaton is None:
            return found
        get = found.get
        for last, (back, entries) in self._automaton.iter(text):
            at = last - back
            for form, offset, pins in entries:
                key = (form, at - offset)
                found[key] = get(key, 0) | pins
        return found


def _edge_heard(code: str, k: int, text: str, start: int, pins: int, same_edge) -> bool:
    """An anchored form's unpinned outer syllable must be heard where its k edits allow it:
    a cheap test that spares most alignments."""
    if pins == 1:
        end = start + len(code)
        return any(same_edge(c, code[-1]) for c in text[max(0, end - 1 - k):end + k])
    if pins == 2:
        return any(same_edge(c, code[0]) for c in text[max(0, start - k):start + k + 1])
    return True


def _edge_lost(code: str, heard: str, norm: NormText) -> bool:
    """Is an anchored form heard in characters without its first or last syllable? A form
    of `_EDGE_LOST_FROM` syllables says enough without it (投诉去吧 of 你投诉去吧, 就这态度
    of 我就这态度) if the rest keeps the phrase's words (_words_kept, so only for the kinds
    it checks); an exception too (果不知道 of 如果不知道 still says the polite phrase)."""
    return bool(norm.chars) and len(code) >= _EDGE_LOST_FROM and heard in (code[1:], code[:-1])


def _edge_may_be_lost(code: str, text: str, start: int, norm: NormText) -> bool:
    """Before aligning: is the form, were it to start at `start`, heard there without one
    of its edges (_edge_lost)? As cheap as _edge_heard, which it stands in for."""
    m = len(code)
    return start + 1 >= 0 and (_edge_lost(code, text[start + 1:start + m], norm)
                               or _edge_lost(code, text[max(start, 0):start + m - 1], norm))


def _heard_places(code: str, heard: str) -> dict[int, int]:
    """A form's places heard right in an aligned span -> their places in the span."""
    places = {}
    for op in Levenshtein.opcodes(code, heard):
        if op.tag == "equal":
            places.update(zip(range(op.src_start, op.src_end),
                              range(op.dest_start, op.dest_end)))
    return places


def _written_across(form: _Form, heard_at: dict[int, int], chars: str, begin: int) -> bool:
    """Did the recogniser write a word across the phrase's words where it wrote homophones,
    not the phrase's characters: over an end of the span, or between two of its words with
    both characters there misheard? Then it heard that word, not the phrase: 布置到 is no
    不知道 (布置 over 不|知), 作业没办法 no 也没办法 (作业 over its start)."""
    if not heard_at:
        return False
    first, last = min(heard_at), max(heard_at)

    def misheard(i: int) -> bool:
        return chars[begin + heard_at[i]] != form.chars[i]

    cuts = [begin + heard_at[first]] if misheard(first) else []
    cuts += [begin + heard_at[last] + 1] if misheard(last) else []
    cuts += [begin + heard_at[p] for _, p in _words(form.chars)[:-1]
             if p - 1 in heard_at and p in heard_at and heard_at[p] == heard_at[p - 1] + 1
             and misheard(p - 1) and misheard(p)]
    return bool(cuts) and not set(cuts) <= _word_bounds(chars)


def _adds_nothing(chars: str, place: int) -> bool:
    """Is a form's character at `place` a particle it closes with, which adds nothing to
    what it says when lost (你有病 of 你有病啊)? Not 的 (不可能 is no 不可能的: an everyday
    word), nor an opening 你 (自己看 is no 你自己看: 你 for 您 is what makes it curt)."""
    return place == len(chars) - 1 and chars[-1] in PARTICLES


def _words_kept(form: _Form, code: str, heard: str, chars: str, begin: int,
                short: bool) -> bool:
    """In characters (`chars`, the span heard from `begin`), does a match keep what tells
    the phrase's words? No word the recogniser wrote crosses them in homophones
    (_written_across). A word that lost a syllable is told by the rest of it, written as the
    phrase writes it in a form under `_WORDS_TOLD_BELOW` syllables (已经办了 is 已经办结了,
    not 已经下班了 with 下 lost and 班 a homophone); no word the recogniser wrote joins
    syllables either side of a lost one (不能 in 这不能办 is no 这不可能); in a short span
    (`short`) no word of one syllable may be lost but a closing particle: it may be all the
    phrase says (不 of 我不知道, 哪 of 我哪知道 leave 我知道)."""
    heard_at = _heard_places(code, heard)
    if _written_across(form, heard_at, chars, begin):
        return False
    if len(heard_at) == len(code):
        return True  # nothing lost, only added
    for first, last in _words(form.chars):
        places = range(first, last)
        if all(i in heard_at for i in places):
            continue
        if last - first == 1:
            if short and not _adds_nothing(form.chars, first):
                return False
        elif len(code) < _WORDS_TOLD_BELOW and any(
                chars[begin + heard_at[i]] != form.chars[i] for i in places if i in heard_at):
            return False
    kept = sorted(heard_at.items())
    gaps = [a + 1 for (i, a), (j, b) in zip(kept, kept[1:]) if j > i + 1 and b == a + 1]
    if not gaps:
        return True
    bounds = _word_bounds(chars[begin:begin + len(heard)])
    return all(gap in bounds for gap in gaps)


def _overlap(a: Span, b: Span) -> bool:
    return a.begin < b.end and b.begin < a.end


def _beyond(exception: Span, span: Span) -> bool:
    """An exception heard over a hit and reaching past it: 不知道 in 不知道您 (an exception
    heard only as far as the phrase itself is the phrase)."""
    return _overlap(exception, span) and (exception.begin < span.begin or exception.end > span.end)


def _explains(better: Span, span: Span) -> bool:
    """Another rule phrase (or an exception) heard over most of a span, at least as long,
    explains it away: heard better (欢迎来到 is no 欢迎再来 with a syllable lost), or polite
    and longer (a taboo inside a polite phrase is part of the polite phrase)."""
    if better.phrase is span.phrase or better.phrase.kind in CUE_KINDS:
        return False
    length, other = span.end - span.begin, better.end - better.begin
    shared = min(span.end, better.end) - max(span.begin, better.begin)
    if other < length or 2 * shared < length:
        return False
    return better.score > span.score or (
        span.phrase.kind == "taboo" and better.phrase.kind in REQUIRED_KINDS and other > length)


def _pieces(code: str, errors: int) -> list[tuple[int, str]]:
    """Cut a form into errors + 1 nearly equal pieces, with their offsets."""
    count = errors + 1
    bounds = [round(i * len(code) / count) for i in range(count + 1)]
    return [(bounds[i], code[bounds[i]:bounds[i + 1]]) for i in range(count)]


def _placed(phrase: Phrase, end: int, length: int) -> bool:
    return phrase.position != "final" or end >= length - 1


def _trim(code: str, text: str, begin: int, end: int) -> tuple[int, int]:
    """Shrink an aligned window to the syllables that really match the phrase."""
    equal = [op for op in Levenshtein.opcodes(code, text[begin:end]) if op.tag == "equal"]
    if not equal:
        return begin, end
    return begin + equal[0].dest_start, begin + equal[-1].dest_end


def _on_words(form: _Form, norm: NormText, begin: int, end: int) -> bool:
    """A short phrase heard only as homophones must not be a dictionary word of its own,
    nor cut through a word: 在见 may be 再见, but a recogniser that wrote 那边 meant 那边,
    not 哪边, and 在健身房 holds no 再见."""
    heard = norm.chars[begin:end]
    if not norm.chars or heard == form.chars:
        return True
    if end - begin > 1 and _dictionary().get(heard, 0) > 0:
        return False
    bounds = _word_bounds(norm.chars)
    return begin in bounds and end in bounds


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """jieba's word frequencies (prefixes of words are listed with 0)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


@lru_cache(maxsize=4096)
def _words(chars: str) -> tuple[tuple[int, int], ...]:
    """Where a text's words are, by jieba's dictionary: (begin, end) in characters."""
    bounds = sorted(_word_bounds(chars)) if chars else []
    return tuple(zip(bounds, bounds[1:]))


@lru_cache(maxsize=4096)
def _word_bounds(chars: str) -> frozenset[int]:
    import jieba

    _dictionary()
    bounds, pos = {0}, 0
    for word in jieba.cut(chars, HMM=False):
        pos += len(word)
        bounds.add(pos)
    return frozenset(bounds)


@lru_cache(maxsize=4096)
def _tones(form: str) -> tuple[tuple[str, int | None, str], ...]:
    """Each character of a form with its toneless syllable and tone."""
    from pypinyin import Style, pinyin

    chars = clean_chars(form)
    readings = pinyin(chars, style=Style.TONE3, neutral_tone_with_five=True)
    return tuple((char_syllable(c), syllable_tone(r[0])[1], c) for c, r in zip(chars, readings))


def _same_tone(expected: tuple[str, int | None, str], heard: int | None) -> bool:
    """Sandhi is no mismatch (不, 一, a third tone before a third), nor is a neutral or
    unknown tone on either side."""
    _, tone, char = expected
    return (tone == heard or bool({tone, heard} & {NEUTRAL, None}) or char in "不一"
            or (tone == 3 and heard == 2))


def _heard_tones(utterance: Utterance, norm: NormText) -> tuple[int | None, ...]:
    """Each unit's tone as the recogniser heard it, when its pinyin is what was matched
    (one toned syllable a unit); else none."""
    toned = utterance.pinyin.split()
    if norm.chars or len(toned) != len(norm):
        return ()
    return tuple(syllable_tone(syllable)[1] for syllable in toned)


def _in_tune(form: _Form, span: Span, norm: NormText, tones: tuple[int | None, ...]) -> bool:
    """A form heard whole by sound, not as its own syllables: where a syllable was heard as
    the form's own, is it in the form's tone too (sandhi and neutral tones agree)? The
    accent changed the others. 山无好 shān wú hǎo is 上午好, but 三五号 sān wǔ hào is not,
    nor 反映您 fǎn yìng nín 欢迎您. Tones as heard, else read from the characters."""
    heard = (tones[span.begin:span.end] if tones
             else tuple(tone for _, tone, _ in _tones(norm.chars[span.begin:span.end])))
    return all(_same_tone(expected, tone) for expected, syllable, tone
               in zip(_tones(form.chars), norm.syllables[span.begin:span.end], heard)
               if syllable == expected[0])


def _on_bounds(chars: str, span: Span) -> bool:
    """A phrase heard by sound does not cut through a word written (or decoded from the
    pinyin) over either end: 临请问 of 欢迎光临请问 is no 您请问."""
    bounds = _word_bounds(chars) if chars else frozenset((span.begin, span.end))
    return span.begin in bounds and span.end in bounds


def _decoded_chars(utterance: Utterance, norm: NormText) -> str:
    """Characters decoded from the pinyin, one per syllable: a hit is quoted in them."""
    text = clean_chars(utterance.text) if utterance.decoded else ""
    return text if len(text) == len(norm) else ""


_NEAR_BEFORE_S, _NEAR_AFTER_S = 1.0, 0.5  # a spotter's hit times are estimates
PARTICLES = frozenset("啊吧呀啦哦嘛呢")  # a phrase's closing particle adds no evidence
_TRAILING = "".join(PARTICLES) + "的了"


class _Agreement:
    """How well some phrase forms are heard in a run of syllables: the best substring
    alignment (rapidfuzz partial_ratio) of any form, with loosely equal sounds alike."""

    def __init__(self):
        self._codes: dict[str, str] = {}

    def _code(self, syllables: Iterable[str]) -> str:
        return "".join(self._codes.setdefault(loose_syllable(s), chr(0xF0001 + len(self._codes)))
                       for s in syllables)

    @lru_cache(maxsize=4096)
    def _form(self, text: str) -> str:
        return self._code(normalize(text).syllables)

    def whole(self, forms: Iterable[str], syllables: list[str]) -> float:
        """How well any form is heard over its whole length, each syllable missing or
        wrong one edit: an exception heard only as far as the phrase itself (不知道 at a
        line's end, of 不知道您) is the phrase, where partial_ratio scored that edge 86
        and vetoed every 不知道, 他妈的, 下班了 and 你自己看 heard at an utterance's edge."""
        heard = self._code(syllables)
        best = 0.0
        for form in forms:
            code = self._form(form)
            for begin in range(max(1, len(heard) - len(code) + 1)):
                similarity = Levenshtein.normalized_similarity(
                    code, heard[begin:begin + len(code)])
                best = max(best, 100.0 * similarity)
        return best

    def heard(self, form: str, syllables: list[str]) -> tuple[float, list[tuple[int, int]]]:
        """Similarity (0-100) of the form to its best-aligned stretch of the syllables, and
        which of the form's syllables that stretch holds, in order: (form, syllables) places."""
        code, heard = self._form(form), self._code(syllables)
        if not heard:
            return 0.0, []
        if len(heard) < len(code):
            score, begin, stretch = fuzz.ratio(code, heard), 0, heard
        else:
            found = fuzz.partial_ratio_alignment(code, heard)
            score, begin = found.score, found.dest_start
            stretch = heard[found.dest_start:found.dest_end]
        same = [(i, begin + j) for tag, i1, i2, j1, _ in Indel.opcodes(code, stretch)
                if tag == "equal" for i, j in zip(range(i1, i2), range(j1, j1 + i2 - i1))]
        return score, same


def _resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Within a kind, overlapping phrases are one event: keep the best heard, then the longest."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.score, -(s.end - s.begin), s.begin)):
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
            n = len(normalize("", word.text) if utterance.decoded or not utterance.text
                    else normalize(word.text))
            for k in range(n):
                step = (word.end - word.start) / n
                times.append((word.start + k * step, word.start + (k + 1) * step))
        if len(times) == units:
            return times
    step = (utterance.end - utterance.start) / units
    return [(utterance.start + k * step, utterance.start + (k + 1) * step) for k in range(units)]
