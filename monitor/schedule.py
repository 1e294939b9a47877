"""The day's report on its own: `courtesy daily`, run at closing time by the service's
timer (`[report] at = "18:00"`), writes the day's report in each format to the report
folder, deletes those older than `keep_days`, and sends it where hall.toml says: by mail
(the standard library's smtplib) and to a webhook. A delivery that fails is logged and
said, and never stops the others or loses the files written.
"""
from __future__ import annotations

import json
import logging
import re
import smtplib
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

from . import reports
from .config import Hall
from .storage import Store
from .vocabulary import verdict_label

log = logging.getLogger("courtesy.daily")
DEFAULT_FOLDER = Path("reports") / "daily"
TIMEOUT_S = 30.0
DATED = re.compile(r"courtesy-(\d{4}-\d{2}-\d{2})\.\w+$")  # one day's report, any format
TYPES = {"html": ("text", "html"), "csv": ("text", "csv"), "json": ("application", "json"),
         "pdf": ("application", "pdf")}


@dataclass
class Delivery:
    files: list[Path]
    removed: list[Path] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # where it went
    failed: list[str] = field(default_factory=list)  # where it did not, and why


def run(db_path: Path, hall: Hall, day: date, today: date | None = None) -> Delivery:
    """Make, keep and send the report of `day`."""
    ops = hall.ops
    options = reports.ReportOptions(day, day)
    store = Store(db_path, read_only=True)
    try:
        built = reports.build(store, options, hall)
    finally:
        store.close()
    folder = ops.report_folder or DEFAULT_FOLDER
    files = []
    for fmt in ops.report_formats:
        path = folder / reports.default_name(options, fmt)
        reports.save(built, fmt, path)
        files.append(path)
    done = Delivery(files, prune(folder, ops.report_keep_days, today or date.today()))
    summary = reports.to_json(built)
    for where, send in (("mail", _mail), ("webhook", _webhook)):
        target = ops.smtp if where == "mail" else ops.report_webhook
        if not target:
            continue
        try:
            done.sent.append(send(target, day, files, summary))
        except (OSError, smtplib.SMTPException) as exc:
            log.error("日报发送失败 report %s failed: %s", where, exc)
            done.failed.append(f"{where}: {exc}")
    log.info("日报 daily report %s: %s; sent %s", day, ", ".join(map(str, files)),
             ", ".join(done.sent) or "nowhere")
    return done


def prune(folder: Path, keep_days: int, today: date) -> list[Path]:
    """Delete day reports older than `keep_days` (0: keep every one)."""
    if not keep_days or not folder.is_dir():
        return []
    oldest = today - timedelta(days=keep_days)
    gone = [p for p in sorted(folder.iterdir())
            if (m := DATED.match(p.name)) and date.fromisoformat(m.group(1)) < oldest]
    for path in gone:
        path.unlink()
    return gone


def _mail(smtp: dict, day: date, files: list[Path], summary: dict) -> str:
    message = EmailMessage()
    message["Subject"] = f"窗口文明用语日报 {day}"
    message["From"] = smtp["from"]
    message["To"] = ", ".join(smtp["to"])
    message.set_content(_body(day, summary))
    for path in files:
        kind, sub = TYPES[path.suffix[1:]]
        message.add_attachment(path.read_bytes(), maintype=kind, subtype=sub,
                               filename=path.name)
    with smtplib.SMTP(smtp["host"], int(smtp.get("port", 25)), timeout=TIMEOUT_S) as server:
        if smtp.get("starttls"):
            server.starttls()
        if smtp.get("user"):
            server.login(smtp["user"], smtp.get("password", ""))
        server.send_message(message)
    return f"mail to {', '.join(smtp['to'])}"


def _body(day: date, summary: dict) -> str:
    figures = summary.get("summary", {})
    lines = [f"{day} 窗口文明用语日报（附件）", ""]
    for key, label in (("visits", "来访"), ("passed", verdict_label("pass")),
                       ("warned", verdict_label("warn")), ("failed", verdict_label("fail")),
                       ("score_avg", "平均得分"), ("taboo_incidents", "禁语")):
        if figures.get(key) is not None:
            lines.append(f"{label} {key}: {figures[key]}")
    return "\n".join(lines) + "\n"


def _webhook(url: str, day: date, files: list[Path], summary: dict) -> str:
    body = {"kind": "daily_report", "date": day.isoformat(),
            "files": [p.name for p in files], "report": summary}
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False, default=str).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        response.read()
    return f"webhook {url}"
