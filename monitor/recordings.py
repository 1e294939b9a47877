"""Counter audio kept for replay: a FLAC file per stretch of visits, kept or deleted by the
hall's retention policy (none, flagged, all; for N days), each file a row in `recordings`.

A full disk pauses recording and never monitoring; retention deletes what the policy no
longer allows.
"""
from __future__ import annotations

import itertools
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from . import sources
from .errors import CourtesyError
from .records import AudioChunk, AuditEntry, Recording
from .storage import Store

log = logging.getLogger("courtesy.recordings")

KEEP = ("none", "flagged", "all")


@dataclass
class RetentionOptions:
    """Which audio is kept for replay, where, and for how long."""

    keep: str = "flagged"  # none, flagged (files with a visit that did not pass), all
    days: float = 30.0  # recordings older than this are deleted
    transcript_days: float = 0.0  # what was said is deleted after this many days (0: kept)
    folder: Path = Path("reports") / "recordings"
    max_file_s: float = 3600.0  # a file is closed after this long even if speech goes on
    quiet_s: float = 30.0  # silence that closes a file (a visit has ended)
    retry_s: float = 60.0  # after a write failure (disk full), try again this much later



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
        except (OSError, RuntimeError) as exc:  # a full disk, a lost mount, libsndfile
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
        folder = self.options.folder.absolute() / self.window / at.strftime("%Y-%m-%d")
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
            except (OSError, RuntimeError) as exc:  # the disk is full: the file is lost either way
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
        except (OSError, RuntimeError) as exc:
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


# --- retention on a clock: every window's audio and, per policy, what was said ---------------

UPKEEP_S = 3600.0  # a running monitor applies retention this often (and when it starts)
REPAIRING = ".repair.flac"  # an unfinished recording being rewritten


@dataclass(frozen=True)
class Expiry:
    """One thing the retention policy deletes now: a recording file or a session's speech."""

    kind: str  # "recording" or "speech"
    target: str  # the file's absolute path, or the session id
    window: str
    what: str  # for people: how old, how much


def due(store: Store, options: RetentionOptions, now: datetime) -> list[Expiry]:
    """What the policy deletes at `now`, for every window in the database (and recording
    files on disk that no row knows, by their age)."""
    found = []
    if options.days:  # days 0: recordings are kept for ever
        cutoff = now - timedelta(days=options.days)
        found = [Expiry("recording", r.path, r.window, f"录音结束于 {r.ended_at:%Y-%m-%dT%H:%M}")
                 for r in store.kept_recordings() if r.ended_at < cutoff]
    known = store.recording_paths()
    folder = options.folder.absolute()
    old_files = sorted(folder.rglob("*.flac")) if options.days and folder.is_dir() else []
    for path in old_files:
        if str(path) not in known and path.stat().st_mtime < cutoff.timestamp():
            found.append(Expiry("recording", str(path), path.relative_to(folder).parts[0],
                                "无记录的旧录音文件"))
    if options.transcript_days:
        spoken = now - timedelta(days=options.transcript_days)
        found += [Expiry("speech", r.session, r.window or "",
                         f"{r.utterances} 句话早于 {spoken:%Y-%m-%d %H:%M}")
                  for r in store.speech_before(spoken)]
    return found


def apply(store: Store, options: RetentionOptions, now: datetime,
          progress: Callable[[int, int, Expiry], None] = lambda n, total, e: None) -> list[Expiry]:
    """Delete what the policy no longer allows, each deletion in the audit trail (actor
    "system", action "retention"). A file that cannot be deleted is left for the next run."""
    done = []
    expiring = due(store, options, now)
    for n, expiry in enumerate(expiring, 1):
        progress(n, len(expiring), expiry)
        if expiry.kind == "recording":
            try:
                Path(expiry.target).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("retention: cannot delete %s: %s", expiry.target, exc)
                continue
            store.recording_expired(expiry.target)
            detail = f"录音超过 {options.days:g} 天（{expiry.what}）"
        else:
            count = store.forget_speech(expiry.target, now - timedelta(
                days=options.transcript_days))
            detail = f"{count} 句话的文字超过 {options.transcript_days:g} 天"
        _audit(store, expiry, detail)
        done.append(expiry)
    return done


def _audit(store: Store, expiry: Expiry, detail: str) -> None:
    store.add_audit(AuditEntry("system", "retention", expiry.target,
                               f"{expiry.window} {detail}".strip(),
                               f"{os.getpid()}@{socket.gethostname()}"))


def repair(store: Store, options: RetentionOptions, windows: list[str]) -> list[Recording]:
    """Recordings a killed monitor left unfinished in these windows' folders (a file with
    no row): what can still be read is written out as a finished FLAC and noted, kept for
    replay ("repaired": whether its visits were flagged is not yet known); a file with no
    readable audio is removed, in the audit trail."""
    folder, known, done = options.folder.absolute(), store.recording_paths(), []
    for window in windows:
        for path in sorted((folder / window).rglob("*.flac")) if (folder / window).is_dir() \
                else []:
            if str(path) in known:
                continue
            if path.name.endswith(REPAIRING):  # a repair cut short: the original is still there
                path.unlink(missing_ok=True)
                continue
            seconds = _salvage(path)
            if seconds is None or options.keep == "none":
                path.unlink(missing_ok=True)
                _audit(store, Expiry("recording", str(path), window, ""),
                       "未写完的录音无可读内容，已删除" if seconds is None
                       else "未写完的录音，按策略不保留录音，已删除")
            if seconds is None:
                continue
            start = _started(path)
            recording = Recording(str(path), window, start, start + timedelta(seconds=seconds),
                                  options.keep != "none", "repaired")
            store.save_recording(recording)
            done.append(recording)
    return done


def _salvage(path: Path) -> float | None:
    """Rewrite what libsndfile can read of an unfinished FLAC as a finished one; its length
    in seconds, or None when nothing can be read."""
    import soundfile as sf

    partial = path.with_name(path.stem + REPAIRING)
    frames = 0
    try:
        with sf.SoundFile(path) as source, sf.SoundFile(
                partial, "w", source.samplerate, source.channels, "PCM_16",
                format="FLAC") as target:
            rate = source.samplerate
            try:
                for block in source.blocks(rate, dtype="float32", always_2d=True):
                    target.write(block)
                    frames += len(block)
            except (sf.LibsndfileError, RuntimeError) as exc:  # the end that was never written
                log.info("%s: read %d frames before %s", path, frames, exc)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        log.info("%s: not readable: %s", path, exc)
    if frames == 0:
        partial.unlink(missing_ok=True)
        return None
    partial.replace(path)
    return frames / rate


def _started(path: Path) -> datetime:
    """A recording's start from its name: FOLDER/WINDOW/YYYY-MM-DD/WINDOW-HHMMSS.flac."""
    try:
        return datetime.strptime(f"{path.parent.name} {path.stem.rsplit('-', 1)[-1]}",
                                 "%Y-%m-%d %H%M%S").astimezone()
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime).astimezone()


# --- `courtesy retention`: the policy and its effect, in the hall's words ----------------------

KEEP_TEXT = {"none": "不保留录音", "flagged": "只保留有问题接待的录音", "all": "保留全部录音"}


def policy_text(options: RetentionOptions, source: str) -> str:
    speech = (f"{options.transcript_days:g} 天后删除说话文字" if options.transcript_days
              else "说话文字长期保留（未设置 transcript_days）")
    return (f"保留策略（{source}）：{KEEP_TEXT[options.keep]}，录音保留 {options.days:g} 天，"
            f"存放于 {options.folder.absolute()}；{speech}")


def _counts(expiries: list[Expiry]) -> str:
    files = sum(e.kind == "recording" for e in expiries)
    sessions = sum(e.kind == "speech" for e in expiries)
    return f"{files} 个录音文件，{sessions} 个会话的说话文字"


def preview(store: Store, options: RetentionOptions) -> str:
    """What the policy would delete now, one line each, and a total (nothing is deleted)."""
    expiring = due(store, options, datetime.now().astimezone())
    lines = [f"  {'录音' if e.kind == 'recording' else '文字'} {e.window} {e.target}（{e.what}）"
             for e in expiring]
    return "\n".join(lines + [f"现在执行将删除：{_counts(expiring)}" if expiring
                              else "现在没有需要删除的内容"])


def apply_now(store: Store, options: RetentionOptions,
              progress: Callable[[str], None] = lambda line: None) -> str:
    """Apply the policy now, a progress line per deletion; returns the summary."""
    def line(n: int, total: int, e: Expiry) -> None:
        what = "录音" if e.kind == "recording" else "文字"
        progress(f"[{n}/{total}] 删除{what} {e.window} {e.target}")

    done = apply(store, options, datetime.now().astimezone(), line)
    return f"已删除：{_counts(done)}（每项已记入审计日志）"
