"""The issue-25 bench's third phrasing set (bench/sequenced_fresh.py): it replaces every slot
of the generator, shares no phrasing with the bench's lists or HELD_OUT, has three times
HELD_OUT's forms, and gives days of every kind labelled as the other sets (its directions
name a place and its bare deflections none: test_bench_rules); typed errors only when
asked."""
from __future__ import annotations

import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_fresh  # noqa: E402
from phrasing_sets import SLOTS, assert_labelled_by_construction, forms, said, strings  # noqa: E402
from sequenced_fresh import FRESH  # noqa: E402

def test_fresh_replaces_every_slot_of_the_generator():
    assert set(FRESH) == SLOTS
    assert set(FRESH["SECTORS"]) == set(sequenced.SECTORS)
    assert all(FRESH["SECTORS"][name].profile == sector.profile
               for name, sector in sequenced.SECTORS.items())


def test_no_fresh_phrasing_is_one_of_the_bench_or_the_held_out():
    seen = set().union(*(strings(getattr(sequenced, name)) for name in SLOTS),
                       *(strings(value) for value in sequenced.HELD_OUT.values()))
    same = sorted((name, text) for name in FRESH for text in strings(FRESH[name]) & seen)
    assert same == []


def test_fresh_has_three_times_the_held_out_forms_and_no_fewer_than_the_bench():
    for name in SLOTS - {"SECTORS"}:
        assert forms(FRESH[name]) >= forms(getattr(sequenced, name)), name
        if name in sequenced.HELD_OUT:
            assert forms(FRESH[name]) >= 3 * forms(sequenced.HELD_OUT[name]), name
    for name, sector in FRESH["SECTORS"].items():
        assert len(sector.elsewhere) > len(sequenced.SECTORS[name].elsewhere)
        assert min(len(b.materials) for b in sector.businesses) >= 4


def test_fresh_days_hold_every_kind_of_case_labelled_by_its_construction():
    assert_labelled_by_construction("fresh")


def _named(text: str, materials: set[str]) -> int:
    """How many materials a line names, the longest first (法人身份证 is not also 身份证)."""
    count = 0
    for material in sorted(materials, key=len, reverse=True):
        count += material in text
        text = text.replace(material, "|")
    return count


def test_fresh_statements_name_one_to_four_materials():
    named = set()
    for day in sequenced.generate(5, 40, phrasing="fresh"):
        materials = {m for b in FRESH["SECTORS"][day.sector].businesses for m in b.materials}
        for case in day.cases:
            if case.variant == "complete list":
                named |= {_named(line.text, materials) for line in case.visits[0][1]
                          if line.role == "staff"}
    assert {1, 2, 3, 4} <= named


def test_typed_errors_only_when_asked_about_the_share_asked_and_the_truth_unchanged():
    clean = sequenced.generate(5, 6, phrasing="fresh")
    assert said(clean) == said(sequenced.generate(5, 6, phrasing="fresh"))
    typed = sequenced.generate(5, 6, phrasing="fresh", typos=0.15)
    pairs = [(a.text, b.text) for c, t in zip(clean, typed) for a, b in
             zip(c.utterances, t.utterances, strict=True)]
    changed = sum(a != b for a, b in pairs) / len(pairs)
    assert 0.10 < changed < 0.20
    assert [[(c.variant, c.truth) for c in d.cases] for d in clean] == [
        [(c.variant, c.truth) for c in d.cases] for d in typed]


def test_a_typed_error_is_one_slip_of_the_keyboard():
    rng = random.Random(1)
    for text in ("您这材料还差户口簿和结婚证", "这个不归我们科管。", "好"):
        for _ in range(50):
            typed = sequenced_fresh.mistype(rng, text)
            assert typed != text or len(set(text)) < len(text)
            assert abs(len(typed) - len(text)) <= 1
