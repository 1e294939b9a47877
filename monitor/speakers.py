"""Whose voice: staff and customer told apart on one pickup microphone (issue 20).

A counter pickup (窗口拾音器) puts both voices on one channel. Each 10 ms frame of it gets
classical speaker features, chosen by measurement (docs/benchmarks.md, "One pickup, two
voices"): 20 mel-cepstral coefficients (the vocal tract; c0, the loudness, left out),
log pitch (voiced frames) and the raw level (the staff member sits at the microphone, the
customer is further away). A `Voice` is a diagonal Gaussian over these, numbers only, so
a staff profile never holds audio. Speech is scored in 0.25 s blocks as the log
likelihood ratio of the staff voice (its profile, or as this pickup hears it, whichever
fits) against the other voice heard lately (found again in the conversation at every
segment's end), a two-state Viterbi with a switch cost cuts a segment where the speaker
changes, and each run's mean ratio becomes its role and its confidence (0.5-1.0); before
any other voice is known here, a voice over the staff voice's floor is told the staff's
only unsure (a voice like the staff's clears it too). Where the profile holds the voice
encoder's embedding (`voiceprint`), each finished run, and each spotted phrase, is also
embedded once and its cosine to the staff's adds to the ratio's logit, or, before any
other voice is known, decides alone: at 12 dB SNR the profile made in quiet scores both
voices and the noise alike, the embedding does not (docs/benchmarks.md). What was said
moves an unsure decision (the greeting and 请问您办理什么业务 are the staff's, 我想办… the
customer's) but is capped so it never decides alone.
While speech goes on, partial results' turns only firm up: a turn told sure keeps its span
and role while its segment goes on, and a turn not yet that sure is told unsure, so a red
shown on a staff taboo is not taken back because the voice decision moved. A phrase the
spotter caught, or a red's phrase heard in the words (all but its last syllable will do),
is decided on its own frames as soon as it is heard: a sure voice is told at once (a staff
taboo is red while the run around it, which may still hold the other voice, is unsure), an
unsure one waits for the segment's end; a run told sure keeps it unless the voices here
tell it the other's surely (a customer's taboo right after the staff's words).

Without an enrolled profile the staff voice is learned: first from speech the content
and level say is the staff's, then from every confident staff run, as the day goes.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from . import lexicon, voiceprint
from .lexicon import Lexicon
from .normalize import heard, normalize, standing, text_pinyin, toneless
from .records import Utterance, Word
from .sources import SAMPLE_RATE

FEATURE_VERSION = 1  # bump when features change: older profiles are then refused
HOP = 160  # 10 ms
WINDOW = 512  # 32 ms: long enough for a 70 Hz pitch period
_CEPSTRA = 20
_MIN_LAG, _MAX_LAG = SAMPLE_RATE // 400, SAMPLE_RATE // 70
DIMS = _CEPSTRA + 2  # cepstra, log pitch, level


def _mel_bank(bands: int = 24, low: float = 100.0, high: float = 7000.0) -> np.ndarray:
    mel = np.linspace(_mel(low), _mel(high), bands + 2)
    edges = 700 * (10 ** (mel / 2595) - 1) * WINDOW / SAMPLE_RATE
    bins = np.arange(WINDOW // 2 + 1)
    bank = np.zeros((bands, len(bins)), np.float32)
    for b in range(bands):
        left, centre, right = edges[b:b + 3]
        rising = (bins - left) / max(centre - left, 1e-6)
        falling = (right - bins) / max(right - centre, 1e-6)
        bank[b] = np.clip(np.minimum(rising, falling), 0, None)
    return bank


def _mel(hz: float) -> float:
    return 2595 * math.log10(1 + hz / 700)


_BANK = _mel_bank()
_DCT = np.cos(np.pi / _BANK.shape[0] * (np.arange(_BANK.shape[0]) + 0.5)[None, :]
              * np.arange(1, _CEPSTRA + 1)[:, None]).astype(np.float32)
_HANN = np.hanning(WINDOW).astype(np.float32)
_HANN_AC = np.fft.irfft(np.abs(np.fft.rfft(_HANN, 2 * WINDOW)) ** 2)[:_MAX_LAG + 1]
_HANN_AC = (_HANN_AC / _HANN_AC[0])[_MIN_LAG:]  # the window's own decay with lag (Boersma)


def features(samples: np.ndarray) -> np.ndarray:
    """One row per 10 ms hop: 12 cepstra, log pitch (NaN where unvoiced), level in dBFS."""
    if len(samples) < WINDOW:
        return np.zeros((0, DIMS), np.float32)
    count = 1 + (len(samples) - WINDOW) // HOP
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
    frames = samples[index].astype(np.float32)
    level = 10 * np.log10(np.maximum(np.mean(frames ** 2, axis=1), 1e-12))
    spectrum = np.fft.rfft(frames * _HANN, n=2 * WINDOW)
    power = np.abs(spectrum) ** 2
    cepstra = np.log(power[:, ::2][:, :WINDOW // 2 + 1] @ _BANK.T + 1e-10) @ _DCT.T
    autocorr = np.fft.irfft(power, axis=1)[:, :_MAX_LAG + 1]
    lags = autocorr[:, _MIN_LAG:] / np.maximum(autocorr[:, :1], 1e-12) / _HANN_AC
    best = np.argmax(lags, axis=1)
    voiced = lags[np.arange(count), best] > 0.5
    pitch = np.where(voiced, np.log(SAMPLE_RATE / (best + _MIN_LAG)), np.nan)
    return np.column_stack([cepstra, pitch, level]).astype(np.float32)


def speech_frames(rows: np.ndarray, below_db: float = 25.0) -> np.ndarray:
    """Rows loud enough to be voice: within `below_db` of the span's loud frames."""
    if not len(rows):
        return rows
    top = np.percentile(rows[:, -1], 90)
    return rows[rows[:, -1] > max(top - below_db, -70.0)]


_CEP_FLOOR, _PITCH_FLOOR, _LEVEL_FLOOR = 0.05, 0.0025, 4.0  # smallest variances


def _gmm(rows: np.ndarray, components: int, iterations: int = 10):
    """A diagonal Gaussian mixture fitted by EM (seeded: the same frames, the same voice)."""
    rng = np.random.default_rng(0)
    if len(rows) > 6000:
        rows = rows[rng.choice(len(rows), 6000, replace=False)]
    k = max(1, min(components, len(rows) // 50))
    means = rows[rng.choice(len(rows), k, replace=False)]
    variances = np.tile(np.maximum(rows.var(axis=0), _CEP_FLOOR), (k, 1))
    weights = np.full(k, 1 / k)
    for _ in range(iterations):
        joint = _joint(rows, weights, means, variances)
        post = np.exp(joint - joint.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        mass = post.sum(axis=0) + 1e-6
        weights = mass / mass.sum()
        means = post.T @ rows / mass[:, None]
        variances = np.maximum(post.T @ rows ** 2 / mass[:, None] - means ** 2, _CEP_FLOOR)
    return weights, means, variances


def _joint(rows, weights, means, variances) -> np.ndarray:
    return (-0.5 * ((((rows[:, None, :] - means) ** 2) / variances).sum(axis=-1)
                    + np.log(2 * np.pi * variances).sum(axis=-1)) + np.log(weights))


@dataclass
class Voice:
    """One voice as numbers, never audio: a Gaussian mixture over its cepstra, Gaussians
    of its log pitch and level, and `floor`, the per-frame likelihood under which a
    quarter second of its own speech rarely falls (5th percentile, held out)."""

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    pitch: tuple[float, float]  # mean, variance of log pitch (voiced frames)
    level: tuple[float, float]  # mean, variance of the frame level in dBFS
    frames: int  # speech frames it was learned from (10 ms each)
    floor: float = -math.inf
    embedding: np.ndarray | None = None  # the voice encoder's (`voiceprint`), when enrolled

    @classmethod
    def of(cls, rows: np.ndarray, components: int = 8, floor: bool = True) -> "Voice":
        pitched = rows[~np.isnan(rows[:, _CEPSTRA]), _CEPSTRA]
        pitch = ((float(pitched.mean()), max(float(pitched.var()), _PITCH_FLOOR))
                 if len(pitched) >= 10 else (math.log(160.0), 0.25))
        level = (float(rows[:, -1].mean()), max(float(rows[:, -1].var()), _LEVEL_FLOOR))
        voice = cls(*_gmm(rows[:, :_CEPSTRA], components), pitch, level, len(rows))
        half = len(rows) // 2
        if floor and half >= 200:  # its floor from speech it was not fitted on
            held = cls(*_gmm(rows[:half, :_CEPSTRA], components), pitch, level, half)
            voice.floor = _low_block(held.loglik(rows[half:], False))
        return voice

    def loglik(self, rows: np.ndarray, level: bool = True) -> np.ndarray:
        """Per-frame log likelihood; an unvoiced frame is scored without pitch, and none
        with its level unless `level` (an enrolment's level is not the counter's)."""
        joint = _joint(rows[:, :_CEPSTRA], self.weights, self.means, self.variances)
        top = joint.max(axis=1)
        out = top + np.log(np.exp(joint - top[:, None]).sum(axis=1))
        out += np.nan_to_num(_normal(rows[:, _CEPSTRA], *self.pitch))
        if level:
            out += _normal(rows[:, -1], *self.level)
        return out

    def as_dict(self) -> dict:
        def listed(a):
            return np.round(np.asarray(a, float), 5).tolist()
        return {"version": FEATURE_VERSION, "weights": listed(self.weights),
                "means": listed(self.means), "variances": listed(self.variances),
                "pitch": listed(self.pitch), "level": listed(self.level),
                "frames": self.frames, "floor": None if self.floor == -math.inf
                else round(self.floor, 4),
                **({} if self.embedding is None else {"embedding": listed(self.embedding)})}

    @classmethod
    def from_dict(cls, data: dict) -> "Voice":
        return cls(np.array(data["weights"]), np.array(data["means"]),
                   np.array(data["variances"]), tuple(data["pitch"]), tuple(data["level"]),
                   int(data["frames"]), -math.inf if data.get("floor") is None
                   else float(data["floor"]),
                   None if data.get("embedding") is None  # enrolled before it: profile alone
                   else np.array(data["embedding"], np.float32))


def _normal(x: np.ndarray, mean: float, variance: float) -> np.ndarray:
    return -0.5 * ((x - mean) ** 2 / variance + math.log(2 * math.pi * variance))


def _low_block(values: np.ndarray, block: int = 25) -> float:
    means = [values[n:n + block].mean() for n in range(0, len(values) - block + 1, block)]
    return float(np.percentile(means, 5)) if means else -math.inf


# -- what was said: a hint, never a decision ------------------------------------------------

@dataclass(frozen=True)
class RoleCues:
    """What only one role says at a counter, from the lexicon's `said_by` (the greeting and
    请问您办理什么业务 are the staff's, 我想办… and 你们这里 the customer's), as toneless
    syllables: a hint of who speaks, never a decision."""

    forms: tuple[tuple[str, int], ...]  # (" syllables ", +1 staff / -1 customer)

    @classmethod
    def of(cls, lexicon: Lexicon) -> "RoleCues":
        sign = {"staff": 1, "customer": -1}
        forms = {(f" {text_pinyin(form)} ", sign[p.said_by]) for p in lexicon.phrases
                 if p.said_by in sign for form in p.forms}
        return cls(tuple(sorted(f for f in forms if len(f[0].split()) >= 2)))

    def hint(self, utterance: Utterance) -> float:
        """+1 for words only staff say, -1 for a customer's, 0 for neither or both; a form
        heard inside a longer one counts as that one (谢谢 in 谢谢您的配合, a farewell)."""
        said = " " + " ".join(heard(utterance).syllables) + " "
        found = [(at, at + len(form), role) for form, role in self.forms
                 for at in _places(said, form)]
        kept = {role for at, end, role in found if not any(
            a <= at and end <= e and e - a > end - at for a, e, _ in found)}
        return float(sum(kept))


def _places(said: str, form: str) -> list[int]:
    out, at = [], said.find(form)
    while at >= 0:
        out.append(at)
        at = said.find(form, at + 1)
    return out


@lru_cache(maxsize=1)
def default_cues() -> RoleCues:
    """The cues of the lexicon folder in use, read once per process."""
    return RoleCues.of(lexicon.load())


BEGUN = 3  # fewest syllables of a red's form that tell it is being said (神经 may be 神经科)


@dataclass(frozen=True)
class RedForms:
    """The forms of the phrases a red rests on (the lexicon's critical taboos) as toneless
    syllables: where a partial result's words say one, its span is decided on its own
    frames at once, as a phrase the spotter caught is (a taboo the spotter missed waited
    for its segment's end, docs/benchmarks.md)."""

    opening: dict[str, tuple[tuple[str, ...], ...]]  # first syllable -> forms (every word
    # of every partial result is looked up)

    @classmethod
    def of(cls, lexicon: Lexicon) -> "RedForms":
        forms = {said for p in lexicon.phrases if p.kind == "taboo" and p.severity == "critical"
                 for form in p.forms if len(said := normalize(form).syllables) >= 2}
        opening: dict[str, list] = {}
        for form in sorted(forms):
            opening.setdefault(form[0], []).append(form)
        return cls({first: tuple(these) for first, these in opening.items()})

    def said(self, words: tuple[Word, ...]) -> list[tuple[float, float]]:
        """The span of each form the words say whole (its first word's start, last's end),
        and of each they end on but for its last syllable, at least `BEGUN` syllables of it
        (that syllable's initial alone may be heard): matching finds the phrase so, a
        decoding step before its last syllable is read (没看我正忙着|吗, 你聋了m|吗), and
        its red waited for that step (docs/benchmarks.md)."""
        heard = [toneless(w.text) for w in words]
        begun = heard[-1] if heard and not set(heard[-1]) & set("aeiouv") else ""
        before = len(heard) - bool(begun)  # the whole syllables heard so far
        found = set(standing(heard, self.opening))
        found.update((at, form) for at, syllable in enumerate(heard)
                     for form in self.opening.get(syllable, ())
                     if at + len(form) - 1 == before and len(form) > BEGUN
                     and tuple(heard[at:before]) == form[:-1] and form[-1].startswith(begun))
        # in the words' order, each form once (one whose last syllable has no vowel, m or
        # n, is said both whole and but for it)
        return [(words[at].start, words[min(at + len(form), len(words)) - 1].end)
                for at, form in sorted(found)]


@lru_cache(maxsize=1)
def default_reds() -> RedForms:
    """The red phrases of the lexicon folder in use, read once per process."""
    return RedForms.of(lexicon.load())


# -- a mixed channel, live -------------------------------------------------------------------

@dataclass
class SpeakerOptions:
    """How roles are told on a mixed channel."""

    block_s: float = 0.25  # frames are judged in blocks this long
    switch_cost: float = 50.0  # log-likelihood a change of speaker must win inside speech
    # (frames are summed as if independent, so one block's few words outweigh a small cost)
    min_turn_s: float = 0.6  # a shorter run is the speaker around it
    scale: float = 1.2  # mean frame ratio -> logit of the staff role
    content_logit: float = 1.2  # most a content hint moves the logit (never decides alone)
    learn_confidence: float = 0.9  # runs this sure of the staff teach a learned voice
    history_s: float = 60.0  # frames kept for deciding (the longest segment, with margin)
    other_s: float = 90.0  # the other voice is what was not staff in this many seconds
    other_share: float = 0.2  # the least staff-like share of speech seeds the others' voice
    # (a wider seed takes in staff blocks, and the mixture gives them a component)
    level_weight: float = 3.0  # how much the level at the microphone counts per frame
    block_level_weight: float = 1.0  # how much a quarter second's loudest level counts
    # (the staff's against the others' as this pickup hears them), per frame of the block
    speech_db: float = 8.0  # frames this far under a segment's loud ones say nothing of who
    learn_frames: int = 30000  # a learned staff voice is fitted on its latest 5 minutes
    firm_at: float = 0.97  # a turn told this sure while its speech goes on is kept as told
    partial_most: float = 0.5  # how sure a partial result tells a turn not yet firm: not at
    # all, so no provisional red rests on a role that may still move
    alone_most: float = 0.75  # how sure a turn is told while no other voice is known here:
    # the staff voice's floor alone tells voices apart 3 times in 4 (docs/benchmarks.md),
    # so what rests on it (a customer's 你们快点 as a staff taboo) waits for a person
    # (unless the voice encoder's embedding decides it, below)
    embed_centre: float = 0.62  # cosine to the enrolled embedding where it says nothing
    # (at least: see embed_gap)
    embed_scale: float = 60.0  # logit of the staff role per unit of cosine above that
    embed_sure: float = 0.74  # before another voice is known, a cosine at least this tells
    # staff surely (the tuned sessions' customer lines reached 0.69); under it, alone_most
    early_sure: tuple[tuple[float, float], ...] = ((0.85, 0.79), (1.1, 0.83), (1.35, 0.87),
                                                    (3.2, 0.89))
    # (seconds of speech, cosine): before another voice is known, a stretch with at least
    # this much speech in what the encoder hears of its end (its last 1.6 s, or 3.2 s as
    # two partials) is the staff's surely from this cosine to the enrolled voice on (less
    # speech than the first: never). Over every other voice measured at that length: 7
    # natural voices near the pickup and across it, real recordings (docs/benchmarks.md,
    # "One pickup's first segment, sure sooner")
    early_own: float = 0.69  # and the phrase's own stretch at least this near (no phrase of
    # another voice said right after the staff's words reached it: 0.683 at most)
    embed_gap: float = 0.15  # the conversation's runs fall in two groups of cosines this far
    # apart: the staff's and the others' here, and the centre moves up between them (a
    # customer's voice near the staff's, 0.71, is under the staff's 0.86-0.92 heard clean)
    embed_min_s: float = 0.5  # shorter runs are not embedded (the encoder hears 1.6 s)
    embed_most: int = 1  # partials (1.6 s each) a run is embedded from, spread over it
    # (one, its speech's first 1.6 s: two told the tuned sessions' runs alike, at twice the
    # cost, and that cost delays the reds given as a segment ends)

    def sure_at(self, seconds: float) -> float:
        """The cosine to the enrolled embedding that tells staff surely, alone, from this
        much speech (`early_sure`)."""
        reached = [cosine for least, cosine in self.early_sure if seconds >= least]
        return reached[-1] if reached else math.inf


@dataclass
class Turn:
    """A run of one speaker inside a speech segment: the voice's logit for the staff role
    (0: the voice says nothing yet)."""

    start: float
    end: float
    logit: float
    most: float = 1.0  # the most sure it may be told (a partial result's turn not yet firm)
    phrase: bool = False  # one phrase decided on its own frames: it neither grows nor joins

    def decided(self, hint: float, options: SpeakerOptions) -> tuple[str, float]:
        """Role and confidence, with what was said moving the logit at most so far."""
        logit = self.logit + max(-1.0, min(1.0, hint)) * options.content_logit
        return ("staff" if logit >= 0 else "customer"), min(self.most, _confidence(logit))


@dataclass(frozen=True)
class Pickup:
    """The two voices as one pickup hears them lately: the customers', and the staff's
    (its level there is the staff's level at this microphone); and how loud a quarter
    second of each is at its loudest (mean, variance in dB: the customer stands further)."""

    other: Voice
    staff: Voice
    other_top: tuple[float, float] = (0.0, 1.0)
    staff_top: tuple[float, float] = (0.0, 1.0)
    levels: bool = True  # False: kept from before a pause, when the customer may be another
    # one at another distance, so only a level under the staff's says who it is


@dataclass
class Tracker:
    """One mixed channel: its frames, the staff voice (enrolled or learned) and the other
    voices heard lately; cuts speech into turns, each with the voice's logit for staff."""

    staff: Voice | None = None
    learned: bool = False  # the staff voice is learned here, not enrolled
    options: SpeakerOptions = field(default_factory=SpeakerOptions)
    cues: RoleCues = field(default_factory=default_cues)  # what was said: whose words
    reds: RedForms = field(default_factory=default_reds)  # what was said: a red's phrase
    _rows: deque = field(default_factory=deque)  # (time, rows) blocks of raw frames
    _tail: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    _at: float = 0.0  # time of _tail's first sample
    _speech: deque = field(default_factory=deque)  # (end, rows) of recent speech segments
    _here: "Pickup | None" = None  # both voices as this pickup hears them lately
    _taught: deque = field(default_factory=deque)  # rows a learned staff voice comes from
    _firm: tuple[float, list[Turn]] = (-1.0, [])  # a segment's start, its turns told sure
    _so_far: tuple[float, "Pickup | None"] = (-1.0, None)  # a segment's start, the voices
    # found with it so far (for its unsure phrases)
    _up_to: dict = field(default_factory=dict)  # (a segment's start, a phrase's end) -> the
    # voices found with the segment up to it (for a phrase inside a run told sure)
    _audio: deque = field(default_factory=deque)  # (time, samples) of the raw audio
    _embedded: dict = field(default_factory=dict)  # span -> its cosine to the staff's
    _cosines: deque = field(default_factory=deque)  # (end, cosine) of finished runs
    _found: float | None = None  # the centre last found between two groups of runs
    _ends: dict = field(default_factory=dict)  # span -> cosine and speech of its end
    changed: bool = False  # the learned voice grew since last stored

    def listen(self, samples: np.ndarray, start: float) -> None:
        """Raw audio of the channel, in order (before any gain the VAD adds)."""
        if not len(self._tail):
            self._at = start
        audio = np.concatenate([self._tail, samples]) if len(self._tail) else samples
        rows = features(audio)
        if len(rows):
            self._rows.append((self._at, rows))
        used = len(rows) * HOP
        self._tail, self._at = audio[used:], self._at + used / SAMPLE_RATE
        while self._rows and self._rows[0][0] < self._at - self.options.history_s:
            self._rows.popleft()
        if self.staff is not None and self.staff.embedding is not None:
            self._audio.append((start, samples))
            while self._audio and self._audio[0][0] < start - self.options.history_s:
                self._audio.popleft()

    def audio(self, start: float, end: float) -> np.ndarray:
        """The raw samples of [start, end) kept for the voice encoder."""
        out = []
        for at, samples in self._audio:
            low = max(0, round((start - at) * SAMPLE_RATE))
            high = min(len(samples), round((end - at) * SAMPLE_RATE))
            if high > low:
                out.append(samples[low:high])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def _voiceprint(self, spans: list[tuple[float, float]]) -> list[float | None]:
        """Per span, the embedding's logit for the staff role: its cosine to the enrolled
        embedding, centred and scaled (None: too short, or no embedding to compare). Each
        span is embedded once per segment, all new ones in one run of the encoder."""
        if self.staff is None or self.staff.embedding is None:
            return [None] * len(spans)
        keys = [(round(a, 2), round(b, 2)) for a, b in spans]
        new = sorted({k for k in keys if k not in self._embedded
                      and k[1] - k[0] >= self.options.embed_min_s})
        pieces = [self.audio(*k) for k in new]
        embedded = voiceprint.embed(pieces, self.options.embed_most) if new else None
        for k, vector in zip(new, [] if embedded is None else embedded):
            self._embedded[k] = float(vector @ self.staff.embedding)
        return [None if k not in self._embedded else self.options.embed_scale * (
            self._embedded[k] - self.options.embed_centre) for k in keys]

    def _centre(self) -> float:
        """Where the cosine to the enrolled embedding turns from customer to staff on this
        pickup: between the conversation's two groups of runs (its last `other_s` seconds,
        split where they differ most), never under `embed_centre`. Where they show no two
        groups (a visit's first runs after a pause: the runs before it have aged out), the
        centre last found is kept: the pickup and the staff are the same, and at
        `embed_centre` the next customer's first words (cosine 0.64-0.71) counted for the
        staff, which kept the visit before open (docs/benchmarks.md)."""
        kept = self.options.embed_centre if self._found is None else self._found
        values = np.sort([c for _, c in self._cosines])
        if len(values) < 3:
            return kept
        best, middle, gap = 0.0, self.options.embed_centre, 0.0
        for n in range(1, len(values)):
            low, high = values[:n].mean(), values[n:].mean()
            spread = n * (len(values) - n) * (high - low) ** 2
            if spread > best:
                best, middle = spread, (low + high) / 2
                gap = high - low
        if gap < self.options.embed_gap:
            return kept
        self._found = max(self.options.embed_centre, float(middle))
        return self._found

    def _embedded_turns(self, turns: list[Turn]) -> list[Turn]:
        """A finished segment's runs with the embedding's logit: added to the voice
        profile's, or, while no other voice is known here (only the staff voice's floor,
        `alone_most`), in its place: sure of a customer as it says, of the staff only from
        `embed_sure` on (a customer's taboo must not count against staff). Once the others
        are known, the centre is this pickup's (`_centre`), found among the runs that hold
        speech."""
        logits = self._voiceprint([(t.start, t.end) for t in turns])
        end = turns[-1].end if turns else 0.0
        spoken = self._spoken(turns)
        self._cosines.extend((end, self._embedded[(round(t.start, 2), round(t.end, 2))])
                             for t, logit, said in zip(turns, logits, spoken)
                             if logit is not None and not t.phrase
                             and said >= self.options.embed_min_s)
        while self._cosines and self._cosines[0][0] < end - self.options.other_s:
            self._cosines.popleft()
        shift = self.options.embed_scale * (self._centre() - self.options.embed_centre)
        out = []
        for turn, logit in zip(turns, logits):
            if logit is None or turn.phrase:
                out.append(turn)
            elif self._here is None:
                out.append(replace(turn, logit=logit, most=1.0 if self._sure_alone(logit)
                                   else self.options.alone_most))
            else:
                out.append(replace(turn, logit=turn.logit + logit - shift))
        return out

    def _spoken(self, turns: list[Turn]) -> list[float]:
        """Seconds of each run's frames loud enough to be the segment's speech (a run of its
        hangover, near silence, is embedded all the same, but is no voice heard here)."""
        rows = self.frames(turns[0].start, turns[-1].end) if turns else []
        if not len(rows):
            return [0.0] * len(turns)
        loud = max(float(np.percentile(rows[:, -1], 90)) - self.options.speech_db, -70)
        return [float(np.sum(self.frames(t.start, t.end)[:, -1] > loud)) * HOP / SAMPLE_RATE
                for t in turns]

    def _sure_alone(self, logit: float) -> bool:
        """The embedding's logit is sure enough to tell a role with no other voice known."""
        return logit < 0 or logit >= self.options.embed_scale * (
            self.options.embed_sure - self.options.embed_centre)

    def frames(self, start: float, end: float) -> np.ndarray:
        """Raw frames whose centre lies in [start, end)."""
        out = []
        for at, rows in self._rows:
            if at >= end or at + (len(rows) * HOP + WINDOW / 2) / SAMPLE_RATE < start:
                continue  # the whole block lies outside (most of the 60 s kept)
            centres = at + (np.arange(len(rows)) * HOP + WINDOW / 2) / SAMPLE_RATE
            keep = (centres >= start) & (centres < end)
            if keep.any():
                out.append(rows[keep])
        return np.concatenate(out) if out else np.zeros((0, DIMS), np.float32)

    def turns(self, start: float, end: float) -> list[Turn]:
        """The speakers of [start, end): runs with the voice's logit for the staff role,
        each change moved to the quietest moment near it (speakers change at a breath)."""
        block = max(1, round(self.options.block_s * SAMPLE_RATE / HOP))
        rows = self.frames(start, end)
        scores = self._scores(rows)
        if scores is None:
            return [Turn(start, end, 0.0)]
        alone = self._here is None  # only the staff voice's floor: a voice over it is no proof
        path = _viterbi(scores, block, self.options.switch_cost)
        shortest = max(1, round(self.options.min_turn_s / self.options.block_s))
        first = start + (WINDOW / 2) / SAMPLE_RATE  # the first row's centre
        turns = []
        for begin, _, mean in _runs(path, scores, shortest):
            cut = _quietest(rows[:, -1], begin * block, 2 * block) if begin else 0
            turns.append(Turn(first + cut * HOP / SAMPLE_RATE, 0.0, self.options.scale * mean,
                              self.options.alone_most if alone and mean > 0 else 1.0))
        for turn, following in zip(turns, turns[1:]):
            turn.end = following.start
        turns[0].start, turns[-1].end = start, end
        return turns

    def told(self, start: float, turns: list[Turn], final: bool,
             phrases: tuple[tuple[float, float], ...] = (),
             voice_end: float | None = None) -> list[Turn]:
        """The turns of the segment from `start` as they are told. While its speech goes on,
        a turn told sure keeps its span, role and confidence (they may only firm up), so a
        red shown on it is not taken back because the turns moved, and a turn not yet
        `firm_at` sure is told unsure (`partial_most`). Each of `phrases` (spans heard so
        far, not yet told sure) is decided on its own frames: `firm_at` sure, it is a turn of
        its own from then on, cut out of the run around it; inside a run told sure, only
        where the voices tell it the other role surely on them, those here or those found with
        the segment up to it (a customer's taboo said straight after the staff's words was
        the staff's, red, until the final result). The final result decides afresh on the
        whole segment, the others' voice refitted with it (measured surer than keeping the
        partial results' turns, docs/benchmarks.md); `voice_end`, where the voice detector
        heard the voice stop in it (before its hangover), ends its last run."""
        firm = self._firm[1] if self._firm[0] == start else []
        if final:
            turns = _joined(self._embedded_turns(_ended(turns, voice_end,
                                                        self.options.min_turn_s)))
            self._firm, self._so_far = (-1.0, []), (-1.0, None)
            self._up_to.clear()
            self._embedded.clear()
            self._ends.clear()
            return turns
        sure = _logit(self.options.firm_at)

        def firmed(turn: Turn) -> bool:
            return abs(turn.logit) >= sure and turn.most >= self.options.firm_at

        turns = _firmed(firm, turns)
        for begin, end in phrases:
            told = [t for t in turns if firmed(t) and _overlap(t, begin, end) > 0]
            if len(told) == 1 and told[0].phrase and end > told[0].end \
                    and abs(begin - told[0].start) < (told[0].end - told[0].start) / 2:
                # the phrase decided before its last syllable was read, now read whole: the
                # decision goes on to its end (cut at that syllable, its words were not one)
                turns = _firmed([replace(told[0], end=end)], turns)
            if any(t.phrase for t in told):
                continue  # told already: a decision never moves
            if told:
                # a run told sure keeps a phrase unless the voices tell it the other's
                # surely on its own frames (a customer's taboo right after the staff's
                # words): those here, or, unsure by them, for a run told the staff's, those
                # found with the segment up to the phrase (they may take a customer's phrase
                # from the staff, never give one to the staff); with no other voice known
                # they tell no one's surely
                logit = self.judged(begin, end) if self._here is not None else 0.0
                if abs(logit) < sure and all(t.logit > 0 for t in told):
                    logit = self._judged_up_to(start, begin, end) or logit
                if all(math.copysign(1, t.logit) * logit > -sure for t in told):
                    continue
                turns = _firmed([Turn(begin, end, logit, phrase=True)], turns)
                continue
            # with no other voice known, only the embedding can say: of the phrase's run so
            # far (more speech than the phrase's own), up to the phrase's end
            since = max(start, turns[_turn_of(turns, begin, end)].start)
            logit = self.judged(begin, end, since)
            if abs(logit) < sure:  # (0: nothing more known, the voices' lean stands)
                logit = self._judged_so_far(start, begin, end) or logit
            if 0 <= logit < sure and self._here is not None:  # leaning staff, not surely
                logit = self._embedded_so_far(begin, end, since)
            if abs(logit) >= sure:
                turns = _firmed([Turn(begin, end, logit, phrase=True)], turns)
        self._firm = (start, [t for t in turns if firmed(t)])
        return [t if firmed(t) else replace(t, most=min(t.most, self.options.partial_most))
                for t in turns]

    def _judged_so_far(self, start: float, begin: float, end: float) -> float:
        """A phrase the voices heard before its segment leave unsure, judged against the
        others found again with the segment so far (as its final result will be): the
        customer's line just before it, or the day's first, is then known. Found once per
        segment, at its first unsure phrase (a mixture fit: not on every partial result)."""
        if self.staff is None:
            return 0.0
        if self._so_far[0] != start:
            self._so_far = (start, self._others(speech_frames(self.frames(start, end))))
        return self._judged_against(self._so_far[1], begin, end)

    def _judged_up_to(self, start: float, begin: float, end: float) -> float:
        """A phrase inside a run told sure that the voices heard before leave unsure, judged
        against the others found again with its segment up to the phrase's end. Found once
        per phrase's end, apart from the segment's for its unsure phrases (`_so_far`): made
        here, at a phrase inside the run, that one was made on less speech and left a staff
        taboo later in the segment unsure, its red waiting for the segment's end
        (docs/benchmarks.md)."""
        if self.staff is None:
            return 0.0
        key = (start, round(end, 2))
        if key not in self._up_to:
            self._up_to[key] = self._others(speech_frames(self.frames(start, end)))
        return self._judged_against(self._up_to[key], begin, end)

    def _judged_against(self, here: "Pickup | None", begin: float, end: float) -> float:
        """The voice's logit for the staff role over [begin, end) against voices found with
        the segment (0 where none were: nothing more is known than before)."""
        if here is None:
            return 0.0
        kept, self._here = self._here, here
        try:
            return self.judged(begin, end)
        finally:
            self._here = kept

    def judged(self, start: float, end: float, since: float | None = None) -> float:
        """The voice's logit for the staff role over [start, end) alone. While no other
        voice is known, the staff voice's floor alone is no ground for a red: the
        embedding decides (`_embedded_so_far`). Once the others are known, the voices'
        ratio on the phrase's frames (its embedding added to it moved the hardest pair's
        reds to their segment's end, docs/benchmarks.md)."""
        if self._here is None:
            return self._embedded_so_far(start, end, since)
        scores = self._scores(self.frames(start, end))
        return 0.0 if scores is None else self.options.scale * float(np.mean(scores))

    def _embedded_so_far(self, start: float, end: float, since: float | None = None) -> float:
        """A phrase is shorter than the encoder's 1.6 s: the embedding of its run so far
        (from `since`, the last 3.2 s of speech up to its end) tells it firm where its
        cosine to the enrolled one reaches what no other voice reached with that much
        speech (`early_sure`) and the phrase's own is `early_own` (a customer's phrase right
        after the staff's words in one run reached the first, never both); else 0 (it never
        tells a customer). Once the others are known it decides a phrase their ratio leaves
        unsure but leaning staff: the voices it was measured on are any voices."""
        cosine, seconds = self._end_cosine(start if since is None else since, end)
        if cosine < self.options.sure_at(seconds) \
                or self._end_cosine(start, end)[0] < self.options.early_own:
            return 0.0
        return max(_logit(self.options.firm_at),
                   self.options.embed_scale * (cosine - self.options.embed_centre))

    def _end_cosine(self, start: float, end: float) -> tuple[float, float]:
        """The cosine to the enrolled embedding of [start, end)'s end (`voiceprint.embed_end`)
        and the seconds of speech it heard (-1, 0 without an embedding); once per span."""
        key = (round(start, 2), round(end, 2))
        if key not in self._ends:
            embedded = None if self.staff is None or self.staff.embedding is None \
                else voiceprint.embed_end(self.audio(start, end))
            self._ends[key] = (-1.0, 0.0) if embedded is None else (
                float(embedded[0] @ self.staff.embedding), embedded[1])
        return self._ends[key]

    def _scores(self, rows: np.ndarray) -> np.ndarray | None:
        """Per block of rows: the mean ratio of its loud frames (a block of silence: 0);
        None while no voice is known."""
        if self.staff is None or not len(rows):
            return None
        ratios = self._ratios(rows)
        if ratios is None:
            return None
        block = max(1, round(self.options.block_s * SAMPLE_RATE / HOP))
        loud = rows[:, -1] > max(float(np.percentile(rows[:, -1], 90)) - self.options.speech_db,
                                 -70)
        scores = np.array([_mean(ratios[n:n + block], loud[n:n + block])
                           for n in range(0, len(rows), block)])
        if self._here is not None and self.options.block_level_weight:
            louder = np.array([self._louder(rows[n:n + block, -1], loud[n:n + block])
                               for n in range(0, len(rows), block)])
            if not self._here.levels:
                louder = np.minimum(louder, 0.0)
            scores += self.options.block_level_weight * louder
        return scores

    def _ratios(self, rows: np.ndarray) -> np.ndarray | None:
        """Per frame: log p(staff voice) - log p(somebody else): the others heard lately,
        or (a new voice) the staff voice's own floor; once the conversation has shown both
        voices at this pickup, the staff's as heard here counts beside the profile, and so
        does the level each has. None while neither is known (a voice learned from a few
        seconds has no floor yet)."""
        mine = self.staff.loglik(rows, False)
        here = self._here
        if here is None:
            return None if self.staff.floor == -math.inf else mine - self.staff.floor
        mine = np.maximum(mine, here.staff.loglik(rows, False))
        other = np.maximum(self.staff.floor, here.other.loglik(rows, False))
        if not here.levels:
            return mine - other
        return mine - other + self.options.level_weight * (
            _normal(rows[:, -1], *here.staff.level) - _normal(rows[:, -1], *here.other.level))

    def _louder(self, levels: np.ndarray, loud: np.ndarray) -> float:
        """How much more the block's loudest moment is the staff's than the others' (log
        likelihood of its top level under each; a block of silence says nothing)."""
        if not np.any(loud):
            return 0.0
        top = float(np.percentile(levels[loud], TOP_PERCENTILE))
        return float(_normal(top, *self._here.staff_top) - _normal(top, *self._here.other_top))

    def remember(self, start: float, end: float) -> None:
        """A finished speech segment: the others' voice is found again in the conversation
        as it now stands (the last `other_s` seconds of speech), never from earlier
        decisions, so one wrong decision cannot teach the next. When too little is heard
        for that (a visit's first lines after a pause, or one voice alone), the voices found
        before are kept without the others' level (the next customer may stand nearer):
        judged against the staff voice's floor alone, a customer like the staff was told
        staff for sure (docs/benchmarks.md)."""
        rows = speech_frames(self.frames(start, end))
        if len(rows):
            self._speech.append((end, rows))
        while self._speech and self._speech[0][0] < end - self.options.other_s:
            self._speech.popleft()
        if self.staff is None:
            self._here = None
        else:
            self._here = self._others() or (self._here and replace(self._here, levels=False))

    def _others(self, ongoing: np.ndarray | None = None) -> "Pickup | None":
        """The least staff-like quarter seconds of the conversation seed a voice of their
        own, refitted on every block that voice explains better than the staff's; the rest
        is the staff voice as this pickup hears it (its noise, its distance), which the
        profile, made elsewhere, is not. A voice found louder here than the rest is no
        customer's (they stand further from the pickup) but the staff's own: taken for the
        other, it would win every staff line (docs/benchmarks.md), so there is none.
        `ongoing`: the speech frames of the segment still being heard, counted with it."""
        recent = [r for _, r in self._speech] + ([ongoing] if ongoing is not None else [])
        if not recent:
            return None
        rows = np.concatenate(recent)
        block = max(1, round(self.options.block_s * SAMPLE_RATE / HOP))
        count = len(rows) // block
        if count < 12:
            return None
        rows = rows[:count * block]
        mine = self.staff.loglik(rows, False).reshape(count, block).mean(axis=1)
        chosen = mine <= np.percentile(mine, 100 * self.options.other_share)
        for _ in range(2):
            other = Voice.of(rows.reshape(count, block, -1)[chosen].reshape(-1, DIMS), 4, False)
            theirs = other.loglik(rows, False).reshape(count, block).mean(axis=1)
            chosen = theirs > mine
            if chosen.sum() < 4 or (~chosen).sum() < 4:
                return None
        levels = rows[:, -1].reshape(count, block)
        if other.level[0] > float(levels[~chosen].mean()):
            return None
        top = np.percentile(levels, TOP_PERCENTILE, axis=1)
        return Pickup(other, Voice.of(rows.reshape(count, block, -1)[~chosen].reshape(-1, DIMS),
                                      4, False), _gaussian(top[chosen]), _gaussian(top[~chosen]))

    def adopt(self, voice: Voice) -> None:
        """A staff voice learned across the day's visits (`staffvoice`) is used from now on
        as an enrolled one: it replaces the voice in use, which stops learning here."""
        self.staff, self.learned = voice, False
        self._taught.clear()
        self._here = self._others()

    def learn(self, parts: list[Utterance]) -> None:
        """A learned staff voice grows from the staff lines it is sure of (before any staff
        voice exists, from speech whose words are the staff's)."""
        for part in parts:
            rows = speech_frames(self.frames(part.start, part.end))
            if len(rows) < 20 or part.role != "staff":
                continue
            if self._teaches(part, part.role_confidence or 0.5):
                self._taught.append(rows)
                while sum(len(r) for r in self._taught) > self.options.learn_frames:
                    self._taught.popleft()
                self.staff = Voice.of(np.concatenate(self._taught))
                self.learned = self.changed = True

    def _teaches(self, part: Utterance, sure: float) -> bool:
        if self.staff is None:
            return self.cues.hint(part) > 0
        return self.learned and sure >= self.options.learn_confidence

    def level(self, start: float, end: float) -> float | None:
        """RMS level in dBFS of the raw audio over [start, end)."""
        rows = self.frames(start, end)
        if not len(rows):
            return None
        return round(float(10 * np.log10(np.mean(10 ** (rows[:, -1] / 10)))), 1)


TOP_PERCENTILE = 90  # a quarter second's level at its loudest: its voiced peak, not a pause


def _gaussian(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), max(float(values.var()), _LEVEL_FLOOR)


def _mean(values: np.ndarray, keep: np.ndarray) -> float:
    """The mean over the loud frames; a block of silence says nothing (0)."""
    return float(np.mean(values[keep])) if np.any(keep) else 0.0


def _quietest(levels: np.ndarray, at: int, reach: int) -> int:
    """The row of the quietest 50 ms within `reach` rows of `at` (where a change falls)."""
    low, high = max(0, at - reach), min(len(levels), at + reach)
    if high - low < 5:
        return at
    smooth = np.convolve(levels[low:high], np.ones(5) / 5, mode="same")
    return low + int(np.argmin(smooth[2:-2])) + 2


def _firmed(firm: list[Turn], turns: list[Turn]) -> list[Turn]:
    """`turns` with the firm ones laid over them: a firm turn keeps its span and role, grows
    into a new turn of the same role that goes on from it, and is never less sure; a
    phrase's turn stays as it was told (the run beside it may hold the other voice)."""
    firm = [kept if kept.phrase else replace(kept, logit=max([kept.logit] + [
        t.logit for t in turns if _overlap(t, kept.start, kept.end) > 0
        and (t.logit >= 0) == (kept.logit >= 0)], key=abs)) for kept in firm]
    pieces = list(firm)
    for turn in turns:
        parts = [turn]
        for kept in firm:
            parts = [p for part in parts for p in _outside(part, kept)]
        pieces += parts
    pieces.sort(key=lambda t: t.start)
    out: list[Turn] = []
    grown: list[bool] = []  # out's turns holding a firm one (they grow from it)
    for turn in pieces:
        last = out[-1] if out else None
        was = any(turn is kept for kept in firm)
        if last is not None and (last.logit >= 0) == (turn.logit >= 0) \
                and not (last.phrase or turn.phrase):
            # two runs neither told firm stay as sure as the less sure may be told (two
            # runs over the staff voice's floor alone are no surer than one)
            grown[-1] = grown[-1] or was
            out[-1] = Turn(last.start, max(last.end, turn.end), max(last.logit, turn.logit,
                                                                    key=abs),
                           1.0 if grown[-1] else min(last.most, turn.most))
        else:
            out.append(turn)
            grown.append(was)
    return out


def _ended(turns: list[Turn], voice_end: float | None, shortest: float) -> list[Turn]:
    """A finished segment's runs, the last joined to the one before when it holds less than
    `shortest` of voice before `voice_end`: the rest is the voice detector's hangover, near
    silence, which made it look a run (the level cue and its embedding told it the other
    voice, and the recogniser's last words, timed late, fell in it: a staff line's 拜拜 told
    the customer's, docs/benchmarks.md)."""
    if len(turns) < 2 or voice_end is None or voice_end - turns[-1].start >= shortest:
        return turns
    return turns[:-2] + [replace(turns[-2], end=turns[-1].end)]


def _joined(turns: list[Turn]) -> list[Turn]:
    """A finished segment's neighbouring runs told the same voice, as one run (its logit
    their mean by time): cut in two, a phrase said across the cut was heard in neither part
    (您要办理|什么业务, a greeting, docs/benchmarks.md)."""
    out: list[Turn] = []
    for turn in turns:
        last = out[-1] if out else None
        if last is not None and (last.logit >= 0) == (turn.logit >= 0):
            span = turn.end - last.start
            out[-1] = Turn(last.start, turn.end, (last.logit * (last.end - last.start)
                                                  + turn.logit * (turn.end - turn.start))
                           / max(span, 1e-6), min(last.most, turn.most))
        else:
            out.append(turn)
    return out


def _outside(turn: Turn, kept: Turn) -> list[Turn]:
    """What of `turn` lies outside `kept`'s span."""
    if turn.end <= kept.start or kept.end <= turn.start:
        return [turn]
    return [replace(turn, end=kept.start)] * (turn.start < kept.start) + \
        [replace(turn, start=kept.end)] * (kept.end < turn.end)


def _logit(confidence: float) -> float:
    return math.log(confidence / (1 - confidence))


def _confidence(logit: float) -> float:
    return round(max(0.5, 1 / (1 + math.exp(-abs(logit)))), 3)


def _viterbi(scores: np.ndarray, block: int, switch_cost: float) -> np.ndarray:
    """Best staff (1) / other (0) labelling of blocks: each block's summed ratio for or
    against, a change of speaker costing `switch_cost`."""
    gain = scores * block
    total = np.array([0.0, 0.0])  # other, staff
    back = np.zeros((len(gain), 2), int)
    for n, g in enumerate(gain):
        here = np.array([-g / 2, g / 2])
        stay, switch = total, total[::-1] - switch_cost
        back[n] = np.where(stay >= switch, [0, 1], [1, 0])
        total = np.maximum(stay, switch) + here
    path = np.zeros(len(gain), int)
    path[-1] = int(np.argmax(total))
    for n in range(len(gain) - 1, 0, -1):
        path[n - 1] = back[n][path[n]]
    return path


def _runs(path: np.ndarray, scores: np.ndarray, shortest: int) -> list[tuple[int, int, float]]:
    """(first block, end block, mean score) of each run; short runs join the one before."""
    runs: list[list] = []
    for n, label in enumerate(path):
        if runs and runs[-1][2] == label:
            runs[-1][1] = n + 1
        else:
            runs.append([n, n + 1, label])
    merged: list[list] = []
    for run in runs:
        if merged and (run[1] - run[0] < shortest or merged[-1][1] - merged[-1][0] < shortest):
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [(a, b, float(np.mean(scores[a:b]))) for a, b, _ in merged]


# -- an utterance cut at the speaker changes -----------------------------------------------

def split(utterance: Utterance, turns: list[Turn], options: SpeakerOptions, cues: RoleCues,
          decode=None) -> list[Utterance]:
    """The utterance as one line per turn that holds words (or spotter hits), each with
    its role and confidence from the voice and, where unsure, its words (`cues`); `decode`
    turns pinyin syllables into characters."""
    if len(turns) > 1 and (utterance.words or utterance.spotted):
        # a partial result's phrase goes where its words were heard (it was decided on
        # them, Tracker.told); a final one keeps the span its measured role error rests on
        spans = {h: (said_at(utterance.words, h) if utterance.partial else None)
                 or (h.start, h.end) for h in utterance.spotted}
        hits = {h: _turn_of(turns, *span) for h, span in spans.items()}
        owner = {w: next((n for h, n in hits.items()
                          if w.start < spans[h][1] and spans[h][0] < w.end),
                         _turn_of(turns, w.start, w.end)) for w in utterance.words}
        parts = []
        for n, turn in enumerate(turns):  # a spotted phrase is never cut: its words go with it
            words = tuple(w for w in utterance.words if owner[w] == n)
            spotted = tuple(h for h, at in hits.items() if at == n)
            if words or spotted:
                parts.append((turn, _part(utterance, words, spotted, decode)))
    else:
        parts = [(max(turns, key=lambda t: _overlap(t, utterance.start, utterance.end)),
                  utterance)]
    out = []
    for turn, part in parts:
        role, confidence = turn.decided(cues.hint(part), options)
        out.append(replace(part, role=role, role_confidence=confidence))
    return out


def said_at(words: tuple[Word, ...], hit) -> tuple[float, float] | None:
    """Where the recogniser's own syllables say a spotted phrase (the last saying that
    begins before the hit ends); the spotter's span is a guess from where decoding was."""
    wanted = normalize(hit.matched).syllables
    said = [toneless(w.text) for w in words]
    begins = [at for at, _ in standing(said, {wanted[0]: (wanted,)}) if words[at].start < hit.end]
    return (words[begins[-1]].start, words[begins[-1] + len(wanted) - 1].end) if begins else None


def _part(utterance: Utterance, words: tuple[Word, ...], hits, decode) -> Utterance:
    times = [w.start for w in words] + [h.start for h in hits]
    ends = [w.end for w in words] + [h.end for h in hits]
    said = " ".join(w.text for w in words)
    if utterance.pinyin:
        pinyin = said or " ".join(h.matched for h in hits)
        text = _characters(utterance, words, decode) if said else ""
    else:
        pinyin, text = "", "".join(w.text for w in words)
    start = max(utterance.start, min(times) - 0.1)
    end = min(utterance.end, max(ends) + 0.1)
    return replace(utterance, start=round(start, 3), end=round(max(start, end), 3), text=text,
                   pinyin=pinyin, words=words, spotted=hits)


def _characters(utterance: Utterance, words: tuple[Word, ...], decode) -> str:
    """A part's characters, decoded alone; a partial result's (shown, never stored) are
    the whole's, one per syllable, cut per word: decoding each part again was a sixth of
    the processing between a block's arrival and its red (profiled, docs/benchmarks.md)."""
    if utterance.partial and len(utterance.text) == len(utterance.words):
        index = {w: n for n, w in enumerate(utterance.words)}
        return "".join(utterance.text[index[w]] for w in words)
    return decode([w.text for w in words]) if decode else ""


def _turn_of(turns: list[Turn], start: float, end: float) -> int:
    """The turn in which the middle of [start, end) lies (the first or last beyond them)."""
    middle = (start + end) / 2
    return max([0] + [n for n, turn in enumerate(turns) if turn.start <= middle])


def _overlap(turn: Turn, start: float, end: float) -> float:
    return min(turn.end, end) - max(turn.start, start)

