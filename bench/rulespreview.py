"""Benchmark: how long a rule change's preview takes on a week of a 20-window hall.

Builds the week as bench/tuning.py does (the bundled sample conversations scored into each
window's day with the real Scorer, stored live), then times `rulechanges.preview` (the
changed rule judged again on every visit's stored lines and phrase hits, in memory; nothing
stored changes) for changes of several shapes: a rule written as data switched off (taboo),
a parameter of a sequenced rule (first_asked turns), a visit rule's profile option
(duration's service_limit_s), a code rule's severity (greeting) and points (farewell), and
a new sequenced rule as the rules page writes it (hall_wait: 请稍等 not followed within one
staff turn by how many minutes).
Floor (issue 25): a rule change previewed on the week in < 20 s.
Usage: python bench/rulespreview.py [--days 7] [--windows 20] [--visits 65] [--db bench/out/rules.db]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tuning import LAST, ROOT, generate  # noqa: E402 (bench/tuning.py: the same week)

from monitor import rulechanges  # noqa: E402
from monitor.storage import Store  # noqa: E402

CHANGES = [("taboo", "enabled", "false"), ("first_asked", "param", "turns=2"),
           ("duration", "param", "service_limit_s=120"), ("greeting", "severity", "minor"),
           ("farewell", "deduction", "5"), ("tell_once", "enabled", "false")]
NEW_RULE = {"id": "hall_wait", "name": "让等未说时长", "prompt": "请告诉群众大约要等多久",
            "norm": "等候告知", "severity": "minor", "deduction": 5, "on": "line",
            "detail": "请告诉群众大约要等多久", "params": {"words1": ["请稍等", "稍等一下"], "n2": 1},
            "labels": {"words1": "条件1的词", "n2": "条件2：其后几句内"},
            "when": {"all": [{"role": "staff"}, {"says": "$words1"}, {"not": {"followed": {
                "within_turns": "$n2", "same": True, "role": "staff",
                "regex": "(大约|大概|还要)[一二三四五六七八九十两0-9]+分钟"}}}]}}
CHANGES.append(("hall_wait", "add", json.dumps(NEW_RULE, ensure_ascii=False)))
FLOOR_S = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--visits", type=int, default=65, help="visits a window a day")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "rules.db")
    parser.add_argument("--reuse", action="store_true", help="keep a database built before")
    args = parser.parse_args()
    began = time.perf_counter()
    if not (args.reuse and args.db.exists()):
        counts = generate(args.db, args.days, args.windows, args.visits)
        print(f"generated in {time.perf_counter() - began:.0f} s: {counts['sessions']} sessions, "
              f"{counts['visits']} visits, {counts['utterances']} utterances, "
              f"{counts['findings']} findings")
    store = Store(args.db)
    options = rulechanges.options_for(store)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| change | visits judged | rule findings before → after | gone / new | verdicts "
          "turned | seconds | CPU s |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for rule, change, value in CHANGES:
        proposed = rulechanges.propose(options, rule, change, value, "bench", "bench")
        cpu = time.process_time()
        shown = rulechanges.preview(store, proposed, args.days, today=LAST)
        cpu = time.process_time() - cpu
        gone = sum(f.gone for f in shown.findings)
        worst = max(worst, shown.seconds)
        shown_value = "（页面写的新规则）" if change == "add" else value
        print(f"| {rule} {change} {shown_value} | {shown.visits:,} | {shown.findings_before:,} → "
              f"{shown.findings_after:,} | {gone:,} / {len(shown.findings) - gone:,} | "
              f"{len(shown.visits_changed):,} | {shown.seconds:.1f} | {cpu:.1f} |")
    print(f"slowest {worst:.1f} s: floor < {FLOOR_S:.0f} s {'met' if worst < FLOOR_S else 'MISSED'}")
    return 0 if worst < FLOOR_S else 1


if __name__ == "__main__":
    sys.exit(main())
