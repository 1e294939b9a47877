"""Shared helpers for the audio tests: the real sherpa model, ../shared data, tiny signals."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from monitor import models

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "audio"
SHARED = models.SHARED_MODELS.parent
REAL_ZH = SHARED / "data" / "real-zh"
SHERPA_SHARED = models.SHARED_MODELS / models.SHERPA_KWS
RATE = 16000


def need_shared(path: Path = SHARED) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path


def sherpa_model() -> Path:
    """The real sherpa model in models/, installed from ../shared when it is not there yet."""
    if not models.is_installed(models.SHERPA_KWS):
        if not models.SHARED_MODELS.exists():
            pytest.skip(f"sherpa model not installed and {models.SHARED_MODELS} is absent: "
                        f"run `courtesy model install {models.SHERPA_KWS}`")
        models.install(models.SHERPA_KWS)
    return models.locate(models.SHERPA_KWS)


def tone(seconds: float, level_dbfs: float = -20.0, freq: float = 440.0,
         rate: int = RATE) -> np.ndarray:
    """A sine whose RMS level is `level_dbfs`."""
    t = np.arange(round(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * np.sqrt(2) * 10 ** (level_dbfs / 20)).astype(np.float32)


def noise(seconds: float, level_dbfs: float, seed: int = 1, rate: int = RATE) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(seconds * rate)) * 10 ** (level_dbfs / 20)).astype(np.float32)


def speak(text: str, path: Path, variant: str = "", pitch: int = 50) -> Path:
    """Mandarin from espeak-ng's pinyin voice (a variant such as +f2, a pitch 0-99), as
    16 kHz mono WAV."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make sysdeps)")
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(["espeak-ng", "-v", f"cmn-latn-pinyin{variant}", "-p", str(pitch),
                        "-w", raw.name, text], check=True, capture_output=True)
        samples, rate = sf.read(raw.name, dtype="float32")
    import soxr

    sf.write(path, soxr.resample(samples, rate, RATE), RATE)
    return path


class Pulse:
    """A private PulseAudio daemon with null sinks: `counter`, whose monitor is the virtual
    counter microphone, and any others asked for (a speaker for practice's customer)."""

    def __init__(self, runtime: Path, sinks: tuple[str, ...] = ("counter",)):
        self.sinks = sinks
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime),
                    "PULSE_SOURCE": "counter.monitor", "PYTHONUNBUFFERED": "1"}

    def start(self) -> None:
        subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n",
                        "--load=module-native-protocol-unix"]
                       + [f"--load=module-null-sink sink_name={sink} rate=16000 channels=2"
                          for sink in self.sinks],
                       env=self.env, check=True, capture_output=True)
        for _ in range(50):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("pulseaudio did not come up")

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)
        for _ in range(50):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode:
                return
            time.sleep(0.1)

    def play(self, path: Path) -> subprocess.Popen:
        return subprocess.Popen(["paplay", "--device=counter", str(path)], env=self.env)
