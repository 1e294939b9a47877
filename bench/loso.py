"""Would a line reader learned from the phrasing sets meet the next writer better (issue 25)?

Each phrasing set's slots (bench/sequenced.py's lists and the sets written apart) are drawn
as single staff lines and labelled by what their slot means: a deflection, a direction, a
lack of materials, or none of these. Leaving one writer out (the ninth ... twelfth sets in
turn), it measures per line class, on the held-out set's lines:

  reader   what monitor/intent.py and monitor/materials.py read (the rules' structure
           readers; the rules also OR in phrase kinds and regexes, not counted here),
  learned  a logistic regression on character 1-4-grams trained on every other set's
           lines and the ordinary-speech corpus (all negative),
  union    the reader, with the learned model saying yes where the reader is silent and
           it is sure (p >= SURE),
  veto     the reader, unless the learned model is sure it is not (p <= 1 - SURE).

Every variant must read no line of the ordinary-speech corpus (bench/rating_pressure
.ordinary); those the learned model was trained on are also measured left out, in five
folds. Needs scikit-learn, which the project does not depend on: run it from a scratch venv
that has it, with the project's packages on the path:

    PYTHONPATH=$PWD:$PWD/.venv/lib/python3.11/site-packages /tmp/loso/venv/bin/python bench/loso.py
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sequenced  # noqa: E402
from rating_pressure import ordinary  # noqa: E402

from monitor import intent, materials  # noqa: E402

HEADS = ("deflection", "direction", "lack")
# the sets a learned reader may train on; the thirteenth is the session's last honest
# measure and is never drawn here
SETS = ("bench", "held-out", "fresh", "apart", "fifth", "sixth", "seventh", "eighth",
        "ninth", "tenth", "eleventh", "twelfth")
HELD_OUT = ("ninth", "tenth", "eleventh", "twelfth")
SURE = 0.9
DRAWS = 150  # lines drawn per class and set, before duplicates are dropped


def _label(deflection=0, direction=0, lack=0) -> dict[str, int | None]:
    """A line's truth per head; None: the slot does not say (not counted for that head)."""
    return {"deflection": deflection, "direction": direction, "lack": lack}


def _classes(s) -> dict[str, tuple]:
    """Each line class: how a line of it is drawn from the generator's lists (`s`, the
    sequenced module with a set swapped in) and its truth."""
    def place(rng, sector):
        return rng.choice(sector.elsewhere)

    def items(rng, sector, most=3):
        business = rng.choice(sector.businesses)
        return s._lacking(rng, business, rng.randint(1, most))

    def handover(rng, sector):
        w = place(rng, sector)
        return s._both(rng, s._deflection(rng), s._fill(rng, s.HANDOVER, p=w.place, a=w.agency))

    def counted(rng, sector):
        business = rng.choice(sector.businesses)
        count = rng.choice([n for n in s.COUNTED_AS if n <= max(2, len(business.materials))])
        named = s._lacking(rng, business, count - 1)
        return s._fill_lazily(rng, rng.choice(s.COUNTED),
                              n=lambda: rng.choice(s.COUNT_WORDS[count]),
                              L=lambda: s.listed(rng, named), first=lambda: named[0])

    def quiet(rng, sector):
        options = s.OPEN + s.WORK + s.CLOSE + s.STAFF_OWN + s.STAFF_QUOTE + s.SELF_ACK + \
            s.RETURN_DONE + s.NO_LIST
        return rng.choice(options)

    def customer(rng, sector):
        business = rng.choice(sector.businesses)
        x = s.listed(rng, s._lacking(rng, business, 1))
        options = s.ASK + s.CUSTOMER_OK + s.THANKS + s.WHERE + s.WHAT_MISSING + s.AWAY + \
            s.BACK + s.RETURN + s.RETURN_OTHER + s.RETURN_REPLY + s.FORGOT + \
            s.PIECEMEAL_REPLY + s.SHRUG
        return s._fill(rng, options, b=business.name, x=x)

    return {
        "deflection": (lambda r, c: s._deflection(r), _label(deflection=1)),
        "direction": (lambda r, c: s._direction(r, place(r, c)), _label(direction=1)),
        "deflection, then direction": (
            lambda r, c: s._both(r, s._deflection(r), s._direction(r, place(r, c))),
            _label(1, 1)),
        "direction, then deflection": (
            lambda r, c: s._both(r, s._direction(r, place(r, c)), s._deflection(r)),
            _label(1, 1)),
        "deflection and hand-over": (handover, _label(1, 1)),
        "no direction (我也不清楚, 问问别人)": (
            lambda r, c: r.choice(s.NO_DIRECTION + s.VAGUE_POINTER),
            _label(deflection=None)),
        "lack, named": (lambda r, c: s._told(r, items(r, c)), _label(lack=1)),
        "lack, one more": (lambda r, c: s._fill(r, s.AGAIN, L=s.listed(r, items(r, c, 1))),
                           _label(lack=1)),
        "lack, at a return": (
            lambda r, c: s._fill(r, s.RETURN_NEW, x=s.listed(r, items(r, c, 1)),
                                 L=s.listed(r, items(r, c, 1))), _label(lack=1)),
        "lack, told again at a return": (
            lambda r, c: s._fill(r, s.RETURN_REPEAT, x=s.listed(r, items(r, c, 1)),
                                 L=s.listed(r, items(r, c, 1))), _label(lack=1)),
        "lack, fewer named than counted": (counted, _label(lack=1)),
        "lack, none named": (lambda r, c: r.choice(s.VAGUE_MISSING), _label(lack=1)),
        "materials told before asked": (
            lambda r, c: (lambda b: s._fill(r, s.INFORM, b=b.name,
                                            L=s.listed(r, list(b.materials))))(
                r.choice(c.businesses)), _label(lack=None)),
        "wait": (lambda r, c: r.choice([s._with_why(r, r.choice(s.WAIT)),
                                        s._with_why(r, r.choice(s.WAIT_LENGTH)),
                                        r.choice(s.LENGTH_FIRST)]), _label()),
        "quiet staff line": (quiet, _label()),
        "customer line": (customer, _label()),
    }


@contextmanager
def swapped(name: str):
    """The sequenced module with the set `name`'s lists in place of its own (as
    sequenced.generate swaps them)."""
    swap = sequenced.PHRASINGS[name].lists()
    kept = {key: getattr(sequenced, key) for key in swap}
    vars(sequenced).update(swap)
    try:
        yield sequenced
    finally:
        vars(sequenced).update(kept)


def lines(name: str, seed: int = 25, draws: int = DRAWS) -> list[tuple[str, str, dict]]:
    """(text, class, truth) of the set's lines, each text once per class."""
    rng = random.Random(f"{seed} {name}")
    out = []
    with swapped(name) as s:
        sectors = list(s.SECTORS.values())
        for label, (draw, truth) in _classes(s).items():
            seen = dict.fromkeys(draw(rng, rng.choice(sectors)) for _ in range(draws))
            out += [(text, label, truth) for text in seen]
    return out


@lru_cache(maxsize=None)
def reader(text: str) -> dict[str, bool]:
    """What the product's structure readers say of the line, as the rules ask them (each
    line is asked once per head and variant: kept)."""
    read, lack = intent.read(text), materials.read(text)
    return {"deflection": read.has("deflection"),
            "direction": read.has("direction") or read.has("handover"),
            "lack": lack.named or lack.unnamed}


def _model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True,
                                         min_df=2),
                         LogisticRegression(C=10.0, solver="liblinear", class_weight="balanced"))


def learned(train: list[tuple[str, int]]):
    """One head's model: the probability that a line is of it."""
    model = _model().fit([t for t, _ in train], [y for _, y in train])
    return lambda texts: model.predict_proba(list(texts))[:, 1] if texts else []


def _combined(said: bool, p: float) -> dict[str, bool]:
    return {"reader": said, "learned": p >= 0.5, "union": said or p >= SURE,
            "veto": said and p > 1 - SURE}


VARIANTS = ("reader", "learned", "union", "veto")


def measure(held: str, sets: dict[str, list], quiet_lines: list[str],
            earlier: bool = False) -> dict:
    """Per head and variant on the held-out set's lines: counts by class and the false reads
    on ordinary speech. `earlier`: trained only on the sets written before it, as the
    readers had been when the set was first measured."""
    test = sets[held]
    taught = list(sets)[:list(sets).index(held)] if earlier else [n for n in sets if n != held]
    out = {"classes": {}, "ordinary": {}}
    for head in HEADS:
        train = [(t, truth[head]) for name in taught for t, _, truth in sets[name]
                 if truth[head] is not None]
        train += [(t, 0) for t in quiet_lines]
        prob = learned(train)
        rows = [(t, c, truth[head]) for t, c, truth in test if truth[head] is not None]
        ps = prob([t for t, _, _ in rows])
        for (text, label, truth), p in zip(rows, ps):
            said = _combined(reader(text)[head], p)
            cell = out["classes"].setdefault((head, label, truth), {v: 0 for v in VARIANTS}
                                             | {"lines": 0})
            cell["lines"] += 1
            for v in VARIANTS:
                cell[v] += said[v]
        out["ordinary"][head] = _ordinary_false(head, train, quiet_lines)
    return out


def _ordinary_false(head: str, train: list[tuple[str, int]], quiet_lines: list[str],
                    folds: int = 5) -> dict[str, int]:
    """Ordinary lines read as the head by each variant, the learned model trained without
    the fold it reads."""
    ordinary_set = set(quiet_lines)
    phrasings = [row for row in train if row[0] not in ordinary_set]
    false = {v: 0 for v in VARIANTS}
    for k in range(folds):
        fold = quiet_lines[k::folds]
        kept = set(fold)
        prob = learned(phrasings + [(t, 0) for t in quiet_lines if t not in kept])
        for text, p in zip(fold, prob(fold)):
            said = _combined(reader(text)[head], p)
            for v in VARIANTS:
                false[v] += said[v]
    return false


def scores(cells: dict, head: str) -> dict[str, tuple[float | None, float | None]]:
    """Recall and precision of each variant over the head's lines."""
    out = {}
    for v in VARIANTS:
        tp = sum(c[v] for (h, _, truth), c in cells.items() if h == head and truth)
        pos = sum(c["lines"] for (h, _, truth), c in cells.items() if h == head and truth)
        fp = sum(c[v] for (h, _, truth), c in cells.items() if h == head and not truth)
        out[v] = (tp / pos if pos else None, tp / (tp + fp) if tp + fp else None)
    return out


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def report(held: str, result: dict) -> list[str]:
    cells = result["classes"]
    out = [f"#### held out: {held}", "",
           "| head | line class | truth | lines | " + " | ".join(VARIANTS) + " |",
           "|---|---|---|---|" + "---|" * len(VARIANTS)]
    for (head, label, truth), c in cells.items():
        out.append(f"| {head} | {label} | {'yes' if truth else 'no'} | {c['lines']} | "
                   + " | ".join(str(c[v]) for v in VARIANTS) + " |")
    out += ["", "| head | " + " | ".join(f"{v} R / P" for v in VARIANTS)
            + " | false on ordinary (" + "/".join(VARIANTS) + ") |",
            "|---|" + "---|" * (len(VARIANTS) + 1)]
    for head in HEADS:
        s = scores(cells, head)
        false = result["ordinary"][head]
        out.append(f"| {head} | " + " | ".join(f"{_f(r)} / {_f(p)}" for r, p in s.values())
                   + " | " + "/".join(str(false[v]) for v in VARIANTS) + " |")
    return out + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--held-out", nargs="+", default=list(HELD_OUT), choices=SETS)
    parser.add_argument("--earlier", action="store_true",
                        help="train only on the sets written before the held-out one")
    args = parser.parse_args()
    began = time.time()
    sets = {name: lines(name, args.seed) for name in SETS}
    quiet_lines = ordinary()
    print("lines per set: " + ", ".join(f"{n} {len(r)}" for n, r in sets.items())
          + f"; ordinary speech {len(quiet_lines)}")
    summary = []
    for held in args.held_out:
        result = measure(held, sets, quiet_lines, args.earlier)
        print("\n".join(report(held, result)))
        summary.append((held, result))
    print("| held out | head | " + " | ".join(f"{v} R / P" for v in VARIANTS) + " |")
    print("|---|---|" + "---|" * len(VARIANTS))
    for held, result in summary:
        for head in HEADS:
            print(f"| {held} | {head} | " + " | ".join(
                f"{_f(r)} / {_f(p)}" for r, p in scores(result["classes"], head).values()) + " |")
    print(f"took {time.time() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
