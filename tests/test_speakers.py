"""One pickup, two voices (issue 20): the mixed channel, speaker turns, voice profiles."""
from __future__ import annotations

import math
import sqlite3
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from audio_support import RATE, noise, speak, tone
from monitor import accounts, lexicon, sources, voices
from monitor.central import outbox
from monitor.cli import cli
from monitor.errors import ConfigError, InputError
from monitor.records import AudioChunk, PhraseHit, Utterance, Word
from monitor.speakers import (RoleCues, SpeakerOptions, Tracker, Turn, Voice,
                             default_cues, features, said_at, speech_frames, split)
from monitor.storage import Store
from monitor.vad import Vad

STAFF_LINES = ["您好，请问您办理什么业务", "请您先填一下这张表格", "身份证请给我看一下",
               "这个需要本人签字确认", "好的，您稍等一下，我查一下系统", "今天的手续已经办好了",
               "请拿好您的材料，慢走", "下一位请到三号窗口", "您的预约号是多少",
               "这里签个名就可以了", "费用一共是二十元", "请在这边刷卡"]
CUSTOMER_LINES = ["我想办一下社保卡", "需要带户口本吗", "我上次来过一次", "这个表格怎么填",
                  "好的谢谢你", "大概要等多久"]
STAFF_VOICE = {"variant": "+m3", "pitch": 40}
CUSTOMER_VOICE = {"variant": "+f2", "pitch": 60}


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """espeak-ng speech of a staff voice and a customer voice, line by line."""
    folder = tmp_path_factory.mktemp("voices")

    def render(texts, voice, name):
        return [sf.read(speak(t, folder / f"{name}{n}.wav", **voice), dtype="float32")[0]
                for n, t in enumerate(texts)]
    return {"staff": render(STAFF_LINES, STAFF_VOICE, "s"),
            "customer": render(CUSTOMER_LINES, CUSTOMER_VOICE, "c")}


def _far(samples: np.ndarray, db: float = -6.0) -> np.ndarray:
    """A customer further from the pickup: quieter and duller."""
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    duller = np.fft.irfft(spectrum / np.sqrt(1 + (freqs / 3500) ** 2), n=len(samples))
    return (duller * 10 ** (db / 20)).astype(np.float32)


def test_mixed_is_one_channel_holding_both_voices(tmp_path):
    assert sources.parse_channels("mixed") == ("mixed",)
    with pytest.raises(ConfigError, match="mixed stands alone"):
        sources.parse_channels("mixed,customer")
    stereo = np.stack([tone(1.0, -20), tone(1.0, -30, 300)], axis=1)
    sf.write(tmp_path / "two.wav", stereo, RATE)
    chunks = list(sources.read_file(tmp_path / "two.wav", ("mixed",)))
    assert {c.role for c in chunks} == {"mixed"}
    heard = np.concatenate([c.samples for c in chunks])
    assert np.allclose(heard, stereo.mean(axis=1), atol=1e-4)


def test_a_window_in_hall_toml_may_be_mixed(tmp_path):
    from monitor import config

    path = tmp_path / "hall.toml"
    path.write_text('[windows.W01]\ndevice = "pulse"\nchannels = "mixed"\nstaff = "S07"\n',
                    encoding="utf-8")
    assert config.load(path).windows["W01"].channels == ("mixed",)
    path.write_text('[windows.W01]\nchannels = "mixed,staff"\n', encoding="utf-8")
    with pytest.raises(InputError, match="channels"):
        config.load(path)


def test_features_hear_the_pitch_of_a_voice():
    t = np.arange(RATE) / RATE
    voiced = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 6)).astype(np.float32)
    rows = features(0.1 * voiced)
    assert len(rows) == 1 + (RATE - 512) // 160
    assert abs(np.exp(np.nanmedian(rows[:, -2])) - 180) < 10
    assert np.isnan(features(noise(1.0, -30))[:, -2]).mean() > 0.8  # noise has no pitch


def _session(lines, gap_s=0.4):
    """Staff and customer in turn (a gap shorter than the VAD's hangover, so a turn change
    falls inside one speech segment), with the true role of every sample."""
    parts, truth = [], []
    for n in range(6):
        for role, pool in (("staff", lines["staff"][6:]), ("customer", lines["customer"])):
            said = pool[n % len(pool)]
            said = _far(said) if role == "customer" else said
            parts += [np.zeros(int(gap_s * RATE), np.float32), said]
            truth += [None] * int(gap_s * RATE) + [role] * len(said)
    audio = np.concatenate(parts) + noise(len(truth) / RATE, -65)
    return audio, np.array(truth, object)


def _roles(tracker: Tracker, audio: np.ndarray) -> tuple[np.ndarray, int]:
    """The roles heard for every sample, through the live path's VAD; and how many speech
    segments held more than one turn."""
    heard = np.array([None] * len(audio), object)
    vad, split_segments = Vad("mixed"), 0
    for at in range(0, len(audio) + 1600, 1600):
        chunk = AudioChunk("mixed", audio[at:at + 1600], at / RATE)
        tracker.listen(chunk.samples, chunk.start)
        for piece in vad.feed(chunk) if len(chunk.samples) else vad.flush():
            if piece.final:
                end = piece.start + len(piece.samples) / RATE
                tracker.remember(piece.segment_start, end)
                turns = tracker.turns(piece.segment_start, end)
                split_segments += len(turns) > 1
                for turn in turns:
                    heard[int(turn.start * RATE):int(turn.end * RATE)] = \
                        turn.decided(0.0, tracker.options)[0]
    return heard, split_segments


def test_an_enrolled_voice_tells_staff_from_customer_and_cuts_at_the_change(lines):
    enrolment = Voice.of(speech_frames(features(np.concatenate(lines["staff"][:6]))))
    audio, truth = _session(lines)
    heard, split_segments = _roles(Tracker(enrolment), audio)
    speech = truth != None  # noqa: E711 (elementwise)
    error = np.mean(heard[speech] != truth[speech])
    assert error < 0.1, f"role error {error:.3f} of speech time"
    assert split_segments >= 3  # turns without a pause were cut, not judged as one voice


def test_without_a_profile_the_staff_voice_is_learned_from_what_staff_say(lines):
    tracker = Tracker()
    greeting = lines["staff"][0]  # 您好，请问您办理什么业务: the staff's words
    tracker.listen(np.concatenate([greeting, np.zeros(RATE, np.float32)]), 0.0)
    end = len(greeting) / RATE
    tracker.remember(0.0, end)
    [turn] = tracker.turns(0.0, end)
    assert turn.logit == 0.0  # no voice known yet: the words alone give a lean, no more
    line = Utterance(0.0, end, "staff", pinyin="nin hao qing wen nin ban li shen me ye wu",
                     heard_by="sherpa")
    [part] = split(line, [turn], tracker.options, tracker.cues)
    assert part.role == "staff" and 0.5 < part.role_confidence < 0.8
    tracker.learn([part])
    assert tracker.staff is not None and tracker.learned and tracker.changed


def test_words_move_an_unsure_voice_but_never_decide_against_a_sure_one():
    options = SpeakerOptions()
    unsure, sure = Turn(0, 1, -0.3), Turn(0, 1, -4.0)
    assert unsure.decided(1.0, options)[0] == "staff"
    role, confidence = sure.decided(1.0, options)
    assert role == "customer" and confidence > 0.9


@pytest.mark.parametrize("said, hint", [
    ("nin hao qing wen nin ban li shen me ye wu", 1.0),  # the greeting's question: staff
    ("qing shao deng wo kan yi xia", 1.0),  # a wait announced
    ("wo xiang ban yi xia shen fen zheng", -1.0),  # what the customer came for
    ("ni men zhe li zhen fan", -1.0),  # the counter called "you"
    ("hao de xie xie", -1.0),  # a customer's thanks
    ("xie xie nin de pei he zai jian", 1.0),  # 谢谢 inside a staff farewell is the farewell
    ("ni hao wo xiang wen yi xia", -1.0),  # 你好 is anybody's
    ("qing shao deng wo xiang ban", 0.0),  # both: no lean
    ("zhe ge biao tian yi xia", 0.0),  # neither
])
def test_words_only_one_role_says_come_from_the_lexicon(said, hint):
    assert default_cues().hint(Utterance(0, 1, "mixed", pinyin=said, heard_by="sherpa")) == hint


def test_a_hall_lexicon_says_who_says_what(tmp_path):
    (tmp_path / "greeting.toml").write_text(
        '[lexicon]\nkind = "greeting"\ndescription = "迎声"\nsaid_by = "staff"\n\n'
        '[[phrases]]\ntext = "您好"\nsaid_by = "either"\n\n[[phrases]]\ntext = "欢迎光临"\n',
        encoding="utf-8")
    cues = RoleCues.of(lexicon.load(tmp_path))
    assert cues.forms == ((" huan ying guang lin ", 1),)
    (tmp_path / "greeting.toml").write_text(
        '[lexicon]\nkind = "greeting"\ndescription = "迎声"\nsaid_by = "clerk"\n\n'
        '[[phrases]]\ntext = "您好"\n', encoding="utf-8")
    with pytest.raises(InputError, match="said_by") as raised:
        lexicon.load(tmp_path)
    assert "greeting.toml 第 4 行" in str(raised.value)


def test_an_utterance_is_split_at_the_speaker_change_with_its_words():
    words = tuple(Word(s, 0.2 * n, 0.2 * n + 0.2) for n, s in enumerate(
        "qing wen nin ban li shen me ye wu wo xiang ban she bao ka".split()))
    line = Utterance(0.0, 3.2, "mixed", pinyin=" ".join(w.text for w in words), words=words,
                     heard_by="sherpa")
    parts = split(line, [Turn(0.0, 1.8, 3.0), Turn(1.8, 3.2, -3.0)], SpeakerOptions(),
                  default_cues(), decode=lambda syllables: "".join(syllables))
    assert [p.role for p in parts] == ["staff", "customer"]
    assert parts[0].pinyin == "qing wen nin ban li shen me ye wu"
    assert parts[1].pinyin == "wo xiang ban she bao ka" and parts[1].text == "woxiangbanshebaoka"
    assert all(p.role_confidence > 0.9 for p in parts)


def test_a_profile_is_numbers_only_and_round_trips(lines):
    voice = voices.voice_of(np.concatenate(lines["staff"]), "enrol.wav")
    again = Voice.from_dict(voice.as_dict())
    rows = speech_frames(features(lines["staff"][7]))
    assert np.allclose(voice.loglik(rows), again.loglik(rows), atol=1e-2)
    assert math.isfinite(voice.floor)


def _wav(path, samples):
    sf.write(path, samples, RATE)
    return path


@pytest.mark.parametrize("what, make, says", [
    ("silence", lambda lines: noise(30, -80), "no speech"),
    ("music", lambda lines: np.concatenate([tone(0.6, -20, f) + tone(0.6, -26, 2 * f)
                                            for f in [220, 262, 294, 330, 392] * 10]), "music"),
    ("two voices", lambda lines: np.concatenate(
        [x for pair in zip(lines["staff"][:6], lines["customer"]) for x in pair]),
     "more than one voice"),
])
def test_enrolment_refuses_what_is_not_one_voice(lines, tmp_path, what, make, says):
    path = _wav(tmp_path / "bad.wav", make(lines))
    store = Store(tmp_path / "hall.db")
    result = CliRunner().invoke(cli, ["staff", "enrol", "S07", "--from", str(path),
                                      "--db", str(tmp_path / "hall.db")])
    assert result.exit_code != 0, what
    assert str(path) in result.output and says in result.output
    assert "Traceback" not in result.output
    assert voices.profiles(store) == [] and store.audit() == []


def test_enrol_list_forget_are_audited(lines, tmp_path):
    path = _wav(tmp_path / "s07.wav", np.concatenate(lines["staff"]))
    db = str(tmp_path / "hall.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["staff", "enrol", "S07", "--from", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["staff", "voices", "--db", db])
    assert "S07" in listed.output and "登记" in listed.output
    stored = voices.load(Store(db), "S07").voice.embedding  # the encoder's, as numbers
    assert stored is not None and stored.shape == (256,)
    assert "已删除" in runner.invoke(cli, ["staff", "forget", "S07", "--db", db]).output
    assert "没有声纹" in runner.invoke(cli, ["staff", "forget", "S07", "--db", db]).output
    store = Store(db)
    assert voices.profiles(store) == []
    assert [(e.action, e.target, e.detail) for e in store.audit()] == [
        ("voice", "S07", "enrol"), ("voice", "S07", "forget")]


def test_a_profile_goes_with_its_staff_account(lines, tmp_path):
    store = Store(tmp_path / "hall.db")
    accounts.add_user(store, "wang", "staff", "a-long-password-1", staff="S07")
    voices.enrol(store, "S07", np.concatenate(lines["staff"]), "s07.wav")
    voices.enrol(store, "S08", np.concatenate(lines["staff"]), "s08.wav")
    accounts.remove(store, "wang", actor="admin")
    assert [p.staff for p in voices.profiles(store)] == ["S08"]
    assert ("voice", "S07", "forget") in [(e.action, e.target, e.detail) for e in store.audit()]


def test_voice_profiles_are_never_shipped_to_the_city(lines, tmp_path):
    assert "voice_profiles" not in outbox.SHIPPED
    store = Store(tmp_path / "hall.db")
    conn = sqlite3.connect(tmp_path / "hall.db")
    outbox.install(conn)
    voices.enrol(store, "S07", np.concatenate(lines["staff"]), "s07.wav")
    noted = {t for (t,) in conn.execute("select tbl from outbox")}
    assert "voice_profiles" not in noted and "audit" in noted  # the enrolment's audit row is


@pytest.mark.slow
def test_a_mixed_recording_is_heard_line_by_line_with_roles_live_and_from_a_file(lines,
                                                                                tmp_path):
    """The real recogniser on one channel holding both voices: every line heard has a role
    and a confidence, partial results too, and the roles follow who spoke."""
    from audio_support import sherpa_model

    from monitor import asr, lexicon
    from monitor.audio import Transcriber, transcribe, transcribe_file

    sherpa_model()
    audio, truth = _session(lines)
    path = _wav(tmp_path / "pickup.wav", audio)
    enrolment = Voice.of(speech_frames(features(np.concatenate(lines["staff"][:6]))))
    engine = asr.create("sherpa", lexicon.load())
    heard = transcribe_file(path, engine, ("mixed",), voice=enrolment)
    assert heard and {u.role for u in heard} == {"staff", "customer"}
    assert all(0.5 <= u.role_confidence <= 1.0 for u in heard)
    right = [u.role == _true_role(truth, u) for u in heard]
    assert sum(right) >= 0.85 * len(right)
    live = transcribe(sources.read_file(path, ("mixed",)),
                      Transcriber(engine, voice=enrolment, partials=True))
    partial = [u for u in live if u.partial]
    assert partial and all(u.role in ("staff", "customer") for u in partial)
    assert [(u.role, u.pinyin) for u in live if not u.partial] == \
        [(u.role, u.pinyin) for u in heard]


def _true_role(truth: np.ndarray, utterance: Utterance) -> str | None:
    said = truth[int(utterance.start * RATE):int(utterance.end * RATE)]
    said = said[said != None]  # noqa: E711 (elementwise)
    return max(set(said), key=list(said).count) if len(said) else None


def test_a_spotted_phrase_is_never_cut_between_two_turns():
    """A change found inside 你聋了吗 (a bad guess of the voice's) must not cut the phrase:
    its words go with it, so the final line still holds what the partial one was judged on."""
    words = tuple(Word(s, 0.25 * n, 0.25 * n + 0.25)
                  for n, s in enumerate("ni long le ma shuo le yao".split()))
    hit = PhraseHit("taboo", "你聋了吗", "你聋了吗", -1, 0.0, 1.0, 100.0, severity="critical")
    line = Utterance(0.0, 1.75, "mixed", pinyin=" ".join(w.text for w in words), words=words,
                     spotted=(hit,), heard_by="sherpa")
    parts = split(line, [Turn(0.0, 0.7, 3.0), Turn(0.7, 1.75, -3.0)], SpeakerOptions(),
                  default_cues())
    assert parts[0].pinyin == "ni long le ma" and parts[0].spotted == (hit,)
    assert parts[1].pinyin == "shuo le yao" and not parts[1].spotted


def test_a_spotted_phrase_goes_with_the_turn_where_its_words_were_heard():
    """The spotter's span is a guess from where decoding had reached, often late: the
    recogniser's own syllables place the phrase, so a staff taboo said just before the
    customer speaks stays the staff's."""
    words = tuple(Word(s, 0.25 * n, 0.25 * n + 0.25)
                  for n, s in enumerate("ni3 fan2 bu4 fan2 wo3 xiang3 wen4".split()))
    late = PhraseHit("taboo", "你烦不烦", "你烦不烦", -1, 0.6, 1.6, 100.0, severity="critical")
    assert said_at(words, late) == (0.0, 1.0)
    assert said_at(words[:3], late) is None  # not (yet) said as the spotter has it
    line = Utterance(0.0, 1.75, "mixed", text="你烦不烦我想问",
                     pinyin=" ".join(w.text for w in words), words=words, spotted=(late,),
                     heard_by="sherpa", partial=True)
    parts = split(line, [Turn(0.0, 1.0, 3.0), Turn(1.0, 1.75, -3.0)], SpeakerOptions(),
                  default_cues())
    assert [(p.role, p.text, p.pinyin, p.spotted) for p in parts] == [
        ("staff", "你烦不烦", "ni3 fan2 bu4 fan2", (late,)),
        ("customer", "我想问", "wo3 xiang3 wen4", ())]


def _both_known_customer_then_staff(staff_s: float) -> Tracker:
    """A tracker that knows both voices here, hearing from 0 s a customer's 2 s and then
    `staff_s` of the staff's voice."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._speech.append((60.0, np.concatenate([_voice_rows(0.0, -20.0, 2000, 2),
                                                  _voice_rows(3.0, -30.0, 1000, 3)])))
    tracker._here = tracker._others()
    tracker._rows.append((0.0, np.concatenate([
        _voice_rows(3.0, -30.0, 200, 4), _voice_rows(0.0, -20.0, round(100 * staff_s), 5)])))
    return tracker


def test_a_phrase_is_told_on_its_own_frames_while_the_run_around_it_is_unsure():
    """A staff taboo right after a customer's line, in one speech segment: while it goes on
    the run holding both is unsure, but the phrase's own frames are the staff's, so it is
    told sure at once (a red then) and kept as told, cut out of the run, which stays unsure
    (it holds the customer's words); the final result decides afresh."""
    tracker = _both_known_customer_then_staff(1.0)
    run = [Turn(0.0, 3.0, 1.0)]  # the voice's run so far: both voices, unsure
    told = tracker.told(0.0, run, final=False, phrases=((2.2, 3.0),))
    assert [(t.start, t.end) for t in told] == [(0.0, 2.2), (2.2, 3.0)]
    assert told[0].decided(0.0, tracker.options) == ("staff", 0.5)
    role, sure = told[1].decided(0.0, tracker.options)
    assert role == "staff" and sure >= tracker.options.firm_at
    moved = tracker.told(0.0, [Turn(0.0, 3.5, -1.0)], final=False)  # the run moves, not it
    assert [(t.start, t.end, t.logit) for t in moved][1] == (2.2, 3.0, told[1].logit)
    assert moved[0].decided(0.0, tracker.options) == ("customer", 0.5)
    assert tracker.judged(0.5, 1.5) < -3  # the customer's words on their own frames
    assert tracker.told(0.0, run, final=True) == run


def test_a_run_told_sure_does_not_take_in_a_phrase_its_own_frames_tell_the_others():
    """A customer's taboo said straight after the staff's words, in one speech segment: the
    staff's run, told sure, took it in and grew over it, and it was the staff's, red, until
    the final result. Judged on its own frames, it is cut out of the run as the customer's,
    whether the run was told sure before it was heard or together with it; the staff's own
    phrase inside the run stays the run's."""
    for earlier in (True, False):
        tracker = _staff_then(_voice_rows(3.0, -30.0, 80, 4))
        if earlier:  # the staff's words alone, told sure
            first = tracker.told(0.0, [Turn(0.0, 2.0, 5.0)], final=False)
            role, sure = first[0].decided(0.0, tracker.options)
            assert role == "staff" and sure >= tracker.options.firm_at
        told = tracker.told(0.0, [Turn(0.0, 2.8, 5.0)], final=False, phrases=((2.0, 2.8),))
        assert [(t.start, t.end) for t in told] == [(0.0, 2.0), (2.0, 2.8)]
        role, sure = told[0].decided(0.0, tracker.options)
        assert role == "staff" and sure >= tracker.options.firm_at
        assert told[1].decided(0.0, tracker.options)[0] == "customer"
        again = tracker.told(0.0, [Turn(0.0, 3.0, 5.0)], final=False, phrases=((2.0, 2.8),))
        assert again[_turn_at(again, 2.4)].decided(0.0, tracker.options)[0] == "customer"
    own = _staff_then(_voice_rows(3.0, -30.0, 80, 4)).told(0.0, [Turn(0.0, 2.8, 5.0)],
                                                           final=False, phrases=((1.0, 1.8),))
    assert [(t.start, t.end, t.phrase) for t in own] == [(0.0, 2.8, False)]


def test_a_phrase_inside_a_run_told_sure_is_judged_with_its_segment_up_to_it():
    """A customer's taboo right after the staff's words, said near the pickup at the staff's
    level by a customer the voices heard before leave unsure (the one known here was
    another): the staff's run, told sure, kept it, red until the final result. Judged
    against the others found again with the segment up to the phrase, it is the
    customer's, cut out of the run; the voices kept for the segment's unsure phrases are not
    made there (made at a phrase inside the run, on less speech, they left a staff taboo
    later in the segment unsure, its red waiting for the segment's end)."""
    tracker = _staff_then(_voice_rows(2.2, -20.0, 80, 4))
    sure = math.log(tracker.options.firm_at / (1 - tracker.options.firm_at))  # a logit
    assert abs(tracker.judged(2.0, 2.8)) < sure  # by the voices heard before: unsure
    first = tracker.told(0.0, [Turn(0.0, 2.0, 5.0)], final=False)
    assert first[0].decided(0.0, tracker.options) == ("staff", 0.993)
    told = tracker.told(0.0, [Turn(0.0, 2.8, 5.0)], final=False, phrases=((2.0, 2.8),))
    assert [(t.start, t.end, t.phrase) for t in told] == [(0.0, 2.0, False), (2.0, 2.8, True)]
    assert told[1].decided(0.0, tracker.options) == ("customer", 1.0)
    assert tracker._so_far == (-1.0, None)
    assert tracker.told(0.0, [Turn(0.0, 2.8, 5.0)], final=True) == [Turn(0.0, 2.8, 5.0)]


def _staff_then(customer: np.ndarray) -> Tracker:
    """A tracker that knows the staff and a customer (a voice apart, further away), hearing
    2 s of the staff's words and then `customer`'s rows in one segment from 0 s."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._speech.append((60.0, np.concatenate([_voice_rows(0.0, -20.0, 2000, 2),
                                                  _voice_rows(3.0, -30.0, 1000, 3)])))
    tracker._here = tracker._others()
    tracker._rows.append((0.0, np.concatenate([_voice_rows(0.0, -20.0, 200, 5), customer])))
    return tracker


def test_a_phrase_the_earlier_voices_leave_unsure_is_judged_with_its_segment_so_far():
    """The day's first segment: no other voice is known yet, so a phrase's own frames are
    measured only against the staff voice's floor, and a staff taboo is unsure (its red
    waited for the final result, 2.7-3.0 s after it, docs/benchmarks.md). The customer's
    line earlier in the same segment shows the other voice: judged against the voices found
    with the segment so far (as the final result will be), the staff's phrase is told sure
    at once, and so is a customer's phrase, as the customer's."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._rows.append((0.0, np.concatenate([_voice_rows(0.5, -30.0, 300, 4),  # customer
                                               _voice_rows(0.0, -20.0, 200, 5)])))  # staff
    sure = math.log(tracker.options.firm_at / (1 - tracker.options.firm_at))  # a logit
    assert tracker._here is None and abs(tracker.judged(4.2, 5.0)) < sure
    assert abs(tracker.judged(1.0, 2.0)) < sure
    run = [Turn(0.0, 5.0, 1.0)]
    told = tracker.told(0.0, run, final=False, phrases=((4.2, 5.0), (1.0, 2.0)))
    assert [(t.start, t.end, t.phrase) for t in told] == [
        (0.0, 1.0, False), (1.0, 2.0, True), (2.0, 4.2, False), (4.2, 5.0, True)]
    assert told[3].decided(0.0, tracker.options) == ("staff", 1.0)
    assert told[1].decided(0.0, tracker.options) == ("customer", 1.0)
    assert told[0].decided(0.0, tracker.options)[1] == 0.5  # the run around: still unsure
    assert tracker._here is None  # the voices before the segment are as they were
    assert tracker.told(0.0, run, final=True) == run


def test_a_turn_told_sure_while_speech_goes_on_only_firms_up():
    """Partial results may not move a turn already told sure (a red shown on it would be
    taken back), and tell a turn not yet that sure short of sure, so no red rests on it;
    the final result decides afresh."""
    tracker = Tracker(options=SpeakerOptions(firm_at=0.9, partial_most=0.5))
    first = tracker.told(5.0, [Turn(5.0, 6.0, 3.0)], final=False)
    assert [t.decided(0.0, tracker.options) for t in first] == [("staff", 0.953)]
    # more speech: the voice now hears a change inside what was told, and less sure
    later = tracker.told(5.0, [Turn(5.0, 5.5, 1.0), Turn(5.5, 7.0, -0.5)], final=False)
    assert [(t.start, t.end) for t in later] == [(5.0, 6.0), (6.0, 7.0)]
    assert later[0].decided(0.0, tracker.options) == ("staff", 0.953)
    assert later[1].decided(0.0, tracker.options) == ("customer", 0.5)
    grown = tracker.told(5.0, [Turn(5.0, 8.0, 4.0)], final=False)
    assert [(t.start, t.end, t.logit) for t in grown] == [(5.0, 8.0, 4.0)]  # surer, longer
    assert tracker.told(5.0, [Turn(5.0, 6.5, 0.3)], final=False)[0].logit == 4.0
    final = [Turn(5.0, 6.5, 4.0), Turn(6.5, 9.0, -4.0)]
    assert tracker.told(5.0, final, final=True) == final
    unsure = tracker.told(10.0, [Turn(10.0, 11.0, 1.9)], final=False)  # a new segment
    assert unsure[0].decided(0.0, tracker.options) == ("staff", 0.5)


def test_hall_noise_under_a_segments_loud_frames_is_no_voice(lines):
    """The VAD keeps about half a second of hall noise after speech. Frames more than
    `speech_db` under the segment's loud ones say nothing of who speaks: a line with that
    tail is heard as the same line followed by silence (judged, the tail became a turn of
    its own and took the line's last word, docs/benchmarks.md)."""
    enrolment = Voice.of(speech_frames(features(np.concatenate(lines["staff"][:6]))))
    said = lines["staff"][7]
    loud = float(np.percentile(features(said)[:, -1], 90))

    def turns(tail, options):
        audio = np.concatenate([said, tail])
        tracker = Tracker(enrolment, options=options)
        tracker.listen(audio, 0.0)
        return [(t.start, t.end, t.logit) for t in tracker.turns(0.0, len(audio) / RATE)]
    hall, silence = noise(0.8, loud - 15.0), noise(0.8, -120.0)
    assert turns(hall, SpeakerOptions()) == turns(silence, SpeakerOptions())
    judged = SpeakerOptions(speech_db=25.0)
    assert turns(hall, judged) != turns(silence, judged)


def _voice_rows(mean: float, level_db: float, count: int, seed: int,
                spread: float = 1.0) -> np.ndarray:
    """Feature rows of a made-up voice: cepstra around `mean`, unvoiced, at `level_db`."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(mean, spread, (count, 20)), np.full(count, np.nan),
                            rng.normal(level_db, 1.0, count)]).astype(np.float32)


def test_a_voice_louder_at_the_pickup_than_the_staff_is_not_taken_for_the_customer():
    """The others' voice is found in the conversation; one louder than the rest is the
    staff's own voice as this pickup hears it (a customer stands further away): taken for
    the other, it won whole staff lines (docs/benchmarks.md), so there is none."""
    enrolment = Voice.of(_voice_rows(0.0, -25.0, 3000, 1))

    def others(staff_db: float, other_db: float):
        tracker = Tracker(enrolment)
        tracker._speech.append((60.0, np.concatenate([_voice_rows(0.0, staff_db, 2000, 2),
                                                      _voice_rows(3.0, other_db, 1000, 3)])))
        return tracker._others()
    heard = others(-20.0, -30.0)
    assert heard is not None
    assert abs(heard.other.level[0] + 30) < 1 and abs(heard.staff.level[0] + 20) < 1
    assert others(-30.0, -20.0) is None


def test_the_staff_voice_as_this_pickup_hears_it_counts_beside_the_profile():
    """A profile is made elsewhere (another room, no hall noise); the staff's speech found in
    the conversation tells the staff's lines here surer than the profile alone."""
    enrolment = Voice.of(_voice_rows(0.0, -25.0, 3000, 1))
    tracker = Tracker(enrolment, options=SpeakerOptions(level_weight=0.0))
    tracker._speech.append((60.0, np.concatenate([_voice_rows(0.8, -20.0, 1500, 2, 0.5),
                                                  _voice_rows(2.5, -30.0, 1500, 3, 2.0)])))
    tracker._here = heard = tracker._others()
    staff_here = _voice_rows(0.8, -20.0, 500, 4, 0.5)
    surer = tracker._ratios(staff_here)
    tracker._here = replace(heard, staff=replace(enrolment, level=heard.staff.level))
    assert np.mean(surer) > np.mean(tracker._ratios(staff_here)) + 5 > 5
    assert np.mean(tracker._ratios(_voice_rows(2.5, -30.0, 500, 5, 2.0))) < 0


def test_a_visits_first_customer_after_a_pause_is_told_by_the_voices_heard_before():
    """After a pause longer than `other_s`, too little is heard to find the others' voice
    again; judged against the staff voice's floor alone, a customer whose voice the profile
    finds likely was told staff for sure (docs/benchmarks.md). The voices found before are
    kept, without the others' level: the next customer may stand nearer than the last."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._rows.append((0.0, np.concatenate([_voice_rows(0.0, -20.0, 2000, 2),
                                               _voice_rows(0.5, -32.0, 1000, 3, 0.5)])))
    tracker.remember(0.0, 30.0)
    assert tracker._here is not None and tracker._here.levels
    tracker._rows.append((200.0, _voice_rows(0.5, -20.0, 200, 4, 0.5)))  # as loud as staff
    tracker.remember(200.0, 202.0)
    assert tracker._here is not None and not tracker._here.levels
    assert [t.logit < 0 for t in tracker.turns(200.0, 202.0)] == [True]


def test_before_any_other_voice_is_known_a_voice_over_the_staff_floor_is_no_proof():
    """The day's first lines: no other voice is known at this pickup yet, so a line is
    measured against the staff voice's own floor, which a voice like the staff's clears (a
    customer's 你们快点 was told staff 0.99 and counted as a staff taboo, docs/benchmarks.md).
    Told staff, it is unsure, so a finding on it goes to a person; a voice under the floor
    is told the customer's as surely as the voice says; a phrase's own frames say nothing."""
    from monitor.rules import RuleOptions

    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._rows.append((0.0, np.concatenate([_voice_rows(0.3, -28.0, 200, 2, 0.5),  # like
                                               _voice_rows(4.0, -28.0, 200, 3)])))  # unlike
    assert tracker._here is None
    [like] = tracker.turns(0.0, 2.0)
    [unlike] = tracker.turns(2.0, 4.0)
    assert like.logit > 3 and like.decided(1.0, tracker.options) == (
        "staff", tracker.options.alone_most)
    assert tracker.options.alone_most < RuleOptions().role_sure_at
    role, sure = unlike.decided(0.0, tracker.options)
    assert role == "customer" and sure > 0.99
    assert tracker.judged(0.0, 2.0) == 0.0
    told = tracker.told(0.0, [like], final=False, phrases=((0.5, 1.5),))
    assert [t.decided(0.0, tracker.options)[1] for t in told] == [
        tracker.options.partial_most]


def test_the_voice_encoder_decides_a_turn_before_any_other_voice_is_known(lines):
    """The day's first lines: the staff voice's floor alone is no proof (`alone_most`), the
    embedding's cosine to the enrolled one is (docs/benchmarks.md, "A neural voice
    embedding"): a staff line is told staff as surely as it says, a customer's customer, and
    a phrase's own stretch is judged by it. A profile enrolled before the embedding (none
    stored) is judged as before."""
    from monitor import voiceprint

    staff = np.concatenate(lines["staff"][:6])
    profile = Voice.of(speech_frames(features(staff)))
    profile.embedding = voiceprint.embed([staff])[0]
    customer, said = _far(lines["customer"][0]), lines["staff"][7]
    gap = np.zeros(RATE, np.float32)
    audio = np.concatenate([gap, customer, gap, said, gap]) + noise(
        (3 * len(gap) + len(customer) + len(said)) / RATE, -65)
    spans = {"customer": (1.0, 1.0 + len(customer) / RATE)}
    spans["staff"] = (spans["customer"][1] + 1.0, spans["customer"][1] + 1.0 + len(said) / RATE)
    for embedded in (True, False):
        tracker = Tracker(profile if embedded else replace(profile, embedding=None))
        tracker.listen(audio, 0.0)
        assert tracker._here is None
        told = {role: tracker.told(start, tracker.turns(start, end), final=True)
                for role, (start, end) in spans.items()}
        decided = {role: [t.decided(0.0, tracker.options) for t in turns]
                   for role, turns in told.items()}
        if embedded:
            # (espeak's voices are nearer each other than natural ones: customer less sure)
            assert decided["customer"][0][0] == "customer"
            assert decided["staff"][0][0] == "staff" and decided["staff"][0][1] > 0.9
            assert tracker.judged(*spans["staff"]) > 3  # a staff phrase: red at once
            assert tracker.judged(*spans["customer"]) == 0.0  # customer: wait for the end
        else:
            assert decided["staff"][0][1] <= tracker.options.alone_most
            assert tracker.judged(*spans["staff"]) == 0.0


def test_a_taboo_in_the_days_first_segment_is_told_by_its_run_so_far(lines):
    """Before any other voice is known, a phrase (under 1 s) is never sure on its own
    embedding, and a short first segment shows no other voice to judge it against: its red
    waited for the segment's end (2.7-2.9 s, docs/benchmarks.md). The speech of its run up
    to its end (the encoder's last 1.6 s) is near enough the enrolled voice for its length
    (`early_sure`): told the staff's at once. A customer's phrase, alone or right after
    the staff's words in one segment, is not told the staff's."""
    from monitor import voiceprint

    staff = np.concatenate(lines["staff"][:6])
    profile = Voice.of(speech_frames(features(staff)))
    profile.embedding = voiceprint.embed([staff])[0]
    pause, short = np.zeros(RATE, np.float32), np.zeros(RATE // 20, np.float32)
    customer = lines["customer"]

    def phrase_told(*said: np.ndarray) -> tuple[str, float]:
        """How the last 1 s of a day's first segment is told while it goes on."""
        audio = np.concatenate([pause, *said, pause])
        tracker = Tracker(profile)
        tracker.listen(audio + noise(len(audio) / RATE, -65), 0.0)
        end = 1.0 + sum(len(s) for s in said) / RATE
        told = tracker.told(1.0, tracker.turns(1.0, end), final=False,
                            phrases=((end - 1.0, end),))
        assert tracker._here is None
        return told[_turn_at(told, end - 0.5)].decided(0.0, tracker.options)

    role, sure = phrase_told(lines["staff"][8])
    assert role == "staff" and sure >= Tracker().options.firm_at
    for said in ([customer[1], short, customer[2]], [lines["staff"][7], short, customer[2]],
                 [lines["staff"][7], short, _far(customer[2])]):
        role, sure = phrase_told(*said)
        assert role == "customer" or sure <= Tracker().options.partial_most


def _turn_at(turns: list[Turn], at: float) -> int:
    return next(n for n, t in enumerate(turns) if t.start <= at < t.end)


def test_two_runs_over_the_staff_floor_alone_are_no_surer_than_one():
    """Before any other voice is known, a run over the staff voice's floor is told at most
    `alone_most` (a customer's voice clears that floor too). Two such runs side by side,
    joined while speech goes on, were told sure (a customer's taboo then turned the light
    red); joined, they are as unsure as each."""
    tracker = Tracker()
    alone = tracker.options.alone_most
    told = tracker.told(0.0, [Turn(0.0, 1.5, 8.0, alone), Turn(1.5, 3.0, 6.0, alone)],
                        final=False)
    assert [(t.start, t.end) for t in told] == [(0.0, 3.0)]
    assert told[0].decided(0.0, tracker.options) == ("staff", tracker.options.partial_most)
    grown = tracker.told(5.0, [Turn(5.0, 6.0, 8.0)], final=False)  # firm: it grows
    assert grown[0].decided(0.0, tracker.options) == ("staff", 1.0)
    grown = tracker.told(5.0, [Turn(5.0, 6.0, 8.0), Turn(6.0, 7.0, 5.0, alone)], final=False)
    assert [(t.start, t.end, t.decided(0.0, tracker.options)) for t in grown] == [
        (5.0, 7.0, ("staff", 1.0))]


def test_a_profile_keeps_its_embedding_as_numbers_and_an_older_one_loads_without(lines):
    from monitor import voiceprint

    staff = np.concatenate(lines["staff"][:6])
    voice = Voice.of(speech_frames(features(staff)))
    voice.embedding = voiceprint.embed([staff])[0]
    stored = voice.as_dict()
    assert len(stored["embedding"]) == 256 and all(isinstance(x, float)
                                                   for x in stored["embedding"])
    again = Voice.from_dict(stored)
    assert float(again.embedding @ voice.embedding) == pytest.approx(1.0, abs=1e-4)
    del stored["embedding"]
    assert Voice.from_dict(stored).embedding is None


def test_the_embeddings_centre_moves_up_between_the_staff_and_a_customer_heard_here():
    """A customer whose voice is near the staff's (cosine 0.71) is under the staff's own
    runs heard at this pickup (0.9): the centre moves between them; one group of runs, or
    two close ones, leave it where it was set (docs/benchmarks.md)."""
    def heard(*cosines):
        tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
        tracker._cosines.extend(enumerate(cosines))
        return tracker

    centre = Tracker().options.embed_centre
    assert heard(0.9, 0.71, 0.92, 0.7, 0.88)._centre() == pytest.approx(
        (0.9 + 0.92 + 0.88) / 6 + (0.71 + 0.7) / 4)
    assert heard(0.72, 0.66, 0.74, 0.7)._centre() == centre
    assert heard(0.75, 0.45, 0.72, 0.5)._centre() == centre  # (0.735 + 0.475) / 2 is under
    # it: never lower


def test_the_embeddings_centre_found_here_is_kept_over_a_pause():
    """After a pause between visits the runs before it age out (`other_s`), and the next
    customer's first runs show no two groups: the centre found before is kept (the pickup
    and the staff are the same). Back at `embed_centre`, a customer's first words at cosine
    0.64 counted for the staff, and the visit before stayed open (seed 11, docs/benchmarks.md)."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -25.0, 3000, 1)))
    tracker._cosines.extend(enumerate([0.9, 0.71, 0.92, 0.7, 0.88]))
    found = tracker._centre()
    for after_the_pause in ([(100, 0.83), (101, 0.64)], [(100, 0.64), (101, 0.71), (102, 0.75)]):
        tracker._cosines.clear()
        tracker._cosines.extend(after_the_pause)
        assert tracker._centre() == pytest.approx(found)
    tracker._cosines.extend([(103, 0.93), (104, 0.9)])  # two groups again: found again
    assert tracker._centre() == pytest.approx((0.64 + 0.71 + 0.75) / 6 + (0.93 + 0.9) / 4)


def test_a_segments_quiet_tail_is_no_voice_heard_here(lines):
    """A segment's last run may be its hangover, near silence: its embedding (cosine near
    0.4) is no voice at this pickup, and counted as one it pulled the centre down between it
    and every voice, so a customer near the staff's voice was told staff (seed 23's first
    session, docs/benchmarks.md). Only runs holding speech count in the centre."""
    from monitor import voiceprint

    staff = np.concatenate(lines["staff"][:6])
    profile = Voice.of(speech_frames(features(staff)))
    profile.embedding = voiceprint.embed([staff])[0]
    said = lines["staff"][7]
    tail = np.zeros(round(0.8 * RATE), np.float32)
    audio = np.concatenate([said, tail]) + noise((len(said) + len(tail)) / RATE, -60)
    tracker = Tracker(profile)
    tracker.listen(audio, 0.0)
    end = round(len(said) / RATE, 2)
    told = tracker._embedded_turns([Turn(0.0, end, 1.0), Turn(end, end + 0.8, -1.0)])
    assert len(tracker._embedded) == 2 and told[1].logit < 0  # the tail is embedded, told
    assert [c for _, c in tracker._cosines] == [tracker._embedded[(0.0, end)]]


def _enrolled(lines) -> Voice:
    from monitor import voiceprint

    staff = np.concatenate(lines["staff"][:6])
    profile = Voice.of(speech_frames(features(staff)))
    profile.embedding = voiceprint.embed([staff])[0]
    return profile


def _said_last(tracker: Tracker, *said: np.ndarray) -> float:
    """The tracker hears a segment from 1 s holding `said`; its end."""
    audio = np.concatenate([np.zeros(RATE, np.float32), *said, np.zeros(RATE, np.float32)])
    tracker.listen(audio + noise(len(audio) / RATE, -65), 0.0)
    return 1.0 + sum(len(s) for s in said) / RATE


def test_a_red_phrase_the_spotter_missed_is_decided_on_its_own_frames_as_said(lines):
    """A taboo the keyword spotter did not catch, heard in a partial result's words: its
    span was never decided on its own frames, so its red waited for the segment's end
    (xiaobei's 你怎么这么烦啊, 2.9 s, docs/benchmarks.md). Decided as a spotted one is:
    the staff's at once; a customer's not."""
    from monitor.audio import Transcriber
    from monitor.records import Voiced

    short = np.zeros(RATE // 20, np.float32)
    for said, staff in (([lines["staff"][8]], True),
                        ([lines["staff"][7], short, lines["customer"][2]], False)):
        transcriber = Transcriber(None, voice=_enrolled(lines), partials=True)
        end = _said_last(transcriber.speakers, *said)
        syllables = "qing4 nin2 xian1 deng3 ni3 zen3 me zhe4 me fan2".split()
        at = np.linspace(1.0, end, len(syllables) + 1)
        # the taboo form 你怎么这么烦 in the last second, said but not spotted
        words = tuple(Word(s, round(float(a), 2), round(float(b), 2)) for s, a, b in zip(
            syllables, [*at[:4], *np.linspace(end - 1.0, end, 7)[:-1]],
            [*at[1:5], *np.linspace(end - 1.0, end, 7)[1:]]))
        heard = [Utterance(1.0, end, "mixed", pinyin=" ".join(syllables), words=words,
                           heard_by="sherpa", partial=True)]
        piece = Voiced("mixed", np.zeros(0, np.float32), end - 0.1, segment_start=1.0)
        turns = transcriber._turns(heard, piece, end)
        role, sure = turns[_turn_at(turns, end - 0.5)].decided(0.0, SpeakerOptions())
        if staff:
            assert role == "staff" and sure >= SpeakerOptions().firm_at
        else:
            assert role == "customer" or sure <= SpeakerOptions().partial_most


def test_a_red_phrase_is_told_said_before_its_last_syllable_is_read():
    """Matching finds a red's phrase a decoding step before its last syllable is read
    (没看我正忙着|吗, 你聋了m|吗): its span was decided only once that syllable was read, so
    the red waited a step (docs/benchmarks.md). A form the words end on but for its last
    syllable, that syllable begun or not yet heard, is a red's phrase being said; fewer
    than three syllables of it (神经 may be 神经科), or other words after it, are not."""
    from monitor.speakers import default_reds

    def said(pinyin: str) -> set[tuple[float, float]]:
        return set(default_reds().said(tuple(Word(s, n / 4, n / 4 + 0.2)
                                             for n, s in enumerate(pinyin.split()))))

    assert said("zhe4 ge4 ni3 long2 le5 m") == {(0.5, 1.45)}
    assert said("zhe4 ge4 ni3 long2 le5") == {(0.5, 1.2)}
    assert said("mei2 kan4 wo3 zheng4 mang2 zhe5") == {(0.0, 1.45)}
    assert said("zhe4 ge4 ni3 long2 le5 ma5 shuo1") == {(0.5, 1.45)}  # whole, as before
    for other in ("ni3 long2 le5 x", "ni3 long2 le5 shuo1", "nin2 de5 shen2 jing1"):
        assert said(other) == set()


def test_a_phrase_told_before_its_last_syllable_is_read_is_told_whole_once_read():
    """A phrase told sure on its own frames before its last syllable was read: once read,
    the phrase's span goes on to it as told (left to the run after it, unsure, the
    syllable cut the red's words in two); a phrase only overlapping its end is not it."""
    tracker = _both_known_customer_then_staff(1.3)
    begun = tracker.told(0.0, [Turn(0.0, 2.9, 1.0)], final=False, phrases=((2.2, 2.7),))
    assert [(t.start, t.end, t.phrase) for t in begun][1] == (2.2, 2.7, True)
    read = tracker.told(0.0, [Turn(0.0, 3.3, 1.0)], final=False, phrases=((2.18, 2.95),))
    assert [(t.start, t.end) for t in read] == [(0.0, 2.2), (2.2, 2.95), (2.95, 3.3)]
    role, sure = read[1].decided(0.0, tracker.options)
    assert role == "staff" and sure >= tracker.options.firm_at
    assert read[1].logit == begun[1].logit  # as it was told
    after = tracker.told(0.0, [Turn(0.0, 3.3, 1.0)], final=False, phrases=((2.7, 3.2),))
    assert [(t.start, t.end) for t in after][1] == (2.2, 2.95)


def test_a_phrase_the_voices_here_leave_unsure_is_decided_by_its_embedding(lines):
    """Once another voice is known here, a phrase was decided on the voices' ratio alone:
    where that was unsure (the staff's 没看我正忙着吗 after a customer's line, 2.7 s,
    docs/benchmarks.md) its red waited for the segment's end. Where the ratio leans staff,
    the embedding of its run so far decides it as before any other voice was known: the
    staff's at once, a customer's right after the staff's words not; where it leans
    customer, the embedding does not make it the staff's."""
    from monitor.speakers import Pickup

    short = np.zeros(RATE // 20, np.float32)
    for said, lean, staff in (([lines["staff"][8]], 0.5, True),
                              ([lines["staff"][8]], -0.5, False),
                              ([lines["staff"][7], short, lines["customer"][2]], 0.5, False)):
        profile = _enrolled(lines)
        tracker = Tracker(profile)
        end = _said_last(tracker, *said)
        tracker._here = Pickup(profile, profile)
        tracker._scores = lambda rows: np.full(max(1, len(rows) // 25), lean)  # unsure
        told = tracker.told(1.0, tracker.turns(1.0, end), final=False,
                            phrases=((end - 1.0, end),))
        role, sure = told[_turn_at(told, end - 0.5)].decided(0.0, tracker.options)
        if staff:
            assert role == "staff" and sure >= tracker.options.firm_at
        else:
            assert role == "customer" or sure <= tracker.options.partial_most


def test_a_finished_segments_hangover_is_no_turn_of_its_own(lines):
    """A segment ends with the voice detector's hangover, near silence: a last run made
    mostly of it looked a turn, the level cue and its embedding told it the other voice,
    and the recogniser's last words, timed late, fell in it (a staff line's 拜拜 told the
    customer's, docs/benchmarks.md). Counted up to where the voice stopped, a last run
    shorter than a turn joins the one before; a last run of the other voice's speech stays."""
    profile = Voice.of(speech_frames(features(np.concatenate(lines["staff"][:6]))))
    said = lines["staff"][7]
    end = round(len(said) / RATE, 2)
    for last, joined in ((np.zeros(round(0.8 * RATE), np.float32), True),
                         (_far(lines["customer"][0], -9.0), False)):
        audio = np.concatenate([said, last])
        total = round(len(audio) / RATE, 2)
        tracker = Tracker(profile)
        tracker.listen(audio + noise(len(audio) / RATE, -60), 0.0)
        told = tracker.told(0.0, [Turn(0.0, end + 0.1, 1.0), Turn(end + 0.1, total, -1.0)],
                            True, voice_end=end if joined else total - 0.1)
        assert [(t.start, t.end, t.logit > 0) for t in told] == (
            [(0.0, total, True)] if joined
            else [(0.0, end + 0.1, True), (end + 0.1, total, False)])


def test_a_finished_segments_neighbouring_runs_of_one_voice_are_one_line():
    """Two runs told the same voice are one line: cut in two, a phrase said across the cut
    (您要办理|什么业务, a greeting) was heard in neither (docs/benchmarks.md)."""
    tracker = Tracker(Voice.of(_voice_rows(0.0, -20.0, 400, 1)))
    told = tracker.told(0.0, [Turn(0.0, 1.0, 2.0), Turn(1.0, 3.0, 5.0), Turn(3.0, 4.0, -3.0),
                              Turn(4.0, 5.0, 1.0)], True)
    assert [(t.start, t.end, t.logit) for t in told] == [(0.0, 3.0, 4.0), (3.0, 4.0, -3.0),
                                                         (4.0, 5.0, 1.0)]
