"""Who a phrase is said of: the subject written before it in its clause.

不知道 said to a citizen is the staff member's refusal (推诿); 他不知道, 大家都不知道 and
教练不知道每个队员的任务都很明确 report what somebody else knows. A recogniser that writes
布置到 with 不知道's exact tones leaves only this to tell them apart, and it holds for typed
text as well. A lexicon phrase marked `reported = true` is no hit where its clause says it
of a third person: a third-person pronoun (他, 她们, 人家, 大家) or persons in the plural
(孩子们) before it, past adverbs (也, 都, 根本); or a noun (教练, 很多人) before it with
more said after it in the clause (an object: 每个队员的任务…), where a noun with nothing
after it is as likely the topic of the speaker's own refusal (这事不知道, 老师也不知道 may
be 老师，我也不知道). The first and second persons and demonstratives (我, 这个) leave the
phrase the speaker's.

Clauses end at punctuation in typed text, and at a pause in speech (`pauses`): the
staff's 请出示身份证，不知道 is two clauses either way.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import clean_chars, to_simplified

THIRD_PERSON = frozenset(
    "他 她 它 他们 她们 它们 他俩 她俩 人家 别人 旁人 大家 大伙 大伙儿 有人 有的人 各位 他自己 她自己"
    .split())
# the speaker and the one spoken to, in the plural: 我们不知道 is the counter's own refusal
FIRST_SECOND = frozenset("我们 咱们 你们 您们".split())
# adverbs between a subject and its predicate that jieba does not tag as adverbs (d)
ADVERBS = frozenset("根本 可能 也许 好像 似乎 确实 完全 真的 其实 本来 压根 肯定 一定 显然 当然 恐怕"
                    .split())
_NOUNS = ("n", "vn")  # jieba's tags for nouns start so (n, nr, ns, nt, nz, ng, nrt, vn)
_CLAUSE_END = re.compile(r"[，。？！、；：,.?!;:…—\n]+")
_AFTER = "啊吧呀啦哦嘛呢吗的了"  # particles closing a clause add no object
PAUSE_S = 0.15  # silence between two syllables that ends a clause in speech


@dataclass(frozen=True)
class Subject:
    """A third person a phrase is said of, as its clause writes it."""

    word: str
    pronoun: bool  # a third-person pronoun; else a noun with an object after the phrase


def clauses(text: str) -> frozenset[int]:
    """Where typed text's clauses begin and end, in its characters as matching keeps them
    (`clean_chars`: no spaces, no punctuation)."""
    bounds, at = {0}, 0
    for piece in _CLAUSE_END.split(to_simplified(text)):
        at += len(clean_chars(piece))
        bounds.add(at)
    return frozenset(bounds)


def pauses(times: list[tuple[float, float]]) -> frozenset[int]:
    """Where speech's clauses begin and end: at each pause between syllables (their
    start and end times), and at both ends."""
    return frozenset({0, len(times)} | {i for i in range(1, len(times))
                                        if times[i][0] - times[i - 1][1] >= PAUSE_S})


def reported(chars: str, begin: int, end: int, bounds: frozenset[int]) -> Subject | None:
    """The third person that the phrase at chars[begin:end] is said of in its clause
    (`bounds`: where clauses begin and end), or None when it is the speaker's own."""
    start = max((b for b in bounds if b <= begin), default=0)
    stop = min((b for b in bounds if b >= end), default=len(chars))
    before = [(w, tag) for w, tag in _tagged(chars[start:begin])
              if not (tag.startswith("d") or w in ADVERBS)]
    if not before:
        return None
    word, tag = before[-1]
    if word in THIRD_PERSON or (word.endswith("们") and word not in FIRST_SECOND):
        # 们: persons (孩子们, 同学们)
        return Subject(word, True)
    if tag.startswith(_NOUNS) and len(chars[end:stop].rstrip(_AFTER)) >= 2:
        return Subject(word, False)
    return None


@lru_cache(maxsize=4096)
def _tagged(chars: str) -> tuple[tuple[str, str], ...]:
    """Words with jieba's part-of-speech tags, its dictionary only (no guessing HMM)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return tuple((p.word, p.flag) for p in jieba.posseg.cut(chars, HMM=False))
