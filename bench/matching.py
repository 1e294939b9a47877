"""Benchmark of the courtesy engine's matching (issue 2, "Evidence to show").

Generates seeded counter conversations with ground truth (conversations.py), passes them
through a simulated recogniser (asr_noise.py) at about 15 % and 30 % character error (or
the rates `--errors` lists), and scores them with the real Scorer of each sector's
profile. Prints:
  (a) phrase detection precision / recall per lexicon kind and taboo category, for the
      matcher and for the naive baseline (exact substring search of the raw text);
  (b) three-sounds verdict accuracy per visit (greeted, farewelled, every question answered);
  (c) taboo recall and precision per visit;
  (d) throughput of Matcher.find and of normalise+match against 2,000+ phrases;
  (e) false taboo on ordinary speech typed as staff lines (the corpora of
      bench/rating_pressure.py's `ordinary`), heard at the same error rates.
and checks the floors of issue 2. `--json PATH` writes every figure; `--misses` prints
what the matcher got wrong at 15 %.

    .venv/bin/python bench/matching.py [--visits 200] [--seed 7] [--errors 0,0.15,0.3]
                                       [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr_noise import Recogniser, character_error_rate  # noqa: E402
from conversations import (JUDGED_KINDS, Conversation, ExactSearch,  # noqa: E402
                           Generator)

from monitor import lexicon as lexicons  # noqa: E402
from monitor.lexicon import TABOO_CATEGORIES, Lexicon, Phrase  # noqa: E402
from monitor.matching import Matcher  # noqa: E402
from monitor.normalize import normalize  # noqa: E402
from monitor.pipeline import Scorer  # noqa: E402
from monitor.records import Utterance  # noqa: E402

ERRORS = (0.0, 0.15, 0.30)  # the character error rates simulated unless --errors says
FLOORS = {"clean_three_sounds": 1.0, "cer15_greet_farewell": 0.95, "cer15_taboo_recall": 0.90,
          "cer15_taboo_precision": 0.95, "find_mb_per_s": 1.0}


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: bool, found: bool) -> None:
        if truth and found:
            self.tp += 1
        elif found:
            self.fp += 1
        elif truth:
            self.fn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


@dataclass
class Result:
    cer: float = 0.0
    phrases: dict = field(default_factory=lambda: {"matcher": {}, "baseline": {}})
    verdicts: dict = field(default_factory=lambda: Counter())
    visits: int = 0
    taboo: dict = field(default_factory=lambda: {"matcher": Tally(), "baseline": Tally()})
    misses: list = field(default_factory=list)


def condition(cer: float) -> str:
    """A column's name: clean, cer5, cer15..."""
    return f"cer{round(100 * cer)}" if cer else "clean"


def heard(conversations: list[Conversation], cer: float, seed: int) -> list[Conversation]:
    """The same conversations as a recogniser at `cer` would have written them."""
    if cer == 0:
        return conversations
    recogniser = Recogniser(cer, seed)
    return [replace(c, utterances=[replace(u, text=recogniser.hear(u.text))
                                   for u in c.utterances]) for c in conversations]


def evaluate(clean: list[Conversation], noisy: list[Conversation], lexicon: Lexicon) -> Result:
    result = Result(cer=character_error_rate(
        [u.text for c in clean for u in c.utterances],
        [u.text for c in noisy for u in c.utterances]))
    for conv in noisy:
        scorer = Scorer.load(conv.sector)
        baseline = ExactSearch(scorer.lexicon, JUDGED_KINDS, exceptions=False)
        session = scorer.score(conv.utterances, window=conv.sector)
        found: dict[int, list] = {}
        for visit in session.visits:
            for hit in visit.hits:
                found.setdefault(hit.utterance, []).append(hit)
        naive = {i: baseline.find(u.text, clean=False) for i, u in enumerate(conv.utterances)
                 if u.role == "staff"}
        _phrase_tallies(result, conv, found, naive)
        by_label = {v.id.split("-", 1)[1]: v for v in session.visits}
        for truth in conv.visits:
            visit = by_label[truth.label]
            result.visits += 1
            checks = {"greeted": visit.greeted == truth.greeted,
                      "farewelled": visit.farewelled == truth.farewelled,
                      "answered": (visit.unanswered == 0) == truth.answered}
            checks["all three"] = all(checks.values())
            result.verdicts.update(k for k, ok in checks.items() if ok)
            flagged = any(f.rule == "taboo" for f in visit.findings)
            result.taboo["matcher"].add(truth.taboo, flagged)
            result.taboo["baseline"].add(truth.taboo, any(
                p.kind == "taboo" for i in truth.indices for p in naive.get(i, ())))
            if not all(checks.values()) or flagged != truth.taboo:
                result.misses.append(_miss(conv, clean, truth, visit, checks, flagged, found))
    return result


def _phrase_tallies(result: Result, conv: Conversation, found: dict, naive: dict) -> None:
    for i, utterance in enumerate(conv.utterances):
        if utterance.role != "staff":
            continue
        said = conv.said[i]
        for who, hits in (("matcher", found.get(i, [])), ("baseline", naive[i])):
            tallies = result.phrases[who]
            kinds = {h.kind for h in hits}
            categories = {h.category for h in hits if h.kind == "taboo"}
            for kind in JUDGED_KINDS:
                tallies.setdefault(kind, Tally()).add(kind in said.kinds, kind in kinds)
            for category in TABOO_CATEGORIES:
                tallies.setdefault(f"taboo/{category}", Tally()).add(
                    category in said.categories, category in categories)


def _miss(conv, clean, truth, visit, checks, flagged, found) -> str:
    original = next(c for c in clean if c.sector == conv.sector)
    wrong = [k for k, ok in checks.items() if not ok and k != "all three"]
    if flagged != truth.taboo:
        wrong.append("taboo")
    lines = [f"{truth.label}: wrong {', '.join(wrong)} "
             f"(truth greeted={truth.greeted} farewelled={truth.farewelled} "
             f"answered={truth.answered} taboo={truth.taboo})"]
    for i in truth.indices:
        u = conv.utterances[i]
        hits = " ".join(f"[{h.kind}:{h.phrase}~{h.matched}:{h.score:g}]" for h in found.get(i, []))
        said = original.utterances[i].text
        lines.append(f"   {u.start:7.1f} {u.role:8} {said} | {u.text} {hits}")
    return "\n".join(lines)


def big_lexicon(lexicon: Lexicon, extra: int, seed: int) -> Lexicon:
    """The real lexicon plus `extra` words and phrases of 3-8 characters from jieba's
    dictionary, as five extra kinds, so every one of them is matched too."""
    import jieba

    rng = random.Random(seed)
    taken = {f for p in lexicon.phrases for f in p.forms}
    words = []
    with Path(jieba.__file__).with_name("dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, count, _ = line.split(" ", 2)
            if 3 <= len(word) <= 8 and int(count) >= 20 and word not in taken and all(
                    "\u4e00" <= c <= "\u9fff" for c in word):
                words.append(word)
    chosen = rng.sample(words, extra)
    return Lexicon(lexicon.phrases + tuple(
        Phrase(text=w, kind=f"extra{n % 5}") for n, w in enumerate(chosen)))


def _best_time(work, repeats: int) -> tuple[float, object]:
    """The fastest of a few runs, in CPU time of this process: the machine is shared, and
    wall time would measure the other processes too."""
    best, result = None, None
    for _ in range(repeats):
        started = time.process_time()
        result = work()
        took = time.process_time() - started
        best = took if best is None else min(best, took)
    return best, result


def throughput(texts: list[str], lexicon: Lexicon, repeats: int = 5) -> dict:
    """Characters and UTF-8 megabytes a second, for find alone and for normalise+match.

    Counted on the Chinese characters only (3 bytes each in UTF-8): the spaces a
    recogniser writes between words would flatter the figure.
    """
    matcher = Matcher(lexicon)
    normalise_s, norms = _best_time(lambda: [normalize(t) for t in texts], repeats)
    find_s, found = _best_time(lambda: [matcher.find(n) for n in norms], repeats)
    path_s, _ = _best_time(lambda: [matcher.find(normalize(t)) for t in texts], repeats)
    chars = sum(len(n.chars) for n in norms)
    megabytes = sum(len(n.chars.encode("utf-8")) for n in norms) / 1e6
    return {
        "phrases": len(lexicon.phrases), "forms": sum(len(p.forms) for p in lexicon.phrases),
        "utterances": len(texts), "distinct": len(set(texts)), "chars": chars,
        "megabytes": round(megabytes, 3), "raw_megabytes": round(
            sum(len(t.encode("utf-8")) for t in texts) / 1e6, 3),
        "hits": sum(len(f) for f in found), "repeats": repeats,
        "find_chars_per_s": round(chars / find_s), "find_mb_per_s": round(megabytes / find_s, 3),
        "path_chars_per_s": round(chars / path_s), "path_mb_per_s": round(megabytes / path_s, 3),
    }


def ordinary_false(cers: list[float], seed: int, repeats: int) -> dict[str, dict]:
    """False taboo on ordinary speech: each line of the ordinary-speech corpora that holds
    no taboo phrase by exact search (exceptions honoured), said as one staff line to the
    general profile, typed clean once and heard `repeats` times at each error rate."""
    from rating_pressure import ordinary

    lexicon = lexicons.load()
    search = ExactSearch(lexicon, ("taboo",))
    lines = [line for line in ordinary() if not search.find(line)]
    scorer = Scorer.load("general")
    out = {}
    for cer in cers:
        recogniser, heard_lines, phrases = Recogniser(cer, seed), 0, Counter()
        examples = []
        for _ in range(repeats if cer else 1):
            for line in lines:
                text = recogniser.hear(line) if cer else line
                _, hits = scorer.hear(Utterance(0.0, 3.0, "staff", text), 0)
                taboo = [h for h in hits if h.kind == "taboo"]
                heard_lines += 1
                if taboo:
                    phrases.update({h.phrase for h in taboo})
                    examples.append(f"{line} | {text} [{taboo[0].phrase}~{taboo[0].matched}]")
        out[condition(cer)] = {"lines": heard_lines, "false": len(examples),
                               "phrases": dict(phrases.most_common()), "examples": examples}
    return out


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}"


def report(results: dict[str, Result], speed: dict, ordinary: dict,
           args) -> tuple[str, dict]:
    out = []
    names = list(results)
    out.append("Measured character error rate: " + ", ".join(
        f"{n} {100 * results[n].cer:.1f} %" for n in names))
    out.append("")
    out.append("(a) Phrase detection on staff lines, precision / recall % "
               "(M = matcher, B = baseline exact substring)")
    header = "| kind | " + " | ".join(f"{n} M P/R | {n} B P/R" for n in names) + " |"
    out += [header, "|" + "---|" * (1 + 2 * len(names))]
    rows = list(JUDGED_KINDS) + [f"taboo/{c}" for c in TABOO_CATEGORIES]
    for row in rows:
        cells = []
        for n in names:
            for who in ("matcher", "baseline"):
                t = results[n].phrases[who][row]
                cells.append(f"{_pct(t.precision)} / {_pct(t.recall)} (n={t.tp + t.fn})"
                             if who == "matcher" else f"{_pct(t.precision)} / {_pct(t.recall)}")
        out.append(f"| {row} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("(b) Three-sounds verdicts right per visit, % (real Scorer, sector profiles)")
    out += ["| verdict | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for check in ("greeted", "farewelled", "answered", "all three"):
        out.append(f"| {check} | " + " | ".join(
            _pct(results[n].verdicts[check] / results[n].visits) for n in names) + " |")
    out.append("")
    out.append("(c) Taboo per visit, precision / recall %")
    out += ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for who in ("matcher", "baseline"):
        out.append(f"| {who} | " + " | ".join(
            f"{_pct(results[n].taboo[who].precision)} / {_pct(results[n].taboo[who].recall)}"
            for n in names) + " |")
    out.append("")
    out.append(f"(d) Throughput: {speed['phrases']} phrases ({speed['forms']} forms), "
               f"{speed['utterances']} utterances ({speed['distinct']} distinct) at ~15 % CER, "
               f"{speed['chars']} Chinese characters = {speed['megabytes']} MB UTF-8 "
               f"({speed['raw_megabytes']} MB as heard, with spaces); best of "
               f"{speed['repeats']} runs in CPU time, one process")
    out += ["| path | Chinese characters/s | MB/s |", "|---|---|---|",
            f"| Matcher.find (normalised text) | {speed['find_chars_per_s']:,} | "
            f"{speed['find_mb_per_s']} |",
            f"| normalise + match | {speed['path_chars_per_s']:,} | {speed['path_mb_per_s']} |"]
    out.append("")
    out.append(f"(e) False taboo on ordinary speech typed as staff lines "
               f"({args.ordinary_repeats} hearings of each line per error rate)")
    out += ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    out.append("| lines with a taboo hit | " + " | ".join(
        f"{ordinary[n]['false']} of {ordinary[n]['lines']}" for n in names) + " |")
    out.append("| per 1,000 lines | " + " | ".join(
        f"{1000 * ordinary[n]['false'] / ordinary[n]['lines']:.1f}" for n in names) + " |")
    c15 = results["cer15"]
    measured = {
        "clean_three_sounds": results["clean"].verdicts["all three"] / results["clean"].visits,
        "cer15_greet_farewell": min(c15.verdicts["greeted"], c15.verdicts["farewelled"])
        / c15.visits,
        "cer15_taboo_recall": c15.taboo["matcher"].recall,
        "cer15_taboo_precision": c15.taboo["matcher"].precision,
        "find_mb_per_s": speed["find_mb_per_s"],
    }
    out.append("")
    out.append("Floors (issue 2):")
    for name, floor in FLOORS.items():
        value = measured[name]
        out.append(f"  {name:24} {value:8.4f}  floor {floor:g}  "
                   f"{'ok' if value >= floor else 'MISSED'}")
    figures = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "args": {k: str(v) for k, v in vars(args).items()},
        "visits": {n: results[n].visits for n in names},
        "cer": {n: round(results[n].cer, 4) for n in names},
        "phrases": {n: {who: {k: t.as_dict() for k, t in results[n].phrases[who].items()}
                        for who in ("matcher", "baseline")} for n in names},
        "verdicts": {n: {k: round(v / results[n].visits, 4)
                         for k, v in results[n].verdicts.items()} for n in names},
        "taboo_visits": {n: {who: t.as_dict() for who, t in results[n].taboo.items()}
                         for n in names},
        "throughput": speed, "ordinary_false": ordinary, "floors": measured,
    }
    return "\n".join(out), figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=200, help="visits per sector (5 sectors)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--extra-phrases", type=int, default=2000)
    parser.add_argument("--speed-visits", type=int, default=1000,
                        help="visits per sector of distinct text for the throughput run")
    parser.add_argument("--errors", type=lambda text: [float(x) for x in text.split(",")],
                        default=list(ERRORS),
                        help="character error rates to simulate, comma-separated (0.15 = 15 %%)")
    parser.add_argument("--ordinary-repeats", type=int, default=10,
                        help="hearings of each ordinary line per error rate, for (e)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--misses", action="store_true", help="print visits judged wrong at 15 %%")
    args = parser.parse_args()

    lexicon = lexicons.load()
    generator = Generator(lexicon, args.seed)
    if generator.dropped:
        print(f"dropped {len(generator.dropped)} corpus lines that hold a lexicon phrase: "
              + " / ".join(generator.dropped))
    clean = generator.sessions(args.visits)
    results = {}
    cers = sorted({0.0, 0.15, *args.errors})  # the floors need clean and 15 %
    for cer in cers:
        results[condition(cer)] = evaluate(clean, heard(clean, cer, args.seed), lexicon)
    speed_text = [u.text for c in heard(Generator(lexicon, args.seed + 1).sessions(
        args.speed_visits), 0.15, args.seed + 1) for u in c.utterances if u.text]
    speed = throughput(speed_text, big_lexicon(lexicon, args.extra_phrases, args.seed))
    ordinary = ordinary_false(cers, args.seed, args.ordinary_repeats)
    table, figures = report(results, speed, ordinary, args)
    print(table)
    if args.misses:
        for name in ("clean", "cer15"):
            print(f"\nVisits judged wrong ({name}):")
            print("\n".join(results[name].misses))
        for name, found in ordinary.items():
            print(f"\nOrdinary lines with a taboo hit ({name}):")
            print("\n".join(found["examples"]))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
