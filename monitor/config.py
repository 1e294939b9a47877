"""The hall's configuration (`hall.toml`): what its windows and staff are called.

Other parts of the monitor keep their own top-level tables in the same file (devices,
lights…), so unknown top-level tables are left to them; inside `[windows.*]` and
`[staff.*]` every key is checked, so a typo is reported rather than ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import alerts, sources
from .errors import CourtesyError, InputError, read_toml
from .liveness import LivenessOptions
from .recordings import RetentionOptions, check_retention
from .replay import CUSTOMER_MODES, Anonymise

DEFAULT_PATH = Path("hall.toml")
ENTRY_KEYS = {"windows": {"name"}, "staff": {"name"}}
TRAINING_KEYS = ("staff_names", "customer")


@dataclass
class Hall:
    """Names for window and staff ids, and where the replay web app lives."""

    windows: dict[str, str] = field(default_factory=dict)  # window id -> display name
    staff: dict[str, str] = field(default_factory=dict)  # staff id -> display name
    replay_url: str = ""  # base URL of the web app; "" keeps links relative (/replay/<visit>)
    path: str = ""
    # how visits are anonymised for training (`[training]`): staff names hidden, customer muted
    training: Anonymise = field(default_factory=lambda: Anonymise(customer="mute"))
    # the counter screen (`/window/<id>`, seen by the citizen too) shows quotes, findings and
    # the score (`[board] counter_details = true`); by default only the light and a prompt
    counter_details: bool = False
    # `[privacy] store_raw = true`: personal numbers stored as heard (default: masked)
    store_raw: bool = False

    def window_name(self, window_id: str | None) -> str | None:
        return self.windows.get(window_id) if window_id else None

    def staff_name(self, staff_id: str | None) -> str | None:
        return self.staff.get(staff_id) if staff_id else None

    def replay_link(self, visit_id: str) -> str:
        return f"{self.replay_url.rstrip('/')}/replay/{visit_id}"


def _entries(data: dict, table: str, path: Path) -> dict[str, str]:
    raw = data.get(table, {})
    if not isinstance(raw, dict):
        raise InputError(path, "must be a table of [" + table + ".ID] entries", field=table)
    names = {}
    for entry_id, entry in raw.items():
        where = f"{table}.{entry_id}"
        if not isinstance(entry, dict):
            raise InputError(path, f'must be a table, e.g. [{where}] name = "..."', field=where)
        unknown = sorted(set(entry) - ENTRY_KEYS[table])
        if unknown:
            raise InputError(path, f"unknown key (known: {', '.join(sorted(ENTRY_KEYS[table]))})",
                             field=f"{where}.{unknown[0]}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError(path, "missing or not a non-empty string", field=f"{where}.name")
        names[str(entry_id)] = name.strip()
    return names


def load(path: Path | str | None = None) -> Hall:
    """Read the hall config; without a path, `hall.toml` if present, else no names."""
    explicit = path is not None
    path = Path(path) if explicit else DEFAULT_PATH
    if not path.is_file():
        if explicit:
            raise InputError(path, "no such file (copy hall.example.toml to start one)")
        return Hall()
    data = read_toml(path)
    replay_url = data.get("replay_url", "")
    if not isinstance(replay_url, str):
        raise InputError(path, f"must be a string URL, not {replay_url!r}", field="replay_url")
    staff = _entries(data, "staff", path)
    return Hall(_entries(data, "windows", path), staff, replay_url, str(path),
                _training(data, path, tuple(staff.values())),
                counter_details=_switch(data, path, "board", "counter_details"),
                store_raw=_switch(data, path, "privacy", "store_raw"))


def _switch(data: dict, path: Path, table: str, key: str) -> bool:
    """A table holding one true/false setting: `[board] counter_details` (the counter
    screen shows what the board shows), `[privacy] store_raw` (numbers stored as heard)."""
    raw = data.get(table, {})
    if not isinstance(raw, dict):
        raise InputError(path, f"must be a table: [{table}]", field=table)
    unknown = sorted(set(raw) - {key})
    if unknown:
        raise InputError(path, f"unknown key (known: {key})", field=f"{table}.{unknown[0]}")
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise InputError(path, f"must be true or false, not {value!r}", field=f"{table}.{key}")
    return value


def _training(data: dict, path: Path, staff_names: tuple[str, ...]) -> Anonymise:
    """`[training] staff_names = false, customer = "mute"`; the staff's names are scrubbed
    from training transcripts unless shown."""
    raw = data.get("training", {})
    if not isinstance(raw, dict):
        raise InputError(path, "must be a table: [training]", field="training")
    unknown = sorted(set(raw) - set(TRAINING_KEYS))
    if unknown:
        raise InputError(path, f"unknown key (known: {', '.join(TRAINING_KEYS)})",
                         field=f"training.{unknown[0]}")
    show = raw.get("staff_names", False)
    if not isinstance(show, bool):
        raise InputError(path, f"must be true or false, not {show!r}", field="training.staff_names")
    customer = raw.get("customer", "mute")
    if customer not in CUSTOMER_MODES:
        raise InputError(path, f"must be one of {', '.join(CUSTOMER_MODES)}, not {customer!r}",
                         field="training.customer")
    return Anonymise(staff_names=show, customer=customer, names=() if show else staff_names)


@dataclass
class WindowConfig:
    """One counter: where its audio comes from and whose it is."""

    id: str
    device: str | int | None  # PortAudio device name or index, or a WAV/FLAC path to replay
    channels: tuple[str, ...] = sources.DEFAULT_CHANNELS
    staff: str | None = None
    profile: str = "general"


@dataclass
class HallAudio:
    """What `listen` reads from the hall config: windows, retention, light drivers."""

    windows: list[WindowConfig]
    retention: RetentionOptions
    drivers: list
    lights: alerts.LightOptions = field(default_factory=alerts.LightOptions)
    liveness: LivenessOptions = field(default_factory=LivenessOptions)


def load_hall(path: Path) -> HallAudio:
    """The hall config's audio side: `[devices.ID]` tables (device, channels, staff,
    profile), `[recordings]` (keep, days, folder, transcript_days), `[liveness]` (silent_s),
    `[lights]` (red_hold_s, ack_required) and `[[lights.drivers]]`. Window names
    and other tables belong to other parts of the monitor (`config.py`)."""
    data = read_toml(path)
    devices = data.get("devices", {})
    if not isinstance(devices, dict) or not devices:
        raise InputError(path, 'lists no windows to hear: add [devices.W01] device = "..."',
                         field="devices")
    windows = []
    for window_id, entry in devices.items():
        where = f"devices.{window_id}"
        if not isinstance(entry, dict):
            raise InputError(path, "must be a table", field=where)
        unknown = set(entry) - {"device", "channels", "staff", "profile"}
        if unknown:
            raise InputError(path, "unknown key (device, channels, staff, profile)",
                             field=f"{where}.{sorted(unknown)[0]}")
        if "device" not in entry:
            raise InputError(path, "missing (a device name or index, or a WAV/FLAC file)",
                             field=f"{where}.device")
        try:
            channels = sources.parse_channels(entry.get("channels"))
        except CourtesyError as exc:
            raise InputError(path, str(exc), field=f"{where}.channels") from None
        windows.append(WindowConfig(str(window_id), entry["device"], channels,
                                    entry.get("staff"), entry.get("profile", "general")))
    retention = RetentionOptions()
    for key, value in data.get("recordings", {}).items():
        if key not in ("keep", "days", "folder", "transcript_days"):
            raise InputError(path, "unknown key (keep, days, folder, transcript_days)",
                             field=f"recordings.{key}")
        setattr(retention, key, Path(value) if key == "folder" else value)
    check_retention(retention, path)
    liveness = LivenessOptions()
    for key, value in data.get("liveness", {}).items():
        if key != "silent_s" or isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0 < value < float("inf"):
            raise InputError(path, "unknown key or bad value (silent_s: seconds > 0)",
                             field=f"liveness.{key}")
        liveness.silent_s = float(value)
    lights = dict(data.get("lights", {}))
    drivers = [alerts.driver_from_config(table, f"{path}: lights.drivers[{n}]")
               for n, table in enumerate(lights.pop("drivers", []), 1)]
    return HallAudio(windows, retention, drivers, _light_options(lights, path), liveness)


def _light_options(table: dict, path) -> alerts.LightOptions:
    options = alerts.LightOptions()
    for key, value in table.items():
        if key == "red_hold_s" and not isinstance(value, bool) and isinstance(value, (int, float)) \
                and value >= 0:
            options.red_hold_s = float(value)
        elif key == "ack_required" and isinstance(value, bool):
            options.ack_required = value
        else:
            raise InputError(path, "unknown key or bad value (red_hold_s: seconds, "
                             "ack_required: true/false, [[lights.drivers]])", field=f"lights.{key}")
    return options
