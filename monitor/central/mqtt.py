"""Lights and heartbeats on MQTT (paho-mqtt 2, mosquitto): what hall hardware and the city
board subscribe to.

`courtesy/<hall>/<window>/light` carries each change, QoS 1 and retained, so a display
that subscribes late (or after a broker restart) gets the window's present state at once;
the driver also publishes it again on every reconnection, in case the broker lost it.
`.../heartbeat` says every few seconds that the monitor still runs; the hall's
`courtesy/<hall>/status` is "online", or "offline" by the broker (last will) when it dies.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..records import Heartbeat, LightEvent

STALE_S = 30.0  # a window without a heartbeat this long is shown as interrupted


def client_id(name: str) -> str:
    """`name` (who and where, for the broker's log) and a random part. The broker closes a
    connection when another arrives with its client id, and mosquitto cannot tie ids to
    users: an id built from a hall, a pid and a host let one hall guess another's and knock
    it off (its retained `offline` published). An id nobody can guess cannot be taken."""
    return f"{name}-{secrets.token_hex(8)}"


def _client(url: str, user: str, password: str, name: str):
    import paho.mqtt.client as paho

    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ConfigError(f"{url!r}: an MQTT broker is mqtt://HOST:PORT")
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id(name),
                         clean_session=True)
    client.username_pw_set(user, password)
    client.reconnect_delay_set(0.2, 5)
    return client, parts.hostname, parts.port or 1883


def _payload(event: LightEvent) -> dict:
    return {"window": event.window, "state": event.state, "previous": event.previous,
            "at": event.at.isoformat(timespec="milliseconds"), "rule": event.rule,
            "severity": event.severity, "visit": event.visit, "id": event.id,
            "sent": time.time()}


class MqttDriver:
    """A light driver (`[[lights.drivers]] type = "mqtt"`): publishes each change retained.

    `show` raises while the broker is unreachable or refuses, so the dispatcher retries it
    with backoff and keeps only each window's newest change meanwhile."""

    def __init__(self, url: str, hall: str, user: str = "", password: str = "",
                 prefix: str = "courtesy", windows: tuple[str, ...] = (),
                 heartbeat_s: float = 5.0, timeout_s: float = 5.0):
        self.name = "mqtt"
        self.windows = windows
        self.hall, self.prefix, self.timeout_s = hall, prefix, timeout_s
        self.monitor = f"{os.getpid()}@{socket.gethostname()}"
        self._last: dict[str, dict] = {}  # window -> the last light payload published
        self._states: dict[str, dict] = {}  # window -> the monitor's state and its message
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._reconnection = False
        self._refused = ""
        self.client, host, port = _client(url, user or hall, password,
                                          f"courtesy-{hall}-{self.monitor}")
        self.client.will_set(self._topic("status"), "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *a: self._connected.clear()
        self.client.connect_async(host, port, keepalive=15)
        self.client.loop_start()
        self._stop = threading.Event()
        self._beats = threading.Thread(target=self._beat, args=(heartbeat_s,), daemon=True,
                                       name="mqtt-heartbeat")
        self._beats.start()

    @classmethod
    def from_table(cls, table: dict, windows: tuple[str, ...], where: str) -> "MqttDriver":
        """`url`, `hall`, optional `user`, `password`, `prefix`, `heartbeat_s`."""
        try:
            return cls(table.pop("url"), table.pop("hall"), windows=windows, **table)
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{where}: mqtt driver: bad or missing setting {exc}") from None

    def _topic(self, *levels: str) -> str:
        return "/".join((self.prefix, self.hall, *levels))

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        if reason.is_failure:
            self._refused = str(reason)  # a wrong password or a user the broker does not know
            return
        self._refused = ""
        client.publish(self._topic("status"), "online", qos=1, retain=True)
        if self._reconnection:
            with self._lock:
                for window, payload in self._last.items():  # the broker may have lost them
                    client.publish(self._topic(window, "light"), json.dumps(payload), 1, True)
        self._reconnection = True
        self._connected.set()

    def show(self, event: LightEvent) -> None:
        payload = _payload(event)
        with self._lock:
            self._last[event.window] = payload
        if not self._connected.wait(self.timeout_s):
            raise ConnectionError(f"MQTT broker not connected ({self._refused or 'unreachable'})")
        info = self.client.publish(self._topic(event.window, "light"),
                                   json.dumps(payload, ensure_ascii=False), qos=1, retain=True)
        info.wait_for_publish(self.timeout_s)
        if not info.is_published():
            raise ConnectionError("MQTT broker did not acknowledge the light change")

    def beat(self, heartbeat: Heartbeat) -> None:
        """The monitor's own heartbeat (`alerts.BeatDriver`): its state (listening,
        unplugged, silent, storage, stopped) goes out at once when it changes, and with
        every periodic beat."""
        state = {"state": heartbeat.state, "message": heartbeat.message}
        with self._lock:
            changed = self._states.get(heartbeat.window) != state
            self._states[heartbeat.window] = state
        if changed and self._connected.is_set():
            self._publish_beat(heartbeat.window)

    def _beat(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            if not self._connected.is_set():
                continue
            with self._lock:
                windows = sorted(set(self.windows) | set(self._last) | set(self._states))
            for window in windows:
                self._publish_beat(window)

    def _publish_beat(self, window: str) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._lock:
            state = self._states.get(window, {"state": "listening", "message": ""})
        self.client.publish(self._topic(window, "heartbeat"), json.dumps(
            {"at": now, "monitor": self.monitor, **state}, ensure_ascii=False), 1, True)

    def close(self) -> None:
        self._stop.set()
        self.client.publish(self._topic("status"), "offline", qos=1, retain=True)
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class HallSummary:
    """One hall on the city board."""

    hall: str
    lights: dict[str, str] = field(default_factory=dict)  # window -> state
    beats: dict[str, float] = field(default_factory=dict)  # window -> last heartbeat (epoch)
    online: bool = False

    def counts(self) -> dict[str, int]:
        states = list(self.lights.values())
        return {s: states.count(s) for s in ("red", "yellow", "green", "off")}

    def interrupted(self, now: float, stale_s: float = STALE_S) -> list[str]:
        return sorted(w for w, at in self.beats.items() if now - at > stale_s)


class CityBoard:
    """Subscribes to every hall's lights and heartbeats: the city's live summary."""

    def __init__(self, url: str, user: str, password: str, prefix: str = "courtesy",
                 on_light: Callable[[str, dict, float], None] = lambda hall, p, at: None):
        self.prefix = prefix
        self.halls: dict[str, HallSummary] = {}
        self._on_light = on_light
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self.client, host, port = _client(url, user, password, f"courtesy-city-{os.getpid()}")
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.connect_async(host, port, keepalive=15)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        if not reason.is_failure:
            client.subscribe([(f"{self.prefix}/+/+/light", 1), (f"{self.prefix}/+/+/heartbeat", 1),
                              (f"{self.prefix}/+/status", 1)])
            self.ready.set()

    def _on_message(self, client, userdata, message) -> None:
        received = time.time()
        levels = message.topic.split("/")
        with self._lock:
            hall = self.halls.setdefault(levels[1], HallSummary(levels[1]))
            if levels[-1] == "status":
                hall.online = message.payload == b"online"
                return
            payload = json.loads(message.payload)
            if levels[-1] == "light":
                hall.lights[levels[2]] = payload["state"]
            else:
                hall.beats[levels[2]] = datetime.fromisoformat(payload["at"]).timestamp()
        if levels[-1] == "light" and not message.retain:
            self._on_light(levels[1], payload, received)

    def summary(self) -> list[dict]:
        """Each hall's windows by light, worst halls first (most red, then yellow)."""
        now = time.time()
        with self._lock:
            rows = [{"hall": h.hall, "online": h.online, **h.counts(),
                     "interrupted": h.interrupted(now)} for h in self.halls.values()]
        return sorted(rows, key=lambda r: (-r["red"], -r["yellow"], r["hall"]))

    def lights(self, hall: str) -> dict[str, str]:
        with self._lock:
            return dict(self.halls.get(hall, HallSummary(hall)).lights)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def light_event(payload: dict) -> LightEvent:
    """A light change as the driver published it (no quote or detail: speech stays off the
    broker; the board reads a visit's findings from the hall's database)."""
    return LightEvent(payload["window"], payload["state"], payload.get("previous") or "off",
                      datetime.fromisoformat(payload["at"]), payload.get("rule") or "",
                      payload.get("severity") or "", visit=payload.get("visit"),
                      id=payload.get("id"))


class HallFeed:
    """One hall's lights and heartbeats from the broker, for the hall board
    (`[central] board_events = "mqtt"`): the same records, by the same method names, the
    board otherwise reads from the hall's SQLite (`web/events.py`).

    paho reconnects by itself after a broker restart; each (re)connection subscribes again
    and the retained messages bring every window's present state back. A light is known by
    the id the monitor stored it under, so one received twice (retained, or published again
    on the driver's reconnection) is one event."""

    def __init__(self, url: str, hall: str, user: str, password: str,
                 prefix: str = "courtesy", keep: int = 1000):
        self.hall, self.prefix, self.keep = hall, prefix, keep
        self._lights: dict[str, LightEvent] = {}
        self._events: dict[int, LightEvent] = {}  # the newest `keep` changes, by id
        self._beats: dict[str, Heartbeat] = {}
        self._version = 0
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self.client, host, port = _client(url, user, password,
                                          f"courtesy-board-{hall}-{os.getpid()}")
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *a: self.ready.clear()
        self.client.on_message = self._on_message
        self.client.connect_async(host, port, keepalive=15)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        if not reason.is_failure:
            topic = f"{self.prefix}/{self.hall}/+/"
            client.subscribe([(topic + "light", 1), (topic + "heartbeat", 1)])
            self.ready.set()

    def _on_message(self, client, userdata, message) -> None:
        window, kind = message.topic.split("/")[-2:]
        try:
            payload = json.loads(message.payload)
            if kind == "light":
                self._light(window, light_event(payload))
            else:
                beat = Heartbeat(window, payload.get("monitor", ""),
                                 datetime.fromisoformat(payload["at"]),
                                 payload.get("state", "listening"),
                                 message=payload.get("message", ""))
                with self._lock:
                    self._beats[window] = beat
                    self._version += 1
        except (ValueError, KeyError, TypeError):  # not ours to show; the monitor is not hurt
            return

    def _light(self, window: str, event: LightEvent) -> None:
        with self._lock:
            now = self._lights.get(window)
            if now is None or (event.id or 0) >= (now.id or 0):
                self._lights[window] = event
            if event.id is not None and event.id not in self._events:
                self._events[event.id] = event
                for old in sorted(self._events)[:-self.keep]:
                    del self._events[old]
            self._version += 1

    def current_lights(self) -> dict[str, LightEvent]:
        """Each window's latest light (as `Store.current_lights`)."""
        with self._lock:
            return dict(sorted(self._lights.items()))

    def heartbeats(self) -> dict[str, Heartbeat]:
        with self._lock:
            return dict(self._beats)

    def light_events(self, after: int = 0, window: str | None = None) -> list[LightEvent]:
        """The changes received with an id above `after`, in id order."""
        with self._lock:
            return [e for i, e in sorted(self._events.items())
                    if i > after and window in (None, e.window)]

    def last_light_event(self) -> int:
        with self._lock:
            return max(self._events, default=0)

    def data_version(self) -> int:
        """Changes with every message: the board's watcher looks again."""
        return self._version

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
