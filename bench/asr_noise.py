"""Simulated speech-recognition errors at a chosen character error rate.

A recogniser that mishears mostly writes another character with the same sound, and
prefers common characters: substitutions are drawn from a homophone table built from
pypinyin's readings (each character's default reading) weighted by how often jieba's
dictionary uses each character. Some substitutions are near-homophones (zh/z, n/l,
-ng/-n) or unrelated common characters; characters are also dropped and, less often,
inserted. The output looks like vosk's: no punctuation, spaces between words. The error
rate actually reached is measured by edit distance, never assumed.
"""
from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from monitor.matching import loose_syllable
from monitor.normalize import char_syllable, clean_chars

COMMON_CHARS = 5000  # the recogniser's working vocabulary, most used first


@dataclass(frozen=True)
class NoiseMix:
    """How a target error rate splits into kinds of error (shares sum to 1)."""

    homophone: float = 0.55
    near_homophone: float = 0.10
    unrelated: float = 0.10
    deletion: float = 0.18
    insertion: float = 0.07


class _Weighted:
    """Characters to draw from, in proportion to their frequency."""

    def __init__(self, chars: list[str], freqs: list[float]):
        self.chars = chars
        self.cumulative = list(itertools.accumulate(freqs))

    def draw(self, rng: random.Random, avoid=lambda char: False) -> str | None:
        """A character not to avoid, or None when a few draws found none."""
        for _ in range(16):
            at = bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])
            char = self.chars[min(at, len(self.chars) - 1)]
            if not avoid(char):
                return char
        return None


@lru_cache(maxsize=1)
def _tables():
    """Homophone and near-homophone pools over the common characters, and the pool of all."""
    import jieba

    freq: dict[str, float] = defaultdict(float)
    dictionary = Path(jieba.__file__).with_name("dict.txt")
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            word, count, _ = line.split(" ", 2)
            for char in word:
                if "\u4e00" <= char <= "\u9fff":
                    freq[char] += float(count)
    common = sorted(freq, key=freq.get, reverse=True)[:COMMON_CHARS]
    same, near = defaultdict(list), defaultdict(list)
    for char in common:
        for syllable in _sound(char):
            same[syllable].append(char)
            near[loose_syllable(syllable)].append(char)
    pool = lambda chars: _Weighted(chars, [freq[c] for c in chars])  # noqa: E731
    return ({s: pool(c) for s, c in same.items()}, {s: pool(c) for s, c in near.items()},
            pool(common))


@lru_cache(maxsize=None)
def _sound(char: str) -> set[str]:
    """The character's usual reading (pypinyin's default): a recogniser writes a character
    for how it is mostly read, not for a rare reading a dictionary also lists."""
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return {reading[0]} if reading else set()


class Recogniser:
    """Turns a clean line into what a recogniser at `cer` might have written."""

    def __init__(self, cer: float, seed: int = 0, mix: NoiseMix | None = None):
        self.cer = cer
        self.mix = mix or NoiseMix()
        self.rng = random.Random(seed)
        self.same, self.near, self.common = _tables()
        self.near_keys = {s: loose_syllable(s) for s in self.same if loose_syllable(s) in self.near}

    def _substitute(self, char: str) -> str | None:
        """Another character: same sound, a near sound, or any common one, as the mix says.
        When no character of the wanted kind exists, the next kind down is used."""
        rng, mix = self.rng, self.mix
        roll = rng.random() * (mix.homophone + mix.near_homophone + mix.unrelated)
        sounds = {char_syllable(char)} if _sound(char) else set()  # as spoken (么 is me)
        heard = None
        if sounds and roll < mix.homophone + mix.near_homophone:
            syllable = next(iter(sounds))
            if roll >= mix.homophone and syllable in self.near_keys:
                heard = self.near[self.near_keys[syllable]].draw(
                    rng, avoid=lambda c: c == char or syllable in _sound(c))
            if heard is None and syllable in self.same:
                heard = self.same[syllable].draw(rng, avoid=lambda c: c == char)
        return heard or self.common.draw(rng, avoid=lambda c: c == char or _sound(c) == sounds)

    def hear(self, text: str) -> str:
        """The line as heard: errors at the target rate, no punctuation, words spaced."""
        import jieba

        rng, mix = self.rng, self.mix
        out = []
        for char in clean_chars(text):
            roll = rng.random()
            if roll < self.cer * mix.deletion:
                pass
            elif roll < self.cer * (mix.deletion + mix.homophone + mix.near_homophone
                                    + mix.unrelated):
                out.append(self._substitute(char))
            else:
                out.append(char)
            if rng.random() < self.cer * mix.insertion:
                out.append(self.common.draw(rng))
        heard = "".join(c for c in out if c)
        return " ".join(jieba.lcut(heard, HMM=False)) if heard else ""


def character_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Edit distance over reference length, on the characters matching compares."""
    edits = length = 0
    for ref, hyp in zip(references, hypotheses):
        ref, hyp = clean_chars(ref), clean_chars(hyp)
        edits += Levenshtein.distance(ref, hyp)
        length += len(ref)
    return edits / length if length else 0.0
