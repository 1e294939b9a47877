"""The project's errors: messages a user can act on, raised by the library, shown by the CLI."""
from __future__ import annotations

from pathlib import Path


class CourtesyError(Exception):
    """Base class; the CLI prints `错误：<message>` and exits 1."""


class InputError(CourtesyError):
    """A user file (transcript, audio, lexicon, profile, config) is wrong.

    Names the file and, where known, the line and field, so the user can go and fix it.
    """

    def __init__(self, path, message: str, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.line = line
        self.field = field
        super().__init__(f"{location(self.path, line)}：{self.field_text}{message}")

    @property
    def field_text(self) -> str:
        return f"字段“{self.field}”：" if self.field else ""


def location(path, line: int | None = None) -> str:
    """Where in a user's file, as a hall reads it: `hall.toml 第 12 行`."""
    return f"{path} 第 {line} 行" if line else str(path)


class ConfigError(CourtesyError):
    """A profile, option or setting that cannot work (unknown profile, bad parameter)."""


class ModelError(CourtesyError):
    """A speech model is missing, broken or fails verification."""


class AudioError(CourtesyError):
    """An audio device or stream cannot be used."""


class StorageError(CourtesyError):
    """The database cannot be opened or written."""


class ReportError(CourtesyError):
    """A report cannot be made as asked (period, output, PDF printer)."""


class AccountError(CourtesyError):
    """A user cannot be added as asked."""


class ServeError(CourtesyError):
    """The board cannot be served (the address is taken or not ours)."""


def read_text(path) -> str:
    """A user's text file, or an InputError that names it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"无法读取（cannot read: {exc}）") from None


def parse_toml(text: str, path) -> dict:
    """TOML from a user's file, or an InputError naming the file and the line."""
    import re
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(path, f"TOML 格式有误（not valid TOML: {exc}）",
                         int(line.group(1)) if line else None) from None


def read_toml(path) -> dict:
    """A user's TOML file (lexicon, profile, hall config, scenario)."""
    return parse_toml(read_text(path), path)


class ChangeError(CourtesyError):
    """A change to the hall's lexicon or rules cannot be made as asked (hallchanges.py)."""


class TuningError(ChangeError):
    """A lexicon change cannot be made as asked."""


class RuleChangeError(ChangeError):
    """A rule change cannot be made as asked."""
