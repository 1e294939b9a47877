"""Masking personal numbers in quoted speech: ID cards, phones and bank cards.

Counter talk is full of them (a customer reads out a phone number, staff repeat an ID).
Speech recognition writes digits as Arabic numerals, full-width numerals, Chinese
numerals (一三八…, 幺 for 1, 两 for 2, 〇/零 for 0), financial numerals (壹贰叁…) or, from
the pinyin recogniser, syllables (yāo sān bā…, toned or not); a typed note may use any
script's decimal digits. Groups are separated by any space (no-break, thin), invisible
format characters (zero-width), any dash, dots, slashes or commas (、，), and a number may
sit behind a country code or run together with the next one; all are found here: the
patterns run on a `_shadow` of the text, each character read as the ASCII digit or
separator it stands for, so one pattern covers every form and positions stay the same. `Store` masks everything it writes (unless the hall keeps raw text), and reports,
replay, the board and the CLI show quotes only after `mask()`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DIGITS = {  # what the patterns see; every other decimal digit is read by `_shadow`
    **{str(d): str(d) for d in range(10)},
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "兩": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
    # financial numerals (大写), simplified and traditional
    "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3", "肆": "4", "伍": "5", "陆": "6",
    "陸": "6", "柒": "7", "捌": "8", "玖": "9",
}
# Toneless syllables the recogniser writes for digits (yāo for 1, liǎng for 2).
PINYIN = {"ling": "0", "yi": "1", "yao": "1", "er": "2", "liang": "2", "san": "3", "si": "4",
          "wu": "5", "liu": "6", "qi": "7", "ba": "8", "jiu": "9"}
_TONED = {"a": "aāáǎà", "e": "eēéěè", "i": "iīíǐì", "o": "oōóǒò", "u": "uūúǔù"}
_LETTER = "A-Za-z\u00c0-\u024f\u01d6-\u01dc"  # latin letters with tone marks
_SYLLABLE = "|".join("".join(f"[{_TONED[c]}]" if c in _TONED else c for c in syllable)
                     for syllable in sorted(PINYIN, key=len, reverse=True))
_TOKEN = (f"(?:[{''.join(DIGITS)}]|(?<![{_LETTER}])(?i:{_SYLLABLE})(?![{_LETTER}]))")
_SEP = "[ \t,\\-./]"  # what `_shadow` makes of every separator
_CHECK = "(?<![{0}])[XxＸｘ](?![{0}])".format(_LETTER)
# Digits, the groups joined by up to three separators; an ID card may end in X.
_RUN = re.compile(f"{_TOKEN}(?:{_SEP}{{0,3}}{_TOKEN})*(?:{_SEP}{{0,3}}{_CHECK})?")
_ONE = re.compile(_TOKEN + "|" + _CHECK)
_MOBILE = re.compile(r"1[3-9]\d{9}")
MASK = "*"
GAP = 5  # digits left over beside a found number: this many or more are a number too
SHOWN = 4  # most digits in a row left visible where numbers run together


# Separators by the category Unicode gives them: spaces (Zs) and invisible format characters
# (Cf, e.g. zero-width space) read as " ", dashes (Pd) as "-"; these by name:
_SEPARATORS = {**dict.fromkeys("\t", " "), **dict.fromkeys(".．·・‧｡", "."),
               **dict.fromkeys("/／∕⁄", "/"), **dict.fromkeys(",，、､﹐﹑", ",")}
_AS = {"Zs": " ", "Cf": " ", "Pd": "-"}


class _Reading(dict):
    """Code point -> the ASCII digit or separator it stands for (None: itself), filled on
    first sight, for `str.translate`."""

    def __missing__(self, point: int) -> str | None:
        char = chr(point)
        if char.isdecimal():
            shown = str(unicodedata.decimal(char))
        else:
            shown = _SEPARATORS.get(char) or _AS.get(unicodedata.category(char))
        self[point] = shown or char
        return shown or char


_READING = _Reading()


def _shadow(text: str) -> str:
    """`text` with every decimal digit as ASCII and every separator as one of " ,-./", at
    the same positions (one character for one)."""
    return text if text.isascii() else text.translate(_READING)


@dataclass(frozen=True)
class Match:
    """A personal number found in a text: where it is and what it is."""

    kind: str  # id_card, mobile, landline, bank_card, number (a long unknown number)
    start: int
    end: int
    keep_head: int  # digits shown at the start
    keep_tail: int  # digits shown at the end
    digits: tuple[tuple[int, int], ...] = ()  # where each digit (or syllable) is in the text


def _digit(token: str) -> str:
    if token in DIGITS:
        return DIGITS[token]
    if token in "XxＸｘ":
        return "X"
    bare = "".join(c for c in unicodedata.normalize("NFD", token.lower())
                   if not unicodedata.combining(c))
    return PINYIN[bare]


def _birth_date(digits: str) -> bool:
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _id_card(digits: str) -> bool:
    return (len(digits) == 18 and digits[:17].isdigit()
            and (digits[17] == "X" or digits[17].isdigit() and _birth_date(digits)))


def _classify(digits: str) -> tuple[str, int, int] | None:
    """Which personal number a digit string is (and what of it may show), or None."""
    n = len(digits)
    if _id_card(digits):
        return "id_card", 3, 4
    if not digits.isdigit():
        return None
    if n == 11 and _MOBILE.fullmatch(digits):
        return "mobile", 3, 4
    if 10 <= n <= 12 and digits[0] == "0":
        return "landline", 3 if digits[1] in "12" else 4, 2  # 010-, 021- vs 0531-
    if n in (7, 8):
        return "landline", 0, 2  # a local number without area code
    if 16 <= n <= 19:
        return "bank_card", 0, 4
    return None


def _ordinary(run: str, groups: list[str]) -> bool:
    """A date (2026-11-22, 2026/11/22), an amount with thousands commas (1,280,000) or with
    cents (12345.67): not personal. Nothing as long as a phone number is an amount."""
    sizes = [len(g) for g in groups]
    if len(groups) == 3 and sizes[0] == 4 and all(1 <= s <= 2 for s in sizes[1:]):
        year, month, day = (int(g) for g in groups)
        return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31
    separators = set(re.findall(_SEP, run))
    if separators == {"."}:
        return len(groups) == 2 and sizes[0] <= 6 and sizes[1] <= 2
    return (len(groups) > 1 and separators == {","} and 1 <= sizes[0] <= 3
            and all(s == 3 for s in sizes[1:]) and sum(sizes) <= 10)


def _split(digits: str) -> list[tuple[str, int, int, int, int]]:
    """Numbers run together (a phone then an ID, a country code before a phone): the ID
    cards and mobiles inside, and what is left over. Where one number's visible tail meets
    the next one's head, or a found number may be misaligned inside a longer one, no more
    than SHOWN digits in a row stay visible: a country code before a phone or one stray
    digit (要 heard as yāo) may show, any other leftover is hidden."""
    found, i = [], 0
    while i < len(digits):
        kind = _classify(digits[i:]) if i == (found[-1][2] if found else 0) else None
        if kind:  # the rest is one number (a bank card after an ID)
            found.append((kind[0], i, len(digits), kind[1], kind[2]))
            break
        size = 18 if _id_card(digits[i:i + 18]) else 11 if _MOBILE.match(digits, i) else 0
        if size:
            found.append(("id_card" if size == 18 else "mobile", i, i + size, 3, 4))
            i += size
        else:
            i += 1
    out, at, shown = [], 0, 0  # shown: visible digits just before `at`
    for kind, start, end, head, tail in found + [("", len(digits), len(digits), 0, 0)]:
        gap = digits[at:start]
        if len(gap) >= GAP:
            gap_kind = _classify(gap) or ("number", 0, 2)
            out.append((gap_kind[0], at, start, 0, min(gap_kind[2], SHOWN)))
            shown = min(gap_kind[2], SHOWN)
        elif gap and kind == "mobile" and gap in ("86", "0086"):
            shown = 0  # a country code: part of the phone number, not of another one
        elif len(gap) == 1 and shown < SHOWN:
            shown += 1
        elif gap:
            out.append(("number", at, start, 0, 0))
            shown = 0
        if kind:
            head = min(head, SHOWN - shown)
            out.append((kind, start, end, head, tail))
            shown = tail
        at = end
    return out


def find(text: str) -> list[Match]:
    """Every personal number in `text`, in order."""
    text = _shadow(text)
    found = []
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 7:  # cheap: fewer than 7 characters, fewer than 7 digits
            continue
        tokens = [(m.start(), m.end()) for m in _ONE.finditer(text, run.start(), run.end())]
        if len(tokens) < 7:
            continue
        digits = "".join(_digit(text[a:b]) for a, b in tokens)
        groups = re.split(f"{_SEP}+", run.group())
        if all(g.isdigit() for g in groups) and _ordinary(run.group(), groups):
            continue
        kind = _classify(digits)
        parts = [(kind[0], 0, len(digits), kind[1], kind[2])] if kind else (
            _split(digits) if len(digits) >= 9 else [])
        for name, a, b, head, tail in parts:
            found.append(Match(name, tokens[a][0], tokens[b - 1][1], head, tail,
                               tuple(tokens[a:b])))
    return found


def _hidden(text: str) -> list[tuple[int, int]]:
    return [span for match in find(text)
            for span in match.digits[match.keep_head:len(match.digits) - match.keep_tail]]


@lru_cache(maxsize=64)  # one quote is shown and stored several times (text, finding, light)
def mask(text: str) -> str:
    """`text` with the inner digits of every personal number replaced by `*`.

    Separators and the visible head and tail keep their original characters, so a
    masked quote still reads as it was said: 一三八****五六七八, 6222 **** **** 7890,
    yāo sān bā * * * * wǔ liù qī bā.
    """
    if not text:
        return text
    out, at = [], 0
    for start, end in _hidden(text):
        out += [text[at:start], MASK]
        at = end
    out.append(text[at:])
    return "".join(out)


def mask_words(words: list[str]) -> list[str]:
    """Each word masked as part of the whole: a number said one word per digit is found."""
    joined = " ".join(words)
    hidden = dict(_hidden(joined))
    if not hidden:
        return list(words)
    out, start = [], 0
    for word in words:
        pieces, i, end = [], start, start + len(word)
        while i < end:
            if i in hidden:
                pieces.append(MASK)
                i = hidden[i]
            else:
                pieces.append(joined[i])
                i += 1
        out.append("".join(pieces))
        start = end + 1
    return out
