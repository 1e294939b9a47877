"""The engine interface every speech engine implements, and the names that choose one.

Engines import this module and nothing of the package above, so `asr.create` may import
them without a cycle.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from .. import models
from ..errors import ConfigError
from ..records import Utterance, Voiced

ENGINES = ("sherpa", "vosk", "auto")


class Stream(ABC):
    """One recogniser: decodes a segment while it is spoken, yields it when it ends."""

    @abstractmethod
    def feed(self, voiced: Voiced) -> list[Utterance]:
        """Decode a piece of speech; a final piece returns its utterance (if words were heard)."""

    @abstractmethod
    def partial(self) -> Utterance | None:
        """What has been heard of the segment being spoken (`Utterance.partial`), when it
        changed since the last call: a live caller judges it before the speaker stops."""

    def first(self, voiced: Voiced) -> tuple[list[Utterance], bool]:
        """`feed`, but a final piece's utterance as heard at once, and whether `again` will
        read the segment a second time (a live caller judges the first reading meanwhile)."""
        return self.feed(voiced), False

    def again(self) -> list[Utterance]:
        """The segment `first` finished, read a second time: the utterance that stands."""
        raise NotImplementedError("this engine reads a segment once")


class Engine(ABC):
    """A loaded model; `stream()` is cheap and called once per counter side."""

    name: str

    @abstractmethod
    def stream(self, role: str) -> Stream:
        ...

    def describe(self) -> dict:
        """What produced a transcript, stored beside it so results can be explained."""
        return {"engine": self.name}


def resolve(name: str) -> str:
    """`auto` is vosk when its model is installed, else sherpa-onnx."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r} (choose {', '.join(ENGINES)})")
    if name == "auto":
        return "vosk" if models.is_installed(models.VOSK_CN) else "sherpa"
    return name
