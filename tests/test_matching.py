"""Matching on the bundled lexicons: what ASR does to text must not hide a phrase."""
from dataclasses import replace

import pytest

from monitor.lexicon import Lexicon, Phrase
from monitor.matching import MatchOptions, Matcher, loose_syllable, sound_syllable, unit_times
from monitor.normalize import normalize
from monitor.records import PhraseHit, Utterance, Word

from .conftest import utt


def found(scorer, text="", pinyin=""):
    return {(s.phrase.kind, s.phrase.text) for s in scorer.matcher.find(normalize(text, pinyin))}


@pytest.mark.parametrize("heard", [
    "你烦不烦啊",          # as written
    "你 烦 不 烦",         # spaces between words, as vosk writes
    "你煩不煩",            # traditional characters
    "你凡不凡啊",          # homophones
])
def test_taboo_survives_recognition_noise(scorer, heard):
    assert ("taboo", "你烦不烦") in found(scorer, heard)


def test_taboo_survives_a_dropped_character(scorer):
    assert ("taboo", "这不归我管") in found(scorer, "停电你打热线这不归管")


def test_pinyin_only_utterance_is_matched(scorer):
    assert ("greeting", "您好") in found(scorer, pinyin="nín hǎo qǐng zuò")
    assert ("taboo", "你烦不烦") in found(scorer, pinyin="ni3 fan2 bu4 fan2")


def test_ordinary_speech_has_no_taboo(scorer):
    hits = found(scorer, "好的请您出示一下身份证我帮您查一下大概二十个工作日")
    assert not [h for h in hits if h[0] == "taboo"]


def test_exception_beats_hit(scorer):
    assert ("taboo", "不知道") in found(scorer, "这个我不知道")
    assert ("taboo", "不知道") not in found(scorer, "不知道您需要办理哪一项")


def test_short_homophone_must_sit_on_word_boundaries(scorer):
    assert ("farewell", "再见") in found(scorer, "好的 在见")
    assert ("farewell", "再见") not in found(scorer, "我昨天在健身房")


def test_final_particles_count_only_at_the_end(scorer):
    assert ("question", "吗") in found(scorer, "户口本没带可以吗")
    assert ("question", "吗") not in found(scorer, "吗啡要处方")


def test_overlapping_phrases_of_one_kind_are_one_event(scorer):
    taboo = [h for h in found(scorer, "我也不知道") if h[0] == "taboo"]
    assert taboo == [("taboo", "不知道")]


def test_hit_carries_its_time_span(scorer):
    u = utt(10.0, 14.0, "staff", "好的你烦不烦啊")  # 7 units over 4 s
    [hit] = [h for h in scorer.matcher.hits(u, 0) if h.kind == "taboo"]
    assert hit.start == pytest.approx(10.0 + 2 * 4 / 7)
    assert hit.end == pytest.approx(10.0 + 6 * 4 / 7)
    assert hit.category == "不耐烦" and hit.severity == "critical"
    assert hit.matched == "你烦不烦"


def test_word_timings_give_exact_spans(scorer):
    words = (Word("好的", 1.0, 1.5), Word("再见", 3.0, 3.8))
    u = utt(1.0, 3.8, "staff", "好的 再见", words=words)
    [hit] = [h for h in scorer.matcher.hits(u, 0) if h.kind == "farewell"]
    assert (hit.start, hit.end) == (3.0, 3.8)


def test_pinyin_word_timings():
    u = utt(0.0, 2.0, "staff", "", pinyin="zai4 jian4",
            words=(Word("zài", 0.2, 0.5), Word("jiàn", 0.6, 0.9)))
    assert unit_times(u, 2) == [(0.2, 0.5), (0.6, 0.9)]


def test_threshold_is_per_kind():
    lexicon = Lexicon((Phrase("请您出示身份证", "please"), Phrase("你到底办不办", "taboo",
                                                           category="不耐烦", severity="major")))
    strict = Matcher(lexicon, MatchOptions(thresholds={"please": 99.0, "taboo": 99.0}))
    loose = Matcher(lexicon, MatchOptions(thresholds={"please": 70.0, "taboo": 70.0}))
    heard = normalize("请出示身份证")
    assert strict.find(heard) == []
    assert [s.phrase.text for s in loose.find(heard)] == ["请您出示身份证"]


def test_loose_pinyin_merges_accent_confusions():
    assert loose_syllable("zhang") == loose_syllable("zang")
    assert loose_syllable("nin") == loose_syllable("ling")
    assert loose_syllable("shi") == "si"


def test_pinyin_only_edges_need_only_their_initials(scorer):
    """A small recogniser mishears finals (烦 as fa): in pinyin-only speech an edge syllable
    with the right initial anchors the phrase; in characters it must be the syllable."""
    assert ("taboo", "你烦不烦") in found(scorer, pinyin="lǐ fān bù fā mā")
    assert ("taboo", "你烦不烦") not in found(scorer, "你烦不发吗")
    assert ("taboo", "你烦不烦") not in found(scorer, pinyin="lǐ fān bù shì")


# Courtesy phrases heard by sound: one mishearing of each confusion class of regional
# accents, in characters (where only the exact syllables matched before) or in pinyin as the
# recogniser hears it, toned (an/ang and f/h, which loose pinyin did not merge)
_SAID = Lexicon(tuple(Phrase(text, kind) for text, kind in (
    ("上午好", "greeting"), ("早上好", "greeting"), ("欢迎光临", "greeting"),
    ("您慢走", "farewell"), ("真抱歉", "apology"), ("请放心", "please"),
    ("请出示", "please"), ("请稍等", "waiting"), ("麻烦您", "please"))))


@pytest.mark.parametrize("text, pinyin, phrase", [
    ("", "shān wú hǎo", "上午好"),      # an/ang (shang), the third tone before a third
    ("山午好", "", "上午好"),
    ("", "fān yíng guāng lín", "欢迎光临"),  # f/h: huan heard fan
    ("", "má huán nín", "麻烦您"),      # and fan heard huan
    ("林慢走", "", "您慢走"),           # n/l
    ("征抱歉", "", "真抱歉"),           # en/eng
    ("请放星", "", "请放心"),           # in/ing
    ("找上好", "", "早上好"),           # z/zh
    ("请粗示", "", "请出示"),           # c/ch
    ("请骚等", "", "请稍等"),           # s/sh
])
def test_courtesy_phrase_heard_by_sound(text, pinyin, phrase):
    u = Utterance(0, 2, "staff", text, pinyin=pinyin, heard_by="sherpa" if pinyin else "")
    hits = Matcher(_SAID).hits(u, 0)
    assert [h.phrase for h in hits] == [phrase]
    assert not Matcher(_SAID, MatchOptions(sound_kinds=())).hits(u, 0)


def test_sound_syllable_merges_every_accent_class():
    for said, heard in (("shang", "shan"), ("xiang", "xian"), ("huan", "fan"), ("hui", "fei"),
                        ("nin", "lin"), ("zhen", "zheng"), ("xin", "xing"), ("zao", "zhao"),
                        ("chu", "cu"), ("shao", "sao")):
        assert sound_syllable(said) == sound_syllable(heard)
    assert sound_syllable("hao") != sound_syllable("fao")  # h before a vowel but u is h
    assert sound_syllable("zhong") != sound_syllable("zhen")


@pytest.mark.parametrize("pinyin, expected", [
    ("sān wǔ hào chuāng kǒu", False),    # 三五号: 号 is not 好's tone
    ("wǒ huì fǎn yìng nín de yì jiàn", False),  # 反映您 is no 欢迎您: 映 not 迎's tone
    ("shàng wǔ hǎo", True),
])
def test_by_sound_keeps_the_tones_of_syllables_heard_as_themselves(scorer, pinyin, expected):
    kinds = {h.kind for h in scorer.hear(_heard(pinyin), 0)[1]}
    assert ("greeting" in kinds) is expected


def test_by_sound_a_phrase_does_not_cut_through_a_word(scorer):
    """临请问 of 光临 is no 您请问 (n/l)."""
    assert "please" not in {kind for kind, _ in found(scorer, "欢迎光临请问您办理什么业务")}


def test_by_sound_a_phrase_is_heard_whole_and_of_three_syllables(scorer):
    """Where a greeting or a farewell is expected half of it heard counts, but not half of it
    heard by sound (麻烦您 is no 欢迎您), nor a form of two syllables (在讲 is no 再见)."""
    for pinyin in ("má fan nín qiān gè zì", "wǒ zài jiǎng zhè gè zhèng cè"):
        assert not scorer.expecting.hits(_heard(pinyin), 0)


def _heard(pinyin, spotted=(), start=0.0, end=4.0):
    """An utterance as the sherpa stream writes it: syllables with times, spotter hits."""
    syllables = pinyin.split()
    step = (end - start) / len(syllables)
    words = tuple(Word(s, start + k * step, start + (k + 1) * step)
                  for k, s in enumerate(syllables))
    hits = tuple(PhraseHit(kind="taboo", phrase=p, matched=p, utterance=-1, start=a, end=b,
                           score=100.0, severity="major") for p, a, b in spotted)
    return Utterance(start, end, "staff", pinyin=pinyin, words=words, spotted=hits,
                     heard_by="sherpa")


@pytest.mark.parametrize("pinyin, spotted, kept", [
    # the spotter fired on a polite line the recogniser heard as something else
    ("běn qī diàn fèi yī bǎi èr shí bā yuán", ("不可能的", 1.0, 2.5), False),
    # an exception of the phrase heard around it: 不知道的话 is no taboo
    ("nín bù zhī dào de huà kě yǐ wèn yī xià", ("不知道", 0.4, 1.6), False),
    # a short phrase (also an ordinary word) needs every syllable heard: 短信提醒 is no 急什么
    ("duǎn xìn jí xiān měi gè yuè", ("急什么", 0.8, 2.2), False),
    ("nǐ jí shén me a", ("急什么", 0.5, 2.5), True),
    ("nǐ fán bù fán a hòu miàn hái yǒu rén", ("你烦不烦", 0.0, 2.0), True),
    # a long phrase the spotter caught, the recogniser heard a part of
    ("méi lián qián zì jǐ qù wàn", ("没零钱自己去换", 0.5, 3.5), True),
    # heard by the recogniser alone, three syllables are evidence only in their tones:
    # 饭后散步 is no 烦不烦
    ("fǎn gòu fàn bù fàn xiǎo shí", None, False),
    ("hòu miàn de rén fán bù fán a", None, True),
    ("lǐ fān bù fā mā hòu miàn hái yǒu rén", ("你烦不烦", 0.0, 1.5), True),
    # ... and together: 我 ... 也没 scattered over a sentence is no 我也没办法
    ("lǎo shī wǒ shì zì zuò yě méi àn shí", ("我也没办法啊", 1.0, 3.0), False),
    # natural voices (bench/audio.py taboo): a phrase heard whole at an utterance's edge is
    # no exception heard only as far as the phrase (不知道 of 不知道您, 下班了 of 下班了也)
    ("duì de jiù shì zhè gè wǒ bù zhī dào", ("不知道", 2.5, 4.0), True),
    ("xià bān le", ("已经下班了", 0.0, 4.0), True),
    ("tā mā de zhè zhāng biǎo de hù zhǔ", ("他妈的", 0.0, 1.5), True),
    ("nǐ zì jǐ kàn", ("有牌子自己看", 0.0, 4.0), True),
    # ... while the exception heard whole still excuses it
    ("wǒ bù zhī dào nín", ("不知道", 0.0, 4.0), False),
    ("nǐ zì jǐ kàn yī xià", ("有牌子自己看", 0.0, 4.0), False),
])
def test_taboo_from_audio_needs_the_recogniser_to_agree(scorer, pinyin, spotted, kept):
    _, hits = scorer.hear(_heard(pinyin, (spotted,) if spotted else ()), 0)
    assert any(h.kind == "taboo" for h in hits) is kept


def test_typed_text_is_not_held_to_the_audio_evidence_bar(scorer):
    typed = Utterance(0, 2, "staff", "你烦不烦")
    assert [h.phrase for h in scorer.hear(typed, 0)[1] if h.kind == "taboo"] == ["你烦不烦"]


def test_a_hit_in_decoded_speech_is_quoted_in_its_characters(scorer):
    decoded = Utterance(0, 3, "staff", text="你烦不烦啊", pinyin="nǐ fán bù fán a",
                        heard_by="sherpa")
    [hit] = [h for h in scorer.hear(decoded, 0)[1] if h.kind == "taboo"]
    assert hit.matched == "你烦不烦"


def test_a_text_matched_again_is_remembered_and_the_memory_bounded(scorer):
    """Live, a visit is judged again on every partial result and tick: its texts are
    matched once, the same spans come back (a fresh list each time), and only the
    newest texts are kept."""
    from monitor import matching

    matcher = Matcher(scorer.lexicon, scorer.matcher.options)
    norm = normalize("您好请坐你烦不烦啊")
    first = matcher.find(norm)
    first.clear()
    again = matcher.find(norm)
    assert again == scorer.matcher.find(norm) and {s.phrase.text for s in again} >= {
        "您好", "你烦不烦"}
    assert again is not matcher.find(norm)
    for n in range(matching._REMEMBERED + 10):
        matcher.find(normalize(f"请稍等{n}"))
    assert len(matcher._found) == matching._REMEMBERED and norm not in matcher._found


@pytest.mark.parametrize("text, pinyin, kept", [
    ("我住在城东那边", "wǒ zhù zài chéng dōng nà biān", False),  # 那边, not 哪边
    ("我住在城东哪边", "wǒ zhù zài chéng dōng nǎ biān", True),
])
def test_a_spotted_short_phrase_the_recogniser_decoded_as_another_word_is_none(
        scorer, text, pinyin, kept):
    """The keyword spotter weighs no tones: where the recogniser's syllables at its hit are
    decoded as another dictionary word, that word was said (as for the matcher's own)."""
    heard = replace(_heard(pinyin, start=522.4, end=524.1), role="customer", text=text)
    spotted = PhraseHit(kind="question", phrase="哪里", matched="哪边", utterance=-1,
                        start=523.4, end=524.0, score=100.0)
    _, hits = scorer.hear(replace(heard, spotted=(spotted,)), 0)
    assert any(h.kind == "question" for h in hits) is kept
