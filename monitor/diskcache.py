"""Built tables kept on disk between processes, so a restarted monitor starts in a second.

A value is stored with marshal (plain tuples, dicts, strings and numbers: nothing in the
file can run code) under a key naming everything it was built from; a file whose key
differs, or that cannot be read, is a miss and the caller rebuilds. Writes go to a temp
file beside the target and `os.replace` it, so a reader sees the old file or the new one,
never half of one, and processes starting at once may each write without harm.
"""
from __future__ import annotations

import logging
import marshal
import os
import tempfile
from pathlib import Path

log = logging.getLogger("courtesy.cache")

KEEP = 4  # cache files of one name kept (several lexicons on one machine), newest first


def cache_dir() -> Path:
    """`$COURTESY_CACHE_DIR`, else `$XDG_CACHE_HOME/courtesy`, else `~/.cache/courtesy`."""
    if os.environ.get("COURTESY_CACHE_DIR"):
        return Path(os.environ["COURTESY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "courtesy"


def path_for(name: str, key: str) -> Path:
    return cache_dir() / f"{name}-{key[:24]}.marshal"


def read(name: str, key: str):
    """The value stored under `key`, or None (absent, another key, unreadable: logged)."""
    path = path_for(name, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        log.warning("cache %s unreadable (%s); rebuilding", path, err)
        return None
    try:
        stored_key, value = marshal.loads(data)
    except (EOFError, ValueError, TypeError) as err:
        log.warning("cache %s is corrupt (%s); rebuilding", path, err)
        return None
    if stored_key != key:
        log.warning("cache %s holds another key; rebuilding", path)
        return None
    return value


def write(name: str, key: str, value) -> Path | None:
    """Store `value` atomically; a folder that cannot be written is logged, not raised
    (the caller has its value either way)."""
    path = path_for(name, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump((key, value), handle)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except (OSError, ValueError) as err:
        log.warning("cache %s not written (%s); the next start builds again", path, err)
        return None
    _prune(name, path)
    return path


def _prune(name: str, kept: Path) -> None:
    """Older files of this name beyond KEEP (built from inputs since changed)."""
    files = sorted(kept.parent.glob(f"{name}-*.marshal"), key=_mtime, reverse=True)
    for old in [f for f in files if f != kept][KEEP - 1:]:
        old.unlink(missing_ok=True)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
