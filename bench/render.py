"""Synthetic counter audio for the benchmarks: natural or espeak-ng speech, hall noise.

Speech is rendered line by line by one of two kinds of voice: `natural` (Kokoro-82M's seven
Mandarin voices at varied paces, voices.py; what a hall sounds like, the default) or
`espeak` (espeak-ng's Mandarin pinyin voice in several variants, speeds and pitches; robotic,
kept as the hard case). Every bench takes the kind as `--voices natural|espeak`. Lines are
trimmed to where the voice really is and cached by content under
`bench/.cache/`, so a second run only transcribes. A session is mixed as an intercom
records it: channel 0 staff, channel 1 customer, each side bleeding into the other at
-20 dB, over seeded hall noise (pink + brown noise, mains hum, babble-like band noise) at
a chosen signal-to-noise ratio.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

import voices

RATE = 16000
CACHE = Path(__file__).resolve().parent / ".cache"
VARIANTS = ("", "+f2", "+f3", "+m3", "+m7", "+f4", "+m1")
VOICE_KINDS = ("natural", "espeak")  # the first is the default of every bench
SPEECH_DBFS = -22.0  # RMS level of active speech before a speaker's own gain
SPEECH_VERSION = 1  # bump when speech rendering changes, so cached lines are redone
RENDER_VERSION = 2  # bump when noise or mixing changes, so cached sessions are redone


class RenderError(RuntimeError):
    """espeak-ng is missing or failed."""


@dataclass(frozen=True)
class Voice:
    """One espeak-ng speaker: variant, words per minute, pitch (0-99) and a level offset."""

    variant: str = ""
    speed: int = 175
    pitch: int = 50
    gain_db: float = 0.0

    @property
    def name(self) -> str:
        return f"cmn-latn-pinyin{self.variant}"

    @property
    def speaker(self) -> str:
        return self.variant

    def label(self) -> str:
        return f"{self.variant or 'default'}/s{self.speed}/p{self.pitch}"

    def key(self) -> str:
        return f"{self.name}|{self.speed}|{self.pitch}"

    def raw(self, text: str) -> np.ndarray:
        return _espeak(text, self)


def random_voice(rng, avoid: str | None = None, kind: str = "natural"):
    """A speaker of `kind` (not the speaker `avoid`): a natural voice at a varied pace, or
    an espeak variant at speed 150-220 and varied pitch."""
    if kind == "natural":
        return voices.random_voice(rng, avoid)
    variants = [v for v in VARIANTS if v != avoid]
    return Voice(rng.choice(variants), rng.randint(150, 220), rng.randint(25, 80),
                 round(rng.uniform(-3, 3), 1))


def speech(text: str, voice) -> np.ndarray:
    """`text` spoken by `voice` (an espeak `Voice` or a `voices.NaturalVoice`): 16 kHz
    float32, trimmed, at SPEECH_DBFS + the voice's gain; cached by content."""
    key = hashlib.sha256(f"{SPEECH_VERSION}|{voice.key()}|{text}".encode()).hexdigest()[:24]
    path = CACHE / "speech" / f"{key}.npy"
    if path.exists():
        samples = np.load(path)
    else:
        samples = _trim(voice.raw(text))
        rms = float(np.sqrt(np.mean(samples ** 2))) if len(samples) else 0.0
        if rms > 0:
            samples = samples * (10 ** (SPEECH_DBFS / 20) / rms)
        save_npy(path, samples.astype(np.float32))
    return samples * np.float32(10 ** (voice.gain_db / 20))


def _espeak(text: str, voice: Voice) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise RenderError("espeak-ng is not installed (make sysdeps)")
    done = subprocess.run(["espeak-ng", "-v", voice.name, "-s", str(voice.speed),
                           "-p", str(voice.pitch), "--stdout", text], capture_output=True)
    if done.returncode or not done.stdout:
        raise RenderError(f"espeak-ng failed on {text!r}: {done.stderr.decode(errors='replace')}")
    samples, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
    import soxr

    return soxr.resample(samples, rate, RATE).astype(np.float32)


def _trim(samples: np.ndarray, frame: int = 160) -> np.ndarray:
    """Cut a voice's leading and trailing silence: the line is where the voice is."""
    usable = len(samples) // frame * frame
    if not usable:
        return samples
    energy = np.sqrt(np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1))
    loud = np.flatnonzero(energy > energy.max() * 0.02)
    if not len(loud):
        return samples[:0]
    return samples[loud[0] * frame:(loud[-1] + 1) * frame]


BANK_SAMPLES = 1 << 23  # 8.7 minutes of noise per bank, computed once and cached


def hall_noise(seconds: float, bank: int, seed: int) -> np.ndarray:
    """`seconds` of one noise bank from a seeded offset, repeated if longer than the bank
    (its spectrum-made noise is circular, so the repeat has no seam)."""
    samples = _bank(bank)
    offset = int(np.random.default_rng(seed).integers(len(samples)))
    return np.resize(np.roll(samples, -offset), round(seconds * RATE))


def _bank(bank: int) -> np.ndarray:
    path = CACHE / "noise" / f"hall-{RENDER_VERSION}-{bank}.npy"
    if path.exists():
        return np.load(path)
    samples = _hall(BANK_SAMPLES, bank)
    save_npy(path, samples)
    return samples


def _hall(n: int, seed: int) -> np.ndarray:
    """Seeded hall noise at 0 dBFS RMS: pink and brown noise (air, footsteps, ventilation),
    50 Hz mains hum with harmonics, and band noise with a syllable-rate envelope (distant
    voices that say nothing)."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    freqs[0] = freqs[1]
    pink = _unit(np.fft.irfft(spectrum / np.sqrt(freqs), n))
    brown = _unit(np.fft.irfft(spectrum / np.maximum(freqs, 20.0), n))
    band = np.where((freqs > 300) & (freqs < 3000), 1.0, 0.0)
    babble = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * band, n)
    babble = _unit(babble * _slow_envelope(n, rng))
    t = np.arange(n) / RATE
    hum = _unit(sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) / k
                    for k, f in enumerate((50.0, 100.0, 150.0), 1)))
    mix = 0.6 * pink + 0.5 * brown + 0.25 * hum + 0.45 * babble
    return _unit(mix).astype(np.float32)


def _slow_envelope(n: int, rng) -> np.ndarray:
    """A 0.3-1 envelope that rises and falls 3-6 times a second, as far-off talk does."""
    points = np.arange(0, n + RATE // 4, RATE // 4)
    values = rng.uniform(0.3, 1.0, len(points))
    return np.interp(np.arange(n), points, values)


def _unit(signal: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(signal ** 2)))
    return signal / rms if rms > 0 else signal


@dataclass(frozen=True)
class Placed:
    """One rendered line on the session's time line."""

    role: str  # staff or customer
    start: float  # seconds
    samples: np.ndarray


@dataclass(frozen=True)
class Mix:
    """How a two-channel session is mixed."""

    snr_db: float = 25.0  # speech level over the hall noise
    bleed_db: float = -20.0  # each side heard on the other side's channel
    tail_s: float = 5.0  # silence after the last line
    seed: int = 0


def mix_session(lines: list[Placed], mix: Mix) -> np.ndarray:
    """(samples, 2) float32: channel 0 staff, channel 1 customer, with bleed and noise."""
    end = max(p.start + len(p.samples) / RATE for p in lines) + mix.tail_s
    n = round(end * RATE)
    sides = {"staff": np.zeros(n, np.float32), "customer": np.zeros(n, np.float32)}
    for line in lines:
        at = round(line.start * RATE)
        sides[line.role][at:at + len(line.samples)] += line.samples[:n - at]
    bleed = np.float32(10 ** (mix.bleed_db / 20))
    noise_level = np.float32(10 ** ((SPEECH_DBFS - mix.snr_db) / 20))
    shared = hall_noise(end, 0, mix.seed)  # the hall, heard by both microphones
    out = np.empty((n, 2), np.float32)
    for channel, (own, other) in enumerate((("staff", "customer"), ("customer", "staff"))):
        near = hall_noise(end, 1 + channel, mix.seed)  # what only this microphone hears
        noise = noise_level * (0.8 * shared + 0.6 * near)  # independent: RMS 1
        out[:, channel] = sides[own] + bleed * sides[other] + noise
    peak = float(np.abs(out).max())
    return out / peak * 0.9 if peak > 0.9 else out


def write_wav(path: Path, samples: np.ndarray) -> None:
    """16-bit WAV, written whole before it takes its name (an interrupted run leaves no
    half file in the cache). WAV, not FLAC: reading FLAC block by block costs a seek each
    time, a third of the transcription's CPU here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part.wav")
    sf.write(partial, samples, RATE, subtype="PCM_16")
    partial.replace(path)


def save_npy(path: Path, samples: np.ndarray) -> None:
    """Written whole under a name of this process's own before it takes its name: two
    benches rendering the same line at once never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part.npy")
    np.save(partial, samples)
    partial.replace(path)


def mix_mono(lines: list[Placed], snr_db: float | None, seed: int,
             tail_s: float = 1.0) -> np.ndarray:
    """One microphone: the lines over hall noise at `snr_db` (None: no noise)."""
    end = max(p.start + len(p.samples) / RATE for p in lines) + tail_s
    out = np.zeros(round(end * RATE), np.float32)
    for line in lines:
        at = round(line.start * RATE)
        out[at:at + len(line.samples)] += line.samples[:len(out) - at]
    if snr_db is not None:
        out += np.float32(10 ** ((SPEECH_DBFS - snr_db) / 20)) * hall_noise(end, seed % 3, seed)
    peak = float(np.abs(out).max())
    return out / peak * 0.9 if peak > 0.9 else out
