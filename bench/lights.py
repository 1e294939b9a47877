"""Alert light latency: from a finding being stored to the light changing.

(a) in process: LiveUpdate -> Lights.update -> light event stored (the state machine and
    its SQLite write), and utterance arriving -> scored -> light event stored;
(b) in the browser: light event stored (committed by this process, as the monitor would)
    -> `courtesy serve` sees it -> server-sent event -> the board's script applies it to the
    tile (the page stamps performance.timeOrigin + now into data-applied-at);
(c) the board with 50 windows changing within the same 100 ms: all applied, and how long;
(d) with --moment: end of a critical taboo phrase -> red stored (bench/audio.py latency: the
    samples and espeak renders, speech judged while spoken) combined with (b): every pair of
    a measured (audio) delay and a measured (browser) delay, summed.

Run: .venv/bin/python bench/lights.py [--changes 200] [--rounds 10] [--moment]
"""
from __future__ import annotations

import argparse
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from monitor import transcript
from monitor.alerts import LightOptions, Lights
from monitor.live import LiveSession
from monitor.pipeline import Scorer
from monitor.records import Finding, LightEvent, LiveUpdate, Visit
from monitor.storage import Store

ROOT = Path(__file__).resolve().parent.parent
COURTESY = str(Path(sys.executable).parent / "courtesy")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def summary(name: str, values_ms: list[float]) -> str:
    values = sorted(values_ms)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return (f"| {name} | {len(values)} | {statistics.median(values):.2f} | {p95:.2f} | "
            f"{values[-1]:.2f} |")


def in_process(folder: Path, changes: int) -> list[str]:
    """The state machine and its store, fed synthetic updates, then real sessions."""
    store = Store(folder / "inproc.db")
    lights = Lights.for_store(store, LightOptions(red_hold_s=0, ack_required=False))
    t0 = datetime.now().astimezone()
    minor = Finding("please", 1.0, 2.0, "医保卡给我", "minor")
    critical = Finding("taboo", 3.0, 4.0, "你烦不烦", "critical")
    timings = []
    n = 0
    while len(timings) < changes:
        n += 1
        at = t0 + timedelta(seconds=n)
        window = f"W{n % 7:02d}"
        findings = [[], [minor], [], [minor, replace(critical, start=float(n))]][n % 4]
        visit = Visit(f"v{n // 8}", window, None, 0, n, findings=findings)
        update = LiveUpdate(window, float(n), at, "update", visit)
        start = time.perf_counter()
        events = lights.update(update)
        elapsed = time.perf_counter() - start
        if events:
            timings.append(elapsed * 1000)
        lights.tick(at + timedelta(seconds=0.5))  # release reds (no hold in this run)
    lights.close()

    scorer = Scorer.load("general")
    scored: list[float] = []
    warm = True  # the first pass loads jieba's dictionary and the matcher's caches
    while len(scored) < changes:
        for name in ("hospital_taboo", "bank_wait", "utility_day", "police_good"):
            db = Store(folder / "sessions.db")
            lights = Lights.for_store(db, LightOptions(red_hold_s=0, ack_required=False))
            session = LiveSession(scorer, db, window=name, started_at=t0)
            for utterance in transcript.read(ROOT / "audio" / f"{name}.jsonl"):
                start = time.perf_counter()
                shown = [e for u in session.feed(utterance) for e in lights.update(u)]
                if shown and not warm:
                    scored.append((time.perf_counter() - start) * 1000)
            for u in session.flush():
                lights.update(u)
            lights.close()
        warm = False
    return [summary("(a) LiveUpdate → Lights.update → event stored", timings),
            summary("(a) utterance → scored, visit stored → light event stored", scored)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_board(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([COURTESY, "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/api/lights", timeout=1).read()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("courtesy serve did not start")


def stored_now(store: Store, window: str, state: str, previous: str) -> tuple[LightEvent, float]:
    """Store a light change as the monitor would; the epoch ms when it was committed."""
    event = store.add_light_event(LightEvent(window, state, previous,
                                             datetime.now().astimezone(), rule="please",
                                             quote="请稍等", severity="minor"))
    return event, time.time() * 1000


APPLIED = """([window, id]) => {
  const tile = document.querySelector(`[data-tile][data-window="${window}"]`);
  return tile && Number(tile.dataset.event) >= id ? Number(tile.dataset.appliedAt) : null;
}"""
ALL_APPLIED = """(wanted) => {
  const out = {};
  for (const [window, id] of Object.entries(wanted)) {
    const tile = document.querySelector(`[data-tile][data-window="${window}"]`);
    if (!tile || Number(tile.dataset.event) < id) return null;
    out[window] = Number(tile.dataset.appliedAt);
  }
  return out;
}"""


def in_browser(folder: Path, changes: int, rounds: int) -> tuple[list[str], list[float]]:
    """The rows (b) and (c), and the single changes' delays in ms (for (d))."""
    from playwright.sync_api import sync_playwright

    db = folder / "board.db"
    store = Store(db)
    windows = [f"W{n:02d}" for n in range(1, 51)]
    state = {w: "green" for w in windows}
    for window in windows:
        store.add_light_event(LightEvent(window, "green", "off", datetime.now().astimezone()))
    server, url = start_board(db)
    rng = random.Random(4)
    single: list[float] = []
    burst: dict[bool, list[float]] = {True: [], False: []}
    spans: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(url + "/")
            page.wait_for_selector('[data-conn][data-ok="1"]')
            for n in range(changes):  # one change at a time, at random moments
                window = windows[n % 5]
                new = "yellow" if state[window] == "green" else "green"
                event, stored = stored_now(store, window, new, state[window])
                state[window] = new
                applied = page.wait_for_function(APPLIED, arg=[window, event.id],
                                                 polling=5).json_value()
                single.append(applied - stored)
                time.sleep(rng.uniform(0.0, 0.15))
            for n in range(2 * rounds):  # all 50 windows change at once
                together = n % 2 == 0  # one transaction, or 50 commits as fast as they go
                wanted, stored = {}, {}
                with store.db.atomic() if together else nullcontext():
                    for window in windows:
                        new = "yellow" if state[window] == "green" else "green"
                        event, stored[window] = stored_now(store, window, new, state[window])
                        state[window] = new
                        wanted[window] = event.id
                if together:
                    stored = dict.fromkeys(windows, time.time() * 1000)  # committed now
                applied = page.wait_for_function(ALL_APPLIED, arg=wanted, polling=5,
                                                 timeout=10_000).json_value()
                burst[together] += [applied[w] - stored[w] for w in windows]
                spans[together].append((max(stored.values()) - min(stored.values()),
                                        max(applied.values()) - min(stored.values())))
                time.sleep(rng.uniform(0.2, 0.4))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    rows = [summary("(b) event stored → board tile updated (browser)", single)]
    for together, how in ((True, "one commit"), (False, "50 commits")):
        written = statistics.median(s for s, _ in spans[together])
        rows += [summary(f"(c) 50 windows at once ({how}, stored over {written:.0f} ms), "
                         "per window",
                         burst[together]),
                 summary(f"(c) 50 windows at once ({how}), first stored → all 50 applied",
                         [a for _, a in spans[together]])]
    return rows, single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--moment", action="store_true",
                        help="also (d): phrase end -> board tile (runs the audio latency bench)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = in_process(Path(folder), args.changes)
        browser, single = in_browser(Path(folder), args.changes, args.rounds)
        rows += browser
    if args.moment:
        sys.path.insert(0, str(ROOT / "bench"))
        from audio import latency

        reds = latency()["reds"]
        rows.append(summary("(d) end of a critical taboo → red on the board tile (browser)",
                            [1000 * r + b for r in reds for b in single]))
    print(f"# alert lights · {platform.machine()}, {platform.python_version()}, "
          f"{datetime.now():%Y-%m-%d}")
    print("| path | changes | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
