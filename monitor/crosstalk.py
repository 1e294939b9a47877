"""Cross-talk: one side's voice leaking into the other side's microphone.

A counter intercom is never perfectly separated: the customer's words reach the staff
microphone some 15-25 dB down, and a voice detector sensitive enough for a quiet speaker
hears them. Heard there, the customer's words would be judged as staff speech (a taboo
said by the customer, an "interruption", the visit's first staff words). An utterance is
cross-talk when, over its own span, the other side was much louder than this side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .records import AudioChunk, Utterance
from .sources import SAMPLE_RATE

FRAME_S = 0.02


@dataclass
class CrossTalkOptions:
    """When an utterance is only the other side's voice."""

    margin_db: float = 12.0  # the other side this much louder over the utterance: cross-talk
    history_s: float = 60.0  # levels kept per side (an utterance is never longer than this)


class CrossTalk:
    """Keeps each side's recent frame levels; tells cross-talk from speech."""

    def __init__(self, options: CrossTalkOptions | None = None):
        self.options = options or CrossTalkOptions()
        self._frame = round(FRAME_S * SAMPLE_RATE)
        self._keep = round(self.options.history_s / FRAME_S)
        self._levels: dict[str, np.ndarray] = {}  # mean square per frame
        self._first: dict[str, int] = {}  # frame number of _levels[role][0]
        self._carry: dict[str, np.ndarray] = {}

    def listen(self, chunk: AudioChunk) -> None:
        """Record the level of a chunk of one side (before voice detection)."""
        carry = self._carry.get(chunk.role)
        samples = chunk.samples if carry is None or not len(carry) else np.concatenate(
            (carry, chunk.samples))
        whole = len(samples) // self._frame * self._frame
        self._carry[chunk.role] = samples[whole:].copy()
        if not whole:
            return
        energy = np.mean(np.square(samples[:whole].reshape(-1, self._frame), dtype=np.float64),
                         axis=1)
        first = round(chunk.start / FRAME_S) - (len(samples) - len(chunk.samples)) // self._frame
        levels = self._levels.get(chunk.role)
        if levels is None or first != self._first[chunk.role] + len(levels):
            levels, self._first[chunk.role] = np.zeros(0), first  # new, or a gap in the source
        levels = np.concatenate((levels, energy))
        if len(levels) > self._keep:
            self._first[chunk.role] += len(levels) - self._keep
            levels = levels[-self._keep:]
        self._levels[chunk.role] = levels

    def own(self, utterance: Utterance) -> Utterance | None:
        """The utterance without what only leaked in: None when all of it did; with word
        times, the words spoken over a louder other side are cut (a customer's line that
        ran on into the staff's voice ends where the customer stopped)."""
        if self._drowned(utterance.role, utterance.start, utterance.end):
            return None
        if not utterance.words:
            return utterance
        kept = tuple(w for w in utterance.words
                     if not self._drowned(utterance.role, w.start, w.end))
        if len(kept) == len(utterance.words):
            return utterance
        if not kept:
            return None
        said = " ".join(w.text for w in kept)
        return replace(
            utterance, start=kept[0].start, end=kept[-1].end, words=kept,
            pinyin=said if utterance.pinyin else "",
            text=utterance.text if utterance.pinyin else "".join(w.text for w in kept),
            spotted=tuple(h for h in utterance.spotted
                          if h.end > kept[0].start and h.start < kept[-1].end))

    def _drowned(self, role: str, start: float, end: float) -> bool:
        """Was another side much louder than this one over [start, end)?"""
        own = self._level(role, start, end)
        others = [self._level(other, start, end) for other in self._levels if other != role]
        loudest = max((o for o in others if o is not None), default=None)
        return own is not None and loudest is not None and loudest - own >= self.options.margin_db

    def _level(self, role: str, start: float, end: float) -> float | None:
        """Mean level (dBFS) of the side's loudest half of frames in [start, end): speech
        within the span, not the pauses between its words."""
        levels = self._levels.get(role)
        if levels is None:
            return None
        begin = max(0, round(start / FRAME_S) - self._first[role])
        stop = min(len(levels), round(end / FRAME_S) - self._first[role])
        if stop - begin < 1:
            return None
        span = np.sort(levels[begin:stop])[(stop - begin) // 2:]
        return 10 * math.log10(max(float(np.mean(span)), 1e-12))
