"""The vosk engine: clear errors for a missing or broken model; real decoding when installed."""
from __future__ import annotations

import pytest

from audio_support import REAL_ZH, need_shared
from monitor import asr, models
from monitor.audio import transcribe_file
from monitor.errors import ModelError

VOSK = models.VOSK_CN


def test_missing_model_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("COURTESY_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match=f"not installed.*courtesy model install {VOSK}"):
        asr.create("vosk")


def test_broken_model_is_refused_by_the_real_library(tmp_path, monkeypatch):
    """Files in place but not a model: vosk itself fails, and we say what to do."""
    monkeypatch.setenv("COURTESY_MODELS", str(tmp_path))
    for rel in models.KNOWN[VOSK].files:
        (tmp_path / VOSK / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / VOSK / rel).write_bytes(b"not a model")
    assert asr.resolve("auto") == "vosk"  # auto prefers vosk once it is there
    with pytest.raises(ModelError, match=f"vosk cannot load {VOSK} .*Failed to create a model.*"
                                         f"courtesy model install {VOSK}"):
        asr.create("auto")


@pytest.mark.skipif(not models.is_installed(VOSK),
                    reason=f"{VOSK} is not installed (courtesy model install {VOSK}; it cannot "
                           f"be downloaded on this machine)")
def test_vosk_hears_characters_with_word_times():
    engine = asr.create("vosk")
    path = need_shared(REAL_ZH) / "fr_BAC009S0764W0121.wav"  # 甚至出现交易几乎停滞的情况
    (utterance,) = transcribe_file(path, engine, ("staff",))
    assert "交易" in utterance.text and utterance.words
    assert all(a.start <= b.start for a, b in zip(utterance.words, utterance.words[1:]))
