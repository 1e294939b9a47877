"""Norms written as data: rules in TOML (`lexicons/rules/*.toml`) read into typed records.

A hall (or a developer) writes a norm by combining conditions over a visit's utterances,
the way contact-centre QA tools let a supervisor combine operators: a phrase kind or a
phrase heard, a regular expression, the speaker's role, the first or last staff turns, one
condition within N seconds or turns after another, absence, counts, the visit's length,
silence, speech rate, loudness, interruption; joined by all / any / not; regular expressions
built of word classes (`[classes.NAME]`, named as {NAME}). The record says
what a finding is (id, Chinese name, prompt for staff, norm and its source, severity,
deduction). `conditions.py` evaluates them; every mistake in a file is one InputError
naming the file, the rule and the field. The words of these rules (name, prompt, norm) are
given here, and `vocabulary` reads them through `words` for every surface.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import vocabulary
from .errors import InputError, parse_toml, read_text
from .intent import INTENTS
from .materials import KINDS as LACKS
from .lexicon import KINDS, default_dir
from .vocabulary import SEVERITIES, RuleWords

ON = ("line", "hit", "visit")  # a finding per matching line, per phrase hit, or per visit
PLACES = ("last_staff", "first_staff", "span")  # where a visit finding is shown
ROLES = ("staff", "customer")
TEXT_OPS = {"role", "kind", "phrase", "regex", "says", "count_listed", "intent", "materials"}
NUMBER_OPS = {"first", "last", "louder", "interrupts", "due", "rate_over", "rate_under",
              "duration_over", "silence_over"}
FLAG_OPS = {"unsure", "closed"}
NESTED_OPS = {"after", "followed", "returned", "absent", "count"}  # an inner condition
BOOL_OPS = {"all", "any", "not"}
OPS = TEXT_OPS | NUMBER_OPS | FLAG_OPS | NESTED_OPS | BOOL_OPS
MODIFIERS = {"after": {"within_s", "within_turns"},
             "followed": {"within_s", "within_turns", "same"},
             "returned": {"new"}, "absent": set(), "count": {"at_least", "at_most"}}
# what a finding's detail may quote: the line, the hit, and what a condition measured
VALUES = {"quote", "phrase", "matched", "heard", "overlap", "rate", "dbfs", "duration",
          "silence", "earlier", "count", "new"}
_RULE_KEYS = {"id", "name", "prompt", "norm", "source", "severity", "deduction", "enabled",
              "on", "when", "detail", "hits", "at", "place", "category", "phrase_severity",
              "params", "labels"}


@dataclass(frozen=True)
class Condition:
    """One operator of a rule: `op` with its `value` (a number may be "$name": a parameter
    of the rule or of the profile), or its inner conditions (`parts`), and the modifiers
    of `after`/`followed` (within_s, within_turns, same), `count` (at_least, at_most) and
    `returned` (new: the regular expression of a thing's name, or true for the names the
    materials reader reads, kept in `value`)."""

    op: str
    value: object = None
    parts: tuple["Condition", ...] = ()
    within_s: float | str | None = None
    within_turns: int | str | None = None
    same: bool = False
    at_least: int | None = None
    at_most: int | None = None


@dataclass(frozen=True)
class NormRule:
    """A rule written as data, and what its findings say."""

    id: str
    name: str
    prompt: str
    norm: str
    when: Condition
    detail: str
    on: str = "line"
    severity: str = "major"
    deduction: float = 10.0
    enabled: bool = True
    source: str = ""
    hits: tuple[str, ...] = ()  # on = "hit": the kinds whose phrases heard are findings
    at: str = ""  # on = "line": "hit" shows the finding on the hit a condition found
    place: str = "last_staff"  # on = "visit"
    category: str = ""
    phrase_severity: bool = False  # on = "hit": each phrase's own severity (taboo)
    params: dict = field(default_factory=dict)  # numbers, word lists, regexes a hall may change
    labels: dict = field(default_factory=dict)  # a parameter's name in Chinese, for the page
    file: str = ""
    refs: tuple[tuple[str, str], ...] = ()  # (field, name) of each "$name" not in params

    @property
    def words(self) -> RuleWords:
        return RuleWords(self.name, self.prompt, self.norm)

    def check_refs(self, options: set[str]) -> None:
        """Every "$name" the rule uses is its own parameter or one of the profile's rule
        options (`options`); the profile loader asks, since it knows them."""
        for where, name in self.refs:
            if name not in options:
                raise InputError(self.file, f"rule {self.id!r}: unknown parameter '${name}' "
                                 f"(the rule's params: {', '.join(self.params) or 'none'}; "
                                 "or a rule option of the profile)", field=where)


class _Reader:
    """Parses one rule, raising InputError with its file, rule and field."""

    def __init__(self, path: Path, raw: str, rule_id: str, params: dict):
        self.path, self.raw, self.rule_id, self.params = path, raw, rule_id, params
        self.refs: list[tuple[str, str]] = []

    def fail(self, field_: str, message: str):
        line = next((n for n, text in enumerate(self.raw.splitlines(), 1)
                     if re.search(rf"\bid\s*=\s*\"{re.escape(self.rule_id)}\"", text)), None)
        raise InputError(self.path, f"rule {self.rule_id!r}: {message}", line, field_)

    def number(self, value, where: str, whole: bool = False):
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            if not name.isidentifier():
                self.fail(where, f"{value!r} is no parameter name")
            if name not in self.params:
                self.refs.append((where, name))
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
                whole and value != int(value)):
            self.fail(where, f"must be a {'whole ' if whole else ''}number ≥ 0 or a "
                      f"\"$parameter\", not {value!r}")
        return int(value) if whole else float(value)

    def texts(self, value, where: str) -> tuple[str, ...] | str:
        if isinstance(value, str) and value.startswith("$"):
            self.number(value, where)  # the same check of the name
            return value
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(
                isinstance(v, str) and v.strip() for v in items):
            self.fail(where, f"must be a text or a list of texts, not {value!r}")
        return tuple(items)

    def condition(self, table, where: str) -> Condition:
        if not isinstance(table, dict) or not table:
            self.fail(where, f"a condition is a table of operators, not {table!r}")
        parts = [self.operator(key, value, f"{where}.{key}") for key, value in table.items()]
        return parts[0] if len(parts) == 1 else Condition("all", parts=tuple(parts))

    def operator(self, op: str, value, where: str) -> Condition:
        if op not in OPS:
            self.fail(where, f"unknown operator {op!r} (known: {', '.join(sorted(OPS))})")
        if op in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.fail(where, "must be a list of conditions")
            return Condition(op, parts=tuple(self.condition(v, f"{where}[{n}]")
                                             for n, v in enumerate(value)))
        if op == "not":
            return Condition(op, parts=(self.condition(value, where),))
        if op in NESTED_OPS:
            return self.nested(op, value, where)
        if op in FLAG_OPS:
            if not isinstance(value, bool):
                self.fail(where, f"must be true or false, not {value!r}")
            return Condition(op, value)
        if op in NUMBER_OPS:
            return Condition(op, self.number(value, where, whole=op in ("first", "last")))
        return Condition(op, self.text_value(op, value, where))

    def text_value(self, op: str, value, where: str):
        if op == "role":
            if value not in ROLES:
                self.fail(where, f"must be one of {', '.join(ROLES)}, not {value!r}")
            return value
        if op in ("regex", "count_listed"):
            if isinstance(value, str) and value.startswith("$"):
                if not isinstance(self.params.get(value[1:]), str):
                    self.fail(where, f"{value!r} is not a regular expression of the rule's "
                              f"params ({', '.join(self.params) or 'none'})")
                return value
            if not isinstance(value, str) or not value:
                self.fail(where, "must be a regular expression")
            for name in WORD_CLASS.findall(value):
                if not isinstance(self.params.get(name), (str, tuple)):
                    self.fail(where, f"{{{name}}} names no word list or regular expression of "
                              f"the rule's params ({', '.join(self.params) or 'none'})")
            try:
                groups = re.compile(expand(value, self.params)).groupindex
            except (re.error, ValueError) as exc:
                self.fail(where, f"not a valid regular expression: {exc}")
            if op == "count_listed" and not {"n", "items"} <= set(groups):
                self.fail(where, "needs the groups (?P<n>...) (the number said) and "
                          "(?P<items>...) (the list)")
            return value
        texts = self.texts(value, where)
        if op == "kind":
            for kind in texts:
                if kind not in KINDS:
                    self.fail(where, f"unknown phrase kind {kind!r} (known: {', '.join(KINDS)})")
        if op == "intent":
            for name in texts:
                if name not in INTENTS:
                    self.fail(where, f"unknown intent {name!r} (known: {', '.join(INTENTS)})")
        if op == "materials":
            for name in texts:
                if name not in LACKS:
                    self.fail(where, f"unknown reading of materials {name!r} (known: "
                              f"{', '.join(LACKS)})")
        return texts

    def nested(self, op: str, value, where: str) -> Condition:
        if not isinstance(value, dict):
            self.fail(where, "must be a table: the condition, and its modifiers")
        allowed = MODIFIERS[op]
        mods = {k: value[k] for k in value if k in allowed}
        inner = {k: v for k, v in value.items() if k not in allowed}
        for key in set(value) & (set().union(*MODIFIERS.values()) - allowed):
            self.fail(f"{where}.{key}", f"{op} takes no {key!r}")
        if op in ("after", "followed") and ("within_s" in mods) == ("within_turns" in mods):
            self.fail(where, "needs one of within_s or within_turns")
        if op == "count" and not {"at_least", "at_most"} & set(mods):
            self.fail(where, "needs at_least or at_most")
        return Condition(
            op, value=(mods["new"] if mods.get("new") is True else
                       self.text_value("regex", mods["new"], f"{where}.new")
                       if "new" in mods else None),
            parts=(self.condition(inner, where),) if inner else (),
            within_s=(self.number(mods["within_s"], f"{where}.within_s")
                      if "within_s" in mods else None),
            within_turns=(self.number(mods["within_turns"], f"{where}.within_turns", True)
                          if "within_turns" in mods else None),
            same=self.flag(mods.get("same", False), f"{where}.same"),
            at_least=self.whole(mods.get("at_least"), f"{where}.at_least"),
            at_most=self.whole(mods.get("at_most"), f"{where}.at_most"))

    def flag(self, value, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, not {value!r}")
        return value

    def whole(self, value, where: str) -> int | None:
        return None if value is None else self.number(value, where, whole=True)


WORD_CLASS = re.compile(r"\{([^\W\d]\w*)\}")  # {owner} in a regex; not {0,4}


def expand(text: str, params: dict, within: tuple[str, ...] = ()) -> str:
    """A regular expression with the word classes it names written out, so a hall edits a
    list of words (我们、这儿、本窗口) instead of the expression: `{name}` is the rule's
    parameter `name`, a word list as (?:word|…) (longest first, each word literal) or a
    regular expression as (?:…), itself expanded. Any other {name} stays as written."""
    def written(found: re.Match) -> str:
        name = found.group(1)
        value = params.get(name)
        if isinstance(value, (tuple, list)):
            words = sorted(value, key=len, reverse=True)
            return "(?:" + "|".join(re.escape(w) for w in words) + ")"
        if not isinstance(value, str):
            return found.group(0)
        if name in within:
            raise ValueError(f"{{{name}}} names itself (through {' → '.join(within)})")
        return "(?:" + expand(value, params, (*within, name)) + ")"
    return WORD_CLASS.sub(written, text)


def _params(reader: _Reader, value) -> dict:
    """Numbers, word lists and regular expressions; a regular expression may name the word
    lists and other expressions of the rule ({name}), so it is checked once all are read."""
    if not isinstance(value, dict):
        reader.fail("params", "must be a table of numbers, word lists and regular expressions")
    out = {}
    for name, item in value.items():
        if isinstance(item, list):
            out[name] = reader.texts(item, f"params.{name}")
        elif isinstance(item, str):
            out[name] = item
        else:
            out[name] = reader.number(item, f"params.{name}")
    reader.params = out
    for name, item in value.items():
        if isinstance(item, str):
            reader.text_value("regex", item, f"params.{name}")
    return out


def _labels(reader: _Reader, value, names: set[str]) -> dict:
    if not isinstance(value, dict):
        reader.fail("labels", "must be a table: parameter = its name in Chinese")
    for name, label in value.items():
        if name not in names:
            reader.fail(f"labels.{name}", f"names no parameter of the rule "
                        f"({', '.join(sorted(names)) or 'none'})")
        if not isinstance(label, str) or not label.strip():
            reader.fail(f"labels.{name}", "must be a text in Chinese")
    return {name: label.strip() for name, label in value.items()}


def parse_rule(entry: dict, path: Path, raw: str, taken: dict[str, str],
               classes: dict | None = None) -> NormRule:
    """One `[[rules]]` table checked whole; `classes`: the file's word classes, of which the
    rule gets those it names as its own parameters."""
    rule_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", rule_id):
        raise InputError(path, f"a rule needs an id of lower-case letters, digits and _, "
                         f"not {rule_id!r}", field="rules.id")
    reader = _Reader(path, raw, rule_id, {})
    if rule_id in taken:
        reader.fail("id", f"defined twice (also in {taken[rule_id]})")
    for key in sorted(set(entry) - _RULE_KEYS):
        reader.fail(key, f"unknown key (known: {', '.join(sorted(_RULE_KEYS))})")
    for key in ("name", "prompt", "norm", "detail"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            reader.fail(key, "missing or empty (a text in Chinese)")
    own = entry.get("params", {})
    if not isinstance(own, dict):
        reader.fail("params", "must be a table of numbers, word lists and regular expressions")
    named = _named(classes or {}, [own, entry.get("when")], set(own))
    reader.params = _params(reader, {**{n: _as_written(classes[n][0]) for n in named},
                                     **own})
    if isinstance(entry.get("labels", {}), dict):
        entry = {**entry, "labels": {**{n: classes[n][1] for n in named},
                                     **entry.get("labels", {})}}
    rule = _rule(entry, reader, rule_id, path)
    _check_shape(rule, reader)
    return rule


def _rule(entry: dict, reader: _Reader, rule_id: str, path: Path) -> NormRule:
    if "when" not in entry:
        reader.fail("when", "missing: the condition under which the rule finds a breach")
    severity = entry.get("severity", "major")
    if severity not in SEVERITIES:
        reader.fail("severity", f"must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    return NormRule(
        id=rule_id, name=entry["name"].strip(), prompt=entry["prompt"].strip(),
        norm=entry["norm"].strip(), when=reader.condition(entry["when"], "when"),
        detail=entry["detail"], on=entry.get("on", "line"), severity=severity,
        deduction=reader.number(entry.get("deduction", 10.0), "deduction"),
        enabled=reader.flag(entry.get("enabled", True), "enabled"),
        source=str(entry.get("source", "")),
        hits=tuple(reader.text_value("kind", entry["hits"], "hits")) if "hits" in entry else (),
        at=entry.get("at", ""), place=entry.get("place", "last_staff"),
        category=str(entry.get("category", "")),
        phrase_severity=reader.flag(entry.get("phrase_severity", False), "phrase_severity"),
        params=reader.params, file=str(path), refs=tuple(reader.refs),
        labels=_labels(reader, entry.get("labels", {}),
                       set(reader.params) | {name for _, name in reader.refs}))


def _check_shape(rule: NormRule, reader: _Reader) -> None:
    """What `on` asks for is there, and the detail quotes only what a finding knows."""
    if rule.on not in ON:
        reader.fail("on", f"must be one of {', '.join(ON)}, not {rule.on!r}")
    if (rule.on == "hit") != bool(rule.hits):
        reader.fail("hits", 'on = "hit" needs hits (the phrase kinds), and only it')
    if rule.at not in ("", "hit"):
        reader.fail("at", f'must be "hit" or left out, not {rule.at!r}')
    if rule.place not in PLACES:
        reader.fail("place", f"must be one of {', '.join(PLACES)}, not {rule.place!r}")
    try:
        names = {name for _, name, spec, _ in string.Formatter().parse(rule.detail) if name}
        rule.detail.format(**{n: 0 for n in names})
    except (ValueError, IndexError, KeyError) as exc:
        reader.fail("detail", f"not a valid text with {{placeholders}}: {exc}")
    for name in sorted(names - VALUES - set(rule.params) - {n for _, n in rule.refs}):
        reader.fail("detail", f"unknown placeholder {{{name}}} (known: "
                    f"{', '.join(sorted(VALUES | set(rule.params)))} or a parameter it uses)")


def _as_written(value):
    return list(value) if isinstance(value, tuple) else value


def _texts_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [text for item in items for text in _texts_in(item)]


def _named(classes: dict, where: list, own: set[str]) -> list[str]:
    """The file's classes that the rule's texts name, and those they name in turn."""
    found: list[str] = []
    todo = [name for text in _texts_in(where) for name in WORD_CLASS.findall(text)]
    while todo:
        name = todo.pop()
        if name in classes and name not in own and name not in found:
            found.append(name)
            todo += WORD_CLASS.findall(classes[name][0]) if isinstance(
                classes[name][0], str) else []
    return found


def _classes(value, path: Path) -> dict[str, tuple[object, str]]:
    """`[classes.NAME]`: a word class every rule of the file may name as {NAME}, with its
    label (Chinese) and its words (a list) or a regular expression: name -> (value, label)."""
    if not isinstance(value, dict):
        raise InputError(path, "must be a table of word classes", field="classes")
    out = {}
    for name, table in value.items():
        where = f"classes.{name}"
        if not isinstance(table, dict) or set(table) - {"label", "words", "regex"} or (
                ("words" in table) == ("regex" in table)):
            raise InputError(path, "a class is a table with label and either words (a list) "
                             "or regex", field=where)
        label, item = table.get("label"), table.get("words", table.get("regex"))
        if not isinstance(label, str) or not label.strip():
            raise InputError(path, "needs a label (its name in Chinese)", field=f"{where}.label")
        ok = (isinstance(item, list) and item and all(isinstance(w, str) and w.strip()
                                                      for w in item)) or (
            isinstance(item, str) and item)
        if not ok:
            raise InputError(path, "must be a list of words or a regular expression",
                             field=f"{where}.{'words' if 'words' in table else 'regex'}")
        out[name] = (tuple(item) if isinstance(item, list) else item, label.strip())
    return out


def load_file(path: Path, taken: dict[str, str] | None = None) -> list[NormRule]:
    """The rules of one file, each checked; `taken`: ids already defined elsewhere."""
    path = Path(path)
    raw = read_text(path)
    data = parse_toml(raw, path)
    for key in sorted(set(data) - {"rules", "classes"}):
        raise InputError(path, "unknown table; rules go in [[rules]] tables", field=key)
    classes = _classes(data.get("classes", {}), path)
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise InputError(path, "no rules: add [[rules]] tables", field="rules")
    taken = {} if taken is None else taken
    out = []
    for entry in entries:
        rule = parse_rule(entry, path, raw, taken, classes)
        taken[rule.id] = str(path)
        out.append(rule)
    return out


def rules_dir(lexicon_dir: Path | None = None) -> Path:
    return (Path(lexicon_dir) if lexicon_dir else default_dir()) / "rules"


def load(lexicon_dir: Path | None = None) -> tuple[NormRule, ...]:
    """Every rule file of a lexicon folder; a rule that is also a built-in is refused."""
    taken = {rule_id: "monitor/rules.py" for rule_id in vocabulary.RULES}
    folder = rules_dir(lexicon_dir)
    if not folder.is_dir():
        return ()
    return tuple(rule for path in sorted(folder.glob("*.toml")) for rule in load_file(path, taken))


@lru_cache(maxsize=8)
def _cached(folder: str) -> tuple[NormRule, ...]:
    return load(Path(folder).parent)


def words() -> dict[str, RuleWords]:
    """The shipped rules' words by id (name, prompt, norm), for every surface; a rule file
    that cannot be read names no rule (`courtesy rules check` says why)."""
    try:
        return {rule.id: rule.words for rule in _cached(str(rules_dir()))}
    except InputError:
        return {}


vocabulary.data_words = words  # rules written as data name themselves (see vocabulary)
