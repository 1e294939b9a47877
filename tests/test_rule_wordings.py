"""首问负责 and 一次性告知 on wordings written here (a set of their own, apart from the
bench's): what staff say when materials are counted but fewer named, missing with none
named, or a matter is turned away with a farewell or a pointer to nowhere in particular."""
from __future__ import annotations

import pytest

from monitor.pipeline import Scorer
from monitor.records import Utterance


@pytest.fixture(scope="module")
def scorer():
    return Scorer.load("government")


def _found(scorer, rule: str, said: list[tuple[str, str]]) -> bool:
    lines = [("staff", "您好"), ("customer", "我想办居住证"), *said]
    visits = scorer.score([Utterance(5 * n, 5 * n + 3, role, text)
                           for n, (role, text) in enumerate(lines)], window="W01").visits
    return any(f.rule == rule for v in visits for f in v.findings)


def _told(scorer, line: str) -> bool:
    return _found(scorer, "tell_once", [("staff", line), ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("line", [
    "得准备三种材料：户口本和照片",     # the count after 准备
    "您这个还差俩，一个户口本",          # 俩, no measure word
    "两样东西您没带：户口本",            # the count first, the lack after
])
def test_fewer_named_than_counted(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", [
    "材料还差点", "你少带了东西", "回去把材料备齐", "你这个材料少了", "你这不完整",
    "材料有遗漏", "差一点材料"])
def test_missing_and_none_named(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", [
    "还要带身份证、户口本和照片", "您前面还有两个人，请稍等", "这个要三个工作日",
    "文件差点没保存", "材料差一点就丢了"])
def test_named_or_no_materials_at_all(scorer, line):
    assert not _told(scorer, line)


def _turned_away(scorer, deflection: str, then: str) -> bool:
    return _found(scorer, "first_asked", [("staff", deflection), ("customer", "啊？那怎么办"),
                                          ("staff", then)])


@pytest.mark.parametrize("deflection", ["这个业务我们这儿不做", "这事我们没法弄", "我们这儿不接这个"])
def test_deflections_said_otherwise(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", ["您拿好东西，出门注意安全", "您打个电话问问吧"])
def test_a_farewell_or_a_phone_unnamed_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["出门右转就是社保窗口", "您打社保局电话问问", "您打12345问问"])
def test_a_way_out_or_a_named_phone_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


def _piecemeal(scorer, later: str) -> bool:
    """Told 还缺户口本; the customer fetched it; then the staff ask for more."""
    return _found(scorer, "tell_once", [
        ("staff", "还缺户口本"), ("customer", "好的，我去拿"), ("staff", "好的"),
        ("customer", "拿来了，给您"), ("staff", later), ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("later", ["还有一样，租房合同", "租房合同您带了吗？这个也要"])
def test_one_more_asked_later(scorer, later):
    assert _piecemeal(scorer, later)


@pytest.mark.parametrize("later", ["好的，我看一下", "好，齐了"])
def test_nothing_more_asked_later(scorer, later):
    assert not _piecemeal(scorer, later)
