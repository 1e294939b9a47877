"""The issue-25 bench's sixth phrasing set (bench/sequenced_sixth.py), the honest measure: it
replaces every slot of the generator, shares no phrasing with the other five sets (the
bench's lists, HELD_OUT, sequenced_fresh.FRESH, sequenced_apart.APART,
sequenced_fifth.FIFTH) and no deflection's core with any of them, has as many forms as
FIFTH, and its days are labelled by their construction: a deflection with no direction
names no place, office, telephone, app or website, a direction does, a statement names
exactly the materials its builder gave it, a count is more than what is named, a wait
without its length gives none."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_apart  # noqa: E402
import sequenced_fifth  # noqa: E402
import sequenced_fresh  # noqa: E402
from phrasing_sets import (  # noqa: E402
    SLOTS, WHERE, assert_labelled_by_construction, assert_materials_told_apart,
    assert_no_direction_names_no_place, assert_reads_back, assert_slots_hold_their_fields,
    assert_statements_name_their_builders, assert_typos_leave_the_truth, forms, said, strings)
from sequenced_sixth import SIXTH  # noqa: E402

FIFTH = sequenced_fifth.FIFTH
OTHERS = ({name: getattr(sequenced, name) for name in SLOTS}, sequenced.HELD_OUT,
          sequenced_fresh.FRESH, sequenced_apart.APART, FIFTH)
# the sixth set also directs by telephone, App, mini program, website and account
SAYS_WHERE = WHERE + ("App", "小程序", "公众号", "官网", "网站", "微信")


def test_sixth_replaces_every_slot_of_the_generator():
    assert set(SIXTH) == SLOTS
    assert all(SIXTH[name] for name in SLOTS)
    assert set(SIXTH["SECTORS"]) == set(sequenced.SECTORS)
    assert all(SIXTH["SECTORS"][name].profile == sector.profile
               for name, sector in sequenced.SECTORS.items())
    assert set(SIXTH["COUNT_WORDS"]) == set(SIXTH["COUNTED_AS"])


def test_no_sixth_phrasing_is_one_of_the_other_five_sets():
    seen = set().union(*(strings(value) for other in OTHERS for value in other.values()))
    same = sorted((name, text) for name in SIXTH for text in strings(SIXTH[name]) & seen)
    assert same == []


def test_no_quiet_line_of_the_sixth_holds_a_deflection_of_another_set():
    cores = {core for other in OTHERS for core in other.get("DEFLECT", [])}
    quiet = [t for name in ("DEFLECT", "NO_DIRECTION", "VAGUE_POINTER", "CLOSE", "SHRUG")
             for t in SIXTH[name]]
    assert not [(t, core) for t in quiet for core in cores if core in t]


def test_sixth_has_the_fifth_s_forms_and_businesses_of_four_or_five_materials():
    for name in SLOTS - {"SECTORS"}:
        assert forms(SIXTH[name]) >= forms(FIFTH[name]), name
    for name, sector in SIXTH["SECTORS"].items():
        assert len(sector.elsewhere) >= len(FIFTH["SECTORS"][name].elsewhere)
        assert len(sector.businesses) >= len(FIFTH["SECTORS"][name].businesses)
        assert {len(b.materials) for b in sector.businesses} <= {4, 5}
    assert max(SIXTH["NAMED"]) == 4


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    assert_materials_told_apart(SIXTH)


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    assert_slots_hold_their_fields(SIXTH, where=SAYS_WHERE)


def test_sixth_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction(SIXTH, sixth=True)
    assert said(days) != said(sequenced.generate(11, 8, fifth=True))


def test_a_sixth_day_reads_back_as_the_same_transcript(tmp_path):
    assert_reads_back(tmp_path, sixth=True)


def test_deflections_without_direction_name_no_place_and_the_others_do():
    assert_no_direction_names_no_place(SIXTH, where=SAYS_WHERE, sixth=True)


def test_statements_name_exactly_what_their_builder_gave_them():
    assert_statements_name_their_builders(SIXTH, sixth=True)


def test_typed_errors_work_with_the_sixth_set_and_leave_its_truth():
    assert_typos_leave_the_truth(sixth=True)
