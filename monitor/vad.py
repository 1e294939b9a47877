"""Voice activity per counter side: only speech goes on to the recogniser.

Energy in 20 ms frames against an adaptive noise floor (the quietest moments of the last
few seconds: a hall's hum, an air conditioner; speech always has pauses), with a start
delay against clicks, a hangover so pauses between words do not split an utterance, and a
little pre-roll so the first syllable is not clipped. Silence costs one vectorised mean
per chunk.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .records import AudioChunk, Voiced
from .sources import SAMPLE_RATE

_SILENT_DB = -120.0


@dataclass
class VadOptions:
    """When a side of the counter is speaking."""

    frame_s: float = 0.02  # analysis frame
    margin_db: float = 12.0  # speech is at least this much above the noise floor
    min_speech_dbfs: float = -50.0  # quieter frames are never speech, whatever the floor
    floor_window_s: float = 5.0  # the noise floor is the quietest level in this window
    start_s: float = 0.1  # voiced time that starts a segment (clicks are shorter)
    hangover_s: float = 0.6  # unvoiced time that ends a segment
    pre_roll_s: float = 0.2  # audio kept from before the start
    max_segment_s: float = 20.0  # a segment is cut here, so utterances keep coming


def dbfs(mean_square: float) -> float:
    return 10 * math.log10(mean_square) if mean_square > 0 else _SILENT_DB


class Vad:
    """Feed one side's chunks, get its speech as `Voiced` pieces; call flush() at the end."""

    def __init__(self, role: str, options: VadOptions | None = None):
        self.role = role
        self.options = options or VadOptions()
        o = self.options
        self.frame = round(o.frame_s * SAMPLE_RATE)
        self._start_frames = max(1, round(o.start_s / o.frame_s))
        self._hang_frames = max(1, round(o.hangover_s / o.frame_s))
        self._max_frames = max(1, round(o.max_segment_s / o.frame_s))
        self._block_frames = max(1, round(0.5 / o.frame_s))
        self._block_mins: deque[float] = deque(maxlen=max(1, round(o.floor_window_s / 0.5)))
        self._block_min = math.inf
        self._block_count = 0
        self._carry = np.zeros(0, np.float32)
        self._position = 0  # samples of this side seen, incl. the carry
        self._pending: deque[np.ndarray] = deque(maxlen=max(self._start_frames, round(
            o.pre_roll_s / o.frame_s) + self._start_frames))
        self._voiced_run = 0
        self._in_speech = False
        self._segment_start = 0.0
        self._segment_frames = 0
        self._silent_run = 0
        self._energy = 0.0  # sum of squares of the segment's voiced frames
        self._voiced_samples = 0
        self.speech_s = 0.0  # total speech passed on, for statistics

    def feed(self, chunk: AudioChunk) -> list[Voiced]:
        out: list[Voiced] = []
        expected = self._position / SAMPLE_RATE
        if self._position and abs(chunk.start - expected) > self.options.frame_s:
            out += self.flush()  # a gap in the source (a device reopened): start afresh
        if not self._position:
            self._position = round(chunk.start * SAMPLE_RATE)
        samples = (np.concatenate((self._carry, chunk.samples)) if len(self._carry)
                   else chunk.samples)
        whole = len(samples) // self.frame * self.frame
        self._carry = samples[whole:].copy()
        frames = samples[:whole].reshape(-1, self.frame)
        first = self._position - (len(samples) - len(chunk.samples))
        self._position += len(chunk.samples)
        if not len(frames):
            return out
        energy = np.mean(np.square(frames, dtype=np.float64), axis=1)
        levels = 10 * np.log10(np.maximum(energy, 1e-12))
        speech: list[np.ndarray] = []
        for k, level in enumerate(levels):
            at = (first + k * self.frame) / SAMPLE_RATE
            voiced = self._classify(float(level))
            if not self._in_speech:
                self._pending.append(frames[k])
                self._voiced_run = self._voiced_run + 1 if voiced else 0
                if self._voiced_run >= self._start_frames:
                    self._begin(at)
                    speech.extend(self._pending)
                    quiet = len(self._pending) - self._start_frames
                    for n, pre in enumerate(self._pending):
                        self._count(pre, n >= quiet)
                    self._pending.clear()
                continue
            speech.append(frames[k])
            self._count(frames[k], voiced)
            if self._silent_run >= self._hang_frames or self._segment_frames >= self._max_frames:
                out.append(self._piece(speech, final=True))
                speech = []
        if speech:
            out.append(self._piece(speech, final=False))
        return out

    def _classify(self, level: float) -> bool:
        """Is this frame voiced? Also moves the noise floor (minimum per half second)."""
        self._block_min = min(self._block_min, level)
        self._block_count += 1
        floor = min(self._block_min, min(self._block_mins, default=math.inf))
        if self._block_count == self._block_frames:
            self._block_mins.append(self._block_min)
            self._block_min, self._block_count = math.inf, 0
        return level >= max(floor + self.options.margin_db, self.options.min_speech_dbfs)

    def _begin(self, voiced_at: float) -> None:
        self._in_speech = True
        frames_before = len(self._pending) - 1
        self._segment_start = max(0.0, voiced_at - frames_before * self.options.frame_s)
        self._piece_start = self._segment_start
        self._segment_frames = 0
        self._silent_run = 0
        self._energy = 0.0
        self._voiced_samples = 0
        self._voiced_run = 0

    def _count(self, frame: np.ndarray, voiced: bool) -> None:
        self._segment_frames += 1
        if voiced:
            self._silent_run = 0
            self._energy += float(np.dot(frame, frame))
            self._voiced_samples += len(frame)
        else:
            self._silent_run += 1

    def _piece(self, frames: list[np.ndarray], final: bool) -> Voiced:
        samples = np.concatenate(frames)
        piece = Voiced(self.role, samples, self._piece_start, final=final,
                       segment_start=self._segment_start,
                       dbfs=round(dbfs(self._energy / max(1, self._voiced_samples)), 1)
                       if final else None)
        self._piece_start += len(samples) / SAMPLE_RATE
        self.speech_s += len(samples) / SAMPLE_RATE
        if final:
            self._in_speech = False
            self._pending.clear()
        return piece

    def flush(self) -> list[Voiced]:
        """End the current segment (end of stream, or a gap in the source)."""
        out = []
        if self._in_speech:
            tail = [self._carry] if len(self._carry) else []
            out.append(self._piece(tail or [np.zeros(0, np.float32)], final=True))
        self._carry = np.zeros(0, np.float32)
        self._pending.clear()
        self._voiced_run = 0
        self._position = 0
        return out
