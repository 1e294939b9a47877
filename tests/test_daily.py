"""`courtesy daily`: the day's report written, pruned, mailed (a real SMTP server, aiosmtpd)
and posted (a real HTTP server), each on this machine."""
from __future__ import annotations

import email
import json
import socket
import threading
from datetime import date
from email import policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from monitor import schedule

from .conftest import ROOT

DAY = "2026-11-20"


@pytest.fixture
def smtp():
    controller_module = pytest.importorskip("aiosmtpd.controller")

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    inbox = Inbox()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def hook():
    posted = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/report", posted
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hall(tmp_path, run):
    result = run("score", ROOT / "audio" / "hospital_taboo.jsonl", "--window", "W01",
                 "--profile", "hospital", "--at", f"{DAY}T10:00", "--db", tmp_path / "hall.db")
    assert result.exit_code == 0, result.output

    def write(smtp_port: int, webhook: str) -> Path:
        path = tmp_path / "hall.toml"
        path.write_text(f"""[hall]
db = "hall.db"

[report]
at = "18:00"
formats = ["html", "csv", "json"]
folder = "daily"
keep_days = 30
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_from = "courtesy@hall.local"
smtp_to = ["director@hall.local", "it@hall.local"]
webhook = "{webhook}"
""", encoding="utf-8")
        return path
    return write


def test_the_days_report_is_written_mailed_and_posted(hall, smtp, hook, tmp_path, run):
    port, inbox = smtp
    url, posted = hook
    old = tmp_path / "daily" / "courtesy-2026-09-01.html"
    old.parent.mkdir()
    old.write_text("old")
    result = run("daily", "--config", hall(port, url), "--date", DAY)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "daily").iterdir())
    assert names == [f"courtesy-{DAY}.csv", f"courtesy-{DAY}.html", f"courtesy-{DAY}.json"]
    assert "已删除过期日报" in result.output  # older than keep_days
    [(to, raw)] = inbox.messages
    assert to == ["director@hall.local", "it@hall.local"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == f"窗口文明用语日报 {DAY}"
    assert "来访 visits: 1" in message.get_body(("plain",)).get_content()
    attached = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
    assert set(attached) == set(names)
    exported = json.loads((tmp_path / "daily" / f"courtesy-{DAY}.json").read_text())
    [sent] = posted
    assert sent["date"] == DAY and sent["report"]["summary"] == exported["summary"]
    assert exported["summary"]["visits"] == 1


def test_a_mail_server_down_is_said_and_the_rest_still_happens(hall, hook, tmp_path, run):
    url, posted = hook
    result = run("daily", "--config", hall(_free_port(), url), "--date", DAY)
    assert result.exit_code == 1
    assert "发送失败 not sent: mail" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "daily" / f"courtesy-{DAY}.html").is_file()
    assert len(posted) == 1


def test_prune_keeps_recent_days_and_other_files(tmp_path):
    for name in ("courtesy-2026-11-01.html", "courtesy-2026-11-19.pdf", "notes.txt",
                 "courtesy-2026-11-01_2026-11-30.html"):
        (tmp_path / name).write_text("x")
    gone = schedule.prune(tmp_path, 7, date(2026, 11, 20))
    assert [p.name for p in gone] == ["courtesy-2026-11-01.html"]
    assert schedule.prune(tmp_path, 0, date(2030, 1, 1)) == []
