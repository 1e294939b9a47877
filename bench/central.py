"""The city's side under load: halls × windows shipping to PostgreSQL and publishing lights.

One hall's day is monitored for real (the sample transcripts through the live pipeline,
`central.simulate`, outbox installed) for every window, then copied to each hall's box
(every hall its own SQLite file, its own database role and broker user): the monitoring is
the costly part and the city cannot tell copies apart, since rows are keyed by hall. Then:

(a) backlog drain: the city's database down while the halls monitored; all halls ship at
    once when it is back (one shipper process per hall) -> rows/s into PostgreSQL and the
    drain time, scaled to an hour's outage by the rows an hour makes;
(b) light change -> city board: each hall's stored light events published by its MQTT
    driver (one client per hall, QoS 1, retained) at their own pace sped up `--speedup`
    times; the city board's subscriber notes when each arrives -> p50/p95/max.

Run: .venv/bin/python bench/central.py [--halls 10] [--windows 20] [--minutes 10]
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
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds)}


def lights(broker, dbs: dict[str, Path], speedup: float) -> dict:
    """Each hall's light events over MQTT at their own pace, sped up; arrival at the board."""
    delays: list[float] = []
    board = CityBoard(broker.url, "city", "pw",
                      on_light=lambda hall, payload, at: delays.append(at - payload["sent"]))
    board.ready.wait(10)

    def publish(hall: str, db: Path) -> None:
        events = Store(db, read_only=True).light_events()
        driver = MqttDriver(broker.url, hall, password="pw")
        first = events[0].at
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
    parser.add_argument("--minutes", type=float, default=10)
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
        t = time.monotonic()
        source = one_hall(folder, args.windows, args.minutes)
        monitored_s = time.monotonic() - t
        dbs = {}
        for hall in halls:
            dbs[hall] = folder / f"{hall}.db"
            shutil.copy(source, dbs[hall])
        pending = sqlite3.connect(source).execute("select count(*) from outbox").fetchone()[0]
        figures = {"halls": args.halls, "windows": args.windows, "minutes": args.minutes,
                   "monitoring_s": round(monitored_s, 1), "outbox_per_hall": pending,
                   "drain": drain(pg, dbs, folder)}
        hour = figures["drain"]["seconds"] * 60 / args.minutes
        figures["drain"]["an_hour_outage_s"] = round(hour, 1)
        figures["lights"] = lights(broker, dbs, args.speedup)
        figures["cpus"] = os.cpu_count()
        figures["load"] = round(os.getloadavg()[0], 1)
        print(json.dumps(figures, indent=1))
    finally:
        broker.destroy()
        pg.destroy()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
