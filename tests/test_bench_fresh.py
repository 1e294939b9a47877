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
from sequenced_fresh import FRESH  # noqa: E402

SLOTS = {name for name, value in vars(sequenced).items()
         if name.isupper() and isinstance(value, (list, dict))} - {"HELD_OUT", "VARIANTS"}


def _strings(value) -> set[str]:
    """Every phrasing in a slot: list items, a count's words, a sector's businesses and the
    asks, places and offices of its matters elsewhere (materials are things, not phrasings)."""
    if isinstance(value, int):
        return set()
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, sequenced.Sector):
        return {b.name for b in value.businesses} | {
            text for e in value.elsewhere for text in (e.ask, e.place, e.agency)}
    items = value.values() if isinstance(value, dict) else value
    return set().union(*(_strings(item) for item in items)) if items else set()


def _forms(value) -> int:
    return sum(map(len, value.values())) if isinstance(value, dict) else len(value)


def _said(days):
    return [[(u.start, u.role, u.text, u.visit) for u in d.utterances] for d in days]


def test_fresh_replaces_every_slot_of_the_generator():
    assert set(FRESH) == SLOTS
    assert set(FRESH["SECTORS"]) == set(sequenced.SECTORS)
    assert all(FRESH["SECTORS"][name].profile == sector.profile
               for name, sector in sequenced.SECTORS.items())


def test_no_fresh_phrasing_is_one_of_the_bench_or_the_held_out():
    seen = set().union(*(_strings(getattr(sequenced, name)) for name in SLOTS),
                       *(_strings(value) for value in sequenced.HELD_OUT.values()))
    same = sorted((name, text) for name in FRESH for text in _strings(FRESH[name]) & seen)
    assert same == []


def test_fresh_has_three_times_the_held_out_forms_and_no_fewer_than_the_bench():
    for name in SLOTS - {"SECTORS"}:
        assert _forms(FRESH[name]) >= _forms(getattr(sequenced, name)), name
        if name in sequenced.HELD_OUT:
            assert _forms(FRESH[name]) >= 3 * _forms(sequenced.HELD_OUT[name]), name
    for name, sector in FRESH["SECTORS"].items():
        assert len(sector.elsewhere) > len(sequenced.SECTORS[name].elsewhere)
        assert min(len(b.materials) for b in sector.businesses) >= 4


def test_fresh_days_hold_every_kind_of_case_labelled_by_its_construction():
    before = {name: getattr(sequenced, name) for name in SLOTS}
    days = sequenced.generate(11, 8, fresh=True)
    assert {name: getattr(sequenced, name) for name in SLOTS} == before
    assert {c.variant for d in days for c in d.cases} == set(sequenced.VARIANTS)
    for day in days:
        assert {b.name for b in FRESH["SECTORS"][day.sector].businesses} >= {
            business for c in day.cases for business, _ in c.visits} - {sequenced.ASKED_ELSEWHERE}
        for n, case in enumerate(day.cases):
            _, rule, positive = sequenced.VARIANTS[case.variant]
            assert case.truth == {r: positive and r == rule for r in sequenced.RULES}
            labels = sorted((v for v, k in day.visit_case.items() if k == n),
                            key=lambda v: day.visit_lines[v][0])
            for label, (_, lines) in zip(labels, case.visits, strict=True):
                assert [day.utterances[i].text for i in day.visit_lines[label]] == [
                    line.text for line in lines]
            assert not positive or n in day.spans
    deflected = {line.text for d in days for c in d.cases if c.truth["first_asked"]
                 for _, lines in c.visits for line in lines if line.mark == "e"}
    assert any(core in text for text in deflected for core in FRESH["DEFLECT"])
    assert not any(core in text for text in deflected for core in sequenced.DEFLECT)
    assert _said(days) != _said(sequenced.generate(11, 8))


def _named(text: str, materials: set[str]) -> int:
    """How many materials a line names, the longest first (法人身份证 is not also 身份证)."""
    count = 0
    for material in sorted(materials, key=len, reverse=True):
        count += material in text
        text = text.replace(material, "|")
    return count


def test_fresh_statements_name_one_to_four_materials():
    named = set()
    for day in sequenced.generate(5, 40, fresh=True):
        materials = {m for b in FRESH["SECTORS"][day.sector].businesses for m in b.materials}
        for case in day.cases:
            if case.variant == "complete list":
                named |= {_named(line.text, materials) for line in case.visits[0][1]
                          if line.role == "staff"}
    assert {1, 2, 3, 4} <= named


def test_typed_errors_only_when_asked_about_the_share_asked_and_the_truth_unchanged():
    clean = sequenced.generate(5, 6, fresh=True)
    assert _said(clean) == _said(sequenced.generate(5, 6, fresh=True))
    typed = sequenced.generate(5, 6, fresh=True, typos=0.15)
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
