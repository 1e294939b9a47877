"""Transcript input: good lines parse, every bad line is named with file, line and field."""
import json

import pytest

from monitor import transcript
from monitor.errors import InputError
from monitor.transcript import parse_line


def test_reads_all_fields(write_jsonl):
    path = write_jsonl([
        {"start": 0, "end": 1.5, "role": "staff", "text": "您好", "visit": "v1", "window": "W1",
         "staff": "S1", "words": [{"word": "您好", "start": 0.1, "end": 1.2}], "dbfs": -20},
        {"start": 2, "end": 3, "role": "customer", "text": "", "pinyin": "ni3 hao3",
         "visit": "v1"},
    ])
    first, second = transcript.read(path)
    assert (first.role, first.text, first.visit, first.window, first.staff, first.dbfs) == \
        ("staff", "您好", "v1", "W1", "S1", -20.0)
    assert first.words[0].start == 0.1 and first.line == 1
    assert second.pinyin == "ni3 hao3" and second.line == 2


@pytest.mark.parametrize("line,message", [
    ('{"start": 0, "end": 1, "role": "staff"', r"第 2 行：not valid JSON"),
    ('{"end": 1, "role": "staff", "text": "x"}', r"第 2 行：字段“start”：missing"),
    ('{"start": "0", "end": 1, "role": "staff", "text": "x"}', r"第 2 行：字段“start”：must be a number"),
    ('{"start": 5, "end": 4, "role": "staff", "text": "x"}', r"第 2 行：字段“end”：end 4.0 is before start"),
    ('{"start": 5, "end": 6, "role": "boss", "text": "x"}', r"第 2 行：字段“role”"),
    ('{"start": 5, "end": 6, "role": "staff"}', r"第 2 行：字段“text”"),
    ('{"start": 5, "end": 6, "role": "staff", "text": "x", "window": [1]}', r"第 2 行：字段“window”"),
    ('[1, 2]', r"第 2 行：must be a JSON object"),
    ('{"start": 0.5, "end": 6, "role": "staff", "text": "x"}', r"第 2 行：字段“start”.*time order"),
])
def test_bad_line_is_named(write_jsonl, line, message):
    path = write_jsonl(['{"start": 1, "end": 2, "role": "staff", "text": "您好"}', line])
    with pytest.raises(InputError, match=message) as caught:
        transcript.read(path)
    assert str(caught.value).startswith(str(path))


def test_empty_file(write_jsonl):
    with pytest.raises(InputError, match="no utterances"):
        transcript.read(write_jsonl([]))


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        transcript.read(tmp_path / "nope.jsonl")
    binary = tmp_path / "x.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        transcript.read(binary)


def test_round_trip(write_jsonl, tmp_path):
    rows = [{"start": 0.0, "end": 1.0, "role": "staff", "text": "您好", "window": "W1"}]
    utterances = transcript.read(write_jsonl(rows))
    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        transcript.write(utterances, handle)
    assert transcript.read(out) == [u for u in utterances]


def test_heard_by_round_trips_and_decoded_text_is_matched_by_its_pinyin(scorer):
    line = ('{"start": 0, "end": 2, "role": "staff", "text": "你号", "pinyin": "nǐ hǎo", '
            '"heard_by": "sherpa"}')
    utterance = transcript.parse_line(line, "x.jsonl", 1)
    assert utterance.heard_by == "sherpa" and utterance.decoded
    assert transcript.to_json(utterance)["heard_by"] == "sherpa"
    typed = transcript.parse_line('{"start": 0, "end": 2, "role": "staff", "text": "您好"}',
                                  "x.jsonl", 1)
    assert not typed.decoded
    _, hits = scorer.hear(utterance, 0)
    assert hits and hits[0].matched == "你号"  # quoted in the decoded characters


@pytest.mark.parametrize("line,message", [
    ('{"start": 1, "end": Infinity, "role": "staff", "text": "x"}', r"字段“end”：must be a number"),
    ('{"start": NaN, "end": 3, "role": "staff", "text": "x"}', r"字段“start”：must be a number"),
    ('{"start": 1, "end": 1e308, "role": "staff", "text": "x"}', r"字段“end”：.* more than 31 days"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "words": [{"word": "x", "start": 1, '
     '"end": -Infinity}]}', r"字段“words.end”"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "dbfs": NaN}', r"字段“dbfs”"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "\\ud800您好"}', r"字段“text”：.*surrogate"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "staff": "\\udfff"}',
     r"字段“staff”：.*surrogate"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "spotted": [{"kind": "greeting", '
     '"phrase": "您好", "start": 1, "end": 2, "score": "high"}]}', r"字段“spotted.score”"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "spotted": [{"kind": "greeting", '
     '"phrase": "您好", "start": 1, "end": 2, "matched": ["x"]}]}', r"字段“spotted”"),
    ('{"start": 1, "end": 2, "role": "staff", "text": "x", "deep": ' + "[" * 100_000
     + "]" * 100_000 + "}", r"第 2 行：not valid JSON here: nested too deeply"),
])
def test_unusable_values_are_named(write_jsonl, line, message):
    path = write_jsonl(['{"start": 1, "end": 2, "role": "staff", "text": "您好"}', line])
    with pytest.raises(InputError, match="第 2 行：" + message.removeprefix("第 2 行：")):
        transcript.read(path)


@pytest.mark.parametrize("fields, field, message", [
    ({"start": int("9" * 400)}, "start", "more than 31 days"),
    ({"start": -int("9" * 400)}, "start", "must not be negative"),
    ({"end": int("9" * 400)}, "end", "more than 31 days"),
    ({"pinyin": 5}, "pinyin", "must be a string"),
    ({"heard_by": 1}, "heard_by", "must be a string"),
    ({"visit": 3}, "visit", "must be a string"),
    ({"window": 7}, "window", "must be a string"),
    ({"window": "<xss-win>"}, "window", "window id '<xss-win>'"),
    ({"staff": "S07\"><script>"}, "staff", "only letters, digits"),
    ({"visit": "v" * 65}, "visit", "at most 64"),
])
def test_bad_numbers_and_ids_are_one_error_naming_line_and_field(fields, field, message):
    line = json.dumps({"start": 0, "end": 1, "role": "staff", "text": "您好", **fields})
    with pytest.raises(InputError, match=f"第 2 行：字段“{field}”：.*{message}"):
        parse_line(line, "t.jsonl", 2)


def test_an_integer_longer_than_python_reads_is_one_error():
    line = '{"start": ' + "9" * 5000 + ', "end": 1, "role": "staff", "text": "x"}'
    with pytest.raises(InputError, match="第 4 行：not valid JSON"):
        parse_line(line, "t.jsonl", 4)
