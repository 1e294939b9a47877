"""The range of every number a person can enter, and the one check of it.

`hall.toml` (config.py, also what /settings writes), command options (cli.py's `Bounded`)
and web forms ask `Range.why_not` and show its reason, in Chinese with the option or key
beside it. A number outside its range does not run (1e308 seconds of red light overflows
the first clock it meets; nan compares false with everything and slips past `< 0`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

DAY_S = 86_400
YEAR_S = 366 * DAY_S


@dataclass(frozen=True)
class Range:
    """A finite number from `low` to `high` (above `low` when `low_open`); whole when
    `integer`."""

    low: float
    high: float
    integer: bool = False
    low_open: bool = False

    def text(self) -> str:
        return f"{'大于 ' if self.low_open else ''}{_number(self.low)} 到 {_number(self.high)}"

    def why_not(self, value, name: str) -> str | None:
        """None if `value` is in range, else why not, in Chinese with `name` beside it."""
        english = f"{name} must be {'a whole number ' if self.integer else ''}" \
                  f"{'above ' if self.low_open else ''}{_number(self.low)}-{_number(self.high)}"
        if isinstance(value, bool) or not isinstance(value, int if self.integer else (int, float)):
            return f"须为{'整数' if self.integer else '数'}，不是 {_shown(value)}（{english}）"
        if (isinstance(value, float) and not math.isfinite(value)) \
                or not self.low <= value <= self.high or (self.low_open and value == self.low):
            return f"须在 {self.text()} 之间，不是 {_shown(value)}（{english}）"
        return None

    def parse(self, text: str, name: str):
        """A number from a person's text (an option, a form field), or ValueError saying why."""
        text = (text or "").strip()
        try:
            value = int(text) if self.integer else float(text)
        except ValueError:
            value = text
        why = self.why_not(value, name)
        if why:
            raise ValueError(why)
        return value


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _shown(value) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) \
        else str(value) if not isinstance(value, int) or abs(value) < 10**40 else "…"
    return repr(text[:40]) if isinstance(value, str) else text[:40]


# every number of hall.toml, by key
RED_HOLD_S = Range(0, DAY_S)  # [lights] red_hold_s: 0 releases a red at once unless acknowledged
SILENT_S = Range(1, DAY_S)  # [liveness] silent_s
KEEP_DAYS = Range(0, 3660)  # [recordings] days, transcript_days: 0 keeps them
STREAMS = Range(1, 1000, integer=True)  # [web] max_streams, max_streams_per_client
DEVICE_INDEX = Range(0, 1023, integer=True)  # [windows.ID] device, as PortAudio numbers it
LOG_MB = Range(0, 10_000, low_open=True)  # [log] max_mb
FILES_KEPT = Range(0, 1000, integer=True)  # [log] keep
BACKUPS_KEPT = Range(1, 3660, integer=True)  # [backup] keep
REPORT_DAYS = Range(0, 3660, integer=True)  # [report] keep_days
SILENT_MIN = Range(0, 1440, low_open=True)  # [alerts] silent_min
DISK_MB = Range(0, 10**8)  # [alerts] disk_free_mb
BACKLOG = Range(1, 10**7, integer=True)  # [alerts] backlog
ANY = Range(-1e12, 1e12)  # the outer bound of a number no table gave its own range
# command options (PORT also [report] smtp_port)
PORT = Range(1, 65535, integer=True)
THREADS = Range(2, 1000, integer=True)
PLAY_SPEED = Range(0, 1000)  # 0: as fast as possible
REPLAY_SPEED = Range(0, 1000, low_open=True)
LINGER_S = Range(0, DAY_S)
LISTEN_FOR_S = Range(0, YEAR_S, low_open=True)
KEEP_DAYS_GIVEN = Range(0, 3660, low_open=True)  # listen --keep-days
INCIDENTS = Range(1, 10_000, integer=True)
SYNC_EVERY_S = Range(0.1, 3600)
VERSION = Range(1, 10**9, integer=True)  # a lexicon version
LINE = Range(1, 10**6, integer=True)  # a line of a visit, as replay numbers it
ENROL_S = Range(5, 300)  # seconds of a staff member's voice recorded for their profile
THRESHOLD = Range(50, 100)  # a phrase's own match threshold (tuning.py)
PREVIEW_DAYS = Range(1, 92, integer=True)  # days of stored speech a lexicon change is tried on
DEDUCTION = Range(0, 100)  # a rule's points per finding (rulechanges.py)
RULE_NUMBER = Range(0, DAY_S)  # a rule's parameter: seconds, turns, characters a minute
RULE_DBFS = Range(-120, 0)  # a rule's level parameter (max_dbfs)
# text a person types into hall.toml or a form
NAME_MAX = 64  # a window's or staff member's name, a user name
ID_MAX = 32  # a window or staff id (in URLs, folders and every row)
TEXT_MAX = 1024  # any other text setting: a path, an address, a password


def why_not_text(value: str, name: str, longest: int = TEXT_MAX) -> str | None:
    """None for text a person may set, else why not: too long, or holding a control
    character (NUL, a newline) that would cut or forge a line wherever it is shown."""
    if len(value) > longest:
        return f"至多 {longest} 个字符，现为 {len(value)} 个（{name}: at most {longest} characters）"
    if any(not c.isprintable() for c in value):
        return f"不能包含控制字符（{name}: no control characters）"
    return None
