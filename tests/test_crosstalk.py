"""Cross-talk: one side's voice leaking into the other microphone is not that side's speech."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, noise, sherpa_model, speak
from monitor import asr, lexicon, sources
from monitor.audio import Transcriber, transcribe
from monitor.crosstalk import CrossTalk
from monitor.records import AudioChunk, Utterance, Word


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


def chunks(role, samples, size=1600):
    return [AudioChunk(role, samples[n:n + size], n / RATE) for n in range(0, len(samples), size)]


def test_a_line_leaking_into_the_other_microphone_is_dropped(engine, tmp_path):
    voice, _ = sf.read(speak("你们这里真烦，我要找你们领导", tmp_path / "c.wav"), dtype="float32")
    voice = np.concatenate([np.zeros(RATE // 2, np.float32), voice * 0.5,
                            np.zeros(RATE, np.float32)])
    hiss = noise(len(voice) / RATE, -60.0)
    stereo = np.stack([voice * 10 ** (-20 / 20) + hiss, voice + hiss], axis=1)  # staff, customer
    path = tmp_path / "counter.wav"
    sf.write(path, stereo, RATE)
    transcriber = Transcriber(engine)
    heard = transcribe(sources.read_file(path), transcriber)
    assert {u.role for u in heard} == {"customer"}
    assert transcriber.leaked >= 1
    alone = Transcriber(engine)  # the same quiet line with nobody louder is speech
    assert transcribe(sources.read_file(path, ("staff",)), alone) and alone.leaked == 0


def test_words_spoken_over_a_louder_other_side_are_cut():
    talk = CrossTalk()
    loud, quiet = np.full(RATE * 4, 0.1, np.float32), np.full(RATE * 4, 0.01, np.float32)
    own = np.concatenate([loud[:RATE * 2], quiet[:RATE * 2]])  # speaks, then only leakage
    other = np.concatenate([quiet[:RATE * 2], loud[:RATE * 2]])
    for a, b in zip(chunks("customer", own), chunks("staff", other)):
        talk.listen(a)
        talk.listen(b)
    words = tuple(Word(s, k * 0.5, k * 0.5 + 0.4) for k, s in enumerate("a b c d e f g h".split()))
    kept = talk.own(Utterance(0, 4, "customer", pinyin=" ".join(w.text for w in words),
                              words=words, heard_by="sherpa"))
    assert kept.pinyin == "a b c d" and kept.end == pytest.approx(1.9)
    assert talk.own(Utterance(2.1, 3.9, "customer", pinyin="x")) is None
    assert talk.own(Utterance(0.1, 1.9, "staff", pinyin="y")) is None


def test_one_pickup_is_not_measured_for_cross_talk(monkeypatch):
    """A mixed channel is one microphone: there is no other side to leak into it, so its
    levels are not kept for the comparison (they cost a pickup window 1 % of its CPU)."""
    heard = []
    monkeypatch.setattr(CrossTalk, "listen", lambda self, chunk: heard.append(chunk.role))
    silence = np.zeros(RATE, np.float32)
    unheard = SimpleNamespace(stream=lambda role: None)  # silence reaches no recogniser
    pickup, intercom = Transcriber(unheard), Transcriber(unheard)
    for chunk in chunks(sources.MIXED, silence):
        list(pickup.feed(chunk))
    for chunk in chunks("staff", silence) + chunks("customer", silence):
        list(intercom.feed(chunk))
    assert heard == ["staff"] * 10 + ["customer"] * 10
