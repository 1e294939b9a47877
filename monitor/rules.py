"""The language norms as rules over one visit, and the visit's score.

Only staff speech is judged: a customer who says 急什么 breaks no rule. Customer speech
matters as the cue a rule reacts to (a question to answer, thanks to reply to, an
utterance not to talk over). Each rule has an id, parameters from the profile, a severity
and a weight; the score is 100 minus the weighted deductions, and a critical finding is
fatal.

On a single pickup microphone a line's role is a voice decision with a confidence
(`Utterance.role_confidence`). A finding resting on a role heard less sure than
`role_sure_at` (the line it quotes, the cue it answers, a line that may have been the
missing phrase) carries that confidence (`Finding.role_confidence`): it is shown and
queued for review, but counts nothing and turns no light until a person confirms it or
corrects the role, so a citizen's words never count against staff unchecked. A credit
(greeted, seen off, answered, asked to wait) goes the other way: it may come from a line
told the customer's unsure whose words only staff say at a counter (the lexicon's
`said_by`: 请稍等, 请慢走, 请问您办理什么业务), since there the words say more than the
voice; a 您好 or 再见 anyone says still needs the staff's voice.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .matching import loose_syllable
from .normalize import HAN, NormText, normalize
from .records import Finding, PhraseHit, Utterance
from .vocabulary import ROLE_LABELS, ROLE_PENDING

SEVERITY_FACTOR = {"critical": None, "major": 1.0, "minor": 0.5}


@dataclass
class RuleSetting:
    """Whether a rule runs, how grave a breach is and how many points it costs."""

    enabled: bool = True
    severity: str = "major"
    weight: float = 10.0


def _settings() -> dict[str, RuleSetting]:
    """The rules in code; those written as data (lexicons/rules/*.toml) bring their own."""
    return {
        "greeting": RuleSetting(severity="major", weight=20),
        "answer": RuleSetting(severity="major", weight=15),
        "farewell": RuleSetting(severity="major", weight=15),
        "wait_apology": RuleSetting(severity="major", weight=10),
        "speech_rate": RuleSetting(severity="minor", weight=3),
    }


@dataclass
class RuleOptions:
    """Rule parameters; a profile overrides them per sector."""

    greet_within_s: float = 20.0  # 来有迎声: greeting this soon after the visit starts
    answer_within_s: float = 10.0  # 问有答声: staff speaks this soon after a question
    farewell_within_s: float = 30.0  # 走有送声: farewell within the visit's last seconds
    wait_s: float = 60.0  # after 请稍等, a silence this long wants an apology
    dead_air_s: float = 20.0  # silence while a customer waits, unless asked to wait
    thanks_within_s: float = 10.0  # reply to thanks this soon
    overlap_s: float = 1.0  # talking over a customer for longer than this
    max_chars_per_min: float = 280.0
    min_chars_per_min: float = 60.0
    min_rate_duration_s: float = 2.0  # shorter utterances give no reliable rate
    service_limit_s: float | None = None  # longest visit; None: no limit
    max_dbfs: float | None = -6.0  # louder staff speech is shouting (when levels are known)
    please_markers: tuple[str, ...] = ("请", "麻烦", "您", "劳驾")
    greeting_markers: tuple[str, ...] = ("您", "请", "欢迎", "好")  # a greeting says one
    role_sure_at: float = 0.8  # a finding counts against staff only on roles heard this sure
    settings: dict[str, RuleSetting] = field(default_factory=_settings)
    # the rules written as data (ruledata.NormRule, lexicons/rules/*.toml) the profile
    # judges with, as a hall's changes left them; their settings are in `settings` too
    norms: tuple = ()
    norms_version: int = 0  # the hall's rule changes applied (rulechanges.py; 0: none)


@dataclass
class ScoreOptions:
    """Where the verdict changes."""

    pass_at: float = 90.0  # score at or above: pass
    fail_below: float = 60.0  # score below: fail (a critical finding always fails)


@dataclass
class VisitView:
    """What the rules see of one visit: its utterances (session-indexed) and their hits.

    A visit still in progress has `now` (seconds, same base): rules then judge only what is
    already due (no farewell yet, a question whose answer time has not run out is pending)
    and count the silence up to now.
    """

    start: float
    end: float
    indices: Sequence[int]
    utterances: Sequence[Utterance]
    norms: Sequence[NormText]
    hits: dict[int, list[PhraseHit]]
    now: float | None = None
    business: str = ""  # the queue's business type, where a call set the visit
    earlier: Sequence["VisitView"] = ()  # the session's visits before (a return the same day)
    staff_words: frozenset = frozenset()  # (kind, phrase) only staff say (lexicon said_by)

    @property
    def open(self) -> bool:
        return self.now is not None

    def said(self, i: int, kind: str) -> list[PhraseHit]:
        return [h for h in self.hits.get(i, ()) if h.kind == kind]

    def by(self, role: str) -> list[int]:
        return [i for i in self.indices if self.utterances[i].role == role]

    def credited(self, options: RuleOptions) -> list[int]:
        """The lines a staff credit may come from: told staff, or told the customer's
        unsure while holding words only staff say."""
        return [i for i in self.indices if self.utterances[i].role == "staff"
                or (self.unsure(i, options.role_sure_at) and any(
                    (h.kind, h.phrase) in self.staff_words for h in self.hits.get(i, ())))]

    def quote(self, i: int) -> str:
        u = self.utterances[i]
        return u.text or u.pinyin

    def unsure(self, i: int, sure_at: float) -> bool:
        """Was this line's role a voice decision less sure than `sure_at`?"""
        confidence = self.utterances[i].role_confidence
        return confidence is not None and confidence < sure_at

    def doubt(self, options: RuleOptions, lines=(), between: tuple[float, float] | None = None,
              holding: str = "") -> Utterance | None:
        """The least sure of the unsure roles a finding rests on: its own `lines`, and with
        `between` every line heard as the customer's then (one of them may have been the
        staff's missing words), or with `holding` only those whose words are of that kind
        (a missing greeting rests on the lines that greet: the staff's 我家孩子要落户口
        would still greet nobody); None when every role is sure."""
        chosen = set(lines)
        if between is not None:
            low, high = between
            chosen |= {i for i in self.by("customer")
                       if self.utterances[i].start <= high and self.utterances[i].end >= low
                       and (not holding or self.said(i, holding))}
        unsure = [self.utterances[i] for i in sorted(chosen)
                  if self.unsure(i, options.role_sure_at)]
        return min(unsure, key=lambda u: u.role_confidence) if unsure else None


def greeted(view: VisitView, options: RuleOptions) -> bool:
    """来有迎声 asks for a courteous word (您好, 欢迎, 请…): 下一个，办什么业务 is the curt
    call the norms single out, however much of a greeting phrase it resembles."""
    limit = view.start + options.greet_within_s
    return any(h.start <= limit and _has_marker(_heard(h), options.greeting_markers)
               for i in view.credited(options) for h in view.said(i, "greeting"))


def _heard(hit: PhraseHit) -> NormText:
    """What a hit heard, as syllables: characters or (audio) pinyin."""
    return normalize(hit.matched) if HAN.search(hit.matched) else normalize("", hit.matched)


def farewelled(view: VisitView, options: RuleOptions) -> bool:
    limit = view.end - options.farewell_within_s
    return any(h.end >= limit for i in view.credited(options) for h in view.said(i, "farewell"))


def questions(view: VisitView) -> list[int]:
    return [i for i in view.by("customer") if view.said(i, "question")]


def _answered(view: VisitView, i: int, options: RuleOptions) -> bool:
    asked = view.utterances[i]
    deadline = asked.end + options.answer_within_s
    return any(asked.start < view.utterances[j].start <= deadline
               for j in view.credited(options))


def _due(view: VisitView, moment: float) -> bool:
    return not view.open or view.now >= moment


def unanswered(view: VisitView, options: RuleOptions) -> list[int]:
    return [i for i in questions(view) if not _answered(view, i, options)
            and _due(view, view.utterances[i].end + options.answer_within_s)]


Rule = Callable[[VisitView, RuleOptions], list[Finding]]


def _finding(rule, start, end, text, options, detail="", severity=None, category="",
             doubt: Utterance | None = None) -> Finding:
    """A finding; `doubt`: the least sure line it rests on, when a role was heard unsure."""
    return Finding(rule=rule, start=round(start, 3), end=round(end, 3), text=text,
                   severity=severity or options.settings[rule].severity, category=category,
                   detail=detail + (unsure_note(doubt.role, doubt.role_confidence)
                                    if doubt else ""),
                   role_confidence=doubt.role_confidence if doubt else None)


def unsure_note(heard: str, confidence: float) -> str:
    """What a finding on an unsure role says, in its detail (which every surface shows)."""
    other = ROLE_LABELS["customer" if heard == "staff" else "staff"]
    return f"（{ROLE_PENDING}：可能是{other}所说，听为{ROLE_LABELS[heard]}的把握 {confidence:.0%}）"


def _words(view: VisitView, i: int | None, start: float, end: float) -> tuple[float, float, str]:
    """Where a missing phrase is shown: on staff words that should have held it (so a missing
    greeting and farewell sit apart on the timeline), else on the stretch it was due in."""
    if i is None:
        return start, end, ""
    u = view.utterances[i]
    return u.start, u.end, view.quote(i)


def greeting_rule(view, options):
    if greeted(view, options) or not _due(view, view.start + options.greet_within_s):
        return []
    staff = view.by("staff")
    due = min(view.end, view.start + options.greet_within_s)
    start, end, quote = _words(view, staff[0] if staff else None, view.start, due)
    return [_finding("greeting", start, end, quote, options,
                     f"开始后{options.greet_within_s:g}秒内未问候",
                     doubt=view.doubt(options, between=(view.start, due), holding="greeting"))]


def farewell_rule(view, options):
    if view.open or farewelled(view, options):
        return []
    staff = view.by("staff")
    due = max(view.start, view.end - options.farewell_within_s)
    start, end, quote = _words(view, staff[-1] if staff else None, due, view.end)
    return [_finding("farewell", start, end, quote, options,
                     f"最后{options.farewell_within_s:g}秒内未送别",
                     doubt=view.doubt(options, between=(due, view.end), holding="farewell"))]


def answer_rule(view, options):
    """An unanswered question rests on the asker's role and on the roles of whatever was
    said while the answer was due (it may have been the staff's answer)."""
    findings = []
    for i in unanswered(view, options):
        asked = view.utterances[i]
        doubt = view.doubt(options, [i], (asked.end, asked.end + options.answer_within_s))
        findings.append(_finding("answer", asked.start, asked.end, view.quote(i), options,
                                 f"顾客提问后{options.answer_within_s:g}秒内未答复",
                                 doubt=doubt))
    return findings


def _has_marker(norm: NormText, markers: Sequence[str]) -> bool:
    """Does the speech hold one of the words, sounds merged as accents and small
    recognisers merge them (您 heard lín is still 您)?"""
    def said(syllables) -> str:
        return " " + " ".join(map(loose_syllable, syllables)) + " "

    heard = said(norm.syllables)
    return any(said(normalize(m).syllables) in heard for m in markers)


def wait_apology_rule(view, options):
    return _no_apology_after_wait(view, options) + _dead_air(view, options)


def _no_apology_after_wait(view, options):
    findings = []
    staff = view.by("staff")
    for i, back in zip(staff, staff[1:]):
        silence = view.utterances[back].start - view.utterances[i].end
        if view.said(i, "waiting") and silence > options.wait_s and not view.said(back, "apology"):
            findings.append(_finding(
                "wait_apology", view.utterances[back].start, view.utterances[back].end,
                view.quote(back), options,
                f"让顾客等候{silence:.0f}秒后未致歉（如“让您久等了”）",
                doubt=view.doubt(options, [i, back])))
    return findings


def _dead_air(view, options):
    """Silence while the customer waits, unless the last staff words asked them to wait
    (words only staff say: heard on an unsure voice, they count as the staff's)."""
    findings = []
    latest_end = last_staff = None
    staff = set(view.credited(options))
    for i in view.indices:
        utterance = view.utterances[i]
        if latest_end is not None and utterance.start - latest_end > options.dead_air_s:
            if last_staff is None or not view.said(last_staff, "waiting"):
                findings.append(_finding(
                    "wait_apology", latest_end, utterance.start, view.quote(i), options,
                    f"顾客等候{utterance.start - latest_end:.0f}秒，未请其稍候"))
        latest_end = utterance.end if latest_end is None else max(latest_end, utterance.end)
        if i in staff:
            last_staff = i
    if view.open and latest_end is not None:
        findings += _still_waiting(view, options, latest_end, last_staff)
    return findings


def _still_waiting(view, options, latest_end, last_staff):
    """In a visit in progress: the customer has been left waiting up to now (unless the
    last staff words saw them off)."""
    silence = view.now - latest_end
    asked = last_staff is not None and view.said(last_staff, "waiting")
    gone = last_staff is not None and view.said(last_staff, "farewell")
    if gone or silence <= (options.wait_s if asked else options.dead_air_s):
        return []
    why = "（已请其稍候）" if asked else "，未请其稍候"
    return [_finding("wait_apology", latest_end, view.now, "", options,
                     f"顾客等候{silence:.0f}秒{why}")]


def speech_rate_rule(view, options):
    findings = []
    for i in view.by("staff"):
        utterance = view.utterances[i]
        duration = utterance.end - utterance.start
        if duration < options.min_rate_duration_s or not view.norms[i]:
            continue  # too short for a rate, or speech in which nothing was heard
        rate = len(view.norms[i]) / duration * 60
        if rate > options.max_chars_per_min:
            detail = f"语速每分钟{rate:.0f}字，快于{options.max_chars_per_min:g}字"
        elif rate < options.min_chars_per_min:
            detail = f"语速每分钟{rate:.0f}字，慢于{options.min_chars_per_min:g}字"
        else:
            continue
        findings.append(_finding("speech_rate", utterance.start, utterance.end, view.quote(i),
                                 options, detail, doubt=view.doubt(options, [i])))
    return findings


RULES: dict[str, Rule] = {
    "greeting": greeting_rule,
    "answer": answer_rule,
    "farewell": farewell_rule,
    "wait_apology": wait_apology_rule,
    "speech_rate": speech_rate_rule,
}


def evaluate(view: VisitView, options: RuleOptions, more: dict[str, Rule] | None = None
             ) -> list[Finding]:
    """Every enabled rule's findings, in time order, each with its deduction: the rules
    in code and `more` (the rules written as data, `conditions.compiled`)."""
    findings = []
    for rule_id, rule in {**RULES, **(more or {})}.items():
        setting = options.settings[rule_id]
        if not setting.enabled:
            continue
        for finding in rule(view, options):
            factor = SEVERITY_FACTOR[finding.severity]
            deduction = 100.0 if factor is None else setting.weight * factor
            findings.append(Finding(**{**finding.__dict__, "deduction": deduction}))
    return sorted(findings, key=lambda f: (f.start, f.rule))


def score(findings: Sequence[Finding], options: ScoreOptions) -> tuple[float, str]:
    """100 minus the deductions, never below 0; a critical finding fails the visit. A
    finding on an unsure role counts nothing until a person confirms it."""
    findings = [f for f in findings if not f.unsure_role]
    if any(f.severity == "critical" for f in findings):
        return 0.0, "fail"
    total = max(0.0, 100.0 - sum(f.deduction for f in findings))
    if total < options.fail_below:
        return total, "fail"
    return total, "pass" if total >= options.pass_at else "warn"
