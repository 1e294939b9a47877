"""Voice activity: segments where the signal is, levels in dBFS, nothing for silence or clicks."""
from __future__ import annotations

import numpy as np
import pytest

from audio_support import RATE, noise, tone
from monitor.records import AudioChunk
from monitor.vad import Vad, VadOptions


def _run(signal: np.ndarray, options: VadOptions | None = None, chunk: int = 1600):
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
    for signal in (np.zeros(60 * RATE, np.float32), noise(60, -45)):
        vad, pieces = _run(signal)
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


def test_long_speech_is_cut_and_flush_ends_an_open_segment():
    signal = tone(12, -20)
    for second in range(12):  # syllable pauses, shorter than the hangover
        signal[second * RATE:second * RATE + 1600] = 0
    _, pieces = _run(signal, VadOptions(max_segment_s=5))
    segments = _segments(pieces)
    assert [round(end - start) for start, end, *_ in segments] == [5, 5, 2]
    assert len(_segments(_run(signal[:3 * RATE])[1])) == 1  # no silence after: flush ends it
    assert pieces[-1].final


def test_a_gap_in_the_source_ends_the_segment():
    vad = Vad("customer")
    speech = np.concatenate([noise(0.5, -60), tone(1, -20)])
    first = vad.feed(AudioChunk("customer", speech, 0.0))
    after_gap = vad.feed(AudioChunk("customer", speech, 30.0))
    assert first and not any(p.final for p in first)
    assert after_gap[0].final and after_gap[0].start <= 1.5
    assert after_gap[1].segment_start >= 29.8
