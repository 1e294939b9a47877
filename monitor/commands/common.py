"""What the commands share: the root group's error handling and --config, the options every
command takes alike (--db, --lexicons, --channels, --engine, --config), number ranges,
the database a command writes to or reads before it.
"""
from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

import click

from .. import limits, profiles, rulechanges
from ..errors import CourtesyError
from ..storage import DEFAULT_DB


class Group(click.Group):
    """Turns the library's errors into `错误：...` and exit status 1; every command with
    --db also takes --config, whose `[hall] db` is the database when --db is not given."""

    group_class = type  # subgroups too

    def add_command(self, cmd, name=None):
        if any(p.name == "db_path" for p in cmd.params) and not any(
                "--config" in p.opts for p in cmd.params):
            cmd.params.append(click.Option(
                ["--config", "db_config"], type=click.Path(dir_okay=False, path_type=Path),
                expose_value=False, callback=_remember_config,
                help="Hall config whose [hall] db is the database "
                     "(default: $COURTESY_CONFIG, else ./hall.toml)"))
        super().add_command(cmd, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CourtesyError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(1)


class _OutOfRange(click.BadParameter):
    exit_code = 1  # a value the command cannot run with, as a library error is


class Bounded(click.ParamType):
    """A number option in its range (monitor/limits.py, where every option's range is):
    nan, inf, 1e14 and -1 where they make no sense are one `Error:` in Chinese with the
    option's name, and exit status 1."""

    def __init__(self, bound: limits.Range):
        self.bound = bound
        self.name = "integer" if bound.integer else "number"

    def convert(self, value, param, ctx):
        name = param.opts[0] if param is not None and param.opts else "value"
        try:
            return self.bound.parse(str(value), name)
        except ValueError as exc:
            raise _OutOfRange(str(exc), ctx=ctx, param=param) from None


def db_option(func):
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                        callback=_db_path,
                        help=f"SQLite database [default: the hall config's [hall] db, "
                             f"else {DEFAULT_DB}]")(func)


def _remember_config(ctx, param, path: Path | None):
    ctx.meta["courtesy.config"] = path


def _db_path(ctx, param, path: Path | None) -> Path:
    """--db as given, else `[hall] db` of the command's --config (or the default config)."""
    if path is not None:
        return path
    from .. import config

    hall = ctx.params.get("hall")
    if not isinstance(hall, config.Hall):
        hall = config.load(ctx.params.get("config_path") or ctx.meta.get("courtesy.config"))
    return hall.ops.db or DEFAULT_DB


def lexicons_option(func):
    return click.option("--lexicons", "lexicon_dir",
                        type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Lexicon folder (default: the bundled lexicons/)")(func)


def _channel_map(ctx, param, value):
    from ..sources import parse_channels

    try:
        return parse_channels(value)
    except CourtesyError as exc:
        raise click.BadParameter(str(exc)) from None


def channels_option(func):
    return click.option("--channels", callback=_channel_map, default="staff,customer",
                        show_default=True,
                        help="Role of each audio channel in order (staff, customer, - to skip); "
                             "a mono recording takes one role; mixed: one pickup microphone "
                             "holding both voices, told apart by voice")(func)


def engine_option(func):
    return click.option("--engine", type=click.Choice(["sherpa", "vosk", "auto"]),
                        default="auto", show_default=True,
                        help="Speech engine: auto is vosk when its model is installed")(func)


def hall_option(func):
    return click.option("--config", "hall", type=click.Path(dir_okay=False, path_type=Path),
                        callback=_load_hall,
                        help="Hall config: [privacy] store_raw, each window's staff and "
                             "profile, [lights] (default: ./hall.toml if present)")(func)


def _load_hall(ctx, param, path: Path | None):
    from .. import config

    return config.load(path)


def hall_log(hall):
    """`listen` and `serve` log the hall's events (stderr, and [log] file)."""
    from .. import logs

    logs.for_hall(hall, click.get_current_context().find_root().meta.get("courtesy.verbose"))
    return logs


def writer(db_path: Path, hall):
    """The database for a command that stores speech; masked unless the hall keeps raw text."""
    from ..storage import Store

    return Store(db_path, store_raw=hall.store_raw)


def for_window(hall, window: str | None, staff: str | None, profile: str | None
                ) -> tuple[str | None, str]:
    """Staff and profile as given, else as the hall config says for the window."""
    configured = hall.windows.get(window) if window else None
    staff = staff or (configured.staff if configured else None) or None
    profile = profile or (configured.profile if configured else None) or profiles.DEFAULT
    return staff, profile


def id_option(ctx, param, value: str | None) -> str | None:
    """A --window or --staff id, checked as a transcript's ids are."""
    from ..transcript import id_problem

    problem = id_problem(param.name, value) if value else None
    if problem:
        raise click.BadParameter(problem)
    return value


def parse_at(value: str | None) -> datetime:
    if not value:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date and time like 2026-11-22T09:00",
                                 param_hint="--at") from None
    if not 2000 <= moment.year <= 2099:  # times are stored as the start plus up to a month
        raise click.BadParameter(f"{value!r} is not between the years 2000 and 2099",
                                 param_hint="--at")
    return moment if moment.tzinfo else moment.astimezone()


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def path_argument(func):
    """`lexicon check` and `rules check`: a folder or one file, else the bundled ones."""
    return click.argument("path", required=False,
                          type=click.Path(exists=True, path_type=Path))(func)


def parse_day(value: str | None, option: str):
    if value is None:
        return None
    from datetime import date
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22",
                                 param_hint=option) from None


@contextlib.contextmanager
def existing(db_path: Path):
    """The database a command will write to, read only; None when there is none yet, or not
    yet a courtesy database (the writer then creates or refuses it as it would)."""
    from ..storage import StorageError, Store

    try:
        store = Store(db_path, read_only=True) if db_path.is_file() else None
    except StorageError:
        store = None
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def queue_calls(db_path: Path, anchor: datetime) -> list:
    """The hall's queue calls around a session's start, which set its visits."""
    from .. import hallevents

    with existing(db_path) as store:
        return hallevents.calls_for(store, anchor) if store else []


def hall_changes(db_path: Path) -> tuple[list, list]:
    """The lexicon changes and the rule changes of the database a command will write to."""
    with existing(db_path) as store:
        return (store.lexicon_changes(), rulechanges.changes(store)) if store else ([], [])
