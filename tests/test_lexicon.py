"""Lexicon files: the bundled ones are valid; broken ones are named precisely."""
from pathlib import Path

import pytest

from monitor import lexicon
from monitor.errors import InputError

from .conftest import ROOT

GOOD = '''[lexicon]
kind = "taboo"

[[phrases]]
text = "你烦不烦"
category = "不耐烦"
severity = "critical"
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_lexicons_are_valid_and_cover_every_kind():
    loaded = lexicon.load(ROOT / "lexicons")
    kinds = {p.kind for p in loaded.phrases}
    assert kinds == set(lexicon.KINDS)
    taboo = loaded.of_kind("taboo")
    assert {p.category for p in taboo} == set(lexicon.TABOO_CATEGORIES)
    assert all(p.severity in lexicon.SEVERITIES for p in taboo)


def test_bundled_taboo_entries_cite_their_norm():
    for phrase in lexicon.load(ROOT / "lexicons").of_kind("taboo"):
        assert phrase.source, phrase.text


def test_good_file_loads(tmp_path):
    [phrase] = lexicon.load_file(write(tmp_path, "t.toml", GOOD))
    assert (phrase.text, phrase.category, phrase.severity, phrase.line) == \
        ("你烦不烦", "不耐烦", "critical", 4)


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.toml", GOOD + 'text = "unterminated\n')
    with pytest.raises(InputError, match=r"bad\.toml 第 8 行：TOML 格式有误"):
        lexicon.load_file(path)


@pytest.mark.parametrize("old,new,field", [
    ('category = "不耐烦"', 'category = "生气"', "category"),
    ('severity = "critical"', 'severity = "fatal"', "severity"),
    ('kind = "taboo"', 'kind = "insults"', "lexicon.kind"),
    ('text = "你烦不烦"', 'text = "！？"', "text"),
    ('text = "你烦不烦"', 'text = "你烦不烦"\nsectors = ["zoo"]', "sectors"),
    ('text = "你烦不烦"', 'text = "你烦不烦"\ncolour = "red"', "colour"),
    ('text = "你烦不烦"', 'text = "你烦不烦"\nreported = "yes"', "reported"),
])
def test_bad_entry_names_the_field(tmp_path, old, new, field):
    path = write(tmp_path, "t.toml", GOOD.replace(old, new))
    with pytest.raises(InputError, match=f"字段“{field}”"):
        lexicon.load_file(path)


def test_duplicate_phrase_is_an_error(tmp_path):
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD.replace('"你烦不烦"', '"你烦不烦"\nvariants = ["你烦不烦"]'))
    with pytest.raises(InputError, match="duplicate phrase '你烦不烦'"):
        lexicon.load(tmp_path)


def test_phrase_both_required_and_taboo_is_an_error(tmp_path):
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", '[lexicon]\nkind = "greeting"\n\n[[phrases]]\ntext = "你烦不烦"\n')
    with pytest.raises(InputError, match="listed as .* here and as"):
        lexicon.load(tmp_path)


def test_sector_phrases_apply_to_their_sector_only():
    loaded = lexicon.load(ROOT / "lexicons")
    hospital_only = [p for p in loaded.of_kind("taboo") if p.sectors == ("hospital",)]
    assert hospital_only
    assert hospital_only[0] in loaded.for_sector("hospital").phrases
    assert hospital_only[0] not in loaded.for_sector("bank").phrases
    assert hospital_only[0] not in loaded.for_sector(None).phrases


def test_cli_check_reports_counts(run):
    result = run("lexicon", "check", ROOT / "lexicons")
    assert result.exit_code == 0
    assert "个行业配置 (profiles)：检查通过 OK" in result.stdout


def test_cli_check_fails_with_one_clear_error(run, tmp_path):
    write(tmp_path, "t.toml", GOOD.replace("critical", "fatal"))
    result = run("lexicon", "check", tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：{tmp_path / 't.toml'} 第 4 行：字段“severity”")


@pytest.mark.parametrize("text,line,field,message", [
    ('phrases = [1]\n[lexicon]\nkind = "greeting"\n', 1, "phrases", "entry 1 is 1, not a table"),
    ('phrases = ["您好", 3]\n[lexicon]\nkind = "greeting"\n', 1, "phrases",
     "entry 1 is '您好', not a table"),
    ('[lexicon]\nkind = "greeting"\n\n[[phrase]]\ntext = "您好"\n', 4, "phrase", "unknown table"),
    ('[lexicon]\nkind = "greeting"\n\n[[Phrases]]\ntext = "您好"\n', 4, "Phrases", "unknown table"),
    ('[lexicon]\nkind = "greeting"\n\n[[lexicon.phrases]]\ntext = "您好"\n', 4, "lexicon.phrases",
     "unknown key"),
    ('[lexicon]\nkind = "greeting"\nphrases = ["您好"]\n', 3, "lexicon.phrases", "unknown key"),
    ('[lexicon]\nkind = "greeting"\n', None, "phrases", "no phrases"),
    ('phrases = []\n[lexicon]\nkind = "greeting"\n', 1, "phrases", "no phrases"),
])
def test_phrases_that_would_be_ignored_are_errors(tmp_path, text, line, field, message):
    path = write(tmp_path, "greeting.toml", text)
    where = f" 第 {line} 行" if line else ""
    with pytest.raises(InputError, match=rf"greeting\.toml{where}：字段“{field}”：{message}"):
        lexicon.load_file(path)
