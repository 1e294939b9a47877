"""The courtesy engine: utterances in, scored visits out.

normalise -> match -> visits -> rules -> score. The Scorer holds what is costly to build
(the matcher's index) so one instance serves a whole day of live scoring.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from . import lexicon as lexicons
from . import conditions, profiles, rulechanges, rules, transcript, visits
from .lexicon import Lexicon
from .matching import PARTICLES, Matcher
from .normalize import NormText, heard
from .records import LexiconChange, PhraseHit, RuleChange, Session, Utterance, Visit


class Scorer:
    """Scores conversations against one profile."""

    def __init__(self, profile: profiles.Profile, lexicon: lexicons.Lexicon,
                 lexicon_version: int = 0):
        """`lexicon`: the shipped files with a hall's changes up to `lexicon_version`
        (lexicon.hall_lexicon), which each session it scores records."""
        self.profile = profile
        self.lexicon_version = lexicon_version
        self.lexicon = lexicon.for_sector(profile.sector)
        self.matcher = Matcher(self.lexicon, profile.matching)
        self.expecting = Matcher(expected_forms(self.lexicon), profile.matching.expecting())
        self._phrases = {(p.kind, p.text) for p in self.lexicon.phrases}
        self._staff_words = frozenset((p.kind, p.text) for p in self.lexicon.phrases
                                      if p.said_by == "staff")
        self.norms = conditions.compiled(profile.rules.norms)

    @classmethod
    def load(cls, profile: str = profiles.DEFAULT, lexicon_dir: Path | None = None,
             changes: Sequence[LexiconChange] = (), rating_device: bool = False,
             rule_changes: Sequence[RuleChange] = ()) -> "Scorer":
        """A profile's scorer with the shipped lexicon files and a hall's changes to them
        (`Store.lexicon_changes()`; none: version 0); `rating_device`: the hall's windows
        have rating devices (hall.toml `[ratings] device`), so the rating prompt is required;
        `rule_changes`: the hall's changes to its rules (`rulechanges.changes`)."""
        chosen = profiles.load(profile, lexicon_dir, rating_device)
        if rule_changes:
            chosen.rules = rulechanges.applied(chosen.rules, list(rule_changes))
        lexicon, version = lexicons.hall_lexicon(lexicons.load(lexicon_dir, chosen.lexicons),
                                                 changes)
        return cls(chosen, lexicon, version)

    def score(
        self,
        utterances: Sequence[Utterance],
        *,
        source: str = "",
        window: str | None = None,
        staff: str | None = None,
        started_at: datetime | None = None,
        sha256: str = "",
        kind: str = "live",
        queue: Sequence[visits.Call] = (),
    ) -> Session:
        """Score a whole conversation. `window` and `staff`, given, apply to every line (a
        line's own is overridden: the session and its visits always agree); not given,
        each line's own counts. `queue`: the hall's queue calls in the session's seconds,
        which set visits where they are (`visits.calls`)."""
        utterances = [_fill(u, window, staff) for u in utterances]
        norms, hits = self._hear_all(utterances)
        session_id = session_key(sha256 or _content_key(utterances), window)
        segments = visits.segment(
            utterances, lambda i: self.cues(utterances[i], i, norms[i], hits.get(i, [])),
            self.profile.visits, source, queue)
        heard_as = [self.seen(seg.indices, utterances, norms, hits, seg.business)
                    for seg in segments]
        scored = [self.judge(f"{session_id}-{seg.label}", seg.window, seg.indices, utterances,
                             norms, hits, segment=seg, earlier=heard_as[:n])
                  for n, seg in enumerate(segments)]
        return Session(
            id=session_id, source=source, window=window or _first(utterances, "window"),
            staff=staff or _first(utterances, "staff"), profile=self.profile.name,
            started_at=started_at or datetime.now().astimezone(), utterances=utterances,
            visits=scored, sha256=sha256, kind=kind, options=self.profile.as_dict(),
            lexicon_version=self.lexicon_version)

    def hear(self, utterance: Utterance, index: int) -> tuple[NormText, list[PhraseHit]]:
        """Normalise one utterance and find its phrases (index: its place in the session)."""
        norm = heard(utterance)
        found = self.matcher.hits(utterance, index, norm)
        found += self._spotted(utterance, index, found)
        if utterance.heard_by:  # from audio: what turns a light red needs evidence that holds
            found = [h for h in found if self.matcher.holds(h, utterance, norm)]
        return norm, [h for h in found if not self.matcher.reported(h, utterance, norm)]

    def _spotted(self, utterance: Utterance, index: int, found: list[PhraseHit]) -> list[PhraseHit]:
        """A keyword spotter's hits (audio input) that the text matcher did not find itself,
        for phrases of this profile's lexicon."""
        extra: list[PhraseHit] = []
        for hit in utterance.spotted:
            if (hit.kind, hit.phrase) not in self._phrases or any(
                    h.kind == hit.kind and h.start < hit.end and hit.start < h.end
                    for h in found + extra):
                continue
            extra.append(replace(hit, utterance=index))
        return extra

    def cues(self, utterance: Utterance, index: int, norm: NormText,
             hits: Sequence[PhraseHit]) -> visits.Cues:
        """What an utterance says about where visits begin and end: 请稍等 keeps a visit
        open through the silence, 请慢走 closes it, 您好 opens the next. A greeting or a
        farewell counts half heard here too (it is where a visit's edge would be)."""
        whole = kinds = {h.kind for h in hits}
        if utterance.role == "staff" and not {"greeting", "farewell"} <= kinds:
            kinds = kinds | {h.kind for h in self.expecting.hits(utterance, index, norm)}
        return visits.Cues(wait="waiting" in kinds, farewell="farewell" in kinds,
                           greeting="greeting" in kinds, question="question" in kinds,
                           apology="apology" in whole, greeting_whole="greeting" in whole)

    def judge(self, visit_id: str, window: str | None, indices: Sequence[int],
              utterances: Sequence[Utterance], norms: Sequence[NormText],
              hits: dict[int, list[PhraseHit]], now: float | None = None,
              segment: visits.Segment | None = None,
              earlier: Sequence[rules.VisitView] = ()) -> Visit:
        """Apply the rules to one visit; with `now`, a visit still in progress. A visit a
        queue call set (`segment.span`) lasts from the call, while the rules time what was
        said from the first words. `earlier`: the session's visits before this one, where a
        rule looks for the same business seen before (tell_once)."""
        start = min(utterances[i].start for i in indices)
        end = max(utterances[i].end for i in indices)
        ticket = segment.ticket if segment else ""
        business = segment.business if segment else ""
        span = segment.span if segment and segment.span else (start, end)
        hits = self._expected(indices, utterances, norms, hits)
        view = rules.VisitView(start, end, indices, utterances, norms, hits, now, business,
                               earlier, self._staff_words)
        options = self.profile.rules
        findings = rules.evaluate(view, options, self.norms)
        total, verdict = rules.score(findings, self.profile.scoring)
        return Visit(
            id=visit_id, window=window,
            staff=next((utterances[i].staff for i in indices if utterances[i].staff), None),
            start=span[0], end=span[1], utterances=list(indices),
            greeted=rules.greeted(view, options), farewelled=rules.farewelled(view, options),
            questions=len(rules.questions(view)),
            unanswered=len(rules.unanswered(view, options)),
            findings=findings, hits=[h for i in indices for h in hits.get(i, ())],
            score=round(total, 1), verdict=verdict, ticket=ticket, business=business)

    @staticmethod
    def seen(indices: Sequence[int], utterances: Sequence[Utterance],
             norms: Sequence[NormText], hits: dict[int, list[PhraseHit]],
             business: str = "") -> rules.VisitView:
        """A visit as the rules of a later visit the same day see it (`judge`'s `earlier`:
        what a return is judged against)."""
        return rules.VisitView(min(utterances[i].start for i in indices),
                               max(utterances[i].end for i in indices), indices, utterances,
                               norms, {i: hits[i] for i in indices if i in hits},
                               business=business)

    def judge_as_cut(self, visit_id: str, utterances: Sequence[Utterance],
                     window: str | None = None) -> Visit:
        """A stored visit judged again on its utterances, as it was cut (a lexicon
        preview: where the visit begins and ends is not decided again)."""
        norms, hits = self._hear_all(utterances)
        return self.judge(visit_id, window, tuple(range(len(utterances))), utterances, norms,
                          hits)

    def _hear_all(self, utterances: Sequence[Utterance]
                  ) -> tuple[list[NormText], dict[int, list[PhraseHit]]]:
        """Each utterance heard: its normalised text, and its hits by index where any."""
        norms, hits = [], {}
        for i, utterance in enumerate(utterances):
            norm, found = self.hear(utterance, i)
            norms.append(norm)
            if found:
                hits[i] = found
        return norms, hits

    def _expected(self, indices, utterances, norms, hits) -> dict[int, list[PhraseHit]]:
        """A greeting in the visit's first staff words and a farewell in its last are where
        they are expected: there, a phrase heard half right counts (a recogniser that wrote
        请走 for 请慢走 still heard the farewell)."""
        staff = [i for i in indices if utterances[i].role == "staff"]
        extra = {i: hits[i] for i in indices if i in hits}  # this visit's, not the session's
        if not staff:
            return extra
        for i, kind in ((staff[0], "greeting"), (staff[-1], "farewell")):
            if any(h.kind == kind for h in extra.get(i, ())):
                continue
            found = [h for h in self.expecting.hits(utterances[i], i, norms[i]) if h.kind == kind]
            if found:
                extra[i] = extra.get(i, []) + found[:1]
        return extra

    def score_file(self, path, **meta) -> Session:
        """Read and score a JSONL transcript."""
        data = Path(path).read_bytes() if Path(path).is_file() else b""
        return self.score(transcript.read(path), source=str(path),
                          sha256=hashlib.sha256(data).hexdigest(), **meta)


EXPECTED = ("greeting", "farewell")


def expected_forms(lexicon: Lexicon) -> Lexicon:
    """Greetings and farewells for matching where they are expected, without the variants
    that only add a particle: half of 请坐吧 heard is 请吧, which greets nobody. There the
    expected threshold holds, not a hall's own for the phrase."""
    return Lexicon(tuple(
        replace(p, variants=tuple(v for v in p.variants if v[-1] not in PARTICLES),
                threshold=None)
        for p in lexicon.phrases if p.kind in EXPECTED))


def session_key(content_sha256: str, window: str | None) -> str:
    """The same content at the same window is the same session: scoring twice replaces it."""
    return hashlib.sha256(f"{content_sha256}|{window or ''}".encode()).hexdigest()[:12]


def _content_key(utterances: Sequence[Utterance]) -> str:
    raw = "\n".join(f"{u.start}|{u.end}|{u.role}|{u.text}|{u.pinyin}" for u in utterances)
    return hashlib.sha256(raw.encode()).hexdigest()


def _fill(utterance: Utterance, window: str | None, staff: str | None) -> Utterance:
    if (window and utterance.window != window) or (staff and utterance.staff != staff):
        return replace(utterance, window=window or utterance.window,
                       staff=staff or utterance.staff)
    return utterance


def _first(utterances: Sequence[Utterance], key: str) -> str | None:
    return next((getattr(u, key) for u in utterances if getattr(u, key)), None)
