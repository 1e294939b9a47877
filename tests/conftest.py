"""Fixtures: the real engine on the bundled lexicons, tiny transcripts, a fresh database."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.pipeline import Scorer
from monitor.records import Utterance

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """The pinyin decoder's built tables (monitor/diskcache.py) are kept for the suite in
    this checkout's .pytest_cache, shared by the xdist workers and the commands the tests
    start: not in the user's ~/.cache, where other checkouts' tables push them out."""
    os.environ.setdefault("COURTESY_CACHE_DIR", str(ROOT / ".pytest_cache" / "courtesy"))


# Test tiers (`make quick` leaves these out): a test is marked by the fixtures it uses.
TIER_BY_FIXTURE = {"browser": "browser",  # headless Chromium through Playwright
                   "pulse": "device",  # a private PulseAudio daemon as PortAudio's device
                   "engine": "slow"}  # the sherpa speech model loaded: seconds of CPU


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, tier in TIER_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, tier))


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for a test module (a launch costs seconds on a loaded machine).
    Tests take it through `browser`; a module using it must not start a second Playwright."""
    from playwright.sync_api import expect, sync_playwright

    # expect() polls until its state shows: 5 s (its default) is too short for a click that
    # goes through a server and back over the event stream on two busy cores
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class HallBrowser:
    """The module's Chromium as a hall's PC sets it up: every page and context it opens is
    in zh-CN (navigator.language, Intl and Accept-Language), unless a test asks otherwise."""

    LOCALE = "zh-CN"

    def __init__(self, launched):
        self._launched = launched

    def new_page(self, **options):
        return self._launched.new_page(**{"locale": self.LOCALE, **options})

    def new_context(self, **options):
        return self._launched.new_context(**{"locale": self.LOCALE, **options})

    def __getattr__(self, name):
        return getattr(self._launched, name)


@pytest.fixture
def browser(chromium):
    """The module's Chromium for one test, in zh-CN: every page and context the test opened
    is closed after it, so no test sees another's cookies, pages or open event streams."""
    yield HallBrowser(chromium)
    for context in chromium.contexts:
        context.close()


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


def serve_board(db_path: Path, servers: list, *options) -> str:
    """Start `courtesy serve` on a free port over `db_path` (added to `servers`, for
    `stop_servers`); returns its base URL once it answers."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "courtesy"), "serve", "--db", str(db_path),
         "--port", str(port), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    servers.append(server)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(url + "/api/lights", timeout=1).read()
            return url
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"courtesy serve did not start: {server.stderr.read()}")
            time.sleep(0.1)


def stop_servers(servers: list) -> None:
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def board_server(db_path):
    """Start `courtesy serve` on a free port over the test database: returns start(*options)
    -> base URL; every server started is stopped at the end."""
    servers: list = []
    yield lambda *options: serve_board(db_path, servers, *options)
    stop_servers(servers)
