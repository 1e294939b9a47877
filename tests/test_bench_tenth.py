"""The issue-25 bench's tenth phrasing set (bench/sequenced_tenth.py), the honest measure of
session 11's first_asked and tell_once readers: it replaces every slot of the generator,
shares no phrasing with the other nine sets (the bench's lists, HELD_OUT,
sequenced_fresh.FRESH, sequenced_apart.APART, sequenced_fifth.FIFTH, sequenced_sixth.SIXTH,
sequenced_seventh.SEVENTH, sequenced_eighth.EIGHTH, sequenced_ninth.NINTH) and no
deflection's core with any of them, has as many forms as NINTH, and its days are labelled by
their construction: a deflection with no direction names no place, office, floor line,
arrow, map, taxi or phone, a direction does, a statement names exactly the materials its
builder gave it, a count is more than what is named, a wait without its length gives none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_apart  # noqa: E402
import sequenced_eighth  # noqa: E402
import sequenced_fifth  # noqa: E402
import sequenced_fresh  # noqa: E402
import sequenced_sixth  # noqa: E402
import sequenced_seventh  # noqa: E402
from phrasing_sets import (  # noqa: E402
    SLOTS, WHERE, assert_has_the_forms_of, assert_labelled_by_construction,
    assert_materials_told_apart, assert_no_direction_names_no_place,
    assert_no_wait_outside_the_wait_slots, assert_reads_back, assert_replaces_every_slot,
    assert_shares_nothing_with, assert_slots_hold_their_fields,
    assert_statements_name_their_builders, assert_typos_leave_the_truth, said)
from sequenced_ninth import NINTH  # noqa: E402
from sequenced_tenth import TENTH  # noqa: E402

OTHERS = ({name: getattr(sequenced, name) for name in SLOTS}, sequenced.HELD_OUT,
          sequenced_fresh.FRESH, sequenced_apart.APART, sequenced_fifth.FIFTH,
          sequenced_sixth.SIXTH, sequenced_seventh.SEVENTH, sequenced_eighth.EIGHTH, NINTH)
# the ways the earlier sets direct (App, hotline, account, bus ...) and the tenth's own:
# lines and arrows on the floor, a slip, a phone's map, a taxi, a bike, a lift, a street
SAYS_WHERE = WHERE + ("App", "应用", "小程序", "公众号", "官网", "网站", "微信", "支付宝",
                      "幺二三四五", "客服", "公示栏", "公交", "地铁", "路口", "绿线", "箭头",
                      "条子", "导航", "位置", "打车", "单车", "电梯", "马路", "门口", "地址")


def test_tenth_replaces_every_slot_of_the_generator():
    assert_replaces_every_slot(TENTH)


def test_tenth_shares_no_phrasing_and_no_deflection_with_the_other_nine_sets():
    assert_shares_nothing_with(TENTH, OTHERS)


def test_tenth_has_the_ninth_s_forms_and_businesses_of_four_or_five_materials():
    assert_has_the_forms_of(TENTH, NINTH)


def test_no_wait_is_announced_outside_the_wait_slots():
    assert_no_wait_outside_the_wait_slots(TENTH)


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    assert_materials_told_apart(TENTH)


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    assert_slots_hold_their_fields(TENTH, where=SAYS_WHERE)


def test_tenth_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction("tenth")
    assert said(days) != said(sequenced.generate(11, 8, phrasing="ninth"))


def test_a_tenth_day_reads_back_as_the_same_transcript(tmp_path):
    assert_reads_back(tmp_path, "tenth")


def test_deflections_without_direction_name_no_place_and_the_others_do():
    assert_no_direction_names_no_place("tenth", where=SAYS_WHERE)


def test_statements_name_exactly_what_their_builder_gave_them():
    assert_statements_name_their_builders("tenth")


def test_typed_errors_work_with_the_tenth_set_and_leave_its_truth():
    assert_typos_leave_the_truth("tenth")
