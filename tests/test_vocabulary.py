"""The one table of words a hall user reads, and how machine-heard speech is marked."""
from monitor import rules, vocabulary
from monitor.records import Utterance
from monitor.vocabulary import Speech, quoted, spoken


def test_every_rule_has_a_chinese_name_prompt_and_norm():
    """The rules in code have their words here; those written as data, in their files; a
    hall's own (written on its rules page), in its database, remembered when it is opened
    (tests of this process may have opened one)."""
    assert set(vocabulary.RULES) == set(rules.RULES) == set(rules.RuleOptions().settings)
    from monitor import ruledata
    assert set(vocabulary.all_rules()) == set(rules.RULES) | {
        r.id for r in ruledata.load()} | set(vocabulary.hall_words)
    assert vocabulary.rule_name("taboo") == "服务忌语"  # a built-in written as data
    for words in vocabulary.all_rules().values():
        for text in (words.name, words.prompt, words.norm):
            assert text and not text.isascii()
    assert set(vocabulary.SEVERITIES) == set(rules.SEVERITY_FACTOR)
    assert vocabulary.rule_prompt("greeting") == "请先问候"
    assert vocabulary.rule_name("new_rule") == "new_rule"  # an unknown id shows as it is


def test_typed_text_carries_no_mark():
    typed = spoken(Utterance(0, 1, "staff", "您好"))
    assert (typed.text, typed.machine, typed.title) == ("您好", False, "")


def test_decoded_speech_is_marked_and_keeps_its_pinyin():
    heard = Utterance(0, 2, "staff", "你烦不烦", pinyin="nǐ fán bù fán", heard_by="sherpa")
    said = spoken(heard)
    assert said.machine and said.pinyin == "nǐ fán bù fán"
    assert said.title == "由语音自动识别，可能有误；拼音：nǐ fán bù fán"
    only_pinyin = spoken(Utterance(0, 1, "staff", "", pinyin="nín hǎo", heard_by="sherpa"))
    assert (only_pinyin.text, only_pinyin.pinyin) == ("nín hǎo", "")  # shown as it is


def test_a_quote_gets_its_own_syllables_from_the_line_that_holds_it():
    lines = [Utterance(0, 2, "staff", "您好"),
             Utterance(3, 6, "staff", "我说你烦不烦", pinyin="wǒ shuō nǐ fán bù fán",
                       heard_by="sherpa")]
    assert quoted("你烦不烦", 4, 5, lines) == Speech("你烦不烦", "nǐ fán bù fán", "sherpa")
    assert quoted("您好", 0, 1, lines) == Speech("您好")
    # an old database's pinyin quote, or toneless pinyin: shown as it is, still marked
    assert quoted("nǐ fán", 4, 5, lines) == Speech("nǐ fán", "", "sherpa")
    assert quoted("ni fan bu fan", 4, 5, lines) == Speech("ni fan bu fan", "", "sherpa")
    assert quoted("", 0, 1, lines) == Speech("")


def test_no_module_keeps_its_own_rule_labels():
    """The labels live in vocabulary only (they were in five tables)."""
    from pathlib import Path

    package = Path(vocabulary.__file__).parent
    for path in package.glob("*.py"):
        if path.name != "vocabulary.py":
            text = path.read_text(encoding="utf-8")
            for label in ("来有迎声", "未问候", "较重", "待改进", "服务中"):
                assert f'"{label}"' not in text, (path.name, label)


def test_every_date_a_hall_reads_is_chinese_on_the_halls_clock_and_to_the_minute():
    """On the clock it was stored with: a server in another zone (UTC) showed a finding of
    10:00 in Beijing as 02:00 beside its transcript's 10:00:00 lines."""
    from datetime import date, datetime, timedelta, timezone

    from monitor.vocabulary import when

    at = datetime(2026, 11, 20, 23, 5, 42, tzinfo=timezone(timedelta(hours=8)))
    assert when(at) == "2026年11月20日 23:05"  # whatever zone this machine is in
    assert when(at.isoformat()) == when(at)  # as the database stores it
    assert when(datetime(2026, 1, 2, 3, 4)) == "2026年1月2日 03:04"  # naive: local already
    assert when(date(2026, 11, 20)) == when("2026-11-20") == "2026年11月20日"
    assert when(None) == when("") == "" and when("昨天") == "昨天"
