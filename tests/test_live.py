"""Live scoring: the visit in progress is judged as time passes, stored as it happens."""
from datetime import datetime

import pytest
import sqlite_utils

from monitor import alerts, transcript
from monitor.live import LiveSession, play
from monitor.pipeline import Scorer
from monitor.storage import Store
from monitor.visits import Call

from .conftest import ROOT, utt

AT = datetime(2026, 11, 20, 9, 0).astimezone()


@pytest.fixture
def live(scorer, db_path):
    return LiveSession(scorer, Store(db_path), window="W1", staff="S1", started_at=AT)


def rules_of(visit):
    return sorted(f.rule for f in visit.findings)


@pytest.mark.parametrize("name", ["police_good", "hospital_taboo", "bank_wait", "utility_day"])
def test_live_verdicts_equal_batch_verdicts(scorer, db_path, name):
    utterances = transcript.read(ROOT / "audio" / f"{name}.jsonl")
    batch = scorer.score(utterances, window="W1")
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    closed = [u.visit for u in play(session, utterances) if u.state == "closed"]
    assert [(v.verdict, v.score, rules_of(v)) for v in closed] == \
        [(v.verdict, v.score, rules_of(v)) for v in batch.visits]


def test_missing_greeting_shows_once_it_is_due(live):
    live.feed(utt(0, 2, "customer", "我办业务"))
    assert live.tick(19) == []
    [update] = live.tick(21)
    assert [f.rule for f in update.new_findings] == ["greeting"] and update.state == "update"


def test_question_is_pending_until_its_answer_time_runs_out(live):
    live.feed(utt(0, 2, "staff", "您好"))
    [update] = live.feed(utt(3, 5, "customer", "多久能拿到"))
    assert update.visit.questions == 1 and update.visit.unanswered == 0
    [late] = live.tick(16)
    assert [f.rule for f in late.new_findings] == ["answer"]


def test_farewell_is_judged_when_the_visit_ends(live):
    live.feed(utt(0, 2, "staff", "您好"))
    assert not [f for f in live.tick(10)]
    assert all(u.state == "update" for u in live.tick(33))  # the customer may still be there
    [closed] = live.tick(183)  # no sign either way: max_pause_s ends it
    assert closed.state == "closed" and rules_of(closed.visit) == ["farewell"]
    assert live.visit is None and live.tick(190) == []


def test_a_visit_seen_off_ends_after_the_gap(live):
    live.feed(utt(0, 2, "staff", "您好"))
    live.feed(utt(3, 5, "staff", "请慢走"))
    [closed] = live.tick(36)
    assert closed.state == "closed" and closed.visit.findings == []


def test_customer_left_waiting_warns_unless_asked_to_wait(live, scorer, db_path):
    live.feed(utt(0, 2, "staff", "您好"))
    live.feed(utt(3, 5, "customer", "我办社保卡"))
    [update] = live.tick(26)
    assert update.new_findings[0].detail == "顾客等候21秒，未请其稍候"
    asked = LiveSession(scorer, Store(db_path), window="W2", started_at=AT)
    asked.feed(utt(0, 2, "staff", "您好请稍等"))
    assert asked.tick(26) == []
    [overdue] = asked.tick(63)
    assert "已请其稍候" in overdue.new_findings[0].detail


def test_a_new_visit_starts_after_the_silence(live):
    live.feed(utt(0, 2, "staff", "您好"))
    updates = live.feed(utt(40, 42, "staff", "您好"))
    assert [u.state for u in updates] == ["closed", "open"]
    assert updates[0].visit.id.endswith("W1-001") and updates[1].visit.id.endswith("W1-002")


def pickup_day(first="我想办社保卡", greeting_at=42.0, confidence=0.93):
    """One pickup (`role_confidence` set): a visit, a silence, the next customer's first
    words told staff by the voice, and the staff's greeting `greeting_at`."""
    return [utt(0, 2, "staff", "您好", role_confidence=0.97),
            utt(3, 5, "customer", "我办社保卡", role_confidence=0.9),
            utt(6, 8, "staff", "好的", role_confidence=0.95),
            utt(40, 41.5, "staff", first, role_confidence=confidence),
            utt(greeting_at, greeting_at + 1, "staff", "您好", role_confidence=0.99),
            utt(greeting_at + 2, greeting_at + 4, "customer", "好的", role_confidence=0.9)]


@pytest.mark.parametrize("lines", [
    pickup_day(),  # the greeting 0.5 s after the first words: they open the visit
    pickup_day(greeting_at=50),  # after more than `opening_s`: the same visit goes on
    pickup_day(confidence=None),  # roles given: staff spoke first, the same visit
    [utt(0, 2, "staff", "您好"), utt(3, 5, "customer", "我办社保卡"),
     utt(40, 42, "staff", "您好"), utt(43, 45, "customer", "我办社保卡")],  # a greeting
    [utt(0, 2, "staff", "请您先坐一会儿", role_confidence=0.97),
     utt(3, 4, "customer", "好", role_confidence=0.9),
     utt(60, 61, "customer", "这是我的身份证", role_confidence=0.7),
     utt(61.5, 62.5, "staff", "您好", role_confidence=0.97)],  # soon after a wait's silence
], ids=["opening", "late-greeting", "roles-given", "greeting", "after-a-wait"])
def test_live_cuts_visits_where_the_file_scored_whole_does(scorer, db_path, lines):
    """Played as a monitor hears it (speech starting, then the line), the visits and their
    verdicts are the batch's, and every line is stored in the visit it was judged in."""
    batch = scorer.score(lines, window="W1")
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    closed = [u.visit for u in play(session, lines) if u.state == "closed"]
    assert [v.utterances for v in session.session.visits] == [v.utterances for v in batch.visits]
    assert [(v.verdict, rules_of(v)) for v in closed] == \
        [(v.verdict, rules_of(v)) for v in batch.visits]
    stored = sqlite_utils.Database(db_path).query(
        "select utterances.idx, visits.provisional from utterances join visits"
        " on visits.id = utterances.visit order by utterances.idx")
    assert [(r["idx"], r["provisional"]) for r in stored] == [(i, 0) for i in range(len(lines))]


def test_the_first_words_move_to_the_next_visit_when_the_greeting_comes(live):
    for line in pickup_day()[:3]:
        live.feed(line)
    live.speech_started(40)
    [joined] = live.feed(pickup_day()[3])  # decided at once: the visit goes on
    assert joined.state == "update" and joined.visit.utterances == [0, 1, 2, 3]
    closed, opened = live.feed(pickup_day()[4])
    assert (closed.state, closed.visit.utterances, closed.visit.end) == ("closed", [0, 1, 2], 8)
    assert (opened.state, opened.visit.utterances) == ("open", [3, 4])
    assert closed.now == opened.now == 43 and opened.visit.id.endswith("W1-002")


def test_speech_still_heard_shows_with_the_visit_and_only_its_end_may_end_it(live):
    """One pickup: a partial result told the customer's after a silence (a customer
    speaking first would end the visit) whose whole line is the staff's going on."""
    live.feed(utt(0, 2, "staff", "您好", role_confidence=0.97))
    live.feed(utt(3, 5, "customer", "我办社保卡", role_confidence=0.9))
    live.speech_started(60)
    shown = live.feed(utt(60, 61, "customer", "报装", role_confidence=0.6, partial=True))
    assert all(u.state != "closed" for u in shown) and live.current == [0, 1]
    heard = live.feed(utt(60, 62, "staff", "报装需要房产证", role_confidence=0.99))
    assert [u.state for u in heard] == ["update"] and live.visit.utterances == [0, 1, 2]


def test_a_red_on_the_first_words_shows_at_once_and_stays_for_the_next_visit(live):
    lights = alerts.LightMachine()
    for line in pickup_day(first="你烦不烦")[:4]:
        for update in live.feed(line):
            lights.update(update)
    assert lights.state("W1") == "red"
    [shown] = lights.windows["W1"].shown
    events = [e for u in live.feed(pickup_day(first="你烦不烦")[4]) for e in lights.update(u)]
    assert lights.state("W1") == "red" and shown.rule == "taboo"
    assert [(e.previous, e.state, e.visit[-3:]) for e in events] == [("red", "red", "002")]


def test_a_return_the_same_day_is_judged_live_as_the_file_judges_it(db_path):
    """tell_once: the afternoon's visit for the same business asks for something the
    morning's did not name; live judges it against the visits before it, as a file does."""
    def visit(at, lines):
        return [utt(at + 5 * n, at + 5 * n + 3, role, text) for n, (role, text) in enumerate(lines)]
    lines = (visit(0, [("staff", "您好"), ("customer", "我办户口迁移"), ("staff", "还缺准迁证"),
                       ("staff", "请慢走")])
             + visit(18000, [("staff", "您好"), ("customer", "又是我，准迁证带来了"),
                             ("staff", "还需要身份证"), ("staff", "请慢走")]))
    calls = [Call("W1", -2, 20, "A001", "户口迁移"), Call("W1", 17998, 18020, "A002", "户口迁移")]
    police = Scorer.load("police")
    batch = police.score(lines, window="W1", queue=calls)
    session = LiveSession(police, Store(db_path), window="W1", started_at=AT)
    session.calls = calls
    closed = [u.visit for u in play(session, lines, tick_s=60) if u.state == "closed"]
    assert [rules_of(v) for v in closed] == [rules_of(v) for v in batch.visits]
    assert "tell_once" in rules_of(closed[1])


def test_everything_heard_is_stored_at_once(live, db_path):
    live.feed(utt(0, 2, "staff", "您好"))
    live.feed(utt(3, 5, "staff", "你烦不烦"))
    db = sqlite_utils.Database(db_path)  # a second connection, as after a killed process
    assert db["utterances"].count == 2
    [visit] = db["visits"].rows
    assert visit["verdict"] == "fail"
    assert [f["rule"] for f in db["findings"].rows] == ["taboo"]


def test_full_disk_keeps_work_in_memory_and_stores_it_later(live, db_path):
    live.feed(utt(0, 2, "staff", "您好"))
    live.store.db.execute("pragma max_page_count = 1")  # the database may grow no more
    for start in range(3, 60, 3):
        live.feed(utt(start, start + 2, "customer", "我想问一下这个业务怎么办理比较好" * 4))
    assert live.backlog > 0
    live.store.db.execute("pragma max_page_count = 1073741823")
    live.feed(utt(61, 62, "staff", "好的"))
    assert live.drain(10) == 0 and live.fault == ""
    assert sqlite_utils.Database(db_path)["utterances"].count == 21


def test_play_keeps_time(scorer, db_path):
    slept = []
    session = LiveSession(scorer, Store(db_path), window="W1", started_at=AT)
    utterances = [utt(0, 2, "staff", "您好"), utt(3, 5, "staff", "请慢走再见")]
    updates = list(play(session, utterances, speed=10, sleep=slept.append))
    assert sum(slept) == pytest.approx((5 + 30) / 10, abs=0.2)
    assert updates[-1].state == "closed" and updates[-1].visit.verdict == "pass"


def test_play_command_prints_live_events_and_stores_them(run, db_path):
    result = run("play", ROOT / "audio" / "hospital_taboo.jsonl", "--window", "W03",
                 "--db", db_path, "--at", "2026-11-20T09:00")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[00:02] W03 001 开始 得分 100"  # the first line ends at 2.4 s
    assert any("严重 服务忌语" in line and "你烦不烦" in line for line in lines)
    assert lines[-1].startswith("[00:59] W03 001 结束 得分 0 不合格")  # 30 s after 29.3
    assert sqlite_utils.Database(db_path)["visits"].count == 1


def test_play_takes_the_window_and_lights_from_the_hall_config(run, db_path, tmp_path):
    hall = tmp_path / "hall.toml"
    hall.write_text('[lights]\nack_required = false\nred_hold_s = 5\n'
                    '[windows.W03]\nstaff = "S03"\nprofile = "hospital"\n', encoding="utf-8")
    result = run("play", ROOT / "audio" / "hospital_taboo.jsonl", "--window", "W03",
                 "--db", db_path, "--at", "2026-11-20T09:00", "--config", hall)
    assert result.exit_code == 0, result.stderr
    db = sqlite_utils.Database(db_path)
    assert [(v["staff"], v["profile"]) for v in db.query(
        "select visits.staff, sessions.profile from visits join sessions"
        " on sessions.id = visits.session")] == [("S03", "hospital")]
    states = [e["state"] for e in db["light_events"].rows]
    assert "red" in states and states[-1] != "red"  # no acknowledgement needed to clear


def test_a_red_nobody_acknowledged_stays_red_when_the_monitor_starts_again(run, db_path):
    audio = ROOT / "audio"

    def play_at(name, at):
        result = run("play", audio / name, "--window", "W03", "--db", db_path, "--at", at,
                     "--red-hold", "0")
        assert result.exit_code == 0, result.stderr

    play_at("hospital_taboo.jsonl", "2026-11-20T09:00")
    store = Store(db_path)
    red = store.current_lights()["W03"]
    assert red.state == "red" and not store.acknowledged(red.id)
    play_at("police_good.jsonl", "2026-11-20T10:00")  # the monitor again: a good visit
    assert store.current_lights()["W03"].id == red.id  # still red, nothing replaced it
    assert store.acknowledge(red.id, "zhang", datetime(2026, 11, 20, 10, 30).astimezone())
    play_at("police_good.jsonl", "2026-11-20T11:00")
    after = [e for e in store.light_events() if e.id > red.id]
    assert after and (after[0].previous, after[0].state) == ("red", "green")
