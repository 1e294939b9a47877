"""The board's push: one watcher thread per server hands every change of a tile to each
open page as a server-sent event, and a cap on open streams keeps the server answering.

A process apart from the monitor: the watcher reads the light events and heartbeats the
monitor writes (SQLite in WAL mode), so a killed monitor never takes the board down. It looks
for new light events every `poll_s` (only when the database changed, and then by indexed
queries), and judges every window again every `live_s`, so a monitor that dies without
writing anything still turns its tile to 监测中断.
"""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..config import Hall
from ..hallwatch import HallFile
from ..storage import StorageError, Store
from .common import WebOptions, json_text
from .events import EventSource
from .tiles import Board, counter_view

log = logging.getLogger("courtesy.web")

BACKLOG_LIMIT = 500  # a resume missing more than this gets each window's latest event only


def sse(kind: str, data: dict, event_id: int | None = None) -> str:
    head = f"event: {kind}\n" + (f"id: {event_id}\n" if event_id else "")
    return f"{head}data: {json_text(data)}\n\n"


@dataclass(frozen=True)
class _Message:
    event_id: int | None  # light events carry their id (for Last-Event-ID); updates none
    window: str
    text: str
    counter_text: str  # the same change as the counter screen shows it


def _message(kind: str, view: dict, event_id: int | None = None) -> _Message:
    return _Message(event_id, view["window"], sse(kind, view, event_id),
                    sse(kind, counter_view(view), event_id))


class _Subscriber:
    def __init__(self, window: str | None, counter: bool = False):
        self.window = window
        self.counter = counter  # a counter screen: no quotes, findings or scores
        self.queue: queue.SimpleQueue[list[_Message]] = queue.SimpleQueue()


class StreamSlots:
    """Open streams counted in all and per client address: each holds a server thread, so
    idle streams beyond the caps are refused (503) instead of starving every other page."""

    def __init__(self, total: int, per_client: int):
        self.total, self.per_client = total, per_client
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self._lock:
            if sum(self._open.values()) >= self.total or \
                    self._open.get(client, 0) >= self.per_client:
                return False
            self._open[client] = self._open.get(client, 0) + 1
            return True

    def give(self, client: str) -> None:
        with self._lock:
            left = self._open.get(client, 0) - 1
            if left > 0:
                self._open[client] = left
            else:
                self._open.pop(client, None)

    @property
    def open(self) -> int:
        with self._lock:
            return sum(self._open.values())


class Hub:
    """Watches the database for changes and hands each changed tile to every subscriber.

    New light events are found by id and sent as `light`; any other change of a tile (its
    visit re-judged, a red acknowledged, its monitor stopped or back) is found by rebuilding
    every tile when the database changed or `live_s` passed, and sent as `update`.
    """

    def __init__(self, db_path: Path, options: WebOptions, hall: HallFile | Hall | None = None,
                 events: EventSource | None = None):
        self.db_path = db_path
        self.events = events  # lights and heartbeats from the broker; None: from the database
        self.options = options
        self.hall_file = hall if isinstance(hall, HallFile) else HallFile(hall or Hall())
        self.slots = StreamSlots(options.max_streams, options.max_streams_per_client)
        self._subscribers: set[_Subscriber] = set()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def hall(self) -> Hall:
        return self.hall_file.hall

    def subscribe(self, window: str | None = None, counter: bool = False) -> _Subscriber:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="board-watcher",
                                                daemon=True)
                self._thread.start()
            subscriber = _Subscriber(window, counter)
            self._subscribers.add(subscriber)
        self._ready.wait(10)
        return subscriber

    def unsubscribe(self, subscriber: _Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.events is not None:
            self.events.close()

    def _run(self) -> None:
        try:
            store = Store(self.db_path)
            board = Board(store, self.hall, self.options.findings_shown, self.events)
            last = board.events.last_light_event()
            sent = board.views()
            version = self._version(board)
        except (StorageError, sqlite3.Error) as exc:  # the pages show "connection lost"
            log.error("board watcher cannot read %s: %s", self.db_path, exc)
            raise
        finally:
            self._ready.set()
        judged = time.monotonic()
        while not self._stop.wait(self.options.poll_s):
            try:
                board.hall = self.hall  # names saved on the settings page show at once
                changed = self._version(board) != version
                due = time.monotonic() - judged >= self.options.live_s
                if not changed and not due:
                    continue
                version = self._version(board)
                judged = time.monotonic() if due else judged
                messages, last = self._changes(board, sent, last, changed, due)
            except sqlite3.Error as exc:  # locked for a moment: a dead watcher would be a
                log.warning("board watcher: %s", exc)  # frozen board, so go on
                continue
            if messages:
                self._broadcast(messages)
        store.close()

    @staticmethod
    def _version(board: Board) -> tuple[int, int]:
        """The database's version and the event source's: an ack is in the one, a light
        from the broker in the other."""
        return board.store.data_version(), board.events.data_version()

    @staticmethod
    def _changes(board: Board, sent: dict[str, dict], last: int, changed: bool,
                 due: bool) -> tuple[list[_Message], int]:
        """New light events since `last` (when the database changed), then, when due, every
        other tile that differs from `sent`: monitors beat all the time, so rebuilding every
        tile on each change would read the database many times a second for nothing."""
        messages, now = [], datetime.now().astimezone()
        events = board.events.light_events(after=last) if changed else []
        beats = board.events.heartbeats() if events else {}
        for event in events:
            last = event.id
            view = sent[event.window] = board.view(event.window, event,
                                                   beats.get(event.window), now)
            messages.append(_message("light", view, event.id))
        for window, view in board.views(now).items() if due else ():
            if view != sent.get(window):
                sent[window] = view
                messages.append(_message("update", view))
        return messages, last

    def _broadcast(self, messages: list[_Message]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            batch = [m for m in messages if subscriber.window in (None, m.window)]
            if batch:
                subscriber.queue.put(batch)


def stream(hub: Hub, after: int, window: str | None, gone: Callable[[], bool] = lambda: False,
           counter: bool = False) -> Iterator[str]:
    """One page's event stream: what it missed since `after`, then each change as it comes,
    until `gone()` says the page went away (checked each second while idle). A counter
    screen's stream carries counter views only, so what it must not show never reaches it."""
    shown = counter_view if counter else (lambda view: view)
    options = hub.options
    subscriber = hub.subscribe(window, counter)  # before the backlog: nothing falls between
    try:
        backlog, last = _backlog(hub, after, window, shown)
        yield "retry: 1000\n\n" + backlog
        idle = 0.0
        while True:
            try:
                batch = subscriber.queue.get(timeout=min(1.0, options.heartbeat_s))
            except queue.Empty:
                if gone():
                    return
                idle += min(1.0, options.heartbeat_s)
                if idle >= options.heartbeat_s:
                    idle = 0.0
                    yield ": keep-alive\n\n"
                continue
            fresh = [m for m in batch if m.event_id is None or m.event_id > last]
            last = max([last] + [m.event_id for m in fresh if m.event_id])
            if fresh:
                yield "".join(m.counter_text if counter else m.text for m in fresh)
    finally:
        hub.unsubscribe(subscriber)


def _backlog(hub: Hub, after: int, window: str | None,
             shown: Callable[[dict], dict]) -> tuple[str, int]:
    """The light events a resuming page missed, as events, and the last event's id."""
    store = Store(hub.db_path)
    try:
        board = Board(store, hub.hall, hub.options.findings_shown, hub.events)
        missed = board.events.light_events(after=after, window=window)
        last = max([after] + [e.id for e in missed])
        if len(missed) > BACKLOG_LIMIT:
            latest = {e.window: e for e in missed}
            missed = sorted(latest.values(), key=lambda e: e.id)
        now, beats = datetime.now().astimezone(), board.events.heartbeats()
        return "".join(sse("light", shown(board.view(e.window, e, beats.get(e.window), now)),
                           e.id) for e in missed), last
    finally:
        store.close()
