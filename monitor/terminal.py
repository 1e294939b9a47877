"""Replay in the terminal: the transcript in step with the clock (and the audio, if any).

`step()` prints each line when its time comes (any terminal, a pipe, CI); `interactive()`
is a curses player: space pause, ←/→ five seconds back/forward, +/- speed, n next finding,
p pinyin, q quit. Audio, when a recording exists and a device is there, follows the same
clock. Speech a machine heard is marked 〔机器识别〕, its pinyin shown on demand.
"""
from __future__ import annotations

import curses
import sys
import time
from collections.abc import Callable

import numpy as np

from . import replay as replays
from . import sources
from .errors import AudioError
from .replay import Clock, Line, Mark, VisitReplay
from .vocabulary import MACHINE_MARK, MACHINE_NOTE, rule_name, severity_label

REFRESH_S = 0.04  # a line appears within this (plus a frame) of its start


def clock_text(seconds: float) -> str:
    """mm:ss.s from the visit's start, the same in the terminal and on the replay page."""
    minutes, secs = divmod(max(0.0, seconds), 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


def mark_text(mark: Mark) -> str:
    if mark.kind == "good":
        return f"✓ {mark.label}"
    return f"✗ {rule_name(mark.label)}（{severity_label(mark.severity)}）{mark.detail}"


def line_text(line: Line, origin: float, pinyin: bool = False) -> str:
    """A line as the terminal shows it; `pinyin` adds what the recogniser heard."""
    marks = "  ".join(mark_text(m) for m in line.marks)
    heard = f" 〔{MACHINE_MARK}〕" if line.speech.machine else ""
    if pinyin and line.pinyin:
        heard += f" ‹{line.pinyin}›"
    return (f"{clock_text(line.start - origin)} {line.who:<4} {line.text}{heard}"
            + (f"   [{marks}]" if marks else ""))


def header(replay: VisitReplay) -> str:
    return (f"来访 {replay.id} · 窗口 {replay.window or '-'} · 工作人员 {replay.staff or '-'} · "
            f"得分 {replay.score:.0f} {replay.verdict_text}")


def legend(replay: VisitReplay) -> str | None:
    """What the machine mark means, when a line carries it."""
    if any(line.speech.machine for line in replay.lines):
        return f"〔{MACHINE_MARK}〕{MACHINE_NOTE}"
    return None


def entry_text(item: Line | Mark, origin: float, pinyin: bool = False) -> str:
    if isinstance(item, Line):
        return line_text(item, origin, pinyin)
    return f"{clock_text(item.start - origin)}      {mark_text(item)}"


def step(replay: VisitReplay, clock: Clock, out: Callable[[str], None] = print,
         sleep: Callable[[float], None] = time.sleep, pinyin: bool = False) -> None:
    """Print each line (and each finding no line carries) when the clock reaches it."""
    out(header(replay))
    if legend(replay):
        out(legend(replay))
    for start, item in replay.timeline():
        while clock.position() < start:
            sleep(min(REFRESH_S, (start - clock.position()) / clock.speed))
        out(entry_text(item, replay.start, pinyin))


def frames_at(clip, position: float, frames: int) -> np.ndarray | None:
    """The clip's samples from `position` (session seconds) on, or None outside the clip."""
    first = int(round((position - clip.start) * clip.rate))
    if first < 0 or first >= len(clip.samples):
        return None
    return clip.samples[first:first + frames]


class AudioFollower:
    """Plays a visit's clip in step with a clock (silent unless at normal speed)."""

    def __init__(self, clip, clock: Clock):
        sounddevice = sources.portaudio()
        self.clip = clip
        self.clock = clock
        try:
            self.stream = sounddevice.OutputStream(
                samplerate=clip.rate, channels=clip.samples.shape[1], callback=self._fill)
            self.stream.start()
        except (sounddevice.PortAudioError, ValueError) as exc:  # no output device, busy
            raise AudioError(f"cannot play the recording: {exc}") from None

    def _fill(self, outdata, frames, _time, _status) -> None:
        outdata.fill(0)
        if self.clock.paused or abs(self.clock.speed - 1.0) > 1e-6:
            return
        chunk = frames_at(self.clip, self.clock.position(), frames)
        if chunk is not None:
            outdata[:len(chunk)] = chunk

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()


def interactive(replay: VisitReplay, clock: Clock, pinyin: bool = False) -> None:
    """The curses player (`pinyin`: start with the pinyin shown)."""
    curses.wrapper(_run, replay, clock, pinyin)


def _run(screen, replay: VisitReplay, clock: Clock, pinyin: bool) -> None:
    curses.curs_set(0)
    screen.nodelay(True)
    curses.use_default_colors()
    for pair, colour in ((1, curses.COLOR_GREEN), (2, curses.COLOR_RED), (3, curses.COLOR_CYAN)):
        curses.init_pair(pair, colour, -1)
    while True:
        key = screen.getch()
        if key in (ord("q"), 27):
            return
        if key == ord("p"):
            pinyin = not pinyin
        _key(key, replay, clock)
        _draw(screen, replay, clock, pinyin)
        time.sleep(REFRESH_S)


def _key(key: int, replay: VisitReplay, clock: Clock) -> None:
    if key == ord(" "):
        clock.pause()
    elif key == curses.KEY_LEFT:
        clock.seek(max(replay.start, clock.position() - 5))
    elif key == curses.KEY_RIGHT:
        clock.seek(min(replay.end, clock.position() + 5))
    elif key in (ord("+"), ord("=")):
        clock.set_speed(clock.speed * 1.5)
    elif key == ord("-"):
        clock.set_speed(clock.speed / 1.5)
    elif key == ord("n"):
        finding = replay.next_finding(clock.position())
        if finding:
            clock.seek(finding.start)


def _draw(screen, replay: VisitReplay, clock: Clock, pinyin: bool = False) -> None:
    height, width = screen.getmaxyx()
    position = clock.position()
    shown = [item for start, item in replay.timeline() if start <= position]
    screen.erase()
    state = "暂停" if clock.paused else f"x{clock.speed:g}"
    status = (f"{clock_text(position - replay.start)} / "
              f"{clock_text(replay.end - replay.start)} {state}"
              "   空格 暂停  ←/→ 5秒  +/- 速度  n 下一问题  "
              f"p {'隐藏' if pinyin else '显示'}拼音  q 退出")
    screen.addnstr(0, 0, header(replay) + (f"   {legend(replay)}" if legend(replay) else ""),
                   width - 1, curses.A_BOLD)
    screen.addnstr(1, 0, status, width - 1)
    rows = height - 3
    for row, item in enumerate(shown[-rows:] if rows > 0 else []):
        marks = item.marks if isinstance(item, Line) else (item,)
        indent = 4 if isinstance(item, Line) and item.speaker == "customer" else 0
        if any(m.kind == "finding" for m in marks):
            attr = curses.color_pair(2)
        else:
            attr = curses.color_pair(1 if marks else 3 if indent else 0)
        screen.addnstr(row + 3, indent, entry_text(item, replay.start, pinyin),
                       max(1, width - indent - 1), attr)
    screen.refresh()



def play_visit(store, visit_id: str, anonymise=None, speed: float = 1.0, audio: bool = True,
               plain: bool = False, pinyin: bool = False, out: Callable[[str], None] = print,
               warn: Callable[[str], None] = print) -> None:
    """`courtesy replay`: a stored visit in step with its clock, full screen on a terminal
    (else line by line through `out`), its kept recording played along where it can be."""
    visit = replays.load(store, visit_id, anonymise)
    clock = Clock(visit.start, speed=speed)
    follower = None
    if audio:
        try:
            source = replays.recording(store, visit_id)
            part = source and replays.clip(source, visit.start, visit.end,
                                           anonymise.customer if anonymise else "keep")
            follower = part and AudioFollower(part, clock)
        except (AudioError, OSError) as exc:  # no sound device, or a recording gone bad
            warn(f"no audio ({exc}); stepping through the transcript")
    try:
        if plain or not sys.stdout.isatty():
            step(visit, clock, out=out, pinyin=pinyin)
        else:
            interactive(visit, clock, pinyin)
    finally:
        if follower:
            follower.close()
