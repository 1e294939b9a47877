"""Benchmark: how long a lexicon change's preview takes on a week of a hall's stored speech.

Builds a week of a 20-window hall by scoring the bundled sample conversations
(audio/*.jsonl, one after another with a customer-free gap between them) into each
window's day with the real Scorer, then times `tuning.preview` (re-scoring in memory,
nothing stored changes) for a taboo switched off (heard in a quarter of the visits) and
for a greeting's threshold (heard in nearly every visit: every session re-scored twice).
Usage: python bench/tuning.py [--days 7] [--windows 20] [--visits 65] [--db bench/out/tuning.db]
"""
from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from monitor import lexicon as lexicons
from monitor import transcript, tuning
from monitor.pipeline import Scorer
from monitor.storage import Store

ROOT = Path(__file__).resolve().parent.parent
TZ = timezone(timedelta(hours=8))
LAST = date(2026, 10, 30)
GAP_S = 90.0  # between two customers: longer than any visit's silence


def _day(rng: random.Random, samples: list[list], visits: int) -> list:
    """A window's day: sample conversations one after another."""
    out, offset = [], 0.0
    for _ in range(visits):
        lines = rng.choice(samples)
        out += [replace(u, start=u.start + offset, end=u.end + offset, staff=None, window=None)
                for u in lines]
        offset = out[-1].end + GAP_S
    return out


def generate(path: Path, days: int, windows: int, visits: int, seed: int = 13) -> dict:
    rng = random.Random(seed)
    samples = [transcript.read(p) for p in sorted((ROOT / "audio").glob("*.jsonl"))]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    store, scorer = Store(path), Scorer.load("general")
    for n in range(days):
        day = LAST - timedelta(days=n)
        for w in range(windows):
            opened = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ)
            store.save(scorer.score(_day(rng, samples, visits), window=f"W{w + 1:02d}",
                                    staff=f"S{w + 1:02d}", started_at=opened,
                                    sha256=f"bench-{day}-{w}"))
    counts = store.counts()
    store.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--visits", type=int, default=65, help="visits a window a day")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "tuning.db")
    args = parser.parse_args()
    began = time.perf_counter()
    counts = generate(args.db, args.days, args.windows, args.visits)
    print(f"generated in {time.perf_counter() - began:.0f} s: {counts['sessions']} sessions, "
          f"{counts['visits']} visits, {counts['utterances']} utterances, "
          f"{counts['findings']} findings")
    store, shipped = Store(args.db), lexicons.load()
    print(f"{'change':<34}{'visits':>9}{'rescored':>9}{'gone':>6}{'new':>6}{'turned':>7}"
          f"{'seconds':>9}")
    for text, change, value in (("你烦不烦", "off", ""), ("您好", "threshold", "90"),
                                ("你烦不烦", "except", "你烦不烦啊后面")):
        proposed = tuning.propose(store, shipped, text, change, value, "bench", "bench")
        shown = tuning.preview(store, proposed, args.days, today=LAST)
        gone = sum(f.gone for f in shown.findings)
        print(f"{text + ' ' + change + ' ' + value:<34}{shown.visits:>9}{shown.rescored:>9}"
              f"{gone:>6}{len(shown.findings) - gone:>6}{len(shown.visits_changed):>7}"
              f"{shown.seconds:>9.1f}")


if __name__ == "__main__":
    main()
