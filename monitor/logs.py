"""The hall's log: one line per visit judged, light change, device change, storage fault and
login, in Chinese for the hall's IT person, with the English ids kept for grep.

Every module logs to a child of the named logger `courtesy`; only the CLI configures it
(`setup`): stderr, which systemd puts in the journal, and, where hall.toml's `[log] file`
says, a file rotated by size (logging.handlers.RotatingFileHandler).
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from .errors import ConfigError
from .privacy import mask
from .records import LightEvent, LiveEvent, LiveUpdate
from .vocabulary import rule_name, state_label, verdict_label

LOGGER = "courtesy"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
log = logging.getLogger("courtesy.hall")

# what a monitor reports (LiveEvent.kind), as the hall reads it; storage faults are warnings
EVENT_LABELS = {"device": "设备", "overrun": "音频丢失", "storage": "存储故障",
                "recording": "录音", "retention": "保留期清理", "lexicon": "词库",
                "alert": "告警", "config": "设置"}
WARNINGS = ("device", "overrun", "storage", "alert")


def setup(level: str = "WARNING", file: Path | None = None, max_mb: float = 10.0,
          keep: int = 5) -> logging.Logger:
    """Configure `courtesy` (once per process: called again, it replaces its handlers)."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(level)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.handlers.RotatingFileHandler(
                file, maxBytes=int(max_mb * 1024 * 1024), backupCount=keep, encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"[log] file {file}: cannot write（无法写入日志文件）: "
                              f"{exc.strerror}") from None
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    return logger


def for_hall(hall, verbose: bool = False) -> logging.Logger:
    """`listen` and `serve`: INFO (or the hall's level) to stderr and the hall's file."""
    ops = hall.ops
    level = "DEBUG" if verbose else ops.log_level
    return setup(level, ops.log_file, ops.log_max_mb, ops.log_keep)


def visit(update: LiveUpdate) -> None:
    """A visit judged for good (ended), one line."""
    if update.state != "closed" or update.partial:
        return
    v = update.visit
    rules = "、".join(rule_name(f.rule) for f in v.findings) or "无"
    log.info("来访已评定 visit judged: 窗口 window=%s 来访 visit=%s 得分 %.0f %s(%s) 检出 %s",
             update.window, v.id, v.score, verdict_label(v.verdict), v.verdict, rules)


def light(event: LightEvent) -> None:
    cause = f" 原因 {rule_name(event.rule)}(rule={event.rule})：{mask(event.quote)}" \
        if event.rule else ""
    log.info("信号灯 light: 窗口 window=%s %s → %s (%s→%s)%s", event.window,
             state_label(event.previous), state_label(event.state), event.previous,
             event.state, cause)


def event(e: LiveEvent) -> None:
    """What a monitor reports: device, storage, recording, retention, lexicon, alert."""
    label = EVENT_LABELS.get(e.kind, e.kind)
    level = logging.WARNING if e.kind in WARNINGS else logging.INFO
    log.log(level, "%s %s: 窗口 window=%s %s", label, e.kind, e.window, e.message)
