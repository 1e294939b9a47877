"""Characters from toned pinyin: lexicon phrases and business words read as written, one
character per syllable always, odd input tolerated, better than a per-syllable guess."""
from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin
from rapidfuzz.distance import Levenshtein

from monitor import hanzi, lexicon
from monitor.errors import InputError
from monitor.normalize import clean_chars

# Counter sentences written for this test: in no lexicon, corpus or tuning text.
HELD_OUT = [
    "请您先到三号窗口取号排队",
    "您的社保卡已经办好了",
    "这张表格需要您本人签字",
    "医保报销要带上发票原件",
    "银行卡密码输错三次会被锁定",
    "本月的水费已经从账户里扣除",
    "营业执照的副本需要盖公章",
    "孩子落户要带出生证明",
]


def toned(text: str) -> list[str]:
    """Toned pinyin, one syllable per character (a digit stays itself)."""
    return [r[0] for r in pinyin(text, style=Style.TONE, errors=lambda s: list(s))]


@pytest.fixture(scope="module")
def decoder() -> hanzi.Decoder:
    return hanzi.load()


def test_load_is_built_once_per_process(decoder):
    assert hanzi.load() is decoder


def test_lexicon_phrases_read_in_their_own_characters(decoder):
    forms = [f for p in lexicon.load().phrases for f in p.forms]
    readings = Counter(tuple(toned(f)) for f in forms)
    # forms that sound alike to the last tone (他/她) cannot be told apart by sound
    distinct = [f for f in forms if readings[tuple(toned(f))] == 1]
    assert len(distinct) > 500
    wrong = [(f, decoder.decode(toned(f))) for f in distinct if decoder.decode(toned(f)) != f]
    assert wrong == []


@pytest.mark.parametrize("sentence, expected", [
    ("nín hǎo qǐng wèn nín bàn lǐ shén me yè wù", "您好请问您办理什么业务"),
    ("qǐng shāo děng", "请稍等"),
    ("qǐng màn zǒu", "请慢走"),
    ("nǐ fán bù fán", "你烦不烦"),
    ("bù zhī dào", "不知道"),
])
def test_heard_phrases_in_a_line(decoder, sentence, expected):
    assert decoder.decode(sentence.split()) == expected


def test_sandhi_and_noisy_tones_cost_but_do_not_veto(decoder):
    assert decoder.decode("ní hǎo".split()) == "你好"  # 3-3 sandhi as the recogniser hears it
    assert decoder.decode("bú yào jǐn".split()) == "不要紧"  # 不 before a 4th tone
    assert decoder.decode("shēn fēn zhèng".split()) == "身份证"  # one tone misheard


def test_business_words_of_every_sector(decoder):
    words = hanzi.load_words()
    assert set(s for sectors in words.values() for s in sectors) == set(lexicon.SECTORS)
    wrong = [w for w, sectors in words.items() if decoder.decode(toned(w), sectors[0]) != w]
    assert wrong == []


def test_a_sector_word_beats_a_commoner_homophone(tmp_path):
    plain = tmp_path / "plain.toml"
    plain.write_text('[hospital]\nwords = ["挂号"]\n', encoding="utf-8")
    eyes = tmp_path / "eyes.toml"
    eyes.write_text('[hospital]\nwords = ["挂号", "视力"]\n', encoding="utf-8")
    heard = "shì lì".split()
    assert hanzi.load(words=plain).decode(heard, sector="hospital") == "势力"
    assert hanzi.load(words=eyes).decode(heard, sector="hospital") == "视力"


def test_digits_spoken(decoder):
    assert decoder.decode("yī èr sān sì wǔ".split()) == "一二三四五"


@pytest.mark.parametrize("syllables", [
    [], [""], ["   "], ["zh"], ["zh", "ěn", "me"], ["xyz"], ["3"], ["hǎo", "!!"],
    ["hao3", "de5"], ["NI", "HAO"], ["nǐ", "ḿ", "ng"], ["q"] * 30, ["a"] * 200,
])
def test_odd_input_never_raises_and_keeps_length(decoder, syllables):
    assert len(decoder.decode(syllables)) == len(syllables)


def test_odd_input_is_written_plainly(decoder):
    assert decoder.decode(["xyz", "3", "hǎo"]) == hanzi.UNKNOWN + "3好"
    assert decoder.decode([]) == ""


_SOUNDS = ["nín", "hǎo", "zh", "ch", "shì", "lǜ", "nü", "er", "ń", "yi", "ma", "r", "ng",
           "qiǎng", "x", "5", "ü", "ā", "wǒ", "ba", "shen3"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_SOUNDS), st.text(max_size=4)), max_size=20))
def test_any_syllables_one_character_each(decoder, syllables):
    assert len(decoder.decode(syllables)) == len(syllables)


def _per_syllable_baseline():
    """The trivial input method: each toned syllable as its most used character."""
    from pypinyin.pinyin_dict import pinyin_dict

    freqs = hanzi._jieba_freqs()
    best: dict[str, tuple[int, str]] = {}
    for code, readings in pinyin_dict.items():
        char = chr(code)
        for reading in readings.split(","):
            if freqs.get(char, 0) > best.get(reading, (-1, ""))[0]:
                best[reading] = (freqs.get(char, 0), char)
    return lambda syllables: "".join(best.get(s, (0, "?"))[1] for s in syllables)


def test_beats_a_per_syllable_guess_on_held_out_sentences(decoder):
    baseline = _per_syllable_baseline()
    chars = sum(map(len, HELD_OUT))
    ours = sum(Levenshtein.distance(t, decoder.decode(toned(t))) for t in HELD_OUT) / chars
    theirs = sum(Levenshtein.distance(t, baseline(toned(t))) for t in HELD_OUT) / chars
    assert ours <= 0.10
    assert ours < theirs / 3


def test_toneless_input_still_decodes(decoder):
    assert decoder.decode("wo yao gua shi yin hang ka".split()) == "我要挂失银行卡"


@pytest.mark.parametrize("text, message", [
    ('[policee]\nwords = ["户口"]\n', r"words\.toml 第 1 行：字段“policee”：unknown sector"),
    ('[police]\nwords = [\n  "户口",\n  "ID卡",\n]\n',
     r"words\.toml 第 4 行：字段“police\.words”：'ID卡' is not a word"),
    ('[police]\nwords = "户口"\n', r"字段“police\.words”：must be a list of strings"),
    ('[police]\nword = ["户口"]\n', r"字段“police”：a sector table holds exactly one key"),
    ('[police\n', r"words\.toml 第 1 行：TOML 格式有误"),
])
def test_a_bad_words_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "words.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        hanzi.load_words(path)


def test_a_string_is_split_into_syllables(decoder):
    assert decoder.decode("qǐng zuò") == decoder.decode(["qǐng", "zuò"]) == "请坐"



REAL_ZH = Path("/work/shared/data/real-zh/transcripts.tsv")


@pytest.mark.skipif(not REAL_ZH.exists(), reason="../shared real-zh recordings not present")
def test_real_mandarin_references_from_their_own_pinyin(decoder):
    references = [line.split("\t")[1] for line in REAL_ZH.read_text(encoding="utf-8")
                  .splitlines() if line.strip() and not line.startswith("#")]
    pairs = [(clean_chars(t), decoder.decode(toned(clean_chars(t)))) for t in references]
    assert all(len(h) == len(r) for r, h in pairs)
    errors = sum(Levenshtein.distance(r, h) for r, h in pairs)
    assert errors / sum(len(r) for r, _ in pairs) <= 0.10  # issue 10's floor


# --- a partial result decoded from the last one's lattice --------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "audio"


def _sentences() -> list[str]:
    """Counter lines: the samples' transcripts, the held-out lines, real Mandarin when
    ../shared has it, and a long run of lexicon forms (longer than any word)."""
    lines = [clean_chars(json.loads(line)["text"]) for path in sorted(SAMPLES.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if REAL_ZH.exists():
        lines += [clean_chars(line.split("\t")[1]) for line in REAL_ZH.read_text(
            encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    forms = [f for p in lexicon.load().phrases for f in p.forms]
    return [t for t in lines + HELD_OUT + ["".join(forms[::7][:12])] if t]


def _as_heard(syllable: str) -> list[str]:
    """Ways a recogniser gives a syllable: as read, another tone (sandhi, a slip), without
    its tone (neutral), or only its initial (the final not decoded yet)."""
    plain = syllable.rstrip("12345")
    initial = hanzi._initial(plain)
    return [syllable, plain] + [plain + t for t in "12345"] + ([initial] if initial else [])


LINES = _sentences()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_growing_partial_result_reads_as_decoded_from_its_start(decoder, data):
    """Each partial result is decoded from the last one's lattice, as a stream does: the
    characters are those of a decode from the start, whatever the recogniser revised."""
    line = data.draw(st.sampled_from(LINES))
    read = [r[0] for r in pinyin(line, style=Style.TONE3, neutral_tone_with_five=True,
                                  errors=lambda s: list(s))]
    sector = data.draw(st.sampled_from([None, *lexicon.SECTORS]))
    lattice, shown = None, []
    for _ in range(len(read) + 2):
        kept = len(shown) - data.draw(st.integers(0, min(3, len(shown))))  # the tail revised
        upto = min(len(read), kept + data.draw(st.integers(0, 4)))
        shown = shown[:kept] + [data.draw(st.sampled_from(_as_heard(s))) for s in read[kept:upto]]
        lattice = decoder.lattice(shown, sector, after=lattice)
        assert lattice.text == decoder.decode(shown, sector), shown


def test_a_lattice_is_kept_only_where_the_syllables_and_their_next_are_the_same(decoder):
    """A word's cost reads the tone of the syllable after it (3-3 sandhi): the position
    before a changed syllable is decoded again."""
    first = decoder.lattice("nǐ".split())
    second = decoder.lattice("nǐ hǎo".split(), after=first)
    assert second.text == decoder.decode("nǐ hǎo") == "你好"
    assert second.states[0] is first.states[0] and second.states[1] is not first.states[1]
    third = decoder.lattice("nǐ hǎo ma".split(), after=second)
    assert third.states[1] is second.states[1] and third.states[2] is not second.states[2]
    assert third.text == decoder.decode("nǐ hǎo ma")
    assert decoder.lattice("nǐ hǎo", sector="bank", after=second).states[0] \
        is not second.states[0]


# --- the decoder's tables on disk (a restarted monitor must not rebuild them) -----------

SAMPLES = ["nǐ hǎo qǐng zuò", "wǒ xiǎng bàn shēn fèn zhèng", "shì lì", "ni hao", "zh ang",
           "yín háng kǎ mì mǎ", "guà hào", "x"] + [" ".join(toned(s)) for s in HELD_OUT]


def _fresh_load(cache, monkeypatch, caplog, lexicon_=None) -> tuple[hanzi.Decoder, str]:
    """A decoder loaded as a new process would (not the process's own), and how."""
    monkeypatch.setenv("COURTESY_CACHE_DIR", str(cache))
    caplog.clear()
    with caplog.at_level("DEBUG", logger="courtesy"):
        built = hanzi.load.__wrapped__(lexicon_)
    return built, " ".join(r.getMessage() for r in caplog.records)


def _decodes(decoder: hanzi.Decoder) -> list[str]:
    return [decoder.decode(s, sector=sector) for s in SAMPLES
            for sector in (None, "hospital", "bank")]


@pytest.mark.slow
def test_a_cached_decoder_decodes_exactly_as_a_freshly_built_one(tmp_path, monkeypatch,
                                                                caplog):
    built, said = _fresh_load(tmp_path, monkeypatch, caplog)
    assert "(built)" in said and len(list(tmp_path.glob("hanzi-*.marshal"))) == 1
    cached, said = _fresh_load(tmp_path, monkeypatch, caplog)
    assert "(cache)" in said
    assert _decodes(cached) == _decodes(built)
    assert cached.max_word == built.max_word and cached.syllables == built.syllables


@pytest.mark.slow
def test_an_added_lexicon_phrase_rebuilds_the_tables(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "lexicons"
    shutil.copytree(lexicon.default_dir(), folder)
    before, _ = _fresh_load(tmp_path / "cache", monkeypatch, caplog, lexicon.load(folder))
    assert before.decode("shì lì") == "势力"
    with (folder / "please.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[phrases]]\ntext = "视力"\nsource = "test"\n')
    after, said = _fresh_load(tmp_path / "cache", monkeypatch, caplog, lexicon.load(folder))
    assert "(built)" in said and after.decode("shì lì") == "视力"
    assert len(list((tmp_path / "cache").glob("hanzi-*.marshal"))) == 2


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "other shape"])
def test_a_corrupt_cache_file_is_rebuilt_not_fatal(tmp_path, monkeypatch, caplog, damage):
    built, _ = _fresh_load(tmp_path, monkeypatch, caplog)
    path, = tmp_path.glob("hanzi-*.marshal")
    if damage == "truncate":
        damage = path.read_bytes()[:100_000]
    elif damage == "other shape":
        key, _tables = marshal.loads(path.read_bytes())
        damage = marshal.dumps((key, ("three", "wrong", "things")))
    path.write_bytes(damage)
    again, said = _fresh_load(tmp_path, monkeypatch, caplog)
    assert "rebuilding" in said and "(built)" in said
    assert _decodes(again) == _decodes(built)
    assert marshal.loads(path.read_bytes())[0] != "three"  # written whole again


@pytest.mark.slow
def test_two_monitors_starting_at_once_on_an_empty_cache_both_decode(tmp_path):
    script = ("from monitor import hanzi; "
              "print(hanzi.load().decode('wǒ xiǎng bàn shēn fèn zhèng'))")
    env = {**os.environ, "COURTESY_CACHE_DIR": str(tmp_path)}
    starts = [subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in starts]
    assert [p.returncode for p in starts] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["我想办身份证"] * 2
    path, = tmp_path.glob("hanzi-*.marshal")  # one whole file, no temp file left
    assert not list(tmp_path.glob(".hanzi-*"))
    assert subprocess.run([sys.executable, "-c", script], env=env, text=True,
                          capture_output=True, timeout=300).stdout.strip() == "我想办身份证"
