"""A hall's monitoring, fast-forwarded: the bundled sample transcripts played one after
another through the real live pipeline (`live.play`, the Store, the light machine and its
drivers), for the central tests and benchmark."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from .. import alerts, live, transcript
from ..records import Utterance

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "audio").glob("*.jsonl"))


def stretch(minutes: float, gap_s: float = 45.0, samples=SAMPLES) -> list[Utterance]:
    """The samples repeated, a gap between visits, for `minutes` of a window's day."""
    played = [transcript.read(path) for path in samples]
    day: list[Utterance] = []
    offset, n = 0.0, 0
    while offset < minutes * 60:
        lines = played[n % len(played)]
        day += [replace(u, start=u.start + offset, end=u.end + offset, line=0) for u in lines]
        offset = day[-1].end + gap_s
        n += 1
    return day


def monitor(scorer, store, window: str, started_at: datetime, utterances: list[Utterance],
            lights: alerts.Lights | None = None) -> int:
    """One window's stretch judged live and stored; returns how many updates it gave."""
    session = live.LiveSession(scorer, store, window=window, staff="S" + window[-2:],
                               started_at=started_at, source=f"simulated:{window}")
    lights = lights or alerts.Lights.for_store(store)
    updates = 0
    for update in live.play(session, utterances, speed=0,
                            on_tick=lambda at: lights.tick(at)):
        lights.update(update)
        updates += 1
    return updates
