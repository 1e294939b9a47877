"""Characters from the recogniser's toned pinyin: an input-method lattice, for reading.

The sherpa recogniser hears only syllables, and a hall cannot read pinyin. Each span of
syllables is looked up (toneless) in a word index built from jieba's dictionary and word
frequencies, with readings from pypinyin's phrase dictionary (heteronyms: 银行 háng) and
each character's readings; the most probable chain of words wins (Viterbi over
unigram word log-probabilities). Tones choose between homophones: a word whose reading
matches the tones heard beats one that matches only without them, but recogniser tones are
noisy and Mandarin has sandhi, so a mismatch costs, it never vetoes. The lexicon's phrases
and the counters' business words (`lexicons/words/business.toml`) are favoured, so a heard
courtesy phrase reads in the lexicon's own characters. Every input syllable becomes exactly
one character, so a span of syllables can be quoted as a span of characters.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .errors import InputError, read_text, parse_toml
from .lexicon import SECTORS, Lexicon, default_dir
from .lexicon import load as load_lexicon
from .normalize import toneless

log = logging.getLogger("courtesy.hanzi")

UNKNOWN = "□"  # a sound no character was found for (the transcriber's usual mark)
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_TONE_OF = {c: t for t, chars in enumerate(("āēīōūǖ", "áéíóúǘńḿ", "ǎěǐǒǔǚň", "àèìòùǜǹ"), 1)
            for c in chars}
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j",
             "q", "x", "r", "z", "c", "s", "y", "w")
NEUTRAL = 5


@dataclass(frozen=True)
class HanziOptions:
    """How syllables are turned into characters (costs in nats, a word's log-probability)."""

    use_tones: bool = True  # False: choose by toneless readings only (for comparison)
    tone_penalty: float = 3.0  # a heard tone that differs from the word's reading
    sandhi_penalty: float = 0.3  # a difference sandhi explains (3-3 → 2-3, 一, 不)
    neutral_penalty: float = 0.7  # a neutral tone heard or read against a full one
    phrase_logp: float = -7.0  # a lexicon phrase form, whatever jieba thinks of it
    word_logp: float = -9.0  # a business word's floor (jieba's, when higher, wins)
    word_boost: float = 1.0  # every business word of every sector
    sector_boost: float = 2.0  # more for the decoded sector's words
    initial_penalty: float = 1.0  # a lone initial (its final was not decoded) filled in
    unknown_logp: float = -30.0  # a syllable no character has: written UNKNOWN
    candidates: int = 12  # words kept per toneless reading in the base index
    max_word: int = 12  # longest span of syllables looked up as one word


@dataclass(frozen=True)
class Candidate:
    """A word for a span of syllables: its characters, reading tones and log-probability."""

    word: str
    tones: tuple[int, ...]
    logp: float
    sectors: frozenset[str] = frozenset()  # business word of these sectors ('' for all)


def syllable_tone(syllable: str) -> tuple[str, int | None]:
    """`hǎo` -> ('hao', 3); `ma` -> ('ma', None); `hao3` -> ('hao', 3).

    Toneless input (no mark, no digit) has no tone; the recogniser writes a neutral tone
    without a mark too, so an unmarked syllable never pays a tone penalty."""
    s = syllable.strip().lower()
    tone = next((_TONE_OF[c] for c in s if c in _TONE_OF), None)
    if tone is None and s[-1:] in "12345" and len(s) > 1:
        tone = int(s[-1])
    return toneless(s), tone


def reading_tone(syllable: str) -> int:
    """A dictionary reading's tone: an unmarked reading is the neutral tone."""
    return next((_TONE_OF[c] for c in syllable if c in _TONE_OF), NEUTRAL)


def _initial(syllable: str) -> str:
    return next((i for i in _INITIALS if syllable.startswith(i)), "")


class Decoder:
    """Toned pinyin to characters; built once per process (`load`), then only read."""

    def __init__(self, base: dict, phrases: dict, options: HanziOptions):
        self.base = base  # toneless key -> [Candidate], jieba + pypinyin
        self.extra = phrases  # toneless key -> [Candidate], lexicon phrases + business words
        self.options = options
        self.syllables = frozenset(k[0] for k in base if len(k) == 1)
        self._by_initial: dict[str, tuple[str, ...]] = {}
        for s in sorted(self.syllables):
            self._by_initial.setdefault(_initial(s), ())
            self._by_initial[_initial(s)] += (s,)

    def decode(self, syllables: Sequence[str], sector: str | None = None) -> str:
        """One character per syllable; unknown sounds are written UNKNOWN, digits and
        letters are kept. Never raises on odd input."""
        heard = [syllable_tone(s) if isinstance(s, str) and s.strip() else ("", None)
                 for s in syllables]
        n = len(heard)
        if not n:
            return ""
        options = self.options
        if not options.use_tones:
            heard = [(s, None) for s, _ in heard]
        keys = [self._alternatives(s) for s, _ in heard]
        best = [0.0] + [-math.inf] * n
        back: list[tuple[int, str]] = [(0, "")] * (n + 1)
        for i in range(n):
            if best[i] == -math.inf:
                continue
            for j in range(i + 1, min(n, i + options.max_word) + 1):
                for key, cost in self._keys(keys, i, j):
                    for cand in self.base.get(key, ()) + self.extra.get(key, ()):
                        score = best[i] + cand.logp - cost - self._tone_cost(cand, heard, i)
                        if cand.sectors:
                            score += options.word_boost
                            if sector in cand.sectors:
                                score += options.sector_boost
                        if score > best[j]:
                            best[j], back[j] = score, (i, cand.word)
            if best[i + 1] == -math.inf:  # no character reads like this syllable
                best[i + 1] = best[i] + options.unknown_logp
                back[i + 1] = (i, self._literal(syllables[i]))
        out, j = [], n
        while j > 0:
            i, word = back[j]
            out.append(word)
            j = i
        return "".join(reversed(out))

    def _alternatives(self, syllable: str) -> tuple[tuple[str, float], ...]:
        """Toneless syllables a heard one may stand for, with a cost: itself, or every
        syllable of its initial when only the initial was decoded."""
        if syllable in self.syllables:
            return ((syllable, 0.0),)
        if syllable and syllable in self._by_initial:
            return tuple((s, self.options.initial_penalty) for s in self._by_initial[syllable])
        return ()

    @staticmethod
    def _keys(keys, i: int, j: int):
        """Every toneless key for syllables i..j (a lone initial widens only short spans)."""
        span = keys[i:j]
        if all(len(k) == 1 for k in span):
            yield tuple(k[0][0] for k in span), sum(k[0][1] for k in span)
            return
        if j - i > 2 or any(not k for k in span):
            return
        if j - i == 1:
            yield from (((s,), c) for s, c in span[0])
            return
        for s0, c0 in span[0]:
            for s1, c1 in span[1]:
                yield (s0, s1), c0 + c1

    def _tone_cost(self, cand: Candidate, heard, i: int) -> float:
        options, cost = self.options, 0.0
        tones = cand.tones
        for k, read in enumerate(tones):
            tone = heard[i + k][1]
            if tone is None or tone == read:
                continue
            if read == NEUTRAL or tone == NEUTRAL:
                cost += options.neutral_penalty
            elif cand.word[k] in "一不" or (read == 3 and tone == 2 and self._before_third(
                    tones, heard, i, k)):
                cost += options.sandhi_penalty
            else:
                cost += options.tone_penalty
        return cost

    @staticmethod
    def _before_third(tones, heard, i: int, k: int) -> bool:
        if k + 1 < len(tones):
            return tones[k + 1] == 3
        return i + k + 1 < len(heard) and heard[i + k + 1][1] == 3

    @staticmethod
    def _literal(syllable) -> str:
        text = syllable.strip() if isinstance(syllable, str) else ""
        return text if len(text) == 1 and text.isascii() and text.isalnum() else UNKNOWN


# --- building ---------------------------------------------------------------------------


def _char_readings() -> dict[str, list[str]]:
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(code): readings.split(",") for code, readings in pinyin_dict.items()}


def _reading(word: str, phrases: dict, chars: dict) -> list[str] | None:
    """pypinyin's reading of a word: its phrase dictionary, else each character's first."""
    known = phrases.get(word)
    if known and len(known) == len(word):
        return [r[0] for r in known]
    out = []
    for char in word:
        readings = chars.get(char)
        if not readings:
            return None
        out.append(readings[0])
    return out


def _add(index: dict, reading: list[str], cand: Candidate) -> None:
    key = tuple(toneless(r) for r in reading)
    index.setdefault(key, []).append(cand)


@lru_cache(maxsize=1)
def _base_index(candidates: int) -> dict:
    """jieba's words (with frequencies) and every reading of every character, by toneless
    reading, most probable first; built once per process and shared by every decoder."""
    import jieba
    from pypinyin.phrases_dict import phrases_dict

    chars = _char_readings()
    path = Path(jieba.__file__).parent / "dict.txt"
    freqs: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ", 2)
            if len(parts) >= 2 and _HAN.match(parts[0]):
                freqs[parts[0]] = int(parts[1])
    total = sum(freqs.values())
    rare = math.log(0.5 / total)
    index: dict = {}
    for word, freq in freqs.items():
        reading = _reading(word, phrases_dict, chars) if len(word) > 1 else None
        if reading:
            _add(index, reading, Candidate(word, tuple(map(reading_tone, reading)),
                                           math.log(freq / total)))
    for char, readings in chars.items():
        if not _HAN.match(char):
            continue
        logp = math.log(freqs[char] / total) if char in freqs else rare
        for k, reading in enumerate(readings):  # a later reading is a little less likely
            _add(index, [reading], Candidate(char, (reading_tone(reading),), logp - 0.5 * (k > 0)))
    for key, cands in index.items():
        cands.sort(key=lambda c: -c.logp)
        index[key] = tuple(_by_tones(cands, candidates))
    return index


def _by_tones(cands: list[Candidate], keep: int) -> list[Candidate]:
    """The `keep` most probable, plus the best of each tone pattern (a rare word whose
    tones match must stay reachable)."""
    out, patterns = cands[:keep], {c.tones for c in cands[:keep]}
    for cand in cands[keep:]:
        if cand.tones not in patterns:
            patterns.add(cand.tones)
            out.append(cand)
    return out


def _toned(text: str) -> list[str]:
    """pypinyin's toned reading of a phrase, one syllable per character (or [])."""
    from pypinyin import Style, pinyin

    reading = [r[0] for r in pinyin(text, style=Style.TONE, errors=lambda s: [None] * len(s))]
    return reading if len(reading) == len(text) and all(reading) else []


def _extra_index(lexicon: Lexicon, words: "BusinessWords", base: dict,
                 options: HanziOptions) -> dict:
    """The lexicon's phrase forms and the business words, each at least as likely as
    their floor, under pypinyin's toned reading (and normalize's spoken one)."""
    from .normalize import char_syllable

    index: dict = {}
    entries = [(form, options.phrase_logp, frozenset()) for p in lexicon.phrases
               for form in p.forms]
    entries += [(word, options.word_logp, frozenset(sectors)) for word, sectors in words.items()]
    for text, floor, sectors in entries:
        if not _HAN.match(text):
            continue
        reading = _toned(text)
        if not reading:
            continue
        known = [c.logp for c in base.get(tuple(toneless(r) for r in reading), ())
                 if c.word == text]
        cand = Candidate(text, tuple(map(reading_tone, reading)), max([floor] + known), sectors)
        _add(index, reading, cand)
        spoken = [char_syllable(c) for c in text]  # 还 hai, 了 le: toneless, no tone cost
        if spoken != [toneless(r) for r in reading]:
            index.setdefault(tuple(spoken), []).append(
                Candidate(text, (NEUTRAL,) * len(text), cand.logp - options.neutral_penalty,
                          sectors))
    return {key: tuple(cands) for key, cands in index.items()}


# --- business words ---------------------------------------------------------------------


BusinessWords = dict  # word -> tuple of sectors


def words_path() -> Path:
    """`words/business.toml` in the lexicon folder (a folder of its own: `lexicon.load`
    reads every TOML file beside the phrase lists as one)."""
    return default_dir() / "words" / "business.toml"


def load_words(path: Path | None = None) -> BusinessWords:
    """The business words file: a table per sector with a list `words`; errors name file and field."""
    path = Path(path) if path else words_path()
    raw = read_text(path)
    data = parse_toml(raw, path)
    lines = raw.splitlines()
    out: dict[str, tuple[str, ...]] = {}
    for sector, table in data.items():
        if sector not in SECTORS:
            raise InputError(path, f"unknown sector {sector!r}; expected one of "
                             f"{', '.join(SECTORS)}", _line_of(lines, f"[{sector}]"), sector)
        field = f"{sector}.words"
        if not isinstance(table, dict) or set(table) != {"words"}:
            raise InputError(path, "a sector table holds exactly one key, words",
                             _line_of(lines, f"[{sector}]"), sector)
        words = table["words"]
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise InputError(path, "must be a list of strings", None, field)
        for word in words:
            if not _HAN.match(word):
                raise InputError(path, f"{word!r} is not a word of Chinese characters",
                                 _line_of(lines, f'"{word}"'), field)
            out[word] = out.get(word, ()) + (sector,)
    return out


def _line_of(lines: list[str], needle: str) -> int | None:
    return next((n for n, line in enumerate(lines, 1) if needle in line), None)


# --- the one way in ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def load(lexicon: Lexicon | None = None, words: Path | None = None,
         options: HanziOptions = HanziOptions()) -> Decoder:
    """The decoder for a lexicon (default: every lexicon file) and business words file;
    cached, so the live monitor and every stream share one."""
    lexicon = lexicon if lexicon is not None else load_lexicon()
    base = _base_index(options.candidates)
    return Decoder(base, _extra_index(lexicon, load_words(words), base, options), options)
