"""A red light in the moment: speech judged while it is spoken, confirmed or corrected at its
end, and what is printed live is what is stored (or marked 暂定)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import replace
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
from monitor.matching import initial
from monitor.pipeline import Scorer
from monitor.records import Utterance, Word
from monitor.storage import Store
from monitor.vocabulary import verdict_label

AT = datetime(2026, 11, 20, 9, 0).astimezone()


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


def _espeak(text: str, variant: str) -> np.ndarray:
    """`text` said by espeak-ng's Mandarin voice `variant`, 16 kHz, its own silence cut."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make sysdeps)")
    import soxr

    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(["espeak-ng", "-v", f"cmn-latn-pinyin{variant}", "-w", raw.name, text],
                       check=True, capture_output=True)
        samples, rate = sf.read(raw.name, dtype="float32")
    samples = soxr.resample(samples, rate, RATE).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0]:loud[-1] + 1]


def _render(tmp_path: Path) -> tuple[Path, float]:
    """材料我刚才已经说了一遍，你有完没完，把身份证和户口本都拿过来 (espeak +m3): one
    utterance, the taboo in its middle; returns the file and where the taboo ends."""
    pieces = [_espeak(text, "+m3") for text in ("材料我刚才已经说了一遍", "你有完没完",
                                                 "把身份证和户口本都拿过来")]
    gap = np.zeros(round(0.05 * RATE), np.float32)
    silence = np.zeros(RATE, np.float32)
    audio = np.concatenate([silence, pieces[0], gap, pieces[1], gap, pieces[2], silence])
    path = tmp_path / "line.wav"
    sf.write(path, audio, RATE)
    return path, (len(silence) + len(pieces[0]) + len(gap) + len(pieces[1])) / RATE


def _heard_live(path: Path, store: Store, engine):
    """The file heard live: the first red (the audio's time its block arrived, the update
    and the utterance that turned it), the first final result (its block's time and
    itself), and the lights."""
    session = LiveSession(Scorer.load("general"), store, window="W1", started_at=AT)
    lights = Lights.for_store(store)
    transcriber = Transcriber(engine, partials=True)
    red = final = None
    for chunk in sources.read_file(path, ("staff",)):
        arrived = chunk.start + len(chunk.samples) / RATE
        for utterance in transcriber.feed(chunk):
            if final is None and not utterance.partial:
                final = (arrived, utterance)
            for update in session.feed(utterance):
                if any(e.state == "red" for e in lights.update(update)) and red is None:
                    red = (arrived, update, utterance)
    lights.close()
    return red, final, lights


def test_a_taboo_mid_utterance_lights_red_before_the_speaker_stops(tmp_path, engine):
    path, taboo_end = _render(tmp_path)
    store = Store(tmp_path / "m.db")
    red, final, lights = _heard_live(path, store, engine)
    assert final is not None and red is not None
    red_at, update, _ = red
    assert update.partial and update.provisional[0].rule == "taboo"
    assert taboo_end < red_at < final[1].end - 1.0  # red while the rest of the line is spoken
    assert red_at - taboo_end <= 0.7
    assert lights.machine.withdrawn == 0
    [red] = [e for e in store.light_events() if e.state == "red"]  # confirmed: one red
    assert red.rule == "taboo" and "你有完没完" in red.detail


def test_a_taboo_ending_the_line_is_red_before_its_segment_ends(tmp_path, engine):
    """材料我说了你急什么 and silence (espeak +m1): no syllable after 急什么 to rule out
    急什么时候, but the voice pauses; the red shows once the recogniser has read into the
    pause, before the voice detector ends the segment (0.6 s without voice) and the final
    result comes; the partial result that turned it red says where the pause is."""
    line = _espeak("材料我说了你急什么", "+m1")
    path = tmp_path / "end.wav"
    sf.write(path, np.concatenate([np.zeros(RATE, np.float32), line,
                                   np.zeros(2 * RATE, np.float32)]), RATE)
    said_to = 1.0 + len(line) / RATE
    red, final, lights = _heard_live(path, Store(tmp_path / "e.db"), engine)
    assert red is not None and final is not None
    red_at, _, utterance = red
    assert "jí shén me" in utterance.pinyin and utterance.partial
    assert red_at < final[0] and red_at - said_to < 0.6
    assert said_to < utterance.paused_at < red_at
    assert lights.machine.withdrawn == 0


def test_a_phrase_an_exception_may_continue_is_read_again_half_a_step_apart(tmp_path, engine):
    """我这边系统正在更新，急什么，您在旁边的椅子上坐一会儿 said at once (espeak +m3): once
    急什么 is heard, greedy search also reads the segment half a decoding step apart, and
    partial results carry what that reading placed after their last whole syllable, and
    not that syllable again; a final result carries none."""
    pieces = [_espeak(text, "+m3") for text in ("我这边系统正在更新", "急什么",
                                                 "您在旁边的椅子上坐一会儿")]
    gap = np.zeros(round(0.05 * RATE), np.float32)
    silence = np.zeros(RATE, np.float32)
    path = tmp_path / "on.wav"
    sf.write(path, np.concatenate([silence, pieces[0], gap, pieces[1], gap, pieces[2],
                                   silence]), RATE)
    transcriber = Transcriber(engine, partials=True)
    ahead, finals = [], []
    for chunk in sources.read_file(path, ("staff",)):
        arrived = chunk.start + len(chunk.samples) / RATE
        for utterance in transcriber.feed(chunk):
            (ahead if utterance.partial else finals).append((arrived, utterance))
    ahead = [(at, u) for at, u in ahead if u.ahead]
    assert ahead and finals and not any(u.ahead for _, u in finals)
    for arrived, utterance in ahead:
        last = [w for w in utterance.words if initial(w.text) != w.text][-1]
        assert all(last.start + 0.1 < w.start < arrived for w in utterance.ahead)


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


def _states(session: LiveSession, machine: LightMachine, said: list[Utterance]) -> list[str]:
    return [e.state for u in said for update in session.feed(u) for e in machine.update(update)]


def test_a_phrase_followed_by_a_pause_is_red_at_once(db_path):
    """神经病 and 急什么 said at a line's end: nothing follows them, so the red shows as soon
    as the voice has paused after them (`paused_at`, the recogniser having read into the
    pause), not when the segment ends; it stays red while the voice goes on after it."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    line = "nín de hào guò le shén jīng bìng"  # bìng said 1.75-2.0 s
    assert "red" not in _states(session, machine, [_pinyin(0.0, line, partial=True)])
    paused = replace(_pinyin(0.0, line, partial=True), paused_at=2.3)
    assert _states(session, machine, [paused]) == ["red"]
    on = replace(_pinyin(0.0, line + " chóng x", partial=True), paused_at=2.3)
    assert _states(session, machine, [on]) == []  # red still, not withdrawn and shown again
    assert machine.state("W1") == "red" and machine.withdrawn == 0
    _states(session, machine, [_pinyin(0.0, line + " chóng xīn", partial=False)])
    asked = _pinyin(6.0, "nǐ jí shén me", partial=True)  # me said 6.75-7.0 s
    assert "red" not in _states(session, machine, [asked])  # 急什么时候 still may be said
    assert "red" in _states(session, machine, [replace(asked, paused_at=7.2)])
    assert machine.withdrawn == 0


def test_an_exception_said_before_a_pause_never_turns_the_light_red(db_path):
    """The pause counts only after the phrase's last syllable, and only what was placed
    before it: 神经病学 whole before the pause is the exception; 神经病 x… (学 begun) before
    it rules nothing out; a pause before 病 says nothing of what follows 病."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    said = "wǒ dú de shì shén jīng bìng xué".split()  # xué 1.75-2.0 s
    heard = [_pinyin(0.0, " ".join(said[:n]), partial=True) for n in range(1, len(said) + 1)]
    assert "red" not in _states(session, machine, heard + [replace(heard[-1], paused_at=2.3)])
    begun = replace(_pinyin(0.0, "wǒ dú de shì shén jīng bìng x", partial=True), paused_at=2.3)
    assert "red" not in _states(session, machine, [begun])
    early = replace(_pinyin(0.0, "wǒ dú de shì shén jīng bìng", partial=True), paused_at=1.45)
    assert "red" not in _states(session, machine, [early])
    assert machine.withdrawn == 0


def _ahead(utterance: Utterance, pinyin: str) -> Utterance:
    """`utterance` with `pinyin` read further by the second reading half a step apart, 0.25 s
    a syllable from its last word's start on (its last whole syllable's copy there)."""
    last = [w for w in utterance.words if initial(w.text) != w.text][-1].start
    return replace(utterance, ahead=tuple(Word(s, last + 0.25 * n, last + 0.25 * (n + 1))
                                          for n, s in enumerate(pinyin.split(), 1)))


def test_syllables_read_further_rule_out_an_exception_as_the_words_would(db_path):
    """The reading half a step apart (`Utterance.ahead`) places the syllable after a phrase
    sooner: one no exception begins with (神经病 重…, 急什么 您…) turns the light red before
    greedy search has it; 学 or x… (神经病学) never does, nor an initial alone in the words
    that the further reading hears as 学; and what is read further is never matched."""
    session = LiveSession(Scorer.load("general"), Store(db_path), window="W1", started_at=AT)
    machine = LightMachine()
    line = _pinyin(0.0, "wǒ dú de shì shén jīng bìng", partial=True)
    assert "red" not in _states(session, machine, [line, _ahead(line, "xué")])
    assert "red" not in _states(session, machine, [_ahead(line, "x")])
    begun = _pinyin(0.0, "wǒ dú de shì shén jīng bìng x", partial=True)
    assert "red" not in _states(session, machine, [_ahead(begun, "xué zhuān")])
    _states(session, machine, [_pinyin(0.0, "wǒ dú de shì shén jīng bìng xué", partial=False)])
    said = _pinyin(6.0, "nín de hào guò le shén jīng bìng", partial=True)
    assert "red" not in _states(session, machine, [said])
    assert _states(session, machine, [_ahead(said, "chóng x")]) == ["red"]
    assert machine.withdrawn == 0
    _states(session, machine, [_pinyin(6.0, "nín de hào guò le shén jīng bìng chóng xīn",
                                       partial=False)])
    asked = _pinyin(12.0, "nǐ jí shén me", partial=True)
    assert "red" in _states(session, machine, [asked, _ahead(asked, "n")])
    _states(session, machine, [_pinyin(12.0, "nǐ jí shén me nín", partial=False)])
    quiet = _pinyin(18.0, "hǎo de", partial=True)
    assert "red" not in _states(session, machine, [_ahead(quiet, "tā mā de")])
    assert machine.withdrawn == 0


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
