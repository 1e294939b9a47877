"""Visits set by the hall's queue calls (issue 22 floors).

(a) text: generated counter sessions of the five sectors (bench/conversations.py) with the
    waits bench/verdicts.py announces (`announce_waits`, `--waits` of the visits) and the
    hall's silences (`hall_gaps`: 40-120 s after 请稍等, forms filled, at least 30 s between
    customers); in `--closing-waits` of the visits the staff's last words also announce a
    wait (尽快给您答复, or what staff said after a wait went unheard) and the customer
    leaves. Each true visit gets a queue call 3-15 s before its first words and, for seven
    in ten, a finish 2-10 s after its last (the rest are ended by the next call). The lines,
    without their visit labels, are scored with the calls: the visits must be the true ones
    exactly (the same lines, the call's ticket). For comparison, the same lines cut by
    speech alone (visits inferred), typed clean and, with `--errors`, at that character
    error rate (bench/asr_noise.py); a visit after a closing wait is counted apart by how it
    opens (staff greeting first, or the customer).
(b) audio (--audio N, light: the machine is shared): N sessions rendered by bench/verdicts.py
    (cached), transcribed by sherpa and scored with their calls: the audio path's visit
    count must agree with the text's on ≥ 98 % of sessions.

Run: .venv/bin/python bench/queue_visits.py [--sessions 200] [--seed 22] [--waits 0.4]
         [--closing-waits 0.1] [--errors 0.15] [--audio 0]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr_noise import Recogniser  # noqa: E402
from conversations import SECTORS, Conversation, Generator  # noqa: E402
from verdicts import BenchOptions, announce_waits, hall_gaps  # noqa: E402

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


def closing_waits(conv: Conversation, generator: Generator, rng: random.Random,
                  share: float) -> set[str]:
    """In `share` of the visits, the staff's last words also announce a wait, and the
    customer leaves all the same: the labels of the visits that follow one."""
    after = set()
    for truth_, following in zip(conv.visits, conv.visits[1:]):
        staff = [i for i in truth_.indices if conv.utterances[i].role == "staff"]
        if not staff or rng.random() >= share:
            continue
        i = staff[-1]
        wait = rng.choice(generator.forms("waiting", conv.sector))
        text = "，".join((conv.utterances[i].text.rstrip("。？"), wait)) + "。"
        conv.utterances[i] = replace(conv.utterances[i], text=text)
        conv.said[i] = replace(conv.said[i], kinds=conv.said[i].kinds | {"waiting"})
        after.add(following.label)
    return after


def placed(conversation, rng: random.Random) -> list[Utterance]:
    """The conversation's lines moved by the hall's silences (as verdicts.py renders them)."""
    gaps = hall_gaps(conversation, rng, BenchOptions().form_fill)
    shift, out = 0.0, []
    for u, extra in zip(conversation.utterances, gaps):
        shift += extra
        out.append(replace(u, start=round(u.start + shift, 3), end=round(u.end + shift, 3),
                           window=conversation.sector))
    return out


def text_bench(sessions: int, visits: int, seed: int, waits: float = 0.0,
               closing: float = 0.0, errors: float = 0.0) -> dict:
    generator = Generator(lexicons.load(), seed)
    rng = random.Random(seed)
    recogniser = Recogniser(errors, seed) if errors else None
    scorers = {sector: Scorer.load(sector) for sector in SECTORS}
    tally = {"sessions": 0, "visits": 0, "queue_exact": 0, "queue_sessions": 0,
             "speech_exact": 0, "speech_sessions": 0, "heard_exact": 0, "heard_sessions": 0,
             "after_wait": {}}
    for n in range(sessions):
        sector = SECTORS[n % len(SECTORS)]
        conversation = generator.session(sector, visits)
        announce_waits(conversation, generator, rng, waits)
        after = closing_waits(conversation, generator, rng, closing)
        lines = placed(conversation, rng)
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
        _after_wait(tally["after_wait"], lines, want, by_speech, after)
        if recogniser:
            typed = [replace(u, text=recogniser.hear(u.text)) for u in bare]
            by_ear = {tuple(v.utterances) for v in scorer.score(typed, window=sector).visits}
            tally["heard_exact"] += len(set(want) & by_ear)
            tally["heard_sessions"] += set(want) == by_ear
    return tally


def _after_wait(tally: dict, lines: list[Utterance], want: dict, found: set,
                after: set[str]) -> None:
    """Visits that follow a closing wait, found by speech or not, by who speaks first."""
    for group, ticket in want.items():
        if ticket[1:] in after:
            opens = "staff" if lines[group[0]].role == "staff" else "customer"
            right, total = tally.get(opens, (0, 0))
            tally[opens] = (right + (group in found), total + 1)


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
    parser.add_argument("--waits", type=float, default=BenchOptions().waits,
                        help="share of visits given an announced wait, as verdicts.py does")
    parser.add_argument("--closing-waits", type=float, default=0.0,
                        help="share of visits whose last staff words announce a wait")
    parser.add_argument("--errors", type=float, default=0.0,
                        help="also infer visits from the lines typed at this character error rate")
    parser.add_argument("--audio", type=int, default=0, help="rendered sessions to transcribe")
    parser.add_argument("--voices", default="natural", help="natural (Kokoro) or espeak")
    args = parser.parse_args()
    began = time.perf_counter()
    t = text_bench(args.sessions, args.visits, args.seed, args.waits, args.closing_waits,
                   args.errors)
    print(f"text: {t['sessions']} sessions x {args.visits} visits, seed {args.seed}, "
          f"waits {args.waits:g}, closing waits {args.closing_waits:g}, in "
          f"{time.perf_counter() - began:.0f} s")
    print("| visits cut by | visits exactly right | sessions exactly right | floor |")
    print("|---|---|---|---|")
    print(f"| queue calls | {t['queue_exact']} / {t['visits']} | {t['queue_sessions']} / "
          f"{t['sessions']} | exact: {'yes' if t['queue_exact'] == t['visits'] else 'NO'} |")
    print(f"| speech alone | {t['speech_exact']} / {t['visits']} | {t['speech_sessions']} / "
          f"{t['sessions']} | exact: "
          f"{'yes' if t['speech_sessions'] == t['sessions'] else 'NO'} |")
    if args.errors:
        print(f"| speech alone, typed at {args.errors:.0%} character errors | "
              f"{t['heard_exact']} / {t['visits']} | {t['heard_sessions']} / {t['sessions']} | |")
    for opens, (right, total) in sorted(t["after_wait"].items()):
        print(f"visits after a closing wait, opened by the {opens}: {right} / {total} found "
              "by speech alone")
    if args.audio:
        a = audio_bench(args.audio, args.visits, args.seed, args.voices)
        share = a["agree"] / a["sessions"]
        print("| audio with the queue | visit count as the text's | sessions | floor |")
        print("|---|---|---|---|")
        print(f"| sherpa | {a['agree']} / {a['sessions']} ({share:.1%}) | {a['sessions']} | "
              f"≥ 98 %: {'yes' if share >= 0.98 else 'NO'} |")


if __name__ == "__main__":
    main()
