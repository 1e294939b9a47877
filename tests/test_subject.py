"""Who a phrase is said of (subject.py): 不知道 of a third person reports, the speaker's
own refuses; in typed text and in speech heard from audio, spotted or not."""
import pytest

from monitor import subject
from monitor.records import PhraseHit, Utterance, Word


def taboo(scorer, utterance):
    return [h.phrase for h in scorer.hear(utterance, 0)[1] if h.kind == "taboo"]


@pytest.mark.parametrize("text", [
    "教练不知道每个队员的任务都很明确",   # a noun with an object after it
    "老师不知道明天要交三篇作文",
    "很多人不知道这个政策，您可以先看一下",
    "领导都不知道怎么回事",
    "材料不知道放哪了",
    "他不知道",                           # a third-person pronoun, adverbs between
    "他不知道这件事",
    "他们根本不知道",
    "她也不知道您来了",
    "大家都不知道",
    "人家不知道",
    "孩子们不知道",                       # persons in the plural
    "别人不知道，您放心",
])
def test_said_of_a_third_person_is_a_report(scorer, text):
    assert taboo(scorer, Utterance(0, 3, "staff", text)) == []


@pytest.mark.parametrize("text", [
    "不知道",
    "不知道啊",
    "这个我不知道",                       # the speaker, whatever stands before
    "我也不知道",
    "我真不知道",
    "老师，我不知道",
    "对的就是这个我不知道",
    "这事不知道",                         # a topic with nothing after: the speaker's
    "具体的不知道",
    "老师也不知道",
    "请出示身份证，不知道",               # a noun in the clause before
    "这是您的身份证，不知道",
    "谁不知道啊",
    "你不知道吗",
    "我们不知道",                         # the speaker and the one spoken to, plural
    "我们也不知道，你问别人吧",
    "咱们这儿不知道",
    "你们不知道吗",
])
def test_the_speakers_own_is_still_a_taboo(scorer, text):
    assert "不知道" in taboo(scorer, Utterance(0, 3, "staff", text))


def _heard(pinyin, pause_before=None, spotted=None):
    """Speech as the sherpa stream gives it: syllables 0.25 s apart (a pause of 0.5 s
    before syllable `pause_before`), the characters decoded, a spotter's hit."""
    from monitor import hanzi, lexicon

    syllables, words, at = pinyin.split(), [], 0.0
    for n, syllable in enumerate(syllables):
        at += 0.5 if n == pause_before else 0.0
        words.append(Word(syllable, round(at, 3), round(at + 0.22, 3)))
        at += 0.25
    hits = () if spotted is None else (PhraseHit(
        "taboo", "不知道", "不知道", -1, spotted[0], spotted[1], 100.0, "推诿", "major"),)
    text = hanzi.load(lexicon.load()).decode(syllables)
    return Utterance(0, at + 0.1, "staff", text, pinyin, words=tuple(words),
                     heard_by="sherpa", spotted=hits)


@pytest.mark.slow
@pytest.mark.parametrize("pinyin, spotted, kept", [
    # 教练布置到… heard with 不知道's tones (bench/audio.py everyday), spotted too or not
    ("jiāo liàn bù zhī dào měi gè duì yuán de rèn wù dōu hěn míng què", None, False),
    ("jiāo liàn bù zhī dào měi gè duì yuán de rèn wù dōu hěn míng què", (0.5, 1.25), False),
    ("tā bù zhī dào", (0.25, 1.0), False),
    ("zhè gè wǒ bù zhī dào", (0.75, 1.5), True),
    ("bù zhī dào nǐ qù wèn bié rén", None, True),
])
def test_heard_speech_is_judged_in_its_decoded_characters(scorer, pinyin, spotted, kept):
    assert ("不知道" in taboo(scorer, _heard(pinyin, spotted=spotted))) is kept


@pytest.mark.slow
def test_a_pause_ends_the_clause_in_speech(scorer):
    said = "qǐng chū shì shēn fèn zhèng bù zhī dào nǐ qù wèn bié rén"
    assert "不知道" in taboo(scorer, _heard(said, pause_before=6))
    assert "不知道" not in taboo(scorer, _heard(said))  # one clause: 身份证 its subject


def test_clauses_are_counted_in_the_characters_matching_keeps():
    assert subject.clauses("请出示 身份证，不知道。") == {0, 6, 9}
    assert subject.pauses([(0, 0.2), (0.25, 0.45), (1.0, 1.2)]) == {0, 2, 3}
