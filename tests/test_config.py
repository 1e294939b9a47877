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


def test_links_default_to_the_port_serve_uses(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text('[windows.W01]\nname = "一号窗"\n', encoding="utf-8")
    hall = config.load(path)
    assert hall.window_names() == {"W01": "一号窗"} and hall.staff == {}
    assert hall.replay_link("v1") == "http://localhost:8080/replay/v1"


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
    ('[windows.W01]\nname = "a"\nlabel = "b"\n', "字段“windows.W01.label”：unknown key"),
    ("[staff.S01]\nname = 7\n", "字段“staff.S01.name”：missing or not a non-empty string"),
    ('[windows]\nW01 = "a"\n', "字段“windows.W01”：must be a table"),
    ('windows = "W01"\n', "字段“windows”：must be a table"),
    ("replay_url = 8000\n", "字段“replay_url”：must be an http:// or https:// address"),
    ("[windows.W01\n", "not valid TOML"),
    ('[training]\ncustomer = "silent"\n', "字段“training.customer”：must be one of keep, mute"),
    ("[training]\nstaff_names = 1\n", "字段“training.staff_names”：must be true or false"),
    ("[training]\nnames = false\n", "字段“training.names”：unknown key"),
    ('training = "mute"\n', "字段“training”：must be a table"),
    ('[board]\ncounter_details = "yes"\n', "字段“board.counter_details”：must be true or false"),
    ("[board]\ncounter_detail = true\n", "字段“board.counter_detail”：unknown key"),
    ('board = "details"\n', "字段“board”：must be a table"),
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


HALL = """replay_url = "https://hall.example/board"

[windows.W01]
name = "户籍1号窗口"
device = "pulse"
channels = "customer,staff"

[windows.W02]
name = "户籍2号窗口"

[devices.W02]
device = 3
staff = "S07"
profile = "police"

[staff.S07]
name = "王芳"

[recordings]
keep = "all"
days = 0
folder = "/srv/audio"
transcript_days = 90

[lights]
red_hold_s = 15
ack_required = false

[[lights.drivers]]
type = "webhook"
url = "http://127.0.0.1:9/x"

[web]
allowed_hosts = ["hall.local"]
max_streams = 40
max_streams_per_client = 4

[liveness]
silent_s = 120

[central]
url = "postgresql://city/courtesy"
hall = "east"
ship_audio = false
"""


def test_one_loader_reads_every_table(tmp_path):
    path = tmp_path / "hall.toml"
    path.write_text(HALL, encoding="utf-8")
    hall = config.load(path)
    assert [(w.id, w.name, w.device, w.channels, w.staff, w.profile)
            for w in hall.windows.values()] == [
        ("W01", "户籍1号窗口", "pulse", ("customer", "staff"), None, "general"),
        ("W02", "户籍2号窗口", 3, ("staff", "customer"), "S07", "police")]
    assert [w.id for w in hall.listened()] == ["W01", "W02"]
    assert (hall.recordings.keep, hall.recordings.days, str(hall.recordings.folder)) == \
        ("all", 0.0, "/srv/audio")
    assert hall.transcript_days == 90.0
    assert (hall.lights.red_hold_s, hall.lights.ack_required) == (15, False)
    assert [d.name for d in hall.drivers] == ["webhook"]
    assert hall.web == config.WebConfig(("hall.local",), 40, 4)
    assert hall.silent_s == 120
    assert hall.central == {"url": "postgresql://city/courtesy", "hall": "east",
                            "ship_audio": False}
    assert hall.replay_link("v") == "https://hall.example/board/replay/v"


def test_the_example_documents_every_table_and_loads():
    example = config.Path(__file__).parent.parent / "hall.example.toml"
    text = example.read_text(encoding="utf-8")
    hall = config.load(example)
    assert hall.windows["W01"].device and hall.windows["W01"].name == "户籍1号窗口"
    for table, keys in config.TABLES.items():
        assert f"[{table}" in text or f"[[{table}" in text, table
        for key in keys:
            assert f"{key} =" in text or f"{table}.{key}]" in text, f"{table}.{key}"


@pytest.mark.parametrize("text, line, message", [
    ('[windows.W01]\nname = "a"\n\n[recording]\nkeep = "all"\n', 4,
     "unknown table [recording]（未知表）; did you mean [recordings]?（是否为 [recordings]？）"),
    ('[window.W01]\nname = "a"\n', 1, "unknown table [window]（未知表）; did you mean [windows]?"),
    ('[recordings]\nkeep = "all"\ndyas = 3\n', 3, "字段“recordings.dyas”：unknown key"),
    ('[devices.W1]\ndevice = 1\nchanels = "staff"\n', 3, "did you mean channels?"),
    ('[windows."W/1"]\nname = "x"\n', 1, "字段“windows.W/1”：窗口编号只能包含"),
    ('[staff."S 1"]\nname = "x"\n', 1, "字段“staff.S 1”：工号只能包含"),
    ('[devices.W1]\ndevice = 1.5\n', 2, "字段“devices.W1.device”：must be a device name"),
    ('[devices.W1]\ndevice = true\n', 2, "must be a device name"),
    ('[windows.W1]\nchannels = 5\n', 2, "字段“windows.W1.channels”：must be a string"),
    ('[windows.W1]\nchannels = "staff,boss"\n', 2, "'boss' is not staff, customer, mixed or -"),
    ('[windows.W1]\nprofile = 5\n', 2, "字段“windows.W1.profile”：须为已有的行业配置"),
    ('[windows.W1]\nprofile = "zoo"\n', 2, "不是 'zoo'"),
    ('[windows.W1]\ndevice = 1\n[devices.W1]\ndevice = 2\n', 4, "set twice"),
    ('[recordings]\nfolder = 5\n', 2, "字段“recordings.folder”：must be a non-empty string"),
    ('[recordings]\ndays = nan\n', 2,
     "字段“recordings.days”：须在 0 到 3660 之间，不是 nan（recordings.days must be 0-3660）"),
    ('[recordings]\ndays = inf\n', 2, "须在 0 到 3660 之间"),
    ('[recordings]\ndays = -1\n', 2, "须在 0 到 3660 之间"),
    ('[recordings]\ndays = 1000000\n', 2, "须在 0 到 3660 之间，不是 1000000"),
    ('[recordings]\ntranscript_days = 1e9\n', 2, "须在 0 到 3660 之间"),
    ('[lights]\nred_hold_s = 1e308\n', 2,
     "字段“lights.red_hold_s”：须在 0 到 86400 之间，不是 1e+308（lights.red_hold_s must be "
     "0-86400）"),
    ('[lights]\nred_hold_s = ' + "1" + "0" * 308 + '\n', 2, "须在 0 到 86400 之间，不是 …"),
    ('[lights]\nred_hold_s = nan\n', 2, "须在 0 到 86400 之间，不是 nan"),
    ('[lights]\nred_hold_s = -inf\n', 2, "须在 0 到 86400 之间"),
    ('[windows.W1]\ndevice = 99999\n', 2, "字段“windows.W1.device”：须在 0 到 1023 之间"),
    ('[windows.W1]\ndevice = -1\n', 2, "须在 0 到 1023 之间"),
    ('[windows.W1]\ndevice = "a\\u0000b"\n', 2, "不能包含控制字符"),
    ('[windows.W1]\nname = "a\\u0000b"\n', 2, "字段“windows.W1.name”：不能包含控制字符"),
    ('[windows.W1]\nname = "' + "长" * 1_000_000 + '"\n', 2, "至多 64 个字符，现为 1000000 个"),
    ('[windows.' + "W" * 5000 + ']\nname = "a"\n', 1, "至多 32 个字符"),
    ('[staff.' + "S" * 33 + ']\nname = "a"\n', 1, "工号只能包含字母、数字、- 和 _，至多 32"),
    ('[staff.S07]\nname = "王芳"\n[windows.W1]\nstaff = "S99"\n', 4,
     "字段“windows.W1.staff”：工号 S99 不在 [staff] 中"),
    ('[windows.W1]\nstaff = "S 9"\n', 2, "工号只能包含"),
    ('[central]\nurl = "http://a\\nb"\n', 2, "字段“central.url”：不能包含控制字符"),
    ('[[lights.drivers]]\ntype = "webhook"\nurl = "http://a"\ntimeout_s = nan\n', 4,
     "字段“lights.drivers.timeout_s”：须在 0.1 到 600 之间"),
    ('[[lights.drivers]]\ntype = "usb"\nindex = 5000\n', 3, "须在 0 到 1023 之间"),
    ('[recordings]\ntranscript_days = "90"\n', 2, "字段“recordings.transcript_days”"),
    ('[recordings]\nkeep = "some"\n', 2, "字段“recordings.keep”：须为 none"),
    ('[lights]\nred_hold_s = "long"\n', 2, "字段“lights.red_hold_s”"),
    ('[lights]\ndrivers = 5\n', 2, "字段“lights.drivers”：must be a list of"),
    ('[lights]\ndrivers = [5]\n', 2, "driver 1 must be a [[lights.drivers]] table"),
    ('[[lights.drivers]]\ntype = "lamp"\n', 1, "unknown light driver type 'lamp'"),
    ('[[lights.drivers]]\ntype = "usb"\nwindows = 5\n', 1, "windows must be a list"),
    ('replay_url = "javascript:alert(1)"\n', 1, "must be an http:// or https:// address"),
    ('replay_url = "file:///etc/passwd"\n', 1, "must be an http:// or https:// address"),
    ('[web]\nallowed_hosts = "hall"\n', 2, "字段“web.allowed_hosts”：must be a list"),
    ('[web]\nmax_streams = 0\n', 2, "字段“web.max_streams”：须在 1 到 1000 之间，不是 0"),
    ('[web]\nmax_streams_per_client = 2.5\n', 2, "须为整数，不是 2.5"),
    ('[web]\nmax_streams = 100000000\n', 2, "须在 1 到 1000 之间"),
    ('[liveness]\nsilent_s = 0\n', 2, "字段“liveness.silent_s”：须在 1 到 86400 之间"),
    ('[liveness]\nsilent_s = 1e300\n', 2, "须在 1 到 86400 之间"),
    ('[central]\nship_audio = "yes"\n', 2, "字段“central.ship_audio”：must be true or false"),
    ('[central]\nurl = 5\n', 2, "字段“central.url”：must be a non-empty string"),
    ('[central]\nhost = "x"\n', 2, "字段“central.host”：unknown key"),
    ('[lights.W01]\npin = 17\n', 1, "字段“lights.W01”：unknown"),
])
def test_mistakes_name_the_line_and_field(tmp_path, text, line, message):
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        config.load(path)
    assert message in str(caught.value) and caught.value.line == line, str(caught.value)


def _documents():
    """hall.toml-shaped documents: known and unknown tables, keys and ids, any value."""
    from hypothesis import strategies as st

    scalars = st.one_of(st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                        st.text(max_size=12), st.sampled_from(["staff,customer", "police",
                                                               "http://x", "javascript:x"]))
    values = st.one_of(scalars, st.lists(scalars, max_size=3),
                       st.dictionaries(st.sampled_from(["type", "url", "command", "windows"]),
                                       scalars, max_size=3))
    keys = st.sampled_from(sorted({k for keys in config.TABLES.values() for k in keys}
                                  | {"nmae", "W01", "W/1", ""}))
    entry = st.dictionaries(keys, values, max_size=4)
    tables = st.sampled_from(sorted(config.TABLES) + ["recording", "window"])
    ids = st.sampled_from(["W01", "W 2", "W/3", "S07", "名"])
    table = st.one_of(entry, st.dictionaries(ids, entry, max_size=2), values)
    return st.dictionaries(st.one_of(tables, st.just("replay_url")), table, max_size=5)


def test_any_document_loads_or_is_one_clear_error(tmp_path):
    """No traceback, whatever a hall config holds: a Hall, or an InputError naming the file."""
    import tomlkit
    from hypothesis import HealthCheck, given, settings

    path = tmp_path / "hall.toml"

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_documents())
    def check(document):
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
        try:
            assert isinstance(config.load(path), config.Hall)
        except InputError as exc:
            assert str(exc).startswith(str(path))

    check()


def test_recordings_kept_for_ever_are_never_expired(tmp_path):
    """`[recordings] days = 0` means for ever, not "older than now"."""
    import os
    from datetime import datetime

    from monitor import recordings
    from monitor.storage import Store

    path = tmp_path / "hall.toml"
    path.write_text(f'[recordings]\nkeep = "all"\ndays = 0\nfolder = "{tmp_path / "rec"}"\n',
                    encoding="utf-8")
    options = config.load(path).recordings
    old = tmp_path / "rec" / "W01" / "old.flac"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"fLaC")
    os.utime(old, (0, 0))
    store = Store(tmp_path / "c.db")
    assert recordings.apply(store, options, datetime.now().astimezone()) == [] and old.exists()
    options.days = 30
    assert len(recordings.apply(store, options, datetime.now().astimezone())) == 1
    assert not old.exists()


def test_a_window_id_on_the_command_line_is_checked_too(tmp_path):
    from click.testing import CliRunner

    from monitor.cli import cli

    assert config.window_id("W-01_a") == "W-01_a"
    with pytest.raises(config.ConfigError, match="窗口编号只能包含"):
        config.window_id("W/1")
    result = CliRunner().invoke(cli, ["listen", "--window", "W/1", "--device", "x.flac",
                                      "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1 and "window id 'W/1'" in result.output
    assert not (tmp_path / "c.db").exists()


def test_a_mistake_is_located_in_chinese(tmp_path):
    """`hall.toml 第 3 行：字段“…”：`, never `hall.toml, line 3: field '…':` (issue 24)."""
    path = tmp_path / "hall.toml"
    path.write_text('[recordings]\nkeep = "all"\ndyas = 3\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        config.load(path)
    assert str(caught.value).startswith(f"{path} 第 3 行：字段“recordings.dyas”：")
    assert "line" not in str(caught.value) and "field" not in str(caught.value)
