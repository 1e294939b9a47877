"""The recogniser's output of a recording, kept once and replayed (issue 20's role benches).

What the recogniser hears of a piece of speech does not depend on who the speaker tracker
says spoke it, so a Tracker variant can be judged on a session without recognising it
again: `Heard` wraps the real engine and, for one recording, either records every result
its streams give (in call order, each with the piece it answered) or, when that recording
was kept, gives the same results back without decoding. The voice detector, the speaker
features and everything after the recogniser still run. A replay that meets a piece the
recording did not hear (other audio, other VAD options) stops with an error, so a stale
recording is never replayed silently.
"""
from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

from monitor.asr.engine import Engine, Stream
from monitor.records import Utterance, Voiced


class Heard(Engine):
    """`engine` recorded into (or replayed from) `path`; `finish()` writes a recording."""

    def __init__(self, engine: Engine, path: Path):
        self.engine, self.path = engine, Path(path)
        self.name = engine.name
        self.decoder = getattr(engine, "decoder", None)
        self.replaying = self.path.exists()
        self._log: list = pickle.loads(self.path.read_bytes()) if self.replaying else []
        self._at = 0

    @classmethod
    def of(cls, engine: Engine, folder: Path, recording: Path, how: str = "") -> "Heard":
        """The recording of `recording` by `engine` as configured, kept in `folder`; `how`
        names another way of asking (`listen`'s partial results: other calls)."""
        said = json.dumps(engine.describe(), sort_keys=True, default=str)
        key = hashlib.sha256(said.encode()).hexdigest()[:12]
        return cls(engine, Path(folder) / f"{Path(recording).stem}.{key}{how}.pickle")

    def stream(self, role: str) -> Stream:
        return _Stream(self, None if self.replaying else self.engine.stream(role), role)

    def describe(self) -> dict:
        return {**self.engine.describe(), "replayed": self.replaying}

    def finish(self) -> None:
        if self.replaying:
            if self._at != len(self._log):
                raise SystemExit(f"{self.path}: {len(self._log) - self._at} recorded results "
                                 "never asked for (a stale recording: delete it)")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".part")
        scratch.write_bytes(pickle.dumps(self._log))
        scratch.replace(self.path)

    def answer(self, what: tuple, live) -> object:
        """The result for `what` (call, side, piece start, final): recorded from `live()`,
        or replayed."""
        if not self.replaying:
            out = live()
            self._log.append((what, out))
            return out
        if self._at >= len(self._log) or self._log[self._at][0] != what:
            found = self._log[self._at][0] if self._at < len(self._log) else "its end"
            raise SystemExit(f"{self.path}: asked for {what}, recorded {found} (a stale "
                             "recording: delete it)")
        self._at += 1
        return self._log[self._at - 1][1]


class _Stream(Stream):
    def __init__(self, heard: Heard, live: Stream | None, role: str):
        self.heard, self.live, self.role = heard, live, role
        self._last = (0.0, False)

    def feed(self, voiced: Voiced) -> list[Utterance]:
        self._last = (round(voiced.start, 3), voiced.final)
        return self.heard.answer(("feed", self.role) + self._last,
                                 lambda: self.live.feed(voiced))

    def partial(self) -> Utterance | None:
        return self.heard.answer(("partial", self.role) + self._last,
                                 lambda: self.live.partial())

    def first(self, voiced: Voiced) -> tuple[list[Utterance], bool]:
        self._last = (round(voiced.start, 3), voiced.final)
        return self.heard.answer(("first", self.role) + self._last,
                                 lambda: self.live.first(voiced))

    def again(self) -> list[Utterance]:
        return self.heard.answer(("again", self.role) + self._last, lambda: self.live.again())
