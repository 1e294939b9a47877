"""Practice for new staff: a scenario's customer speaks, the trainee answers into the
microphone, and the monitor's own engine judges every answer as it comes.

A scenario is a TOML file anyone can write (`scenarios/*.toml`): the customer's lines in
order, each with what the answer should hold (a greeting, an answer, an apology...). The
customer is a recording or espeak-ng's Mandarin. Listening is half-duplex: what the
microphone hears while the customer speaks is dropped, so a speaker near the microphone
is not taken for the trainee. A practice session is stored as `kind = "practice"`, so it
never enters the daily report.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import sources
from .audio import Transcriber
from .errors import AudioError, InputError, read_toml
from .live import LiveSession
from .records import PhraseHit, Utterance, Visit
from .vocabulary import (EXPECT_LABELS, MACHINE_MARK, MACHINE_NOTE, role_label, spoken,
                         verdict_label)

EXPECTABLE = ("greeting", "answer", "apology", "waiting", "please", "thanks_reply", "farewell")
_TURN_KEYS = {"say", "audio", "expect", "pause_s", "answer_s"}


def default_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "scenarios"


@dataclass(frozen=True)
class Turn:
    """One exchange: the customer speaks, the trainee answers."""

    say: str
    expect: tuple[str, ...] = ()
    audio: Path | None = None  # a recording of the customer's line; else synthesised
    pause_s: float = 0.0  # silence before the customer speaks (the trainee kept them waiting)
    answer_s: float = 8.0  # time the trainee has to answer


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    profile: str
    turns: tuple[Turn, ...]
    path: str = ""


def load(path) -> Scenario:
    """Read a scenario; every mistake names the file and the field."""
    path = Path(path)
    data = read_toml(path)
    head = data.get("scenario", {})
    if not isinstance(head.get("title"), str):
        raise InputError(path, "missing [scenario] title", field="scenario.title")
    raw_turns = data.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        raise InputError(path, "needs at least one [[turns]] with a 'say'", field="turns")
    turns = tuple(_turn(entry, path, n) for n, entry in enumerate(raw_turns, 1))
    return Scenario(path.stem, head["title"], str(head.get("description", "")),
                    str(head.get("profile", "general")), turns, str(path))


def _turn(entry: dict, path: Path, n: int) -> Turn:
    where = f"turns[{n}]"
    unknown = sorted(set(entry) - _TURN_KEYS)
    if unknown:
        raise InputError(path, f"unknown key (known: {', '.join(sorted(_TURN_KEYS))})",
                         field=f"{where}.{unknown[0]}")
    if not isinstance(entry.get("say"), str) or not entry["say"].strip():
        raise InputError(path, "the customer's line is missing", field=f"{where}.say")
    expect = entry.get("expect", [])
    if not isinstance(expect, list) or any(e not in EXPECTABLE for e in expect):
        raise InputError(path, f"must list some of {', '.join(EXPECTABLE)}",
                         field=f"{where}.expect")
    for key in ("pause_s", "answer_s"):
        value = entry.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InputError(path, "must be a number of seconds", field=f"{where}.{key}")
    audio = entry.get("audio")
    if audio is not None:
        audio = (path.parent / audio).resolve()
        if not audio.is_file():
            raise InputError(path, f"no such recording {audio}", field=f"{where}.audio")
    return Turn(entry["say"], tuple(expect), audio, float(entry.get("pause_s", 0.0)),
                float(entry.get("answer_s", 8.0)))


def available(folder: Path | None = None) -> list[Scenario]:
    return [load(p) for p in sorted((folder or default_dir()).glob("*.toml"))]


def find(name: str, folder: Path | None = None) -> Scenario:
    """A scenario by name (file stem in the scenarios folder) or by path."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load(path)
    candidate = (folder or default_dir()) / f"{name}.toml"
    if not candidate.is_file():
        known = ", ".join(s.name for s in available(folder)) or "none"
        raise InputError(candidate, f"no scenario {name!r} (available: {known})")
    return load(candidate)


@dataclass
class TurnResult:
    """What the trainee said to one customer line, and what it was missing."""

    turn: Turn
    heard: list[Utterance] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # expectable kinds heard
    taboo: list[PhraseHit] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [kind for kind in self.turn.expect if kind not in self.found]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.taboo


@dataclass
class PracticeResult:
    scenario: Scenario
    turns: list[TurnResult]
    visit: Visit | None  # the whole exchange judged by the monitor's rules
    session: str

    @property
    def passed(self) -> int:
        return sum(t.ok for t in self.turns)


def event_text(kind: str, what, pinyin: bool = False) -> str | None:
    """What the trainee reads as the practice goes (None: nothing to show). The answer is
    what the machine heard, marked so; `pinyin` adds the syllables it really heard."""
    if kind == "customer":
        return f"{role_label('customer')}：{what.say}"
    if kind == "listen":
        return "  请回答…"
    if kind == "heard":
        said = spoken(what)
        mark = f"〔{MACHINE_MARK}〕" if said.machine else ""
        return f"  你说：{said.text}{mark}" + (f" ‹{said.pinyin}›" if pinyin and said.pinyin else "")
    if kind == "turn":
        marks = [f"✓ {EXPECT_LABELS[k]}" for k in what.turn.expect if k in what.found]
        marks += [f"✗ {EXPECT_LABELS[k]}" for k in what.missing]
        marks += [f"✗ 忌语 {h.phrase}" for h in what.taboo]
        return "  " + ("  ".join(marks) or "✓")
    return None


def opening_text(scenario: Scenario) -> str:
    return (f"练习：{scenario.title} · 共 {len(scenario.turns)} 轮 · 顾客说完后轮到您"
            f"（〔{MACHINE_MARK}〕{MACHINE_NOTE}）")


def result_text(result: PracticeResult) -> str:
    visit = result.visit
    return (f"答对 {result.passed}/{len(result.turns)} 轮"
            + (f" · 本次得分 {visit.score:.0f} {verdict_label(visit.verdict)}" if visit else "")
            + f" · 已存为练习 {result.session}")


class Voice:
    """The customer: a recording, or espeak-ng's Mandarin, played on an output device."""

    def __init__(self, device=None):
        self.device = device

    def samples(self, turn: Turn) -> np.ndarray:
        import soundfile
        import soxr

        if turn.audio is not None:
            audio, rate = soundfile.read(str(turn.audio), dtype="float32", always_2d=True)
            audio = audio.mean(axis=1)
        else:
            audio, rate = self._synthesise(turn.say)
        return soxr.resample(audio, rate, sources.SAMPLE_RATE) if rate != sources.SAMPLE_RATE \
            else audio

    @staticmethod
    def _synthesise(text: str) -> tuple[np.ndarray, int]:
        import soundfile

        if shutil.which("espeak-ng") is None:
            raise AudioError("espeak-ng is not installed: give the scenario's turns an 'audio' "
                             "recording, or apt-get install espeak-ng")
        with tempfile.NamedTemporaryFile(suffix=".wav") as out:
            subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", out.name, text],
                           check=True, capture_output=True)
            audio, rate = soundfile.read(out.name, dtype="float32")
        return audio, rate

    def play(self, audio: np.ndarray) -> None:
        sounddevice = sources.portaudio()
        try:
            sounddevice.play(audio, sources.SAMPLE_RATE, device=self.device, blocking=True)
        except (sounddevice.PortAudioError, ValueError) as exc:  # no such device, busy
            raise AudioError(f"cannot play the customer's line on {self.device!r}: {exc}") from None


def check_microphone(device) -> None:
    """A practice needs a microphone: say so in Chinese before anything starts or is stored."""
    sd = sources.portaudio()
    try:
        sd.query_devices(device, "input")
    except (sd.PortAudioError, ValueError) as exc:
        name = "默认麦克风" if device is None else f"麦克风 {device!r}"
        raise AudioError(f"没有找到麦克风：{name}不可用（{exc}）；请连接麦克风，或用 "
                         "courtesy devices 查看可用设备后以 --device 指定") from None


class Practice:
    """Runs a scenario: the customer speaks, the microphone hears the trainee's answer."""

    def __init__(self, scenario: Scenario, session: LiveSession, engine,
                 mic: sources.LiveSource, voice: Voice, silence_s: float = 1.2,
                 on_event: Callable[[str, object], None] = lambda kind, what: None,
                 on_poll: Callable[[], None] = lambda: None):
        self.scenario = scenario
        self.session = session
        self.engine = engine
        self.mic = mic
        self.voice = voice
        self.silence_s = silence_s  # the answer is over after this much silence
        self.on_event = on_event
        self.on_poll = on_poll  # called whenever the microphone is read (the heartbeat)

    def run(self) -> PracticeResult:
        self.mic.open()
        try:
            results = [self._turn(turn) for turn in self.scenario.turns]
            closed = [u.visit for u in self.session.flush() if u.state == "closed"]
        finally:
            self.mic.close()
        return PracticeResult(self.scenario, results, closed[-1] if closed else None,
                              self.session.session.id)

    def _turn(self, turn: Turn) -> TurnResult:
        self._drain(turn.pause_s)
        audio = self.voice.samples(turn)
        start = self.mic.elapsed
        self.on_event("customer", turn)
        self.voice.play(audio)
        self._drain(0.0)  # what the microphone heard meanwhile was the customer
        end = max(self.mic.elapsed, start + len(audio) / sources.SAMPLE_RATE)
        self.session.feed(Utterance(start, end, "customer", turn.say))
        self.on_event("listen", turn)
        result = TurnResult(turn)
        for utterance in self._answer(turn.answer_s):
            index = len(self.session.session.utterances)
            updates = self.session.feed(utterance)
            hits = [h for u in updates[-1:] for h in u.visit.hits if h.utterance == index]
            result.heard.append(utterance)
            result.found |= {h.kind for h in hits if h.kind in EXPECTABLE}
            result.taboo += [h for h in hits if h.kind == "taboo"]
            self.on_event("heard", utterance)
        if result.heard:
            result.found.add("answer")
        self.on_event("turn", result)
        return result

    def _drain(self, seconds: float) -> None:
        """Let time pass (a wait the scenario asks for), dropping what the microphone hears."""
        until = time.monotonic() + seconds
        while True:
            self.mic.read(0.05)
            self.on_poll()
            if time.monotonic() >= until:
                return

    def _answer(self, limit_s: float) -> list[Utterance]:
        transcriber = Transcriber(self.engine)
        heard: list[Utterance] = []
        began = time.monotonic()
        last_speech = None
        while time.monotonic() - began < limit_s:
            self.on_poll()
            for chunk in self.mic.read(0.1):
                for utterance in transcriber.feed(chunk):
                    heard.append(utterance)
                    last_speech = time.monotonic()
            if last_speech and time.monotonic() - last_speech > self.silence_s:
                break
        heard += transcriber.flush()
        return [u for u in heard if u.text or u.pinyin]
