"""The issue-25 bench's fifth phrasing set (bench/sequenced_fifth.py), the honest measure: it
replaces every slot of the generator, shares no phrasing with the other four sets (the
bench's lists, HELD_OUT, sequenced_fresh.FRESH, sequenced_apart.APART) and no deflection's
core with the bench's, has as many forms as APART, and its days are labelled by their
construction: a deflection with no direction names no place, office, telephone or app, a
direction does, a statement names exactly the materials its builder gave it, a count is
more than what is named, a wait without its length gives none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_apart  # noqa: E402
import sequenced_fresh  # noqa: E402
from phrasing_sets import (  # noqa: E402
    SLOTS, WHERE, assert_has_the_forms_of, assert_labelled_by_construction,
    assert_materials_told_apart, assert_no_direction_names_no_place, assert_reads_back,
    assert_replaces_every_slot, assert_slots_hold_their_fields,
    assert_statements_name_their_builders, assert_typos_leave_the_truth, said, strings)
from sequenced_fifth import FIFTH  # noqa: E402

APART = sequenced_apart.APART
# the fifth set also directs by telephone, app and official account: words of where too
SAYS_WHERE = WHERE + ("App", "小程序", "公众号")


def test_fifth_replaces_every_slot_of_the_generator():
    assert_replaces_every_slot(FIFTH)


def test_no_fifth_phrasing_is_one_of_the_other_four_sets():
    seen = set().union(*(strings(getattr(sequenced, name)) for name in SLOTS),
                       *(strings(value) for value in sequenced.HELD_OUT.values()),
                       *(strings(value) for value in sequenced_fresh.FRESH.values()),
                       *(strings(value) for value in APART.values()))
    same = sorted((name, text) for name in FIFTH for text in strings(FIFTH[name]) & seen)
    assert same == []


def test_no_quiet_line_of_the_fifth_holds_a_deflection_of_the_bench_s():
    quiet = [t for name in ("DEFLECT", "NO_DIRECTION", "VAGUE_POINTER", "CLOSE", "SHRUG")
             for t in FIFTH[name]]
    assert not [(t, core) for t in quiet for core in sequenced.DEFLECT if core in t]


def test_fifth_has_the_fourth_s_forms_and_businesses_of_four_or_five_materials():
    assert_has_the_forms_of(FIFTH, APART)


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    assert_materials_told_apart(FIFTH)


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    assert_slots_hold_their_fields(FIFTH, where=SAYS_WHERE)


def test_fifth_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction("fifth")
    assert said(days) != said(sequenced.generate(11, 8, phrasing="apart"))


def test_a_fifth_day_reads_back_as_the_same_transcript(tmp_path):
    assert_reads_back(tmp_path, "fifth")


def test_deflections_without_direction_name_no_place_and_the_others_do():
    assert_no_direction_names_no_place("fifth", where=SAYS_WHERE)


def test_statements_name_exactly_what_their_builder_gave_them():
    assert_statements_name_their_builders("fifth")


def test_typed_errors_work_with_the_fifth_set_and_leave_its_truth():
    assert_typos_leave_the_truth("fifth")
