"""Speech engines behind one small interface (`engine.py`), chosen by one factory.

An engine holds the model (loaded once per process, shared by every stream); a stream
holds one recogniser for one side of one counter. Streams take the VAD's `Voiced` pieces
and give back finished `Utterance`s, so silence never reaches a model; between pieces,
`partial()` gives what has been heard so far, for a light in the moment.
"""
from __future__ import annotations

from ..lexicon import Lexicon
from .engine import ENGINES, Engine, Stream, resolve

__all__ = ["ENGINES", "Engine", "Stream", "create", "resolve"]


def create(name: str = "auto", lexicon: Lexicon | None = None, options=None) -> Engine:
    """Load an engine once; `lexicon` gives the sherpa keyword spotter its phrases."""
    chosen = resolve(name)
    if chosen == "vosk":
        from .vosk import VoskEngine

        return VoskEngine(options)
    from .sherpa import SherpaEngine

    return SherpaEngine(lexicon, options)
