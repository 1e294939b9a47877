"""A hall's own rule settings: the shipped rules and profiles plus its supervisors' changes.

A supervisor who sees a rule's findings dismissed (review precision) or a norm the hall
keeps differently can switch a rule on or off, change its severity, its points, or one of
its parameters (a number, a word list, a regular expression of a rule written as data), or
write a new rule (a `[[rules]]` table, checked as a rule file is; the rules page builds it).
Each change is one append-only row of `rule_changes` and a new rule-set *version*; an undo
is another change, so every version can be rebuilt, and `RuleOptions.norms_version` (stored
with each session's options) says which judged it. Storing, undoing and auditing a change,
and the tally of a preview, are the lexicon's too (hallchanges.py).

`preview` says before a change what it would have changed on the stored visits of the
last days: the changed rule judged again on each visit's stored lines and phrase hits
(rules are independent: only its own findings can change), in memory.
"""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path

from . import hallchanges, limits, profiles, ruledata, rules
from .conditions import compiled
from .errors import InputError, RuleChangeError, parse_toml, read_text
from .hallchanges import ADD, DEFAULT_DAYS, RULES, in_force
from .normalize import heard
from .records import ChangePreview, Finding, PhraseHit, RuleChange, Utterance
from .rules import RuleOptions, RuleSetting, VisitView
from .storage import Store
from .stored import JudgedSession
from .vocabulary import SEVERITIES

CHANGES = ("enabled", "severity", "deduction", "param", ADD)
WRITTEN = "本厅规则"  # where a rule written on the rules page is said to be, in its errors
HALL_PREFIX = "hall_"  # a hall's own rules' ids; shipped rules never use it, so an upgrade
# that ships a rule of the same name cannot replace a hall's rule or be hidden by it


def changes(store: Store) -> list[RuleChange]:
    """The hall's rule changes in version order."""
    return hallchanges.changes(store.db, RULES)


def applied(options: RuleOptions, all_changes: list[RuleChange]) -> RuleOptions:
    """`options` with a hall's changes (in version order, undone ones left out)."""
    norms = {rule.id: rule for rule in options.norms}
    settings = {k: dataclasses.replace(v) for k, v in options.settings.items()}
    out = dataclasses.replace(options, settings=settings)
    for change in in_force(all_changes):
        if change.change == ADD:
            rule = written(change.value)
            norms[rule.id] = rule
            settings[rule.id] = RuleSetting(rule.enabled, rule.severity, rule.deduction)
            continue
        setting = settings.get(change.rule)
        if setting is None:
            continue  # a rule this profile no longer has
        if change.change == "enabled":
            setting.enabled = change.value == "true"
        elif change.change == "severity":
            setting.severity = change.value
        elif change.change == "deduction":
            setting.weight = float(change.value)
        elif change.change == "param":
            name, value = _param(change.value)
            rule = norms.get(change.rule)
            if rule is not None and name in rule.params:
                norms[rule.id] = dataclasses.replace(rule, params={**rule.params, name: value})
            elif hasattr(out, name):
                setattr(out, name, tuple(value) if isinstance(value, list) else value)
    out.norms = tuple(norms.values())
    out.norms_version = max((c.version or 0 for c in all_changes), default=0)
    return out


def written(value: str, taken: dict[str, str] | None = None) -> ruledata.NormRule:
    """A rule a hall wrote: its `[[rules]]` table as JSON, read as a rule file's is."""
    try:
        table = json.loads(value)
    except ValueError as exc:
        raise InputError(WRITTEN, f"not a rule written as JSON: {exc}") from None
    return ruledata.parse_rule(table, Path(WRITTEN), "", dict(taken or {}))


def tables_in(path) -> list[dict]:
    """The `[[rules]]` tables of a file a hall wrote (`courtesy rules add`), each checked
    as a rule file's is, so a mistake names the file, its rule and field; the ids of
    shipped rules are free here, `propose` refuses them with the hall's own."""
    path = Path(path)
    data = parse_toml(read_text(path), path)
    if "classes" in data:
        raise InputError(path, "word classes belong to shipped rule files: give the words in "
                         "the rule's own params (and labels)", field="classes")
    ruledata.load_file(path, {})
    return data["rules"]


def _param(value: str) -> tuple[str, object]:
    name, _, raw = value.partition("=")
    return name, json.loads(raw)


def parameters(options: RuleOptions, rule_id: str) -> dict[str, object]:
    """A rule's changeable parameters and their values as they stand: a rule written as
    data has its own and the profile options it reads ("$name"); a code rule, none."""
    rule = next((r for r in options.norms if r.id == rule_id), None)
    if rule is None:
        return {}
    out = dict(rule.params)
    for _, name in rule.refs:
        out[name] = getattr(options, name)
    return out


def propose(options: RuleOptions, rule_id: str, change: str, value: str, reason: str,
            actor: str) -> RuleChange:
    """A checked change to one rule of the hall's rules as they stand (`options`: the
    profile with the hall's changes applied); not stored: see `preview`, then `apply`."""
    if change == ADD:
        return RuleChange(rule_id, ADD, _checked_rule(options, rule_id, value),
                          (reason or "").strip(), actor)
    if rule_id not in options.settings:
        raise RuleChangeError(f"没有规则“{rule_id}”")
    if change not in CHANGES:
        raise RuleChangeError(f"change {change!r}: one of {', '.join(CHANGES)}")
    value = (value or "").strip()
    if change == "enabled":
        if value not in ("true", "false"):
            raise RuleChangeError("启用须为 true 或 false")
    elif change == "severity":
        if value not in SEVERITIES:
            raise RuleChangeError(f"严重程度须为 {'、'.join(SEVERITIES)} 之一")
    elif change == "deduction":
        value = f"{_number(limits.DEDUCTION, value, '扣分'):g}"
    else:
        value = _checked_param(options, rule_id, value)
    return RuleChange(rule_id, change, value, (reason or "").strip(), actor)


def _checked_rule(options: RuleOptions, rule_id: str, value: str) -> str:
    """A new rule's table (JSON) read whole, its id new and its "$names" known."""
    taken = {known: "本厅现有规则" for known in options.settings}
    try:
        rule = written(value, taken)
        rule.check_refs({f.name for f in dataclasses.fields(RuleOptions)})
    except InputError as exc:
        raise RuleChangeError(str(exc)) from None
    if rule.id != rule_id:
        raise RuleChangeError(f"规则编号不一致：{rule_id!r} 与 {rule.id!r}")
    if not rule.id.startswith(HALL_PREFIX):
        raise RuleChangeError(f"规则编号“{rule.id}”：本厅新写的规则须以 {HALL_PREFIX} 开头"
                              f"（如 {HALL_PREFIX}1），以免与日后随版本发布的规则同名")
    return json.dumps(json.loads(value), ensure_ascii=False)


def _number(bound: limits.Range, text: str, name: str) -> float:
    try:
        return bound.parse(text, name)
    except ValueError as exc:
        raise RuleChangeError(str(exc)) from None


def _checked_param(options: RuleOptions, rule_id: str, value: str) -> str:
    """`name=value`: a number in its range, words separated by 、 or commas, or a
    regular expression, as the parameter is now."""
    name, _, text = value.partition("=")
    known = parameters(options, rule_id)
    if name not in known:
        raise RuleChangeError(f"规则“{rule_id}”没有参数“{name}”（可改：{'、'.join(known) or '无'}）")
    current = known[name]
    if isinstance(current, str):
        try:
            re.compile(text)
        except re.error as exc:
            raise RuleChangeError(f"“{name}”不是有效的正则表达式：{exc}") from None
        if not text:
            raise RuleChangeError(f"“{name}”不能为空")
        return f"{name}={json.dumps(text, ensure_ascii=False)}"
    if isinstance(current, tuple):
        words = [w.strip() for w in re.split(r"[、,，\s]+", text) if w.strip()]
        if not words:
            raise RuleChangeError(f"“{name}”须是至少一个词（用顿号或逗号分隔）")
        return f"{name}={json.dumps(words, ensure_ascii=False)}"
    bound = limits.RULE_DBFS if name.endswith("dbfs") else limits.RULE_NUMBER
    return f"{name}={json.dumps(_number(bound, text, name))}"


def apply(store: Store, change: RuleChange, origin: str = "") -> RuleChange:
    """Store a change as the next rule-set version, with its audit row (hallchanges.apply)."""
    return hallchanges.apply(store, RULES, change, origin)


def undo(store: Store, version: int, actor: str, reason: str, origin: str = "") -> RuleChange:
    """Revert one change: a new rule-set version without it (hallchanges.undo)."""
    return hallchanges.undo(store, RULES, version, actor, reason, origin)


def options_for(store: Store, profile: str = profiles.DEFAULT, lexicon_dir: Path | None = None,
                rating_device: bool = False) -> RuleOptions:
    """A profile's rule options with the hall's changes of this database."""
    return applied(profiles.load(profile, lexicon_dir, rating_device).rules, changes(store))


# --- preview: one rule judged again on the stored visits of some days ------------------


class _Norms:
    """The lines' normalised text, made only where a rule reads it (speech rate, markers)."""

    def __init__(self, utterances: list[Utterance]):
        self.utterances, self.made = utterances, {}

    def __getitem__(self, i: int):
        if i not in self.made:
            self.made[i] = heard(self.utterances[i])
        return self.made[i]

    def __len__(self) -> int:
        return len(self.utterances)


class _Side:
    """One side of a preview: a profile's rule options with or without the change, and the
    changed rule as a function of a visit."""

    def __init__(self, options: RuleOptions, rule_id: str):
        self.options = options
        self.setting = options.settings.get(rule_id)  # None: a new rule, before it is made
        norm = [r for r in options.norms if r.id == rule_id]
        self.rule = compiled(norm)[rule_id] if norm else rules.RULES.get(rule_id)

    def findings(self, view: VisitView) -> list:
        if self.setting is None or not self.setting.enabled:
            return []
        out = []
        for f in self.rule(view, self.options):
            factor = rules.SEVERITY_FACTOR[f.severity]
            out.append(dataclasses.replace(
                f, deduction=100.0 if factor is None else self.setting.weight * factor))
        return out


def _sides(change: RuleChange, stored: list[RuleChange], names: set[str],
           lexicon_dir: Path | None) -> dict[str, tuple[_Side, _Side, rules.ScoreOptions]]:
    version = max((c.version or 0 for c in stored), default=0)
    out = {}
    for name in names:
        chosen = profiles.load(name, lexicon_dir)
        before = applied(chosen.rules, stored)
        after = applied(chosen.rules, stored + [dataclasses.replace(change, version=version + 1)])
        out[name] = (_Side(before, change.rule), _Side(after, change.rule), chosen.scoring)
    return out


def _session_views(store: Store, judged: JudgedSession) -> list[tuple[dict, VisitView, list]]:
    """A session's stored visits as the rules see them (lines, phrase hits, the queue's
    business type, the visits before), each with its stored row and findings."""
    lines = store.session_utterances(judged.id)
    utterances = [line.utterance() for line in lines]
    norms = _Norms(utterances)
    hits: dict[int, list[PhraseHit]] = {}
    for h in store.db.query("select h.* from visits v join hits h on h.visit = v.id where "
                            "v.session = ? order by h.utterance, h.start", [judged.id]):
        hits.setdefault(h["utterance"], []).append(PhraseHit(
            h["kind"], h["phrase"], h["matched"] or "", h["utterance"], h["start"], h["end"],
            h["score"], h["category"] or "", h["severity"] or ""))
    found: dict[str, list] = {}
    for f in store.db.query("select f.* from visits v join findings f on f.visit = v.id "
                            "where v.session = ?", [judged.id]):
        found.setdefault(f["visit"], []).append(Finding(
            f["rule"], f["start"], f["end"], f["text"] or "", f["severity"], f["category"] or "",
            f["detail"] or "", f["deduction"] or 0.0, f["role_confidence"]))
    by_visit: dict[str, list[int]] = {}
    for n, line in enumerate(lines):
        if line.visit:
            by_visit.setdefault(line.visit, []).append(n)
    rows = {r["id"]: r for r in store.db.query(
        "select id, business, score, verdict, started_at from visits where session = ?",
        [judged.id])}
    out, earlier = [], []
    for visit_id, indices in sorted(by_visit.items(), key=lambda kv: utterances[kv[1][0]].start):
        if visit_id not in rows:
            continue
        view = VisitView(min(utterances[i].start for i in indices),
                         max(utterances[i].end for i in indices), indices, utterances, norms,
                         {i: hits[i] for i in indices if i in hits},
                         business=rows[visit_id]["business"] or "", earlier=tuple(earlier))
        earlier.append(view)
        out.append((rows[visit_id], view, found.get(visit_id, [])))
    return out


def preview(store: Store, change: RuleChange, days: int = DEFAULT_DAYS,
            lexicon_dir: Path | None = None, today: date | None = None) -> ChangePreview:
    """What `change` would have changed on the live visits of the last `days` days: the
    rule judged on each visit's stored lines and hits without and with it (the visit as it
    was cut, heard as it was), and each visit's verdict with the other rules' stored
    findings; with what reviewers decided on the findings it would take away. Nothing
    stored changes."""
    compared = hallchanges.Compared(days, today)
    first, last = compared.first.isoformat(), compared.last.isoformat()
    sessions = store.live_sessions(compared.first, compared.last)
    sides = _sides(change, changes(store), {s.profile or profiles.DEFAULT for s in sessions},
                   lexicon_dir)
    for judged in sessions:
        before, after, scoring = sides[judged.profile or profiles.DEFAULT]
        for row, view, stored in _session_views(store, judged):
            if not first <= (row["started_at"] or "")[:10] <= last:
                continue
            old, new = before.findings(view), after.findings(view)
            others = [f for f in stored if f.rule != change.rule]
            (s0, v0), (s1, v1) = (rules.score(others + old, scoring),
                                  rules.score(others + new, scoring))
            compared.visit(judged, judged.window, judged.staff, view.start, old, new,
                           [view.utterances[i] for i in view.indices],
                           ((round(s0, 1), v0), (round(s1, 1), v1)))
    return compared.preview(store, change, compared.rescored)
