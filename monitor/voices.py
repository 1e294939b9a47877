"""Staff voice profiles: the numbers that tell a staff member's voice on a pickup (issue 20).

A profile is a `speakers.Voice` (a Gaussian mixture over cepstra, pitch and level
statistics, and the voice encoder's embedding of the enrolment, `voiceprint`), stored as
JSON numbers in `voice_profiles`, one row per staff id, never audio. A profile enrolled
before the embedding still loads and is used without it; enrolling again adds it.
It is enrolled from about 30 s of the staff member's speech (`courtesy staff enrol`); where
none was, the voice in every visit is learned per window and day (`staffvoice`; kind
`learned` here is only what older versions stored, listed and deleted like the rest).
Profiles are personal data: enrolment and deletion are audited, a profile goes with its
staff member's account, and the table is not in the central outbox's shipped tables.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from . import sources, staffvoice, voiceprint
from .errors import AudioError, InputError
from .records import AuditEntry
from .speakers import FEATURE_VERSION, Voice, features, speech_frames
from .storage import Store

ENROLLED, LEARNED = "enrolled", "learned"
MIN_SPEECH_S = 10.0  # an enrolment needs this much speech (about 30 s of talking is asked)


@dataclass(frozen=True)
class Profile:
    """One staff member's stored voice."""

    staff: str
    kind: str  # enrolled or learned
    voice: Voice
    seconds: float  # speech it was made from
    updated_at: datetime


def load(store: Store, staff: str | None) -> Profile | None:
    """The staff member's enrolled profile, or None (none, or made by older features)."""
    if not staff:
        return None
    rows = list(store.db.query("select * from voice_profiles where staff = ? and version = ? "
                               "and kind = ?", [staff, FEATURE_VERSION, ENROLLED]))
    return _profile(rows[0]) if rows else None


def profiles(store: Store) -> list[Profile]:
    rows = store.db.query("select * from voice_profiles where version = ? order by staff",
                          [FEATURE_VERSION])
    return [_profile(row) for row in rows]


def _profile(row: dict) -> Profile:
    return Profile(row["staff"], row["kind"], Voice.from_dict(json.loads(row["profile"])),
                   row["frames"] / 100, datetime.fromisoformat(row["updated_at"]))


def enrol(store: Store, staff: str, samples: np.ndarray, source: str,
          actor: str = "system", origin: str = "") -> Profile:
    """A profile from one staff member's speech, refused (InputError naming `source`) when
    it is silence, not speech (music, noise) or more than one voice."""
    voice = voice_of(samples, source)
    with store.audited(AuditEntry(actor, "voice", staff, "enrol", origin)):
        store.db["voice_profiles"].upsert(
            {"staff": staff, "kind": ENROLLED, "profile": json.dumps(voice.as_dict()),
             "frames": voice.frames, "version": FEATURE_VERSION,
             "updated_at": datetime.now().astimezone().isoformat(timespec="seconds")},
            pk="staff")
    return load(store, staff)


def forget(store: Store, staff: str, actor: str = "system", origin: str = "") -> bool:
    """Delete a staff member's profile and the voices learned while they sat at a window
    (`staffvoice`), audited; False when there was none."""
    learned = staffvoice.held(store, staff)
    if not learned and not store.db.execute("select 1 from voice_profiles where staff = ?",
                                            [staff]).fetchone():
        return False
    with store.audited(AuditEntry(actor, "voice", staff, "forget", origin,
                                  note=f"{learned} learned" if learned else "")):
        store.db.execute("delete from voice_profiles where staff = ?", [staff])
        staffvoice.forget(store, staff)
    return True


def read(path) -> np.ndarray:
    """An enrolment recording as one 16 kHz channel (a stereo file's channels averaged)."""
    chunks = [c.samples for c in sources.read_file(path, (sources.MIXED,))]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def record(device, seconds: float) -> np.ndarray:
    """`seconds` of one channel from an input device, through the live source."""
    source = sources.LiveSource(device, (sources.MIXED,))
    source.open()
    chunks: list[np.ndarray] = []
    try:
        while sum(len(c) for c in chunks) < seconds * sources.SAMPLE_RATE:
            chunks += [c.samples for c in source.read(0.2)]
            if source.lost:
                raise AudioError(f"audio device {device!r} was lost while recording")
    finally:
        source.close()
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def voice_of(samples: np.ndarray, source: str) -> Voice:
    """The voice in an enrolment recording, or one InputError saying why it is not one."""
    rows = features(samples)
    loud = rows[rows[:, -1] > -55] if len(rows) else rows
    if len(loud) < 100:
        raise InputError(source, "holds no speech (silence): record the staff member "
                                 "speaking for about 30 s")
    voiced = float(np.mean(~np.isnan(loud[:, -2])))
    if voiced < 0.2:
        raise InputError(source, f"not speech: only {100 * voiced:.0f} % of its sound has a "
                                 f"voice's pitch (noise?)")
    rows = speech_frames(rows)
    if len(rows) < MIN_SPEECH_S * 100:
        raise InputError(source, f"only {len(rows) / 100:.0f} s of speech; about 30 s are "
                                 f"needed (at least {MIN_SPEECH_S:.0f} s)")
    _one_voice(rows, source)
    voice = Voice.of(rows)
    embedded = voiceprint.embed([samples])  # None without the encoder: the profile alone
    voice.embedding = None if embedded is None else embedded[0]
    return voice


def two_voices(rows: np.ndarray, window: int = 100) -> float:
    """How surely the speech holds two voices: its 1 s windows split in two by their mean
    cepstra and pitch (2-means on every other window), a voice fitted to each side, and the
    mean |log likelihood ratio| per frame those voices give the windows held out. One voice
    split by what it says gives small ratios; two voices, large ones."""
    count = len(rows) // window
    shaped = rows[:count * window].reshape(count, window, -1)
    pitch = np.nan_to_num(np.nanmedian(np.where(np.isnan(shaped[:, :, -2]), np.nan,
                                                shaped[:, :, -2]), axis=1), nan=5.0)
    embedded = np.column_stack([shaped[:, :, :-2].mean(axis=1), 10 * pitch])[0::2]
    embedded -= embedded.mean(axis=0)
    side = embedded @ np.linalg.svd(embedded, full_matrices=False)[2][0] > 0
    for _ in range(5):
        if side.sum() < 3 or (~side).sum() < 3:
            return 0.0
        near_a = ((embedded - embedded[side].mean(axis=0)) ** 2).sum(axis=1)
        side = near_a < ((embedded - embedded[~side].mean(axis=0)) ** 2).sum(axis=1)
    if side.sum() < 3 or (~side).sum() < 3:
        return 0.0
    fitted = shaped[0::2]
    a = Voice.of(fitted[side].reshape(-1, rows.shape[1]), 4)
    b = Voice.of(fitted[~side].reshape(-1, rows.shape[1]), 4)
    held = shaped[1::2]
    return float(np.mean([abs(np.mean(a.loglik(w, False) - b.loglik(w, False))) for w in held]))


def music(rows: np.ndarray) -> float:
    """The share of voiced time in runs longer than 0.4 s with a steady pitch: held notes,
    which speech (syllables of 0.2 s, gliding tones) seldom has."""
    pitch = rows[:, -2]
    steady = np.zeros(len(pitch), bool)
    run = 0
    for n in range(1, len(pitch)):
        same = not np.isnan(pitch[n]) and not np.isnan(pitch[n - 1]) and \
            abs(pitch[n] - pitch[n - 1]) < 0.03
        run = run + 1 if same else 0
        if run >= 40:
            steady[n - run:n + 1] = True
    voiced = ~np.isnan(pitch)
    return float(steady.sum() / max(1, voiced.sum()))


TWO_VOICES = 3.6  # two_voices() above this: more than one voice (docs/benchmarks.md)
MUSIC = 0.3  # music() above this: held notes, not speech


def _one_voice(rows: np.ndarray, source: str) -> None:
    if music(rows) > MUSIC:
        raise InputError(source, "sounds like music (held notes), not speech")
    if two_voices(rows) > TWO_VOICES:
        raise InputError(source, "holds more than one voice: record the staff member alone")
