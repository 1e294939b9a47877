"""A second reading, biased toward the taboo and courtesy forms, of a segment where one is near.

Greedy search hears ordinary speech as said but misses some taboos (活该你 heard wǒ gāi nǐ,
走开 zǒu wǒ kàn), and the evidence bar of matching needs the recogniser's own syllables. A
recogniser biased toward the lexicon's taboo forms everywhere hears more of them, but it
also wrote them into ordinary speech (快点, 我不知道) and cost 8-30 % more CPU
(docs/benchmarks.md, "Hotwords"). So a finished segment is read again, biased, only where
a taboo is near: the keyword spotter fired on one, or the greedy syllables come within an
edit of a taboo form. The biased reading replaces the greedy one only where it holds a taboo
form whole and the greedy reading of that stretch is within an edit of the form: the bias
settled what greedy search half heard; it did not put a taboo where none was near.
The required courtesy phrases are read so too (`SherpaOptions.hotword_kinds`): greedy search
hears 您 as 你 in one of 18 (有什么可以帮到你, 你有什么需要了解的: no courteous word left, no
greeting), and 大家好 as 大姐好; a form greedy search heard whole is never written over by
another phrase's (不要再讲了 is no 再见).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from ..hanzi import NEUTRAL, syllable_tone
from ..matching import initial, loose_syllable
from ..normalize import standing, toneless
from ..records import Utterance

# how far from a taboo form greedy search may have heard it for the form to be near
# (`distance`): one syllable wrong or lost, or two heard half right
NEAR = 1.0
# the greedy syllables read this far around a form the biased reading holds (seconds):
# the two readings place a syllable a frame or two apart
AROUND_S = 0.5


def sounds(pinyin: Iterable[str]) -> tuple[str, ...]:
    """Toneless syllables with what a small recogniser confuses merged (loose_syllable)."""
    return tuple(loose_syllable(toneless(s)) for s in pinyin)


@lru_cache(maxsize=65536)
def _apart(said: str, heard: str) -> float:
    """A syllable heard as another: none, half (the same initial or the same final) or one."""
    if said == heard:
        return 0.0
    start, other = initial(said), initial(heard)
    return 0.5 if (start and start == other) or said[len(start):] == heard[len(other):] else 1.0


def distance(form: tuple[str, ...], heard: tuple[str, ...],
             light: tuple[bool, ...] = ()) -> float:
    """How far some stretch of `heard` holding one of the form's syllables exactly is from
    the form: a syllable heard half right (_apart), one slipped in, or a `light` one (a
    neutral tone: 么, 了, 啊) lost costs a half, one lost or wholly other one; a form of two
    syllables keeps both (bái jí is 白痴 near; bái tiān is not, nor děng 等着, nor mén shè)."""
    wrong = 1.0 if len(form) > 2 else 2.0
    none = float("inf")
    # the cheapest alignment ending at each heard syllable, with a syllable heard exactly
    # and without one; the form may begin anywhere
    exact, inexact = [none] * (len(heard) + 1), [0.0] * (len(heard) + 1)
    for n, said in enumerate(form):
        lost = 0.5 if len(form) > 2 and n < len(light) and light[n] else wrong
        row, bare = [exact[0] + lost], [inexact[0] + lost]
        for j, syllable in enumerate(heard, 1):
            apart = _apart(said, syllable)
            if apart == 0.0:
                row.append(min(exact[j - 1], inexact[j - 1], exact[j] + lost, row[j - 1] + 0.5))
                bare.append(min(inexact[j] + lost, bare[j - 1] + 0.5))
                continue
            cost = wrong if apart == 1.0 else apart
            row.append(min(exact[j - 1] + cost, exact[j] + lost, row[j - 1] + 0.5))
            bare.append(min(inexact[j - 1] + cost, inexact[j] + lost, bare[j - 1] + 0.5))
        exact, inexact = row, bare
    return min(exact)


class Recheck:
    """Which segments to read again, and which reading stands. `forms`: each form the
    biased recogniser is given, as its phrase and its toned syllables; `taboo`: the phrases
    among them a red rests on (None: all), the only ones whose nearness begins a second
    reading while the line goes on (`distances`)."""

    def __init__(self, forms: Iterable[tuple[str, str]], taboo: Iterable[str] | None = None):
        self.forms = sorted({(phrase, sounds(said), tuple(syllable_tone(s)[1] == NEUTRAL
                                                          for s in said))
                             for phrase, syllables in forms
                             if len(said := syllables.split()) >= 2})
        self._having: dict[str, list[tuple]] = {}  # syllable -> forms holding it
        self._opening: dict[str, list[tuple]] = {}  # syllable -> forms beginning with it
        for form in self.forms:
            for syllable in set(form[1]):
                self._having.setdefault(syllable, []).append(form)
            self._opening.setdefault(form[1][0], []).append(form)
        self.taboo = None if taboo is None else frozenset(taboo)

    def near(self, greedy: Utterance) -> bool:
        """Is a taboo near in what greedy search heard: spotted, or within `NEAR`? Within
        it a form keeps all its syllables but two exactly, and one at least: only the
        forms that do are aligned."""
        return (any(h.kind == "taboo" for h in greedy.spotted)
                or bool(self.distances(sounds(greedy.pinyin.split()))))

    def distances(self, heard: tuple[str, ...], taboo: bool = False) -> list[float]:
        """How far each form (`taboo`: of a taboo phrase) within `NEAR` of `heard`
        (`sounds`) is (0: heard as said)."""
        exact: dict[tuple, int] = {}
        for syllable in set(heard):
            for form in self._having.get(syllable, ()):
                if taboo and self.taboo is not None and form[0] not in self.taboo:
                    continue
                exact[form] = exact.get(form, 0) + form[1].count(syllable)
        return [far for (_, sound, light), count in exact.items()
                if count >= max(1, len(sound) - 2)
                and (far := distance(sound, heard, light)) <= NEAR]

    def choose(self, greedy: Utterance, biased: Utterance | None) -> Utterance:
        """The greedy reading, with the words of each taboo form the biased reading
        confirms (`confirmed`) in place of what greedy search heard there; the spotter's
        hits stay. Elsewhere the bias changes nothing."""
        spans = self.confirmed(greedy, biased) if biased else []
        if not spans:
            return greedy
        words = [w for w in greedy.words
                 if not any(w.end > begin and w.start < end for begin, end in spans)]
        words += [w for w in biased.words
                  if any(begin <= w.start and w.end <= end for begin, end in spans)]
        words.sort(key=lambda w: w.start)
        return replace(greedy, words=tuple(words), pinyin=" ".join(w.text for w in words),
                       text="")

    def confirmed(self, greedy: Utterance, biased: Utterance) -> list[tuple[float, float]]:
        """Where the biased reading holds a form whole that greedy search heard near there
        (`NEAR`), but not whole as a form of the same phrase (如果不知道 read biased as
        如果我不知道 adds a form, not a phrase), nor whole as another phrase's form in the
        same time (你不要再讲了 read biased as 你不要再见了): the form's first and last word's
        times."""
        said = sounds(w.text for w in biased.words)
        whole = self._whole(greedy)
        spans = []
        for at, (phrase, form, light) in standing(said, self._opening, _sound):
            first, last = biased.words[at], biased.words[at + len(form) - 1]
            there = sounds(w.text for w in greedy.words if w.end > first.start - AROUND_S
                           and w.start < last.end + AROUND_S)
            if distance(form, there, light) <= NEAR and not any(
                    p == phrase and distance(f, there) == 0 for p, f, _ in self.forms
            ) and not any(p != phrase and begin < last.end and first.start < end
                          for p, begin, end in whole):
                spans.append((first.start, last.end))
        return spans

    def _whole(self, greedy: Utterance) -> list[tuple[str, float, float]]:
        """Each form greedy search heard whole: its phrase, first word's start, last word's end."""
        heard = sounds(w.text for w in greedy.words)
        return [(phrase, greedy.words[at].start, greedy.words[at + len(form) - 1].end)
                for at, (phrase, form, _) in standing(heard, self._opening, _sound)]


def _sound(form: tuple) -> tuple[str, ...]:
    """A form's syllables, of its (phrase, syllables, light) in `Recheck.forms`."""
    return form[1]
