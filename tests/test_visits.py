"""Visits: given by the transcript or inferred from silence and announced waits."""
import pytest

from monitor.errors import InputError
from monitor.visits import Cues, VisitOptions, segment

from .conftest import utt


def labels(utterances, waits=(), farewells=(), greetings=(), questions=(), apologies=(),
           half=(), **options):
    def cues(i):  # greetings are heard whole unless also in `half`
        return Cues(wait=i in waits, farewell=i in farewells, greeting=i in greetings,
                    question=i in questions, apology=i in apologies,
                    greeting_whole=i in greetings and i not in half)
    segments = segment(utterances, cues, VisitOptions(**options))
    return [list(s.indices) for s in segments]


def test_silence_with_a_sign_of_a_new_customer_starts_a_new_visit():
    u = [utt(0, 2, "staff", "a"), utt(5, 7, "customer", "b"), utt(40, 42, "staff", "c")]
    assert labels(u, farewells={0}) == [[0, 1], [2]]  # seen off, then someone new
    assert labels(u, greetings={2}) == [[0, 1], [2]]  # a greeting after the silence
    assert labels(u, farewells={0}, visit_gap_s=40) == [[0, 1, 2]]
    customer_first = [utt(0, 2, "staff", "a"), utt(40, 42, "customer", "c")]
    assert labels(customer_first) == [[0], [1]]


def test_a_silence_without_a_sign_keeps_the_customer_up_to_max_pause():
    form = [utt(0, 2, "staff", "a"), utt(3, 5, "customer", "b"), utt(60, 62, "staff", "c")]
    assert labels(form) == [[0, 1, 2]]  # staff back after looking something up
    assert labels(form, max_pause_s=50) == [[0, 1], [2]]


def test_a_customer_asking_again_after_being_ignored_is_the_same_visit():
    u = [utt(0, 2, "staff", "a"), utt(3, 5, "customer", "新卡什么时候能拿"),
         utt(40, 42, "customer", "喂 我问你新卡什么时候能拿")]
    assert labels(u, questions={1, 2}) == [[0, 1, 2]]
    assert labels(u) == [[0, 1], [2]]


def test_a_customer_speaking_first_after_a_question_left_at_a_visits_end_is_the_next():
    """A question heard last, with no answer, then a silence: words that do not ask again
    are the next customer's (the last line, 我来补办一张社保卡, heard with a question in
    it on two channels, and the next customer's 好的我知道了 92 s later joined that visit,
    seed 61, docs/benchmarks.md); on one pickup alike."""
    def day(confidence):
        return [utt(0, 2, "staff", "需要本人来"),
                utt(3, 5, "customer", "未来不办一张社保卡", role_confidence=confidence),
                utt(97, 98.5, "customer", "好的我知道了", role_confidence=confidence),
                utt(99, 101, "staff", "这个业务现在可以全程网办", role_confidence=confidence)]
    for confidence in (None, 0.99):
        assert labels(day(confidence), questions={1}) == [[0, 1], [2, 3]]
        assert labels(day(confidence), questions={1, 2}) == [[0, 1, 2, 3]]


def test_gap_is_measured_from_the_latest_end():
    u = [utt(0, 50, "customer", "long"), utt(10, 12, "staff", "a"), utt(60, 61, "staff", "b")]
    assert labels(u, greetings={2}) == [[0, 1, 2]]


def test_announced_wait_keeps_the_visit_open_up_to_max_wait():
    u = [utt(0, 2, "staff", "请稍等"), utt(100, 102, "staff", "b"), utt(800, 801, "staff", "c")]
    assert labels(u, waits={0}) == [[0, 1], [2]]
    # back from the wait: 您好，让您久等了 greets, but says sorry for the wait
    assert labels(u, waits={0}, greetings={1, 2}, apologies={1}) == [[0, 1], [2]]
    assert labels(u, waits={0}, max_wait_s=50) == [[0], [1], [2]]


def test_a_greeting_after_a_waits_silence_is_the_next_customer():
    # the customer who was asked to wait left (or what staff said after the wait was not
    # heard); after the silence staff greet someone new: two visits, not one
    u = [utt(0, 2, "staff", "请稍等"), utt(3, 4, "customer", "好"),
         utt(70, 72, "staff", "您好"), utt(73, 75, "customer", "我办社保卡")]
    assert labels(u, waits={0}, greetings={2}) == [[0, 1], [2, 3]]
    # ...not when the greeting comes sooner than a visit's gap, nor when the customer
    # speaks first (asking whether it is done yet)
    soon = [utt(0, 2, "staff", "请稍等"), utt(20, 22, "staff", "您好")]
    assert labels(soon, waits={0}, greetings={1}) == [[0, 1]]
    asks = [utt(0, 2, "staff", "请稍等"), utt(70, 72, "customer", "好了吗"),
            utt(73, 75, "staff", "您好")]
    assert labels(asks, waits={0}, greetings={2}) == [[0, 1, 2]]
    # ...nor when staff come back seeing the customer off (欢迎您再来 holds 欢迎您), or
    # with a greeting only half heard (请您听我解释 is half of 请坐)
    back = [utt(0, 2, "staff", "请稍等"), utt(70, 72, "staff", "欢迎您再来")]
    assert labels(back, waits={0}, greetings={1}, farewells={1}) == [[0, 1]]
    assert labels(back, waits={0}, greetings={1}, half={1}) == [[0, 1]]


def test_a_customer_line_does_not_cancel_the_announced_wait():
    u = [utt(0, 2, "staff", "请稍等"), utt(3, 4, "customer", "好"), utt(90, 92, "staff", "b")]
    assert labels(u, waits={0}) == [[0, 1, 2]]
    assert labels(u, waits={0}, greetings={2}, apologies={2}) == [[0, 1, 2]]


def test_given_visits_win_over_silence():
    u = [utt(0, 1, "staff", "a", visit="A"), utt(100, 101, "staff", "b", visit="A"),
         utt(102, 103, "staff", "c", visit="B")]
    segments = segment(u, lambda i: Cues(), VisitOptions())
    assert [(s.label, list(s.indices)) for s in segments] == [("A", [0, 1]), ("B", [2])]


def test_mixed_given_and_missing_visit_is_an_error():
    u = [utt(0, 1, "staff", "a", visit="A", line=1), utt(2, 3, "staff", "b", line=2)]
    with pytest.raises(InputError, match="第 2 行：字段“visit”"):
        segment(u, lambda i: Cues(), VisitOptions(), "t.jsonl")


def test_windows_are_segmented_apart():
    u = [utt(0, 1, "staff", "a", window="W1"), utt(0.5, 2, "staff", "b", window="W2"),
         utt(3, 4, "customer", "c", window="W1")]
    segments = segment(u, lambda i: Cues(), VisitOptions())
    assert [(s.window, list(s.indices)) for s in segments] == [("W1", [0, 2]), ("W2", [1])]
    assert segments[0].label == "W1-001"


def test_one_pickup_a_greeting_soon_after_a_new_customers_first_words_opens_the_visit():
    # the new customer's 我想办社保卡 told staff by the voice (theirs is not known yet), and
    # the staff's greeting 2 s later: the visit starts with the customer's words
    def day(confidence, greeting_at=62):
        return [utt(0, 2, "staff", "a"), utt(3, 5, "customer", "b"),
                utt(60, 61.5, "staff", "我想办社保卡", role_confidence=confidence),
                utt(greeting_at, greeting_at + 1, "staff", "您好", role_confidence=0.99)]
    assert labels(day(0.93), greetings={3}) == [[0, 1], [2, 3]]
    # a greeting after more than `opening_s` is the visit going on (staff back from a form)
    assert labels(day(0.93, greeting_at=70), greetings={3}) == [[0, 1, 2, 3]]
    assert labels(day(0.93), greetings={3}, opening_s=1) == [[0, 1, 2, 3]]
    # roles given (a channel each, a typed transcript): staff spoke first, the same visit
    assert labels(day(None), greetings={3}) == [[0, 1, 2, 3]]


def test_one_pickup_a_greeting_after_a_waits_silence_counts_whichever_voice_it_was_told():
    # the staff's 您好您好 told the customer's after the silence of an announced wait
    def day(confidence):
        return [utt(0, 2, "staff", "请您先坐一会儿"), utt(3, 4, "customer", "好"),
                utt(60, 61, "customer", "您好您好", role_confidence=confidence),
                utt(62, 64, "customer", "我想交住院押金", role_confidence=0.98)]
    assert labels(day(0.985), waits={0}, greetings={2}) == [[0, 1], [2, 3]]
    # a greeting told the customer's on a given role is the customer back from the wait
    assert labels(day(None), waits={0}, greetings={2}) == [[0, 1, 2, 3]]
    # ...and on one pickup too, where the greeting is a half (请您听我解释) or says sorry
    assert labels(day(0.985), waits={0}, greetings={2}, half={2}) == [[0, 1, 2, 3]]
    assert labels(day(0.985), waits={0}, greetings={2}, apologies={2}) == [[0, 1, 2, 3]]


def test_one_pickup_a_greeting_soon_after_a_waits_silence_opens_the_visit():
    u = [utt(0, 2, "staff", "请您先坐一会儿"), utt(3, 4, "customer", "好"),
         utt(60, 61, "customer", "这是我的身份证", role_confidence=0.7),
         utt(61.5, 62.5, "staff", "您好", role_confidence=0.97)]
    assert labels(u, waits={0}, greetings={3}) == [[0, 1], [2, 3]]
    assert labels(u, waits={0}, greetings={3}, apologies={3}) == [[0, 1, 2, 3]]
