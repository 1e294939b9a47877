"""Bad input of every kind is one clear error and stores nothing.

Hypothesis writes transcripts, lexicons and profiles from hostile values (non-finite and
huge numbers, lone surrogates, wrong types, deep nesting); reading and scoring them may
succeed or raise the project's `CourtesyError`, never anything else, and a failure leaves
the database as it was. Then the known bad inputs of the CLI, each with its message.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor import lexicon, transcript
from monitor.errors import CourtesyError
from monitor.pipeline import Scorer
from monitor.storage import Store

from .conftest import ROOT

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e308, -0.0, 0.5, -30, 0, 100,
                     101, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "您好", "\ud800", "a\udfffb", "staff", "customer", "greeting",
                     "taboo", "critical", "不耐烦", "x" * 300, "yāo sān bā", "13812345678"]),
    st.text(max_size=12),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


def _database_state(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


@pytest.fixture(scope="module")
def stored(tmp_path_factory, scorer):
    """A database holding one good session, to show that failures leave it unchanged."""
    path = tmp_path_factory.mktemp("fuzz") / "courtesy.db"
    good = [transcript.parse_line(json.dumps(row, ensure_ascii=False), "good", n) for n, row in
            enumerate([{"start": 0, "end": 2, "role": "staff", "text": "您好"},
                       {"start": 3, "end": 5, "role": "staff", "text": "请慢走"}], 1)]
    Store(path).save(scorer.score(good, window="W01"))
    return path


# --- transcripts ----------------------------------------------------------------------------

FIELDS = ("start", "end", "role", "text", "pinyin", "visit", "window", "staff", "words",
          "dbfs", "spotted", "heard_by")


@st.composite
def transcript_lines(draw) -> str:
    row = {"start": draw(st.floats(0, 100)), "role": draw(st.sampled_from(["staff", "customer"])),
           "text": "您好，请问办什么业务"}
    row["end"] = row["start"] + 1
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        row[key] = draw(VALUES)
    if draw(st.booleans()):
        row["words"] = [{"word": draw(VALUES), "start": draw(VALUES), "end": draw(VALUES)}]
    if draw(st.booleans()):
        row["spotted"] = [{k: draw(VALUES) for k in draw(st.lists(st.sampled_from(
            ["kind", "phrase", "matched", "start", "end", "score", "category", "severity"])))}]
    text = json.dumps(row)  # writes Infinity/NaN and \ud800 escapes, as a broken writer would
    return draw(st.sampled_from([text, text[:len(text) // 2], "[" * 5000 + "]" * 5000, text]))


@pytest.mark.slow
@FUZZ
@given(st.lists(transcript_lines(), min_size=1, max_size=3))
def test_fuzzed_transcripts_are_scored_or_refused(scorer, stored, tmp_path, lines):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _database_state(stored)
    try:
        session = scorer.score(transcript.read(path), window="W01", source="fuzz")
    except CourtesyError:
        assert _database_state(stored) == before
        return
    store = Store(stored)
    try:
        store.save(session)
        json.dumps([u.text for u in session.utterances], ensure_ascii=False).encode()
    finally:
        store.close()


# --- lexicons and profiles ------------------------------------------------------------------

def _toml(value) -> str:
    """A value in TOML's inline syntax (tomllib refuses what TOML cannot hold, e.g. None)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value).replace("infinity", "inf") if value == value else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return '""'


def _document(tables: dict) -> str:
    return "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in tables.items())


PHRASE = st.fixed_dictionaries({"text": st.one_of(st.just("您办好了"), VALUES)}, optional={
    key: VALUES for key in ("variants", "category", "severity", "exceptions", "sectors",
                            "position", "reported", "source", "colour")})


@st.composite
def lexicon_files(draw) -> str:
    doc = {"lexicon": draw(st.one_of(st.fixed_dictionaries(
        {"kind": st.sampled_from(lexicon.KINDS)},
        optional={"description": VALUES, "phrases": st.lists(PHRASE, max_size=2)}), VALUES))}
    doc[draw(st.sampled_from(["phrases", "phrase", "Phrases"]))] = draw(st.one_of(
        st.lists(st.one_of(PHRASE, VALUES), max_size=3), VALUES))
    return _document(doc)


@FUZZ
@given(lexicon_files())
def test_fuzzed_lexicons_load_or_are_refused(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    try:
        phrases = lexicon.load_file(path)
        lexicon.check(phrases)
    except CourtesyError:
        return
    assert phrases and all(p.text and p.kind in lexicon.KINDS for p in phrases)


PARAMETERS = {
    "visits": ["visit_gap_s", "max_wait_s"],
    "matching": ["exact_below", "anchor_below", "min_heard", "most_lost", "swap_from",
                 "insert_from", "loose_pinyin", "expected_threshold", "edges", "thresholds"],
    "rules": ["greeting", "please", "taboo", "speech_rate", "volume"],
    "scoring": ["pass_at", "fail_below"],
}
RULE_KEYS = ["enabled", "severity", "weight", "greet_within_s", "please_markers", "max_dbfs",
             "service_limit_s", "max_chars_per_min", "settings"]


@st.composite
def profile_files(draw) -> str:
    doc = {"profile": draw(st.one_of(st.just({"extends": "general"}), VALUES, st.fixed_dictionaries(
        {"extends": st.just("general")}, optional={k: VALUES for k in ("name", "lexicons",
                                                                        "sector")})))}
    for table in draw(st.lists(st.sampled_from(list(PARAMETERS)), max_size=3, unique=True)):
        values = {}
        for key in draw(st.lists(st.sampled_from(PARAMETERS[table]), max_size=3)):
            if table == "rules":
                values[key] = draw(st.one_of(VALUES, st.dictionaries(
                    st.sampled_from(RULE_KEYS), VALUES, max_size=2)))
            elif key == "thresholds":
                values[key] = draw(st.one_of(VALUES, st.dictionaries(
                    st.sampled_from(["taboo", "greeting", "zoo"]), VALUES, max_size=2)))
            else:
                values[key] = draw(VALUES)
        doc[table] = draw(st.one_of(st.just(values), VALUES))
    return _document(doc)


@pytest.fixture(scope="module")
def lexicon_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lexicons") / "lexicons"
    shutil.copytree(ROOT / "lexicons", folder)
    return folder


@FUZZ
@given(profile_files())
def test_fuzzed_profiles_load_and_score_or_are_refused(lexicon_copy, text):
    (lexicon_copy / "profiles" / "fuzz.toml").write_text(text, encoding="utf-8")
    try:
        scorer = Scorer.load("fuzz", lexicon_copy)
    except CourtesyError:
        return
    # a profile that loads must also work: nothing fails later on its values
    lines = [transcript.parse_line(json.dumps(row, ensure_ascii=False), "t", n) for n, row in
             enumerate([{"start": 0, "end": 2, "role": "staff", "text": "您好，请坐"},
                        {"start": 3, "end": 5, "role": "customer", "text": "我想办卡吗？"},
                        {"start": 6, "end": 9, "role": "staff", "text": "你烦不烦，请稍等"},
                        {"start": 60, "end": 62, "role": "staff", "text": "请慢走"}], 1)]
    session = scorer.score(lines, window="W01")
    assert all(0 <= v.score <= 100 for v in session.visits)


# --- the CLI: each known bad input, one message, nothing stored ------------------------------

BAD_LINES = [
    ('{"start": 0, "end": Infinity, "role": "staff", "text": "x"}', "字段“end”"),
    ('{"start": 0, "end": 1e308, "role": "staff", "text": "x"}', "字段“end”"),
    ('{"start": NaN, "end": 1, "role": "staff", "text": "x"}', "字段“start”"),
    ('{"start": 0, "end": 1, "role": "staff", "text": "x", "d": ' + "[" * 100_000
     + "]" * 100_000 + "}", "nested too deeply"),
    ('{"start": 0, "end": 1, "role": "staff", "text": "\\ud800"}', "字段“text”"),
    ('{"start": 0, "end": 1, "role": "staff", "text": "x", "spotted": [{"kind": "greeting", '
     '"phrase": "您好", "start": 0, "end": 1, "score": "0.9"}]}', "字段“spotted.score”"),
]


@pytest.mark.parametrize("line,field", BAD_LINES)
def test_score_refuses_a_bad_transcript_and_stores_nothing(run, write_jsonl, stored, tmp_path,
                                                           line, field):
    path = write_jsonl(['{"start": 0, "end": 1, "role": "staff", "text": "您好"}', line])
    db = tmp_path / "copy.db"
    shutil.copy(stored, db)
    before = _database_state(db)
    result = run("score", path, "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"错误：{path} 第 2 行：") and field in result.stderr
    assert result.stderr.count("\n") == 1 and _database_state(db) == before


def test_report_refuses_a_database_of_another_program(run, tmp_path):
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table notes (body text)")
    before = foreign.read_bytes()
    for command in (["report", "--date", "2026-11-22", "-o", "-"], ["replay", "x", "--plain"],
                    ["user", "list"], ["training", "list"], ["training", "add", "x", "--tag", "t"]):
        result = run(*command, "--db", foreign)
        assert result.exit_code == 1 and "not a courtesy database" in result.stderr, command
    assert foreign.read_bytes() == before
    assert not Path(f"{foreign}-wal").exists()


@pytest.mark.parametrize("options,message", [
    (["--from", "0001-01-01", "--to", "9999-12-31"], "0001-01-01 is outside the days"),
    (["--from", "2026-01-01", "--to", "9999-12-31"], "9999-12-31 is outside the days"),
    (["--from", "2024-01-01", "--to", "2026-11-22"], "longer than 366 days"),
    (["--date", "1999-12-31"], "outside the days"),
])
def test_report_period_is_bounded(run, stored, options, message):
    result = run("report", *options, "--db", stored, "-o", "-")
    assert result.exit_code == 1 and message in result.stderr


def test_score_refuses_an_absurd_start(run, write_jsonl, tmp_path):
    path = write_jsonl(['{"start": 0, "end": 1, "role": "staff", "text": "您好"}'])
    result = run("score", path, "--db", tmp_path / "x.db", "--at", "9999-12-31T23:00")
    assert result.exit_code == 2 and "between the years 2000 and 2099" in result.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.slow
def test_read_only_commands_work_on_a_read_only_database(tmp_path, write_jsonl, run):
    """As a user who may not write the file nor its folder (nobody), when we can switch."""
    folder = Path(tempfile.mkdtemp(prefix="courtesy-ro-"))  # pytest's own is root's only
    folder.chmod(0o755)
    db = folder / "courtesy.db"
    path = write_jsonl([{"start": 0, "end": 2, "role": "staff", "text": "您好"},
                        {"start": 3, "end": 5, "role": "staff", "text": "请慢走"}])
    assert run("score", path, "--db", db, "--at", "2026-11-22T09:00").exit_code == 0
    visit = sqlite3.connect(db).execute("select id from visits").fetchone()[0]
    db.chmod(0o444)
    folder.chmod(0o555)
    before = db.read_bytes()
    setpriv = shutil.which("setpriv")
    # nobody must reach the checkout to import it (a `mktemp -d` folder is its owner's only)
    reachable = all(folder.stat().st_mode & 0o001 for folder in [ROOT, *ROOT.parents])
    as_nobody = setpriv and Path("/proc/self").stat().st_uid == 0 and reachable
    try:
        for command in (["report", "--date", "2026-11-22", "--format", "json", "-o", "-"],
                        ["replay", visit, "--plain", "--no-audio", "--speed", "1000"],
                        ["user", "list"], ["training", "list"]):
            if as_nobody:
                done = subprocess.run(
                    [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                     sys.executable, "-c", "from monitor.cli import cli; cli()", *command,
                     "--db", str(db)], capture_output=True, text=True, timeout=120,
                    cwd="/tmp", env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
                assert done.returncode == 0, (command, done.stderr)
            else:
                assert run(*command, "--db", db).exit_code == 0, command
        assert db.read_bytes() == before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
