"""Verdicts from audio against verdicts from text, on rendered counter sessions (issue 9).

Generated conversations of the five sectors (conversations.Generator) get what halls do
(a long wait after 请稍等, silence while a form is filled, gaps between customers), are
rendered to two-channel audio (render.py: staff and customer in different voices, natural
or espeak, hall
noise at two levels, cross-talk bleed) with every line placed where its audio really is,
and are judged twice by the same profile: from the text with the transcript's visits,
and from the audio with visits inferred. The text's judgement is the reference. With
`live`, the session is also judged live, as a running monitor cuts and judges it, against
the text and the file scored whole: the lines heard played through a live session one at a
time (`played`), or the pickup heard again as `listen` hears it (`listened`).
"""
from __future__ import annotations

import hashlib
import random
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from conversations import SECTORS, Conversation, Generator
from render import CACHE, RENDER_VERSION, Mix, Placed, Voice, mix_session, random_voice, speech
from render import RATE, write_wav
import pickup
from heard import Heard

from monitor import lexicon as lexicons
from monitor.audio import Transcriber, score_file, transcribe
from monitor.live import LiveSession, play
from monitor.speakers import SpeakerOptions
from monitor.sources import SAMPLE_RATE, read_file
from monitor.staffvoice import StaffLearner
from monitor.pipeline import Scorer
from monitor.records import Session, Utterance, Visit
from monitor.storage import Store

NOISE_LEVELS = (25.0, 12.0)  # SNR in dB, alternating by session
WAIT_S, FORM_S, MIN_VISIT_GAP_S = (40.0, 120.0), (10.0, 25.0), 30.0
MIN_TURN_GAP_S = 0.3
BOUNDARY_S, TABOO_WITHIN_S, QUESTION_WITHIN_S = 5.0, 2.0, 1.0


@dataclass
class BenchOptions:
    """What is rendered: sessions x visits, from one seed."""

    sessions: int = 10  # rotating through the five sectors
    visits: int = 4  # visits per session
    seed: int = 11
    form_fill: float = 0.5  # share of visits with a silence while a form is filled
    waits: float = 0.4  # share of visits without one where staff are made to announce a wait
    voices: str = "natural"  # render.VOICE_KINDS: natural (Kokoro) or espeak (the hard case)
    mono: bool = False  # both voices on one pickup channel (pickup.py), scored as mixed
    learned: bool = False  # mono: no enrolled staff voice, learned from the session
    learning: str = "day"  # learned: how (LEARNING)
    only: tuple[str, ...] = ()  # judge only these sessions (names or s01-style prefixes)
    heard: str | None = None  # a folder of recogniser output: replayed if kept, else kept
    live: str = ""  # also judged live: "lines" (those heard, played one at a time) or
    # "listen" (mono: the pickup heard again as `listen` hears it, partial results and all)
    speakers: dict = field(default_factory=dict)  # SpeakerOptions fields set otherwise


@dataclass
class Rendered:
    """One rendered session: its audio file and the lines as they are in that audio."""

    name: str
    sector: str
    snr_db: float
    path: Path
    utterances: list[Utterance]
    staff_voice: Voice
    cached: bool
    pickup: Path | None = None  # mono: the same session on one pickup channel


def build(options: BenchOptions, log=print) -> list[Rendered]:
    """Render (or find in the cache) every session of the benchmark (`only`: those it
    judges; the others are drawn all the same, so a session is the same either way)."""
    generator = Generator(lexicons.load(), options.seed)
    rng = random.Random(options.seed)
    out = []
    for n in range(options.sessions):
        sector = SECTORS[n % len(SECTORS)]
        conversation = generator.session(sector, options.visits)
        announce_waits(conversation, generator, rng, options.waits)
        snr = NOISE_LEVELS[n % len(NOISE_LEVELS)]
        name = f"s{n + 1:02d}-{sector}"
        if options.only and not any(name.startswith(o) for o in options.only):
            _voices(conversation, rng, options)
            continue
        began = time.perf_counter()
        rendered = render_session(name, conversation, snr, rng, options,
                                  seed=options.seed * 1000 + n)
        log(f"  {rendered.name}: {len(rendered.utterances)} lines, "
            f"{rendered.utterances[-1].end / 60:.1f} min, SNR {snr:g} dB, "
            f"{'cached' if rendered.cached else 'rendered'} in "
            f"{time.perf_counter() - began:.1f} s")
        out.append(rendered)
    return out


def _voices(conv: Conversation, rng: random.Random, options: BenchOptions):
    """Who speaks (the staff voice, each visit's customer) and the hall's silences: every
    draw a session takes from `rng`, rendered or not."""
    staff_voice = random_voice(rng, kind=options.voices)
    customers = {v.label: random_voice(rng, avoid=staff_voice.speaker, kind=options.voices)
                 for v in conv.visits}
    return staff_voice, customers, hall_gaps(conv, rng, options.form_fill)


def render_session(name: str, conv: Conversation, snr: float, rng: random.Random,
                   options: BenchOptions, seed: int) -> Rendered:
    staff_voice, customers, gaps = _voices(conv, rng, options)
    placed, utterances = [], []
    shift = added = 0.0
    previous_end = 0.0
    for i, (u, extra) in enumerate(zip(conv.utterances, gaps)):
        voice = staff_voice if u.role == "staff" else customers[u.visit]
        samples = speech(u.text, voice)
        added += extra
        planned = u.start + added + shift
        start = max(planned, previous_end + MIN_TURN_GAP_S) if i else planned
        shift += start - planned
        end = start + len(samples) / RATE
        previous_end = end
        placed.append(Placed(u.role, start, samples))
        utterances.append(Utterance(start=round(start, 3), end=round(end, 3), role=u.role,
                                    text=u.text, visit=u.visit, window=conv.sector))
    mix = Mix(snr_db=snr, seed=seed)
    key = hashlib.sha256(repr((RENDER_VERSION, mix, [
        (p.role, round(p.start, 3), u.text, staff_voice if u.role == "staff"
         else customers[u.visit]) for p, u in zip(placed, conv.utterances)])).encode()
    ).hexdigest()[:20]
    path = CACHE / "sessions" / f"{name}-{key}.wav"
    cached = path.exists()
    if not cached:
        write_wav(path, mix_session(placed, mix))
    one = CACHE / "sessions" / f"{name}-{key}-pickup.wav" if options.mono else None
    if one is not None and not one.exists():
        write_wav(one, pickup.mix_pickup(placed, pickup.customer_gains(utterances, seed), snr,
                                         seed))
    return Rendered(name, conv.sector, snr, path, utterances, staff_voice, cached, one)


def announce_waits(conv: Conversation, generator: Generator, rng: random.Random,
                   share: float) -> None:
    """In `share` of the visits that have none, one plain staff reply between the first and
    the last staff line becomes a wait announced (请稍等...): halls wait often, the
    generator's conversations seldom."""
    for truth in conv.visits:
        staff = [i for i in truth.indices if conv.utterances[i].role == "staff"]
        if any("waiting" in conv.said[i].kinds for i in staff) or rng.random() >= share:
            continue
        plain = [i for i in staff[1:-1] if not conv.said[i].kinds]
        if not plain:
            continue
        i = rng.choice(plain)
        text = "，".join((rng.choice(generator.forms("waiting", conv.sector)),
                         rng.choice(generator.staff[conv.sector])))
        conv.utterances[i] = replace(conv.utterances[i], text=text + "。")
        conv.said[i] = replace(conv.said[i], kinds=frozenset(
            p.kind for p in generator.judged.find(text)))


def hall_gaps(conv: Conversation, rng: random.Random, form_fill: float) -> list[float]:
    """Silence to add before each line: a wait of 40-120 s after staff ask the customer to
    wait, 10-25 s while a form is filled in some visits, at least 30 s between customers."""
    utts = conv.utterances
    extra = [0.0] * len(utts)
    for i in range(1, len(utts)):
        gap = utts[i].start - utts[i - 1].end
        same_visit = utts[i].visit == utts[i - 1].visit
        if same_visit and utts[i - 1].role == "staff" and "waiting" in conv.said[i - 1].kinds:
            extra[i] = rng.uniform(*WAIT_S) - gap
        elif not same_visit and gap < MIN_VISIT_GAP_S:
            extra[i] = MIN_VISIT_GAP_S + rng.uniform(1, 10) - gap
    for truth in conv.visits:
        inside = [i for i in truth.indices[1:] if utts[i - 1].role == "staff"
                  and extra[i] == 0 and utts[i - 1].visit == utts[i].visit]
        if inside and rng.random() < form_fill:
            i = rng.choice(inside)
            extra[i] = rng.uniform(*FORM_S) - (utts[i].start - utts[i - 1].end)
    return [max(0.0, e) for e in extra]


# -- comparison ---------------------------------------------------------------------------

@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: bool, found: bool) -> None:
        self.tp += truth and found
        self.fp += found and not truth
        self.fn += truth and not found

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _round(self.precision), "recall": _round(self.recall)}


AGREEMENTS = ("greeted", "farewelled", "answered", "three_sounds", "please", "wait_apology",
              "taboo", "verdict")


@dataclass
class Figures:
    """Audio against text for a group of sessions."""

    sessions: int = 0
    same_visit_count: int = 0
    text_visits: int = 0
    audio_visits: int = 0
    matched: int = 0
    boundary_ok: int = 0
    agree: dict = field(default_factory=lambda: {k: 0 for k in AGREEMENTS})
    score_error: float = 0.0
    questions: Tally = field(default_factory=Tally)
    taboo_findings: Tally = field(default_factory=Tally)
    taboo_visits: Tally = field(default_factory=Tally)
    roles: pickup.Roles = field(default_factory=pickup.Roles)  # mono: roles by voice

    def as_dict(self) -> dict:
        m = self.matched or None
        return {"pickup": self.roles.as_dict(),
            "sessions": self.sessions, "text_visits": self.text_visits,
            "audio_visits": self.audio_visits,
            "same_visit_count": _share(self.same_visit_count, self.sessions),
            "visits_matched": _share(self.matched, self.text_visits),
            "boundary_within_5s": _share(self.boundary_ok, self.text_visits),
            "agreement": {k: _share(v, m) for k, v in self.agree.items()},
            "score_mae": _round(self.score_error / m if m else None),
            "questions": self.questions.as_dict(),
            "taboo_findings": self.taboo_findings.as_dict(),
            "taboo_visits": self.taboo_visits.as_dict(),
        }


def facts(visit: Visit) -> dict:
    """What a visit's judgement says, in the terms text and audio are compared by."""
    rules = {f.rule for f in visit.findings}
    return {"start": round(visit.start, 2), "end": round(visit.end, 2),
            "greeted": visit.greeted, "farewelled": visit.farewelled,
            "answered": visit.unanswered == 0, "questions": visit.questions,
            "please": "please" in rules, "wait_apology": "wait_apology" in rules,
            "taboo": "taboo" in rules, "verdict": visit.verdict, "score": visit.score,
            "findings": [f"{f.rule}@{f.start:.0f} {f.text}" for f in visit.findings]}


def compare(name: str, snr: float, text: Session, audio: Session,
            groups: list[Figures]) -> list[dict]:
    """Add one session's comparison to each figure group; return its per-visit rows."""
    pairs = _pair(text.visits, audio.visits,
                  lambda a, b: min(a.end, b.end) - max(a.start, b.start))
    rows = []
    for figures in groups:
        figures.sessions += 1
        figures.same_visit_count += len(text.visits) == len(audio.visits)
        figures.text_visits += len(text.visits)
        figures.audio_visits += len(audio.visits)
    for t in text.visits:
        a = pairs.get(t.id)
        ft = facts(t)
        fa = facts(a) if a else None
        row = {"session": name, "snr_db": snr, "visit": t.id.split("-", 1)[1],
               "text": ft, "audio": fa, "audio_visit": a.id if a else None}
        for figures in groups:
            figures.taboo_visits.add(ft["taboo"], bool(fa and fa["taboo"]))
        if a is None:
            rows.append(row)
            continue
        row["boundary_ok"] = (abs(ft["start"] - fa["start"]) <= BOUNDARY_S
                              and abs(ft["end"] - fa["end"]) <= BOUNDARY_S)
        agree = {k: ft[k] == fa[k] for k in AGREEMENTS if k != "three_sounds"}
        agree["three_sounds"] = agree["greeted"] and agree["farewelled"] and agree["answered"]
        row["agree"] = agree
        for figures in groups:
            figures.matched += 1
            figures.boundary_ok += row["boundary_ok"]
            figures.score_error += abs(ft["score"] - fa["score"])
            for k, same in agree.items():
                figures.agree[k] += same
        rows.append(row)
    matched_audio = {a.id for a in pairs.values()}
    for a in audio.visits:
        if a.id not in matched_audio:
            for figures in groups:
                figures.taboo_visits.add(False, any(f.rule == "taboo" for f in a.findings))
            rows.append({"session": name, "snr_db": snr, "visit": None, "text": None,
                         "audio": facts(a), "audio_visit": a.id})
    text_q, audio_q = _questions(text), _questions(audio)
    found_q = _pair(text_q, audio_q, lambda a, b: min(a.end, b.end) - max(a.start, b.start)
                    + QUESTION_WITHIN_S, key=id)
    taboo_t, taboo_a = _taboo(text), _taboo(audio)
    found_t = _pair(taboo_t, taboo_a, lambda a, b: min(a.end, b.end) - max(a.start, b.start)
                    + TABOO_WITHIN_S, key=id)
    for figures in groups:
        _count(figures.questions, len(text_q), len(audio_q), len(found_q))
        _count(figures.taboo_findings, len(taboo_t), len(taboo_a), len(found_t))
    return rows


def _questions(session: Session) -> list[Utterance]:
    """Customer lines a rule counts as questions (rules.questions: a question cue heard)."""
    asked = {h.utterance for v in session.visits for h in v.hits if h.kind == "question"}
    return [session.utterances[i] for i in sorted(asked)
            if session.utterances[i].role == "customer"]


def _taboo(session: Session) -> list:
    return [f for v in session.visits for f in v.findings if f.rule == "taboo"]


def _pair(left, right, closeness, key=lambda x: x.id) -> dict:
    """One-to-one pairs, closest first, of items whose closeness is above zero."""
    candidates = sorted(((closeness(a, b), n, m) for n, a in enumerate(left)
                         for m, b in enumerate(right)), key=lambda c: -c[0])
    used_left, used_right, out = set(), set(), {}
    for score, n, m in candidates:
        if score <= 0:
            break
        if n in used_left or m in used_right:
            continue
        used_left.add(n)
        used_right.add(m)
        out[key(left[n])] = right[m]
    return out


def _count(tally: Tally, truth: int, found: int, both: int) -> None:
    tally.tp += both
    tally.fn += truth - both
    tally.fp += found - both


def run(options: BenchOptions, engine, log=print) -> tuple[dict[str, Figures], list[dict],
                                                          list[dict]]:
    """Render, judge from text and from audio, compare. Figures by noise level and overall,
    per-visit rows, and per session what was said and what was heard."""
    log(f"rendering {options.sessions} sessions x {options.visits} visits, {options.voices} voices "
        f"(cache {CACHE})")
    rendered = build(options, log)
    figures = {"all": Figures(), **{f"snr{s:g}": Figures() for s in NOISE_LEVELS}}
    if options.live:  # the live path against the text, and against the file scored whole
        figures |= {"live": Figures(), "live/file": Figures()}
    rows, sessions = [], []
    scorers = {}
    for n, r in enumerate(rendered, 1):
        if r.sector not in scorers:
            scorers[r.sector] = Scorer.load(r.sector)
        scorer = scorers[r.sector]
        text = scorer.score(r.utterances, window=r.sector)
        began, began_cpu = time.perf_counter(), time.process_time()
        heard = (Heard.of(engine, options.heard, r.pickup if options.mono else r.path)
                 if options.heard else engine)
        audio = (_score_pickup(scorer, r, heard, options) if options.mono
                 else score_file(scorer, r.path, heard, window=r.sector))
        if options.heard:
            heard.finish()
        log(f"  [{n}/{len(rendered)}] {r.name}: {len(text.visits)} visits in text, "
            f"{len(audio.visits)} from audio, transcribed in "
            f"{time.perf_counter() - began:.1f} s ({time.process_time() - began_cpu:.1f} s CPU)")
        rows += compare(r.name, r.snr_db, text, audio, [figures["all"],
                                                        figures[f"snr{r.snr_db:g}"]])
        if options.live == "listen":
            ear = (Heard.of(engine, options.heard, r.pickup, "-listen") if options.heard
                   else engine)
            live, misplaced, moved = listened(scorer, r, ear, options)
            if options.heard:
                ear.finish()
        elif options.live:
            live, misplaced, moved = played(scorer, audio)
        if options.live:
            rows += [{**row, "live": True} for row in compare(
                r.name, r.snr_db, text, live, [figures["live"]])]
            compare(r.name, r.snr_db, audio, live, [figures["live/file"]])
            log(f"    live: {len(live.visits)} visits, verdicts "
                f"{' '.join(v.verdict for v in live.visits)} (whole file: "
                f"{' '.join(v.verdict for v in audio.visits)}); opened with lines moved: "
                f"{moved}; lines stored in another visit than judged in, or in none: "
                f"{misplaced}")
        roles = pickup.Roles()
        if options.mono:
            roles.add(r.utterances, audio)
            log(f"    role error {100 * (roles.error or 0):.2f} %, customer taboo on staff "
                f"{roles.customer_taboo} (on an unsure role, reviewed: "
                f"{roles.customer_taboo_review})")
            for group in (figures["all"], figures[f"snr{r.snr_db:g}"]):
                group.roles.absorb(roles)
        sessions.append({"roles": roles.as_dict() if options.mono else None,
            "session": r.name, "sector": r.sector, "snr_db": r.snr_db, "audio": str(r.path),
            "staff_voice": r.staff_voice.label(),
            "said": [[u.start, u.end, u.role, u.visit, u.text] for u in r.utterances],
            "heard": [[u.start, u.end, u.role, u.pinyin,
                       [f"{h.kind}:{h.phrase}" for h in u.spotted], u.role_confidence]
                      for u in audio.utterances]})
    return figures, rows, sessions


def played(scorer: Scorer, heard: Session) -> tuple[Session, int, int]:
    """The lines heard of a recording played through a live session one at a time on a
    simulated clock, as a running monitor gets them when each ends (`live.play`: speech
    starting, ticks): see `_live`."""
    return _live(scorer, heard.window, lambda live: play(live, heard.utterances))


def listened(scorer: Scorer, r: Rendered, engine, options: BenchOptions
             ) -> tuple[Session, int, int]:
    """The pickup heard as `listen` hears it (monitor/listen.py, `Monitor.step`): chunk by
    chunk through a `Transcriber` giving speech starts and partial results, the enrolled
    staff voice, the live session ticking every second of the recording's time: see
    `_live`."""
    def hear(live: LiveSession):
        transcriber = Transcriber(engine, on_speech=lambda role, at: live.speech_started(at),
                                  partials=True, voice=pickup.enrolment(r.staff_voice),
                                  speaker_options=SpeakerOptions(**options.speakers))
        tick = now = 0.0
        for chunk in read_file(r.pickup, ("mixed",)):
            for utterance in transcriber.feed(chunk):
                yield from live.feed(utterance)
            now = chunk.start + len(chunk.samples) / SAMPLE_RATE
            if now >= tick:
                tick = now + 1.0
                yield from live.tick(now)
        for utterance in transcriber.flush():
            yield from live.feed(utterance)
        yield from live.flush(now)
    return _live(scorer, r.sector, hear)


def _live(scorer: Scorer, window: str, heard) -> tuple[Session, int, int]:
    """A live session in a scratch database fed by `heard(session)` (its updates): the
    session it judged, how many lines the database holds in another visit than the one they
    were judged in (or in none), and how many visits opened with final lines moved from the
    visit before (one pickup's first words)."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "live.db")
        live = LiveSession(scorer, store, window=window, resume=False)
        moved = sum(u.state == "open" and sum(i < len(live.session.utterances)
                                              for i in u.visit.utterances) > 1
                    for u in heard(live))
        judged = {i: v.id for v in live.session.visits for i in v.utterances}
        stored = {u.idx: u.visit for u in store.session_utterances(live.session.id)}
        store.db.close()
    misplaced = sum(stored.get(i) != judged.get(i) for i in range(len(live.session.utterances)))
    return live.session, misplaced, moved


# how a staff voice nobody enrolled is learned: as `courtesy score` does (the voice in every
# visit of the whole recording, first), as `listen` does (that voice found as the day goes),
# or by the speaker tracker alone (from the greeting's words, then its own sure decisions)
LEARNING = ("day", "live", "tracker")


def _score_pickup(scorer, r: Rendered, engine, options: BenchOptions) -> Session:
    """The session's pickup channel scored as mixed, with the staff voice enrolled from
    held-out sentences (or, `learned`, none: learned as `options.learning` says)."""
    speakers = SpeakerOptions(**options.speakers)
    if not options.learned or options.learning == "day":
        voice = None if options.learned else pickup.enrolment(r.staff_voice)
        return score_file(scorer, r.pickup, engine, ("mixed",), voice=voice,
                          learned=options.learned, speaker_options=speakers, window=r.sector)
    learner = StaffLearner() if options.learning == "live" else None
    heard = transcribe(read_file(r.pickup, ("mixed",)),
                       Transcriber(engine, learner=learner, speaker_options=speakers))
    return scorer.score(heard, window=r.sector)


def table(figures: dict[str, Figures]) -> str:
    names = list(figures)
    data = {n: f.as_dict() for n, f in figures.items()}
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label, cell):
        lines.append(f"| {label} | " + " | ".join(cell(data[n]) for n in names) + " |")

    row("sessions / visits in text / from audio",
        lambda d: f"{d['sessions']} / {d['text_visits']} / {d['audio_visits']}")
    row("sessions with the text's visit count %", lambda d: _pct(d["same_visit_count"]))
    row("visits matched %", lambda d: _pct(d["visits_matched"]))
    row(f"boundaries within {BOUNDARY_S:g} s %", lambda d: _pct(d["boundary_within_5s"]))
    for k in AGREEMENTS:
        row(f"{k} agreement % (matched)", lambda d, k=k: _pct(d["agreement"][k]))
    row("score MAE (matched)", lambda d: "-" if d["score_mae"] is None else f"{d['score_mae']:.1f}")
    for key, label in (("questions", "questions (customer lines)"),
                       ("taboo_findings", f"taboo findings (within {TABOO_WITHIN_S:g} s)"),
                       ("taboo_visits", "taboo visits")):
        row(f"{label} P / R (n)", lambda d, key=key: (
            f"{_pct(d[key]['precision'])} / {_pct(d[key]['recall'])} "
            f"({d[key]['tp'] + d[key]['fn']})"))
    if any(d["pickup"]["speech_s"] for d in data.values()):
        row("pickup: role error % of speech heard", lambda d: _pct(d["pickup"]["role_error"]))
        row("pickup: speech s / not heard s", lambda d: (
            f"{d['pickup']['speech_s']:.0f} / {d['pickup']['unheard_s']:.0f}"))
        row("pickup: wrong s: " + " / ".join(pickup.WHERE), lambda d: " / ".join(
            f"{v:.1f}" for v in d["pickup"]["wrong_where"].values()))
        row("pickup: taboo findings on a customer's line: counted / on an unsure role",
            lambda d: f"{d['pickup']['customer_taboo']} / {d['pickup']['customer_taboo_review']}")
        row("pickup: lines sure (≥0.8) / right %", lambda d: (
            f"{d['pickup']['lines_sure']} / {_pct(d['pickup']['right_when_sure'])}"))
        row("pickup: lines unsure / right %", lambda d: (
            f"{d['pickup']['lines_unsure']} / {_pct(d['pickup']['right_when_unsure'])}"))
    return "\n".join(lines)


def _share(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"
