"""Masking ID-card, phone and bank-card numbers however recognition wrote them."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.privacy import DIGITS, find, mask, mask_words

CHINESE = {"0": "零", "1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "6": "六",
           "7": "七", "8": "八", "9": "九"}


@pytest.mark.parametrize("said, shown, kind", [
    ("我的手机号13812345678", "我的手机号138****5678", "mobile"),
    ("电话 138 1234 5678 好的", "电话 138 **** 5678 好的", "mobile"),
    ("一三八一二三四五六七八", "一三八****五六七八", "mobile"),
    ("幺三八幺二三四五六七八", "幺三八****五六七八", "mobile"),
    ("１３８１２３４５６７８", "１３８****５６７８", "mobile"),
    ("身份证号110101199003071234", "身份证号110***********1234", "id_card"),
    ("11010119900307123X", "110***********123X", "id_card"),
    ("身份证是一一零一零一一九九零零三零七一二三X", "身份证是一一零***********一二三X", "id_card"),
    ("卡号6222021234567890123", "卡号***************0123", "bank_card"),
    ("6222 0212 3456 7890", "**** **** **** 7890", "bank_card"),
    ("六二二二零二一二三四五六七八九零", "************七八九零", "bank_card"),
    ("座机010-62345678", "座机010-******78", "landline"),
    ("0531-87654321", "0531-******21", "landline"),
    ("打八七六五四三二一", "打******二一", "landline"),
])
def test_personal_numbers_are_masked(said, shown, kind):
    assert mask(said) == shown
    assert [m.kind for m in find(said)] == [kind]


@pytest.mark.parametrize("text", [
    "大概二十个工作日", "三楼 下一个", "本期电费一百二十八元", "请到3号窗口", "九五五九八",
    "第一二三次", "2026年11月22日", "工号12345", "一二三四五六",
])
def test_ordinary_numbers_stay(text):
    assert mask(text) == text and find(text) == []


def test_every_number_in_a_quote_is_masked():
    said = "手机13912345678，身份证110101199003071234"
    assert mask(said) == "手机139****5678，身份证110***********1234"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11).map(lambda s: "13" + s[2:]),
       st.booleans())
def test_any_mobile_keeps_only_head_and_tail(number, chinese):
    said = "".join(CHINESE[d] for d in number) if chinese else number
    masked = mask(f"号码是{said}。")
    digits = [c for c in masked if c in DIGITS]
    assert masked.count("*") == 4 and len(digits) == 7
    assert masked[3:6] == said[:3] and masked[-5:-1] == said[-4:]


@pytest.mark.parametrize("said, shown", [
    ("壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌****伍陆柒捌"),
    ("yāo sān bā yāo èr sān sì wǔ liù qī bā", "yāo sān bā * * * * wǔ liù qī bā"),
    ("yao san ba yao er san si wu liu qi ba", "yao san ba * * * * wu liu qi ba"),
    ("wǒ de shǒu jī hào shì yāo sān bā yāo èr sān sì wǔ liù qī bā ba",
     "wǒ de shǒu jī hào shì yāo sān bā * * * * wǔ liù qī bā ba"),
    ("+86 138 1234 5678", "+86 138 **** 5678"),
    ("0086-13812345678", "0086-138****5678"),
    ("8613812345678", "86138****5678"),
    ("138，1234，5678", "138，****，5678"),
    ("138, 1234, 5678", "138, ****, 5678"),
    ("13812345678110101199003071234", "138****5678110***********1234"),
    ("一三八一二三四五六七八 一一零一零一一九九零零三零七一二三四",
     "一三八****五六七八 一一零***********一二三四"),
])
def test_every_form_of_a_number_is_masked(said, shown):
    assert mask(said) == shown


@pytest.mark.parametrize("text", [
    "2026-11-22", "合计1,280,000元", "一下", "一起", "请到1234号窗口", "yī xià", "yāo qiú",
])
def test_dates_amounts_and_words_stay(text):
    assert mask(text) == text


def test_words_are_masked_as_one_text():
    words = ["号码", "yāo", "sān", "bā", "yāo", "èr", "sān", "sì", "wǔ", "liù", "qī", "bā"]
    assert mask_words(words) == ["号码", "yāo", "sān", "bā", "*", "*", "*", "*", "wǔ", "liù",
                                 "qī", "bā"]
