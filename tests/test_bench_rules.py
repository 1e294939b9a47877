"""The issue-25 bench's own parts: the typed days' generator (bench/sequenced.py) and the
harness's arithmetic (bench/rules.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from monitor import transcript
from monitor.records import Finding

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import rules as bench  # noqa: E402
import sequenced  # noqa: E402


def _said(days):
    return [[(u.start, u.role, u.text, u.visit) for u in d.utterances] for d in days]


def test_days_are_seeded():
    assert _said(sequenced.generate(7, 3)) == _said(sequenced.generate(7, 3))
    assert [d.labels() for d in sequenced.generate(7, 3)] == [
        d.labels() for d in sequenced.generate(7, 3)]
    assert _said(sequenced.generate(7, 3)) != _said(sequenced.generate(8, 3))


def test_labels_agree_with_the_days():
    days = sequenced.generate(11, 6)
    assert {c.variant for d in days for c in d.cases} == set(sequenced.VARIANTS)
    for day in days:
        assert [u.start for u in day.utterances] == sorted(u.start for u in day.utterances)
        assert sorted(i for lines in day.visit_lines.values() for i in lines) == list(
            range(len(day.utterances)))
        for n, case in enumerate(day.cases):
            _, rule, positive = sequenced.VARIANTS[case.variant]
            assert case.truth == {r: positive and r == rule for r in sequenced.RULES}
            labels = sorted((v for v, k in day.visit_case.items() if k == n),
                            key=lambda v: day.visit_lines[v][0])
            assert len(labels) == len(case.visits)
            for label, (_, lines) in zip(labels, case.visits):
                assert [day.utterances[i].text for i in day.visit_lines[label]] == [
                    line.text for line in lines]
            if len(labels) == 2:  # a return comes after lunch, the same day
                gone = day.utterances[day.visit_lines[labels[0]][-1]].end
                back = day.utterances[day.visit_lines[labels[1]][0]].start
                assert sequenced.LUNCH_S[0] <= back - gone < 86400 / 2
            assert (n in day.spans) == positive or not positive


def test_queue_days_call_every_visit_with_its_business_and_the_others_label_lines():
    queued, labelled = sequenced.generate(3, 2)
    assert not queued.utterances[0].visit and len(queued.calls) == len(queued.visit_case)
    for call, (label, lines) in zip(queued.calls, sorted(
            queued.visit_lines.items(), key=lambda kv: kv[1][0])):
        first, last = queued.utterances[lines[0]], queued.utterances[lines[-1]]
        assert call.start < first.start and last.end < call.end
        case = queued.cases[queued.visit_case[label]]
        assert call.business in {business for business, _ in case.visits}
    assert not labelled.calls and all(u.visit for u in labelled.utterances)


def test_a_return_for_the_same_business_is_queued_as_it():
    for day in sequenced.generate(5, 10):
        for n, case in enumerate(day.cases):
            tickets = [c for c, label in zip(day.calls, sorted(
                day.visit_lines, key=lambda v: day.visit_lines[v][0]))
                if day.visit_case[label] == n]
            if case.variant in ("return the same day, told more", "return with all, done",
                                "return the same day, two named, told a third",
                                "another customer, same business") and tickets:
                assert tickets[0].business == tickets[1].business
            if case.variant == "return for other business" and tickets:
                assert tickets[0].business != tickets[1].business


@pytest.mark.parametrize("phrasing", ["bench", "fresh"])
def test_deflections_without_direction_name_no_place_and_the_others_do(phrasing):
    days = sequenced.generate(2, 15, phrasing=phrasing)
    said = sequenced.PHRASINGS[phrasing].lists() or vars(sequenced)
    for day in days:
        sector = said["SECTORS"][day.sector]
        places = [w.place for w in sector.elsewhere] + [w.agency for w in sector.elsewhere] \
            + said["NEARBY"]
        for case in day.cases:
            staff = [line.text for _, lines in case.visits for line in lines
                     if line.role == "staff"]
            named = any(p in text for text in staff for p in places)
            if case.rule == "first_asked" and case.truth["first_asked"]:
                assert not named, staff
            if case.variant.startswith(("direction", "handed over")):
                assert named, staff


def test_phrasings_are_many():
    days = sequenced.generate(1, 30)
    staff = {line.text for d in days for c in d.cases if c.rule in ("first_asked", "tell_once")
             for _, lines in c.visits for line in lines if line.role == "staff"}
    assert len(staff) > 400


def test_a_day_written_reads_back_as_the_same_transcript(tmp_path):
    day = sequenced.generate(4, 1)[0]
    path = day.write(tmp_path)
    assert [(u.start, u.end, u.role, u.text) for u in transcript.read(path)] == [
        (u.start, u.end, u.role, u.text) for u in day.utterances]
    assert (tmp_path / f"{day.name}.labels.json").is_file()


def test_tally_counts_cases_and_says_none_where_nothing_was_to_find():
    tally = bench.Tally()
    assert tally.recall is None and tally.precision is None
    for truth, found in ((True, True), (True, True), (True, False), (False, True),
                         (False, False), (False, False)):
        tally.add(truth, found)
    assert (tally.tp, tally.fn, tally.fp, tally.tn) == (2, 1, 1, 2)
    assert tally.recall == 2 / 3 and tally.precision == 2 / 3
    assert tally.as_dict()["positives"] == 3 and tally.as_dict()["negatives"] == 3


def _found_on(day, session, where: dict[int, str]):
    """The session with a finding of the given rule in the first visit of each case, and no
    other finding of the measured rules (the engine's own are taken out)."""
    first = {}
    for label, n in day.visit_case.items():
        first.setdefault(n, label)
    for visit in session.visits:
        visit.findings = [f for f in visit.findings if f.rule not in sequenced.RULES]
        for n, rule in where.items():
            if day.visit_lines[first[n]][0] in visit.utterances:
                at = day.utterances[visit.utterances[0]].start
                visit.findings = visit.findings + [Finding(rule, at, at + 1, "", "major")]
    return session


def test_judging_a_day_counts_each_case_once_per_rule(tmp_path):
    day = next(d for d in sequenced.generate(6, 6)
               if {c.truth["first_asked"] for c in d.cases if c.rule == "first_asked"} == {
                   True, False})
    positive = next(n for n, c in enumerate(day.cases) if c.truth.get("first_asked"))
    negative = next(n for n, c in enumerate(day.cases)
                    if c.rule == "first_asked" and not c.truth["first_asked"])
    session = bench.score_day(day, tmp_path, {})
    session = _found_on(day, session, {positive: "first_asked", negative: "first_asked"})
    outcome = bench.Outcome()
    bench.judge_day(day, session, outcome, {r: True for r in sequenced.RULES})
    tally = outcome.rules["first_asked"]
    truths = sum(c.truth["first_asked"] for c in day.cases)
    assert (tally.tp, tally.fp, tally.fn) == (1, 1, truths - 1)
    assert tally.tn == len(day.cases) - truths - 1
    assert outcome.variants[("first_asked", day.cases[negative].variant)].fp == 1
    assert any(f"case {negative}:" in line
               for line in outcome.wrong[("first_asked", day.cases[negative].variant)])


def test_an_absent_rule_is_reported_absent_not_measured():
    outcome = bench.Outcome()
    have = {r: False for r in sequenced.RULES}
    rows = bench.table(outcome, have, [])
    assert all("ABSENT" in row for row in rows[2:]) and len(rows) == 2 + len(bench.ROWS)
    assert all("absent" in row for row in bench.variant_table(outcome, have)[2:])


def test_a_present_rule_missing_its_floor_says_so():
    outcome = bench.Outcome()
    for truth, found in ((True, True),) * 8 + ((True, False),) * 2:
        outcome.rules["first_asked"].add(truth, found)
    rows = bench.table(outcome, {r: True for r in sequenced.RULES}, [])
    assert "MISSED" in rows[2] and "0.800" in rows[2]
    outcome.rules["first_asked"].add(True, True)
    outcome.rules["first_asked"].add(True, True)
    for _ in range(10):
        outcome.rules["first_asked"].add(True, True)
    assert "| met |" in bench.table(outcome, {r: True for r in sequenced.RULES}, [])[2]
    assert "MISSED" in bench.table(outcome, {r: True for r in sequenced.RULES},
                                   ["first_asked: 今天天气不错"])[2]


def test_a_positive_where_the_profile_does_not_ask_counts_as_nothing_to_find(tmp_path):
    day = next(d for d in sequenced.generate(9, 10)
               if any(c.truth["wait_length"] for c in d.cases))
    waits = [n for n, c in enumerate(day.cases) if c.truth["wait_length"]]
    session = _found_on(day, bench.score_day(day, tmp_path, {}),
                        {n: "wait_length" for n in waits})
    outcome = bench.Outcome()
    bench.judge_day(day, session, outcome, {"first_asked": True, "tell_once": True,
                                            "wait_length": False})
    tally = outcome.rules["wait_length"]
    assert (tally.tp, tally.fn, tally.fp) == (0, 0, len(waits))
    assert all("rule off" in variant for rule, variant in outcome.variants
               if rule == "wait_length")


def test_tell_once_broken_within_one_visit_is_counted_beside_the_floor(tmp_path):
    day = next(d for d in sequenced.generate(13, 10)
               if {c.variant for c in d.cases} & set(sequenced.ONE_VISIT)
               and any(c.truth["tell_once"] and c.variant not in sequenced.ONE_VISIT
                       for c in d.cases))
    session = _found_on(day, bench.score_day(day, tmp_path, {}), {})
    outcome = bench.Outcome()
    bench.judge_day(day, session, outcome, {r: True for r in sequenced.RULES})
    within = sum(c.truth["tell_once"] and c.variant in sequenced.ONE_VISIT for c in day.cases)
    returns = sum(c.truth["tell_once"] for c in day.cases) - within
    assert outcome.rules[bench.ONE_VISIT].fn == within > 0
    assert outcome.rules["tell_once"].fn == returns > 0


def test_each_phrasing_set_is_one_flag_naming_its_row_and_the_bench_s_own_lists_are_none():
    parser = argparse.ArgumentParser()
    sequenced.add_phrasing_flags(parser)
    assert parser.parse_args([]).phrasing == "bench"
    assert parser.parse_args(["--held-out"]).phrasing == "held-out"
    assert parser.parse_args(["--ninth"]).phrasing == "ninth"
    with pytest.raises(SystemExit):
        parser.parse_args(["--fresh", "--ninth"])
    for name, said in sequenced.PHRASINGS.items():
        lists = said.lists()
        assert set(lists) <= {n for n, v in vars(sequenced).items() if n.isupper()}, name
        assert bool(lists) == (name != "bench")


def test_held_out_days_use_only_the_held_out_phrasings_and_leave_the_lists_as_they_were():
    before = list(sequenced.DEFLECT)
    held = sequenced.generate(3, 12, phrasing="held-out")
    assert sequenced.DEFLECT == before
    staff = {line.text for d in held for c in d.cases if c.truth["first_asked"]
             for _, lines in c.visits for line in lines if line.mark == "e"}
    assert any(core in text for text in staff for core in sequenced.HELD_OUT["DEFLECT"])
    assert not any(core in text for text in staff for core in sequenced.DEFLECT)
    assert _said(held) != _said(sequenced.generate(3, 12))
