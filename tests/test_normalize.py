from monitor.normalize import clean_chars, normalize, split_pinyin, standing, text_pinyin, toneless


def test_traditional_becomes_simplified():
    assert clean_chars("請稍等，讓您久等了") == "请稍等让您久等了"


def test_spaces_punctuation_and_full_width_are_removed():
    assert clean_chars("您 好 ！ 请问  您要办理 什么 业务？") == "您好请问您要办理什么业务"
    assert clean_chars("ＡＢＣ１２３") == "abc123"


def test_one_syllable_per_character():
    norm = normalize("您好请坐")
    assert norm.chars == "您好请坐"
    assert norm.syllables == ("nin", "hao", "qing", "zuo")


def test_spoken_readings_of_common_polyphones():
    assert normalize("还有").syllables == ("hai", "you")
    assert normalize("等着").syllables == ("deng", "zhe")
    assert normalize("行不行").syllables == ("xing", "bu", "xing")


def test_digits_are_read_as_chinese_numerals():
    assert normalize("12").syllables == ("yi", "er")


def test_pinyin_only_utterances():
    norm = normalize("", "nín hǎo  qǐng3 zuo4")
    assert norm.chars == ""
    assert norm.syllables == ("nin", "hao", "qing", "zuo")


def test_toneless_forms():
    assert toneless("nǚ") == "nv"
    assert toneless("LV3") == "lv"
    assert split_pinyin("ni3'hao3, zai4 jian4") == ("ni", "hao", "zai", "jian")


def test_characters_win_over_pinyin():
    assert normalize("再见", "zai jian ma").syllables == ("zai", "jian")


def test_text_pinyin_for_display():
    assert text_pinyin("您慢走") == "nin man zou"


def test_standing_finds_each_whole_form_where_it_begins():
    opening = {"ni": (("ni", "hao"), ("ni", "hao", "ma")), "hao": (("hao", "de"),)}
    heard = ["ni", "hao", "ni", "hao", "de", "ni"]
    assert list(standing(heard, opening)) == [(0, ("ni", "hao")), (2, ("ni", "hao")),
                                              (3, ("hao", "de"))]  # a form cut short is not


def test_standing_reads_a_forms_syllables_as_told():
    opening = {"zou": (("走开", ("zou", "kai")),)}
    assert list(standing(("ni", "zou", "kai"), opening, lambda form: form[1])) == [
        (1, ("走开", ("zou", "kai")))]
    assert list(standing(("zou",), opening, lambda form: form[1])) == []
