"""Fixtures: the real engine on the bundled lexicons, tiny transcripts, a fresh database."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.pipeline import Scorer
from monitor.records import Utterance

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return Scorer.load("general")


def utt(start, end, role, text="", **fields) -> Utterance:
    return Utterance(start=start, end=end, role=role, text=text, **fields)


@pytest.fixture
def write_jsonl(tmp_path):
    def write(rows, name="session.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
                                + "\n" for r in rows), encoding="utf-8")
        return path
    return write


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "courtesy.db"


@pytest.fixture
def run():
    """Run the CLI in-process; returns click's Result (stdout and stderr apart)."""
    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return invoke
