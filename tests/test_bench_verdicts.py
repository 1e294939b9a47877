"""The issue-9 benchmark's own parts: everyday text, rendered timing, the comparison."""
from __future__ import annotations

import importlib.util
import random
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio_support import SAMPLES, sherpa_model
from monitor import asr, lexicon, sources
from monitor.asr.sherpa import SherpaOptions
from monitor.audio import Transcriber, transcribe
from monitor.pipeline import Scorer
from monitor.vad import VadOptions

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import everyday  # noqa: E402
import heard  # noqa: E402
import render  # noqa: E402
import verdicts  # noqa: E402
from conversations import Generator  # noqa: E402


def test_everyday_text_holds_no_lexicon_phrase_and_is_varied():
    lines = everyday.sentences()
    assert len(lines) >= 250
    assert everyday.check(lexicon.load()) == []
    sounds_alike = ("不可能", "没办法", "布置到")
    assert all(any(word in line for line in lines) for word in sounds_alike)


def test_engine_options_parse_numbers_json_and_tuples():
    spec = importlib.util.spec_from_file_location("bench_audio", BENCH / "audio.py")
    bench_audio = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_audio)
    chosen = bench_audio.engine_options(
        ["threshold=0.3", 'thresholds={"taboo": 0.4}', 'spot_kinds=["taboo"]'])
    assert chosen == {"threshold": 0.3, "thresholds": {"taboo": 0.4}, "spot_kinds": ("taboo",),
                      "num_threads": 1}
    SherpaOptions(**chosen)
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        bench_audio.engine_options(["no_such_field=1"])


@pytest.mark.slow
def test_rendered_lines_are_where_the_transcript_says(tmp_path, monkeypatch):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make sysdeps)")
    monkeypatch.setattr(render, "CACHE", tmp_path)
    monkeypatch.setattr(verdicts, "CACHE", tmp_path)
    monkeypatch.setattr(render, "BANK_SAMPLES", 1 << 18)
    conv = Generator(lexicon.load(), seed=3).session("bank", 2)
    done = verdicts.render_session("t", conv, 25.0, random.Random(1),
                                   verdicts.BenchOptions(voices="espeak"), seed=1)
    audio, rate = sf.read(done.path, dtype="float32")
    assert rate == render.RATE and audio.shape[1] == 2
    lines = done.utterances
    assert [u.text for u in lines] == [u.text for u in conv.utterances]
    for before, line in zip(lines, lines[1:]):
        assert line.start >= before.end  # one line at a time, in order
        channel = 0 if line.role == "staff" else 1
        speech = audio[round(line.start * rate):round(line.end * rate), channel]
        gap = audio[round(before.end * rate) + 80:round(line.start * rate) - 80, channel]
        if len(gap) > 800:  # the silence before a line is far quieter than the line
            assert _rms(speech) > 5 * _rms(gap)
    gaps = [b.start - a.end for a, b in zip(lines, lines[1:])]
    assert max(gaps) >= verdicts.MIN_VISIT_GAP_S  # customers are apart


@pytest.mark.slow
def test_a_session_compared_with_itself_agrees_everywhere():
    conv = Generator(lexicon.load(), seed=5).session("police", 5)
    scorer = Scorer.load("police")
    text = scorer.score(conv.utterances, window="police")
    figures = verdicts.Figures()
    verdicts.compare("same", 25.0, text, text, [figures])
    d = figures.as_dict()
    assert d["visits_matched"] == 1.0 and d["boundary_within_5s"] == 1.0
    assert set(d["agreement"].values()) == {1.0} and d["score_mae"] == 0.0
    assert d["questions"]["fn"] == d["questions"]["fp"] == 0 and d["questions"]["tp"] > 0

    inferred = scorer.score([replace(u, visit=None) for u in conv.utterances][:-3],
                            window="police")  # visits from silence, the end cut off
    worse = verdicts.Figures()
    verdicts.compare("cut", 25.0, text, inferred, [worse])
    assert worse.text_visits == 5 and worse.matched == 5
    assert worse.boundary_ok == 4  # the last visit ends earlier


def test_a_session_played_live_is_cut_and_judged_as_the_file_and_stored_so():
    conv = Generator(lexicon.load(), seed=5).session("police", 5)
    scorer = Scorer.load("police")
    heard = scorer.score([replace(u, visit=None, role_confidence=0.9) for u in conv.utterances],
                         window="police")  # one pickup's lines: visits from speech
    live, misplaced, _ = verdicts.played(scorer, heard)
    assert [v.utterances for v in live.visits] == [v.utterances for v in heard.visits]
    assert len(live.visits) == 5 and misplaced == 0
    figures = verdicts.Figures()
    verdicts.compare("live", 25.0, heard, live, [figures])
    assert figures.as_dict()["agreement"]["verdict"] == 1.0


def _rms(samples) -> float:
    return float(np.sqrt(np.mean(samples ** 2)))


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


def test_a_kept_recognition_replays_the_same_lines_without_decoding(engine, tmp_path):
    """What `verdicts --heard` replays is what the recogniser heard; other pieces of speech
    (here the voice detector told to hold speech longer) stop the replay."""
    sample = SAMPLES / "hospital_taboo.flac"
    recorded = heard.Heard.of(engine, tmp_path, sample)
    first = transcribe(sources.read_file(sample, ("mixed",)), Transcriber(recorded))
    recorded.finish()
    assert first and not recorded.replaying

    class Deaf(type(engine)):  # the engine's decoder, but no stream to decode with
        def __init__(self):
            self.__dict__.update(engine.__dict__)

        def stream(self, role):
            raise AssertionError("a replay decoded speech")

    replayed = heard.Heard.of(Deaf(), tmp_path, sample)
    assert replayed.replaying
    again = transcribe(sources.read_file(sample, ("mixed",)), Transcriber(replayed))
    replayed.finish()
    assert again == first
    stale = heard.Heard.of(Deaf(), tmp_path, sample)
    with pytest.raises(SystemExit, match="stale recording"):
        transcribe(sources.read_file(sample, ("mixed",)),
                   Transcriber(stale, VadOptions(hangover_s=1.5)))


def test_partial_results_and_second_readings_are_kept_and_replayed(engine, tmp_path):
    """`verdicts --live listen`: what a monitor asks (partial results, a segment read twice
    near a taboo) kept apart from the whole file's recording, and replayed the same."""
    sample = SAMPLES / "hospital_taboo.flac"

    def heard_live(ear):
        return transcribe(sources.read_file(sample, ("mixed",)), Transcriber(ear, partials=True))

    recorded = heard.Heard.of(engine, tmp_path, sample, "-listen")
    first = heard_live(recorded)
    recorded.finish()
    assert any(u.partial for u in first) and any(not u.partial for u in first)
    assert [p.name.endswith("-listen.pickle") for p in tmp_path.iterdir()] == [True]
    assert any(what[0] in ("first", "again") for what, _ in recorded._log)
    replayed = heard.Heard.of(engine, tmp_path, sample, "-listen")
    assert replayed.replaying and heard_live(replayed) == first
    replayed.finish()


def test_a_session_judged_alone_is_the_session_judged_among_all(tmp_path, monkeypatch):
    """`--only s03` renders s03 alone, and it must be the s03 of the whole run: the same
    lines, voices and silences (speech stands in as one second of silence a line here)."""
    monkeypatch.setattr(verdicts, "CACHE", tmp_path)
    monkeypatch.setattr(verdicts, "speech", lambda text, voice: np.zeros(render.RATE, np.float32))
    monkeypatch.setattr(verdicts, "write_wav", lambda path, audio: None)
    every = verdicts.build(verdicts.BenchOptions(sessions=4, visits=2), log=lambda *a: None)
    alone = verdicts.build(verdicts.BenchOptions(sessions=4, visits=2, only=("s03",)),
                           log=lambda *a: None)
    assert [r.name for r in alone] == ["s03-bank"]
    assert alone[0].utterances == every[2].utterances
    assert alone[0].staff_voice == every[2].staff_voice and alone[0].path == every[2].path
