"""The hall's configuration (`hall.toml`), read in one place for every command.

`load(path) -> Hall`: windows (name, device, channels, staff, profile), staff names, lights,
recordings, training, board, privacy, web, liveness and central. Every table and key is
known here, so a typo (`[recording]`, `[window.W01]`, `dyas = 30`) is an error naming the
line with a suggestion, not a setting silently ignored.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import alerts, limits, profiles, sources
from .errors import ConfigError, CourtesyError, InputError, parse_toml, read_text
from .records import STAFF_ID, WINDOW_ID
from .liveness import LivenessOptions
from .recordings import KEEP, RetentionOptions
from .replay import CUSTOMER_MODES, Anonymise

DEFAULT_PATH = Path("hall.toml")
CONFIG_ENV = "COURTESY_CONFIG"  # the hall config of every command run without --config
DEFAULT_REPLAY_URL = "http://localhost:8080"  # where `courtesy serve` runs by default
WINDOW_KEYS = ("name", "device", "channels", "staff", "profile")
CENTRAL_KEYS = ("url", "hall", "mqtt_url", "mqtt_user", "mqtt_password", "topic_prefix",
                "ship_audio", "board_events")
SYSTEM_KEYS = ("folder", "mapping", "token")  # [queue], [ratings]: the hall's own systems
TABLES = {  # every table and its keys; `windows`, `devices`, `staff` hold [table.ID] entries
    "windows": WINDOW_KEYS, "devices": WINDOW_KEYS, "staff": ("name",),
    "recordings": ("keep", "days", "folder", "transcript_days"),
    "training": ("staff_names", "customer"), "board": ("counter_details",),
    "privacy": ("store_raw",), "lights": ("red_hold_s", "ack_required", "drivers"),
    "web": ("allowed_hosts", "max_streams", "max_streams_per_client"),
    "liveness": ("silent_s",), "central": CENTRAL_KEYS,
    "queue": SYSTEM_KEYS, "ratings": SYSTEM_KEYS + ("device",),
}
TOP_KEYS = ("replay_url",)
# running unattended (issue 23): the database, logs, backups, the day's report, alerts
OPS_TABLES = {
    "hall": ("db",), "log": ("file", "level", "max_mb", "keep"),
    "backup": ("folder", "keep", "at"),
    "report": ("at", "formats", "folder", "keep_days", "smtp_host", "smtp_port", "smtp_from",
               "smtp_to", "smtp_user", "smtp_password", "smtp_starttls", "webhook"),
    "alerts": ("silent_min", "disk_free_mb", "backlog"),
}
TABLES.update(OPS_TABLES)
ENTRY_TABLES = ("windows", "devices", "staff")
DRIVER_NUMBERS = {"timeout_s": limits.Range(0.1, 600), "index": limits.DEVICE_INDEX}


@dataclass
class WindowConfig:
    """One counter: what it is called, where its audio comes from and whose it is."""

    id: str
    device: str | int | None = None  # PortAudio name or index, or a WAV/FLAC path to replay
    channels: tuple[str, ...] = sources.DEFAULT_CHANNELS
    staff: str | None = None
    profile: str = profiles.DEFAULT
    name: str | None = None


@dataclass
class WebConfig:
    """`[web]`: hosts the board answers to and its caps on open streams (None: serve's own)."""

    allowed_hosts: tuple[str, ...] = ()
    max_streams: int | None = None
    max_streams_per_client: int | None = None


@dataclass
class HallSystem:
    """`[queue]` or `[ratings]`: the hall's queue or rating system feeding the monitor (a
    watched folder, the mapping its exports need, the token its API calls carry)."""

    folder: Path | None = None
    mapping: Path | None = None
    token: str | None = None


@dataclass
class Hall:
    """Everything `hall.toml` says, checked; the defaults are a hall without a file."""

    windows: dict[str, WindowConfig] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)  # staff id -> display name
    replay_url: str = DEFAULT_REPLAY_URL  # base URL of the web app, for report links
    path: str = ""
    # how visits are anonymised for training (`[training]`): staff names hidden, customer muted
    training: Anonymise = field(default_factory=lambda: Anonymise(customer="mute"))
    # the counter screen (`/window/<id>`, seen by the citizen too) shows quotes, findings and
    # the score (`[board] counter_details = true`); by default only the light and a prompt
    counter_details: bool = False
    # `[privacy] store_raw = true`: personal numbers stored as heard (default: masked)
    store_raw: bool = False
    recordings: RetentionOptions = field(default_factory=RetentionOptions)  # days 0: forever
    transcript_days: float = 0.0  # utterances' text older than this is deleted; 0: kept
    lights: alerts.LightOptions = field(default_factory=alerts.LightOptions)
    drivers: list = field(default_factory=list)  # built from [[lights.drivers]]
    web: WebConfig = field(default_factory=WebConfig)
    silent_s: float | None = None  # `[liveness] silent_s`; None: the monitor's default
    central: dict = field(default_factory=dict)  # `[central]`, parsed by monitor.central
    ops: Operations = field(default_factory=lambda: Operations())  # [hall] [log] [backup]...
    queue: HallSystem = field(default_factory=HallSystem)  # `[queue]` 排队叫号
    ratings: HallSystem = field(default_factory=HallSystem)  # `[ratings]` 好差评
    # `[ratings] device = true`: every window has a rating device, so the neutral rating
    # prompt (请您对我的服务作出评价) is required of staff
    rating_device: bool = False

    @property
    def liveness(self) -> LivenessOptions:
        return LivenessOptions(self.silent_s) if self.silent_s else LivenessOptions()

    def window_name(self, window_id: str | None) -> str | None:
        window = self.windows.get(window_id) if window_id else None
        return window.name if window else None

    def window_names(self) -> dict[str, str]:
        return {w.id: w.name for w in self.windows.values() if w.name}

    def staff_name(self, staff_id: str | None) -> str | None:
        return self.staff.get(staff_id) if staff_id else None

    def replay_link(self, visit_id: str) -> str:
        return f"{self.replay_url.rstrip('/')}/replay/{visit_id}"

    def listened(self) -> list[WindowConfig]:
        """The windows with a device, for `listen`."""
        return [w for w in self.windows.values() if w.device is not None]


def window_id(text: str) -> str:
    """A window id given on the command line (`--window`), checked as the config's are."""
    if not WINDOW_ID.fullmatch(text) or len(text) > limits.ID_MAX:
        raise ConfigError(f"window id {text[:40]!r}: only letters, digits, - and _, at most "
                          f"{limits.ID_MAX} （窗口编号只能包含字母、数字、- 和 _，"
                          f"至多 {limits.ID_MAX} 个字符）")
    return text


def default_path() -> tuple[Path, bool]:
    """The hall config a command reads without --config: $COURTESY_CONFIG (which must exist)
    or ./hall.toml when present; and whether it was named."""
    named = os.environ.get(CONFIG_ENV)
    return (Path(named), True) if named else (DEFAULT_PATH, False)


def load(path: Path | str | None = None) -> Hall:
    """Read the hall config; without a path, $COURTESY_CONFIG, else `hall.toml` if
    present, else the defaults."""
    explicit = path is not None
    path, explicit = (Path(path), True) if explicit else default_path()
    if not path.is_file():
        if explicit:
            raise InputError(path, "no such file (copy hall.example.toml to start one)")
        return Hall()
    return parse(read_text(path), path)


def parse(text: str, path: Path | str) -> Hall:
    """A hall config from its text (also what the settings page checks before saving)."""
    r = _Reader(text, path)
    data = parse_toml(text, path)
    r.known(data, None, TOP_KEYS + tuple(TABLES))
    for table in TABLES:
        r.table(data, table)
    staff = {k: r.name(v, f"staff.{k}", True) for k, v in r.entries(data, "staff").items()}
    for staff_id in staff:
        r.staff_id(staff_id, f"staff.{staff_id}")
    return Hall(
        windows=_windows(r, data, staff), staff=staff,
        replay_url=_replay_url(r, data.get("replay_url", DEFAULT_REPLAY_URL)), path=str(path),
        training=_training(r, data.get("training", {}), tuple(staff.values())),
        counter_details=r.boolean(data.get("board", {}), "board.counter_details", False),
        store_raw=r.boolean(data.get("privacy", {}), "privacy.store_raw", False),
        recordings=_recordings(r, data.get("recordings", {})),
        transcript_days=r.days(data.get("recordings", {}), "recordings.transcript_days", 0.0),
        lights=alerts.LightOptions(
            red_hold_s=r.number(data.get("lights", {}), "lights.red_hold_s", 60.0,
                                bound=limits.RED_HOLD_S),
            ack_required=r.boolean(data.get("lights", {}), "lights.ack_required", True)),
        drivers=_drivers(r, data.get("lights", {}).get("drivers", [])),
        web=_web(r, data.get("web", {})),
        silent_s=r.number(data.get("liveness", {}), "liveness.silent_s", None,
                          bound=limits.SILENT_S),
        central=_central(r, data.get("central", {})),
        ops=_operations(r, data, Path(path).parent),
        queue=_system(r, data.get("queue", {}), "queue"),
        ratings=_system(r, data.get("ratings", {}), "ratings"),
        rating_device=r.boolean(data.get("ratings", {}), "ratings.device", False))


class _Reader:
    """Checks values and raises InputError naming the field and, found in the text, its line."""

    def __init__(self, text: str, path):
        self.lines = text.splitlines()
        self.path = path

    def fail(self, where: str, message: str):
        shown = "".join(c if c.isprintable() else "?" for c in where[:80])  # an id may be junk
        raise InputError(self.path, message, line_of(self.lines, where),
                         field=shown + ("…" if len(where) > 80 else ""))

    def known(self, table: dict, where: str | None, keys) -> None:
        for key in table:
            if key not in keys:
                place = f"{where}.{key}" if where else key
                guess = difflib.get_close_matches(key, list(keys), n=1)
                if where is None and key not in TOP_KEYS and isinstance(table[key], dict):
                    hint = f"; did you mean [{guess[0]}]?（是否为 [{guess[0]}]？）" if guess else ""
                    self.fail(place, f"unknown table [{key}]（未知表）{hint}")
                hint = f"; did you mean {guess[0]}?（是否为 {guess[0]}？）" if guess else ""
                self.fail(place, f"unknown key（未知设置）(known: {', '.join(keys)}){hint}")

    def table(self, data: dict, table: str) -> None:
        raw = data.get(table, {})
        if not isinstance(raw, dict):
            self.fail(table, f"must be a table: [{table}]")
        if table not in ENTRY_TABLES:
            self.known(raw, table, TABLES[table])

    def entries(self, data: dict, table: str) -> dict[str, dict]:
        entries = {}
        for entry_id, entry in data.get(table, {}).items():
            where = f"{table}.{entry_id}"
            if not isinstance(entry, dict):
                self.fail(where, f'must be a table, e.g. [{where}] name = "..."')
            self.known(entry, where, TABLES[table])
            entries[str(entry_id)] = entry
        return entries

    def name(self, entry: dict, where: str, required: bool) -> str | None:
        name = entry.get("name")
        if name is None and not required:
            return None
        if not isinstance(name, str) or not name.strip():
            self.fail(f"{where}.name", "missing or not a non-empty string（名称不能为空）")
        self.printable(name.strip(), f"{where}.name", limits.NAME_MAX)
        return name.strip()

    def printable(self, value: str, where: str, longest: int = limits.TEXT_MAX) -> None:
        why = limits.why_not_text(value, where, longest)
        if why:
            self.fail(where, why)

    def staff_id(self, value: str, where: str, known: dict | None = None) -> None:
        """A staff id: a short word (it is in URLs and every row), listed in [staff] when
        the hall lists its staff."""
        if not STAFF_ID.fullmatch(value) or len(value) > limits.ID_MAX:
            self.fail(where, f"工号只能包含字母、数字、- 和 _，至多 {limits.ID_MAX} 个字符"
                             f"（a staff id holds only letters, digits, - and _, at most "
                             f"{limits.ID_MAX}）")
        if known and value not in known:
            self.fail(where, f"工号 {value} 不在 [staff] 中（staff id {value} is not in "
                             f"[staff]: add [staff.{value}] first）")

    def boolean(self, table: dict, where: str, default: bool) -> bool:
        value = table.get(where.rsplit(".", 1)[1], default)
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, not {value!r}")
        return value

    def text(self, table: dict, where: str, default: str | None = None) -> str | None:
        value = table.get(where.rsplit(".", 1)[1], default)
        if value is not default and (not isinstance(value, str) or not value.strip()):
            self.fail(where, f"must be a non-empty string, not {value!r}（须为非空文字）")
        if isinstance(value, str):
            self.printable(value, where)
        return value

    def number(self, table: dict, where: str, default, minimum: float = 0,
               strict: bool = False, integer: bool = False, bound: limits.Range | None = None):
        """A number in `bound` (its key's range in monitor/limits.py); without one, finite,
        ≥ minimum (> minimum when strict), an int where `integer`, and below limits.ANY."""
        value = table.get(where.rsplit(".", 1)[1], default)
        if value is default:
            return value
        bound = bound or limits.Range(minimum, limits.ANY.high, integer, strict)
        why = bound.why_not(value, where)
        if why:
            self.fail(where, why)
        return value

    def days(self, table: dict, where: str, default: float) -> float:
        return float(self.number(table, where, default, bound=limits.KEEP_DAYS))


def line_of(lines: list[str], where: str) -> int | None:
    """The line of `a.b.c` in the file: the key under its table header, or the header."""
    parts = where.split(".")
    for cut in range(len(parts) - 1, -1, -1):
        header, key = ".".join(parts[:cut]), parts[cut]
        found = _key_line(lines, header, key)
        if found:
            return found
    return _header_line(lines, where)


def _bare(header: str) -> str:
    return re.sub(r"[\s\"']", "", header)


def _header_line(lines: list[str], table: str) -> int | None:
    """The line of `[table]`, else of the first `[table.X]`."""
    heads = [(n, _bare(m.group(1))) for n, line in enumerate(lines, 1)
             if (m := re.match(r"\s*\[\[?([^\]]*)\]", line))]
    table = _bare(table)
    exact = [n for n, head in heads if head == table]
    inner = [n for n, head in heads if head.startswith(table + ".")]
    return (exact or inner or [None])[0]


def _key_line(lines: list[str], table: str, key: str) -> int | None:
    start = _header_line(lines, table) if table else 0
    if start is None:
        return None
    pattern = re.compile(r"\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for n in range(start, len(lines)):
        if n > start and re.match(r"\s*\[", lines[n]):
            return None
        if pattern.match(lines[n]):
            return n + 1
    return None


def _windows(r: _Reader, data: dict, staff: dict) -> dict[str, WindowConfig]:
    """`[windows.ID]` and the older `[devices.ID]` tables, one record per window."""
    merged: dict[str, dict] = {}
    for table in ("windows", "devices"):
        for window_id, entry in r.entries(data, table).items():
            if not WINDOW_ID.fullmatch(window_id) or len(window_id) > limits.ID_MAX:
                r.fail(f"{table}.{window_id}", f"窗口编号只能包含字母、数字、- 和 _，至多 "
                       f"{limits.ID_MAX} 个字符（a window id holds only letters, digits, - "
                       f"and _, at most {limits.ID_MAX}）")
            for key in entry:
                if key in merged.get(window_id, {}):
                    r.fail(f"{table}.{window_id}.{key}", "set twice, in [windows] and [devices]")
            merged.setdefault(window_id, {}).update({k: (table, v) for k, v in entry.items()})
    return {window_id: _window(r, window_id, entry, staff) for window_id, entry in merged.items()}


def _window(r: _Reader, window_id: str, entry: dict, staff: dict) -> WindowConfig:
    def where(key):
        return f"{entry[key][0]}.{window_id}.{key}"

    values = {key: value for key, (_, value) in entry.items()}
    window = WindowConfig(window_id)
    if "name" in values:
        window.name = r.name(values, where("name").rsplit(".", 1)[0], True)
    device = values.get("device")
    if device is not None:
        if isinstance(device, bool) or not isinstance(device, (str, int)) or device == "":
            r.fail(where("device"), f"must be a device name, an index or a WAV/FLAC file, "
                                    f"not {device!r}（须为设备名、设备序号或录音文件）")
        if isinstance(device, int):
            r.number(values, where("device"), None, bound=limits.DEVICE_INDEX)
        else:
            r.printable(device, where("device"))
        window.device = device
    if "channels" in values:
        channels = values["channels"]
        if not isinstance(channels, str):
            r.fail(where("channels"), f'must be a string like "staff,customer" or "mixed", '
                                      f'not {channels!r}')
        try:
            window.channels = sources.parse_channels(channels)
        except CourtesyError as exc:
            r.fail(where("channels"), str(exc))
    if "staff" in values:
        window.staff = r.text(values, where("staff"))
        r.staff_id(window.staff, where("staff"), staff)
    if "profile" in values:
        profile = values["profile"]
        known = profiles.available()
        if not isinstance(profile, str) or profile not in known:
            r.fail(where("profile"),
                   f"须为已有的行业配置（{', '.join(known)}），不是 {profile!r}"
                   f"（must be a profile name）")
        window.profile = profile
    return window


def _replay_url(r: _Reader, value) -> str:
    """Links in reports open this; only a web address, never `javascript:` or a file."""
    return _web_address(r, "replay_url", value)


def _training(r: _Reader, raw: dict, staff_names: tuple) -> Anonymise:
    """`[training] staff_names = false, customer = "mute"`; the staff's names are scrubbed
    from training transcripts unless shown."""
    show = r.boolean(raw, "training.staff_names", False)
    customer = raw.get("customer", "mute")
    if customer not in CUSTOMER_MODES:
        r.fail("training.customer", f"must be one of {', '.join(CUSTOMER_MODES)}, not {customer!r}")
    return Anonymise(staff_names=show, customer=customer, names=() if show else staff_names)


def _recordings(r: _Reader, raw: dict) -> RetentionOptions:
    options = RetentionOptions()
    options.keep = raw.get("keep", options.keep)
    if options.keep not in KEEP:
        r.fail("recordings.keep", f"须为 {', '.join(KEEP)} 之一，不是 {options.keep!r}"
                                  f"（must be one of {', '.join(KEEP)}）")
    options.days = r.days(raw, "recordings.days", options.days)
    options.transcript_days = r.days(raw, "recordings.transcript_days", 0.0)
    if "folder" in raw:
        options.folder = Path(r.text(raw, "recordings.folder"))
    return options


def _drivers(r: _Reader, raw) -> list:
    if not isinstance(raw, list):
        r.fail("lights.drivers", "must be a list of [[lights.drivers]] tables")
    drivers = []
    for n, table in enumerate(raw, 1):
        if not isinstance(table, dict):
            r.fail("lights.drivers", f"driver {n} must be a [[lights.drivers]] table")
        for key, bound in DRIVER_NUMBERS.items():
            r.number(table, f"lights.drivers.{key}", None, bound=bound)
        try:
            drivers.append(alerts.driver_from_config(table, f"lights.drivers[{n}]"))
        except CourtesyError as exc:
            r.fail("lights.drivers", str(exc))
    return drivers


def _web(r: _Reader, raw: dict) -> WebConfig:
    hosts = raw.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        r.fail("web.allowed_hosts", f'must be a list of host names, e.g. ["hall.local"], '
                                    f"not {hosts!r}")
    caps = {key: r.number(raw, f"web.{key}", None, bound=limits.STREAMS)
            for key in ("max_streams", "max_streams_per_client")}
    return WebConfig(tuple(hosts), **caps)


def _central(r: _Reader, raw: dict) -> dict:
    for key in CENTRAL_KEYS:
        if key == "ship_audio":
            r.boolean(raw, "central.ship_audio", False)
        else:
            r.text(raw, f"central.{key}")
    return dict(raw)


def _system(r: _Reader, raw: dict, table: str) -> HallSystem:
    paths = {key: Path(r.text(raw, f"{table}.{key}")) if key in raw else None
             for key in ("folder", "mapping")}
    token = r.text(raw, f"{table}.token")
    if token is not None and len(token) < 16:
        r.fail(f"{table}.token", "at least 16 characters (e.g. from `openssl rand -hex 16`)")
    return HallSystem(paths["folder"], paths["mapping"], token)


# --- running unattended (issue 23): [hall] [log] [backup] [report] [alerts] ----------------
REPORT_FORMATS = ("html", "json", "csv", "pdf")
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass
class Operations:
    """What runs a hall unattended. Relative paths are taken from the config's folder, so
    a service finds the same files wherever it starts."""

    db: Path | None = None  # `[hall] db`: every command's database without --db
    log_file: Path | None = None  # `[log] file`: a rotating log besides stderr
    log_level: str = "INFO"
    log_max_mb: float = 10.0
    log_keep: int = 5
    backup_folder: Path | None = None  # with a hall.toml: its folder's backups/ by default
    backup_keep: int = 14
    backup_at: str = "02:30"  # the daily backup, local time
    report_at: str | None = None  # `[report] at = "18:00"`: the day's report on its own
    report_formats: tuple[str, ...] = ("html",)
    report_folder: Path | None = None
    report_keep_days: int = 90
    smtp: dict = field(default_factory=dict)  # host, port, from, to, user, password, starttls
    report_webhook: str | None = None
    silent_min: float | None = None  # `[alerts]`: a window silent this long is an alert
    disk_free_mb: float = 1024.0  # less free space than this where the database is
    backlog: int = 100  # a window's unwritten items past this


def _path(r: _Reader, raw: dict, where: str, base: Path) -> Path | None:
    value = r.text(raw, where)
    return None if value is None else base / Path(value).expanduser()


def _clock(r: _Reader, raw: dict, where: str, default: str | None) -> str | None:
    value = raw.get(where.rsplit(".", 1)[1], default)
    if value is not default and (not isinstance(value, str) or not CLOCK.fullmatch(value)):
        r.fail(where, f'must be a time of day like "18:00", not {value!r}')
    return value


def _operations(r: _Reader, data: dict, base: Path) -> Operations:
    hall, log, backup = (data.get(t, {}) for t in ("hall", "log", "backup"))
    level = log.get("level", "INFO")
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        r.fail("log.level", f"must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    return Operations(
        db=_path(r, hall, "hall.db", base), log_file=_path(r, log, "log.file", base),
        log_level=level, log_max_mb=r.number(log, "log.max_mb", 10.0, bound=limits.LOG_MB),
        log_keep=r.number(log, "log.keep", 5, bound=limits.FILES_KEPT),
        backup_folder=_path(r, backup, "backup.folder", base) or base / "backups",
        backup_keep=r.number(backup, "backup.keep", 14, bound=limits.BACKUPS_KEPT),
        backup_at=_clock(r, backup, "backup.at", "02:30"), **_report(r, data, base),
        **_alerts(r, data.get("alerts", {})))


def _report(r: _Reader, data: dict, base: Path) -> dict:
    raw = data.get("report", {})
    formats = raw.get("formats", ["html"])
    if not isinstance(formats, list) or not formats or \
            not all(f in REPORT_FORMATS for f in formats):
        r.fail("report.formats", f"must be a list of {', '.join(REPORT_FORMATS)}, "
                                 f"not {formats!r}")
    smtp = {key[5:]: raw[key] for key in OPS_TABLES["report"] if key.startswith("smtp_")
            and key in raw}
    for key in ("host", "from", "user", "password"):
        r.text(raw, f"report.smtp_{key}")
    r.number(raw, "report.smtp_port", None, bound=limits.PORT)
    r.boolean(raw, "report.smtp_starttls", False)
    to = smtp.get("to", [])
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        r.fail("report.smtp_to", f'must be a list of addresses, e.g. ["it@hall.cn"], not {to!r}')
    if smtp and not (smtp.get("host") and to and smtp.get("from")):
        r.fail("report", "mail needs smtp_host, smtp_from and smtp_to together")
    webhook = raw.get("webhook")
    if webhook is not None:
        _web_address(r, "report.webhook", webhook)
    return {"report_at": _clock(r, raw, "report.at", None), "report_formats": tuple(formats),
            "report_folder": _path(r, raw, "report.folder", base),
            "report_keep_days": r.number(raw, "report.keep_days", 90,
                                         bound=limits.REPORT_DAYS),
            "smtp": smtp, "report_webhook": webhook}


def _alerts(r: _Reader, raw: dict) -> dict:
    return {"silent_min": r.number(raw, "alerts.silent_min", None, bound=limits.SILENT_MIN),
            "disk_free_mb": r.number(raw, "alerts.disk_free_mb", 1024.0, bound=limits.DISK_MB),
            "backlog": r.number(raw, "alerts.backlog", 100, bound=limits.BACKLOG)}


def _web_address(r: _Reader, where: str, value) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        r.fail(where, f"must be an http:// or https:// address, not {value!r}")
    return value
