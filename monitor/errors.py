"""The project's errors: messages a user can act on, raised by the library, shown by the CLI."""
from __future__ import annotations


class CourtesyError(Exception):
    """Base class; the CLI prints `Error: <message>` and exits 1."""


class InputError(CourtesyError):
    """A user file (transcript, audio, lexicon, profile, config) is wrong.

    Names the file and, where known, the line and field, so the user can go and fix it.
    """

    def __init__(self, path, message: str, line: int | None = None, field: str | None = None):
        self.path = str(path)
        self.line = line
        self.field = field
        where = self.path + (f", line {line}" if line else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")


class ConfigError(CourtesyError):
    """A profile, option or setting that cannot work (unknown profile, bad parameter)."""


class ModelError(CourtesyError):
    """A speech model is missing, broken or fails verification."""


class AudioError(CourtesyError):
    """An audio device or stream cannot be used."""
