"""The sequenced norms measured on typed days (issue 25 floors): 首问负责 (first_asked),
一次性告知 (tell_once), 候时告知 (wait_length).

Days from bench/sequenced.py (seeded, labelled by their generator, phrased apart from the
rule files) are written as JSONL transcripts and scored the way `courtesy score` scores a
file (`audio.score_source` with the sector's profile, the day's queue calls and a
wall-clock start); `--cli N` also runs N of them through the `courtesy score --json`
command itself (queue calls imported with `courtesy hall import queue`) and checks it finds
the same. A case (one customer: a visit, or a visit and its return) counts once per rule:
found if any visit of it holds a finding of the rule. Every line of the ordinary-speech
corpora (bench/corpus.py, bench/everyday.py) is also judged, alone as a staff line and in
conversations, where any finding of these rules is false.

Floors (issue 25), first_asked and tell_once: recall ≥ 0.9, precision ≥ 0.95, 0 false on
ordinary speech. A rule this checkout does not have is reported absent.

Run: nice -n 10 .venv/bin/python bench/rules.py [--days 150] [--seed 25]
     [--held-out | --fresh | --apart | --fifth | --sixth | --seventh | --eighth | --ninth
      | --tenth | --eleventh | --twelfth | --thirteenth]
     [--typos [SHARE]] [--cli 1] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sequenced  # noqa: E402
from rating_pressure import ordinary  # noqa: E402
from sequenced import RULES, Day  # noqa: E402

from monitor import vocabulary  # noqa: E402
from monitor.audio import score_source  # noqa: E402
from monitor.pipeline import Scorer  # noqa: E402
from monitor.records import Session, Utterance  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FLOORED = ("first_asked", "tell_once")
ONE_VISIT = "tell_once, one visit"  # the wider norm's cases (sequenced.ONE_VISIT), no floor
ROWS = (*RULES, ONE_VISIT)
FLOORS = {"recall": 0.9, "precision": 0.95, "ordinary_false": 0}
ANCHOR = datetime(2026, 12, 7, 8, 30, tzinfo=timezone(timedelta(hours=8)))
NEAR_S = 5.0  # a finding this close to the case's evidence lines is where it should be


@dataclass
class Tally:
    """Cases of one rule: found or not against the generator's truth."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    placed: int = 0  # true findings on or near the evidence lines

    def add(self, truth: bool, found: bool) -> None:
        if truth:
            self.tp, self.fn = self.tp + found, self.fn + (not found)
        else:
            self.fp, self.tn = self.fp + found, self.tn + (not found)

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def recall(self) -> float | None:
        return self.tp / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def as_dict(self) -> dict:
        return {"positives": self.positives, "negatives": self.fp + self.tn, "tp": self.tp,
                "fp": self.fp, "fn": self.fn, "placed": self.placed,
                "recall": _round(self.recall), "precision": _round(self.precision)}


@dataclass
class Outcome:
    """What the engine found on the generated days, per rule and per variant."""

    rules: dict[str, Tally] = field(default_factory=lambda: {r: Tally() for r in ROWS})
    variants: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    # (rule, "queue" | "words"): days whose visits the queue's calls set, or speech alone
    days: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    wrong: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    # the lines a wrong case turned on: a missed case's evidence lines, a false one's quotes
    phrasings: dict[tuple[str, str], Counter] = field(
        default_factory=lambda: defaultdict(Counter))
    cases: int = 0
    visits: int = 0
    lines: int = 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def present() -> dict[str, bool]:
    """Which measured rules this checkout has: a Chinese name in vocabulary.RULES, or an id in
    a shipped rule file (lexicons/rules)."""
    shipped = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "lexicons" / "rules").glob(
        "*.toml")) if (ROOT / "lexicons" / "rules").is_dir() else ""
    return {r: r in vocabulary.RULES or f'"{r}"' in shipped or f"'{r}'" in shipped
            for r in RULES}


def scorer_for(day: Day, scorers: dict[str, Scorer]) -> Scorer:
    return scorers.get(day.profile) or scorers.setdefault(day.profile, Scorer.load(day.profile))


def score_day(day: Day, folder: Path, scorers: dict[str, Scorer]) -> Session:
    """The day as `courtesy score DAY.jsonl --profile P --at ANCHOR` with its queue scores it."""
    return score_source(scorer_for(day, scorers), day.write(folder), started_at=ANCHOR,
                        queue=day.calls)


def findings_by_case(day: Day, session: Session) -> dict[int, list]:
    """Each case's findings of the measured rules (a scored visit belongs to the case most of
    its lines come from)."""
    owner = {i: label for label, lines in day.visit_lines.items() for i in lines}
    found: dict[int, list] = defaultdict(list)
    for visit in session.visits:
        labels = Counter(owner[i] for i in visit.utterances if i in owner)
        if not labels:
            continue
        case = day.visit_case[labels.most_common(1)[0][0]]
        found[case] += [f for f in visit.findings if f.rule in RULES]
    return found


def asked(scorer: Scorer) -> dict[str, bool]:
    """The measured rules the scorer's profile turns on (wait_length: where the profile asks);
    a rule the checkout lacks counts as on, so its cases are still counted (and shown absent)."""
    settings = scorer.profile.rules.settings
    return {r: r not in settings or settings[r].enabled for r in RULES}


def judge_day(day: Day, session: Session, outcome: Outcome, on: dict[str, bool]) -> None:
    """Each case against its truth; a positive of a rule the day's profile does not turn on
    (`on`) is a case where nothing should be found."""
    found = findings_by_case(day, session)
    heard: dict[int, list] = defaultdict(list)
    for visit in session.visits:
        for hit in visit.hits:
            heard[hit.utterance].append(hit)
    outcome.cases += len(day.cases)
    outcome.visits += len(day.visit_case)
    outcome.lines += len(day.utterances)
    for n, case in enumerate(day.cases):
        for rule in RULES:
            truth = case.truth[rule] and on[rule]
            variant = case.variant if on[rule] else f"{case.variant} ({day.profile}: rule off)"
            hits = [f for f in found.get(n, []) if f.rule == rule]
            row = ONE_VISIT if truth and case.variant in sequenced.ONE_VISIT else rule
            outcome.rules[row].add(truth, bool(hits))
            if row in RULES:
                outcome.days[(rule, "queue" if day.calls else "words")].add(truth, bool(hits))
            if rule == case.rule or hits:
                outcome.variants[(rule, variant)].add(truth, bool(hits))
            if truth and hits and _near(hits, day.spans.get(n)):
                outcome.rules[row].placed += 1
                outcome.variants[(rule, variant)].placed += 1
            if truth != bool(hits):
                outcome.wrong[(rule, variant)].append(_shown(day, n, hits, heard))
                outcome.phrasings[(rule, variant)].update(
                    [f.text for f in hits] or [line.text for _, lines in case.visits
                                               for line in lines if line.mark == "e"])


def _near(hits, span) -> bool:
    return span is not None and any(f.start <= span[1] + NEAR_S and f.end >= span[0] - NEAR_S
                                    for f in hits)


def _shown(day: Day, n: int, hits, heard: dict[int, list]) -> str:
    """A case's lines as said, each with the phrases the engine heard in it, and what was
    found."""
    said = []
    labels = sorted((v for v, k in day.visit_case.items() if k == n),
                    key=lambda v: day.visit_lines[v][0])
    for part, label in enumerate(labels):
        if part:
            said.append("…")
        for i in day.visit_lines[label]:
            line = day.utterances[i]
            kinds = "".join(f"[{h.kind}:{h.phrase}]" for h in heard.get(i, ()))
            said.append(("员" if line.role == "staff" else "客") + "：" + line.text + kinds)
    got = "; ".join(f"{f.rule}@{f.start:.0f}s {f.text}" for f in hits) or "nothing found"
    return f"{day.name} case {n}: " + " / ".join(said) + f"  => {got}"


def ordinary_false(scorer: Scorer) -> list[str]:
    """Findings of the measured rules on ordinary speech: each line alone said by staff, then
    all lines as conversations of eight (staff and customer in turn, both ways round)."""
    lines = ordinary()
    false = []
    for line in lines:
        session = scorer.score([Utterance(0.0, 3.0, "staff", line)])
        false += [f"{f.rule}: {line}" for v in session.visits for f in v.findings
                  if f.rule in RULES]
    for offset in (0, 1):
        for at in range(0, len(lines), 8):
            chunk = lines[at:at + 8]
            said = [Utterance(4.0 * k, 4.0 * k + 3, ("staff", "customer")[(k + offset) % 2], text)
                    for k, text in enumerate(chunk)]
            session = scorer.score(said)
            false += [f"{f.rule}: {f.text} (in: {' / '.join(chunk)})" for v in session.visits
                      for f in v.findings if f.rule in RULES]
    return false


def cli_check(days: list[Day], folder: Path) -> list[str]:
    """The days through the `courtesy` command itself (a fresh database each, its queue
    imported): the findings of the measured rules it prints must be the library's."""
    courtesy = Path(sys.executable).with_name("courtesy")
    differences = []
    for day in days:
        db = folder / f"{day.name}.db"
        if day.calls:
            events = folder / f"{day.name}.queue.jsonl"
            events.write_text("".join(json.dumps({
                "id": f"{day.name}-{c.ticket}", "ticket": c.ticket, "window": day.window,
                "business": c.business,
                "called": (ANCHOR + timedelta(seconds=c.start)).isoformat(),
                "finished": (ANCHOR + timedelta(seconds=c.end)).isoformat()},
                ensure_ascii=False) + "\n" for c in day.calls), encoding="utf-8")
            _run([str(courtesy), "hall", "import", "queue", str(events), "--db", str(db)])
        printed = json.loads(_run([str(courtesy), "score", str(day.write(folder)), "--profile",
                                   day.profile, "--at", ANCHOR.isoformat(), "--db", str(db),
                                   "--json"]))
        heard = sorted((f["rule"], round(f["start"], 1)) for v in printed["visits"]
                       for f in v["findings"] if f["rule"] in RULES)
        session = score_source(Scorer.load(day.profile), folder / f"{day.name}.jsonl",
                               started_at=ANCHOR, queue=day.calls)
        library = sorted((f.rule, round(f.start, 1)) for v in session.visits
                         for f in v.findings if f.rule in RULES)
        if heard != library:
            differences.append(f"{day.name}: courtesy score {heard} vs library {library}")
    return differences


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(outcome: Outcome, have: dict[str, bool], false: list[str]) -> list[str]:
    """Per rule: cases, recall, precision, false positives, false on ordinary speech."""
    out = ["| rule | present | positives | negatives | found | recall | precision | "
           "false pos. | placed | false on ordinary | floors |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in ROWS:
        rule = row if row in RULES else "tell_once"
        t = outcome.rules[row]
        on_ordinary = sum(line.startswith(row + ":") for line in false)
        if row == ONE_VISIT:
            out.append(f"| {row} | {'yes' if have[rule] else 'ABSENT'} | {t.positives} | - | "
                       f"{t.tp if have[rule] else '-'} | "
                       f"{_figure(t.recall) if have[rule] else '-'} | - | - | - | - | "
                       "(the wider norm, beyond the issue's rule) |")
            continue
        if not have[rule]:
            out.append(f"| {rule} | ABSENT | {t.positives} | {t.fp + t.tn} | - | - | - | - | - "
                       f"| - | not measured: no rule `{rule}` in this checkout |")
            continue
        ok = (t.recall or 0) >= FLOORS["recall"] and (t.precision or 0) >= FLOORS[
            "precision"] and on_ordinary == 0
        verdict = ("met" if ok else "MISSED") if rule in FLOORED else "(no floor)"
        out.append(f"| {rule} | yes | {t.positives} | {t.fp + t.tn} | {t.tp + t.fp} | "
                   f"{_figure(t.recall)} | {_figure(t.precision)} | {t.fp} | {t.placed}/{t.tp} "
                   f"| {on_ordinary} | {verdict} |")
    return out


def day_table(outcome: Outcome, have: dict[str, bool]) -> list[str]:
    """Per rule, days with the queue's calls (business type known) against days of speech
    alone (a return known by the customer's words)."""
    out = ["| rule | days | positives | recall | precision | false pos. |", "|---|---|---|---|---|---|"]
    for (rule, kind), t in sorted(outcome.days.items(), key=lambda kv: RULES.index(kv[0][0])):
        if have[rule]:
            out.append(f"| {rule} | {kind} | {t.positives} | {_figure(t.recall)} | "
                       f"{_figure(t.precision)} | {t.fp} |")
    return out


def variant_table(outcome: Outcome, have: dict[str, bool]) -> list[str]:
    """Per rule and phrasing family: how often the rule found it (a positive family's
    recall, a negative family's false rate); an absent rule's families are only counted."""
    out = ["| rule | variant | truth | cases | found | rate |", "|---|---|---|---|---|---|"]
    for (rule, variant), t in sorted(outcome.variants.items(),
                                     key=lambda kv: (RULES.index(kv[0][0]), -kv[1].positives,
                                                     kv[0][1])):
        truth = "finding" if t.positives else "none"
        cases = t.positives or t.fp + t.tn
        found = t.tp if t.positives else t.fp
        shown = f"{found} | {found / cases:.2f}" if have[rule] else "- | absent"
        out.append(f"| {rule} | {variant} | {truth} | {cases} | {shown} |")
    return out


def measure(days: list[Day], folder: Path) -> Outcome:
    scorers: dict[str, Scorer] = {}
    outcome = Outcome()
    for day in days:
        judge_day(day, score_day(day, folder, scorers), outcome, asked(scorer_for(day, scorers)))
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=150, help="typed days (18 cases each)")
    parser.add_argument("--seed", type=int, default=25)
    sequenced.add_phrasing_flags(parser)
    parser.add_argument("--typos", type=float, nargs="?", const=0.15, default=0.0,
                        help="share of lines typed with one error (0.15 if no value; default 0)")
    parser.add_argument("--cli", type=int, default=1,
                        help="days also run through the courtesy command (0: none)")
    parser.add_argument("--show", type=int, default=3,
                        help="wrong cases printed per rule and variant")
    parser.add_argument("--phrasings", type=int, default=12,
                        help="failing lines printed per rule and variant, most frequent first")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()

    began, cpu = time.time(), time.process_time()
    days = sequenced.generate(args.seed, args.days, phrasing=args.phrasing, typos=args.typos)
    have = present()
    with tempfile.TemporaryDirectory(prefix="rulebench-") as tmp:
        outcome = measure(days, Path(tmp))
        false = ordinary_false(Scorer.load("general"))
        differences = cli_check(days[:args.cli], Path(tmp)) if any(have.values()) else []
    shown = sequenced.PHRASINGS[args.phrasing].shown
    phrased = f", {shown}" if shown else ""
    typed = f", {args.typos:.0%} of lines mistyped" if args.typos else ""
    print(f"{len(days)} typed days (seed {args.seed}{phrased}{typed}): {outcome.cases} cases, "
          f"{outcome.visits} visits, {outcome.lines} lines; "
          f"ordinary speech: {len(ordinary())} lines")
    print("\n".join(table(outcome, have, false)))
    print()
    print("\n".join(day_table(outcome, have)))
    print()
    print("\n".join(variant_table(outcome, have)))
    for (rule, variant), shown in sorted(outcome.wrong.items()):
        if have[rule]:
            for line in shown[:args.show]:
                print(f"wrong [{rule} · {variant}] {line}")
    for (rule, variant), said in sorted(outcome.phrasings.items()):
        if have[rule]:
            print(f"failing phrasings [{rule} · {variant}]: " + " | ".join(
                f"{text} ×{count}" for text, count in said.most_common(args.phrasings)))
    for line in false:
        print(f"false on ordinary speech: {line}")
    if args.cli:
        print(f"courtesy score --json on {min(args.cli, len(days))} days: " + (
            "; ".join(differences) if differences else "same findings as the library")
            if any(have.values()) else "courtesy score not compared: no measured rule present")
    print(f"took {time.time() - began:.1f} s ({time.process_time() - cpu:.1f} s CPU)")
    if args.json:
        args.json.write_text(json.dumps({
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {platform.python_version()}",
            "args": {k: str(v) for k, v in vars(args).items()}, "present": have,
            "rules": {r: t.as_dict() for r, t in outcome.rules.items()},
            "variants": {f"{r} · {v}": t.as_dict() for (r, v), t in outcome.variants.items()},
            "days": {f"{r} · {k}": t.as_dict() for (r, k), t in outcome.days.items()},
            "failing_phrasings": {f"{r} · {v}": dict(c) for (r, v), c in
                                  outcome.phrasings.items()},
            "ordinary_false": false, "cli_differences": differences},
            ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
