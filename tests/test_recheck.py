"""The second, biased reading: where a taboo is near, and which reading stands (no model:
readings typed as a recogniser gives them, with the taboo forms as the engine gives them)."""
from __future__ import annotations

import pytest

from monitor.asr.recheck import Recheck, distance, sounds
from monitor.records import PhraseHit, Utterance, Word

FORMS = [("白痴", "bái chī"), ("等着", "děng zhe"), ("走开", "zǒu kāi"), ("急什么", "jí shén me"),
         ("活该", "huó gāi nǐ"), ("不知道", "bù zhī dào"), ("不知道", "wǒ bù zhī dào"),
         ("你快点", "kuài diǎn"), ("要舒服别上医院来", "bìng lì bù néng gěi nǐ")]


@pytest.fixture(scope="module")
def recheck():
    return Recheck(FORMS)


def heard(pinyin: str, spotted: tuple[PhraseHit, ...] = ()) -> Utterance:
    """A reading with a syllable every 0.3 s."""
    syllables = pinyin.split()
    words = tuple(Word(s, round(0.3 * n, 3), round(0.3 * n + 0.25, 3))
                  for n, s in enumerate(syllables))
    return Utterance(0.0, 0.3 * len(syllables), "staff", pinyin=pinyin, words=words,
                     heard_by="sherpa", spotted=spotted)


@pytest.mark.parametrize("form, said, near", [
    ("bái chī", "bái jí shì", True),  # one syllable half right (the same final)
    ("zǒu kāi", "zǒu wǒ kàn", True),  # one slipped in, one half right
    ("jí shén me", "jí shì", True),  # half right, and the light 么 lost
    ("huó gāi nǐ", "wǒ gāi nǐ", True),  # one wholly other in three
    ("bái chī", "bái tiān", False),  # a form of two keeps both
    ("děng zhe", "děng", False),  # ...even its light syllable
    ("děng zhe", "mén shè", False),  # and one of them exactly
    ("bù zhī dào", "lǎo shī", False),
])
def test_a_form_is_near_within_one_edit_of_what_was_heard(form, said, near):
    light = tuple(s == "me" for s in form.split())
    assert (distance(sounds(form.split()), sounds(said.split()), light) <= 1.0) is near


def test_a_segment_is_read_again_where_a_taboo_is_near_or_spotted(recheck):
    assert recheck.near(heard("nǐ zěn me zǒu wǒ kàn"))
    assert not recheck.near(heard("míng tiān bái tiān duō yún"))
    spotted = PhraseHit(kind="taboo", phrase="白痴", matched="白痴", utterance=-1, start=0.0,
                        end=0.6, score=100.0)
    assert recheck.near(heard("míng tiān bái tiān duō yún", (spotted,)))


def test_a_taboo_near_is_told_from_one_heard_as_said(recheck):
    """Live, a second reading is begun where a form is near but not heard as said."""
    assert any(far > 0 for far in recheck.distances(sounds("gēng xīn jí shén n".split())))
    assert recheck.distances(sounds("gēng xīn jí shén me".split())) == [0.0]
    assert recheck.distances(sounds("míng tiān bái tiān duō yún".split())) == []


def test_the_biased_reading_stands_only_where_it_confirms_a_form_greedy_heard_near(recheck):
    greedy = heard("wǒ gāi nǐ xiān zǒu ba")
    chosen = recheck.choose(greedy, heard("huó gāi nǐ xiān zǒu ba"))
    assert chosen.pinyin == "huó gāi nǐ xiān zǒu ba" and chosen.start == greedy.start
    # elsewhere the greedy words stay, whatever the bias heard there
    chosen = recheck.choose(heard("wǒ gāi nǐ xiān zǒu ba"), heard("huó gāi nǐ xiān zǒu kāi"))
    assert chosen.pinyin == "huó gāi nǐ xiān zǒu ba"


def test_a_taboo_the_bias_wrote_over_other_words_is_refused(recheck):
    """病历复印需要本人… read with a strong bias as 病历不能给你: the greedy reading there
    is more than an edit from the form."""
    greedy = heard("bìng lì fù yìn xū yào běn rén")
    assert recheck.choose(greedy, heard("bìng lì bù néng gěi nǐ běn rén")) is greedy


def test_a_phrase_greedy_heard_whole_is_left_to_the_matcher(recheck):
    """如果不知道 (an exception of 不知道) read biased as 如果我不知道: a form is added, not
    a phrase, and the added 我 would hide the exception."""
    greedy = heard("rú guǒ bù zhī dào dá àn")
    assert recheck.choose(greedy, heard("rú guǒ wǒ bù zhī dào dá àn")) is greedy


def test_no_biased_reading_leaves_the_greedy_one(recheck):
    greedy = heard("zǒu wǒ kàn")
    assert recheck.choose(greedy, None) is greedy
    assert recheck.choose(greedy, heard("zǒu wǒ kàn")) is greedy


COURTEOUS = FORMS + [("有什么可以帮到您", "yǒu shén me kě yǐ bāng dào nín"), ("再见", "zài jiàn"),
                     ("不要再讲了", "bù yào zài jiǎng le")]


def test_a_courtesy_phrase_half_heard_is_read_again_and_stands_where_confirmed():
    """Greedy search hears 您 as 你 now and then: the greeting left without its courteous
    word; the biased reading's 您 stands, as a taboo's would."""
    recheck = Recheck(COURTEOUS, taboo={p for p, _ in FORMS})
    greedy = heard("yǒu shén me kě yǐ bāng dào nǐ")
    assert recheck.near(greedy)
    chosen = recheck.choose(greedy, heard("yǒu shén me kě yǐ bāng dào nín"))
    assert chosen.pinyin == "yǒu shén me kě yǐ bāng dào nín"
    # live, only a taboo near begins the second reading before the segment ends
    near = sounds(greedy.pinyin.split())
    assert sorted(recheck.distances(near)) == [0.5, 1.0]  # 有什么可以帮到您, 急什么
    assert recheck.distances(near, taboo=True) == [1.0]


def test_a_form_heard_whole_is_not_written_over_by_another_phrase():
    """你不要再讲了 read biased as 你不要再见了 would lose the taboo to a farewell."""
    recheck = Recheck(COURTEOUS, taboo={p for p, _ in FORMS} | {"不要再讲了"})
    greedy = heard("nǐ bù yào zài jiǎng le")
    assert recheck.choose(greedy, heard("nǐ bù yào zài jiàn le")) is greedy
