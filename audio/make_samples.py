"""Render the bundled reference transcripts (audio/*.jsonl) as two-channel counter recordings.

Each utterance is spoken by espeak-ng's `cmn-latn-pinyin` voice (Chinese text in,
Mandarin out; the plain `cmn` voice reads digits in English) and placed at its
transcript time: staff on channel 0, customer on channel 1, 16 kHz FLAC. Silence is kept
digital (no hiss) so the committed files stay small. A render longer than its slot is
spoken faster until it fits.

    python audio/make_samples.py            # all transcripts beside this script
    python audio/make_samples.py a.jsonl    # one
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from monitor import transcript  # noqa: E402

RATE = 16000
CHANNEL = {"staff": 0, "customer": 1}
VOICE = "cmn-latn-pinyin"
SPEEDS = (165, 185, 205, 230, 260)  # espeak words per minute, tried in turn
TAIL_S = 1.5


def speak(text: str, speed: int) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(speed), "-w", out.name, text],
                       check=True, capture_output=True)
        samples, rate = sf.read(out.name, dtype="float32")
    return soxr.resample(samples, rate, RATE)


def fitted(text: str, seconds: float) -> np.ndarray:
    """The slowest render that fits the slot (the fastest when none does)."""
    for speed in SPEEDS:
        voice = speak(text, speed)
        if len(voice) <= seconds * RATE:
            return voice
    return voice


def render(source: Path, target: Path) -> float:
    utterances = transcript.read(source)
    length = round((max(u.end for u in utterances) + TAIL_S) * RATE)
    audio = np.zeros((length, 2), np.float32)
    for u in utterances:
        voice = fitted(u.text, u.end - u.start) * 0.5
        begin = round(u.start * RATE)
        end = min(length, begin + len(voice))
        audio[begin:end, CHANNEL[u.role]] += voice[: end - begin]
    sf.write(target, np.clip(audio, -1, 1), RATE, format="FLAC", subtype="PCM_16")
    return length / RATE


def main(paths: list[str]) -> None:
    for source in [Path(p) for p in paths] or sorted(HERE.glob("*.jsonl")):
        target = source.with_suffix(".flac")
        seconds = render(source, target)
        print(f"{target}: {seconds:.1f} s, {target.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
