"""Seeded counter conversations with ground truth, for the matching benchmark.

A session is a day at one sector's window: visits of a few utterances each, staff and
customer taking turns at about four characters a second. A visit may open with a greeting
and close with a farewell or not, customer questions are answered or left hanging, and some
staff lines carry a taboo phrase or another required phrase from the project's lexicons.
What each line really says is decided by exact search of the clean text (exceptions
honoured), so the truth never depends on the matcher under test.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from monitor.lexicon import REQUIRED_KINDS, Lexicon, Phrase
from monitor.normalize import clean_chars
from monitor.records import Utterance

from corpus import (CUSTOMER_QUESTIONS, CUSTOMER_RUDE, CUSTOMER_STATEMENTS, CUSTOMER_THANKS,
                    STAFF_ANSWERS, STAFF_EXCEPTED, STAFF_FILLER)

SECTORS = tuple(STAFF_FILLER)
JUDGED_KINDS = REQUIRED_KINDS + ("taboo",)
GREET_WITHIN_S, FAREWELL_WITHIN_S, ANSWER_WITHIN_S = 20.0, 30.0, 10.0


@dataclass(frozen=True)
class Said:
    """What one line really says: judged kinds and taboo categories, by exact search."""

    kinds: frozenset[str]
    categories: frozenset[str]
    question: bool = False
    thanks: bool = False
    greeting_at: float | None = None  # when the first greeting phrase starts (s)
    farewell_end: float | None = None  # when the last farewell phrase ends (s)


@dataclass
class VisitTruth:
    label: str
    indices: list[int]
    greeted: bool = False
    farewelled: bool = False
    answered: bool = True  # every customer question answered in time
    taboo: bool = False  # some staff line says a taboo phrase


@dataclass
class Conversation:
    sector: str
    utterances: list[Utterance] = field(default_factory=list)
    said: list[Said] = field(default_factory=list)
    visits: list[VisitTruth] = field(default_factory=list)


class ExactSearch:
    """Exact character search of lexicon forms: the truth on clean text, and the baseline.

    With `exceptions` a form inside one of its phrase's exceptions is not counted, and a
    `final` phrase counts only at the end: that is what a line says. Without them it is the
    naive baseline a plain substring search gives.
    """

    def __init__(self, lexicon: Lexicon, kinds: tuple[str, ...], exceptions: bool = True):
        self.phrases = [p for p in lexicon.phrases if p.kind in kinds]
        self.exceptions = exceptions

    def find(self, text: str, clean: bool = True) -> list[Phrase]:
        text = clean_chars(text) if clean else text
        return [p for p in self.phrases if self._says(p, text)]

    def spans(self, text: str, kind: str) -> list[tuple[int, int]]:
        """Where phrases of one kind are said in a line: character offsets [begin, end)."""
        text = clean_chars(text)
        return sorted(span for p in self.phrases if p.kind == kind
                      for span in self._occurrences(p, text))

    def _says(self, phrase: Phrase, text: str) -> bool:
        return next(self._occurrences(phrase, text), None) is not None

    def _occurrences(self, phrase: Phrase, text: str):
        for form in phrase.forms:
            at = text.find(form)
            while at >= 0:
                end = at + len(form)
                if not self.exceptions or (
                        (phrase.position != "final" or end == len(text))
                        and not _inside_exception(phrase, text, at, end)):
                    yield at, end
                at = text.find(form, at + 1)


def _inside_exception(phrase: Phrase, text: str, begin: int, end: int) -> bool:
    for exception in phrase.exceptions:
        at = text.find(exception)
        while at >= 0:
            if at <= begin and end <= at + len(exception):
                return True
            at = text.find(exception, at + 1)
    return False


def clean_pool(lines: list[str], search: ExactSearch) -> tuple[list[str], list[str]]:
    """Split lines into those free of lexicon phrases and those that are not (dropped)."""
    kept, dropped = [], []
    for line in lines:
        (dropped if search.find(line) else kept).append(line)
    return kept, dropped


class Generator:
    """Builds conversations for one lexicon; every random choice comes from one seed."""

    def __init__(self, lexicon: Lexicon, seed: int = 0):
        self.rng = random.Random(seed)
        self.lexicon = lexicon
        self.judged = ExactSearch(lexicon, JUDGED_KINDS)
        self.questions = ExactSearch(lexicon, ("question",))
        self.thanks = ExactSearch(lexicon, ("thanks",))
        everything = ExactSearch(lexicon, JUDGED_KINDS + ("question", "thanks"))
        self.dropped: list[str] = []
        self.staff = {}
        for sector in SECTORS:
            self.staff[sector], dropped = clean_pool(STAFF_FILLER[sector] + STAFF_ANSWERS,
                                                     self.judged)
            self.dropped += dropped
        self.statements, dropped = clean_pool(CUSTOMER_STATEMENTS, everything)
        self.dropped += dropped
        self.asked = [q for q in CUSTOMER_QUESTIONS if self.questions.find(q)
                      and not self.judged.find(q)]
        self.dropped += sorted(set(CUSTOMER_QUESTIONS) - set(self.asked))
        self.excepted = [s for s in STAFF_EXCEPTED if not self.judged.find(s)
                         and ExactSearch(lexicon, ("taboo",), exceptions=False).find(s)]
        self.dropped += sorted(set(STAFF_EXCEPTED) - set(self.excepted))

    def forms(self, kind: str, sector: str) -> list[str]:
        return [f for p in self.lexicon.of_kind(kind)
                if not p.sectors or sector in p.sectors for f in p.forms]

    def sessions(self, visits_per_sector: int) -> list[Conversation]:
        return [self.session(sector, visits_per_sector) for sector in SECTORS]

    def session(self, sector: str, visits: int) -> Conversation:
        conversation = Conversation(sector)
        clock = self.rng.uniform(5, 30)
        for n in range(visits):
            clock = self._visit(conversation, f"{sector}-{n + 1:03d}", clock)
            clock += self.rng.uniform(40, 120)
        return conversation

    def _visit(self, conv: Conversation, label: str, clock: float) -> float:
        rng, sector = self.rng, conv.sector
        first = len(conv.utterances)
        visit = _Turns(conv, label, clock, rng, self)
        greet, farewell = rng.random() < 0.75, rng.random() < 0.75
        taboo_turn = rng.randrange(1, 6) if rng.random() < 0.3 else -1
        if rng.random() < 0.3 or not greet:
            visit.say("customer", rng.choice(self.statements))
        if greet:
            opening = rng.sample(self.forms("greeting", sector), rng.choice((1, 1, 2)))
            visit.say("staff", "，".join(opening))
        for turn in range(1, rng.randint(2, 6) + 1):
            self._exchange(visit, sector, taboo=turn == taboo_turn)
        if farewell:
            closing = [rng.choice(self.forms("farewell", sector))]
            if rng.random() < 0.5:
                closing.insert(0, rng.choice(self.staff[sector]))
            visit.say("staff", "，".join(closing))
        else:
            visit.say("staff", rng.choice(self.staff[sector]))
        if rng.random() < 0.3:
            visit.say("customer", rng.choice(self.statements))
        conv.visits.append(_truth(conv, label, list(range(first, len(conv.utterances)))))
        return visit.clock

    def _exchange(self, visit: "_Turns", sector: str, taboo: bool) -> None:
        rng = self.rng
        kind = rng.choices(("statement", "question", "thanks", "wait", "rude"),
                           (0.45, 0.3, 0.1, 0.1, 0.05))[0]
        if kind == "question":
            visit.say("customer", rng.choice(self.asked))
            if rng.random() < 0.2:  # left hanging: the customer goes on, staff later
                visit.say("customer", rng.choice(self.statements), gap=rng.uniform(1, 3))
                visit.clock = max(visit.clock, visit.asked_end + ANSWER_WITHIN_S + 1)
        elif kind == "thanks":
            visit.say("customer", rng.choice(CUSTOMER_THANKS))
            if rng.random() < 0.7:
                visit.say("staff", rng.choice(self.forms("thanks_reply", sector)))
        elif kind == "wait":
            visit.say("staff", self._staff_line(sector, "waiting"))
            visit.clock += rng.uniform(3, 25)
            if rng.random() < 0.7:
                visit.say("staff", self._staff_line(sector, "apology"))
        elif kind == "rude":
            visit.say("customer", rng.choice(CUSTOMER_RUDE))
        else:
            visit.say("customer", rng.choice(self.statements))
        visit.say("staff", self._taboo_line(sector) if taboo else self._reply(sector))

    def _reply(self, sector: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return rng.choice(self.excepted)
        if roll < 0.3:
            return self._staff_line(sector, rng.choice(("please", "please", "apology")))
        return rng.choice(self.staff[sector])

    def _staff_line(self, sector: str, kind: str) -> str:
        phrase = self.rng.choice(self.forms(kind, sector))
        filler = self.rng.choice(self.staff[sector])
        return "，".join((phrase, filler) if self.rng.random() < 0.6 else (filler, phrase))

    def _taboo_line(self, sector: str) -> str:
        rng = self.rng
        phrase = rng.choice(self.forms("taboo", sector))
        shape = rng.random()
        if shape < 0.3:
            return phrase
        filler = rng.choice(self.staff[sector])
        return "，".join((phrase, filler) if shape < 0.65 else (filler, phrase))


class _Turns:
    """The clock of one visit: each line starts after a short gap and lasts as it is long."""

    def __init__(self, conv: Conversation, label: str, clock: float, rng, gen: Generator):
        self.conv, self.label, self.clock, self.rng, self.gen = conv, label, clock, rng, gen
        self.asked_end = clock
        self.rates = {"staff": rng.uniform(3.6, 4.4), "customer": rng.uniform(3.2, 4.6)}

    def say(self, role: str, text: str, gap: float | None = None) -> None:
        start = self.clock + (gap if gap is not None else self.rng.uniform(0.3, 1.5))
        end = start + max(0.6, len(clean_chars(text)) / self.rates[role])
        self.conv.utterances.append(Utterance(
            start=round(start, 2), end=round(end, 2), role=role, text=text + _stop(text),
            visit=self.label, window=self.conv.sector))
        questions = bool(self.gen.questions.find(text)) and role == "customer"
        if questions:
            self.asked_end = end
        found = self.gen.judged.find(text) if role == "staff" else []
        start, end = self.conv.utterances[-1].start, self.conv.utterances[-1].end  # as rounded
        per_char = (end - start) / max(1, len(clean_chars(text)))
        greetings = self.gen.judged.spans(text, "greeting") if role == "staff" else []
        farewells = self.gen.judged.spans(text, "farewell") if role == "staff" else []
        self.conv.said.append(Said(
            kinds=frozenset(p.kind for p in found),
            categories=frozenset(p.category for p in found if p.kind == "taboo"),
            question=questions,
            thanks=role == "customer" and bool(self.gen.thanks.find(text)),
            greeting_at=start + greetings[0][0] * per_char if greetings else None,
            farewell_end=start + max(e for _, e in farewells) * per_char if farewells else None))
        self.clock = end


def _stop(text: str) -> str:
    return "？" if text.endswith(("吗", "呢")) else "。"


def _truth(conv: Conversation, label: str, indices: list[int]) -> VisitTruth:
    """The three sounds and taboo of one visit, read from what its lines really say."""
    utts, said = conv.utterances, conv.said
    start = min(utts[i].start for i in indices)
    end = max(utts[i].end for i in indices)
    staff = [i for i in indices if utts[i].role == "staff"]
    truth = VisitTruth(label, indices)
    truth.greeted = any(said[i].greeting_at is not None
                        and said[i].greeting_at <= start + GREET_WITHIN_S for i in staff)
    truth.farewelled = any(said[i].farewell_end is not None
                           and said[i].farewell_end >= end - FAREWELL_WITHIN_S for i in staff)
    truth.answered = all(
        any(utts[q].start < utts[j].start <= utts[q].end + ANSWER_WITHIN_S for j in staff)
        for q in indices if said[q].question)
    truth.taboo = any("taboo" in said[i].kinds for i in staff)
    return truth
