"""Masking personal numbers in quoted speech: ID cards, phones and bank cards.

Counter talk is full of them (a customer reads out a phone number, staff repeat an ID).
Speech recognition writes digits as Arabic numerals, full-width numerals or Chinese
numerals (一三八…, 幺 for 1, 两 for 2, 〇/零 for 0), sometimes in groups; all are found
here. Reports, replay and training data show quotes only after `mask()`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {
    **{str(d): str(d) for d in range(10)},
    **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width ０-９
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3",
    "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
_DIGIT = "[" + "".join(DIGITS) + "]"
_CHECK = "[XxＸｘ]"
# Digits, each group joined by at most one space or dash; an ID card may end in X.
_RUN = re.compile(f"{_DIGIT}(?:[ \\-–]?{_DIGIT})*(?:[ \\-–]?{_CHECK})?")
MASK = "*"


@dataclass(frozen=True)
class Match:
    """A personal number found in a text: where it is and what it is."""

    kind: str  # id_card, mobile, landline, bank_card
    start: int
    end: int
    keep_head: int  # digits shown at the start
    keep_tail: int  # digits shown at the end


def _birth_date(digits: str) -> bool:
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _classify(digits: str) -> tuple[str, int, int] | None:
    """Which personal number a digit string is (and what of it may show), or None."""
    n = len(digits)
    if n == 18 and digits[:17].isdigit() and (digits[17].isdigit() or digits[17] == "X"):
        if digits[17] == "X" or _birth_date(digits):
            return "id_card", 3, 4
    if not digits.isdigit():
        return None
    if n == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return "mobile", 3, 4
    if 10 <= n <= 12 and digits[0] == "0":
        return "landline", 3 if digits[1] in "12" else 4, 2  # 010-, 021- vs 0531-
    if n in (7, 8):
        return "landline", 0, 2  # a local number without area code
    if 16 <= n <= 19:
        return "bank_card", 0, 4
    return None


def find(text: str) -> list[Match]:
    """Every personal number in `text`, in order."""
    found = []
    for run in _RUN.finditer(text):
        digits = "".join(DIGITS.get(c, "X" if c in "XxＸｘ" else "") for c in run.group())
        kind = _classify(digits)
        if kind:
            found.append(Match(kind[0], run.start(), run.end(), kind[1], kind[2]))
    return found


def mask(text: str) -> str:
    """`text` with the inner digits of every personal number replaced by `*`.

    Separators and the visible head and tail keep their original characters, so a
    masked quote still reads as it was said: 一三八****五六七八, 6222 **** **** 7890.
    """
    if not text:
        return text
    out = list(text)
    for match in find(text):
        positions = [i for i in range(match.start, match.end) if text[i] not in " -–"]
        hidden = positions[match.keep_head:len(positions) - match.keep_tail]
        for i in hidden:
            out[i] = MASK
    return "".join(out)
