"""Staff lines with a critical taboo in the middle, spoken by natural (Kokoro) or espeak-ng
voices, with the taboo's true place in the audio known (each piece rendered alone, then
joined).

The bundled samples are one voice and a handful of phrases; these renders give the latency
benchmark other voices and taboo phrases inside longer sentences. Renders are cached in
bench/out/renders (git-ignored).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

import render
from voices import NAMES, NaturalVoice

RATE = 16000
CACHE = Path(__file__).resolve().parent / "out" / "renders"
VOICES = tuple((voice, speed) for voice in ("cmn-latn-pinyin+f2", "cmn-latn-pinyin+m3",
                                             "cmn-latn-pinyin+m7", "cmn-latn-pinyin")
               for speed in (130, 175)) + tuple(
    (f"cmn-latn-pinyin+{variant}", 150) for variant in ("f1", "f4", "m2", "m5"))
# (espeak voice, words a minute); the recogniser hears only about one taboo in five of
# espeak's Mandarin, so many voices give the latency figure enough reds
NATURAL = tuple((name, (0.9, 1.15)[n % 2]) for n, name in enumerate(NAMES))
# (Kokoro voice, pace): each of the seven once, slower and faster in turn
GAP_S = 0.05  # between the pieces of one line (less than the VAD's hangover: one utterance)
PAUSE_S = 2.0  # between lines
# (before, taboo, after): the taboo in the middle of an ordinary staff sentence
LINES = (
    ("您好 这个表格您先看一下", "你烦不烦", "后面还有很多人在排队等着呢"),
    ("材料我刚才已经说了一遍", "你有完没完", "把身份证和户口本都拿过来"),
    ("这个业务今天办不了", "你去投诉好了", "我们这里就是这样规定的"),
    ("我这边系统正在更新", "急什么", "您在旁边的椅子上坐一会儿"),
    ("您这个申请表填得不对", "你不要再讲了", "先去三号窗口拿一张新的表"),
    ("这个问题刚才已经回答过", "你聋了吗", "说了要先在网上预约才行"),
    ("您的材料还差一份证明", "你怎么这么烦啊", "明天带齐了再来办理"),
    ("我现在手上有三个人的业务", "没看我正忙着吗", "请您到后面等一下"),
    ("复印件要盖章才有效", "不要啰嗦", "按照这个单子上写的准备"),
    ("您的号已经过了", "神经病", "重新取一个号排队吧"),
)


@dataclass(frozen=True)
class Truth:
    """Where a taboo phrase really is in a render (seconds from its start)."""

    phrase: str
    start: float
    end: float


@dataclass(frozen=True)
class Render:
    path: Path
    voice: str
    speed: float
    truths: tuple[Truth, ...]


def _speak(text: str, voice: str, speed: int) -> np.ndarray:
    import soxr

    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw.name, text],
                       check=True, capture_output=True)
        samples, rate = sf.read(raw.name, dtype="float32")
    samples = soxr.resample(samples, rate, RATE).astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 0.01)  # espeak's own silence before and after
    return samples[loud[0]:loud[-1] + 1] if len(loud) else samples


def renders(kind: str = "natural") -> list[Render]:
    """One file per voice of `kind` (render.VOICE_KINDS): every line, a pause between lines;
    cached."""
    if kind == "espeak" and shutil.which("espeak-ng") is None:
        return []
    out = []
    for voice, speed in (NATURAL if kind == "natural" else VOICES):
        path = CACHE / f"taboo_{voice.replace('+', '_')}_{speed:g}.wav"
        meta = path.with_suffix(".json")
        if not path.exists() or not meta.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            audio, truths = [np.zeros(round(PAUSE_S * RATE), np.float32)], []
            at = PAUSE_S
            for before, taboo, after in LINES:
                for n, text in enumerate((before, taboo, after)):
                    piece = (render.speech(text, NaturalVoice(voice, speed))
                             if kind == "natural" else _speak(text, voice, speed))
                    if n == 1:
                        truths.append({"phrase": taboo, "start": at,
                                       "end": at + len(piece) / RATE})
                    gap = GAP_S if n < 2 else PAUSE_S
                    audio += [piece, np.zeros(round(gap * RATE), np.float32)]
                    at += (len(piece) + round(gap * RATE)) / RATE
            sf.write(path, np.concatenate(audio), RATE)
            meta.write_text(json.dumps(truths, ensure_ascii=False), encoding="utf-8")
        truths = tuple(Truth(**t) for t in json.loads(meta.read_text(encoding="utf-8")))
        out.append(Render(path, voice, speed, truths))
    return out
