"""一次性告知 over a day (tell_once): which earlier visit a return the same day points back to.

Found by the issue-25 bench (bench/rules.py): a return was matched to every earlier visit of
the same business, and without the queue only to one whose customer words it repeated. The
engine's `returns` condition (monitor/conditions.py) now ties a return to the one earlier
visit of the same customer: what the customer brings back is what that visit named, else the
same business (the queue's type, or the customer's words), the latest such visit.
"""
from __future__ import annotations

import pytest

from monitor.pipeline import Scorer
from monitor.records import Utterance
from monitor.visits import Call

LUNCH = 5 * 3600.0


def _visit(at: float, lines: list[tuple[str, str]], label: str | None = None) -> list[Utterance]:
    return [Utterance(at + 5 * n, at + 5 * n + 3, role, text, visit=label)
            for n, (role, text) in enumerate(lines)]


def _told(visit) -> bool:
    return any(f.rule == "tell_once" for f in visit.findings)


def test_a_return_that_names_something_new_finds_the_visit_that_named_fewer():
    lines = (_visit(0, [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证"),
                        ("staff", "请慢走")])
             + _visit(LUNCH, [("staff", "您好"), ("customer", "又是我，准迁证带来了"),
                              ("staff", "还需要身份证"), ("staff", "请慢走")]))
    calls = [Call("W01", -2, 20, "A001", "户口迁移"), Call("W01", LUNCH - 2, LUNCH + 20,
                                                               "A002", "户口迁移")]
    session = Scorer.load("police").score(lines, window="W01", queue=calls)
    assert [_told(v) for v in session.visits] == [True, False]


def test_another_customers_return_does_not_blame_a_complete_statement():
    lines = (_visit(0, [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺户口本"),
                        ("staff", "请慢走")])
             + _visit(600, [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证"),
                            ("staff", "请慢走")])
             + _visit(LUNCH, [("staff", "您好"), ("customer", "又是我，准迁证带来了"),
                              ("staff", "还需要身份证"), ("staff", "请慢走")]))
    calls = [Call("W01", at - 2, at + 20, f"A00{n}", "户口迁移")
             for n, at in enumerate((0, 600, LUNCH), 1)]
    session = Scorer.load("police").score(lines, window="W01", queue=calls)
    first, second, _ = session.visits
    assert _told(second) and not _told(first)


def test_a_return_that_does_not_name_its_business_again_is_still_a_return():
    lines = (_visit(0, [("staff", "您好"), ("customer", "想问一下代办挂失怎么办"),
                        ("staff", "还缺委托书"), ("staff", "请慢走")], "v1")
             + _visit(LUNCH, [("staff", "您好"), ("customer", "又是我，委托书我带来了"),
                              ("staff", "还差一个身份证"), ("staff", "请慢走")], "v2"))
    session = Scorer.load("bank").score(lines, window="W01")
    assert _told(session.visits[0])


def _day(visits: list[tuple[float, list[tuple[str, str]]]], business: str | None = "户口迁移",
         profile: str = "police"):
    """A day at one window; with `business`, each visit is a queue call of that type, else
    each line carries its visit and only the words tell a return."""
    lines = [u for n, (at, said) in enumerate(visits, 1)
             for u in _visit(at, said, None if business else f"v{n}")]
    calls = [Call("W01", at - 2, at + 20, f"A00{n}", business)
             for n, (at, _) in enumerate(visits, 1)] if business else ()
    return Scorer.load(profile).score(lines, window="W01", queue=calls)


def _told_day(visits, business="户口迁移"):
    return [_told(v) for v in _day(visits, business).visits]


MORNING_ONE = [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺户口本"),
               ("staff", "请慢走")]
MORNING_TWO = [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证"),
               ("staff", "请慢走")]
BACK_WITH_PERMIT = [("staff", "您好"), ("customer", "又是我，准迁证带来了"),
                    ("staff", "还需要身份证"), ("staff", "请慢走")]


@pytest.mark.parametrize("business", ["户口迁移", None], ids=["queue", "words"])
def test_the_return_blames_its_own_customers_visit_whichever_came_first(business):
    """Another customer's statement of the same business, before or after this customer's,
    is not what the return points back to."""
    assert _told_day([(0, MORNING_TWO), (600, MORNING_ONE), (LUNCH, BACK_WITH_PERMIT)],
                     business) == [True, False, False]
    assert _told_day([(0, MORNING_ONE), (600, MORNING_TWO), (LUNCH, BACK_WITH_PERMIT)],
                     business) == [False, True, False]


@pytest.mark.parametrize("business", ["户口迁移", None], ids=["queue", "words"])
def test_a_complete_statement_is_not_blamed_for_a_return_bringing_something_else(business):
    complete = [("staff", "您好"), ("customer", "我办户口迁移"),
                ("staff", "还缺户口本和身份证"), ("staff", "请慢走")]
    back = [("staff", "您好"), ("customer", "又是我，结婚证带来了"), ("staff", "还需要照片"),
            ("staff", "请慢走")]
    assert _told_day([(0, complete), (LUNCH, back)], business) == [False, False]


def test_a_return_for_other_business_blames_no_statement_of_the_morning():
    back = [("staff", "您好"), ("customer", "我又来了，这回想办居住证"),
            ("staff", "办居住证需要身份证和照片"), ("staff", "请慢走")]
    assert _told_day([(0, MORNING_ONE), (LUNCH, back)], None) == [False, False]


def test_a_return_bringing_nothing_heard_to_a_business_two_customers_had_blames_neither():
    """Which of the two it was cannot be told: no staff member is blamed on a guess."""
    back = [("staff", "您好"), ("customer", "我又来了，还是办户口迁移"), ("staff", "还需要身份证"),
            ("staff", "请慢走")]
    assert _told_day([(0, MORNING_ONE), (600, MORNING_TWO), (LUNCH, back)],
                     None) == [False, False, False]
    assert _told_day([(0, MORNING_ONE), (LUNCH, back)], None) == [True, False]


@pytest.mark.parametrize("business", ["户口迁移", None], ids=["queue", "words"])
def test_a_later_statement_naming_more_is_not_blamed_for_a_return_to_an_earlier_one(business):
    """The return brings just what the first visit named; a later one of the same business
    named that and more (another customer, told everything): the first is the return's."""
    complete = [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证和户口本"),
                ("staff", "请慢走")]
    assert _told_day([(0, MORNING_TWO), (600, complete), (LUNCH, BACK_WITH_PERMIT)],
                     business) == [True, False, False]


def test_a_customer_back_to_bring_what_was_missing_says_so_in_general_words():
    """来补材料 says the customer is back, as 又是我 and 带来了 do."""
    back = [("staff", "您好"), ("customer", "您好，我来补材料，准迁证在这儿"),
            ("staff", "还需要身份证"), ("staff", "请慢走")]
    assert _told_day([(0, MORNING_TWO), (LUNCH, back)], None) == [True, False]
