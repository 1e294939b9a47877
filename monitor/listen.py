"""Listening to a hall: counter audio heard all day, scored as people speak.

Each window has a source (a device through PortAudio, or a recording replayed through the
same path), a `Transcriber` (giving what is heard so far while people speak, so a taboo
turns the light red before the sentence ends), a `live.LiveSession` (the visit in progress
judged as time passes, every utterance stored at once) and a `Recorder`. One loop polls every window in
turn, so one model serves every stream and no window can stall another. A lost device is
reopened with backoff, lost audio is counted, and a full disk stops only the recording,
never the monitoring.
"""
from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from . import alerts, sources
from .asr import Engine
from .audio import Transcriber, is_audio
from .errors import CourtesyError, InputError, read_toml
from .live import LiveSession
from .pipeline import Scorer
from .records import AudioChunk, LiveEvent, LiveUpdate, Recording
from .storage import Store
from .vad import VadOptions

log = logging.getLogger("courtesy.listen")

KEEP = ("none", "flagged", "all")


@dataclass
class WindowConfig:
    """One counter: where its audio comes from and whose it is."""

    id: str
    device: str | int | None  # PortAudio device name or index, or a WAV/FLAC path to replay
    channels: tuple[str, ...] = sources.DEFAULT_CHANNELS
    staff: str | None = None
    profile: str = "general"


@dataclass
class RetentionOptions:
    """Which audio is kept for replay, where, and for how long."""

    keep: str = "flagged"  # none, flagged (files with a visit that did not pass), all
    days: float = 30.0  # recordings older than this are deleted
    folder: Path = Path("reports") / "recordings"
    max_file_s: float = 3600.0  # a file is closed after this long even if speech goes on
    quiet_s: float = 30.0  # silence that closes a file (a visit has ended)
    retry_s: float = 60.0  # after a write failure (disk full), try again this much later


@dataclass
class HallAudio:
    """What `listen` reads from the hall config: windows, retention, light drivers."""

    windows: list[WindowConfig]
    retention: RetentionOptions
    drivers: list
    lights: alerts.LightOptions = field(default_factory=alerts.LightOptions)


def load_hall(path: Path) -> HallAudio:
    """The hall config's audio side: `[devices.ID]` tables (device, channels, staff,
    profile), `[recordings]` (keep, days, folder), `[lights]` (red_hold_s, ack_required) and
    `[[lights.drivers]]`. Window names
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
        if key not in ("keep", "days", "folder"):
            raise InputError(path, "unknown key (keep, days, folder)", field=f"recordings.{key}")
        setattr(retention, key, Path(value) if key == "folder" else value)
    check_retention(retention, path)
    lights = dict(data.get("lights", {}))
    drivers = [alerts.driver_from_config(table, f"{path}: lights.drivers[{n}]")
               for n, table in enumerate(lights.pop("drivers", []), 1)]
    return HallAudio(windows, retention, drivers, _light_options(lights, path))


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


def check_retention(options: RetentionOptions, path) -> None:
    if options.keep not in KEEP:
        raise InputError(path, f"must be one of {', '.join(KEEP)}, not {options.keep!r}",
                         field="recordings.keep")
    if isinstance(options.days, bool) or not isinstance(options.days, (int, float)) \
            or options.days <= 0:
        raise InputError(path, f"must be a positive number of days, not {options.days!r}",
                         field="recordings.days")


class FileReplay:
    """A recording fed block by block through the live path, as fast as it is processed."""

    overflows = 0
    dropped_s = 0.0
    reopens = 0

    def __init__(self, path: Path, roles: tuple[str, ...]):
        """A missing or unreadable recording is one InputError now, not a device to retry."""
        if not path.is_file():
            raise InputError(path, "no such recording (a WAV/FLAC given as a device is replayed)")
        sources.file_duration(path)
        self._chunks = sources.read_file(path, roles)
        self._next: AudioChunk | None = None
        self.finished = False

    def open(self) -> None:
        self._next = next(self._chunks, None)
        self.finished = self._next is None

    def read(self, timeout: float = 0.0) -> list[AudioChunk]:
        """The chunks of the next block (all roles at one start time)."""
        if self._next is None:
            self.finished = True
            return []
        block = [self._next]
        for chunk in self._chunks:
            if chunk.start != block[0].start:
                self._next = chunk
                return block
            block.append(chunk)
        self._next = None
        return block

    def close(self) -> None:
        self._chunks.close()


class Recorder:
    """One window's audio on disk (FLAC, a file per stretch of visits), kept per retention."""

    def __init__(self, window: str, options: RetentionOptions, store: Store,
                 started_at: datetime, report: Callable[[str, str], None]):
        self.window = window
        self.options = options
        self.store = store
        self.started_at = started_at
        self.report = report
        self._file = None
        self._path: Path | None = None
        self._opened_at = 0.0  # source seconds
        self._written_to = 0.0
        self._speech_until = -1.0  # source seconds of the last speech in the current file
        self._retry_at = 0.0

    def write(self, chunks: list[AudioChunk]) -> None:
        """Write blocks of audio; the chunks of one block (one per role) share a start."""
        if self.options.keep == "none":
            return
        for _, block in itertools.groupby(chunks, key=lambda c: c.start):
            self._write_block(list(block))

    def _write_block(self, block: list[AudioChunk]) -> None:
        start = block[0].start
        if start < self._retry_at:
            return
        frames = np.stack([c.samples for c in block], axis=1)
        try:
            if self._file is None:
                self._open(start, len(block))
            self._file.write(frames)
            self._written_to = start + len(frames) / sources.SAMPLE_RATE
        except Exception as exc:  # OSError or libsndfile's error: a full disk, a lost mount
            self.report("recording", f"cannot write {self._path}: {exc}; recording paused "
                                     f"for {self.options.retry_s:.0f} s, monitoring goes on")
            self._abandon()
            self._retry_at = start + self.options.retry_s
            return
        quiet = self._written_to - max(self._speech_until, self._opened_at)
        too_long = self._written_to - self._opened_at > self.options.max_file_s
        if quiet > self.options.quiet_s or too_long:
            self.close()

    def heard(self, until: float) -> None:
        self._speech_until = max(self._speech_until, until)

    def _open(self, start: float, channels: int) -> None:
        import soundfile as sf

        at = self.started_at + timedelta(seconds=start)
        folder = self.options.folder / self.window / at.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / f"{self.window}-{at.strftime('%H%M%S')}.flac"
        self._file = sf.SoundFile(self._path, "w", sources.SAMPLE_RATE, channels, "PCM_16",
                                  format="FLAC")
        self._opened_at = start
        self._written_to = start
        self._speech_until = -1.0

    def _abandon(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            try:
                handle.close()
            except Exception as exc:  # the disk is full: the file is lost either way
                log.debug("closing %s: %s", self._path, exc)
        if self._path is not None:
            self._path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the current file and decide, by retention, whether it stays."""
        if self._file is None:
            return
        handle, self._file = self._file, None
        try:
            handle.close()
        except Exception as exc:
            self.report("recording", f"cannot finish {self._path}: {exc}")
            self._path.unlink(missing_ok=True)
            return
        start = self.started_at + timedelta(seconds=self._opened_at)
        end = self.started_at + timedelta(seconds=self._written_to)
        if self.options.keep == "all":
            kept, reason = True, "all"
        elif self._speech_until >= 0 and self.store.flagged_visits(self.window, start, end):
            kept, reason = True, "flagged visit"
        else:
            kept, reason = False, "no flagged visit"
        if not kept:
            self._path.unlink(missing_ok=True)
        try:
            self.store.save_recording(Recording(str(self._path), self.window, start, end, kept,
                                                reason))
        except CourtesyError as exc:  # the database cannot be written: the file is handled
            self.report("storage", str(exc))
        if kept:
            self.report("recording", f"kept {self._path} ({reason})")

    def expire(self, now: datetime) -> int:
        """Delete this window's recordings older than the retention period."""
        cutoff = (now - timedelta(days=self.options.days)).timestamp()
        removed = 0
        for path in (self.options.folder / self.window).rglob("*.flac"):
            if path != self._path and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
                self.store.recording_expired(str(path))
        return removed


@dataclass
class _Window:
    config: WindowConfig
    source: object  # sources.LiveSource or FileReplay
    transcriber: Transcriber
    session: LiveSession
    recorder: Recorder
    next_tick: float = 0.0  # source seconds
    overflows: int = 0
    dropped_s: float = 0.0


class Monitor:
    """Every window of a hall, polled in turn by one loop."""

    def __init__(self, windows: list[WindowConfig], engine: Engine, store: Store,
                 retention: RetentionOptions | None = None, lexicon_dir: Path | None = None,
                 lights: alerts.Lights | None = None,
                 on_update: Callable[[LiveUpdate], None] | None = None,
                 on_light: Callable[[list], None] | None = None,
                 on_event: Callable[[LiveEvent], None] | None = None,
                 vad_options: VadOptions | None = None,
                 live_options: sources.LiveOptions | None = None, tick_s: float = 1.0):
        self.store = store
        self.retention = retention or RetentionOptions()
        self.lights = lights
        self.on_update = on_update or (lambda update: None)
        self.on_light = on_light or (lambda events: None)
        self.on_event = on_event or (lambda event: None)
        self.tick_s = tick_s
        self.started_at = datetime.now().astimezone()
        scorers: dict[str, Scorer] = {}
        self.windows: list[_Window] = []
        for config in windows:
            scorer = scorers.get(config.profile) or scorers.setdefault(
                config.profile, Scorer.load(config.profile, lexicon_dir))
            report = self._reporter(config.id)
            replay = isinstance(config.device, (str, Path)) and is_audio(str(config.device))
            source = (FileReplay(Path(str(config.device)), config.channels) if replay else
                      sources.LiveSource(config.device, config.channels, live_options,
                                         on_event=lambda message, r=report: r("device", message)))
            session = LiveSession(scorer, store, window=config.id, staff=config.staff,
                                  started_at=self.started_at,
                                  source=f"listen:{config.device}")
            self.windows.append(_Window(
                config, source, Transcriber(engine, vad_options,
                                            on_speech=lambda role, at, s=session:
                                            s.speech_started(at), partials=True),
                session, Recorder(config.id, self.retention, store, self.started_at, report)))

    def _reporter(self, window: str) -> Callable[[str, str], None]:
        def report(kind: str, message: str) -> None:
            self.on_event(LiveEvent(datetime.now().astimezone(), window, kind, message))
        return report

    def open(self) -> None:
        """Open every source; a device that cannot be opened now is retried by the loop."""
        for w in self.windows:
            w.recorder.expire(datetime.now().astimezone())
            try:
                w.source.open()
            except CourtesyError as exc:
                self._reporter(w.config.id)("device", f"{exc}; retrying")

    @property
    def finished(self) -> bool:
        """Only replays finish; live devices run until stopped."""
        return all(getattr(w.source, "finished", False) for w in self.windows)

    def step(self, timeout: float = 0.05) -> None:
        """Poll every window once: read the audio that has come, hear it, judge it, store it."""
        per_window = timeout / max(1, len(self.windows))
        for w in self.windows:
            block = w.source.read(per_window)
            w.recorder.write(block)
            for chunk in block:
                for utterance in w.transcriber.feed(chunk):
                    w.recorder.heard(utterance.end)
                    self._updates(w.session.feed(utterance))
            if block:
                now = block[-1].start + len(block[-1].samples) / sources.SAMPLE_RATE
                if now >= w.next_tick:
                    w.next_tick = now + self.tick_s
                    self._updates(w.session.tick(now))
                    if self.lights:
                        self.on_light(self.lights.tick(w.session.wall(now)))
            self._check_source(w)

    def _updates(self, updates: list[LiveUpdate]) -> None:
        for update in updates:
            self.on_update(update)
            if self.lights:
                self.on_light(self.lights.update(update))

    def _check_source(self, w: _Window) -> None:
        source = w.source
        if source.overflows != w.overflows or source.dropped_s != w.dropped_s:
            self._reporter(w.config.id)(
                "overrun", f"audio lost: {source.overflows} input overflow(s), "
                           f"{source.dropped_s:.1f} s dropped by a slow consumer so far")
            w.overflows, w.dropped_s = source.overflows, source.dropped_s

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Loop until told to stop (or every replay has ended); always flushes at the end."""
        self.open()
        try:
            while not should_stop() and not self.finished:
                self.step()
        finally:
            self.close()

    def close(self) -> None:
        """Hear out what is still in the pipeline, judge the visits for good, close files."""
        for w in self.windows:
            for utterance in w.transcriber.flush():
                w.recorder.heard(utterance.end)
                self._updates(w.session.feed(utterance))
            self._updates(w.session.flush())
            w.recorder.close()
            w.source.close()


def run_for(seconds: float | None) -> Callable[[], bool]:
    """A stop condition: after `seconds` (None: never)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    return lambda: deadline is not None and time.monotonic() >= deadline
