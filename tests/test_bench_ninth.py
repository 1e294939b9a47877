"""The issue-25 bench's ninth phrasing set (bench/sequenced_ninth.py), the honest measure of
the first_asked and tell_once readers: it replaces every slot of the generator, shares no
phrasing with the other eight sets (the bench's lists, HELD_OUT, sequenced_fresh.FRESH,
sequenced_apart.APART, sequenced_fifth.FIFTH, sequenced_sixth.SIXTH,
sequenced_seventh.SEVENTH, sequenced_eighth.EIGHTH) and no deflection's core with any of
them, has as many forms as EIGHTH, and its days are labelled by their construction: a
deflection with no direction names no place, office, hotline, app or website, a direction
does, a statement names exactly the materials its builder gave it, a count is more than what
is named, a wait without its length gives none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_apart  # noqa: E402
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
from sequenced_eighth import EIGHTH  # noqa: E402
from sequenced_ninth import NINTH  # noqa: E402

OTHERS = ({name: getattr(sequenced, name) for name in SLOTS}, sequenced.HELD_OUT,
          sequenced_fresh.FRESH, sequenced_apart.APART, sequenced_fifth.FIFTH,
          sequenced_sixth.SIXTH, sequenced_seventh.SEVENTH, EIGHTH)
# the ninth set also directs by 幺二三四五, hotline, customer service, App, WeChat, mini
# program, account, website, Alipay, notice board, bus and metro
SAYS_WHERE = WHERE + ("App", "应用", "小程序", "公众号", "官网", "网站", "微信", "支付宝",
                      "幺二三四五", "客服", "公示栏", "公交", "地铁", "路口")


def test_ninth_replaces_every_slot_of_the_generator():
    assert_replaces_every_slot(NINTH)


def test_ninth_shares_no_phrasing_and_no_deflection_with_the_other_eight_sets():
    assert_shares_nothing_with(NINTH, OTHERS)


def test_ninth_has_the_eighth_s_forms_and_businesses_of_four_or_five_materials():
    assert_has_the_forms_of(NINTH, EIGHTH)


def test_no_wait_is_announced_outside_the_wait_slots():
    assert_no_wait_outside_the_wait_slots(NINTH)


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    assert_materials_told_apart(NINTH)


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    assert_slots_hold_their_fields(NINTH, where=SAYS_WHERE)


def test_ninth_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction("ninth")
    assert said(days) != said(sequenced.generate(11, 8, phrasing="eighth"))


def test_a_ninth_day_reads_back_as_the_same_transcript(tmp_path):
    assert_reads_back(tmp_path, "ninth")


def test_deflections_without_direction_name_no_place_and_the_others_do():
    assert_no_direction_names_no_place("ninth", where=SAYS_WHERE)


def test_statements_name_exactly_what_their_builder_gave_them():
    assert_statements_name_their_builders("ninth")


def test_typed_errors_work_with_the_ninth_set_and_leave_its_truth():
    assert_typos_leave_the_truth("ninth")
