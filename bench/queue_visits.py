"""Visits set by the hall's queue calls (issue 22 floors).

(a) text: generated counter sessions of the five sectors (bench/conversations.py) with the
    hall's silences (bench/verdicts.py `hall_gaps`: waits after 请稍等, forms filled, at
    least 30 s between customers). Each true visit gets a queue call 3-15 s before its
    first words and, for seven in ten, a finish 2-10 s after its last (the rest are ended by
    the next call). The lines, without their visit labels, are scored with the calls: the
    visits must be the true ones exactly (the same lines, the call's ticket). For comparison,
    the same lines cut by speech alone.
(b) audio (--audio N, light: the machine is shared): N sessions rendered by bench/verdicts.py
    (cached), transcribed by sherpa and scored with their calls: the audio path's visit
    count must agree with the text's on ≥ 98 % of sessions.

Run: .venv/bin/python bench/queue_visits.py [--sessions 200] [--audio 0]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conversations import SECTORS, Generator  # noqa: E402
from verdicts import BenchOptions, hall_gaps  # noqa: E402

from monitor import lexicon as lexicons  # noqa: E402
from monitor.pipeline import Scorer  # noqa: E402
from monitor.records import Utterance  # noqa: E402
from monitor.visits import Call  # noqa: E402


def truth(utterances: list[Utterance]) -> list[tuple[str, tuple[int, ...]]]:
    """The true visits: label and line indices, in time order."""
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(utterances):
        groups.setdefault(u.visit, []).append(i)
    return sorted(((label, tuple(g)) for label, g in groups.items()),
                  key=lambda pair: utterances[pair[1][0]].start)


def queue_of(utterances: list[Utterance], rng: random.Random) -> list[Call]:
    """A call before each true visit, a finish after most (never past the next call)."""
    visits = truth(utterances)
    calls = []
    for n, (label, group) in enumerate(visits):
        first, last = utterances[group[0]].start, utterances[group[-1]].end
        previous_end = utterances[visits[n - 1][1][-1]].end if n else first - 60
        called = max(first - rng.uniform(3, 15), (previous_end + first) / 2)
        following = utterances[visits[n + 1][1][0]].start if n + 1 < len(visits) else None
        finish = last + rng.uniform(2, 10) if rng.random() < 0.7 else None
        if finish is not None and following is not None:
            finish = min(finish, (last + following) / 2)
        calls.append(Call(utterances[group[0]].window, round(called, 3),
                          None if finish is None else round(finish, 3), f"T{label}"))
    return calls


def placed(conversation, rng: random.Random) -> list[Utterance]:
    """The conversation's lines moved by the hall's silences (as verdicts.py renders them)."""
    gaps = hall_gaps(conversation, rng, BenchOptions().form_fill)
    shift, out = 0.0, []
    for u, extra in zip(conversation.utterances, gaps):
        shift += extra
        out.append(replace(u, start=round(u.start + shift, 3), end=round(u.end + shift, 3),
                           window=conversation.sector))
    return out


def text_bench(sessions: int, visits: int, seed: int) -> dict:
    generator = Generator(lexicons.load(), seed)
    rng = random.Random(seed)
    scorers = {sector: Scorer.load(sector) for sector in SECTORS}
    tally = {"sessions": 0, "visits": 0, "queue_exact": 0, "queue_sessions": 0,
             "speech_exact": 0, "speech_sessions": 0}
    for n in range(sessions):
        sector = SECTORS[n % len(SECTORS)]
        lines = placed(generator.session(sector, visits), rng)
        want = {group: f"T{label}" for label, group in truth(lines)}
        bare = [replace(u, visit=None) for u in lines]
        scorer = scorers[sector]
        by_queue = scorer.score(bare, window=sector, queue=queue_of(lines, rng))
        got = {tuple(v.utterances): v.ticket for v in by_queue.visits}
        by_speech = {tuple(v.utterances) for v in scorer.score(bare, window=sector).visits}
        tally["sessions"] += 1
        tally["visits"] += len(want)
        tally["queue_exact"] += sum(got.get(group) == ticket for group, ticket in want.items())
        tally["queue_sessions"] += got == want
        tally["speech_exact"] += len(set(want) & by_speech)
        tally["speech_sessions"] += set(want) == by_speech
    return tally


def audio_bench(count: int, visits: int, seed: int, voices: str) -> dict:
    from audio import sherpa_engine
    from verdicts import build

    from monitor.audio import score_file

    engine = sherpa_engine()
    rng = random.Random(seed)
    rendered = build(BenchOptions(sessions=count, visits=visits, seed=seed, voices=voices),
                     log=print)
    tally = {"sessions": 0, "agree": 0}
    for r in rendered:
        scorer = Scorer.load(r.sector)
        text = scorer.score(r.utterances, window=r.sector)
        calls = queue_of(r.utterances, rng)
        heard = score_file(scorer, r.path, engine, window=r.sector, queue=calls)
        tally["sessions"] += 1
        tally["agree"] += len(heard.visits) == len(text.visits)
        print(f"  {r.name}: text {len(text.visits)} visits, audio with the queue "
              f"{len(heard.visits)}")
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--visits", type=int, default=4)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--audio", type=int, default=0, help="rendered sessions to transcribe")
    parser.add_argument("--voices", default="natural", help="natural (Kokoro) or espeak")
    args = parser.parse_args()
    began = time.perf_counter()
    t = text_bench(args.sessions, args.visits, args.seed)
    print(f"text: {t['sessions']} sessions x {args.visits} visits in "
          f"{time.perf_counter() - began:.0f} s")
    print("| visits cut by | visits exactly right | sessions exactly right | floor |")
    print("|---|---|---|---|")
    print(f"| queue calls | {t['queue_exact']} / {t['visits']} | {t['queue_sessions']} / "
          f"{t['sessions']} | exact: {'yes' if t['queue_exact'] == t['visits'] else 'NO'} |")
    print(f"| speech alone | {t['speech_exact']} / {t['visits']} | {t['speech_sessions']} / "
          f"{t['sessions']} | |")
    if args.audio:
        a = audio_bench(args.audio, args.visits, args.seed, args.voices)
        share = a["agree"] / a["sessions"]
        print("| audio with the queue | visit count as the text's | sessions | floor |")
        print("|---|---|---|---|")
        print(f"| sherpa | {a['agree']} / {a['sessions']} ({share:.1%}) | {a['sessions']} | "
              f"≥ 98 %: {'yes' if share >= 0.98 else 'NO'} |")


if __name__ == "__main__":
    main()
