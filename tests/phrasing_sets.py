"""Shared helpers for the tests of the issue-25 bench's phrasing sets written apart
(bench/sequenced_fresh.py, bench/sequenced_apart.py): their phrasings counted, and their
days checked to be labelled by construction."""
from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402

SLOTS = {name for name, value in vars(sequenced).items()
         if name.isupper() and isinstance(value, (list, dict))} - {"HELD_OUT", "VARIANTS"}


def strings(value) -> set[str]:
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
    return set().union(*(strings(item) for item in items)) if items else set()


def forms(value) -> int:
    return sum(map(len, value.values())) if isinstance(value, dict) else len(value)


def said(days):
    return [[(u.start, u.role, u.text, u.visit) for u in d.utterances] for d in days]


def assert_labelled_by_construction(phrasing: dict, **chosen) -> list:
    """Days in `phrasing` (generate's flag in `chosen`): every variant, its truth the
    generator's, each visit's lines its case's, a span for every positive, the bench's
    lists left as they were and its deflections none of theirs. Returns the days."""
    before = {name: getattr(sequenced, name) for name in SLOTS}
    days = sequenced.generate(11, 8, **chosen)
    assert {name: getattr(sequenced, name) for name in SLOTS} == before
    assert {c.variant for d in days for c in d.cases} == set(sequenced.VARIANTS)
    for day in days:
        assert {b.name for b in phrasing["SECTORS"][day.sector].businesses} >= {
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
    assert any(core in text for text in deflected for core in phrasing["DEFLECT"])
    assert not any(core in text for text in deflected for core in sequenced.DEFLECT)
    assert said(days) != said(sequenced.generate(11, 8))
    return days
