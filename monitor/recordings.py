"""Counter audio kept for replay: a FLAC file per stretch of visits, kept or deleted by the
hall's retention policy (none, flagged, all; for N days), each file a row in `recordings`.

A full disk pauses recording and never monitoring; retention deletes what the policy no
longer allows.
"""
from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from . import sources
from .errors import CourtesyError, InputError
from .records import AudioChunk, Recording
from .storage import Store

log = logging.getLogger("courtesy.recordings")

KEEP = ("none", "flagged", "all")


@dataclass
class RetentionOptions:
    """Which audio is kept for replay, where, and for how long."""

    keep: str = "flagged"  # none, flagged (files with a visit that did not pass), all
    days: float = 30.0  # recordings older than this are deleted
    folder: Path = Path("reports") / "recordings"
    max_file_s: float = 3600.0  # a file is closed after this long even if speech goes on
    quiet_s: float = 30.0  # silence that closes a file (a visit has ended)
    retry_s: float = 60.0  # after a write failure (disk full), try again this much later


def check_retention(options: RetentionOptions, path) -> None:
    if options.keep not in KEEP:
        raise InputError(path, f"must be one of {', '.join(KEEP)}, not {options.keep!r}",
                         field="recordings.keep")
    if isinstance(options.days, bool) or not isinstance(options.days, (int, float)) \
            or options.days <= 0:
        raise InputError(path, f"must be a positive number of days, not {options.days!r}",
                         field="recordings.days")



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
        """Delete this window's recordings older than the retention period (days 0: none)."""
        if not self.options.days:
            return 0
        cutoff = (now - timedelta(days=self.options.days)).timestamp()
        removed = 0
        for path in (self.options.folder / self.window).rglob("*.flac"):
            if path != self._path and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
                self.store.recording_expired(str(path))
        return removed
