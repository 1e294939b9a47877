"""The issue-25 bench's fourth phrasing set (bench/sequenced_apart.py): it replaces every slot
of the generator, shares no phrasing with the other three sets (the bench's lists, HELD_OUT,
sequenced_fresh.FRESH: read here by the test, not by the set's writer), has as many forms as
FRESH, and its days are labelled by their construction: a deflection with no direction
names no place, a direction does, a statement names exactly the materials its builder gave
it, a count is more than what is named, a wait without its length gives none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_fresh  # noqa: E402
from phrasing_sets import (  # noqa: E402
    SLOTS, assert_labelled_by_construction, assert_materials_told_apart,
    assert_no_direction_names_no_place, assert_reads_back, assert_replaces_every_slot,
    assert_slots_hold_their_fields, assert_statements_name_their_builders,
    assert_typos_leave_the_truth, forms, said, strings)
from sequenced_apart import APART  # noqa: E402


def test_apart_replaces_every_slot_of_the_generator():
    assert_replaces_every_slot(APART)


def test_no_apart_phrasing_is_one_of_the_other_three_sets():
    seen = set().union(*(strings(getattr(sequenced, name)) for name in SLOTS),
                       *(strings(value) for value in sequenced.HELD_OUT.values()),
                       *(strings(value) for value in sequenced_fresh.FRESH.values()))
    same = sorted((name, text) for name in APART for text in strings(APART[name]) & seen)
    assert same == []


def test_apart_has_fresh_s_forms_and_three_times_the_held_out():
    for name in SLOTS - {"SECTORS"}:
        assert forms(APART[name]) >= forms(sequenced_fresh.FRESH[name]), name
        if name in sequenced.HELD_OUT:
            assert forms(APART[name]) >= 3 * forms(sequenced.HELD_OUT[name]), name
    for name, sector in APART["SECTORS"].items():
        fresh = sequenced_fresh.FRESH["SECTORS"][name]
        assert len(sector.elsewhere) >= len(fresh.elsewhere)
        assert len(sector.businesses) >= len(fresh.businesses)
        assert min(len(b.materials) for b in sector.businesses) >= max(APART["NAMED"])


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    assert_materials_told_apart(APART)


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    assert_slots_hold_their_fields(APART)


def test_apart_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction("apart")
    assert said(days) != said(sequenced.generate(11, 8, phrasing="fresh"))


def test_a_day_written_apart_reads_back_as_the_same_transcript(tmp_path):
    assert_reads_back(tmp_path, "apart")


def test_deflections_without_direction_name_no_place_and_the_others_do():
    assert_no_direction_names_no_place("apart")


def test_statements_name_exactly_what_their_builder_gave_them():
    assert_statements_name_their_builders("apart")


def test_typed_errors_work_with_the_set_apart_and_leave_its_truth():
    assert_typos_leave_the_truth("apart")
