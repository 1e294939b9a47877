"""Sector profiles: which lexicons apply and every stage's parameters.

A profile is a TOML file in `lexicons/profiles/`; it may `extend` another and override
only what its sector's norms say differently. The options used are stored with each
scored session, so a score can always be explained.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from . import ruledata
from .errors import ConfigError, InputError, read_toml
from .lexicon import KINDS, SECTORS, SEVERITIES, default_dir
from .matching import MatchOptions
from .rules import RuleOptions, RuleSetting, ScoreOptions
from .visits import VisitOptions

DEFAULT = "general"
TABLES = ("profile", "visits", "matching", "rules", "scoring")
HEAD_KEYS = {"name": str, "title": str, "sector": str, "extends": str, "lexicons": list}
PERCENT = {"expected_threshold", "pass_at", "fail_below"}  # 0-100, like the thresholds
CONFIDENCE = {"role_sure_at"}  # 0.5-1, as sure as a voice decision on a role can be


@dataclass
class Profile:
    name: str
    title: str
    sector: str | None
    lexicons: list[str]
    visits: VisitOptions
    matching: MatchOptions
    rules: RuleOptions
    scoring: ScoreOptions
    path: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def profile_dir(lexicon_dir: Path | None = None) -> Path:
    return (Path(lexicon_dir) if lexicon_dir else default_dir()) / "profiles"


def available(lexicon_dir: Path | None = None) -> list[str]:
    return sorted(p.stem for p in profile_dir(lexicon_dir).glob("*.toml"))


def _read(name_or_path: str, lexicon_dir: Path | None) -> tuple[dict, Path]:
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = profile_dir(lexicon_dir) / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available(lexicon_dir)) or "none"
        raise ConfigError(f"unknown profile {name_or_path!r} (available: {known})")
    return read_toml(path), path


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def _table(data: dict, key: str, path: Path, where: str | None = None) -> dict:
    """A TOML table the profile must have as a table (`profile = "x"` is not one)."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise InputError(path, f"must be a table [{where or key}], not {value!r}",
                         field=where or key)
    return value


def _head(data: dict, path: Path) -> dict:
    head = _table(data, "profile", path)
    for key, value in head.items():
        kind = HEAD_KEYS.get(key)
        if kind is None:
            raise InputError(path, f"unknown key (known: {', '.join(HEAD_KEYS)})",
                             field=f"profile.{key}")
        if not isinstance(value, kind) or kind is list and not all(
                isinstance(v, str) for v in value):
            raise InputError(path, f"must be {'a list of strings' if kind is list else 'a string'}"
                             f", not {value!r}", field=f"profile.{key}")
    return head


def _raw(name: str, lexicon_dir: Path | None, seen: tuple[str, ...] = ()) -> tuple[dict, Path]:
    data, path = _read(name, lexicon_dir)
    parent = _head(data, path).get("extends")
    if parent:
        if parent in seen:
            raise InputError(path, f"profiles extend each other in a loop: {' -> '.join(seen)}",
                             field="profile.extends")
        base, _ = _raw(parent, lexicon_dir, seen + (name,))
        data = _merge(base, data)
    return data, path


def _fill(options, values: dict, path: Path, section: str):
    """Set dataclass fields from a TOML table, refusing unknown keys and wrong types."""
    fields = {f.name: f for f in dataclasses.fields(options)}
    for key, value in values.items():
        if key not in fields:
            raise InputError(path, f"unknown parameter (known: {', '.join(sorted(fields))})",
                             field=f"{section}.{key}")
        current = getattr(options, key)
        if isinstance(current, (bool, str)) and type(value) is not type(current):
            raise InputError(path, f"must be a {type(current).__name__}, not {value!r}",
                             field=f"{section}.{key}")
        optional_number = current is None and fields[key].type.startswith("float")
        if optional_number or isinstance(current, (int, float)) and not isinstance(current, bool):
            value = _number(value, key, current, path, f"{section}.{key}")
        elif isinstance(current, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise InputError(path, f"must be a list of strings, not {value!r}",
                                 field=f"{section}.{key}")
            value = tuple(value)
        elif not isinstance(current, (bool, str)):  # a table (thresholds, settings): not here
            raise InputError(path, f"cannot be set to {value!r}", field=f"{section}.{key}")
        setattr(options, key, value)
    return options


def _number(value, key: str, current, path: Path, field: str) -> float | int:
    """A parameter's number: finite, not negative (levels in dBFS are), in 0-100 for a
    percentage, whole for a count."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(path, f"must be a number, not {value!r}", field=field)
    if value < 0 and "dbfs" not in key:
        raise InputError(path, f"must not be negative ({value})", field=field)
    if key in PERCENT and value > 100:
        raise InputError(path, f"must be 0-100, not {value}", field=field)
    if key in CONFIDENCE and not 0.5 <= value <= 1:
        raise InputError(path, f"must be 0.5-1, not {value}", field=field)
    if isinstance(current, int):
        if value != int(value):
            raise InputError(path, f"must be a whole number, not {value}", field=field)
        return int(value)
    return float(value)


def _with_norms(rules: RuleOptions, lexicon_dir: Path | None) -> RuleOptions:
    """The rules written as data (lexicons/rules/*.toml), each with its default setting,
    every "$name" they use checked against the rule options."""
    options = {f.name for f in dataclasses.fields(RuleOptions)}
    rules.norms = ruledata.load(lexicon_dir)
    for rule in rules.norms:
        rule.check_refs(options)
        rules.settings[rule.id] = RuleSetting(rule.enabled, rule.severity, rule.deduction)
    return rules


def _norm_params(rule: ruledata.NormRule, values: dict, path: Path) -> ruledata.NormRule:
    """A profile's values for a data rule's own parameters (`[rules.first_asked] turns = 2`)."""
    params = dict(rule.params)
    for key, value in values.items():
        where = f"rules.{rule.id}.{key}"
        if isinstance(params[key], str):
            if not isinstance(value, str):
                raise InputError(path, f"must be a regular expression, not {value!r}",
                                 field=where)
            params[key] = value
        elif isinstance(params[key], tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise InputError(path, f"must be a list of strings, not {value!r}", field=where)
            params[key] = tuple(value)
        else:
            params[key] = float(_number(value, key, 0.0, path, where))
    return dataclasses.replace(rule, params=params)


def load(name: str = DEFAULT, lexicon_dir: Path | None = None,
         rating_device: bool = False) -> Profile:
    """Load a profile by name (or path), with everything it extends; in a hall with rating
    devices (`rating_device`) the rating prompt is required (rule rating_prompt on)."""
    data, path = _raw(name, lexicon_dir)
    head = _head(data, path)
    lexicons = head.get("lexicons", list(KINDS))
    unknown = [k for k in data if k not in TABLES]
    if unknown:
        raise InputError(path, f"unknown table (known: {', '.join(TABLES)})", field=unknown[0])
    visits = _fill(VisitOptions(), _table(data, "visits", path), path, "visits")
    matching_raw = dict(_table(data, "matching", path))
    thresholds = _table(matching_raw, "thresholds", path, "matching.thresholds")
    matching_raw.pop("thresholds", None)
    matching = _fill(MatchOptions(), matching_raw, path, "matching")
    for kind, value in thresholds.items():
        if kind not in KINDS or isinstance(value, bool) or not isinstance(
                value, (int, float)) or not 0 <= value <= 100:
            raise InputError(path, "needs a known kind and a number 0-100",
                             field=f"matching.thresholds.{kind}")
        matching.thresholds[kind] = float(value)
    rules = _with_norms(RuleOptions(), lexicon_dir)
    norms = {rule.id: rule for rule in rules.norms}
    rule_tables = dict(_table(data, "rules", path))
    _fill(rules, {k: rule_tables.pop(k) for k in list(rule_tables) if k not in rules.settings
                  and not isinstance(rule_tables[k], dict)}, path, "rules")  # [rules] itself
    for rule_id, values in rule_tables.items():
        if rule_id not in rules.settings:
            raise InputError(path, f"unknown rule (known: {', '.join(rules.settings)})",
                             field=f"rules.{rule_id}")
        values = dict(_table({rule_id: values}, rule_id, path, f"rules.{rule_id}"))
        setting_values = {k: values.pop(k) for k in ("enabled", "severity", "weight")
                          if k in values}
        if setting_values.get("severity", "major") not in SEVERITIES:
            raise InputError(path, f"must be one of {', '.join(SEVERITIES)}",
                             field=f"rules.{rule_id}.severity")
        _fill(rules.settings[rule_id], setting_values, path, f"rules.{rule_id}")
        own = {k: values.pop(k) for k in list(values)
               if rule_id in norms and k in norms[rule_id].params}
        if own:
            norms[rule_id] = _norm_params(norms[rule_id], own, path)
        _fill(rules, values, path, f"rules.{rule_id}")  # the rule options it reads
    rules.norms = tuple(norms.values())
    scoring = _fill(ScoreOptions(), _table(data, "scoring", path), path, "scoring")
    if rating_device:
        rules.settings["rating_prompt"].enabled = True
    profile_name = head.get("name", path.stem)
    sector = head.get("sector", profile_name if profile_name in SECTORS else None)
    return Profile(profile_name, head.get("title", profile_name), sector, list(lexicons),
                   visits, matching, rules, scoring, str(path))



def check(path: Path | None = None) -> tuple[dict[str, int], list[str]]:
    """`courtesy lexicon check`: one lexicon file, or a lexicon folder and every profile
    beside it, loaded as the monitor would; gives phrases per kind and the profiles checked.
    The first mistake raises InputError/ConfigError naming its file, line and field."""
    from collections import Counter

    from . import lexicon as lexicons

    if path is not None and Path(path).is_file():
        phrases, names = lexicons.load_file(Path(path)), []
        lexicons.check(phrases)
    else:
        phrases, names = lexicons.load(path).phrases, available(path)
        for name in names:
            load(name, path)
    return dict(sorted(Counter(p.kind for p in phrases).items())), names


def check_rules(path: Path | None = None) -> tuple[tuple[ruledata.NormRule, ...], list[str]]:
    """`courtesy rules check`: one rule file, or a lexicon folder's rule files and every
    profile beside them, loaded as the monitor would; the first mistake raises InputError
    naming its file, rule and field."""
    options = {f.name for f in dataclasses.fields(RuleOptions)}
    if path is not None and Path(path).is_file():
        found = tuple(ruledata.load_file(Path(path), {r: "monitor/rules.py"
                                                       for r in RuleOptions().settings}))
        names: list[str] = []
    else:
        found, names = ruledata.load(path), available(path)
        for name in names:
            load(name, path)
    for rule in found:
        rule.check_refs(options)
    return found, names
