"""Long input scored in time and memory proportional to its size (issue 11).

Writes the inputs into bench/out/long/ (git-ignored) and times `courtesy score` on each in
a new process (wall seconds and max RSS from /usr/bin/time):

  python bench/long_input.py                 # 好 x 100k and x 1M, 3 MB of talk, 20k lines
  python bench/long_input.py --lines 200000  # also a 200,000-line transcript
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from conversations import Generator  # noqa: E402
from corpus import STAFF_FILLER  # noqa: E402

from monitor import lexicon, transcript  # noqa: E402

OUT = HERE / "out" / "long"


def one_line(path: Path, text: str) -> Path:
    row = {"start": 0, "end": 60, "role": "staff", "text": text}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def talk(size: int) -> str:
    """Business talk joined into one line, with a phone number now and then."""
    rng, lines, parts, n = random.Random(1), [x for v in STAFF_FILLER.values() for x in v], [], 0
    while n < size:
        part = rng.choice(lines) + "，" + ("电话一三八一二三四五六七八，" if rng.random() < 0.05 else "")
        parts.append(part)
        n += len(part.encode())
    return "您好，请问办什么业务" + "".join(parts) + "请慢走"


def many_lines(path: Path, count: int) -> Path:
    """The benchmark's conversations, repeated with shifted times."""
    base, shift = [], 0.0
    for conv in Generator(lexicon.load(), seed=7).sessions(100):
        base += [replace(u, start=u.start + shift, end=u.end + shift) for u in conv.utterances]
        shift = base[-1].end + 60
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            k, u = divmod(n, len(base))
            u = base[u]
            transcript.write([replace(u, start=u.start + k * shift, end=u.end + k * shift,
                                      visit=f"r{k}-{u.visit}" if u.visit else None)], handle)
    return path


def timed(path: Path) -> str:
    db = OUT / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", sys.executable, "-c",
         "from monitor.cli import cli; cli()", "score", str(path), "--db", str(db),
         "--at", "2026-11-22T09:00"], capture_output=True, text=True)
    seconds, kb = done.stderr.split()[-2:]
    return f"{path.name}: {float(seconds):.1f} s, {int(kb) // 1024} MB (exit {done.returncode})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    inputs = [one_line(OUT / "hao-300k.jsonl", "好" * 100_000),
              one_line(OUT / "hao-3m.jsonl", "好" * 1_000_000),
              one_line(OUT / "talk-3m.jsonl", talk(3_000_000)),
              many_lines(OUT / f"lines-{args.lines}.jsonl", args.lines)]
    for path in inputs:
        print(timed(path), flush=True)


if __name__ == "__main__":
    main()
