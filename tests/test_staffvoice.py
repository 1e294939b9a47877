"""The staff voice learned across a window's day: the voice in every visit (issue 20)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from audio_support import RATE, ROOT

from monitor import staffvoice, voices
from monitor.speakers import DIMS, Voice
from monitor.staffvoice import LearnOptions, Learned, StaffLearner
from monitor.storage import Store

GAP_S = 60.0  # silence between visits


def _voice(seed: int, spread: float = 1.5):
    """A synthetic voice: a mean per feature (cepstra, log pitch, level)."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(0.0, spread, DIMS)
    mean[-2] = np.log(rng.uniform(100, 250))
    mean[-1] = -25.0
    return mean


def _speech(mean: np.ndarray, seconds: float, seed: int) -> np.ndarray:
    """Frames of `seconds` of a voice: features scattered around its mean."""
    rng = np.random.default_rng(seed)
    rows = mean + rng.normal(0.0, 1.0, (round(seconds * 100), DIMS))
    rows[:, -2] = mean[-2] + rng.normal(0.0, 0.05, len(rows))
    rows[:, -1] = mean[-1] + rng.normal(0.0, 2.0, len(rows))
    return rows.astype(np.float32)


def _day(learner: StaffLearner, staff: np.ndarray, customers: list[np.ndarray],
         staff_hint: float = 0.0, customer_hint: float = 0.0, at: float = 0.0):
    """Visits from `at` in which the staff voice and one customer take turns (2 s each, 3
    turns); what the learner gave after each segment."""
    found = []
    for n, customer in enumerate(customers):
        for turn in range(3):
            for who, hint in ((staff, staff_hint), (customer, customer_hint)):
                rows = _speech(who, 2.0, seed=1000 * n + 10 * turn + (who is staff))
                found.append(learner.hear(rows, at, at + 2.0, [(at, at + 2.0, hint)]))
                at += 3.0
        at += GAP_S
    return found


def _separates(voice: Voice, staff: np.ndarray, customers: list[np.ndarray]) -> bool:
    mine = voice.loglik(_speech(staff, 5.0, seed=99), False).mean()
    return all(mine > voice.loglik(_speech(c, 5.0, seed=98), False).mean() + 5
               for c in customers)


def test_the_voice_in_every_visit_is_learned_once_a_second_visit_is_heard():
    staff, customers = _voice(1), [_voice(10 + n) for n in range(4)]
    learner = StaffLearner()
    found = _day(learner, staff, customers[:1])
    assert not any(found) and learner.learned is None  # one visit: anybody's voice
    _day(learner, staff, customers[1:], at=1000.0)
    assert learner.learned is not None and learner.changed
    assert learner.learned.visits == 4
    assert _separates(learner.learned.voice, staff, customers)


def test_a_customer_who_comes_back_is_not_taken_for_the_staff():
    """The staff voice speaks in all five visits, one customer's voice in two of them."""
    staff, regular = _voice(2), _voice(20)
    customers = [regular, _voice(21), regular, _voice(22), _voice(23)]
    learner = StaffLearner()
    _day(learner, staff, customers)
    assert _separates(learner.relearn().voice, staff, customers)


def test_what_was_said_never_decides_alone():
    """Customers who say the staff's words (and staff who say theirs) do not turn it round."""
    staff, customers = _voice(3), [_voice(30 + n) for n in range(4)]
    learner = StaffLearner()
    _day(learner, staff, customers, staff_hint=-1.0, customer_hint=1.0)
    assert _separates(learner.relearn().voice, staff, customers)


def test_no_voice_is_learned_where_none_is_in_every_visit():
    """Two voices, each in one visit only: there is no staff voice to learn."""
    learner = StaffLearner()
    at = 0.0
    for seed in (4, 5):
        for turn in range(6):
            learner.hear(_speech(_voice(seed), 3.0, seed=turn), at, at + 3.0)
            at += 4.0
        at += GAP_S
    assert learner.relearn() is None


def test_a_visit_is_not_cut_by_a_short_silence():
    learner = StaffLearner(LearnOptions(visit_gap_s=25.0))
    staff = _voice(6)
    for n, at in enumerate((0.0, 10.0, 30.0, 80.0)):
        learner.hear(_speech(staff, 2.0, seed=n), at, at + 2.0)
    assert learner.heard_visits == 2


def test_learned_voices_are_stored_per_window_and_day_and_go_with_the_staff(tmp_path):
    store = Store(tmp_path / "hall.db")
    rows = _speech(_voice(7), 30.0, seed=1)
    learned = Learned(Voice.of(rows), 5)
    day = date(2026, 12, 6)
    assert staffvoice.load(store, "W01", day) is None
    staffvoice.save(store, "W01", date(2026, 12, 5), "S07", Learned(Voice.of(rows), 3))
    staffvoice.save(store, "W01", day, "S07", learned)
    staffvoice.save(store, "W01", day, "S07", Learned(learned.voice, 6))
    staffvoice.save(store, "W02", day, "S09", learned)
    kept = staffvoice.load(store, "W01", day)
    assert (kept.staff, kept.visits, kept.seconds) == ("S07", 6, 30.0)
    assert np.allclose(kept.voice.means, learned.voice.means, atol=1e-4)
    assert [(v.window, v.day) for v in staffvoice.listed(store)] == [("W01", day), ("W02", day)]
    audited = store.audit(action="voice")
    assert len(audited) == 3  # the first of each window's day, not every improvement
    assert voices.forget(store, "S07", actor="admin")
    assert [v.window for v in staffvoice.listed(store)] == ["W02"]
    assert not voices.forget(store, "S07", actor="admin")


def test_learned_voices_are_never_shipped_to_the_city():
    from monitor.central import outbox

    assert staffvoice.TABLE not in outbox.SHIPPED


@pytest.mark.parametrize("frames", [0, 30])
def test_too_little_speech_learns_nothing(frames):
    learner = StaffLearner()
    for n in range(3):
        learner.hear(np.zeros((frames, DIMS), np.float32) - 30, 100.0 * n, 100.0 * n + 1)
    assert learner.relearn() is None


def test_an_enrolled_voice_is_used_and_else_the_one_learned_today(tmp_path):
    """What a restarted monitor starts from on a pickup: the enrolled profile (no learning),
    else today's learned voice, which the day's learning goes on improving."""
    from monitor.config import WindowConfig
    from monitor.listen import Monitor

    store = Store(tmp_path / "hall.db")
    monitor = Monitor.__new__(Monitor)  # only the choice of voice, no devices or models
    monitor.store = store
    learned = Learned(Voice.of(_speech(_voice(8), 30.0, seed=2)), 5)
    staffvoice.save(store, "W01", date(2026, 12, 6), "S07", learned)
    pickup = WindowConfig("W01", device="pulse", channels=("mixed",), staff="S07")
    chosen = monitor._staff_voice(pickup, date(2026, 12, 6))
    assert np.allclose(chosen["voice"].means, learned.voice.means, atol=1e-4)
    assert chosen["learner"].learned.visits == 5
    assert monitor._staff_voice(WindowConfig("W01", device="pulse", staff="S07"),
                                date(2026, 12, 6)) == {}
    rows = _speech(_voice(9), 30.0, seed=3)
    with pytest.MonkeyPatch.context() as patch:  # enrolment's checks are voices.py's own
        patch.setattr(voices, "voice_of", lambda samples, source: Voice.of(rows))
        voices.enrol(store, "S07", np.zeros(1, np.float32), "s07.wav")
    chosen = monitor._staff_voice(pickup, date(2026, 12, 6))
    assert set(chosen) == {"voice"} and chosen["voice"].frames == len(rows)


STAFF_SAYS = ["您好，请问您办理什么业务？", "请您先填一下这张表格。",
              "好的，您稍等，我查一下系统。", "手续办好了，请拿好您的材料，慢走。"]
CUSTOMER_SAYS = [["我想办一下社保卡。", "需要带户口本吗？"],
                 ["我上次来过一次，表格怎么填？", "好的，谢谢你。"],
                 ["我想问一下营业执照的事。", "大概要等多久？"]]


@pytest.mark.slow
def test_natural_voices_on_one_pickup_the_staff_voice_is_learned_from_the_day(tmp_path):
    """Three visits on one pickup in Kokoro voices (the staff member in all three, a
    different customer in each, further off): nobody enrolled, yet the recording's staff
    voice is found and the real recogniser's lines get the right roles."""
    import sys

    import soundfile as sf

    from audio_support import sherpa_model
    from monitor import asr, lexicon, sources
    from monitor.audio import transcribe_file

    sys.path.insert(0, str(ROOT / "bench"))
    import pickup
    import render
    from test_bench_voices import _installed

    _installed()
    sherpa_model()
    staff = render.voices.NaturalVoice("zm_yunjian", 1.0)
    customers = [render.voices.NaturalVoice(n, 1.0) for n in ("zf_xiaoxiao", "zm_yunxi",
                                                                "zf_xiaoyi")]
    audio, truth = [np.zeros(RATE, np.float32)], []
    at = 1.0
    for n, (customer, said) in enumerate(zip(customers, CUSTOMER_SAYS)):
        turns = [(STAFF_SAYS[0], staff), (said[0], customer), (STAFF_SAYS[1 + n % 2], staff),
                 (said[1], customer), (STAFF_SAYS[3], staff)]
        for k, (text, voice) in enumerate(turns):
            line = render.speech(text, voice)
            if voice is not staff:
                line = pickup.far(line, -6.0, seed=10 * n + k)
            truth.append(("staff" if voice is staff else "customer", at, at + len(line) / RATE))
            audio += [line, np.zeros(round(0.8 * RATE), np.float32)]
            at += len(line) / RATE + 0.8
        audio.append(np.zeros(round(40 * RATE), np.float32))  # the next customer comes
        at += 40.0
    mixed = np.concatenate(audio)
    mixed += 0.003 * np.random.default_rng(0).standard_normal(len(mixed)).astype(np.float32)
    sf.write(tmp_path / "pickup.wav", mixed, RATE)
    found = staffvoice.learn_from(sources.read_file(tmp_path / "pickup.wav", ("mixed",)))
    assert found is not None and found.visits == 3
    heard = transcribe_file(tmp_path / "pickup.wav", asr.create("sherpa", lexicon.load()),
                            ("mixed",))
    right = [u.role == max(truth, key=lambda t: min(t[2], u.end) - max(t[1], u.start))[0]
             for u in heard]
    assert len(right) >= 12 and sum(right) >= 0.9 * len(right)


def test_staff_voices_lists_the_learned_ones_and_forget_deletes_them(tmp_path):
    from click.testing import CliRunner

    from monitor.cli import cli

    db = tmp_path / "hall.db"
    staffvoice.save(Store(db), "W01", date(2026, 12, 6), "S07",
                    Learned(Voice.of(_speech(_voice(10), 20.0, seed=4)), 4))
    listed = CliRunner().invoke(cli, ["staff", "voices", "--db", str(db)])
    assert listed.exit_code == 0
    assert "S07  自动学习 (learned) 窗口 W01 2026年12月6日  4 次来访  20 秒语音" in listed.output
    forgot = CliRunner().invoke(cli, ["staff", "forget", "S07", "--db", str(db)])
    assert forgot.exit_code == 0 and "已删除 S07 的声纹" in forgot.output
    assert staffvoice.listed(Store(db)) == []
