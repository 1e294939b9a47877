"""Taboo from audio, line by line: how the evidence bar trades precision for recall (issue 9).

Staff lines, half holding a taboo phrase of the lexicon (alone, before or after an ordinary
line of business talk), the other half ordinary or polite lines and the lines whose taboo
words an exception excuses (不知道的话), each spoken by a random voice (natural, or espeak
as the hard case) over hall noise, transcribed once, then scored twice with the general profile: with the audio
evidence bar (`MatchOptions.evidence_kinds`) and without it. A line's truth is an exact
search of its text (exceptions honoured); only lines of phrases the general profile
holds are counted. The lines are split in two halves by taboo phrase (`half`), so that a
rule tuned on one is measured on the other.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass, replace

from conversations import JUDGED_KINDS, ExactSearch
from corpus import STAFF_ANSWERS, STAFF_EXCEPTED, STAFF_FILLER
from render import RATE, Placed, mix_mono, random_voice, speech

from monitor import lexicon as lexicons
from monitor.audio import Transcriber, transcribe
from monitor.matching import Matcher
from monitor.pipeline import Scorer
from monitor.records import AudioChunk

POLITE_KINDS = ("please", "apology", "waiting", "greeting", "farewell", "thanks_reply")


@dataclass
class Line:
    text: str
    taboo: frozenset[str]  # the taboo phrases the text holds


def lines(seed: int, count: int) -> list[Line]:
    """`count` lines with a taboo phrase, `count` without, and every excepted line."""
    rng = random.Random(seed)
    lexicon = lexicons.load()
    taboo = ExactSearch(lexicon, ("taboo",))
    judged = ExactSearch(lexicon, JUDGED_KINDS)
    filler = [t for sector in STAFF_FILLER.values() for t in sector] + STAFF_ANSWERS
    filler = [t for t in filler if not judged.find(t)]
    forms = [f for p in lexicon.of_kind("taboo") for f in p.forms]
    polite = [f for kind in POLITE_KINDS for p in lexicon.of_kind(kind) for f in p.forms]
    texts = []
    for _ in range(count):
        phrase, other, shape = rng.choice(forms), rng.choice(filler), rng.random()
        texts.append(phrase if shape < 0.3 else
                     "，".join((phrase, other) if shape < 0.65 else (other, phrase)))
    for _ in range(count):
        texts.append(rng.choice(filler) if rng.random() < 0.5
                     else "，".join((rng.choice(polite), rng.choice(filler))))
    texts += STAFF_EXCEPTED
    return [Line(t, frozenset(p.text for p in taboo.find(t))) for t in texts]


HALVES = ("tuning", "held out")


def half(line: Line) -> str:
    """Tuning or held out, by the md5 of the line's (first) taboo phrase, even or odd, or of
    its own text when it holds none: no phrase is in both halves."""
    key = min(line.taboo) if line.taboo else line.text
    return HALVES[int(hashlib.md5(key.encode()).hexdigest(), 16) % 2]


def heard(line: Line, seed: int, engine, voices: str = "natural"):
    """The line spoken by a random voice of `voices` over hall noise (SNR 15-30 dB),
    transcribed."""
    rng = random.Random(f"{seed}|{line.text}")
    voice = random_voice(rng, kind=voices)
    samples = mix_mono([Placed("staff", 0.5, speech(line.text, voice))],
                       rng.uniform(15, 30), seed)
    chunks = (AudioChunk("staff", samples[n:n + 1600], n / RATE)
              for n in range(0, len(samples), 1600))
    return transcribe(chunks, Transcriber(engine))


def run(seed: int, count: int, engine, voices: str = "natural",
        log=print) -> dict[str, dict]:
    scorer = Scorer.load("general")
    allowed = {p.text for p in scorer.lexicon.phrases}
    bars = {"with the evidence bar": scorer.matcher,
            "without it": Matcher(scorer.lexicon, replace(scorer.profile.matching,
                                                          evidence_kinds=()))}
    tallies = {name: {"tp": 0, "fp": 0, "fn": 0, "false": [], "rows": [],
                      "halves": {h: {"tp": 0, "fp": 0, "fn": 0} for h in HALVES}}
               for name in bars}
    chosen = alternated([line for line in lines(seed, count) if line.taboo <= allowed])
    for n, line in enumerate(chosen, 1):
        utterances = heard(line, seed, engine, voices)
        for name, matcher in bars.items():
            scorer.matcher = matcher
            found = any(h.kind == "taboo" for i, u in enumerate(utterances)
                        for h in scorer.hear(u, i)[1])
            key = ("tp" if line.taboo else "fp") if found else ("fn" if line.taboo else None)
            if key:
                tallies[name][key] += 1
                tallies[name]["halves"][half(line)][key] += 1
            if key == "fp":
                tallies[name]["false"].append(
                    f"{line.text} (heard {' / '.join(u.pinyin for u in utterances)})")
            tallies[name]["rows"].append(_row(line, utterances, found))
        if n % 25 == 0 or n == len(chosen):
            for tally in tallies.values():
                _rates(tally, n)
            bar = next(iter(tallies.values()))
            log(f"  [{n}/{len(chosen)}] lines transcribed; with the bar so far: precision "
                f"{bar['precision']} recall {bar['recall']} ({bar['tp']} right, {bar['fp']} "
                f"false, {bar['fn']} missed)")
    return tallies


def _row(line: Line, utterances, found: bool) -> dict:
    """One line as said and as heard, for reading a run's misses (--json)."""
    return {"text": line.text, "taboo": sorted(line.taboo), "found": found,
            "heard": [asdict(u) for u in utterances]}


def alternated(chosen: list[Line]) -> list[Line]:
    """Lines with and without a taboo taken in turn: a run cut short (the renders are slow
    on a loaded machine) still measures both precision and recall."""
    with_taboo = [line for line in chosen if line.taboo]
    without = [line for line in chosen if not line.taboo]
    turns = [line for pair in zip(with_taboo, without) for line in pair]
    shorter = min(len(with_taboo), len(without))
    return turns + with_taboo[shorter:] + without[shorter:]


def _rates(tally: dict, lines_done: int) -> None:
    for counts in (tally, *tally["halves"].values()):
        said = counts["tp"] + counts["fp"]
        truth = counts["tp"] + counts["fn"]
        counts["precision"] = round(counts["tp"] / said, 3) if said else None
        counts["recall"] = round(counts["tp"] / truth, 3) if truth else None
    tally["lines"] = lines_done
