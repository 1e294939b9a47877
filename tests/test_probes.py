"""Bad input at every number a person can enter, and at the web forms (issue 21): each is
one clear refusal in Chinese with the option or field named (exit status 1 and `Error:`,
or HTTP 4xx), never a traceback, and nothing stored."""
from __future__ import annotations

import re

import pytest
import click
from click.testing import CliRunner

from monitor import accounts, config
from monitor.cli import cli
from monitor.commands.common import Bounded
from monitor.storage import Store
from monitor.web import WebOptions, create_app

from .conftest import ROOT
from .test_review import seed
from .test_settings import HALL
from .test_web import PASSWORD, login

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NOT_NUMBERS = ["nan", "inf", "-inf", "NaN", "1e14", "-1", "1e308", "9" * 400, "abc", "",
               "1e", "0x10", "1,000", "1/2", "1e-400x"]
HALL_FILE = str(ROOT / "hall.example.toml")
# every numeric option (None: a numeric argument, where "{}" stands): the command and its
# other options, and its arguments
NUMBER_OPTIONS = [
    (["serve"], [], "--port"), (["serve"], [], "--threads"), (["serve"], [], "--max-streams"),
    (["serve"], [], "--max-streams-per-client"),
    (["play", "--window", "W01"], ["x.jsonl"], "--speed"),
    (["play", "--window", "W01"], ["x.jsonl"], "--red-hold"),
    (["play", "--window", "W01"], ["x.jsonl"], "--linger"),
    (["report"], [], "--max-incidents"), (["replay"], ["V1"], "--speed"),
    (["listen"], [], "--keep-days"), (["listen"], [], "--for"), (["sync", "run"], [], "--every"),
    (["lexicon", "tune"], ["你烦不烦"], "--threshold"), (["lexicon", "tune"], ["你烦不烦"], "--days"),
    (["lexicon", "undo"], ["{}"], None), (["review", "role"], ["V1", "{}", "staff"], None),
    (["rules", "change"], ["taboo"], "--deduction"), (["rules", "change"], ["taboo"], "--days"),
    (["rules", "add"], ["x.toml"], "--days"), (["rules", "undo"], ["{}"], None),
    (["staff", "enrol"], ["S07"], "--seconds"),
    (["service", "install", "--config", HALL_FILE], [], "--port"),
]


def refused_by_the_cli(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SystemExit), (args, result.exception)
    assert result.exit_code == 1 and "Error:" in result.output, (args, result.output)
    assert CHINESE.search(result.output) and "Traceback" not in result.output, result.output
    return result.output


def _numeric_params(group: click.Group, path: tuple = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _numeric_params(command, path + (name,))
            continue
        for param in command.params:
            if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType,
                                       Bounded)):
                yield " ".join(path + (name,)), param.opts[0]


def test_every_numeric_option_is_bounded_and_probed():
    found = set(_numeric_params(cli))
    assert {where for where in found if not isinstance(_param(*where).type, Bounded)} == set()
    probed = {(" ".join(c for c in command if not c.startswith("-") and c != HALL_FILE
                        and c != "W01"), option or next(
                  p.opts[0] for p in _command(command).params
                  if isinstance(p, click.Argument) and isinstance(p.type, Bounded)))
              for command, _, option in NUMBER_OPTIONS}
    assert found == probed  # a new numeric option joins NUMBER_OPTIONS


def _command(words: list[str]) -> click.Command:
    command = cli
    for word in words:
        if isinstance(command, click.Group) and word in command.commands:
            command = command.commands[word]
    return command


def _param(where: str, opt: str) -> click.Parameter:
    return next(p for p in _command(where.split()).params if p.opts[0] == opt)


def test_every_numeric_option_refuses_what_it_cannot_run_with(tmp_path):
    db = str(tmp_path / "probe.db")
    probes = 0
    for command, arguments, option in NUMBER_OPTIONS:
        has_db = any(p.name == "db_path" for p in _command(command).params)
        for value in NOT_NUMBERS:
            given = (["--db", db] if has_db else []) + ([option, value] if option else [])
            output = refused_by_the_cli(
                command + given + ["--"] + [value if a == "{}" else a for a in arguments])
            assert f"'{option}'" in output if option else "Invalid value for '" in output, output
            probes += 1
    assert not (tmp_path / "probe.db").exists()  # refused before anything opened
    print(f"\n{probes} bad numbers refused by {len(NUMBER_OPTIONS)} options, no traceback")
    assert probes >= 200


def test_the_issue_cases_name_the_range():
    assert "须在 1 到 65535 之间，不是 74362" in refused_by_the_cli(["serve", "--port", "74362"])
    assert "须在 0 到 86400 之间" in refused_by_the_cli(
        ["play", "x.jsonl", "--window", "W01", "--red-hold", "1e14"])
    assert "须在 0 到 1000 之间，不是 -1" in refused_by_the_cli(
        ["play", "x.jsonl", "--window", "W01", "--speed", "-1"])
    assert "须在 0 到 86400 之间，不是 -1" in refused_by_the_cli(
        ["play", "x.jsonl", "--window", "W01", "--linger", "-1"])


@pytest.fixture
def admin(db_path, tmp_path):
    """An admin logged in to the app over a hall file (the settings pages write it)."""
    hall_path = tmp_path / "hall.toml"
    hall_path.write_text(HALL, encoding="utf-8")
    store = Store(db_path)
    accounts.add_user(store, "root", "admin", PASSWORD)
    app = create_app(db_path, WebOptions(), config.load(hall_path))
    client = app.test_client()
    client.hall_path, client.token = hall_path, login(client, "root")
    yield client
    app.extensions["courtesy_hub"].stop()


def refused_by_the_web(client, url: str, data: dict) -> str:
    response = client.post(url, data={"csrf": client.token, **data})
    assert 400 <= response.status_code < 500, (url, data, response.status_code)
    message = re.sub(r"<[^>]+>", "", response.text)
    assert CHINESE.search(message) and "Traceback" not in message, message
    return message


def test_every_settings_form_refuses_bad_values_and_keeps_the_file(admin):
    before = admin.hall_path.read_bytes()
    probes = [("/settings/lights", {"red_hold_s": value})
              for value in NOT_NUMBERS + ["1" + "0" * 308, "86401", "-0.5"]]
    probes += [("/settings/recordings", {"keep": "all", "days": value})
               for value in NOT_NUMBERS + ["1000000", "3661"]]
    bad_windows = [{"name": "a\x00b"}, {"name": "长" * 1_000_000}, {"name": "a\nb"},
                   {"staff": "S99"}, {"staff": "S 7"}, {"staff": "S" * 40},
                   {"device": "99999"}, {"device": "a\x00b"}, {"device": "x" * 2000},
                   {"profile": "zoo"}, {"name": "\u202e反"}, {"name": "a\x7fb"}]
    probes += [("/settings/window/W01", data) for data in bad_windows]
    probes += [("/settings/window", {"id": "W09", **data}) for data in bad_windows]
    probes += [("/settings/window", {"id": window_id, "name": "一号"})
               for window_id in ("W" * 5000, "W/1", "W 1", "W\x001", "窗口一", "")]
    probes += [("/settings/staff", {"id": staff_id, "name": name})
               for staff_id, name in (("S" * 5000, "王"), ("S\x0012", "王"), ("S12", "王\x00"),
                                      ("S20", "王" * 65), ("S20", ""), ("S 2", "王"))]
    for url, data in probes:
        refused_by_the_web(admin, url, data)
    assert admin.hall_path.read_bytes() == before
    print(f"\n{len(probes)} bad settings refused, hall.toml unchanged")


def test_user_and_review_forms_refuse_bad_values(admin, db_path, scorer, tmp_path):
    for data in ({"role": "supervisor", "staff": "S12"}, {"role": "staff", "staff": "S99"},
                 {"role": "staff", "staff": "S\x0012"}, {"role": "staff", "staff": ""},
                 {"role": "boss"}, {"role": "viewer", "password": "short"}):
        refused_by_the_web(admin, "/users", {"action": "add", "name": "wu",
                                             "password": PASSWORD, **data})
    for name in ("a\x00b", "a b", "x" * 65, "\u200b"):
        refused_by_the_web(admin, "/users", {"action": "add", "name": name,
                                             "role": "viewer", "password": PASSWORD})
    visit = seed(Store(db_path), scorer, tmp_path)["taboo"]
    for offset in ("nan", "inf", "-inf", "-1", "1e308", "abc", "9" * 400):
        refused_by_the_web(admin, f"/review/visit/{visit}/add",
                           {"rule": "taboo", "severity": "critical", "offset": offset})
    assert [a.name for a in Store(db_path).accounts()] == ["root"]
    assert Store(db_path).added_findings([visit]) == []
