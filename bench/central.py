"""The city's side under load: halls × windows shipping to PostgreSQL and publishing lights.

One hall's day is monitored for real (the sample transcripts through the live pipeline,
`central.simulate`, outbox installed) for every window, then copied to each hall's box
(every hall its own SQLite file, its own database role and broker user): the monitoring is
the costly part and the city cannot tell copies apart, since rows are keyed by hall. Then:

(a) backlog drain after an outage: the city's database is stopped for the whole of the
    halls' monitoring (`--minutes`, 60: an hour, fast-forwarded through the live pipeline),
    so every row of that hour waits in the outboxes; then it is started again and all halls
    ship at once (one `sync run --once` process per hall, as a running `sync run` does on
    its next retry) -> the measured drain time and rows/s into PostgreSQL;
(b) light change -> city board: each hall's stored light events of the first
    `--light-minutes` published by its MQTT driver (one client per hall, QoS 1, retained)
    at their own pace sped up `--speedup` times; the city board's subscriber notes when each
    arrives -> p50/p95/max.

Run: .venv/bin/python bench/central.py [--halls 10] [--windows 20] [--minutes 60]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from monitor.central import local, outbox, schema, simulate
from monitor.central.mqtt import CityBoard, MqttDriver
from monitor.pipeline import Scorer
from monitor.storage import Store

ROOT = Path(__file__).resolve().parent.parent
MORNING = datetime(2026, 11, 20, 9, 0).astimezone()


def one_hall(folder: Path, windows: int, minutes: float) -> Path:
    db = folder / "hall.db"
    store = Store(db)
    outbox.install(store.db.conn)
    scorer = Scorer.load("general")
    day = simulate.stretch(minutes)
    for n in range(windows):
        simulate.monitor(scorer, store, f"W{n + 1:02d}", MORNING, day)
    store.close()
    return db


def drain(pg, dbs: dict[str, Path], folder: Path) -> dict:
    """Every hall's shipper at once (its own process); the rows and how long they took."""
    boxes = []
    started = time.monotonic()
    for hall, db in dbs.items():
        config = folder / f"{hall}.toml"
        config.write_text(f'[central]\nurl = "{pg.hall_url(hall, "pw")}"\nhall = "{hall}"\n')
        boxes.append(subprocess.Popen(
            [sys.executable, "-c", "from monitor.cli import cli; cli()", "sync", "run",
             "--once", "--config", str(config), "--db", str(db)],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL))
    for box in boxes:
        box.wait()
    seconds = time.monotonic() - started
    import psycopg
    with psycopg.connect(pg.url) as conn:
        rows = sum(conn.execute(f"select count(*) from {t}").fetchone()[0]
                   for t in ("sessions", "utterances", "visits", "hits", "findings",
                             "light_events"))
    left = sum(sqlite3.connect(db).execute("select count(*) from outbox").fetchone()[0]
               for db in dbs.values())
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "left_in_outboxes": left}


def lights(broker, dbs: dict[str, Path], speedup: float, minutes: float) -> dict:
    """Each hall's light events over MQTT at their own pace, sped up; arrival at the board."""
    delays: list[float] = []
    board = CityBoard(broker.url, "city", "pw",
                      on_light=lambda hall, payload, at: delays.append(at - payload["sent"]))
    board.ready.wait(10)

    def publish(hall: str, db: Path) -> None:
        events = Store(db, read_only=True).light_events()
        driver = MqttDriver(broker.url, hall, password="pw")
        first = events[0].at
        events = [e for e in events if (e.at - first).total_seconds() < minutes * 60]
        t0 = time.monotonic()
        for event in events:
            wait = (event.at - first).total_seconds() / speedup - (time.monotonic() - t0)
            if wait > 0:
                time.sleep(wait)
            driver.show(event)
        driver.close()

    threads = [threading.Thread(target=publish, args=item) for item in dbs.items()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(1.0)
    board.close()
    ms = sorted(d * 1000 for d in delays)
    return {"changes": len(ms), "seconds": round(time.monotonic() - started, 1),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1), "max_ms": round(ms[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=10)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=60,
                        help="monitoring with the city's database down (the outage)")
    parser.add_argument("--light-minutes", type=float, default=10,
                        help="of it, the light changes published for (b)")
    parser.add_argument("--speedup", type=float, default=10.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="courtesy-bench-central-"))
    halls = [f"hall_{n + 1:02d}" for n in range(args.halls)]
    pg = local.Postgres().init().start()
    broker = local.Broker({**{h: "pw" for h in halls}, "city": "pw"}, tuple(halls)).start()
    try:
        schema.upgrade(pg.url)
        for hall in halls:
            schema.add_role(pg.url, hall, "pw")
        pg.stop()  # the outage: nothing reaches the city while the halls monitor
        t = time.monotonic()
        source = one_hall(folder, args.windows, args.minutes)
        monitored_s = time.monotonic() - t
        dbs = {}
        for hall in halls:
            dbs[hall] = folder / f"{hall}.db"
            shutil.copy(source, dbs[hall])
        pending = sqlite3.connect(source).execute("select count(*) from outbox").fetchone()[0]
        pg.start()  # back: the drain is timed from here
        figures = {"halls": args.halls, "windows": args.windows, "outage_minutes": args.minutes,
                   "monitoring_s": round(monitored_s, 1), "outbox_per_hall": pending,
                   "drain": drain(pg, dbs, folder)}
        figures["lights"] = lights(broker, dbs, args.speedup, args.light_minutes)
        figures["cpus"] = os.cpu_count()
        figures["load"] = round(os.getloadavg()[0], 1)
        print(json.dumps(figures, indent=1))
    finally:
        broker.destroy()
        pg.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
