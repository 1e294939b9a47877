"""Audio pipeline benchmarks (issues 3 and 9): speed, latency, recall, false hits, verdicts.

    python bench/audio.py                 # everything
    python bench/audio.py speed latency   # some sections

Sections:
  speed    real-time factor of the whole pipeline (VAD, sherpa recogniser + keyword
           spotter, scoring, SQLite storage) for W windows x 2 channels on ONE core
           (sched_setaffinity + onnxruntime num_threads=1), fed as fast as it can go.
           hall RTF = wall time / the longest window's audio (all windows run side by
           side); cpu/stream s = CPU per second of one channel's audio; cpu/speech s =
           CPU per second of speech the VAD passed on (the cost when a side talks).
  latency  end of a phrase to its judgement reaching the lights (a light change stored),
           speech judged while it is spoken: the audio time until the phrase is heard,
           plus the measured processing; on the samples (phrase end: the final hit's end)
           and on renders of other voices (the taboo's true end); withdrawn reds.
  recall   phrases the scorer finds in the samples' reference transcripts that it also
           finds when the samples' audio goes through the pipeline.
  false    phrase hits per hour on ../shared/data/real-zh (ordinary speech), minus those
           the reference text really contains; also the pinyin syllable error rate there.
  vosk     character error rate of vosk on real-zh, when its model is installed.
  sweep    recall and false hits again for other keyword thresholds and boosts.
  verdicts verdicts from rendered two-channel audio against verdicts from the same
           conversations' text (bench/verdicts.py), per visit and per rule.
  everyday false alarms per hour on ordinary speech: real-zh plus renders of
           bench/everyday.py's sentences in several voices, some with hall noise.
  taboo    taboo precision and recall line by line, with and without the evidence bar.

--voices natural|espeak: who speaks in the renders of latency, verdicts, everyday and taboo:
Kokoro's seven natural Mandarin voices (the default; `make voices` installs them) or
espeak-ng's robotic Mandarin (the hard case). --mono (verdicts, latency, speed): both voices on one pickup channel (bench/pickup.py:
the customer 3-9 dB lower, duller, with a little room), scored as `--channels mixed` with
the staff voice enrolled from held-out sentences (--learned: none, learned from the audio,
each way --learning names: day, live, tracker; before and after in one run);
verdicts add the role error (% of speech time), taboo findings on a customer's line.
speed --windows 1 20 40 chooses the window counts.

Options of verdicts, everyday, taboo and speed: --opt KEY=VALUE sets a SherpaOptions field
(values parsed as JSON, e.g. --opt threshold=0.3 --opt 'thresholds={"taboo": 0.4}',
--opt hotwords_score=0 for the recogniser unbiased); --json FILE
writes every figure (and per-visit rows); --sessions N --visits N --seed N --minutes M
choose what is rendered; --real-zh DIR the real recordings. Verdicts only: --only s01,s04
judges some sessions; --live also plays the lines heard through a live session one at a
time (as `listen` judges them; --live listen: the pickup heard again as `listen` hears it,
partial results and all) and compares its visits with the text's and the file's;
--heard DIR keeps the recogniser's output of each session there once and replays it after
(bench/heard.py), so --speaker-opt KEY=VALUE (a SpeakerOptions field) variants of --mono
are judged in minutes, not hours.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from monitor import asr, lexicon, models, sources, transcript  # noqa: E402
from monitor.asr.sherpa import SherpaOptions  # noqa: E402
from monitor.audio import Transcriber, transcribe, transcribe_file  # noqa: E402
from monitor.config import WindowConfig  # noqa: E402
from monitor.listen import Monitor  # noqa: E402
from monitor.recordings import RetentionOptions  # noqa: E402
from monitor.live import LiveSession  # noqa: E402
from monitor.normalize import clean_chars, split_pinyin, text_pinyin  # noqa: E402
from monitor.pipeline import Scorer  # noqa: E402
from monitor.speakers import SpeakerOptions  # noqa: E402
from monitor.storage import Store  # noqa: E402
from render import VOICE_KINDS  # noqa: E402

LATE_S = 5.0  # a red this long after a taboo's end is still its red (later: another's)
SAMPLES = sorted((ROOT / "audio").glob("*.flac"))
REAL_ZH = models.SHARED_MODELS.parent / "data" / "real-zh"
CUE = set(lexicon.CUE_KINDS)


def one_core() -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def sherpa_engine(**options):
    return asr.create("sherpa", lexicon.load(), SherpaOptions(**{"num_threads": 1, **options}))


def profile_of(path: Path) -> str:
    return path.stem.split("_")[0]


def speed(windows_list=(1, 20, 40), mono: bool = False, options: dict | None = None) -> None:
    """With `mono`, each window hears its sample's two channels as one pickup (mixed);
    `options` are SherpaOptions fields (--opt)."""
    one_core()
    engine = sherpa_engine(**(options or {}))
    print("\n## speed: whole pipeline, one core, sherpa-onnx (num_threads=1)"
          + (", one mixed pickup channel per window (voices told apart)" if mono else ""))
    print(f"{'windows':>8} {'streams':>8} {'audio s/window':>15} {'speech %':>9} "
          f"{'cpu s':>7} {'wall s':>7} {'hall RTF':>9} {'cpu/stream s':>13} "
          f"{'cpu/speech s':>13} {'streams/core':>13}")
    for count in windows_list:
        configs = [WindowConfig(f"W{n:02d}", SAMPLES[n % len(SAMPLES)],
                                profile=profile_of(SAMPLES[n % len(SAMPLES)]),
                                **({"channels": ("mixed",)} if mono else {}))
                   for n in range(count)]
        with tempfile.TemporaryDirectory() as scratch:
            store = Store(Path(scratch) / "bench.db")
            monitor = Monitor(configs, engine, store, RetentionOptions(keep="none"))
            began_cpu, began = time.process_time(), time.perf_counter()
            monitor.run(lambda: False)
            wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        audio = [sources.file_duration(c.device) for c in configs]
        speech = sum(w.transcriber.speech_s for w in monitor.windows)
        hall_rtf = wall / max(audio)  # all windows run side by side: the longest sets the pace
        per_stream = cpu / ((1 if mono else 2) * sum(audio))
        print(f"{count:>8} {(1 if mono else 2) * count:>8} {statistics.mean(audio):>15.1f} "
              f"{100 * speech / (2 * sum(audio)):>8.0f}% {cpu:>7.1f} {wall:>7.1f} "
              f"{hall_rtf:>9.3f} {per_stream:>13.4f} {cpu / speech:>13.4f} "
              f"{1 / per_stream:>13.0f}")


def latency(voices: str = VOICE_KINDS[0], mono: bool = False,
            speakers: int = 7) -> dict[str, list[float]]:
    """End of a phrase -> its judgement given to the lights (any light change stored), with
    speech judged while it is spoken; on the samples and on renders of other voices
    (taboos inside longer staff lines, their true end known). Returns the delays.
    With `mono`: the taboo lines on one pickup channel, scored as mixed with the staff voice
    enrolled from held-out sentences, in each of pickup.LATENCY_CASES apart: each line after
    a customer's line that ends 0.3 s before it, and each followed at once by a customer's
    taboo; reds during a customer's line are counted, and reds resting on a customer's
    taboo."""
    from renders import renders

    engine = sherpa_engine()
    if not mono:
        runs = [(p, profile_of(p), ()) for p in SAMPLES]
        runs += [(r.path, "general", r.truths) for r in renders(voices)]
        return _latency(engine, runs, f"samples and {len(runs) - len(SAMPLES)} {voices} "
                                      "renders")
    import pickup

    out: dict[str, list[float]] = {"phrases": [], "reds": []}
    for case in pickup.LATENCY_CASES:
        delays = _latency(engine, _pickup_runs(speakers, case),
                          f"{speakers} one-pickup renders, {case}", mono=True)
        for name, values in delays.items():
            out[name] += values
    return out


def _latency(engine, runs: list[tuple], named: str, mono: bool = False) -> dict[str, list[float]]:
    """The latency section on `runs`: (path, profile, staff taboos' truths, and on one pickup
    the enrolled staff voice, the customer lines' spans and the customer taboos' truths)."""
    from monitor.alerts import LightMachine

    phrases, reds, work, changes, quick, missed = [], [], [], 0, 0, []
    which: list[tuple[float, str]] = []  # each red's delay and what was said
    withdrawn = 0
    customer_reds: list[str] = []  # what each red near a customer's line quoted
    at_end: list[str] = []  # reds given as their segment ended, not while it was spoken
    theirs: dict[bool, list[str]] = {True: [], False: []}  # reds resting on a customer's
    # taboo, given while its segment was spoken (True) or as it ended (its final roles)
    for path, profile, truths, *pickup in runs:
        with tempfile.TemporaryDirectory() as scratch:
            store = Store(Path(scratch) / "bench.db")
            session = LiveSession(Scorer.load(profile), store, window=path.stem)
            clock = {"arrived": 0.0, "began": 0.0}

            def audio_time(at: float) -> float:
                """The moment on the audio's clock, if blocks came in real time."""
                return clock["arrived"] + at - clock["began"]

            events: list = []  # (event, audio time it was stored, of which processing, block)
            causes: dict[int, object] = {}  # a red's index in events -> its finding
            ended: set[float] = set()  # the blocks in which a segment ended

            def record(event):
                event = store.add_light_event(event)
                done = time.perf_counter()
                events.append((event, audio_time(done), done - clock["began"], clock["arrived"]))
                return event

            lights = LightMachine(acknowledged=store.acknowledged, record=record)
            transcriber = Transcriber(engine, partials=True,
                                      on_speech=lambda role, at: session.speech_started(at),
                                      voice=pickup[0] if pickup else None)
            seen: list = []  # (hit, audio time its judgement reached the lights)

            def judged(updates) -> None:
                for update in updates:
                    fresh = len(events)
                    lights.update(update)
                    for n in range(fresh, len(events)):
                        event = events[n][0]
                        if event.state == "red":
                            causes[n] = next(f for f in update.visit.findings
                                             if f.rule == event.rule and f.text == event.quote)
                    now = audio_time(time.perf_counter())
                    seen.extend((h, now) for h in update.visit.hits if h.kind not in CUE)

            next_tick = 0.0
            for block in _blocks(path, ("mixed",) if pickup else sources.DEFAULT_CHANNELS):
                clock["began"] = time.perf_counter()
                clock["arrived"] = block[0].start + len(block[0].samples) / sources.SAMPLE_RATE
                for chunk in block:
                    for utterance in transcriber.feed(chunk):
                        judged(session.feed(utterance))
                        if not utterance.partial:
                            ended.add(clock["arrived"])
                if clock["arrived"] >= next_tick:
                    next_tick = clock["arrived"] + 1.0
                    judged(session.tick(clock["arrived"]))
                    lights.tick(session.wall(clock["arrived"]))
            for utterance in transcriber.flush():
                judged(session.feed(utterance))
            judged(session.flush())
            withdrawn += lights.withdrawn
            changes += len(events)
            quick += sum(1 for (a, *_), (b, *_) in zip(events, events[1:])
                         if b.state == a.previous and (b.at - a.at).total_seconds() < 1.0)
            said_by_customer = {n for n, finding in causes.items()
                                if _within(finding, pickup[2] if pickup else ())}
            for spoken, reds_of in _customers(events, causes, said_by_customer, ended).items():
                theirs[spoken] += [f"{path.stem} {red}" for red in reds_of]
            red_at = [(t, spent, block in ended) for n, (e, t, spent, block) in enumerate(events)
                      if e.state == "red" and n not in said_by_customer]
            if pickup:  # a red while only a customer spoke is the customer's words
                customer_reds += [f"{path.stem} {t:.1f} s {e.quote}" for e, t, *_ in events
                                  if e.state == "red"
                                  and any(a <= t <= b + 1.0 for a, b in pickup[1])]

            def red_after(start: float, end: float, until: float, what: str) -> bool:
                red = [(t, spent, last) for t, spent, last in red_at if start < t < until]
                if red:
                    reds.append(red[0][0] - end)
                    work.append(red[0][1])
                    which.append((red[0][0] - end, f"{path.stem} {what}"))
                    if red[0][2]:
                        at_end.append(f"{path.stem} {what} {red[0][0] - end:.2f} s")
                return bool(red)

            if truths:  # renders: the taboo's true end -> the red stored
                for n, truth in enumerate(truths):
                    until = truths[n + 1].start if n + 1 < len(truths) else truth.end + 5
                    # a red given only on the utterance's final result comes 2-3.5 s after
                    # the phrase: late, but the phrase was heard (not a taboo missed)
                    if not red_after(truth.start, truth.end, min(until, truth.end + LATE_S),
                                     truth.phrase):
                        missed.append(f"{path.stem} {truth.phrase}")
                    heard = [t for h, t in seen if h.kind == "taboo"
                             and truth.start - 0.5 < h.start < truth.end + 0.5]
                    if heard:
                        phrases.append(min(heard) - truth.end)
                continue
            for visit in session.session.visits:  # samples: the final hit's end
                for hit in visit.hits:
                    if hit.kind in CUE:
                        continue
                    heard = [t for h, t in seen if h.kind == hit.kind and h.phrase == hit.phrase
                             and abs(h.start - hit.start) < 0.5]
                    delay = max(0.0, min(heard) - hit.end)
                    phrases.append(delay)
                    if hit.kind == "taboo" and hit.severity == "critical":
                        red_after(hit.start, hit.end, hit.end + LATE_S, hit.phrase)

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        return (f"{name}: n {len(values)}  median {statistics.median(values):.2f} s  "
                f"p95 {values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]:.2f} s  "
                f"max {values[-1]:.2f} s")

    print("\n## latency: end of a phrase -> judged and its light change stored "
          f"({named}; partial results judged; sherpa)")
    print(line("all phrases but cues -> first judgement given to the lights", phrases))
    print(line("critical taboo -> red stored", reds)
          + f"  (later than 1 s: {sum(delay > 1.0 for delay in reds)})")
    print(line("  of which processing (decode, judge, store) after the block arrived", work))
    print(line("  on the audio's clock (processing left out: each at its block's arrival)",
               [delay - spent for delay, spent in zip(reds, work)]))
    print(f"light changes {changes}; reds withdrawn {withdrawn} "
          f"({100 * withdrawn / max(1, changes):.1f} %); changes reverted within 1 s {quick}; "
          f"taboos in renders the recogniser never heard {len(missed)}")
    print(f"reds given as their segment ended (its words or role unsure while it was "
          f"spoken) {len(at_end)}" + "".join(f"; {red}" for red in at_end))
    if mono:
        print(f"pickup: reds during (or within 1 s after) a customer's line "
              f"{len(customer_reds)}" + "".join(f"; {red}" for red in customer_reds))
        print(f"pickup: customer's taboos turning the light red while their segment was "
              f"spoken {len(theirs[True])}" + "".join(f"; {red}" for red in theirs[True])
              + f"; as it ended (its final roles) {len(theirs[False])}"
              + "".join(f"; {red}" for red in theirs[False]))
    print("slowest reds: " + ", ".join(f"{what} {delay:.2f} s"
                                      for delay, what in sorted(which, reverse=True)[:5]))
    return {"phrases": phrases, "reds": reds}


def _pickup_runs(speakers: int, case: str) -> list[tuple]:
    """The latency runs on one pickup channel: (path, profile, truths, staff voice
    enrolled from held-out sentences, customer lines' spans, customer taboos' truths)."""
    import pickup

    return [(r.path, "general", r.truths, r.staff, r.customer_spans, r.customer_taboos)
            for r in pickup.latency_renders(speakers, case)]


def _customers(events: list, causes: dict, theirs: set[int], ended: set[float]) -> dict:
    """The reds resting on a customer's taboo (`theirs`, indices in `events`), as given
    while their segment was spoken (True) or in a block where a segment ended (False): a
    segment's first reading as it ends is told with its final roles, not a partial
    result's."""
    out: dict[bool, list[str]] = {True: [], False: []}
    for n in sorted(theirs):
        out[events[n][3] not in ended].append(f"{causes[n].start:.1f} s {causes[n].text}")
    return out


def _within(finding, truths) -> bool:
    """Whether a finding rests on one of these phrases (its middle within one's span,
    give or take the 0.1 s a partial result's line reaches beyond its words)."""
    middle = (finding.start + finding.end) / 2
    return any(t.start - 0.1 <= middle <= t.end + 0.1 for t in truths)


def _blocks(path: Path, roles: tuple[str, ...] = sources.DEFAULT_CHANNELS):
    replay = sources.read_file(path, roles)
    block = []
    for chunk in replay:
        if block and chunk.start != block[0].start:
            yield block
            block = []
        block.append(chunk)
    if block:
        yield block


def recall(engine=None) -> None:
    engine = engine or sherpa_engine()
    print("\n## recall: reference-transcript phrase hits found again from the audio "
          "(staff and customer; cue kinds excluded)")
    print(f"{'sample':<16} {'reference':>9} {'found':>6} {'by spotter':>11} {'extra':>6}")
    total = found_total = spotted_total = extra_total = 0
    per_kind: dict[str, list[int]] = {}
    for path in SAMPLES:
        scorer = Scorer.load(profile_of(path))
        reference = _hits(scorer.score(transcript.read(path.with_suffix(".jsonl"))))
        utterances = transcribe_file(path, engine)
        heard = _hits(scorer.score(utterances))
        spotted = {(h.kind, h.phrase) for u in utterances for h in u.spotted}
        found = [r for r in reference if any(_same(r, h) for h in heard)]
        extra = [h for h in heard if not any(_same(r, h) for r in reference)]
        by_spotter = [r for r in found if (r.kind, r.phrase) in spotted]
        for r in reference:
            per_kind.setdefault(r.kind, [0, 0])[0] += 1
            per_kind[r.kind][1] += r in found
        total += len(reference)
        found_total += len(found)
        spotted_total += len(by_spotter)
        extra_total += len(extra)
        print(f"{path.stem:<16} {len(reference):>9} {len(found):>6} {len(by_spotter):>11} "
              f"{len(extra):>6}")
    print(f"{'all':<16} {total:>9} {found_total:>6} {spotted_total:>11} {extra_total:>6}   "
          f"recall {found_total / total:.2f}")
    print("by kind: " + ", ".join(f"{k} {f}/{n}" for k, (n, f) in sorted(per_kind.items())))


def _hits(session):
    return [h for v in session.visits for h in v.hits if h.kind not in CUE]


def _same(reference, heard) -> bool:
    """The same phrase (or, for taboo, the same kind) within two seconds."""
    close = heard.start < reference.end + 2 and reference.start < heard.end + 2
    return close and (reference.phrase == heard.phrase or
                      (reference.kind == heard.kind == "taboo"))


def false_hits(engine=None) -> None:
    if not REAL_ZH.is_dir():
        print(f"\n## false: skipped, {REAL_ZH} is absent")
        return
    engine = engine or sherpa_engine()
    scorer = Scorer.load("general")
    rows = list(csv.reader((REAL_ZH / "transcripts.tsv").open(encoding="utf-8"), delimiter="\t"))
    refs = {r[0]: r[1] for r in rows if r and not r[0].startswith("#")}
    seconds = 0.0
    false, kept_in_text, cue = [], 0, 0
    errors = syllables = 0
    for name, text in sorted(refs.items()):
        path = REAL_ZH / name
        seconds += sources.file_duration(path)
        utterances = transcribe_file(path, engine, ("staff",))
        heard = scorer.score(utterances).visits
        hits = [h for v in heard for h in v.hits]
        truth = {(h.kind, h.phrase) for v in scorer.score(
            [transcript.parse_line(f'{{"start": 0, "end": 1, "role": "staff", "text": "{text}"}}',
                                   name, 1)]).visits for h in v.hits}
        for hit in hits:
            if hit.kind in CUE:
                cue += 1
            elif (hit.kind, hit.phrase) in truth:
                kept_in_text += 1
            else:
                false.append((name, hit.kind, hit.phrase, hit.matched))
        said = [s for u in utterances for s in split_pinyin(u.pinyin)]
        expected = text_pinyin(clean_chars(text)).split()
        errors += Levenshtein.distance(said, expected)
        syllables += len(expected)
    hours = seconds / 3600
    print(f"\n## false: phrase hits on real speech ({len(refs)} files, {seconds:.0f} s, "
          f"general profile, full lexicon)")
    print(f"false phrase hits {len(false)}  ({len(false) / hours:.0f} per hour); hits the "
          f"reference text really holds {kept_in_text}; cue-kind hits {cue}")
    for name, kind, phrase, matched in false:
        print(f"  {name}: {kind} {phrase} (heard {matched})")
    print(f"pinyin syllable error rate (toneless) {errors / syllables:.3f} "
          f"({errors}/{syllables})")


def vosk_cer() -> None:
    if not models.is_installed(models.VOSK_CN):
        print(f"\n## vosk: {models.VOSK_CN} is not installed here (it cannot be downloaded "
              f"on this machine): no CER measured")
        return
    engine = asr.create("vosk")
    rows = list(csv.reader((REAL_ZH / "transcripts.tsv").open(encoding="utf-8"), delimiter="\t"))
    errors = chars = 0
    for name, text, *_ in (r for r in rows if r and not r[0].startswith("#")):
        heard = "".join(u.text for u in transcribe(sources.read_file(REAL_ZH / name, ("staff",)),
                                                   Transcriber(engine)))
        errors += Levenshtein.distance(clean_chars(heard), clean_chars(text))
        chars += len(clean_chars(text))
    print(f"\n## vosk: CER on real-zh {errors / chars:.3f} ({errors}/{chars})")


def sweep() -> None:
    """Recall and false hits for other keyword thresholds and boosts than the defaults."""
    for threshold, boost, taboo in ((0.2, 2.0, 0.3), (0.15, 2.5, 0.25), (0.3, 1.0, 0.4)):
        print(f"\n# sweep: threshold {threshold}, boost {boost}, taboo threshold {taboo}")
        engine = sherpa_engine(threshold=threshold, boost=boost, thresholds={"taboo": taboo})
        recall(engine)
        false_hits(engine)


def engine_options(pairs: list[str]) -> dict:
    """`--opt key=value` pairs as SherpaOptions fields."""
    out = fields_of(SherpaOptions, pairs, "--opt")
    out.setdefault("num_threads", 1)
    return out


def fields_of(options, pairs: list[str], flag: str) -> dict:
    """`key=value` pairs as fields of the dataclass `options`: JSON values (numbers, dicts,
    lists, true/false), anything else a string; a list becomes a tuple where the field is
    one."""
    fields = {f.name: f for f in dataclasses.fields(options)}
    defaults = options()
    out = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in fields:
            raise SystemExit(f"{flag} {pair!r}: give KEY=VALUE with KEY one of "
                             + ", ".join(fields))
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if isinstance(value, list) and isinstance(getattr(defaults, key), tuple):
            value = tuple(value)
        out[key] = value
    return out


def verdicts(args) -> None:
    """Verdicts from audio against verdicts from text (issue 9): see bench/verdicts.py."""
    import verdicts as bench

    chosen = engine_options(args.opt)
    engine = asr.create("sherpa", lexicon.load(), SherpaOptions(**chosen))
    for learning in args.learning.split(",") if args.mono and args.learned else ["day"]:
        options = bench.BenchOptions(sessions=args.sessions, visits=args.visits,
                                     seed=args.seed, voices=args.voices, mono=args.mono,
                                     learned=args.learned, learning=learning,
                                     only=tuple(args.only.split(",")) if args.only else (),
                                     heard=args.heard, live=args.live or "", speakers=fields_of(
                                         SpeakerOptions, args.speaker_opt, "--speaker-opt"))
        print(f"\n## verdicts: audio against text, {options.sessions} sessions x "
              f"{options.visits} visits, sherpa {chosen}"
              + (f", staff voice learned: {learning}" if options.learned else ""))
        began = time.perf_counter()
        figures, rows, sessions = bench.run(options, engine)
        took = time.perf_counter() - began
        print(f"\n{bench.table(figures)}\n\n({took:.0f} s; agreement is over visits matched "
              f"by time overlap; questions and taboo findings are matched by time)")
        if args.json:
            record = {"section": "verdicts", "date": datetime.now(timezone.utc).isoformat(
                timespec="seconds"), "machine": _machine(), "command": " ".join(sys.argv),
                "options": dataclasses.asdict(options), "engine": engine.describe(),
                "seconds": round(took, 1),
                "figures": {n: f.as_dict() for n, f in figures.items()},
                "visits": rows, "sessions": sessions}
            _write_json(args.json, "verdicts" + (f"-{learning}" if options.learned else ""),
                        record)


def everyday(args) -> None:
    """False alarms per hour on ordinary non-counter speech (issue 9): bench/everyday.py."""
    import everyday as bench

    bad = bench.check(lexicon.load())
    if bad:
        raise SystemExit("bench/everyday.py lines holding a lexicon phrase: "
                         + "; ".join(f"{line} {found}" for line, found in bad))
    chosen = engine_options(args.opt)
    engine = asr.create("sherpa", lexicon.load(), SherpaOptions(**chosen))
    scorer = Scorer.load("general")
    options = bench.EverydayOptions(minutes=args.minutes, seed=args.seed, voices=args.voices)
    print(f"\n## everyday: false alarms on ordinary speech, {len(bench.sentences())} "
          f"sentences, general profile, staff side, sherpa {chosen}")
    clips = bench.render_clips(options)
    if args.real_zh.is_dir():
        clips = itertools.chain(bench.real_clips(args.real_zh), clips)
    else:
        print(f"  real recordings skipped: {args.real_zh} is absent (--real-zh DIR)")
    groups: dict[str, bench.Alarms] = {}
    began = time.perf_counter()
    for n, clip in enumerate(clips, 1):
        alarms = bench.judge(clip, engine, scorer)
        noise = "clean" if clip.snr_db is None else f"snr{clip.snr_db:g}"
        for name in ("all", "real-zh" if clip.voice == "real" else f"{args.voices} {noise}"):
            groups.setdefault(name, bench.Alarms()).add(alarms)
        if n % 10 == 0:
            total = groups["all"]
            print(f"  [{n}] {total.seconds / 60:.1f} min judged, "
                  f"{sum(total.false_by_kind.values())} false hits, {len(total.taboo)} taboo "
                  f"({total.per_hour(len(total.taboo)):.1f} an hour; "
                  f"{time.perf_counter() - began:.0f} s)", flush=True)
            _everyday_figures(args, options, engine, groups, time.perf_counter() - began)
    _everyday_figures(args, options, engine, groups, time.perf_counter() - began, final=True)


def _everyday_figures(args, options, engine, groups: dict, took: float,
                      final: bool = False) -> None:
    """The table when the run is over; the JSON file also as it goes (a run cut short on
    a loaded machine keeps what it judged)."""
    import everyday as bench

    order = ("all", "real-zh", *(f"{args.voices} {n}" for n in ("clean", "snr25", "snr12")))
    groups = {n: groups[n] for n in order if n in groups}
    if final:
        print(f"\n{bench.table(groups)}\n\n({took:.0f} s, {groups['all'].cpu_s:.0f} s CPU "
              f"transcribing; a false hit is a phrase the clip's reference text does not hold)")
        for clip, phrase, heard, start in groups["all"].taboo:
            print(f"  false taboo: {clip} at {start:.1f} s: {phrase} (heard {heard})")
    if args.json:
        _write_json(args.json, "everyday", {
            "section": "everyday", "date": datetime.now(timezone.utc).isoformat(
                timespec="seconds"), "machine": _machine(), "command": " ".join(sys.argv),
            "options": dataclasses.asdict(options), "engine": engine.describe(),
            "finished": final, "seconds": round(took, 1),
            "figures": {n: a.as_dict() for n, a in groups.items()}}, quiet=not final)


def taboo(args) -> None:
    """Taboo from audio line by line, with and without the evidence bar: bench/taboo.py."""
    import taboo as bench

    chosen = engine_options(args.opt)
    engine = asr.create("sherpa", lexicon.load(), SherpaOptions(**chosen))
    print(f"\n## taboo: staff lines with and without a taboo phrase, {args.voices} voices over "
          f"hall noise, seed {args.seed}, sherpa {chosen}")
    tallies = bench.run(args.seed, args.lines, engine, args.voices)
    print("| scored | lines | taboo found right | false | missed | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for name, t in tallies.items():
        print(f"| {name} | {t['lines']} | {t['tp']} | {t['fp']} | {t['fn']} | "
              f"{t['precision']} | {t['recall']} |")
        for half, h in t["halves"].items():
            print(f"| - {half} half | | {h['tp']} | {h['fp']} | {h['fn']} | "
                  f"{h['precision']} | {h['recall']} |")
    for line in next(iter(tallies.values()))["false"]:
        print(f"  false with the bar: {line}")
    if args.json:
        _write_json(args.json, "taboo", {
            "section": "taboo", "date": datetime.now(timezone.utc).isoformat(
                timespec="seconds"), "machine": _machine(), "voices": args.voices,
            "seed": args.seed, "lines": args.lines, "sherpa": chosen, "figures": tallies})


def _machine() -> str:
    return f"{platform.node()} {platform.machine()} Python {platform.python_version()}"


def _write_json(path: Path, section: str, record: dict, quiet: bool = False) -> None:
    """One JSON file for the sections of one run: each section under its own key."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[section] = record
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        print(f"figures written to {path}")


SECTIONS = {"sweep": sweep, "recall": recall, "false": false_hits, "vosk": vosk_cer}
# these take the command line
WITH_ARGS = {"latency": lambda args: latency(args.voices, args.mono, args.speakers),
             "verdicts": verdicts,
             "everyday": everyday, "taboo": taboo,
             "speed": lambda args: speed(args.windows, args.mono, engine_options(args.opt))}


def arguments(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="example: bench/audio.py verdicts everyday --opt threshold=0.3 --json out.json")
    known = list(SECTIONS) + list(WITH_ARGS)
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help="one or more of " + ", ".join(known) + " (default: all)")
    parser.add_argument("--voices", choices=VOICE_KINDS, default=VOICE_KINDS[0],
                        help="who speaks in the renders (latency, verdicts, everyday, taboo): "
                        "natural (Kokoro) or espeak (the hard case)")
    parser.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE",
                        help="a SherpaOptions field (verdicts, everyday, taboo, speed); JSON "
                        "values, e.g. --opt hotwords_score=0 (the recogniser unbiased)")
    parser.add_argument("--json", type=Path,
                        help="write the figures of verdicts, everyday and taboo to this file")
    parser.add_argument("--sessions", type=int, default=10, help="rendered sessions (verdicts)")
    parser.add_argument("--visits", type=int, default=4, help="visits per session (verdicts)")
    parser.add_argument("--seed", type=int, default=11, help="what is rendered (verdicts, "
                        "everyday)")
    parser.add_argument("--lines", type=int, default=160,
                        help="lines with a taboo phrase, and as many without (taboo)")
    parser.add_argument("--minutes", type=float, default=30.0,
                        help="minutes of rendered everyday speech (everyday)")
    parser.add_argument("--mono", action="store_true",
                        help="one pickup channel holding both voices, scored as mixed "
                        "(verdicts, latency, speed)")
    parser.add_argument("--learned", action="store_true",
                        help="with --mono: no enrolled staff voice, learned from the audio "
                        "(verdicts)")
    parser.add_argument("--learning", default="tracker,day,live",
                        help="with --mono --learned: how, comma-separated, each run in turn: "
                        "day (as `courtesy score`: the voice in every visit of the whole "
                        "recording), live (as `listen`: found as the day goes), tracker "
                        "(before: the speaker tracker alone, from the greeting's words)")
    parser.add_argument("--speaker-opt", action="append", default=[], metavar="KEY=VALUE",
                        help="with --mono: a SpeakerOptions field (verdicts); JSON values")
    parser.add_argument("--only", metavar="S01,S02",
                        help="judge only these sessions, by name or prefix: s01,s04 (verdicts)")
    parser.add_argument("--heard", metavar="DIR",
                        help="the recogniser's output of each session kept in DIR: replayed "
                        "when kept there, else recorded (verdicts; bench/heard.py)")
    parser.add_argument("--live", nargs="?", const="lines", choices=("lines", "listen"),
                        help="also judge live, against the text and the file scored whole "
                        "(verdicts: columns live, live/file): lines (the default) plays the "
                        "lines heard through a live session one at a time; listen (--mono) "
                        "hears the pickup again as `listen` does, partial results and all "
                        "(kept in --heard DIR apart)")
    parser.add_argument("--speakers", type=int, default=7, choices=range(2, 8),
                        help="with --mono: how many natural voices take the staff's part "
                        "(latency)")
    parser.add_argument("--windows", type=int, nargs="+", default=[1, 20, 40],
                        help="window counts (speed)")
    parser.add_argument("--real-zh", type=Path, default=REAL_ZH,
                        help="the real recordings with transcripts.tsv (everyday)")
    args = parser.parse_args(argv)
    for name in args.sections:
        if name not in known:
            parser.error(f"unknown section {name!r}: choose from {', '.join(known)}")
    return args


if __name__ == "__main__":
    args = arguments()
    chosen = args.sections or list(SECTIONS) + list(WITH_ARGS)
    for name in [n for n in chosen if n != "speed"] + [n for n in chosen if n == "speed"]:
        if name in WITH_ARGS:
            WITH_ARGS[name](args)
        else:
            SECTIONS[name]()  # speed last: it pins the process to one core
