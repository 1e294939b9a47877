"""A red light in the moment: speech judged while it is spoken, confirmed or corrected at its
end, and what is printed live is what is stored (or marked 暂定)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, SAMPLES, sherpa_model
from monitor import asr, lexicon, sources
from monitor.alerts import LightMachine, LightOptions, Lights
from monitor.audio import Transcriber
from monitor.commands.scoring import light_line, live_line
from monitor.config import WindowConfig
from monitor.listen import Monitor
from monitor.recordings import RetentionOptions
from monitor.live import LiveSession
from monitor.pipeline import Scorer
from monitor.records import Utterance, Word
from monitor.storage import Store
from monitor.vocabulary import verdict_label

AT = datetime(2026, 11, 20, 9, 0).astimezone()


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


def _render(tmp_path: Path) -> tuple[Path, float]:
    """材料我刚才已经说了一遍，你有完没完，把身份证和户口本都拿过来 (espeak +m3): one
    utterance, the taboo in its middle; returns the file and where the taboo ends."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make sysdeps)")
    import soxr

    pieces = []
    for text in ("材料我刚才已经说了一遍", "你有完没完", "把身份证和户口本都拿过来"):
        with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
            subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin+m3", "-w", raw.name, text],
                           check=True, capture_output=True)
            samples, rate = sf.read(raw.name, dtype="float32")
        samples = soxr.resample(samples, rate, RATE).astype(np.float32)
        loud = np.flatnonzero(np.abs(samples) > 0.01)
        pieces.append(samples[loud[0]:loud[-1] + 1])
    gap = np.zeros(round(0.05 * RATE), np.float32)
    silence = np.zeros(RATE, np.float32)
    audio = np.concatenate([silence, pieces[0], gap, pieces[1], gap, pieces[2], silence])
    path = tmp_path / "line.wav"
    sf.write(path, audio, RATE)
    return path, (len(silence) + len(pieces[0]) + len(gap) + len(pieces[1])) / RATE


def test_a_taboo_mid_utterance_lights_red_before_the_speaker_stops(tmp_path, engine):
    path, taboo_end = _render(tmp_path)
    store = Store(tmp_path / "m.db")
    session = LiveSession(Scorer.load("general"), store, window="W1", started_at=AT)
    lights = Lights.for_store(store)
    transcriber = Transcriber(engine, partials=True)
    red_at = final = None
    for chunk in sources.read_file(path, ("staff",)):
        arrived = chunk.start + len(chunk.samples) / RATE
        for utterance in transcriber.feed(chunk):
            if not utterance.partial:
                final = utterance
            for update in session.feed(utterance):
                if any(e.state == "red" for e in lights.update(update)) and red_at is None:
                    red_at = arrived
                    assert update.partial and update.provisional[0].rule == "taboo"
    lights.close()
    assert final is not None and red_at is not None
    assert taboo_end < red_at < final.end - 1.0  # red while the rest of the line is spoken
    assert red_at - taboo_end <= 0.7
    assert lights.machine.withdrawn == 0
    [red] = [e for e in store.light_events() if e.state == "red"]  # confirmed: one red
    assert red.rule == "taboo" and "你有完没完" in red.detail


def _heard(start: float, text: str, partial: bool) -> Utterance:
    """What a recogniser gives for `text` said from `start`, 0.25 s a character."""
    words = tuple(Word(c, start + 0.25 * n, start + 0.25 * (n + 1)) for n, c in enumerate(text))
    return Utterance(start, words[-1].end, "staff", text=text, words=words, partial=partial,
                     heard_by="vosk")


def _said(session: LiveSession, machine: LightMachine, text: str, start: float = 0.0):
    """The line heard character by character, then as a whole: the light changes, with the
    session time they happened."""
    changes = []
    for n in range(1, len(text)):
        for update in session.feed(_heard(start, text[:n], partial=True)):
            changes += [(e, update.now) for e in machine.update(update)]
    for update in session.feed(_heard(start, text, partial=False)):
        changes += [(e, update.now) for e in machine.update(update)]
    return changes


def test_an_exception_still_being_said_never_turns_the_light_red(db_path):
    """急什么 could still become 急什么时候 (an exception): red waits until the syllables
    after it rule that out, so the polite sentence never flashes red."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    changes = _said(session, machine, "急什么时候能办好")
    assert [e.state for e, _ in changes] == ["green"] and machine.withdrawn == 0
    rude = _said(session, machine, "急什么你等着", start=6.0)
    [(red, when)] = [(e, t) for e, t in rude if e.state == "red"]
    assert when == 6.0 + 0.25 * len("急什么你")  # one syllable after it: not 急什么时候
    assert machine.withdrawn == 0


def _pinyin(start: float, pinyin: str, partial: bool) -> Utterance:
    """What sherpa gives for `pinyin` said from `start`, 0.25 s a syllable (the last may be
    an initial alone, a syllable begun)."""
    words = tuple(Word(s, start + 0.25 * n, start + 0.25 * (n + 1))
                  for n, s in enumerate(pinyin.split()))
    return Utterance(start, words[-1].end, "staff", pinyin=pinyin, words=words,
                     partial=partial, heard_by="sherpa")


def test_a_syllable_begun_after_a_phrase_rules_out_only_the_exceptions_it_cannot_begin(db_path):
    """神经病 may still become 神经病学 (an exception): a partial result ending on x, 学's
    initial, keeps the light green; ch (重新…) can begin none of its exceptions: red."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()

    def heard(start: float, pinyin: str) -> list[str]:
        said = pinyin.split()
        states = []
        for n in range(1, len(said) + 1):
            for update in session.feed(_pinyin(start, " ".join(said[:n]), partial=True)):
                states += [e.state for e in machine.update(update)]
        return states

    assert "red" not in heard(0.0, "tā xué de shì shén jīng bìng x")
    assert "red" not in heard(0.0, "tā xué de shì shén jīng bìng xué")
    session.feed(_pinyin(0.0, "tā xué de shì shén jīng bìng xué", partial=False))
    assert heard(6.0, "shén jīng bìng ch")[-1:] == ["red"]


def test_a_provisional_red_the_whole_utterance_does_not_confirm_is_withdrawn_once(db_path):
    """A recogniser that revises its guess (vosk's partial results): the red it caused is
    taken back as one stored change, counted, never flickering back."""
    store = Store(db_path)
    session = LiveSession(Scorer.load("general"), store, window="W1", started_at=AT)
    machine = LightMachine(LightOptions(red_hold_s=0, ack_required=False),
                           record=store.add_light_event)
    for update in session.feed(_heard(0.0, "你烦不烦后面", partial=True)):
        machine.update(update)
    assert machine.state("W1") == "red"
    machine.tick(AT.replace(hour=10))  # a provisional red is held until the final judgement
    assert machine.state("W1") == "red"
    for update in session.feed(_heard(0.0, "您翻一下后面", partial=False)):
        machine.update(update)
    states = [(e.previous, e.state) for e in store.light_events()]
    assert states == [("off", "red"), ("red", "green")] and machine.withdrawn == 1
    assert store.light_events()[-1].detail.startswith("撤回红灯")


def test_listen_prints_what_it_stores_or_marks_it_provisional(tmp_path, engine):
    store = Store(tmp_path / "l.db")
    printed, lights_printed = [], []
    monitor = Monitor([WindowConfig("W2", SAMPLES / "hospital_taboo.flac", profile="hospital")],
                      engine, store, RetentionOptions(keep="none"),
                      lights=LightOptions(), on_update=printed.append,
                      on_light=lambda events: lights_printed.extend(events))
    monitor.run(lambda: False)
    monitor.lights.close()
    partial = [u for u in printed if u.partial]
    assert partial and all("（暂定）" in live_line(u).splitlines()[0] for u in partial)
    assert any(f.rule == "taboo" for u in partial for f in u.provisional)
    final = {}
    for update in printed:
        if not update.partial:
            assert "（暂定）" not in live_line(update)
            final[update.visit.id] = update.visit
    stored = {row["id"]: row for row in store.db["visits"].rows}
    assert set(final) == set(stored)
    for visit_id, visit in final.items():
        assert (visit.score, visit.verdict) == (stored[visit_id]["score"],
                                                stored[visit_id]["verdict"])
        rules = sorted(r["rule"] for r in store.db["findings"].rows_where("visit = ?", [visit_id]))
        assert sorted(f.rule for f in visit.findings) == rules
    assert [light_line(e) for e in lights_printed] == \
        [light_line(e) for e in store.light_events()]


def test_speech_that_comes_to_nothing_takes_back_its_provisional_red(db_path):
    """A segment whose partial result vanished (the final result is empty) ends with an
    empty partial utterance: the red it raised is withdrawn, nothing is left pending."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    for update in session.feed(_heard(0.0, "你烦不烦后面", partial=True)):
        machine.update(update)
    assert machine.state("W1") == "red"
    nothing = Utterance(0.0, 2.0, "staff", partial=True, heard_by="vosk")
    for update in session.feed(nothing) + session.tick(3.0):
        machine.update(update)
    assert not session.partials and machine.withdrawn == 1 and machine.state("W1") == "off"


def _light_states(session, machine, utterances, ticks=()):
    events = []
    for item in sorted([(u.end, 0, u) for u in utterances] + [(t, 1, t) for t in ticks],
                       key=lambda x: (x[0], x[1])):
        updates = session.tick(item[2]) if item[1] else session.feed(item[2])
        for update in updates:
            events += [(e.state, update.partial) for e in machine.update(update)]
    return events


def _part(start: float, text: str, sure: float, partial: bool = True,
          role: str = "staff") -> Utterance:
    """A part of one pickup's result: its role told `sure` (0.5: unsure)."""
    heard = _heard(start, text, partial)
    return Utterance(start, heard.end, role, text=text, words=heard.words, partial=partial,
                     heard_by="vosk", role_confidence=sure)


def test_one_pickups_phrase_told_on_its_own_frames_stays_red_while_the_line_goes_on(db_path):
    """One pickup: a partial result comes cut where the speaker changes, and a taboo told
    staff on its own frames is a part between two unsure parts of the same role. It turns
    the light red and stays red as the line goes on (a part per role kept only the last:
    the red was withdrawn and shown again at every partial result), and words a later
    result gives the other role are no longer held as this one's (its red is withdrawn)."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    before, taboo = "这个问题刚才已经回答过", "你聋了吗"
    after = "说了要先在网上预约才行"

    def result(said_after: int) -> list[Utterance]:
        return [_part(0.0, before, 0.5), _part(2.75, taboo, 1.0),
                _part(3.75, after[:said_after], 0.5)]
    states = _light_states(session, machine, result(2) + result(5) + result(9))
    assert states == [("red", True)] and machine.withdrawn == 0
    assert [p[0].text for p in session.partials] == [before, taboo, after[:9]]
    moved = _part(2.5, "过你聋了吗说了要先在网上预约", 0.5, role="customer")
    for update in session.feed(moved):
        machine.update(update)
    assert [(p[0].role, p[0].text) for p in session.partials] == [
        ("staff", before), ("customer", moved.text)]
    assert machine.withdrawn == 1  # the customer's words now: not the staff's taboo


def _customer(start, end, text):
    return Utterance(start, end, "customer", text=text)


def test_speech_clears_a_warning_it_resolves_at_once_and_never_flickers(db_path):
    """Staff back after 请稍等 with 让您久等了: the waiting warning clears while they speak.
    Staff back without having asked the customer to wait: the wait is over but was too
    long, so the light stays yellow (no green flash before the final judgement)."""
    asked = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    said = [_heard(0.0, "您好请稍等", False), _customer(2.0, 3.0, "好的")]
    back = "让您久等了您的业务办好了"
    partials = [_heard(65.0, back[:n], True) for n in range(2, len(back))]
    states = _light_states(asked, machine, said + partials + [_heard(65.0, back, False)],
                           ticks=(64.0,))
    assert states == [("green", False), ("yellow", False), ("green", True)]  # while speaking
    assert asked.partials == []

    silent = LiveSession(Scorer.load("general"), Store(db_path), window="W2", started_at=AT)
    machine = LightMachine()
    said = [_heard(0.0, "您好", False), _customer(2.0, 3.0, "我办社保卡")]
    back = "您的社保卡办好了"
    partials = [_heard(26.0, back[:n], True) for n in range(2, len(back))]
    states = _light_states(silent, machine, said + partials + [_heard(26.0, back, False)],
                           ticks=(24.0,))
    assert [state for state, _ in states] == ["green", "yellow"]


def test_play_prints_what_it_stores(run, db_path):
    from .conftest import ROOT

    result = run("play", ROOT / "audio" / "utility_day.jsonl", "--window", "W05",
                 "--db", db_path, "--at", "2026-11-20T09:00")
    assert result.exit_code == 0, result.stderr
    store = Store(db_path)
    ended = [line.split()[2:7] for line in result.stdout.splitlines() if " 结束 " in line]
    stored = [[row["id"].rsplit("-", 1)[-1], "结束", "得分", f"{row['score']:.0f}",
               verdict_label(row["verdict"])]
              for row in store.db["visits"].rows_where(order_by="start")]
    assert ended == stored and len(stored) == 2
    assert "（暂定）" not in result.stdout  # a transcript has no speech still going on
    lights = [line for line in result.stdout.splitlines() if line.startswith("    提示灯 ")]
    assert lights == [light_line(e) for e in store.light_events()]
