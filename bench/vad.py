"""Voice activity benchmarks (issue 9): quiet speakers heard, noise not taken for speech.

    python bench/vad.py                    # everything
    python bench/vad.py quiet noise        # some sections
    python bench/vad.py --real-zh DIR      # the real recordings elsewhere than ../shared

Detectors compared in one run (`VadOptions` each):
  energy              the old detector: energy vs noise floor, nothing under -50 dBFS
  silero              silero network on windows above the floor, no gain anywhere
  silero+detect gain  the network hears a quiet voice amplified (up to 30 dB)
  silero+both gains   the default: also quiet segments amplified before the recogniser
  silero ungated      the network asked about every window (what the gate costs)

Sections:
  quiet   ../shared/data/real-zh scaled to RMS -40/-50/-58/-65/-72 dBFS and to peak -38 dBFS,
          written to a temp dir, run through monitor.audio (the sherpa recogniser): files
          with an utterance, seconds of speech passed on vs the reference, share of the
          reference speech frames inside a segment, toneless syllable error rate.
          Reference speech: 20 ms frames of the original file within 30 dB of its loudest.
  noise   seeded synthetic noise (white, pink, brown, 50 Hz hum, keyboard clicks, an air
          conditioner's band) switched on after 5 s of a quiet room, 60 s at each of
          -60/-50/-40/-30 dBFS: false speech per hour.
  mixed   the real files (at -30 dBFS) inside 2 s of noise each side, noise at SNR 20 and
          10 dB: recall of reference speech frames, false seconds outside them.
  cost    CPU per second of audio for digital silence, noise and speech (one core).
"""
from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from monitor import asr, models, sources  # noqa: E402
from monitor.audio import transcribe_file  # noqa: E402
from monitor.normalize import clean_chars, split_pinyin, text_pinyin  # noqa: E402
from monitor.records import AudioChunk  # noqa: E402
from monitor.vad import Vad, VadOptions  # noqa: E402

RATE = sources.SAMPLE_RATE
REAL_ZH = models.SHARED_MODELS.parent / "data" / "real-zh"
DETECTORS = {
    "energy": VadOptions(engine="energy", pre_roll_s=0.2, max_gain_db=0),
    "silero": VadOptions(detect_gain_db=0, max_gain_db=0),
    "silero+detect gain": VadOptions(max_gain_db=0),
    "silero+both gains": VadOptions(),
    "silero ungated": VadOptions(gate_db=0, max_gain_db=0),
}
DETECTS = ("energy", "silero", "silero+detect gain", "silero ungated")  # the recogniser's
# gain acts after detection: its segments are those of silero+detect gain
NOISES = ("white", "pink", "brown", "hum", "clicks", "aircon")
CHUNK = 1600  # 100 ms, as a live source delivers


def recordings() -> list[tuple[str, str, np.ndarray]]:
    """(name, reference text, 16 kHz mono samples) of each real recording."""
    with (REAL_ZH / "transcripts.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    out = []
    for name, text, *_ in rows:
        samples = np.concatenate([c.samples for c in sources.read_file(REAL_ZH / name, ("staff",))])
        out.append((name, text, samples))
    return out


def reference_frames(samples: np.ndarray) -> np.ndarray:
    """Per 20 ms frame: is it speech (within 30 dB of the recording's loudest frame)?"""
    frames = samples[:len(samples) // 320 * 320].reshape(-1, 320)
    level = 10 * np.log10(np.maximum(np.mean(np.square(frames, dtype=np.float64), axis=1), 1e-12))
    return level >= level.max() - 30


def rms_db(samples: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(samples, dtype=np.float64)))


def at_level(samples: np.ndarray, level: float, peak: bool = False) -> np.ndarray:
    now = 20 * np.log10(np.abs(samples).max()) if peak else rms_db(samples)
    return (samples * 10 ** ((level - now) / 20)).astype(np.float32)


def segments(samples: np.ndarray, options: VadOptions) -> tuple[list[tuple[float, float]], Vad]:
    """(start, end) of each segment the detector finds, fed in 100 ms chunks."""
    vad, out, start = Vad("staff", options), [], None
    pieces = []
    for at in range(0, len(samples), CHUNK):
        pieces += vad.feed(AudioChunk("staff", samples[at:at + CHUNK], at / RATE))
    pieces += vad.flush()
    for piece in pieces:
        start = piece.segment_start if start is None else start
        if piece.final:
            out.append((start, piece.start + len(piece.samples) / RATE))
            start = None
    return out, vad


def covered(spans: list[tuple[float, float]], frames: int, offset: float = 0.0) -> np.ndarray:
    """Per 20 ms frame: inside a segment?"""
    mask = np.zeros(frames, bool)
    for start, end in spans:
        mask[max(0, round((start - offset) / 0.02)):max(0, round((end - offset) / 0.02))] = True
    return mask


def noise(kind: str, seconds: float, level: float, seed: int = 7) -> np.ndarray:
    """Seeded synthetic noise of one kind at an RMS level (dBFS)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind in ("pink", "brown", "aircon"):
        spectrum = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1 / RATE)
        f[0] = f[1]
        if kind == "pink":
            shape = 1 / np.sqrt(f)
        elif kind == "brown":
            shape = 1 / np.maximum(f, 20)
        else:  # an air conditioner: a rumbling band 80-800 Hz and its fan's blade tone
            shape = ((f > 80) & (f < 800)) / np.sqrt(f)
        x = np.fft.irfft(spectrum * shape, n)
        if kind == "aircon":
            x = x / np.std(x) + 0.3 * np.sin(2 * np.pi * 120 * t)
    elif kind == "hum":  # mains hum with odd and even harmonics, slowly breathing
        x = sum(np.sin(2 * np.pi * 50 * h * t + rng.uniform(0, 6)) / h for h in range(1, 9))
        x = x * (1 + 0.1 * np.sin(2 * np.pi * 0.3 * t)) + 0.02 * rng.standard_normal(n)
    elif kind == "clicks":  # keys: 5 ms decaying bursts, 2-8 a second, some louder
        x = 0.01 * rng.standard_normal(n)
        decay = np.exp(-np.arange(80) / 15)
        at = 0
        while True:
            at += int(rng.uniform(0.12, 0.5) * RATE)
            if at + 80 > n:
                break
            x[at:at + 80] += rng.standard_normal(80) * decay * rng.uniform(0.5, 2)
    else:
        raise ValueError(kind)
    return at_level(np.asarray(x, np.float32), level)


def quiet(engine) -> None:
    real = recordings()
    total_ref = sum(reference_frames(s).sum() for *_, s in real) * 0.02
    print(f"\n## quiet: {len(real)} real recordings ({sum(len(s) for *_, s in real) / RATE:.0f} s"
          f", reference speech {total_ref:.0f} s) at lower levels, through the recogniser")
    print("| level | detector | files heard | speech s passed on | reference frames in a "
          "segment | syllable error rate |")
    print("|---|---|---:|---:|---:|---:|")
    levels = [("original", None, False), ("RMS -40", -40, False), ("RMS -50", -50, False),
              ("RMS -58", -58, False), ("peak -38", -38, True), ("RMS -65", -65, False),
              ("RMS -72", -72, False)]
    with tempfile.TemporaryDirectory() as folder:
        for label, level, peak in levels:
            for name, options in DETECTORS.items():
                heard = errors = syllables = 0
                passed = inside = 0.0
                for file, text, samples in real:
                    scaled = samples if level is None else at_level(samples, level, peak)
                    path = Path(folder) / file
                    sf.write(path, scaled, RATE, subtype="FLOAT")
                    utterances = transcribe_file(path, engine, ("staff",), options)
                    heard += bool(utterances)
                    said = [s for u in utterances for s in split_pinyin(u.pinyin)]
                    expected = text_pinyin(clean_chars(text)).split()
                    errors += Levenshtein.distance(said, expected)
                    syllables += len(expected)
                    spans, vad = segments(scaled, options)
                    passed += vad.speech_s
                    ref = reference_frames(samples)
                    inside += (covered(spans, len(ref)) & ref).sum() * 0.02
                print(f"| {label} | {name} | {heard}/{len(real)} | {passed:.1f} | "
                      f"{inside / total_ref:.2f} | {errors / syllables:.3f} |", flush=True)


def noise_table() -> None:
    print("\n## noise: false speech on seeded noise (seconds per hour); 5 s of a quiet room "
          "(-80 dBFS), then 60 s of the noise")
    levels = (-60, -50, -40, -30)
    print("| noise | detector | " + " | ".join(f"{lv} dBFS" for lv in levels) + " |")
    print("|---|---|" + "---:|" * len(levels))
    for kind in NOISES:
        room = noise("white", 5, -80, seed=3)  # the noise starts after 5 s of a quiet room
        signals = [np.concatenate([room, noise(kind, 60, level)]) for level in levels]
        for name in DETECTS:
            false = []
            for signal in signals:
                _, vad = segments(signal, DETECTORS[name])
                false.append(vad.speech_s * 3600 / (len(signal) / RATE))
            print(f"| {kind} | {name} | " + " | ".join(f"{f:.0f}" for f in false) + " |",
                  flush=True)


def mixed() -> None:
    real = recordings()
    print("\n## mixed: real speech (-30 dBFS) in noise, 2 s of noise before and after")
    print("| SNR | detector | " + " | ".join(NOISES) + " | false s outside speech (all) |")
    print("|---|---|" + "---:|" * (len(NOISES) + 1))
    for snr in (20, 10):
        for name in DETECTS:
            options = DETECTORS[name]
            recalls, false = [], 0.0
            for n_kind, kind in enumerate(NOISES):
                inside = total = 0.0
                for n, (_, _, samples) in enumerate(real):
                    speech = at_level(samples, -30)
                    ref = reference_frames(samples)
                    pad = np.zeros(2 * RATE, np.float32)
                    clean = np.concatenate([pad, speech, pad])
                    level = rms_db(speech[:len(ref) * 320].reshape(-1, 320)[ref])
                    signal = clean + noise(kind, len(clean) / RATE, level - snr,
                                           seed=n + 10 * n_kind)
                    spans, _ = segments(signal, options)
                    frames = len(signal) // 320
                    truth = np.zeros(frames, bool)
                    truth[100:100 + len(ref)] = ref
                    mask = covered(spans, frames)
                    inside += (mask & truth).sum() * 0.02
                    total += truth.sum() * 0.02
                    near = np.convolve(truth, np.ones(51), "same") > 0  # 0.5 s either side
                    false += (mask & ~near).sum() * 0.02
                recalls.append(inside / total)
            print(f"| {snr} dB | {name} | " + " | ".join(f"{r:.2f}" for r in recalls)
                  + f" | {false:.1f} |", flush=True)


def cost() -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    speech = np.concatenate([at_level(s, -30) for *_, s in recordings()])
    signals = {"digital silence": np.zeros(120 * RATE, np.float32),
               "pink noise -40 dBFS": noise("pink", 120, -40),
               "keyboard clicks -40 dBFS": noise("clicks", 120, -40),
               f"real speech ({len(speech) / RATE:.0f} s)": speech}
    print("\n## cost: CPU ms per second of audio, one core, 100 ms chunks "
          "(share of the audio the network saw)")
    print("| audio | " + " | ".join(DETECTS) + " |")
    print("|---|" + "---:|" * len(DETECTS))
    for label, signal in signals.items():
        cells = []
        for name in DETECTS:
            options = DETECTORS[name]
            best = None
            for _ in range(3):
                began = time.process_time()
                _, vad = segments(signal, options)
                spent = time.process_time() - began
                best = spent if best is None else min(best, spent)
            seen = vad.model_s / (len(signal) / RATE)
            cells.append(f"{1000 * best / (len(signal) / RATE):.2f}"
                         + (f" ({seen:.0%})" if name != "energy" else ""))
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str]) -> None:
    global REAL_ZH
    if "--real-zh" in argv:
        at = argv.index("--real-zh")
        REAL_ZH = Path(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    sections = argv or ["quiet", "noise", "mixed", "cost"]
    print(f"# bench/vad.py {' '.join(sections)} — {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores")
    if not (REAL_ZH / "transcripts.tsv").exists() and {"quiet", "mixed", "cost"} & set(sections):
        sys.exit(f"{REAL_ZH} is absent: the quiet, mixed and cost sections need it")
    if "quiet" in sections:
        quiet(asr.create("sherpa", None))
    if "noise" in sections:
        noise_table()
    if "mixed" in sections:
        mixed()
    if "cost" in sections:
        cost()


if __name__ == "__main__":
    main(sys.argv[1:])
