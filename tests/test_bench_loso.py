"""bench/loso.py: the phrasing sets' lines labelled by their slot, and a learned line reader
measured on a set left out (issue 25)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import loso  # noqa: E402
import sequenced  # noqa: E402
from sequenced_twelfth import TWELFTH  # noqa: E402

needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="scikit-learn is not a project dependency; "
                                          "bench/loso.py runs from a scratch venv that has it")


def test_the_last_honest_measure_is_never_drawn():
    assert "thirteenth" not in loso.SETS
    assert set(loso.HELD_OUT) <= set(loso.SETS)


def test_a_sets_lines_are_its_own_and_the_generator_gets_its_lists_back():
    own = sequenced.DEFLECT
    rows = loso.lines("twelfth", draws=30)
    assert sequenced.DEFLECT is own
    deflections = [t for t, label, _ in rows if label == "deflection"]
    assert deflections and all(any(core in t for core in TWELFTH["DEFLECT"])
                               for t in deflections)
    assert not any(core in t for t in deflections for core in own)


def test_each_class_is_labelled_by_what_its_slot_means():
    truths = {label: truth for _, label, truth in loso.lines("bench", draws=20)}
    assert truths["deflection"] == {"deflection": 1, "direction": 0, "lack": 0}
    assert truths["deflection, then direction"] == {"deflection": 1, "direction": 1, "lack": 0}
    assert truths["lack, none named"] == {"deflection": 0, "direction": 0, "lack": 1}
    assert truths["no direction (我也不清楚, 问问别人)"]["deflection"] is None
    assert truths["materials told before asked"]["lack"] is None
    assert truths["quiet staff line"] == {"deflection": 0, "direction": 0, "lack": 0}


def test_the_reader_is_asked_as_the_rules_ask_it():
    assert loso.reader("这个不归我们管，您去三号窗口问问") == {
        "deflection": True, "direction": True, "lack": False}
    assert not any(loso.reader("您好，请坐").values())


def test_scores_count_recall_and_precision_per_head():
    cells = {("lack", "a", 1): {"lines": 4, "reader": 3, "learned": 4, "union": 4, "veto": 2},
             ("lack", "b", 0): {"lines": 6, "reader": 1, "learned": 0, "union": 1, "veto": 0}}
    got = loso.scores(cells, "lack")
    assert got["reader"] == (0.75, 0.75)
    assert got["learned"] == (1.0, 1.0)
    assert got["veto"] == (0.5, 1.0)


@needs_sklearn
def test_a_learned_head_reads_a_set_it_never_saw():
    sets = {name: loso.lines(name, draws=40) for name in ("bench", "held-out", "fresh", "apart")}
    result = loso.measure("apart", sets, ["今天天气不错", "我昨天去超市买了菜"])
    recall, precision = loso.scores(result["classes"], "deflection")["learned"]
    assert recall > 0.6 and precision > 0.6
    assert set(result["ordinary"]["deflection"]) == set(loso.VARIANTS)
