"""The alert light at each window: a state machine over live updates, and its drivers.

off: no visit. green: a visit, nothing wrong so far. yellow: a warning is open (no
greeting yet, a question unanswered, a customer left waiting, any minor or major
finding). red: a critical finding (taboo); it stays red for `red_hold_s` and until a
supervisor acknowledges it, because a red that vanishes before anyone saw it is useless.
A false red destroys trust, so red comes only from critical findings, and never from one
on a role a single pickup heard unsure (`Finding.unsure_role`): that one lights nothing
and waits in the review queue.

A red may come while the words are still being spoken (a critical finding in
`LiveUpdate.provisional`): it is held until the visit's judgement holds the finding for
good, and withdrawn (a stored change, counted) if the whole utterance does not confirm it.

Every change is a stored LightEvent with its cause. Drivers (USB light, command, webhook,
the web board reading the database) show it; a failing driver is logged and retried and
never stops monitoring or the other drivers.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from .errors import ConfigError
from .records import Finding, Heartbeat, LightEvent, LiveUpdate
from .stored import as_json
from .vocabulary import SEVERITIES

log = logging.getLogger("courtesy.alerts")

_RANK = {s: n for n, s in enumerate(SEVERITIES)}  # critical first


@dataclass
class LightOptions:
    """How long red holds, and whether it waits for a supervisor."""

    red_hold_s: float = 60.0  # red stays at least this long
    ack_required: bool = True  # and until acknowledged


@dataclass
class _Window:
    state: str = "off"
    visit: str | None = None
    wanted: str = "off"  # what the visit alone says; red may hold longer
    cause: Finding | None = None
    red: LightEvent | None = None  # the red event being held
    shown: list = field(default_factory=list)  # critical findings already shown as red
    pending: Finding | None = None  # the red's cause while it rests on speech still heard


SAME_S = 0.5  # a finding heard again within this much of where it was shown is the same one


def _same(a: Finding, b: Finding) -> bool:
    """One finding judged twice (on part of an utterance, then on all of it)."""
    return a.rule == b.rule and a.start < b.end + SAME_S and b.start < a.end + SAME_S


def _counting(visit) -> list[Finding]:
    """The findings a light answers to: not those on a role heard unsure (a single pickup
    may have given the customer's words to staff); they wait for a person in review."""
    return [f for f in visit.findings if not f.unsure_role]


def _wanted(update: LiveUpdate) -> tuple[str, Finding | None]:
    if update.state == "closed":
        return "off", None
    findings = sorted(_counting(update.visit), key=lambda f: (_RANK[f.severity], -f.start))
    if not findings:
        return "green", None
    worst = findings[0]
    return ("red" if worst.severity == "critical" else "yellow"), worst


class LightMachine:
    """Turns each window's live updates into light changes."""

    def __init__(self, options: LightOptions | None = None,
                 acknowledged: Callable[[int], bool] = lambda event_id: False,
                 record: Callable[[LightEvent], LightEvent] = lambda event: event):
        self.options = options or LightOptions()
        self._acknowledged = acknowledged
        self._record = record
        self.windows: dict[str, _Window] = {}
        self.withdrawn = 0  # reds taken back because the whole utterance did not confirm them

    def state(self, window: str) -> str:
        return self.windows.get(window, _Window()).state

    def holding(self) -> list[str]:
        """Windows whose red light is held (for its time, or for a supervisor)."""
        return [window for window, w in self.windows.items() if w.red is not None]

    def resume(self, last: Iterable[LightEvent]) -> None:
        """A monitor starting again takes each of its windows' last stored light: a red
        nobody acknowledged stays red (held, as before, until acknowledged), whatever
        happened to the monitor, and the next change says which light it replaces."""
        for event in last:
            w = self.windows.setdefault(event.window, _Window())
            w.state, w.visit = event.state, event.visit
            if event.state == "red" and event.id is not None \
                    and not self._acknowledged(event.id):
                w.red = event
                log.info("window %s: red light %d from before the restart is held until "
                         "acknowledged", event.window, event.id)

    def update(self, update: LiveUpdate) -> list[LightEvent]:
        """A window's visit changed: a new critical finding turns red at once; anything
        else shows only once no red is being held."""
        window = update.window or "-"
        w = self.windows.setdefault(window, _Window())
        visit = update.visit
        if w.visit != visit.id:
            w.shown = []
        w.visit = visit.id
        w.wanted, w.cause = _wanted(update)
        critical = [f for f in _counting(visit) if f.severity == "critical"]
        events = self._confirm(window, w, critical, update)
        fresh = [f for f in critical if not any(_same(f, s) for s in w.shown)]
        w.shown = [] if update.state == "closed" else w.shown + fresh
        if fresh:
            cause = fresh[-1]
            red = self._change(window, w, "red", update.at, cause, visit.id)
            w.pending = cause if cause in update.provisional else None
            return events + [red]
        if w.red is not None and not self._released(w, update.at):
            return events
        return events + self._settle(window, w, update.at)

    def _confirm(self, window: str, w: _Window, critical: list[Finding],
                 update: LiveUpdate) -> list[LightEvent]:
        """A red shown on speech still being heard: confirmed once the finding no longer
        rests on it, withdrawn when the visit's judgement no longer holds it."""
        if w.pending is None:
            return []
        heard = [f for f in critical if _same(f, w.pending)]
        if heard:
            if not any(f in update.provisional for f in heard):
                w.pending = None
            return []
        withdrawn, w.pending = w.pending, None
        w.shown = [f for f in w.shown if not _same(f, withdrawn)]
        self.withdrawn += 1
        log.warning("window %s: red withdrawn, the whole utterance did not confirm %s (%s)",
                    window, withdrawn.rule, withdrawn.text)
        w.red = None
        state = "yellow" if w.wanted == "red" else w.wanted
        cause = w.cause if state == "yellow" else None
        return [self._change(window, w, state, update.at, cause, w.visit,
                             f"撤回红灯：整句听完未确认「{withdrawn.text}」")]

    def stored(self, held: LightEvent, kept: LightEvent) -> None:
        """A change that waited for the database is written: a red held on it now waits for
        the acknowledgement of the stored event (`kept`, with its id)."""
        for w in self.windows.values():
            if w.red is held:
                w.red = kept

    def tick(self, at: datetime) -> list[LightEvent]:
        """Time passes: release reds whose hold is over and that are acknowledged."""
        events = []
        for window, w in self.windows.items():
            if w.red is not None and self._released(w, at):
                events += self._settle(window, w, at)
        return events

    def _released(self, w: _Window, at: datetime) -> bool:
        if w.pending is not None:  # held until the final judgement
            return False
        held = at - w.red.at < timedelta(seconds=self.options.red_hold_s)
        waiting = self.options.ack_required and not self._acknowledged(w.red.id)
        return not (held or waiting)

    def _settle(self, window: str, w: _Window, at: datetime) -> list[LightEvent]:
        w.red = None
        # an acknowledged red whose visit goes on stays a warning
        state = "yellow" if w.wanted == "red" else w.wanted
        if state == w.state:
            return []
        return [self._change(window, w, state, at, w.cause if state == "yellow" else None, w.visit)]

    def _change(self, window, w, state, at, cause, visit, detail: str = "") -> LightEvent:
        event = self._record(LightEvent(
            window=window, state=state, previous=w.state, at=at,
            rule=cause.rule if cause else "", severity=cause.severity if cause else "",
            quote=cause.text if cause else "", detail=detail or (cause.detail if cause else ""),
            visit=visit))
        w.state = state
        if state == "red":
            w.red = event
        return event


# --- drivers ---------------------------------------------------------------------------

COLOURS = {"off": (0, 0, 0), "green": (0, 255, 0), "yellow": (255, 160, 0), "red": (255, 0, 0)}


class Driver(Protocol):
    name: str

    def show(self, event: LightEvent) -> None:
        """Show a light change; raise one of `DRIVER_ERRORS` on failure (the dispatcher
        retries); any other exception is a bug and stops that driver's thread, logged."""


@runtime_checkable
class BeatDriver(Protocol):
    """A driver that also carries each window's heartbeat (MQTT: the board and displays
    fed by the broker see a microphone unplugged or a monitor stopped, not only silence)."""

    def beat(self, heartbeat: Heartbeat) -> None:
        """Take the monitor's latest heartbeat for a window; never blocks, never raises."""


def beat_relays(drivers: Iterable[Driver]) -> list[Callable[[Heartbeat], None]]:
    return [d.beat for d in drivers if isinstance(d, BeatDriver)]


# What a driver out of reach raises: a device or network gone (OSError: URLError, a USB
# light not found), a program failing or timing out, a web server answering garbage.
DRIVER_ERRORS = (OSError, subprocess.SubprocessError, http.client.HTTPException)


@dataclass
class CommandDriver:
    """Runs a program on every change (relay towers, PLCs): the event as JSON on stdin and
    as COURTESY_* environment variables."""

    argv: list[str]
    timeout_s: float = 10.0
    windows: tuple[str, ...] = ()  # only these windows; empty: all
    name: str = "command"

    def show(self, event: LightEvent) -> None:
        env = {**os.environ, "COURTESY_WINDOW": event.window, "COURTESY_STATE": event.state,
               "COURTESY_PREVIOUS": event.previous, "COURTESY_RULE": event.rule}
        subprocess.run(self.argv, input=json.dumps(as_json(event), ensure_ascii=False),
                       text=True, env=env, timeout=self.timeout_s, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass
class WebhookDriver:
    """POSTs the event as JSON to the hall's own systems."""

    url: str
    timeout_s: float = 5.0
    windows: tuple[str, ...] = ()
    name: str = "webhook"

    def show(self, event: LightEvent) -> None:
        request = urllib.request.Request(
            self.url, data=json.dumps(as_json(event), ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            response.read()


@dataclass
class UsbDriver:
    """A USB status light (Kuando, Embrava, Luxafor, blink(1), BlinkStick... through
    busylight-for-humans): the window's colour, blinking for red."""

    light: str = ""  # device name as busylight lists it; empty: the first light
    index: int | None = None
    windows: tuple[str, ...] = ()
    name: str = "usb"

    def show(self, event: LightEvent) -> None:
        try:
            self._show(event)
        except _usb_errors() as exc:  # busylight missing, or a light gone, busy or unknown
            raise ConnectionError(f"USB light {self.light or self.index or 0!r}: {exc}") from None

    def _show(self, event: LightEvent) -> None:
        from busylight.controller import LightController

        with LightController() as controller:
            if self.light:
                selection = controller.by_name(self.light, self.index)
            else:
                selection = controller.by_index(self.index or 0)
            if not selection:
                raise ConnectionError(f"USB light {self.light or self.index or 0!r} not found")
            if event.state == "off":
                selection.turn_off()
            elif event.state == "red":
                selection.blink(COLOURS["red"], count=0)
            else:
                selection.turn_on(COLOURS[event.state])


def _usb_errors() -> tuple[type[Exception], ...]:
    """What busylight raises for a light that cannot be used (it is an optional extra)."""
    try:
        from busylight_core import exceptions as bad
    except ImportError:
        return (ImportError,)
    return (ImportError, bad.LightUnavailableError, bad.HardwareUnsupportedError,
            bad.NoLightsFoundError, bad.InvalidHardwareError, bad.HardwareAlreadyOpenError,
            bad.HardwareNotOpenError)


def driver_from_config(table: dict, where: str) -> Driver:
    """One `[[lights.drivers]]` table of the hall config: type = command | webhook | usb."""
    table = dict(table)
    kind = table.pop("type", None)
    windows = table.pop("windows", [])
    if not isinstance(windows, list) or not all(isinstance(w, str) for w in windows):
        raise ConfigError(f"{where}: windows must be a list of window ids, not {windows!r}")
    windows = tuple(windows)
    try:
        if kind == "command":
            argv = table.pop("command")
            if isinstance(argv, str):
                argv = [argv]
            return CommandDriver(list(argv), windows=windows, **table)
        if kind == "webhook":
            return WebhookDriver(table.pop("url"), windows=windows, **table)
        if kind == "usb":
            return UsbDriver(windows=windows, **table)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: {kind} driver: bad or missing setting {exc}") from None
    if kind == "mqtt":  # the central extra (issue 15): imported only by a hall that uses it
        from .central.mqtt import MqttDriver
        return MqttDriver.from_table(table, windows, where)
    raise ConfigError(f"{where}: unknown light driver type {kind!r} (command, webhook, usb, mqtt)")


class Dispatcher:
    """Feeds each driver from its own thread and queue, retrying with backoff.

    A slow or broken driver delays only itself; its queue keeps just the latest event per
    window when it falls behind (a light shows the present, not the history).
    """

    def __init__(self, drivers: Iterable[Driver], retry_s: float = 1.0, max_retry_s: float = 60.0):
        self.drivers = list(drivers)
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.failures: dict[str, int] = {d.name: 0 for d in self.drivers}
        self._queues = [queue.Queue() for _ in self.drivers]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(d, q), daemon=True,
                                          name=f"light-{d.name}")
                         for d, q in zip(self.drivers, self._queues)]
        for thread in self._threads:
            thread.start()

    def send(self, events: Iterable[LightEvent]) -> None:
        for event in events:
            for driver, pending in zip(self.drivers, self._queues):
                if not driver.windows or event.window in driver.windows:
                    pending.put(event)

    def _run(self, driver: Driver, pending: queue.Queue) -> None:
        while not self._stop.is_set():
            try:
                event = pending.get(timeout=0.1)
            except queue.Empty:
                continue
            taken = 1
            latest = {event.window: event}
            while not pending.empty():  # fallen behind: only the newest per window matters
                newer = pending.get_nowait()
                latest[newer.window] = newer
                taken += 1
            for event in latest.values():
                self._deliver(driver, event)
            for _ in range(taken):
                pending.task_done()

    def _deliver(self, driver: Driver, event: LightEvent) -> None:
        delay = self.retry_s
        while not self._stop.is_set():
            try:
                driver.show(event)
                return
            except DRIVER_ERRORS as exc:  # a light or hook out of reach: log, wait, retry
                self.failures[driver.name] += 1
                log.warning("light driver %s failed for window %s (%s); retrying in %.0f s",
                            driver.name, event.window, exc, delay)
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self.max_retry_s)

    def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued and in flight (within `timeout`), then stop."""
        deadline = datetime.now() + timedelta(seconds=timeout)
        while any(q.unfinished_tasks for q in self._queues) and datetime.now() < deadline:
            self._stop.wait(0.05)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=1.0)


@dataclass
class Lights:
    """The hall's lights: the state machine, stored events and the drivers, in one place
    for `listen` and `play`."""

    machine: LightMachine
    dispatcher: Dispatcher

    @classmethod
    def for_store(cls, store, options: LightOptions | None = None,
                  drivers: Iterable[Driver] = ()) -> "Lights":
        machine = LightMachine(options, acknowledged=store.acknowledged,
                               record=store.add_light_event)
        return cls(machine, Dispatcher(drivers))

    def update(self, update: LiveUpdate) -> list[LightEvent]:
        return self._shown(self.machine.update(update))

    def tick(self, at: datetime) -> list[LightEvent]:
        return self._shown(self.machine.tick(at))

    def _shown(self, events: list[LightEvent]) -> list[LightEvent]:
        self.dispatcher.send(events)
        return events

    def close(self) -> None:
        self.dispatcher.close()


def linger(lights: Lights, at: datetime, seconds: float, speed: float = 0.0,
           step: float = 0.1) -> Iterable[list[LightEvent]]:
    """After a played transcript, keep the lights ticking for up to `seconds` of real time
    while a red waits for a supervisor's acknowledgement (session time runs at `speed`,
    0 counting as real time); yields each tick's light changes."""
    import time

    waited = 0.0
    while lights.machine.holding() and waited < seconds:
        time.sleep(step)
        waited += step
        at += timedelta(seconds=step * (speed or 1))
        yield lights.tick(at)
