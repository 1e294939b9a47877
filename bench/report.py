"""Benchmark: `courtesy report` over a month of a 20-window hall.

Generates a realistic month (20 windows x 22 working days x about 60 visits a day, each
with its utterances, findings and the score the rules' weights give) straight into the
database with sqlite-utils, then times the real command, as a user runs it, for each
format. Usage: python bench/report.py [--visits-per-day 60] [--db bench/out/month.db]
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from monitor.storage import Store

TZ = timezone(timedelta(hours=8))
WINDOWS = [f"W{n:02d}" for n in range(1, 21)]
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
LINES = {
    "greet": ("staff", "您好，请问您要办理什么业务？"),
    "ask": ("customer", "我想问一下这个要带什么材料呢"),
    "answer": ("staff", "请您带上身份证和户口本，复印件也可以。"),
    "talk": ("customer", "好的 我的电话是一三八一二三四五六七八"),
    "work": ("staff", "好的，请您稍等，我给您登记一下。"),
    "taboo": ("staff", "你烦不烦啊 后面还有人排队呢"),
    "bye": ("staff", "办好了，请慢走，再见。"),
}
# rule, probability per visit, severity, deduction (the general profile's weights)
RISKS = [("greeting", 0.08, "major", 20), ("farewell", 0.12, "major", 15),
         ("please", 0.10, "minor", 2.5), ("interruption", 0.05, "minor", 2.5),
         ("speech_rate", 0.06, "minor", 1.5), ("wait_apology", 0.03, "major", 10)]


def _visit(rng: random.Random, session: str, window: str, staff: str, n: int,
           opened: datetime, offset: float):
    """One visit's rows: the visit, its utterances and its findings."""
    visit_id = f"{session}-{window}-{n:03d}"
    findings = [(rule, severity, cost) for rule, p, severity, cost in RISKS if rng.random() < p]
    questions = rng.choice((0, 1, 1, 2))
    unanswered = sum(rng.random() < 0.06 for _ in range(questions))
    findings += [("answer", "major", 15)] * unanswered
    if rng.random() < 0.02:
        findings.append(("taboo", "critical" if rng.random() < 0.3 else "major", 30))
    script = ([] if any(f[0] == "greeting" for f in findings) else ["greet"])
    script += ["ask", "answer"] * questions + ["talk", "work"]
    script += ["taboo"] if any(f[0] == "taboo" for f in findings) else []
    script += [] if any(f[0] == "farewell" for f in findings) else ["bye"]
    utterances, t = [], offset
    for k, key in enumerate(script):
        role, text = LINES[key]
        length = rng.uniform(2.0, 6.0)
        utterances.append({
            "id": f"{visit_id}:{k}", "session": session, "idx": k, "visit": visit_id,
            "start": t, "end": t + length,
            "at": (opened + timedelta(seconds=t)).isoformat(timespec="milliseconds"),
            "role": role, "text": text, "window": window, "staff": staff})
        t += length + rng.uniform(0.5, 3.0)
    if any(severity == "critical" for _, severity, _ in findings):
        score = 0.0
    else:
        score = max(0.0, 100.0 - sum(cost for _, _, cost in findings))
    verdict = "fail" if score < 60 else "pass" if score >= 90 else "warn"
    rows = []
    for m, (rule, severity, cost) in enumerate(findings):
        at = offset + rng.uniform(0, t - offset)
        rows.append({
            "id": f"{visit_id}:f{m}", "session": session, "visit": visit_id, "rule": rule,
            "start": at, "end": at + 2, "at": (opened + timedelta(seconds=at)).isoformat(
                timespec="milliseconds"),
            "text": LINES["taboo"][1][:4] if rule == "taboo" else "", "category":
            "不耐烦" if rule == "taboo" else "", "severity": severity, "deduction": cost,
            "detail": rule})
    visit = {
        "id": visit_id, "session": session, "kind": "live", "window": window, "staff": staff,
        "profile": "general", "start": offset, "end": t,
        "started_at": (opened + timedelta(seconds=offset)).isoformat(timespec="milliseconds"),
        "ended_at": (opened + timedelta(seconds=t)).isoformat(timespec="milliseconds"),
        "greeted": int("greet" in script), "farewelled": int("bye" in script),
        "questions": questions, "unanswered": unanswered, "score": score, "verdict": verdict}
    return visit, utterances, rows, t


def generate(path: Path, per_day: int, seed: int = 5) -> dict[str, int]:
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    store = Store(path)
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
    working = [d for d in days if d.weekday() < 5][:22]
    with store.db.atomic():
        for day in working:
            for w, window in enumerate(WINDOWS):
                staff = f"S{w + 1:02d}"
                session = f"{day:%Y%m%d}{window}"
                opened = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ)
                visits, utterances, findings = [], [], []
                offset = rng.uniform(0, 120)
                for n in range(1, max(1, round(rng.gauss(per_day, per_day / 8))) + 1):
                    visit, lines, rows, offset = _visit(rng, session, window, staff, n, opened,
                                                        offset)
                    offset += rng.uniform(60, 700)  # spreads ~60 visits over the day
                    visits.append(visit)
                    utterances += lines
                    findings += rows
                store.db["sessions"].insert({
                    "id": session, "kind": "live", "source": "bench", "window": window,
                    "staff": staff, "profile": "general", "started_at": opened.isoformat(),
                    "utterances": len(utterances), "visits": len(visits)})
                store.db["visits"].insert_all(visits)
                store.db["utterances"].insert_all(utterances)
                store.db["findings"].insert_all(findings)
    counts = store.counts()
    store.close()
    return counts


def timed(args: list[str], runs: int) -> float:
    """Median wall time of the command, interpreter start included."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits-per-day", type=int, default=60)
    parser.add_argument("--db", type=Path, default=Path("bench/out/month.db"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf", action="store_true", help="also time PDFs (needs chromium)")
    options = parser.parse_args()
    options.db.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = generate(options.db, options.visits_per_day)
    print(f"generated {counts['visits']} visits, {counts['utterances']} utterances, "
          f"{counts['findings']} findings in {time.perf_counter() - start:.1f} s")
    courtesy = [str(Path(sys.executable).parent / "courtesy")]
    out = options.db.parent
    month = ["--from", str(FIRST), "--to", str(LAST)]
    cases = [("month", month, fmt) for fmt in ("html", "json", "csv")]
    cases += [("day", ["--date", "2026-10-15"], fmt) for fmt in ("html", "json")]
    if options.pdf:
        cases += [("day", ["--date", "2026-10-15"], "pdf"), ("month", month, "pdf")]
    print(f"{'period':<8}{'format':<8}{'seconds':>9}{'size KiB':>10}")
    for period, span, fmt in cases:
        target = out / f"{period}.{fmt}"
        seconds = timed(courtesy + ["report", "--db", str(options.db), *span, "--format", fmt,
                                    "-o", str(target)], 1 if fmt == "pdf" else options.runs)
        print(f"{period:<8}{fmt:<8}{seconds:>9.2f}{target.stat().st_size / 1024:>10.0f}")


if __name__ == "__main__":
    main()
