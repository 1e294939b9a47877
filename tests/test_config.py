"""The hall config: names for windows and staff, checked field by field."""
from __future__ import annotations

import pytest

from monitor import config
from monitor.errors import InputError


def test_example_config_loads():
    hall = config.load(config.Path(__file__).parent.parent / "hall.example.toml")
    assert hall.window_name("W01") == "户籍1号窗口" and hall.staff_name("S07") == "王芳"
    assert hall.window_name("W99") is None
    assert hall.replay_link("abc-001") == "http://localhost:8080/replay/abc-001"


def test_other_tables_are_left_alone_and_links_default_relative(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text('[lights.W01]\npin = 17\n[windows.W01]\nname = "一号窗"\n', encoding="utf-8")
    hall = config.load(path)
    assert hall.windows == {"W01": "一号窗"} and hall.staff == {}
    assert hall.replay_link("v1") == "/replay/v1"


def test_the_counter_screen_shows_details_only_when_the_hall_says_so(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text("[board]\ncounter_details = true\n", encoding="utf-8")
    assert config.load(path).counter_details is True
    path.write_text('[windows.W01]\nname = "一号窗"\n', encoding="utf-8")
    assert config.load(path).counter_details is False


def test_no_config_means_no_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.load() == config.Hall()


@pytest.mark.parametrize("text, message", [
    ('[windows.W01]\nname = "a"\nlabel = "b"\n', "field 'windows.W01.label': unknown key"),
    ("[staff.S01]\nname = 7\n", "field 'staff.S01.name': missing or not a non-empty string"),
    ('[windows]\nW01 = "a"\n', "field 'windows.W01': must be a table"),
    ('windows = "W01"\n', "field 'windows': must be a table"),
    ("replay_url = 8000\n", "field 'replay_url': must be a string URL"),
    ("[windows.W01\n", "not valid TOML"),
    ('[training]\ncustomer = "silent"\n', "field 'training.customer': must be one of keep, mute"),
    ("[training]\nstaff_names = 1\n", "field 'training.staff_names': must be true or false"),
    ("[training]\nnames = false\n", "field 'training.names': unknown key"),
    ('training = "mute"\n', "field 'training': must be a table"),
    ('[board]\ncounter_details = "yes"\n', "field 'board.counter_details': must be true or false"),
    ("[board]\ncounter_detail = true\n", "field 'board.counter_detail': unknown key"),
    ('board = "details"\n', "field 'board': must be a table"),
])
def test_bad_config_names_file_and_field(tmp_path, text, message):
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        config.load(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        config.load(tmp_path / "hall.toml")
