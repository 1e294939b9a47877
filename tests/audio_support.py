"""Shared helpers for the audio tests: the real sherpa model, ../shared data, tiny signals."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
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


def speak(text: str, path: Path) -> Path:
    """Mandarin from espeak-ng's pinyin voice, as 16 kHz mono WAV."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make sysdeps)")
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", raw.name, text],
                       check=True, capture_output=True)
        samples, rate = sf.read(raw.name, dtype="float32")
    import soxr

    sf.write(path, soxr.resample(samples, rate, RATE), RATE)
    return path
