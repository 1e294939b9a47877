"""The on-disk cache of built tables: a bad or foreign file is a miss, never a crash."""
from __future__ import annotations

import marshal

import pytest

from monitor import diskcache, hanzi

KEY = "a" * 64
VALUE = ({("ni",): (("泥", (2,), -9.0),), ("hao",): (("号", (4,), -9.0),),
          ("ni", "hao"): (("你好", (3, 3), -7.5),)}, {"字": {"典": 1.5}}, None)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURTESY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_written_value_reads_back_under_its_key_only(cache):
    path = diskcache.write("t", KEY, VALUE)
    assert path.parent == cache and diskcache.read("t", KEY) == VALUE
    assert diskcache.read("t", "b" * 64) is None  # another key: another file
    path.rename(diskcache.path_for("t", "a" * 24 + "c" * 40))  # same file name, other key
    assert diskcache.read("t", "a" * 24 + "c" * 40) is None


@pytest.mark.parametrize("damage", [b"", b"not marshal at all", "truncate", "no key"])
def test_a_corrupt_file_is_a_miss_and_logged(cache, caplog, damage):
    path = diskcache.write("t", KEY, VALUE)
    if damage == "truncate":
        damage = path.read_bytes()[:-7]
    elif damage == "no key":
        damage = marshal.dumps(VALUE)
    path.write_bytes(damage)
    with caplog.at_level("WARNING", logger="courtesy.cache"):
        assert diskcache.read("t", KEY) is None
    assert "rebuilding" in caplog.text
    assert diskcache.write("t", KEY, VALUE) and diskcache.read("t", KEY) == VALUE


def test_an_unwritable_folder_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("COURTESY_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level("WARNING", logger="courtesy.cache"):
        assert diskcache.write("t", KEY, VALUE) is None
    assert "not written" in caplog.text


def test_old_files_are_pruned_beyond_keep(cache):
    for n in range(diskcache.KEEP + 2):
        diskcache.write("t", str(n) * 64, VALUE)
    assert len(list(cache.glob("t-*.marshal"))) == diskcache.KEEP
    assert diskcache.read("t", str(diskcache.KEEP + 1) * 64) == VALUE
    assert not list(cache.glob(".t-*"))  # no temp file left behind


def test_stored_pinyin_tables_of_another_shape_are_not_used(caplog):
    with caplog.at_level("WARNING", logger="courtesy.hanzi"):
        assert hanzi._decoder(("three", "wrong", "things"), hanzi.HanziOptions()) is None
        assert hanzi._decoder(VALUE[:2], hanzi.HanziOptions()) is None
    assert "rebuilding" in caplog.text
    decoder = hanzi._decoder(VALUE[:1] + ({}, None), hanzi.HanziOptions())
    assert decoder.decode("ni hao") == "你好"
