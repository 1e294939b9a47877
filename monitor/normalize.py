"""Text normalisation: what a recogniser wrote, reduced to what matching compares.

Recognisers write traditional or simplified characters, full-width forms, spaces between
words, punctuation or none, and some engines hear only pinyin. Everything becomes a
sequence of *units*: one simplified character (or '' when only pinyin was heard) with
its toneless pinyin syllable. Matching compares syllables, so a homophone substitution
(在 for 再) costs nothing.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]+")

# pypinyin's single-character default is often the literary reading; counter speech uses
# these (a recogniser hears 还有 as "hai you" and 等着 as "deng zhe").
_SPOKEN_READING = {
    "还": "hai", "了": "le", "的": "de", "着": "zhe", "行": "xing", "得": "de",
    "长": "chang", "重": "zhong", "便": "bian", "没": "mei", "觉": "jue", "为": "wei",
    "都": "dou", "和": "he", "给": "gei", "种": "zhong", "只": "zhi", "少": "shao",
    "咱": "zan", "哪": "na", "那": "na", "呢": "ne", "吗": "ma", "么": "me", "什": "shen",
    "嗯": "en", "啊": "a", "呀": "ya", "吧": "ba", "哦": "o", "儿": "er",
}
_DIGITS = dict(zip("0123456789", ["ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu"]))
_TONE_MARKS = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvvnnnm",
)


@dataclass(frozen=True)
class NormText:
    """Normalised speech: parallel characters and toneless syllables, one per unit."""

    chars: str  # '' when only pinyin was heard
    syllables: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.syllables)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified (OpenCC), full-width to half-width (NFKC)."""
    text = unicodedata.normalize("NFKC", text)
    return _t2s().convert(text) if text else text


def clean_chars(text: str) -> str:
    """Simplified characters, letters and digits only: no spaces, no punctuation."""
    return "".join(_KEEP.findall(to_simplified(text))).lower()


@lru_cache(maxsize=65536)
def char_syllable(char: str) -> str:
    """The toneless spoken reading of one character."""
    if char in _SPOKEN_READING:
        return _SPOKEN_READING[char]
    if char in _DIGITS:
        return _DIGITS[char]
    if not HAN.match(char):
        return char
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL, v_to_u=False)[0]


def toneless(syllable: str) -> str:
    """`nǐ`, `ni3`, `NI` -> `ni`; ü is written v as in pypinyin's NORMAL style."""
    syllable = syllable.lower().translate(_TONE_MARKS)
    return syllable.rstrip("012345")


def split_pinyin(pinyin: str) -> tuple[str, ...]:
    """Space- or apostrophe-separated pinyin (toned or not) to toneless syllables."""
    return tuple(s for s in (toneless(p) for p in re.split(r"[\s'’,，。.?？!！]+", pinyin)) if s)


def normalize(text: str, pinyin: str = "") -> NormText:
    """Normalise an utterance; characters win when present, pinyin is used otherwise."""
    chars = clean_chars(text) if text else ""
    if chars:
        return NormText(chars, tuple(map(char_syllable, chars)))
    return NormText("", split_pinyin(pinyin))


def heard(utterance) -> NormText:
    """What matching compares for an utterance: its pinyin when its characters were only
    decoded from that pinyin, else as `normalize`."""
    if utterance.decoded:
        return normalize("", utterance.pinyin)
    return normalize(utterance.text, utterance.pinyin)


def text_pinyin(text: str) -> str:
    """Space-separated toneless pinyin of a text, for display and for pinyin-only engines."""
    return " ".join(normalize(text).syllables)


Form = TypeVar("Form")


def standing(syllables: Sequence[str], opening: Mapping[str, Iterable[Form]],
             sound: Callable[[Form], tuple[str, ...]] = tuple) -> Iterator[tuple[int, Form]]:
    """Each form of `opening` (first syllable -> forms; `sound`: a form's syllables) that
    stands whole in `syllables`, with where it begins, in order: looking up only the forms
    each syllable opens keeps a partial result's every word cheap."""
    for at, syllable in enumerate(syllables):
        for form in opening.get(syllable, ()):
            said = sound(form)
            if tuple(syllables[at:at + len(said)]) == said:
                yield at, form
