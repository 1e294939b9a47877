"""Phrase lexicons: TOML files anyone can edit, loaded and checked.

Each file holds one *kind* of phrase. Required courtesy kinds are what staff should say;
`taboo` is what staff must never say (服务忌语); cue kinds are what the rules listen for
(a customer's thanks, a question, an instruction that wants a 请). A hall may change its
own copy phrase by phrase (`hall_lexicon`: thresholds, exceptions, phrases off; tuning.py).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from .errors import InputError, location, parse_toml, read_text
from .hallchanges import in_force
from .normalize import clean_chars
from .records import LexiconChange
from .vocabulary import SEVERITIES

REQUIRED_KINDS = ("greeting", "farewell", "please", "apology", "waiting", "thanks_reply",
                  "rating_prompt")
CUE_KINDS = ("thanks", "question", "instruction", "deflection", "direction", "missing",
             "returning", "request")  # deflection-returning: cues of the norms written as
# data (rules/*.toml); request (我想办…, 你们这里…): who speaks, on one pickup microphone
KINDS = REQUIRED_KINDS + ("taboo", "rating_pressure") + CUE_KINDS
TABOO_CATEGORIES = ("不礼貌", "不耐烦", "傲慢", "责难", "讽刺", "刁难", "泄气", "庸俗", "推诿")
SECTORS = ("police", "hospital", "bank", "utility", "government")
POSITIONS = ("any", "final")
SAID_BY = ("staff", "customer", "either")  # who says a phrase at a counter (`said_by`)
_HEADER_KEYS = {"kind", "description", "said_by"}
_PHRASE_KEYS = {"text", "variants", "source", "category", "severity", "exceptions", "sectors",
                "position", "reported", "said_by"}


@dataclass(frozen=True)
class Phrase:
    """One lexicon entry: a canonical text, its spoken variants and what it means."""

    text: str
    kind: str
    variants: tuple[str, ...] = ()
    category: str = ""
    severity: str = ""
    exceptions: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    position: str = "any"  # "final": only counts at the end of an utterance (吗, 呢)
    # said of a third person (他不知道, 教练不知道每个队员的任务) it reports, no hit (subject.py)
    reported: bool = False
    said_by: str = "either"  # only this role says it at a counter: a hint of who speaks on
    # one pickup microphone (speakers.RoleCues); the file's `said_by`, or the phrase's own
    source: str = ""
    file: str = ""
    line: int = 0
    threshold: float | None = None  # a hall's own match threshold (tuning.py); None: the kind's

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.text,) + self.variants


@dataclass(frozen=True)
class Lexicon:
    """The phrases of one or more lexicon files."""

    phrases: tuple[Phrase, ...]

    def of_kind(self, kind: str) -> tuple[Phrase, ...]:
        return tuple(p for p in self.phrases if p.kind == kind)

    def for_sector(self, sector: str | None) -> "Lexicon":
        """Drop sector-specific phrases that belong to other sectors."""
        return Lexicon(tuple(p for p in self.phrases
                             if not p.sectors or (sector is not None and sector in p.sectors)))


def default_dir() -> Path:
    """`$COURTESY_LEXICONS`, else the `lexicons/` folder beside the package."""
    env = os.environ.get("COURTESY_LEXICONS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "lexicons"



# --- word-class files (words/intent.toml, words/materials.toml) --------------------------

Built = TypeVar("Built")


def words_file(name: str) -> Path:
    """`words/NAME.toml` in the lexicon folder: the word classes a reader of lines builds on."""
    return _words_file(name, os.environ.get("COURTESY_LEXICONS"))


@lru_cache(maxsize=16)
def _words_file(name: str, folder: str | None) -> Path:
    """Found once for each lexicon folder named (a path resolved for every line read was
    most of a rule preview's time)."""
    return default_dir() / "words" / f"{name}.toml"


def word_classes(path: str, build: Callable[[dict[str, str]], Built]) -> Built:
    """What a reader builds of a word-class file's classes (each an alternation, longest
    word first); a class it needs that the file lacks is one error naming the file and the
    class, as a wrong class is."""
    try:
        return build(_word_classes(path))
    except KeyError as missing:
        raise InputError(path, f"缺少词类 [{missing.args[0]}]（a word class the reader "
                         "needs is missing）", field=missing.args[0]) from None


@lru_cache(maxsize=8)
def _word_classes(path: str) -> dict[str, str]:
    """Each class of the file as an alternation; a hall's edit that is wrong is one error
    naming the file, line and class."""
    raw = read_text(path)
    lines = raw.splitlines()
    out = {}
    for name, table in parse_toml(raw, path).items():
        words = table.get("words") if isinstance(table, dict) else None
        if set(table if isinstance(table, dict) else ()) != {"words"} or not isinstance(
                words, list) or not words or not all(isinstance(w, str) and w for w in words):
            header = next((n for n, line in enumerate(lines, 1)
                           if line.startswith(f"[{name}]")), None)
            raise InputError(path, "每个词类只有一项 words：非空的词语列表（a class holds one "
                             "key, words: a list of words）", header, f"{name}.words")
        out[name] = "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len,
                                                                   reverse=True)) + ")"
    return out

def _entry_lines(raw: str) -> list[int]:
    return [n for n, line in enumerate(raw.splitlines(), 1)
            if re.match(r"\s*\[\[\s*phrases\s*\]\]", line)]


def _line_of(raw: str, key: str) -> int | None:
    """The line that opens a table or sets a key (`[key]`, `[[key]]`, `key =`)."""
    pattern = re.compile(rf"\s*(\[\[?\s*\"?{re.escape(key)}\"?[\s.\]]|\"?{re.escape(key)}\"?\s*=)")
    return next((n for n, line in enumerate(raw.splitlines(), 1) if pattern.match(line)), None)


def _strings(value, path, line, field) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, "must be a string or a list of strings", line, field)
    return tuple(value)


def _phrase_text(value, path, line, field) -> str:
    text = clean_chars(value)
    if not text:
        raise InputError(path, f"{value!r} has no characters to match", line, field)
    return text


def load_file(path: Path) -> list[Phrase]:
    """Parse and check one lexicon file; errors name the file, line and field."""
    path = Path(path)
    raw = read_text(path)
    data = parse_toml(raw, path)
    header = data.get("lexicon")
    if not isinstance(header, dict):
        raise InputError(path, "missing [lexicon] table with a 'kind'", field="lexicon")
    kind = header.get("kind")
    if kind not in KINDS:
        raise InputError(path, f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                         field="lexicon.kind")
    for key in sorted(set(header) - _HEADER_KEYS):  # [[lexicon.phrases]] would vanish here
        raise InputError(path, f"unknown key (known: {', '.join(sorted(_HEADER_KEYS))})",
                         _line_of(raw, f"lexicon.{key}") or _line_of(raw, key), f"lexicon.{key}")
    for key in sorted(set(data) - {"lexicon", "phrases"}):  # [[phrase]]: ignored, 0 phrases
        raise InputError(path, "unknown table; phrases go in [[phrases]] tables",
                         _line_of(raw, key), key)
    entries = data.get("phrases")
    if entries is None:
        raise InputError(path, "no phrases: add [[phrases]] tables, each with a text",
                         field="phrases")
    if not isinstance(entries, list):
        raise InputError(path, "must be an array of tables [[phrases]]", _line_of(raw, "phrases"),
                         "phrases")
    if not entries:
        raise InputError(path, "no phrases: add [[phrases]] tables, each with a text",
                         _line_of(raw, "phrases"), "phrases")
    said_by = _said_by(header.get("said_by", "either"), path, _line_of(raw, "said_by"),
                       "lexicon.said_by")
    lines = _entry_lines(raw)
    phrases = []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else _line_of(raw, "phrases")
        if not isinstance(entry, dict):
            raise InputError(path, f"entry {i + 1} is {entry!r}, not a table with a text "
                             '(write [[phrases]] text = "...")', line, "phrases")
        phrases.append(_parse_entry(entry, kind, path, line, said_by))
    return phrases


def _said_by(value, path: Path, line: int | None, field: str) -> str:
    if value not in SAID_BY:
        raise InputError(path, f"unknown said_by {value!r}; expected one of "
                         f"{', '.join(SAID_BY)}", line, field)
    return value


def _parse_entry(entry: dict, kind: str, path: Path, line: int | None,
                 said_by: str = "either") -> Phrase:
    unknown = set(entry) - _PHRASE_KEYS
    if unknown:
        raise InputError(path, "unknown key", line, sorted(unknown)[0])
    if not isinstance(entry.get("text"), str):
        raise InputError(path, "missing or not a string", line, "text")
    category, severity = entry.get("category", ""), entry.get("severity", "")
    if kind == "taboo":
        if category not in TABOO_CATEGORIES:
            raise InputError(path, f"unknown taboo category {category!r}; expected one of "
                             f"{' '.join(TABOO_CATEGORIES)}", line, "category")
        if severity not in SEVERITIES:
            raise InputError(path, f"unknown severity {severity!r}; expected one of "
                             f"{', '.join(SEVERITIES)}", line, "severity")
    elif category or severity:
        raise InputError(path, "only taboo phrases carry a category and severity", line,
                         "category" if category else "severity")
    sectors = _strings(entry.get("sectors", []), path, line, "sectors")
    for sector in sectors:
        if sector not in SECTORS:
            raise InputError(path, f"unknown sector {sector!r}; expected one of "
                             f"{', '.join(SECTORS)}", line, "sectors")
    position = entry.get("position", "any")
    if position not in POSITIONS:
        raise InputError(path, f"unknown position {position!r}", line, "position")
    reported = entry.get("reported", False)
    if not isinstance(reported, bool):
        raise InputError(path, f"must be true or false, not {reported!r}", line, "reported")
    return Phrase(
        text=_phrase_text(entry["text"], path, line, "text"),
        kind=kind,
        variants=tuple(_phrase_text(v, path, line, "variants")
                       for v in _strings(entry.get("variants", []), path, line, "variants")),
        category=category,
        severity=severity,
        exceptions=tuple(_phrase_text(v, path, line, "exceptions")
                         for v in _strings(entry.get("exceptions", []), path, line, "exceptions")),
        sectors=sectors,
        position=position,
        reported=reported,
        said_by=_said_by(entry.get("said_by", said_by), path, line, "said_by"),
        source=str(entry.get("source", "")),
        file=str(path),
        line=line or 0,
    )


def lexicon_files(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("*.toml"))


def load(directory: Path | None = None, names: list[str] | None = None) -> Lexicon:
    """Load the named lexicon files (stems) from a folder, or all of them; check the whole."""
    directory = Path(directory) if directory else default_dir()
    if not directory.is_dir():
        raise InputError(directory, "lexicon folder not found")
    if names is None:
        paths = lexicon_files(directory)
    else:
        paths = []
        for name in names:
            path = directory / f"{name}.toml"
            if not path.is_file():
                raise InputError(path, f"lexicon {name!r} not found")
            paths.append(path)
    phrases = [p for path in paths for p in load_file(path)]
    check(phrases)
    return Lexicon(tuple(phrases))


def check(phrases: list[Phrase]) -> None:
    """Whole-lexicon checks: no form listed twice, none both required and taboo."""
    seen: dict[tuple[str, str], Phrase] = {}
    for phrase in phrases:
        for form in phrase.forms:
            # the same form may serve several cue kinds (谢谢 is a cue, never a requirement)
            group = "cue" if phrase.kind in CUE_KINDS else "rule"
            key = (group, form)
            other = seen.get(key)
            if other is None:
                seen[key] = phrase
                continue
            both = {other.kind, phrase.kind}
            if "taboo" in both and len(both) == 2:
                raise InputError(phrase.file, f"{form!r} is listed as {phrase.kind} here and as "
                                 f"{other.kind} in {location(other.file, other.line)}",
                                 phrase.line, "text")
            raise InputError(phrase.file, f"duplicate phrase {form!r} (also in "
                             f"{location(other.file, other.line)})", phrase.line, "text")


def hall_lexicon(shipped: Lexicon, changes: Sequence[LexiconChange]) -> tuple[Lexicon, int]:
    """The shipped lexicon with a hall's changes (in version order, undone ones left out),
    and the version that makes."""
    own: dict[tuple[str, str], list[LexiconChange]] = {}
    for change in in_force(changes):
        own.setdefault((change.kind, change.phrase), []).append(change)
    phrases = []
    for phrase in shipped.phrases:
        changed = _changed(phrase, own.get((phrase.kind, phrase.text), ()))
        if changed is not None:
            phrases.append(changed)
    return Lexicon(tuple(phrases)), max((c.version or 0 for c in changes), default=0)


def _changed(phrase: Phrase, changes: Sequence[LexiconChange]) -> Phrase | None:
    """A phrase with its changes applied; None when it is switched off."""
    for change in changes:
        if change.change == "off":
            return None
        if change.change == "threshold":
            phrase = replace(phrase, threshold=float(change.value))
        elif change.change == "except":
            phrase = replace(phrase, exceptions=phrase.exceptions + (change.value,))
    return phrase
