"""A day of a 20-window hall's queue and rating systems imported (issue 22 floor: < 5 s,
importing it twice stores it once).

3,000 tickets (canonical JSON Lines, as the queue system writes them) and 3,000 ratings (a
vendor's CSV with Chinese headers and level names, read through a mapping file) for one
day, 20 windows; each imported with `hallevents.import_file` into a fresh database, then
again. Prints a table: rows, seconds per import, rows stored after both.

Run: .venv/bin/python bench/hall_import.py [--windows 20] [--tickets 3000]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor import hallevents, hallimport
from monitor.storage import Store

CST = timezone(timedelta(hours=8))
LEVELS = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"]
MAPPING = """format = "csv"
time_format = "%Y-%m-%d %H:%M:%S"
timezone = "+08:00"
[fields]
id = "评价编号"
ticket = "取号号码"
window = "窗口号"
at = "评价时间"
level = "评价结果"
reason = "差评原因"
text = "评价内容"
"""


def day(windows: int, tickets: int, seed: int = 7):
    """Queue events and one rating per ticket: each window serves its tickets in turn."""
    rng = random.Random(seed)
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
    free = {f"W{w + 1:02d}": opened for w in range(windows)}
    queue, ratings = [], []
    for n in range(tickets):
        window = min(free, key=free.get)
        called = free[window] + timedelta(seconds=rng.randint(5, 30))
        started = called + timedelta(seconds=rng.randint(10, 60))
        finished = started + timedelta(seconds=rng.randint(60, 300))
        free[window] = finished
        ticket = f"{'ABC'[n % 3]}{n:04d}"
        queue.append({"id": f"Q{n:05d}", "ticket": ticket, "window": window,
                      "business": rng.choice(["户籍", "出入境", "社保", "公积金"]),
                      "called": called.isoformat(), "started": started.isoformat(),
                      "finished": finished.isoformat()})
        level = rng.choices(LEVELS, weights=[1, 2, 5, 20, 72])[0]
        ratings.append({"评价编号": f"R{n:05d}", "取号号码": ticket, "窗口号": window,
                        "评价时间": (finished + timedelta(seconds=8)).strftime("%Y-%m-%d %H:%M:%S"),
                        "评价结果": level, "差评原因": "态度" if level in LEVELS[:2] else "",
                        "评价内容": "电话13812345678" if n % 50 == 0 else ""})
    return queue, ratings


def write(folder: Path, queue: list, ratings: list) -> tuple[Path, Path, Path]:
    queue_path = folder / "queue.jsonl"
    queue_path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in queue),
                          encoding="utf-8")
    ratings_path = folder / "ratings.csv"
    with ratings_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(ratings[0]))
        writer.writeheader()
        writer.writerows(ratings)
    mapping = folder / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return queue_path, ratings_path, mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        queue_path, ratings_path, mapping_path = write(folder, *day(args.windows, args.tickets))
        store = Store(folder / "hall.db")
        mapping = hallimport.load_mapping(mapping_path)
        print("| import | rows | first (s) | again (s) | stored | floor |")
        print("|---|---|---|---|---|---|")
        total = 0.0
        for kind, path, used in (("queue", queue_path, None), ("ratings", ratings_path, mapping)):
            timings = []
            for _ in range(2):
                started = time.perf_counter()
                done = hallevents.import_file(store, kind, path, used)
                timings.append(time.perf_counter() - started)
            stored = store.db[hallevents.TABLE_OF[kind]].count
            total += timings[0]
            print(f"| {kind} | {args.tickets} | {timings[0]:.2f} | {timings[1]:.2f} | {stored} "
                  f"(again: {done.same} unchanged) | stored once: "
                  f"{'yes' if stored == args.tickets else 'NO'} |")
        print(f"| both | {2 * args.tickets} | {total:.2f} | | | < 5 s: "
              f"{'yes' if total < 5 else 'NO'} |")


if __name__ == "__main__":
    main()
