"""The staff voice learned across a window's day: the one voice heard in every visit.

Where a window's staff member has no enrolled profile, a pickup still tells who the staff
member is: theirs is the voice in every visit, while each customer speaks in one. The
day's speech is cut into visits by long silences and into half-second voiced blocks; each
visit's speech gets a voice of its own (a small Gaussian mixture over `speakers.features`),
and each block is scored by how well the OTHER visits' voices explain it, against how well
its own visit's voice does: the staff member's blocks are as much at home in any visit as
in their own, a customer's only in their own (the median over the other visits, so a
customer who sounds like another is no matter). The blocks most at home elsewhere (the top
30 %) seed the staff voice, a voice of the rest stands for the customers, and both are
refitted on the blocks each explains better. What was said (a greeting, 请问您办理什么业务)
nudges a block's score by a fraction of the scores' spread: it may seed, never decide.

The result is a `speakers.Voice` like an enrolled profile, and the `Tracker` uses it as
one; it is learned again as visits accumulate, so it improves as the day goes. Stored per
window and day (`learned_voices`, numbers only, never audio): personal data like an
enrolled profile, listed with them, deleted with the staff member, audited, never shipped
to the city.
"""
from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from .errors import StorageError
from .records import AudioChunk, AuditEntry, Voiced
from .speakers import FEATURE_VERSION, HOP, Voice, features
from .sources import MIXED, SAMPLE_RATE
from .storage import Store
from .vad import Vad, VadOptions

TABLE = "learned_voices"


@dataclass
class LearnOptions:
    """How the staff voice is learned across a day's visits."""

    visit_gap_s: float = 25.0  # a silence this long starts another visit
    block_s: float = 0.5  # speech is compared in blocks this long
    min_visits: int = 2  # a voice is in "every visit" only once there are this many
    min_block_share: float = 0.4  # a block needs this share of voiced frames to count
    below_db: float = 25.0  # frames this far under a segment's loud ones are not speech
    visits_kept: int = 16  # the latest visits compared (cost grows with their square)
    blocks_kept: int = 240  # a visit's latest blocks kept (2 minutes of speech)
    components: int = 4  # Gaussians of a visit's voice (two speakers, few seconds each)
    hint_weight: float = 0.25  # what was said moves a score by this share of their spread
    relearn_s: float = 15.0  # in the day's first visits, learned again after this much
    # more speech (later, once per visit: the cost of 40 windows)
    seed_share: float = 0.3  # the blocks most at home in other visits that seed the voice
    refits: int = 3  # staff and customer voices refitted on the blocks each explains
    in_visits: float = 0.75  # the voice learned must be heard in this share of the visits
    enough_visits: int = 6  # a voice from this many visits replaces one from more


@dataclass
class _Visit:
    """One stretch of the day's speech between long silences, as speech blocks."""

    end: float
    blocks: list = field(default_factory=list)  # frames (rows) of each block
    hints: list = field(default_factory=list)  # what was said in each: +1 staff, -1 customer
    voice: Voice | None = None  # the visit's own voice, once it is over


@dataclass(frozen=True)
class Learned:
    """A staff voice learned from a window's day, and the visits it rests on."""

    voice: Voice
    visits: int


class StaffLearner:
    """Hears one mixed channel's finished speech segments; `learned` is the staff voice
    found in every visit so far (None before there are two), `changed` when it moved."""

    def __init__(self, options: LearnOptions | None = None, since: Learned | None = None):
        """`since`: the voice learned earlier today (a restarted monitor), kept until one
        learned from as many visits (or `enough_visits`) replaces it."""
        self.options = options or LearnOptions()
        self._visits: deque[_Visit] = deque(maxlen=self.options.visits_kept)
        self._since = 0.0  # speech heard since the voice was last learned
        self.heard_visits = 0
        self.learned = since
        self.changed = False

    def hear(self, rows: np.ndarray, start: float, end: float,
             said: Iterable[tuple[float, float, float]] = ()) -> Learned | None:
        """A finished segment's raw frames (10 ms apart from `start`) and what was said in
        it, as (start, end, content hint) spans; a newly learned voice, or None."""
        new_visit = not self._visits or start - self._visits[-1].end >= self.options.visit_gap_s
        if new_visit:
            if self._visits:
                self._close(self._visits[-1])
            self._visits.append(_Visit(end))
            self.heard_visits += 1
        visit = self._visits[-1]
        visit.end = end
        said = list(said)
        for at, block in self._blocks(rows, start):
            visit.blocks.append(block)
            visit.hints.append(_hint_at(said, at, at + self.options.block_s))
            self._since += self.options.block_s
        del visit.blocks[:-self.options.blocks_kept], visit.hints[:-self.options.blocks_kept]
        early = self.heard_visits < self.options.enough_visits
        if new_visit or (early and self._since >= self.options.relearn_s):
            return self.relearn()
        return None

    def relearn(self) -> Learned | None:
        """The staff voice learned again from every visit kept (also at the end of a day)."""
        self._since = 0.0
        visits = [v for v in self._visits if len(v.blocks) >= 2]
        if len(visits) < self.options.min_visits:
            return None
        voice = staff_voice(visits, self.options)
        earlier = self.learned.visits if self.learned else 0
        if voice is None or self.heard_visits < min(earlier, self.options.enough_visits):
            return None
        self.learned, self.changed = Learned(voice, self.heard_visits), True
        return self.learned

    def _close(self, visit: _Visit) -> None:
        if len(visit.blocks) >= 2:
            visit.voice = _visit_voice(visit, self.options)

    def _blocks(self, rows: np.ndarray, start: float):
        """(start time, speech frames) of each block of a segment with enough voice in it:
        frames near the segment's loud ones, a share of them with a pitch (the hall's noise
        is in every visit too)."""
        size = max(1, round(self.options.block_s * SAMPLE_RATE / HOP))
        if len(rows) < size // 2:
            return
        loud = rows[:, -1] > np.percentile(rows[:, -1], 90) - self.options.below_db
        voiced = loud & ~np.isnan(rows[:, -2])
        for n in range(0, len(rows) - size // 2 + 1, size):
            if voiced[n:n + size].sum() >= self.options.min_block_share * size:
                yield start + n * HOP / SAMPLE_RATE, rows[n:n + size][loud[n:n + size]]


def _hint_at(said: list[tuple[float, float, float]], start: float, end: float) -> float:
    overlapping = [hint for a, b, hint in said if min(b, end) > max(a, start)]
    return float(np.clip(sum(overlapping), -1, 1)) if overlapping else 0.0


def staff_voice(visits: list[_Visit], options: LearnOptions) -> Voice | None:
    """The voice in every visit: the blocks most at home in the other visits seed it (see
    the module's docstring), refitted against the rest; None when no voice is in (nearly)
    every visit. Like an enrolment, the voice is fitted on all of its speech frames."""
    blocks = [b for v in visits for b in v.blocks]
    owner = np.repeat(np.arange(len(visits)), [len(v.blocks) for v in visits])
    hints = np.array([h for v in visits for h in v.hints])
    voiced = [b[~np.isnan(b[:, -2])] for b in blocks]  # who speaks: told by voiced frames
    rows = np.concatenate(voiced)
    starts = np.cumsum([0] + [len(b) for b in voiced[:-1]])
    sizes = np.array([len(b) for b in voiced])

    def per_block(frame_values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(frame_values, starts, axis=-1) / sizes

    each = np.stack([per_block((v.voice or _visit_voice(v, options)).loglik(rows, False))
                     for v in visits])
    everywhere = np.arange(len(blocks))
    theirs = each - each[owner, everywhere]  # another visit's voice against the block's own
    theirs[owner, everywhere] = np.nan
    presence = np.nanmedian(theirs, axis=0)
    presence += options.hint_weight * np.std(presence) * hints
    chosen = presence >= np.quantile(presence, 1 - options.seed_share)
    for _ in range(options.refits):
        staff = Voice.of(rows[np.repeat(chosen, sizes)])
        others = Voice.of(rows[np.repeat(~chosen, sizes)], options.components)
        chosen = per_block(staff.loglik(rows, False) - others.loglik(rows, False)) > 0
        if chosen.all() or not chosen.any():
            return None
    heard_in = len(set(owner[chosen].tolist()))
    if heard_in < max(options.min_visits, math.ceil(options.in_visits * len(visits))):
        return None
    return Voice.of(np.concatenate([b for b, staff in zip(blocks, chosen) if staff]))


def _visit_voice(visit: _Visit, options: LearnOptions) -> Voice:
    """A visit's own voice (both speakers), from its voiced frames."""
    rows = np.concatenate(visit.blocks)
    return Voice.of(rows[~np.isnan(rows[:, -2])], options.components)


def learn_from(chunks: Iterable[AudioChunk], vad_options: VadOptions | None = None,
               options: LearnOptions | None = None) -> Learned | None:
    """The staff voice of a whole recording of one mixed channel (hindsight: `score` of a
    day's file learns from the whole day before it judges the first visit)."""
    vad = Vad(MIXED, vad_options or VadOptions())
    learner = StaffLearner(options)
    recent = _Recent()
    for chunk in chunks:
        recent.add(chunk)
        for piece in vad.feed(chunk):
            _hear(learner, recent, piece)
    for piece in vad.flush():
        _hear(learner, recent, piece)
    return learner.relearn() or learner.learned


def _hear(learner: StaffLearner, recent: "_Recent", piece: Voiced) -> None:
    if piece.final:
        end = piece.start + len(piece.samples) / SAMPLE_RATE
        learner.hear(features(recent.take(piece.segment_start, end)), piece.segment_start, end)


class _Recent:
    """The raw audio not yet heard by the learner (segments come in order)."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.at: float | None = None  # time of the first sample kept

    def add(self, chunk: AudioChunk) -> None:
        if self.at is None:
            self.at = chunk.start
        self.parts.append(chunk.samples)

    def take(self, start: float, end: float) -> np.ndarray:
        """The audio of [start, end); what comes before `end` is dropped."""
        audio = np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)
        first = max(0, round((start - self.at) * SAMPLE_RATE))
        last = max(first, round((end - self.at) * SAMPLE_RATE))
        self.parts, self.at = [audio[last:]], self.at + last / SAMPLE_RATE
        return audio[first:last]


# -- stored per window and day: numbers only, personal data like an enrolled profile ---------

@dataclass(frozen=True)
class DayVoice:
    """A window's staff voice learned on one day, as stored."""

    window: str
    day: date
    staff: str  # the window's staff member that day ("" if the hall did not say)
    voice: Voice
    visits: int  # visits it was learned from
    seconds: float  # speech it was made from
    updated_at: datetime

    @property
    def learned(self) -> Learned:
        return Learned(self.voice, self.visits)


def save(store: Store, window: str, day: date, staff: str | None, learned: Learned,
         origin: str = "") -> None:
    """Store (replace) a window's learned voice of the day, the day's first audited; the
    window's voices of earlier days go (each serves its own day only)."""
    row = {"window": window, "day": day.isoformat(), "staff": staff or "",
           "profile": json.dumps(learned.voice.as_dict()), "frames": learned.voice.frames,
           "visits": learned.visits, "version": FEATURE_VERSION,
           "updated_at": datetime.now().astimezone().isoformat(timespec="seconds")}
    first = load(store, window, day) is None
    entry = AuditEntry("system", "voice", staff or window,
                       f"learn {window} {day.isoformat()} ({learned.visits} visits)", origin)
    try:
        with store.audited(entry) if first else store.db.atomic():
            store.db.execute(f"delete from {TABLE} where window = ? and day < ?",
                             [window, row["day"]])
            store.db[TABLE].upsert(row, pk=("window", "day"))
    except Exception as exc:  # sqlite3.Error, said with the file
        raise StorageError(f"{store.path}: cannot store the voice learned at {window}: "
                           f"{exc}") from None


def load(store: Store, window: str | None, day: date) -> DayVoice | None:
    """The window's voice learned that day (None: none yet, or made by older features)."""
    if not window or not store.db[TABLE].exists():
        return None
    rows = list(store.db.query(f"select * from {TABLE} where window = ? and day = ? and "
                               "version = ?", [window, day.isoformat(), FEATURE_VERSION]))
    return _day_voice(rows[0]) if rows else None


def listed(store: Store) -> list[DayVoice]:
    """Every learned voice kept, by window and day."""
    if not store.db[TABLE].exists():
        return []
    return [_day_voice(row) for row in store.db.query(
        f"select * from {TABLE} where version = ? order by window, day", [FEATURE_VERSION])]


def held(store: Store, staff: str) -> int:
    """How many voices are kept that were learned while `staff` sat at a window."""
    if not store.db[TABLE].exists():
        return 0
    return store.db.execute(f"select count(*) from {TABLE} where staff = ?",
                            [staff]).fetchone()[0]


def forget(store: Store, staff: str) -> None:
    """Delete the voices learned while `staff` sat at a window (`voices.forget` does it,
    inside its audited transaction)."""
    if store.db[TABLE].exists():
        store.db.execute(f"delete from {TABLE} where staff = ?", [staff])


def _day_voice(row: dict) -> DayVoice:
    return DayVoice(row["window"], date.fromisoformat(row["day"]), row["staff"],
                    Voice.from_dict(json.loads(row["profile"])), row["visits"],
                    row["frames"] / 100, datetime.fromisoformat(row["updated_at"]))
