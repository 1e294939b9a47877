"""Render the bundled reference transcripts (audio/*.jsonl) as two-channel counter recordings.

Each utterance is spoken by a natural Mandarin voice (Kokoro-82M through bench/voices.py;
`make voices` installs it): the staff member in one voice, each customer in another (a line
more than NEW_CUSTOMER_S after the one before is a new customer), so the demo, the review
queue and replay sound as a hall does. A line is placed at its transcript start, staff on
channel 0 and customer on channel 1, 16 kHz FLAC, at the pace of a calm clerk
(CALM_CHARS_PER_MIN), faster only where a line would run into the next one; the
transcript's `end` is rewritten to where the voice really stops, so the reference stays true to the audio. Silence is kept digital (no hiss) so the
committed files stay small.

    python audio/make_samples.py            # all transcripts beside this script
    python audio/make_samples.py a.jsonl    # one
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "bench"))

import render  # noqa: E402
import voices  # noqa: E402

from monitor import transcript  # noqa: E402
from monitor.normalize import clean_chars  # noqa: E402

RATE = render.RATE
CHANNEL = {"staff": 0, "customer": 1}
CAST = {  # sample: (staff voice, customer voices in turn)
    "bank_wait": ("zf_xiaoxiao", ("zm_yunxi",)),
    "hospital_taboo": ("zm_yunyang", ("zf_xiaobei",)),
    "police_good": ("zf_xiaoyi", ("zm_yunjian",)),
    "utility_day": ("zm_yunjian", ("zf_xiaoyi", "zm_yunxia")),
}
PROBE_PACE = 0.85  # every line is rendered once at this pace to learn its length
PACES = (0.6, 1.6)  # the slowest and fastest pace a line may be spoken at
CALM_CHARS_PER_MIN = 240  # a calm clerk: the norms ask 语速适中, the speech-rate rule
# flags staff lines over 280; Kokoro's own pace (1.0) reads Mandarin at 330-380
GAP_S = 0.3  # the pause a speaker leaves before the next line begins
NEW_CUSTOMER_S = 40.0
TAIL_S = 1.5


def fitted(text: str, name: str, room: float) -> np.ndarray:
    """`text` at a calm pace, faster only where the room before the next line is short: a
    line's length scales as 1/pace, so the pace is found from one render at PROBE_PACE,
    then raised in steps of 0.05 while the line still overruns its room."""
    calm = len(clean_chars(text)) * 60 / CALM_CHARS_PER_MIN
    probe = render.speech(text, voices.NaturalVoice(name, PROBE_PACE))
    wanted = PROBE_PACE * len(probe) / (min(room, calm) * RATE)
    pace = min(max(round(wanted / 0.05) * 0.05, PACES[0]), PACES[1])
    samples = render.speech(text, voices.NaturalVoice(name, round(pace, 2)))
    while len(samples) > room * RATE and pace < PACES[1]:
        pace += 0.05
        samples = render.speech(text, voices.NaturalVoice(name, round(pace, 2)))
    return samples


def rooms(rows: list[dict]) -> list[float]:
    """Each line's room: up to GAP_S before the next line starts, or its own slot when the
    next line begins inside it (talk over talk stays as written)."""
    starts = [r["start"] for r in rows[1:]] + [float("inf")]
    return [max(r["end"] - r["start"], after - r["start"] - GAP_S)
            for r, after in zip(rows, starts)]


def render_sample(source: Path, target: Path) -> float:
    """Speak `source` into `target`; rewrite `source`'s ends to the voices' real ends."""
    transcript.read(source)  # one clear error for a bad transcript before any work
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    staff, customers = CAST[source.stem]
    customer, previous_end = -1, -NEW_CUSTOMER_S
    placed = []
    for row, room in zip(rows, rooms(rows)):
        if row["role"] == "customer" and (customer < 0 or
                                          row["start"] - previous_end > NEW_CUSTOMER_S):
            customer += 1
        name = staff if row["role"] == "staff" else customers[customer % len(customers)]
        samples = fitted(row["text"], name, room)
        previous_end = row["end"] = round(row["start"] + len(samples) / RATE, 2)
        placed.append((round(row["start"] * RATE), CHANNEL[row["role"]], samples))
    length = round((max(r["end"] for r in rows) + TAIL_S) * RATE)
    audio = np.zeros((length, 2), np.float32)
    for begin, channel, samples in placed:
        audio[begin:begin + len(samples), channel] += samples
    sf.write(target, np.clip(audio, -1, 1), RATE, format="FLAC", subtype="PCM_16")
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    return length / RATE


def main(paths: list[str]) -> None:
    for source in [Path(p) for p in paths] or sorted(HERE.glob("*.jsonl")):
        target = source.with_suffix(".flac")
        try:
            seconds = render_sample(source, target)
        except voices.VoicesMissing as e:
            raise SystemExit(f"error: {e}") from None
        print(f"{target}: {seconds:.1f} s, {target.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
