"""The issue-25 bench's phrasing sets written apart from the sixth on (bench/sequenced_sixth.py
... bench/sequenced_thirteenth.py), each the honest measure of a session's readers, checked alike:
a set replaces every slot of the generator, shares no phrasing with the sets before it (the
bench's lists, HELD_OUT and every set earlier in sequenced.PHRASINGS) and no deflection's
core with any of them, has as many forms as the set before it, and its days are labelled by
their construction: a deflection with no direction names no place, office or channel to
turn to, a direction does, a statement names exactly the materials its builder gave it, a
count is more than what is named, a wait without its length gives none. A new set is one row
of WAYS."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
from phrasing_sets import (  # noqa: E402
    SLOTS, WHERE, assert_has_the_forms_of, assert_labelled_by_construction, lists,
    assert_materials_told_apart, assert_no_direction_names_no_place,
    assert_no_wait_outside_the_wait_slots, assert_reads_back, assert_replaces_every_slot,
    assert_shares_nothing_with, assert_slots_hold_their_fields,
    assert_statements_name_their_builders, assert_typos_leave_the_truth, said)

_CHANNELS = ("App", "小程序", "公众号", "官网", "网站", "微信")
_NINTH = _CHANNELS + ("应用", "支付宝", "幺二三四五", "客服", "公示栏", "公交", "地铁", "路口")
# lines and arrows on the floor, a slip, a phone's map, a taxi, a bike, a lift, a street
_TENTH = _NINTH + ("绿线", "箭头", "条子", "导航", "位置", "打车", "单车", "电梯", "马路", "门口",
                   "地址")
# a metro line, a crossing's lights, a footbridge, a yard, a back door, a street's end
_ELEVENTH = _TENTH + ("号线", "红绿灯", "天桥", "院子", "后门", "街口")
# landmarks (a petrol station, a supermarket, a post office, a park, a banyan, a market),
# the floor plan and a yellow line, a search, a code scanned, a number dialled, a
# ride-hailing car, a platform, a car park, a bridge, a side gate, a bike, a staff number,
# a guard
_TWELFTH = _ELEVENTH + ("加油站", "超市", "邮局", "公园", "平面图", "黄线", "搜", "扫", "拨", "网约车",
                        "站台", "停车场", "桥", "榕树", "围墙", "巷子", "菜市场", "侧门", "骑", "工号",
                        "保安")
# the words by which each set directs the citizen besides WHERE's places and offices
WAYS = {
    "sixth": _CHANNELS,  # telephone, App, mini program, website and account
    "seventh": _CHANNELS,  # hotline, App, mini program, account and website
    "eighth": _CHANNELS + ("支付宝", "一二三四五"),
    "ninth": _NINTH,  # and customer service, notice board, bus and metro
    "tenth": _TENTH,
    "eleventh": _ELEVENTH,
    "twelfth": _TWELFTH,
    # a person (a director, a teacher, an elder sister in charge), a queue's letter, a department's
    # former name, a compass point, a street, the township, the village and its office, a
    # clerk's day there
    "thirteenth": _TWELFTH + ("主任", "老师", "大姐", "字头", "以前不叫", "原先叫", "改名", "名字改了",
                              "往东", "往西", "往北", "往南", "这条街", "镇上", "村里", "村部",
                              "坐班", "摆摊"),
}
SETS = list(WAYS)
ORDER = list(sequenced.PHRASINGS)


def before(name: str) -> str:
    return ORDER[ORDER.index(name) - 1]


def where(name: str) -> tuple[str, ...]:
    return WHERE + WAYS[name]


def test_every_set_from_the_sixth_on_is_checked_here():
    assert ORDER[ORDER.index("sixth"):] == SETS


@pytest.mark.parametrize("name", SETS)
def test_a_set_replaces_every_slot_of_the_generator(name):
    assert_replaces_every_slot(lists(name))


@pytest.mark.parametrize("name", SETS)
def test_a_set_shares_no_phrasing_and_no_deflection_with_the_sets_before_it(name):
    others = ({slot: getattr(sequenced, slot) for slot in SLOTS},
              *(lists(earlier) for earlier in ORDER[1:ORDER.index(name)]))
    assert_shares_nothing_with(lists(name), others)


@pytest.mark.parametrize("name", SETS)
def test_a_set_has_the_forms_of_the_one_before_and_businesses_of_four_or_five_materials(name):
    assert_has_the_forms_of(lists(name), lists(before(name)))


# the sixth set, written before waits were checked, says one in a hand-over and a direction
# (等我下，我去把…拿来; 等着叫就行): its 候时告知 figures read those days as they are
@pytest.mark.parametrize("name", SETS[1:])
def test_no_wait_is_announced_outside_the_wait_slots(name):
    assert_no_wait_outside_the_wait_slots(lists(name))


@pytest.mark.parametrize("name", SETS)
def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing(name):
    assert_materials_told_apart(lists(name))


@pytest.mark.parametrize("name", SETS)
def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length(name):
    assert_slots_hold_their_fields(lists(name), where=where(name))


@pytest.mark.parametrize("name", SETS)
def test_a_set_s_days_hold_every_kind_of_case_labelled_by_its_construction(name):
    days = assert_labelled_by_construction(name)
    assert said(days) != said(sequenced.generate(11, 8, phrasing=before(name)))


@pytest.mark.parametrize("name", SETS)
def test_a_day_of_the_set_reads_back_as_the_same_transcript(tmp_path, name):
    assert_reads_back(tmp_path, name)


@pytest.mark.parametrize("name", SETS)
def test_deflections_without_direction_name_no_place_and_the_others_do(name):
    assert_no_direction_names_no_place(name, where=where(name))


@pytest.mark.parametrize("name", SETS)
def test_statements_name_exactly_what_their_builder_gave_them(name):
    assert_statements_name_their_builders(name)


@pytest.mark.parametrize("name", SETS)
def test_typed_errors_work_with_the_set_and_leave_its_truth(name):
    assert_typos_leave_the_truth(name)
