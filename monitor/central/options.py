"""`[central]` in the hall config: where this hall ships its rows and publishes its lights."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..config import CENTRAL_KEYS as KEYS
from ..config import load
from ..errors import InputError

BOARD_EVENTS = ("sqlite", "mqtt")  # where `courtesy serve` takes the hall's lights from
HALL_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # a PostgreSQL role and an MQTT topic level


@dataclass(frozen=True)
class CentralOptions:
    """One hall's connection to the city (the database role and broker user are the hall)."""

    url: str  # postgresql://HALL:PASSWORD@host:port/db
    hall: str
    mqtt_url: str = ""  # mqtt://host:port
    mqtt_user: str = ""  # default: the hall id
    mqtt_password: str = ""
    topic_prefix: str = "courtesy"
    ship_audio: bool = False  # recordings' FLAC travel too (default: their metadata only)
    board_events: str = "sqlite"  # the hall board's lights and heartbeats: sqlite or mqtt

    @classmethod
    def from_table(cls, table: dict, path) -> "CentralOptions":
        """The `[central]` table, checked key by key."""
        if not isinstance(table, dict):
            raise InputError(path, "must be a table: [central] url = ...", field="central")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise InputError(path, f"unknown key (known: {', '.join(KEYS)})",
                             field=f"central.{unknown[0]}")
        for key in ("url", "hall"):
            if not isinstance(table.get(key), str) or not table[key]:
                raise InputError(path, "missing (a text)", field=f"central.{key}")
        if not is_url(table["url"]):
            raise InputError(path, "must be a postgresql://HALL:PASSWORD@HOST:PORT/DB URL",
                             field="central.url")
        if not HALL_ID.match(table["hall"]):
            raise InputError(path, "lower-case letters, digits and _ (a database role name)",
                             field="central.hall")
        mqtt_url = table.get("mqtt_url", "")
        if mqtt_url and urlsplit(mqtt_url).scheme not in ("mqtt", "tcp"):
            raise InputError(path, "must be an mqtt://HOST:PORT URL", field="central.mqtt_url")
        if table.get("board_events", "sqlite") not in BOARD_EVENTS:
            raise InputError(path, f"one of {', '.join(BOARD_EVENTS)}",
                             field="central.board_events")
        if table.get("board_events") == "mqtt" and not mqtt_url:
            raise InputError(path, "board_events = \"mqtt\" needs mqtt_url",
                             field="central.mqtt_url")
        if not isinstance(table.get("ship_audio", False), bool):
            raise InputError(path, "must be true or false", field="central.ship_audio")
        return cls(**{"mqtt_user": table["hall"], **table})

    @classmethod
    def load(cls, config_path) -> "CentralOptions | None":
        """The hall config's `[central]`, or None for a hall on its own."""
        if config_path is None or not Path(config_path).is_file():
            return None
        table = load(config_path).central  # the whole file checked by the one loader
        return cls.from_table(table, config_path) if table else None


def is_url(value) -> bool:
    """A PostgreSQL URL (also after click turned it into a Path: `postgresql:/host/db`)."""
    return str(value).startswith(("postgresql:", "postgres:"))


def url_of(value) -> str:
    """The URL a `--db` option was given: a click Path folds `//` into `/`, undone here."""
    return re.sub(r"^(postgres(?:ql)?):/+", r"\1://", str(value))
