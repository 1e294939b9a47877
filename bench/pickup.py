"""One pickup microphone (issue 20): both voices on one channel, for the audio benches.

A counter pickup hears the staff member close by and the customer further away: here the
customer's lines are 3-9 dB quieter (one level per customer), duller (a low-pass near
3.5 kHz) and carry a little room (a short decaying reverb), over one channel of hall
noise. The staff voice is enrolled from sentences no session says (held out), rendered in
the session's staff voice, as `courtesy staff enrol` would take it; or, with `learned`, not
at all. `role_error` is the share of speech time heard with the wrong role, and
`customer_taboo` the taboo findings resting on a customer's line that count against staff
(`customer_taboo_review`: those heard on a role too unsure to count, queued for a person).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

import render
from render import RATE, SPEECH_DBFS, Placed, hall_noise
from voices import NaturalVoice

from monitor import voices as profiles
from monitor.records import Session, Utterance
from monitor.errors import InputError
from monitor.speakers import Voice, features, speech_frames

CUSTOMER_DB = (-9.0, -3.0)  # a customer's level against the staff member's
ENROL_LINES = (  # said by no session: the enrolment is held out from what is judged
    "今天上午的号已经全部发完了，下午两点再来取号。", "您先到自助机上拍一张照片。",
    "这份申请表的背面也要填写完整。", "我把您的信息录入系统，大概需要五分钟。",
    "复印件请按照顺序整理好，我来核对一下。", "您的手机号码是多少，我们会发短信通知您。",
    "这个证件的有效期是十年，到期前三个月可以换领。", "窗口下班时间是下午五点半。",
    "请您核对一下打印出来的信息有没有错误。", "签字的时候请用黑色的笔写正楷。",
    "如果材料不齐，可以先在网上预约补交。", "这边的业务办完了，您可以去三楼领取。",
)
LATENCY_CACHE = Path(__file__).resolve().parent / "out" / "renders"
GAP_S = 0.3  # a customer's line ends this long before the staff line (one VAD segment)


def far(samples: np.ndarray, gain_db: float, seed: int) -> np.ndarray:
    """A voice from across the counter: quieter, duller, with a little room."""
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    duller = np.fft.irfft(spectrum / np.sqrt(1 + (freqs / 3500) ** 2), n=len(samples))
    rng = np.random.default_rng(seed)
    taps = np.arange(round(0.25 * RATE))
    room = rng.standard_normal(len(taps)) * np.exp(-taps / (0.05 * RATE))
    room[:round(0.005 * RATE)] = 0  # the direct sound comes first
    room *= 0.3 / np.sqrt(np.sum(room ** 2))
    wet = np.convolve(duller, room)[:len(duller)]
    return ((duller + wet) * 10 ** (gain_db / 20)).astype(np.float32)


def mix_pickup(lines: list[Placed], gains: list[float], snr_db: float, seed: int,
               tail_s: float = 5.0) -> np.ndarray:
    """One pickup channel: staff lines as said, customer lines `far` at their gain, over
    hall noise at `snr_db` below the staff's speech."""
    end = max(p.start + len(p.samples) / RATE for p in lines) + tail_s
    out = np.zeros(round(end * RATE), np.float32)
    for n, (line, gain) in enumerate(zip(lines, gains)):
        said = line.samples if line.role == "staff" else far(line.samples, gain, seed + n)
        at = round(line.start * RATE)
        out[at:at + len(said)] += said[:len(out) - at]
    out += np.float32(10 ** ((SPEECH_DBFS - snr_db) / 20)) * hall_noise(end, 0, seed)
    peak = float(np.abs(out).max())
    return out / peak * 0.9 if peak > 0.9 else out


def customer_gains(utterances: list[Utterance], seed: int) -> list[float]:
    """One level per customer (visit), 3-9 dB under the staff's; 0 for staff lines."""
    rng = random.Random(seed)
    per_visit: dict[str | None, float] = {}
    return [0.0 if u.role == "staff" else
            per_visit.setdefault(u.visit, rng.uniform(*CUSTOMER_DB)) for u in utterances]


def enrolment(voice) -> Voice:
    """The staff voice's profile from ENROL_LINES said in that voice (about 30 s)."""
    pause = np.zeros(round(0.4 * RATE), np.float32)
    samples = np.concatenate([x for text in ENROL_LINES
                              for x in (render.speech(text, voice), pause)])
    try:
        return profiles.voice_of(samples, f"enrolment of {voice.label()}")
    except InputError as exc:  # espeak's one voice can look like two (docs/benchmarks.md)
        print(f"  {exc}: enrolled without the check")
        return Voice.of(speech_frames(features(samples)))


WHERE = ("whole line", "near a change", "first second", "elsewhere")  # wrong_s by cause


@dataclass
class Roles:
    """Speech time heard with the right and the wrong role, and not heard at all; the wrong
    time by where it lies (WHERE, the first that applies): in a line heard wrong for 80 %
    of its time or more, within 0.5 s of a change of speaker, in a line's first second."""

    speech_s: float = 0.0
    wrong_s: float = 0.0
    unheard_s: float = 0.0
    customer_taboo: int = 0  # taboo findings on a customer's line, counted against staff
    customer_taboo_review: int = 0  # the same on an unsure role: counted nothing, reviewed
    confidences: list = field(default_factory=list)  # (confidence, right) per line heard
    where: dict = field(default_factory=lambda: dict.fromkeys(WHERE, 0.0))

    def add(self, said: list[Utterance], session: Session) -> None:
        heard = [u for u in session.utterances if u.role_confidence is not None]
        step = 0.01
        changes = [b.start for a, b in zip(said, said[1:]) if a.role != b.role] + \
            [a.end for a, b in zip(said, said[1:]) if a.role != b.role]
        for line in said:
            wrong = []
            for t in np.arange(line.start, line.end, step):
                covering = [u.role for u in heard if u.start <= t < u.end]
                self.speech_s += step
                if not covering:
                    self.unheard_s += step
                elif line.role not in covering:
                    self.wrong_s += step
                    wrong.append(t)
            whole = len(wrong) * step >= 0.8 * (line.end - line.start)
            for t in wrong:
                self.where[WHERE[0] if whole else WHERE[1]
                           if any(abs(t - c) <= 0.5 for c in changes) else WHERE[2]
                           if t - line.start < 1.0 else WHERE[3]] += step
        for u in heard:
            truth = _said_at(said, u)
            if truth is not None:
                self.confidences.append((u.role_confidence, u.role == truth))
        wrong = [f for v in session.visits for f in v.findings
                 if f.rule == "taboo" and _said_at(said, f) == "customer"]
        self.customer_taboo += sum(not f.unsure_role for f in wrong)
        self.customer_taboo_review += sum(f.unsure_role for f in wrong)

    def absorb(self, other: "Roles") -> None:
        """Another session's figures added to these."""
        self.speech_s += other.speech_s
        self.wrong_s += other.wrong_s
        self.unheard_s += other.unheard_s
        self.customer_taboo += other.customer_taboo
        self.customer_taboo_review += other.customer_taboo_review
        self.confidences += other.confidences
        for k, v in other.where.items():
            self.where[k] += v

    @property
    def error(self) -> float | None:
        heard = self.speech_s - self.unheard_s
        return self.wrong_s / heard if heard else None

    def as_dict(self) -> dict:
        sure = [right for c, right in self.confidences if c >= 0.8]
        unsure = [right for c, right in self.confidences if c < 0.8]
        return {"speech_s": round(self.speech_s, 1), "wrong_s": round(self.wrong_s, 1),
                "unheard_s": round(self.unheard_s, 1),
                "role_error": None if self.error is None else round(self.error, 4),
                "wrong_where": {k: round(v, 1) for k, v in self.where.items()},
                "customer_taboo": self.customer_taboo,
                "customer_taboo_review": self.customer_taboo_review,
                "lines_sure": len(sure), "right_when_sure": _share(sure),
                "lines_unsure": len(unsure), "right_when_unsure": _share(unsure)}


def _share(values: list) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _said_at(said: list[Utterance], span) -> str | None:
    """The role of the said line overlapping `span` most."""
    best = max(said, key=lambda u: min(u.end, span.end) - max(u.start, span.start))
    return best.role if min(best.end, span.end) > max(best.start, span.start) else None


# -- latency: a staff taboo on a mixed channel ---------------------------------------------

@dataclass(frozen=True)
class PickupRender:
    path: Path
    staff: Voice  # enrolled from the lines held out of this render
    truths: tuple  # renders.Truth of each staff taboo
    customer_spans: tuple  # (start, end) of each customer line
    customer_taboos: tuple = ()  # renders.Truth of each taboo a customer says


LATENCY_CASES = ("customer first", "customer's taboo after")
AFTER_GAPS_S = (0.05, 0.1, 0.15)  # the staff's last word to the customer's taboo (one
# speech segment: under the voice detector's hangover)
CUSTOMER_GOES_ON = "我都等了半天了"  # said after the taboo in every other stretch


class _Tape:
    """Pieces of speech laid one after another, each followed by its gap."""

    def __init__(self, lead_s: float):
        self.audio, self.at = [np.zeros(round(lead_s * RATE), np.float32)], lead_s

    def say(self, piece: np.ndarray, gap_s: float) -> tuple[float, float]:
        span = (self.at, self.at + len(piece) / RATE)
        self.audio += [piece, np.zeros(round(gap_s * RATE), np.float32)]
        self.at += (len(piece) + round(gap_s * RATE)) / RATE
        return span


def latency_renders(speakers: int = 7, case: str = LATENCY_CASES[0]) -> list[PickupRender]:
    """Per natural voice of renders.NATURAL as staff: its first half of renders.LINES held
    out for enrolment (about 25 s), its second half said in one of two ways, so that a
    change of speaker falls inside one speech segment; cached. "customer first": each line
    after a customer's line (another voice's sentence from the held-out half, `far`, 3-9 dB
    down) that ends GAP_S before it. "customer's taboo after": each line followed at once
    (`AFTER_GAPS_S`) by that voice's taboo from a held-out line, `far` as before, alone or
    going on (`CUSTOMER_GOES_ON`), after an opening line of that voice: a customer's 你烦不烦
    told the staff's with the staff's run was red until the final result (issue 20)."""
    from renders import LINES, NATURAL

    held, judged = LINES[:len(LINES) // 2], LINES[len(LINES) // 2:]
    out = []
    for n, (name, speed) in enumerate(NATURAL[:speakers]):
        staff = NaturalVoice(name, speed)
        other = NaturalVoice(*NATURAL[(n + 1) % speakers])
        pause = np.zeros(round(0.4 * RATE), np.float32)
        enrolled = profiles.voice_of(np.concatenate(
            [x for line in held for text in line for x in (render.speech(text, staff), pause)]),
            f"enrolment of {staff.label()}")
        # the customer's voice is named: it depends on `speakers`
        kind = "" if case == LATENCY_CASES[0] else "after_"
        path = LATENCY_CACHE / f"pickup_{kind}{name}_{speed:g}_{other.name}.wav"
        meta = path.with_suffix(".json")
        if not path.exists() or not meta.exists():
            said = _customer_first if case == LATENCY_CASES[0] else _taboo_after
            tape, layout = said(staff, other, held, judged, n)
            mixed = np.concatenate(tape.audio)
            mixed += np.float32(10 ** ((SPEECH_DBFS - 25) / 20)) * hall_noise(
                len(mixed) / RATE, 0, n)[:len(mixed)]
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, mixed, RATE)
            meta.write_text(json.dumps(layout, ensure_ascii=False), encoding="utf-8")
        data = json.loads(meta.read_text(encoding="utf-8"))
        out.append(PickupRender(path, enrolled, _truths(data["truths"]),
                                tuple(tuple(s) for s in data["customers"]),
                                _truths(data.get("customer_taboos", ()))))
    return out


def _truths(listed) -> tuple:
    from renders import Truth

    return tuple(Truth(**t) for t in listed)


def _staff_line(tape: _Tape, line: tuple[str, str, str], staff, last_gap_s: float) -> dict:
    """A staff line with a taboo in its middle, said in pieces (renders.GAP_S apart, one
    utterance); the taboo's truth."""
    from renders import GAP_S as PIECE_GAP_S

    spans = [tape.say(render.speech(text, staff), PIECE_GAP_S if i < 2 else last_gap_s)
             for i, text in enumerate(line)]
    return {"phrase": line[1], "start": spans[1][0], "end": spans[1][1]}


def _customer_first(staff, other, held, judged, n: int) -> tuple[_Tape, dict]:
    from renders import PAUSE_S

    tape, truths, spans = _Tape(PAUSE_S), [], []
    for k, line in enumerate(judged):
        spans.append(tape.say(far(render.speech(held[k % len(held)][2], other),
                                  CUSTOMER_DB[0] + 3.0 * (k % 3), k), GAP_S))
        truths.append(_staff_line(tape, line, staff, PAUSE_S))
    return tape, {"truths": truths, "customers": spans}


def _taboo_after(staff, other, held, judged, n: int) -> tuple[_Tape, dict]:
    from renders import GAP_S as PIECE_GAP_S, PAUSE_S

    tape, truths, taboos = _Tape(PAUSE_S), [], []
    # the visit opens with the customer's words, a segment of their own: with no other
    # voice heard at all (the day's first words), a staff taboo waits for its segment's end
    # unless the embedding tells it (a class of its own, docs/benchmarks.md)
    spans = [tape.say(far(render.speech(held[-1][2], other), CUSTOMER_DB[0], len(judged)),
                      PAUSE_S)]
    for k, line in enumerate(judged):
        truths.append(_staff_line(tape, line, staff, AFTER_GAPS_S[(k + n) % len(AFTER_GAPS_S)]))
        gain = CUSTOMER_DB[0] + 3.0 * (k % 3)
        phrase = held[k % len(held)][1]
        goes_on = (k + n) % 2 == 1
        taboo = tape.say(far(render.speech(phrase, other), gain, k),
                         PIECE_GAP_S if goes_on else PAUSE_S)
        taboos.append({"phrase": phrase, "start": taboo[0], "end": taboo[1]})
        end = tape.say(far(render.speech(CUSTOMER_GOES_ON, other), gain, k),
                       PAUSE_S)[1] if goes_on else taboo[1]
        spans.append((taboo[0], end))
    return tape, {"truths": truths, "customers": spans, "customer_taboos": taboos}
