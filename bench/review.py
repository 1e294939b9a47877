"""Benchmark: review actions and a month's report with reviews applied, 100,000 findings.

Generates a month of a 20-window hall (22 working days, about 65 visits a window a day,
2 to 5 findings each, scored with `rules.score`) straight into the database, then times
a review action (the library call, and the web POST through Flask's test client with
login and CSRF), the review queue page, and a month's report before and after thousands
of reviews and added findings; then the same report on bench/report.py's month (the hall
the report floor is set on) before and after reviewing a tenth of its findings. Prints a
table. Floors (issue 13): a review action p95 <
100 ms; a month's report with reviews applied < 10 s.
Usage: python bench/review.py [--findings 100000] [--db bench/out/review.db]
"""
from __future__ import annotations

import argparse
import inspect
import math
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from monitor import accounts, review
from monitor.config import Hall
from monitor.records import Finding
from monitor.rules import ScoreOptions, score
from monitor.storage import Store
from monitor.web import WebOptions, create_app
from monitor.webreview import pages

TZ = timezone(timedelta(hours=8))
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
WINDOWS = [f"W{n:02d}" for n in range(1, 21)]
DAY = date(2026, 10, 15)
# rule, severity, deduction (the general profile's weights)
RULES = [("greeting", "major", 20), ("farewell", "major", 15), ("please", "minor", 2.5),
         ("interruption", "minor", 2.5), ("speech_rate", "minor", 1.5),
         ("wait_apology", "major", 10), ("answer", "major", 15), ("taboo", "critical", 100)]
LINES = [("staff", "您好，请问您要办理什么业务？"), ("customer", "我想问一下这个要带什么材料呢"),
         ("staff", "请您带上身份证和户口本。"), ("staff", "办好了，请慢走，再见。")]
PASSWORD = "bench password 1"


def _visit(rng, session, window, staff, n, opened, offset):
    visit_id = f"{session}-{n:03d}"
    chosen = rng.sample(RULES[:-1], rng.randint(2, 5))
    if rng.random() < 0.03:
        chosen.append(RULES[-1])
    utterances, t = [], offset
    for k, (role, text) in enumerate(LINES):
        length = rng.uniform(2.0, 6.0)
        utterances.append({
            "id": f"{visit_id}:{k}", "session": session, "idx": n * 10 + k, "visit": visit_id,
            "start": t, "end": t + length, "role": role, "text": text, "window": window,
            "staff": staff,
            "at": (opened + timedelta(seconds=t)).isoformat(timespec="milliseconds")})
        t += length + rng.uniform(0.5, 3.0)
    findings = [Finding(rule, offset + rng.uniform(0, t - offset), 0, "", severity,
                        deduction=cost) for rule, severity, cost in chosen]
    total, verdict = score(findings, ScoreOptions())
    rows = [{"id": f"{visit_id}:f{m}", "session": session, "visit": visit_id, "rule": f.rule,
             "start": f.start, "end": f.start + 2, "severity": f.severity,
             "at": (opened + timedelta(seconds=f.start)).isoformat(timespec="milliseconds"),
             "text": "你烦不烦" if f.rule == "taboo" else "", "category": "", "detail": f.rule,
             "deduction": f.deduction} for m, f in enumerate(findings)]
    visit = {"id": visit_id, "session": session, "kind": "live", "window": window,
             "staff": staff, "profile": "general", "start": offset, "end": t,
             "started_at": (opened + timedelta(seconds=offset)).isoformat(timespec="milliseconds"),
             "ended_at": (opened + timedelta(seconds=t)).isoformat(timespec="milliseconds"),
             "greeted": 1, "farewelled": 1, "questions": 1, "unanswered": 0, "score": total,
             "verdict": verdict}
    return visit, utterances, rows, t


def generate(path: Path, wanted: int, seed: int = 13) -> dict[str, int]:
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    store = Store(path)
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    working = [d for d in days if d.weekday() < 5][:22]
    per_session = max(1, math.ceil(wanted / 3.5 / len(working) / len(WINDOWS)))
    with store.db.atomic():
        for day in working:
            for w, window in enumerate(WINDOWS):
                session = f"{day:%Y%m%d}{window}"
                opened = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ)
                visits, utterances, findings, offset = [], [], [], rng.uniform(0, 60)
                for n in range(per_session):
                    visit, lines, rows, offset = _visit(rng, session, window, f"S{w + 1:02d}",
                                                        n, opened, offset)
                    offset += rng.uniform(30, 300)
                    visits.append(visit)
                    utterances += lines
                    findings += rows
                store.db["sessions"].insert({
                    "id": session, "kind": "live", "source": "bench", "window": window,
                    "staff": f"S{w + 1:02d}", "profile": "general",
                    "started_at": opened.isoformat(), "options": "{}",
                    "utterances": len(utterances), "visits": len(visits)})
                for table, rows in (("visits", visits), ("utterances", utterances),
                                    ("findings", findings)):
                    store.db[table].insert_all(rows)
    counts = store.counts()
    store.close()
    return counts


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] * 1000


def _library(store: Store, ids: list[str]) -> list[float]:
    times = []
    for n, finding_id in enumerate(ids):
        start = time.perf_counter()
        review.review(store, finding_id, "dismiss" if n % 2 else "confirm", "misheard",
                      "bench", origin="bench")
        times.append(time.perf_counter() - start)
    return times


def _web(db: Path, ids: list[str]) -> tuple[list[float], list[float]]:
    """POST /review/decide and GET /review through the app, logged in as a supervisor."""
    app = create_app(db, WebOptions())
    own = inspect.getclosurevars(app.view_functions["ack"]).nonlocals
    app.register_blueprint(pages(own["store"], own["forged"], own["refuse"], Hall()))
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/login", data={"name": "boss", "password": PASSWORD, "csrf": token})
    with client.session_transaction() as session:
        token = session["csrf"]
    posts, pages_ = [], []
    for n, finding_id in enumerate(ids):
        start = time.perf_counter()
        response = client.post("/review/decide", data={
            "finding": finding_id, "decision": "dismiss" if n % 2 else "confirm",
            "reason": "customer", "csrf": token})
        posts.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
        if n % 10 == 0:
            start = time.perf_counter()
            assert client.get(f"/review?day={DAY}").status_code == 200
            pages_.append(time.perf_counter() - start)
    app.extensions["courtesy_hub"].stop()
    return posts, pages_


def _report(db: Path, fmt: str = "json") -> float:
    start = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "courtesy"), "report", "--db",
                           str(db), "--from", str(FIRST), "--to", str(LAST), "--format", fmt,
                           "-o", str(db.parent / f"review-month.{fmt}")],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"courtesy report failed: {done.stderr.strip()}")
    return time.perf_counter() - start


def _review_month(store: Store, reviews: int, rng: random.Random) -> tuple[int, int]:
    """Review a share of a month's findings (half dismissed) and add a tenth as many."""
    ids = [r[0] for r in store.db.execute("select id from findings order by id")]
    picked = rng.sample(ids, min(reviews, len(ids)))
    visits = [r[0] for r in store.db.execute("select id from visits order by id")]
    with store.db.atomic():
        _library(store, picked)
        for visit_id in rng.sample(visits, len(picked) // 10):
            review.add_missed(store, visit_id, "please", "minor", 0.0, "bench")
    return len(picked), len(picked) // 10


def _report_hall(db: Path) -> list[tuple[str, float, float, str]]:
    """bench/report.py's month, reported before and after reviewing a tenth of it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", Path(__file__).parent
                                                  / "report.py")
    month = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(month)
    counts = month.generate(db, 60)
    before = {fmt: _report(db, fmt) for fmt in ("json", "html")}
    reviewed, added = _review_month(Store(db), counts["findings"] // 10, random.Random(5))
    what = f"{counts['findings']} findings, {reviewed} reviews + {added} added"
    return [(f"month report {fmt}, bench/report.py hall (s)", before[fmt], _report(db, fmt),
             what) for fmt in ("json", "html")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("bench/out/review.db"))
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--reviews", type=int, default=5000,
                        help="reviews (half dismissals) and a tenth as many added findings")
    options = parser.parse_args()
    options.db.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = generate(options.db, options.findings)
    print(f"generated {counts['visits']} visits, {counts['findings']} findings in "
          f"{time.perf_counter() - start:.1f} s")
    store = Store(options.db)
    accounts.add_user(store, "boss", "supervisor", PASSWORD)
    before = _report(options.db)
    rng = random.Random(3)
    ids = [r[0] for r in store.db.execute("select id from findings order by id")]
    picked = rng.sample(ids, 2 * options.actions)
    library = _library(store, picked[:options.actions])
    posts, queue = _web(options.db, picked[options.actions:])
    reviewed, added = _review_month(store, options.reviews, rng)  # the rest of a month's work
    after = _report(options.db)
    hall = _report_hall(options.db.parent / "review-hall.db")
    big = f"{counts['findings']} findings, {reviewed + 2 * options.actions} reviews + {added} added"
    print(f"\n{'measure':<52}{'before':>8}{'after':>8}  floor  data")
    print(f"{'review action, library call, p95 (ms)':<52}{'':>8}{p95(library):>8.1f}  < 100  "
          f"{counts['findings']} findings")
    print(f"{'review action, web POST, p95 (ms)':<52}{'':>8}{p95(posts):>8.1f}  < 100  "
          f"{counts['findings']} findings")
    print(f"{'review queue page (one day), p95 (ms)':<52}{'':>8}{p95(queue):>8.1f}         "
          f"{counts['findings']} findings")
    print(f"{'month report json, this hall (s)':<52}{before:>8.2f}{after:>8.2f}"
          f"         {big}")
    for name, was, now, what in hall:
        print(f"{name:<52}{was:>8.2f}{now:>8.2f}  < 10   {what}")


if __name__ == "__main__":
    main()
