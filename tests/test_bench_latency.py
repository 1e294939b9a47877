"""The latency bench's one-pickup cases (bench/pickup.py, bench/audio.py latency --mono):
where each customer line falls against the staff's, and which reds rest on a customer's
taboo."""
from __future__ import annotations

import importlib.util
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from monitor import lexicon
from monitor.records import Finding
from monitor.speakers import Voice

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import pickup  # noqa: E402
import render  # noqa: E402
from renders import LINES, PAUSE_S, Truth  # noqa: E402


@pytest.fixture
def layouts(tmp_path, monkeypatch):
    """Both cases laid out with each text said as a tone of its own length (no voices
    needed), cached under tmp_path."""
    def speech(text, voice):
        seconds = 0.15 * len(text)
        t = np.arange(round(seconds * render.RATE)) / render.RATE
        tone = 100 + zlib.crc32(text.encode()) % 400
        return (0.3 * np.sin(2 * np.pi * tone * t)).astype(np.float32)

    monkeypatch.setattr(render, "speech", speech)
    monkeypatch.setattr(pickup.profiles, "voice_of",
                        lambda samples, what: Voice.of(np.zeros((40, 25), np.float32)))
    monkeypatch.setattr(pickup, "LATENCY_CACHE", tmp_path)
    return {case: pickup.latency_renders(3, case) for case in pickup.LATENCY_CASES}


def test_a_customers_taboo_follows_the_staff_line_within_its_speech_segment(layouts):
    """"customer's taboo after": every staff line of the judged half is followed, under
    0.2 s after its last word (one segment), by a customer's critical taboo from the held-out
    half, alone or going on, at the customers' levels; the customer's line comes after the
    staff's taboo, never in a pause. The customer opens the visit, in a segment apart."""
    critical = {form for p in lexicon.load().phrases
                if p.kind == "taboo" and p.severity == "critical" for form in p.forms}
    held = {line[1] for line in LINES[:len(LINES) // 2]}
    for run in layouts["customer's taboo after"]:
        audio, rate = sf.read(run.path, dtype="float32")
        assert len(run.truths) == len(run.customer_taboos) == len(run.customer_spans) - 1 == 5
        opening = run.customer_spans[0]
        assert opening[0] == PAUSE_S and opening[1] + PAUSE_S <= run.truths[0].start
        alone = 0
        for staff, taboo, (start, end) in zip(run.truths, run.customer_taboos,
                                              run.customer_spans[1:]):
            assert taboo.phrase in critical and taboo.phrase in held
            assert staff.phrase != taboo.phrase and staff.end < taboo.start
            last_word = _speech_before(audio, rate, taboo.start)
            assert 0.0 < taboo.start - last_word < 0.2
            assert start == taboo.start and end >= taboo.end
            alone += end == taboo.end
            said = audio[round(taboo.start * rate):round(taboo.end * rate)]
            level = 20 * np.log10(np.sqrt(np.mean(said ** 2)) / 0.3 * np.sqrt(2))
            assert pickup.CUSTOMER_DB[0] - 3 < level < pickup.CUSTOMER_DB[1] + 1
        assert 0 < alone < 5  # the taboo alone at the segment's end, or going on


def test_the_customer_first_case_keeps_its_layout(layouts):
    """"customer first" (the bench's case since session 8): a customer's line ending
    GAP_S before each staff line, no customer taboo."""
    for run in layouts["customer first"]:
        assert run.customer_taboos == ()
        for staff, (start, end) in zip(run.truths, run.customer_spans):
            assert staff.start > end + pickup.GAP_S
        assert run.customer_spans[0][0] == PAUSE_S


def test_a_red_is_the_customers_where_its_finding_rests_on_a_customers_taboo():
    spec = importlib.util.spec_from_file_location("bench_audio", BENCH / "audio.py")
    bench_audio = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_audio)
    theirs = (Truth("你烦不烦", 8.27, 9.08),)
    on = Finding("taboo", 8.3, 9.1, "ni fan bu fan", "critical")
    staff = Finding("taboo", 4.57, 5.52, "ni long le ma", "critical")
    assert bench_audio._within(on, theirs) and not bench_audio._within(staff, theirs)
    assert not bench_audio._within(on, ())


def _speech_before(audio: np.ndarray, rate: int, at: float) -> float:
    """The end of the last sound before `at` (s)."""
    loud = np.flatnonzero(np.abs(audio[:round(at * rate) - 1]) > 0.05)
    return (loud[-1] + 1) / rate


def test_a_customers_red_given_as_its_segment_ends_is_not_a_partial_results():
    """A segment's first reading as it ends is told with its final roles: a red then is
    the final decision's, though it comes before the re-read final result."""
    spec = importlib.util.spec_from_file_location("bench_audio", BENCH / "audio.py")
    bench_audio = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_audio)
    events = [(None, 8.6, 0.0, 8.5), (None, 21.6, 0.0, 21.5), (None, 36.5, 0.0, 36.4)]
    causes = {n: Finding("taboo", at, at + 0.8, "ni fan bu fan", "critical")
              for n, at in enumerate((8.3, 21.2, 35.4))}
    split = bench_audio._customers(events, causes, {0, 2}, ended={36.4})
    assert split == {True: ["8.3 s ni fan bu fan"], False: ["35.4 s ni fan bu fan"]}
