"""The sherpa-onnx engine with the real model: pinyin, syllable times, keywords from the lexicon."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_support import REAL_ZH, SAMPLES, need_shared, sherpa_model
from monitor import asr, lexicon, models
from monitor.asr import sherpa
from monitor.audio import Transcriber, transcribe, transcribe_file
from monitor.errors import ModelError
from monitor.records import AudioChunk


@pytest.fixture(scope="module")
def engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load())


def test_tokens_are_toned_initials_and_finals():
    vocabulary = frozenset({"n", "ín", "h", "ǎo", "q", "ǐng", "m", "àn", "z", "ǒu"})
    assert sherpa.phrase_tokens("您好", vocabulary) == ("n", "ín", "h", "ǎo")
    assert sherpa.phrase_tokens("请慢走", vocabulary) == ("q", "ǐng", "m", "àn", "z", "ǒu")
    assert sherpa.phrase_tokens("您好吗", vocabulary) is None  # the model has no "a" here
    joined = sherpa.join_syllables(["n", "ín", "h", "ǎo", "ān", "er"])
    assert joined == ["nín", "hǎo", "ān", "er"]


def test_keywords_match_sherpa_text2token():
    """Our tokens for every spotted phrase are what sherpa-onnx's own text2token writes."""
    import sherpa_onnx

    tokens = sherpa_model() / "tokens.txt"
    plain = sherpa.SherpaOptions(accented_kinds=())
    table = sherpa.keywords(lexicon.load(), sherpa.read_tokens(tokens), plain)
    assert len(table) > 100
    theirs = sherpa_onnx.text2token([k.form for k in table], tokens=str(tokens),
                                    tokens_type="ppinyin")
    assert [list(k.tokens) for k in table] == theirs
    kinds = {k.phrase.kind for k in table}
    assert {"taboo", "greeting", "question"} <= kinds and not kinds & {"thanks", "instruction"}
    assert all(len(sherpa.join_syllables(k.tokens)) >= 2 for k in table)
    line = sherpa.keyword_lines(table, plain).splitlines()[0]
    assert line.endswith(" @0") and " :1.5 #" in line


def test_real_speech_is_heard_as_pinyin_with_times(engine):
    path = need_shared(REAL_ZH) / "fr_BAC009S0764W0121.wav"  # 甚至出现交易几乎停滞的情况
    (utterance,) = transcribe_file(path, engine, ("staff",))
    assert utterance.role == "staff" and utterance.heard_by == "sherpa" and utterance.decoded
    assert utterance.pinyin.startswith("shèn zhì chū xiàn jiāo yì")
    # characters decoded from the pinyin, one per syllable, for reading
    assert len(utterance.text) == len(utterance.pinyin.split())
    assert utterance.text.startswith("甚至出现交易")
    words = utterance.words
    assert len(words) == len(utterance.pinyin.split())
    assert all(a.start < b.start for a, b in zip(words, words[1:]))
    assert utterance.start <= words[0].start and words[-1].end <= utterance.end <= 4.3
    assert -45 < utterance.dbfs < -20


def test_spotter_hears_a_greeting_in_real_speech(engine):
    (utterance,) = transcribe_file(need_shared(REAL_ZH) / "fr2s_hello_zh.wav", engine, ("staff",))
    assert utterance.pinyin == "nǐ hǎo shì jiè"
    (hit,) = utterance.spotted
    assert (hit.kind, hit.phrase, hit.matched) == ("greeting", "您好", "你好")
    assert utterance.start <= hit.start < hit.end <= utterance.end + 0.3


def test_sample_farewell_is_spotted_on_the_staff_channel(engine):
    utterances = transcribe_file(SAMPLES / "police_good.flac", engine)
    staff = [u for u in utterances if u.role == "staff"]
    farewell = [h for u in staff for h in u.spotted if h.kind == "farewell"]
    assert farewell and farewell[-1].start > 70  # 不客气，请慢走，再见。 at 73.3 s
    assert {u.role for u in utterances} == {"staff", "customer"}


def test_silence_reaches_no_recogniser(engine):
    transcriber = Transcriber(engine)
    chunks = (AudioChunk(role, np.zeros(1600, np.float32), n / 10)
              for n in range(600) for role in ("staff", "customer"))
    assert transcribe(chunks, transcriber) == [] and transcriber.speech_s == 0


def test_missing_model_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("COURTESY_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match=f"courtesy model install {models.SHERPA_KWS}"):
        asr.create("sherpa")
    assert asr.resolve("auto") == "sherpa"  # vosk is not installed there


def test_greetings_are_also_spotted_as_accents_say_them():
    vocabulary = sherpa.read_tokens(sherpa_model() / "tokens.txt")
    table = sherpa.keywords(lexicon.load(), vocabulary, sherpa.SherpaOptions())
    said = {(k.form, k.tokens) for k in table if k.phrase.kind == "greeting"}
    assert ("您好", ("n", "ín", "h", "ǎo")) in said and ("您好", ("l", "ín", "h", "ǎo")) in said
    assert ("请进", ("q", "ǐn", "j", "ìn")) in said  # -ing heard as -in
    assert not any(k.tokens[0] == "l" and k.form.startswith("您")
                   for k in table if k.phrase.kind == "taboo")  # only the kinds asked for


def test_a_spotted_phrase_is_quoted_in_the_characters_it_was_spotted_as(engine):
    """The spotter knows only the form it was given: its hit quotes that form in characters
    (a hall user reads 烦不烦, not fán bù fán); the line keeps the recogniser's own pinyin."""
    utterances = transcribe_file(SAMPLES / "hospital_taboo.flac", engine)
    spotted = [h for u in utterances for h in u.spotted]
    assert any(h.kind == "taboo" for h in spotted)
    forms = {p.text: p.forms for p in lexicon.load().phrases}
    assert all(h.matched in forms[h.phrase] for h in spotted)


BIASED = sherpa.SherpaOptions(hotwords_score=2.0)  # off by default (sherpa.SherpaOptions)


@pytest.fixture(scope="module")
def biased_engine():
    sherpa_model()
    return asr.create("sherpa", lexicon.load(), BIASED)


def test_every_taboo_form_reaches_the_recogniser_as_its_own_tokens(capfd):
    """sherpa-onnx reads hotwords as cjkchar text and splits a toned vowel off its final
    (ǎo -> ǎ o, ěng -> ě ng): some lines fail, others silently bias toward other sounds. The
    recogniser reads ASCII names for the tokens instead, and logs no hotword it could not
    encode."""
    sherpa_model()
    biased = asr.create("sherpa", lexicon.load(), BIASED)
    assert "Cannot find ID" not in capfd.readouterr().err
    hot = {f for kind in BIASED.hotword_kinds for p in lexicon.load().of_kind(kind)
           for f in p.forms}
    assert {k.form for k in biased.hotwords} <= hot and len(biased.hotwords) > 200
    lines = sherpa.hotword_lines(biased.hotwords, biased.names).splitlines()
    assert all(line.isascii() for line in lines)
    assert [tuple(biased.names[n] for n in line.split()) for line in lines] == [
        k.tokens for k in biased.hotwords]
    assert ("h", "ǎo") in {k.tokens[-2:] for k in sherpa.keywords(
        lexicon.load(), sherpa.read_tokens(sherpa_model() / "tokens.txt"),
        sherpa.SherpaOptions())}  # the split the names avoid


def test_a_taboo_is_heard_as_said_where_unbiased_decoding_misheard_it(engine, biased_engine):
    """走开 in a natural voice over hall noise (a bench render): greedy search alone hears
    zǒu wǒ kàn, too far from the phrase for the evidence bar; biased toward the lexicon's
    taboo forms the recogniser hears it as said, with no hotword's first syllable added in
    the silence after it; and so does the default, greedy search reading the segment again
    biased where a taboo is near (recheck.py)."""
    from monitor.pipeline import Scorer

    path = Path(__file__).parent / "data" / "zoukai_natural.flac"
    greedy = asr.create("sherpa", lexicon.load(), sherpa.SherpaOptions(recheck_score=0))
    (plain,) = transcribe_file(path, greedy, ("staff",))
    (biased,) = transcribe_file(path, biased_engine, ("staff",))
    (rechecked,) = transcribe_file(path, engine, ("staff",))
    assert plain.pinyin != "zǒu kāi" and biased.pinyin == "zǒu kāi"
    assert rechecked.pinyin == "zǒu kāi" and rechecked.text == "走开"
    scorer = Scorer.load("general")
    assert not any(h.kind == "taboo" for h in scorer.hear(plain, 0)[1])
    for utterance in (biased, rechecked):
        assert [h.matched for h in scorer.hear(utterance, 0)[1] if h.kind == "taboo"] == ["走开"]


def test_a_greeting_half_heard_keeps_its_courteous_word(engine):
    """有什么可以帮到您 in a natural voice at SNR 12 dB (a bench render, seed 5, two
    channels): greedy search hears bāng dào nǐ, and the greeting has no courteous word left
    (rules.greeted); read again biased toward the courtesy forms near it, it keeps its 您."""
    path = Path(__file__).parent / "data" / "bangdaonin_natural.flac"
    greedy = asr.create("sherpa", lexicon.load(), sherpa.SherpaOptions(recheck_score=0))
    (plain,) = transcribe_file(path, greedy, ("staff",))
    (rechecked,) = transcribe_file(path, engine, ("staff",))
    assert plain.pinyin == "yǒu shén me kě yǐ bāng dào nǐ"
    assert rechecked.pinyin == "yǒu shén me kě yǐ bāng dào nín"
    assert rechecked.text == "有什么可以帮到您"


def test_what_the_second_reading_is_biased_toward_is_part_of_the_engines_description(engine):
    """A recording made (bench/heard.py keys it by the description) while only taboos were
    read again must not replay as one where greetings are read again too."""
    taboo_only = asr.create("sherpa", lexicon.load(), sherpa.SherpaOptions(hotword_kinds=("taboo",)))
    assert taboo_only.describe() != engine.describe()
    assert taboo_only.describe()["hotword_kinds"] == ["taboo"]


def test_a_taboo_misheard_is_read_again_while_the_line_goes_on(engine):
    """The same 走开, heard live: greedy search's partial result zǒu wǒ k… is near the taboo,
    and is given first (the matcher may hold it as enough); the biased second reading is
    begun at once and goes on with the segment, and what it confirms stands in every result
    after, the finished segment's first reading too (given while the rest of the segment is
    read), so a red shown on it is not withdrawn before the final result."""
    from monitor import sources

    path = Path(__file__).parent / "data" / "zoukai_natural.flac"
    transcriber = Transcriber(engine, partials=True)
    heard = [u for chunk in sources.read_file(path, ("staff",)) for u in transcriber.feed(chunk)]
    heard += transcriber.flush()
    said = [(u.partial, u.pinyin) for u in heard]
    confirmed = said.index((True, "zǒu kāi"))
    assert confirmed > 0 and said[confirmed - 1][1].startswith("zǒu wǒ")
    assert len(set(said[:confirmed])) == confirmed  # no partial result given twice
    assert {pinyin for _, pinyin in said[confirmed:]} == {"zǒu kāi"}
    assert said[-2:] == [(True, "zǒu kāi"), (False, "zǒu kāi")] and heard[-1].text == "走开"
