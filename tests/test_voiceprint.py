"""The voice encoder (issue 20): resemblyzer's weights read without torch, run in numpy."""
from __future__ import annotations

import io
import os
import pickle
import shutil

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, speak, tone
from monitor import voiceprint
from monitor.errors import ModelError

STAFF = ["您好，请问您办理什么业务", "请您先填一下这张表格", "身份证请给我看一下",
         "这个需要本人签字确认", "好的，您稍等一下，我查一下系统", "今天的手续已经办好了"]
OTHER = ["我想办一下社保卡", "需要带户口本吗", "我上次来过一次", "这个表格怎么填"]


def test_the_installed_weights_are_found_checked_and_read_as_the_network_needs():
    path = voiceprint.weights_path()
    assert path is not None, "make setup installs resemblyzer (without its dependencies)"
    state = voiceprint._read(path)
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    for n in range(3):
        assert state[f"lstm.weight_hh_l{n}"].shape == (1024, 256)
        assert np.all(np.isfinite(state[f"lstm.weight_hh_l{n}"]))
    assert state["linear.weight"].shape == (256, 256)
    assert voiceprint.encoder() is not None


def test_a_weights_file_not_the_one_checked_is_refused(tmp_path, monkeypatch):
    changed = tmp_path / "resemblyzer" / "pretrained.pt"
    changed.parent.mkdir()
    shutil.copy(voiceprint.weights_path(), changed)
    with open(changed, "r+b") as f:
        f.seek(os.path.getsize(changed) - 5)
        f.write(b"\x00\x01\x02\x03\x04")
    monkeypatch.setattr(voiceprint, "weights_path", lambda: changed)
    voiceprint.encoder.cache_clear()
    try:
        with pytest.raises(ModelError, match="校验失败"):
            voiceprint.encoder()
    finally:
        voiceprint.encoder.cache_clear()


def test_the_reader_refuses_any_class_but_the_tensors_it_knows():
    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))
    with pytest.raises(pickle.UnpicklingError, match="unexpected"):
        voiceprint._Unpickler(io.BytesIO(pickle.dumps(Evil(), protocol=2))).load()


def test_a_tone_falls_in_the_mel_band_around_its_pitch():
    for hz in (300.0, 1000.0, 3000.0):
        spectrum = voiceprint.mel(tone(1.0, -20.0, hz)).mean(axis=0)
        peak = voiceprint._BANK.argmax(axis=1) * RATE / voiceprint.N_FFT  # each band's centre
        assert abs(peak[int(np.argmax(spectrum))] - hz) < 0.12 * hz + 40


@pytest.fixture(scope="module")
def espeak(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voiceprint")

    def said(texts, name, **voice):
        return np.concatenate([sf.read(speak(t, folder / f"{name}{n}.wav", **voice),
                                       dtype="float32")[0] for n, t in enumerate(texts)])
    return {"staff": said(STAFF[:3], "a", variant="+m3", pitch=40),
            "staff again": said(STAFF[3:], "b", variant="+m3", pitch=40),
            "other": said(OTHER, "c", variant="+f2", pitch=60)}


def test_one_voice_is_nearer_itself_saying_other_words_than_another_voice(espeak):
    """Fails if the network is wrong: with two of its LSTM gates swapped the same voice's
    cosine fell to 0.76, at the other voice's 0.71-0.78."""
    staff, again, other = voiceprint.embed([espeak["staff"], espeak["staff again"],
                                            espeak["other"]])
    assert np.linalg.norm(staff) == pytest.approx(1.0, abs=1e-5)
    assert np.all(staff >= 0)  # after the ReLU
    assert staff @ again > 0.9
    assert staff @ again > max(staff @ other, again @ other) + 0.15


def test_quiet_speech_is_raised_and_pauses_left_out_so_level_and_gaps_change_little(espeak):
    """A customer across the counter is quieter; a run of the tracker holds pauses."""
    staff = espeak["staff"]
    staff = staff * np.float32(0.01 / np.sqrt(np.mean(staff ** 2)))  # -40 dBFS
    pauses = np.concatenate([np.concatenate([part, np.zeros(RATE // 2, np.float32)])
                             for part in np.array_split(staff, 4)])
    said, quieter, gaps = voiceprint.embed([staff, staff * np.float32(0.1), pauses])
    assert said @ quieter > 0.999
    assert said @ gaps > 0.97


def test_a_stretch_shorter_than_a_partial_is_padded_and_a_long_one_capped():
    short = voiceprint.partials(tone(0.8, -20.0, 200.0))
    assert short.shape == (1, voiceprint.PARTIAL, voiceprint.BANDS)
    long = voiceprint.partials(tone(9.0, -20.0, 200.0), most=2)
    assert long.shape == (2, voiceprint.PARTIAL, voiceprint.BANDS)


def test_what_a_stretch_just_said_is_its_speechs_end_in_at_most_two_partials(espeak):
    """A phrase is judged with its run so far (`speakers.Tracker.judged`): the encoder
    hears the end of the stretch, where the phrase is, not its start."""
    staff, other = espeak["staff"], espeak["other"]
    assert voiceprint.embed_end(np.zeros(100, np.float32)) is None  # no audio to hear
    said, seconds = voiceprint.embed_end(staff)
    assert seconds == pytest.approx(3.2) and np.linalg.norm(said) == pytest.approx(1.0, 1e-5)
    _, seconds = voiceprint.embed_end(staff[-RATE:])
    assert 0.3 < seconds <= 1.0  # one partial, padded: only its speech counts
    enrolled = voiceprint.embed([espeak["staff again"]])[0]
    ends_other, _ = voiceprint.embed_end(np.concatenate([staff, other[-4 * RATE:]]))
    assert said @ enrolled > ends_other @ enrolled + 0.15  # the end, not the start, is heard
