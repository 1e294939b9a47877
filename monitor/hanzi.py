"""Characters from the recogniser's toned pinyin: an input-method lattice, for reading.

The sherpa recogniser hears only syllables, and a hall cannot read pinyin. Each span of
syllables is looked up (toneless) in a word index built from jieba's dictionary and word
frequencies, with readings from pypinyin's phrase dictionary (heteronyms: 银行 háng) and
each character's readings; the most probable chain of words wins (Viterbi over word
log-probabilities, plus a character bigram where two words meet, so 想办 beats 相伴). Tones choose between homophones: a word whose reading
matches the tones heard beats one that matches only without them, but recogniser tones are
noisy and Mandarin has sandhi, so a mismatch costs, it never vetoes. The lexicon's phrases
and the counters' business words (`lexicons/words/business.toml`) are favoured, so a heard
courtesy phrase reads in the lexicon's own characters. Every input syllable becomes exactly
one character, so a span of syllables can be quoted as a span of characters.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import re
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Sequence

from . import diskcache
from .errors import InputError, parse_toml, read_text
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
    tone_penalty: float = 5.0  # a heard tone that differs from the word's reading
    sandhi_penalty: float = 0.3  # a difference sandhi explains (3-3 → 2-3, 一, 不)
    neutral_penalty: float = 1.5  # a neutral tone heard or read against a full one
    bigram_weight: float = 0.3  # weight of the character bigram across word boundaries
    unseen_pmi: float = -1.0  # the bigram's score for a pair never seen, and its floor
    pmi_cap: float = 1.5  # the bigram's highest score (one pair never outweighs a tone)
    beam: int = 8  # last characters kept per position when the bigram is used
    phrase_logp: float = -7.0  # a lexicon phrase form, whatever jieba thinks of it
    phrase_boost: float = 1.0  # and more than jieba's own frequency of it
    word_logp: float = -9.0  # a business word's floor (jieba's, when higher, wins)
    word_boost: float = 1.0  # every business word of every sector
    sector_boost: float = 2.0  # more for the decoded sector's words
    initial_penalty: float = 1.0  # a lone initial (its final was not decoded) filled in
    unknown_logp: float = -30.0  # a syllable no character has: written UNKNOWN
    other_reading: float = 4.0  # a character's reading other than its first, alone
    min_freq: int = 1  # jieba words less frequent than this are left out (smaller, faster)
    candidates: int = 12  # words kept per toneless reading in the base index
    max_word: int = 8  # longest span looked up as one word (longer for a longer phrase)


class Candidate(NamedTuple):
    """A word for a span of syllables: its characters, reading tones and log-probability."""

    word: str
    tones: tuple[int, ...]  # 1-4, NEUTRAL, or 0 for a reading whose tones are unknown
    logp: float
    sectors: frozenset[str] = frozenset()  # a business word of these sectors


class Bigram(NamedTuple):
    """log P(next | character) - log P(next): how much a character predicts the next."""

    next: dict[str, dict[str, float]]
    unseen: float  # a pair never seen


def syllable_tone(syllable: str, toned: bool = True) -> tuple[str, int | None]:
    """`hǎo` -> ('hao', 3); `hao3` -> ('hao', 3); `ma` -> ('ma', NEUTRAL), or ('ma', None)
    when the whole utterance is toneless (`toned=False`)."""
    s = syllable.strip().lower()
    tone = next((_TONE_OF[c] for c in s if c in _TONE_OF), None)
    if tone is None and s[-1:] in "12345" and len(s) > 1:
        tone = int(s[-1])
    if tone is None and toned and s.isalpha() and s not in _INITIALS:
        tone = NEUTRAL
    return toneless(s), tone


def has_tones(syllables: Sequence[str]) -> bool:
    """Whether any syllable carries a tone (mark or digit): then unmarked means neutral."""
    return any(any(c in _TONE_OF for c in s) or (s[-1:] in "12345" and s[:-1].isalpha())
               for s in syllables)


def reading_tone(syllable: str) -> int:
    """A dictionary reading's tone: an unmarked reading is the neutral tone."""
    return next((_TONE_OF[c] for c in syllable if c in _TONE_OF), NEUTRAL)


def _heard(syllable: str, toned: bool) -> tuple[str, int | None]:
    """A heard syllable toneless, and its tone when the utterance has tones."""
    if not syllable:
        return "", None
    plain, tone = syllable_tone(syllable, toned)
    return plain, tone if toned else None


def _initial(syllable: str) -> str:
    return next((i for i in _INITIALS if syllable.startswith(i)), "")


@dataclass(frozen=True)
class Lattice:
    """A decode's best paths at every syllable: a stream keeps its partial result's, and
    the next, longer one decodes only the syllables that changed (each partial result was
    decoded again from its start)."""

    words: tuple[str, ...]
    sector: str | None
    toned: bool
    heard: tuple[tuple[str, int | None], ...]  # toneless syllable and tone, per syllable
    keys: tuple[tuple[tuple[str, float], ...], ...]  # what each may stand for (`_alternatives`)
    states: list[dict[str, tuple[float, int, str, str]]]  # see `Decoder.lattice`

    def shared(self, words: tuple[str, ...], sector: str | None, toned: bool) -> int:
        """How many positions' paths hold for `words` too: those before the last syllable
        both inputs share (a word's cost reads the syllable after it)."""
        if sector != self.sector or toned != self.toned:
            return 0
        return next((k for k, (a, b) in enumerate(zip(words, self.words)) if a != b),
                    min(len(words), len(self.words)))

    @property
    def text(self) -> str:
        """The characters of the best path, one per syllable."""
        n = len(self.words)
        if not n:
            return ""
        out, j, states = [], n, self.states
        end = max(states[n].items(), key=lambda kv: kv[1][0])[0]
        while j > 0:
            _, i, last, word = states[j][end]
            out.append(word)
            j, end = i, last
        return "".join(reversed(out))


class Decoder:
    """Toned pinyin to characters; built once per process (`load`), then only read."""

    def __init__(self, base: dict, phrases: dict, bigram: Bigram | None, options: HanziOptions):
        self.base = base  # toneless key -> (word, tones, logp) tuples, jieba + pypinyin
        self._wrapped: dict[tuple, tuple[Candidate, ...]] = {}
        self.extra = phrases  # toneless key -> [Candidate], lexicon phrases + business words
        self.bigram = bigram if options.bigram_weight else None
        self.options = options
        self.max_word = max([options.max_word] + [len(k) for k in phrases])
        self.syllables = frozenset(k[0] for k in base if len(k) == 1)
        self._by_initial: dict[str, tuple[str, ...]] = {}
        for s in sorted(self.syllables):
            self._by_initial[_initial(s)] = self._by_initial.get(_initial(s), ()) + (s,)

    def decode(self, syllables: Sequence[str], sector: str | None = None) -> str:
        """One character per syllable (a string is split at spaces); unknown sounds are
        written UNKNOWN, a lone digit or letter is kept. Never raises on odd input."""
        return self.lattice(syllables, sector).text

    def lattice(self, syllables: Sequence[str], sector: str | None = None,
                after: Lattice | None = None) -> Lattice:
        """The best paths over `syllables`; `after` a lattice of an earlier input (a
        partial result's) whose paths over the syllables both share are kept, so only the
        new ones are decoded: the same characters as a decode from the start."""
        if isinstance(syllables, str):
            syllables = syllables.split()
        words = tuple(s.strip() if isinstance(s, str) else "" for s in syllables)
        n = len(words)
        toned = self.options.use_tones and has_tones(words)
        kept = after.shared(words, sector, toned) if after is not None else 0
        heard = (after.heard[:kept] if kept else ()) + tuple(
            _heard(s, toned) for s in words[kept:])
        keys = (after.keys[:kept] if kept else ()) + tuple(
            self._alternatives(s) for s, _ in heard[kept:])
        # states[i]: the last character of a best path over syllables 0..i -> (score,
        # where its last word starts, the character before that word, that word). A word
        # ending at j reads the tone of syllable j (sandhi), so states[j] holds once
        # syllables 0..j are known: the earlier lattice's are kept up to there.
        states = after.states[:kept] if kept else [{"": (0.0, 0, "", "")}]
        done = len(states)  # states[done:] are decoded here
        states += [{} for _ in range(n + 1 - done)]
        for i in range(max(0, done - self.max_word), n):
            here = self._prune(states[i])
            for j in range(max(i + 1, done), min(n, i + self.max_word) + 1):
                for key, cost in self._keys(keys, i, j):
                    for cand in self._candidates(key):
                        self._extend(states[j], here, cand, i, cost + self._tone_cost(
                            cand, heard, i) - self._boost(cand, sector))
            if i + 1 >= done and not states[i + 1]:  # no character reads like this syllable
                score, last = max((v[0], k) for k, v in here.items())
                states[i + 1][UNKNOWN] = (score + self.options.unknown_logp, i, last,
                                          self._literal(words[i]))
        return Lattice(words, sector, toned, heard, keys, states)

    def _candidates(self, key: tuple) -> tuple[Candidate, ...]:
        """Base words as Candidates, made on first use: the base index is loaded from the
        disk cache as plain tuples, and making 375,000 records up front would cost a second."""
        found = self._wrapped.get(key)
        if found is None:
            found = tuple(Candidate(*c) for c in self.base.get(key, ())) + self.extra.get(key, ())
            self._wrapped[key] = found
        return found

    def _prune(self, state: dict) -> dict:
        """The best `beam` last characters (only the best one without a bigram)."""
        beam = self.options.beam if self.bigram is not None else 1
        if len(state) <= beam:
            return state
        return dict(sorted(state.items(), key=lambda kv: -kv[1][0])[:beam])

    def _extend(self, target: dict, here: dict, cand: Candidate, i: int, cost: float) -> None:
        word, bigram = cand.word, self.bigram
        base = cand.logp - cost
        if bigram is None:
            (last, (total, *_)), = here.items()
            total += base
        else:
            first, weight = word[0], self.options.bigram_weight
            total, last = -math.inf, ""
            for prev, (score, *_) in here.items():
                if prev:
                    follow = bigram.next.get(prev)
                    link = follow.get(first, bigram.unseen) if follow else 0.0
                    score += weight * link
                if score > total:
                    total, last = score, prev
            total += base
        end = word[-1]
        if end not in target or total > target[end][0]:
            target[end] = (total, i, last, word)

    def _boost(self, cand: Candidate, sector: str | None) -> float:
        if not cand.sectors:
            return 0.0
        return self.options.word_boost + (self.options.sector_boost if sector in cand.sectors
                                          else 0.0)

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
            if tone is None or tone == read or not read:
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
    def _literal(syllable: str) -> str:
        return syllable if len(syllable) == 1 and syllable.isascii() and syllable.isalnum() \
            else UNKNOWN


# --- building ---------------------------------------------------------------------------


class _Readings(dict):
    """Toned reading -> (toneless, tone), each parsed once (there are ~1,500)."""

    def __missing__(self, reading: str) -> tuple[str, int]:
        self[reading] = parsed = (toneless(reading), reading_tone(reading))
        return parsed


def _char_readings(parse: _Readings) -> dict[str, list[tuple[str, int]]]:
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(code): [parse[r] for r in readings.split(",")]
            for code, readings in pinyin_dict.items()}


def _reading(word: str, phrases: dict, chars: dict, parse: _Readings):
    """pypinyin's reading of a word: its phrase dictionary, else each character's first."""
    known = phrases.get(word)
    if known and len(known) == len(word):
        return [parse[r[0]] for r in known]
    out = []
    for char in word:
        readings = chars.get(char)
        if not readings:
            return None
        out.append(readings[0])
    return out


def _add(index: dict, reading: list[tuple[str, int]], word: str, logp: float,
         sectors: frozenset = frozenset()) -> Candidate:
    cand = Candidate(word, tuple(t for _, t in reading), logp, sectors)
    index.setdefault(tuple(s for s, _ in reading), []).append(cand)
    return cand


@lru_cache(maxsize=1)
def _jieba_freqs() -> dict[str, int]:
    """jieba's dictionary: word -> frequency, words of Chinese characters only."""
    import jieba

    freqs: dict[str, int] = {}
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ", 2)
            if len(parts) >= 2 and _HAN.match(parts[0]):
                freqs[parts[0]] = int(parts[1])
    return freqs


@lru_cache(maxsize=1)
def _base_index(candidates: int, min_freq: int, other_reading: float) -> dict:
    """jieba's words (with frequencies) and every reading of every character, by toneless
    reading, most probable first; built once per process and shared by every decoder."""
    from pypinyin.phrases_dict import phrases_dict

    parse = _Readings()
    chars = _char_readings(parse)
    freqs = _jieba_freqs()
    log_total = math.log(sum(freqs.values()))
    rare = math.log(0.5) - log_total
    index: dict = {}
    for word, freq in freqs.items():
        if freq < min_freq:
            continue
        reading = _reading(word, phrases_dict, chars, parse) if len(word) > 1 else None
        if reading:
            _add(index, reading, word, math.log(freq) - log_total)
    for char, readings in chars.items():
        if not _HAN.match(char):
            continue
        logp = math.log(freqs[char]) - log_total if char in freqs else rare
        for k, reading in enumerate(readings):  # a later reading is a rarer one
            _add(index, [reading], char, logp - other_reading * (k > 0))
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


def _phrase_forms(lexicon: Lexicon) -> list[str]:
    return [form for p in lexicon.phrases for form in p.forms]


def _extra_index(lexicon: Lexicon, words: "BusinessWords", base: dict,
                 options: HanziOptions) -> dict:
    """The lexicon's phrase forms and the business words, each at least as likely as
    their floor, under pypinyin's toned reading (and normalize's spoken one)."""
    from .normalize import char_syllable

    index: dict = {}
    parse = _Readings()
    entries = [(form, options.phrase_logp, options.phrase_boost, frozenset())
               for form in _phrase_forms(lexicon)]
    entries += [(word, options.word_logp, 0.0, frozenset(sectors))
                for word, sectors in words.items()]
    for text, floor, boost, sectors in entries:
        if not _HAN.match(text):
            continue
        reading = [parse[r] for r in _toned(text)]
        if not reading:
            continue
        key = tuple(s for s, _ in reading)
        logp = max([floor] + [c.logp for c in base.get(key, ()) if c.word == text]) + boost
        _add(index, reading, text, logp, sectors)
        spoken = [(char_syllable(c), 0) for c in text]  # 还 hai, 了 le: tones unknown
        if tuple(s for s, _ in spoken) != key:
            _add(index, spoken, text, logp - options.neutral_penalty, sectors)
    return {key: tuple(cands) for key, cands in index.items()}


@lru_cache(maxsize=1)
def _bigram(unseen: float, cap: float) -> Bigram:
    """How much more likely a character is after another than anywhere (pointwise mutual
    information, in nats): transitions from Pinyin2Hanzi's HMM tables (MIT) over
    character frequencies counted in jieba's dictionary."""
    import json

    import Pinyin2Hanzi

    unigram = _char_logp()
    path = Path(Pinyin2Hanzi.__file__).parent / "data" / "hmm_transition.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    rare = min(unigram.values())
    rows = {char: {k: min(cap, max(unseen, math.log(float(v)) - unigram.get(k, rare)))
                   for k, v in row.items() if k != "default"}
            for char, row in table["data"].items()}
    return Bigram(rows, unseen)


@lru_cache(maxsize=1)
def _char_logp() -> dict[str, float]:
    """log P(character) over the words of jieba's dictionary, weighted by frequency."""
    counts: dict[str, float] = {}
    for word, freq in _jieba_freqs().items():
        for char in word:
            counts[char] = counts.get(char, 0) + freq
    total = sum(counts.values())
    return {char: math.log(count / total) for char, count in counts.items()}


# --- business words ---------------------------------------------------------------------


BusinessWords = dict[str, tuple[str, ...]]  # word -> the sectors that use it


def words_path() -> Path:
    """`words/business.toml` in the lexicon folder (a folder of its own: `lexicon.load`
    reads every TOML file beside the phrase lists as one)."""
    return default_dir() / "words" / "business.toml"


def load_words(path: Path | None = None) -> BusinessWords:
    """The business words file: a table per sector with a list `words`; an error names
    the file, line and field."""
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


CACHE_FORMAT = 1  # raise when the layout of the cached tables changes


@lru_cache(maxsize=4)
def load(lexicon: Lexicon | None = None, words: Path | None = None,
         options: HanziOptions = HanziOptions()) -> Decoder:
    """The decoder for a lexicon (default: every lexicon file) and business words file;
    cached, so the live monitor and every stream share one. Its tables come from the disk
    cache when built from the same inputs (a restart costs ~1 s of CPU, not ~5)."""
    started = time.process_time()
    lexicon = lexicon if lexicon is not None else load_lexicon()
    business = load_words(words)
    key = _cache_key(lexicon, business, options)
    tables, how = diskcache.read("hanzi", key), "cache"
    decoder = _decoder(tables, options) if tables is not None else None
    if decoder is None:
        tables, how = _build(lexicon, business, options), "built"
        diskcache.write("hanzi", key, tables)
        decoder = _decoder(tables, options)
    log.debug("pinyin decoder ready (%s): %d readings, %.1f s CPU", how, len(decoder.base),
             time.process_time() - started)
    return decoder


def _build(lexicon: Lexicon, words: BusinessWords, options: HanziOptions) -> tuple:
    """The decoder's tables as plain tuples and dicts (what marshal stores)."""
    base = _base_index(options.candidates, options.min_freq, options.other_reading)
    extra = _extra_index(lexicon, words, base, options)
    bigram = _bigram(options.unseen_pmi, options.pmi_cap) if options.bigram_weight else None
    return ({key: tuple(c[:3] for c in cands) for key, cands in base.items()},
            {key: tuple(tuple(c) for c in cands) for key, cands in extra.items()},
            tuple(bigram) if bigram else None)


def _decoder(tables: tuple, options: HanziOptions) -> Decoder | None:
    """A decoder over stored tables, or None when they are not in the expected shape."""
    try:
        base, extra, bigram = tables
        phrases = {key: tuple(Candidate(*c) for c in cands) for key, cands in extra.items()}
        return Decoder(base, phrases, Bigram(*bigram) if bigram else None, options)
    except (TypeError, ValueError, AttributeError) as err:
        log.warning("cached pinyin tables unusable (%s); rebuilding", err)
        return None


def _cache_key(lexicon: Lexicon, words: BusinessWords, options: HanziOptions) -> str:
    """Everything the tables are built from: the phrase forms and business words, every
    option, the dictionaries' package versions, this code and Python's (marshal's) own."""
    from importlib.metadata import version

    from . import normalize

    facts = (CACHE_FORMAT, sys.version, dataclasses.astuple(options), _phrase_forms(lexicon),
             list(words.items()), [version(p) for p in ("jieba", "pypinyin", "Pinyin2Hanzi")])
    digest = hashlib.sha256(repr(facts).encode("utf-8"))
    for source in (__file__, normalize.__file__):
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()
