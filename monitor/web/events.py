"""Where the hall board's lights and heartbeats come from: the hall's SQLite, which the
monitor writes (the default), or the hall's MQTT broker (`[central] board_events =
"mqtt"`), which the monitors publish to. Both give the same records by the same methods, so
the tiles and the event stream are one code path; a visit's findings, acknowledgements
and device health are read from the hall's database either way, and acks are written there.
"""
from __future__ import annotations

from typing import Protocol

from ..config import Hall
from ..errors import ConfigError
from ..records import Heartbeat, LightEvent


class EventSource(Protocol):
    """What the board reads its lights and heartbeats from (`Store` is one)."""

    def current_lights(self) -> dict[str, LightEvent]: ...

    def heartbeats(self) -> dict[str, Heartbeat]: ...

    def light_events(self, after: int = 0, window: str | None = None) -> list[LightEvent]: ...

    def last_light_event(self) -> int: ...

    def data_version(self) -> int: ...

    def close(self) -> None: ...


def open_events(hall: Hall) -> EventSource | None:
    """The broker's feed of this hall when its config asks for one; None: the database.
    The optional `central` extra is imported only then."""
    if hall.central.get("board_events", "sqlite") != "mqtt":
        return None
    from ..central.mqtt import HallFeed
    from ..central.options import CentralOptions

    where = hall.path or "hall.toml"
    options = CentralOptions.from_table(hall.central, where)
    try:
        return HallFeed(options.mqtt_url, options.hall, options.mqtt_user,
                        options.mqtt_password, options.topic_prefix)
    except ImportError:  # paho-mqtt, imported by the feed's first connection
        raise ConfigError(f"{where}: [central] board_events = \"mqtt\" needs the central "
                          "extra: pip install '.[central]'") from None
