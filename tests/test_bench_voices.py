"""The benches' natural voices (bench/voices.py): checked assets, and speech the recogniser reads."""
from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from audio_support import sherpa_model
from monitor import asr, lexicon
from monitor.audio import Transcriber, transcribe
from monitor.records import AudioChunk

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import render  # noqa: E402
import voices  # noqa: E402


def _installed() -> None:
    """Skip, saying why, unless the bench extra and the voices are installed."""
    missing = [m for m in ("kokoro_onnx", "misaki", *voices.PART_PACKAGES)
               if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the bench extra is not installed ({', '.join(missing)}): "
                    f"run `{voices.INSTALL}`")
    if not (voices.MODEL.exists() and voices.VOICES.exists()):
        pytest.skip(f"the natural voices are not fetched: run `{voices.INSTALL}`")


def test_missing_or_altered_assets_name_the_command_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr(voices, "MODEL", tmp_path / "model.onnx")
    monkeypatch.setattr(voices, "VOICES", tmp_path / "voices.npz")
    with pytest.raises(voices.VoicesMissing, match=r"model\.onnx is missing: run `make voices`"):
        voices.check()
    (tmp_path / "model.onnx").write_bytes(b"not the model")
    np.savez(tmp_path / "voices.npz", **{n: np.zeros((510, 1, 256), np.float32)
                                         for n in voices.NAMES})
    with pytest.raises(voices.VoicesMissing, match="fails its sha256 check"):
        voices.check()


def test_voices_are_drawn_from_the_seven_at_varied_paces_and_avoid_a_speaker():
    rng = random.Random(4)
    drawn = [render.random_voice(rng, avoid="zf_xiaoyi") for _ in range(200)]
    assert {v.name for v in drawn} == set(voices.NAMES) - {"zf_xiaoyi"}
    assert all(voices.SPEEDS[0] <= v.speed <= voices.SPEEDS[1] for v in drawn)
    assert len({v.speed for v in drawn}) > 20
    espeak = render.random_voice(rng, kind="espeak")
    assert isinstance(espeak, render.Voice) and espeak.key().startswith("cmn-latn-pinyin")


@pytest.mark.slow
def test_the_parts_join_to_the_checked_model_and_a_line_is_heard_as_said(tmp_path,
                                                                         monkeypatch):
    """The installed files pass their sha256 checks; one rendered line (cached by content)
    is natural enough that the recogniser reads it nearly syllable for syllable (espeak's
    Mandarin: about 0.78 character error)."""
    _installed()
    voices.check()
    monkeypatch.setattr(render, "CACHE", tmp_path)
    voice = voices.NaturalVoice("zm_yunjian", 1.0)
    samples = render.speech("您好，请问您办理什么业务？", voice)
    assert samples.dtype == np.float32 and 1.2 < len(samples) / render.RATE < 4.0
    assert len(list((tmp_path / "speech").glob("*.npy"))) == 1
    assert np.array_equal(render.speech("您好，请问您办理什么业务？", voice), samples)
    sherpa_model()
    padded = np.concatenate([np.zeros(8000, np.float32), samples, np.zeros(16000, np.float32)])
    chunks = (AudioChunk("staff", padded[n:n + 1600], n / render.RATE)
              for n in range(0, len(padded), 1600))
    heard = transcribe(chunks, Transcriber(asr.create("sherpa", lexicon.load())))
    said = "nín hǎo qǐng wèn nín bàn lǐ shén me yè wù".split()
    (line,) = heard
    assert Levenshtein.distance(line.pinyin.split(), said) <= 2, line.pinyin
    assert "greeting" in {h.kind for h in line.spotted}
