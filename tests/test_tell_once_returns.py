"""一次性告知 over a day (tell_once): which earlier visit a return the same day points back to.

Found by the issue-25 bench (bench/rules.py); the engine's `returns` condition
(monitor/conditions.py) cannot be mended from the rule files: which customer came back, and
a return that does not say its business again, are decided in code.
"""
from __future__ import annotations

from monitor.pipeline import Scorer
from monitor.records import Utterance
from monitor.visits import Call

LUNCH = 5 * 3600.0


def _visit(at: float, lines: list[tuple[str, str]], label: str | None = None) -> list[Utterance]:
    return [Utterance(at + 5 * n, at + 5 * n + 3, role, text, visit=label)
            for n, (role, text) in enumerate(lines)]


def _told(visit) -> bool:
    return any(f.rule == "tell_once" for f in visit.findings)


def test_a_return_that_names_something_new_is_found_on_the_return():
    """The finding sits on the return's line that asks anew (monitor/rules written as data
    judge a visit as it is judged, with the visits before it: live, the earlier visit is
    already stored), quoting what was asked then in nothing but its place."""
    lines = (_visit(0, [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证"),
                        ("staff", "请慢走")])
             + _visit(LUNCH, [("staff", "您好"), ("customer", "又是我，准迁证带来了"),
                              ("staff", "还需要身份证"), ("staff", "请慢走")]))
    calls = [Call("W01", -2, 20, "A001", "户口迁移"), Call("W01", LUNCH - 2, LUNCH + 20,
                                                               "A002", "户口迁移")]
    session = Scorer.load("police").score(lines, window="W01", queue=calls)
    assert [_told(v) for v in session.visits] == [False, True]


def _day(*visits: tuple[float, list[tuple[str, str]]], sector: str = "police"):
    """Visits of one business type (户口迁移) at one window, judged as a day."""
    lines = [u for at, said in visits for u in _visit(at, said)]
    calls = [Call("W01", at - 2, at + 20, f"A00{n}", "户口迁移")
             for n, (at, _) in enumerate(visits, 1)]
    return Scorer.load(sector).score(lines, window="W01", queue=calls).visits


def _morning(*said: str) -> tuple[float, list[tuple[str, str]]]:
    return 0, [("staff", "您好"), ("customer", "我办户口迁移"), *[("staff", s) for s in said],
               ("staff", "请慢走")]


def _back(at: float, asked: str) -> tuple[float, list[tuple[str, str]]]:
    return at, [("staff", "您好"), ("customer", "又是我，准迁证带来了"), ("staff", asked),
                ("staff", "请慢走")]


def test_a_return_asking_what_was_named_then_asks_nothing_new():
    """还缺准迁证和身份证, then on the return 还需要身份证: told once, only not all brought."""
    visits = _day(_morning("还缺准迁证和身份证"), _back(LUNCH, "还需要身份证"))
    assert [_told(v) for v in visits] == [False, False]


def test_a_return_asking_what_was_not_named_then_is_found():
    visits = _day(_morning("还缺准迁证和身份证"), _back(LUNCH, "还需要户口本"))
    assert [_told(v) for v in visits] == [False, True]


def test_the_return_is_to_the_visit_whose_materials_it_brings():
    """Another customer of the same business came between: 还缺身份证 was told them, not
    this customer (who was told 还缺准迁证 and brings it), so 还需要身份证 is new to this one."""
    visits = _day(_morning("还缺准迁证"), (600, [("staff", "您好"), ("customer", "我办户口迁移"),
                                                 ("staff", "还缺身份证"), ("staff", "请慢走")]),
                  _back(LUNCH, "还需要身份证"))
    assert [_told(v) for v in visits] == [False, False, True]
    found = next(f for f in visits[2].findings if f.rule == "tell_once")
    assert "还需要身份证" in found.text


def test_a_return_that_does_not_name_its_business_again_is_still_a_return():
    """Without the queue: 又是我，委托书我带来了 names what the morning's line asked for (委托书),
    not the business; the finding is on the return (it was once asserted of the morning)."""
    lines = (_visit(0, [("staff", "您好"), ("customer", "想问一下代办挂失怎么办"),
                        ("staff", "还缺委托书"), ("staff", "请慢走")], "v1")
             + _visit(LUNCH, [("staff", "您好"), ("customer", "又是我，委托书我带来了"),
                              ("staff", "还差一个身份证"), ("staff", "请慢走")], "v2"))
    session = Scorer.load("bank").score(lines, window="W01")
    assert [_told(v) for v in session.visits] == [False, True]


def _two(first: list[tuple[str, str]], then: list[tuple[str, str]], business: str | None):
    """A morning's visit and a return after lunch; with `business`, both queued as it."""
    labels = (None, None) if business else ("v1", "v2")
    lines = _visit(0, first, labels[0]) + _visit(LUNCH, then, labels[1])
    calls = [Call("W01", at - 2, at + 30, f"A00{n}", business)
             for n, at in enumerate((0, LUNCH), 1)] if business else []
    return Scorer.load("government").score(lines, window="W01", queue=calls).visits


MORNING = [("staff", "您好"), ("customer", "你好，我想办社保卡挂失"), ("staff", "还缺身份证"),
           ("staff", "请慢走")]


def test_a_return_for_another_matter_said_in_other_words_is_not_found():
    """One queue type for both (综合业务), the customer says the matter is another one."""
    visits = _two(MORNING, [("staff", "您好"), ("customer", "又是我，上午来过的，我还想了解一下医保报销"),
                            ("staff", "医保报销需要发票和出院小结"), ("staff", "请慢走")], "综合业务")
    assert [_told(v) for v in visits] == [False, False]


def test_a_greeting_shared_is_no_business_shared():
    """Without the queue, 你好，我… said both times does not make the same business."""
    visits = _two(MORNING, [("staff", "您好"), ("customer", "你好，我早上来过"),
                            ("customer", "我想问医保报销要带什么"),
                            ("staff", "医保报销需要发票和出院小结"), ("staff", "请慢走")], None)
    assert [_told(v) for v in visits] == [False, False]


def test_a_return_naming_its_business_again_is_still_found():
    visits = _two(MORNING, [("staff", "您好"), ("customer", "你好，社保卡挂失，身份证我带来了"),
                            ("staff", "还需要户口本"), ("staff", "请慢走")], None)
    assert [_told(v) for v in visits] == [False, True]


def test_a_return_said_as_troubling_again_is_a_return():
    visits = _two(MORNING, [("staff", "您好"), ("customer", "又来麻烦您了，社保卡挂失"),
                            ("staff", "身份证对了，户口本也要"), ("staff", "请慢走")], None)
    assert [_told(v) for v in visits] == [False, True]
