"""The `courtesy` command: each command parses options, calls the library, formats output."""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from . import lexicon as lexicons
from . import hallchanges, limits, profiles, rulechanges
from .errors import CourtesyError
from .privacy import mask
from .records import PhraseHit, RuleChange, Session, Visit
from .reports import FORMATS as REPORT_FORMATS
from .reports import PAGE_INCIDENTS
from .storage import DEFAULT_DB
from .stored import as_json
from .vocabulary import (KEEP_WORDS, MACHINE_MARK, MACHINE_NOTE, ROLE_CORRECTED, quoted, when,
                         role_heard, role_label, rule_name, severity_label, state_label,
                         verdict_label)

log = logging.getLogger("courtesy")


class _Group(click.Group):
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
    from . import config

    hall = ctx.params.get("hall")
    if not isinstance(hall, config.Hall):
        hall = config.load(ctx.params.get("config_path") or ctx.meta.get("courtesy.config"))
    return hall.ops.db or DEFAULT_DB


def lexicons_option(func):
    return click.option("--lexicons", "lexicon_dir",
                        type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Lexicon folder (default: the bundled lexicons/)")(func)


def _channel_map(ctx, param, value):
    from .sources import parse_channels

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
    from . import config

    return config.load(path)


def _hall_log(hall):
    """`listen` and `serve` log the hall's events (stderr, and [log] file)."""
    from . import logs

    logs.for_hall(hall, click.get_current_context().find_root().meta.get("courtesy.verbose"))
    return logs


def _writer(db_path: Path, hall):
    """The database for a command that stores speech; masked unless the hall keeps raw text."""
    from .storage import Store

    return Store(db_path, store_raw=hall.store_raw)


def _for_window(hall, window: str | None, staff: str | None, profile: str | None
                ) -> tuple[str | None, str]:
    """Staff and profile as given, else as the hall config says for the window."""
    configured = hall.windows.get(window) if window else None
    staff = staff or (configured.staff if configured else None) or None
    profile = profile or (configured.profile if configured else None) or profiles.DEFAULT
    return staff, profile


def _id_option(ctx, param, value: str | None) -> str | None:
    """A --window or --staff id, checked as a transcript's ids are."""
    from .transcript import id_problem

    problem = id_problem(param.name, value) if value else None
    if problem:
        raise click.BadParameter(problem)
    return value


def _parse_at(value: str | None) -> datetime:
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


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log what is happening to stderr")
@click.version_option(package_name="courtesy")
def cli(verbose):
    """Offline courtesy monitor for service counters (窗口文明用语监测)."""
    from . import logs

    logs.setup("INFO" if verbose else "WARNING")
    click.get_current_context().meta["courtesy.verbose"] = verbose


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", help="Sector profile: general, police, hospital, bank, utility, "
                                "government [default: the window's in the hall config, "
                                "else general]")
@click.option("--window", callback=_id_option,
              help="Window id for every line (a line's own window is overridden; "
                   "else each line's own)")
@click.option("--staff", callback=_id_option,
              help="Staff member id for every line (a line's own is overridden; "
                   "else each line's own)")
@click.option("--at", "at", help="Wall-clock start of the session, e.g. 2026-11-22T09:00")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@db_option
@lexicons_option
@channels_option
@engine_option
@hall_option
def score(source, profile, window, staff, at, as_json, db_path, lexicon_dir, channels, engine,
          hall):
    """Score a conversation and store it.

    SOURCE is a JSONL transcript (one utterance per line), or a WAV/FLAC recording,
    which is transcribed first.

    Example: courtesy score audio/police_good.jsonl --window W01 --json
    """
    from .audio import score_source
    from .pipeline import Scorer

    staff, profile = _for_window(hall, window, staff, profile)
    started_at = _parse_at(at)
    voice, learned = _voice(db_path, staff, channels) or (None, True)
    lexicon_changes, rule_changes = _hall_changes(db_path)
    session = score_source(Scorer.load(profile, lexicon_dir, lexicon_changes,
                                       hall.rating_device, rule_changes), source,
                           engine, channels, voice=voice, learned=learned, window=window,
                           staff=staff, started_at=started_at,
                           queue=_queue_calls(db_path, started_at) if at else [])
    store = _writer(db_path, hall)
    store.save(session)
    if as_json:
        click.echo(json.dumps(session_json(session), ensure_ascii=False))
    else:
        click.echo(summary(session))
        click.echo(f"已存入 {db_path}")


def _voice(db_path: Path, staff: str | None, channels: tuple[str, ...]):
    """The staff member's enrolled voice profile for a mixed channel (read only; None: the
    staff voice is learned from the recording, the voice in every visit)."""
    from . import sources, voices
    from .storage import Store

    if channels != (sources.MIXED,) or not staff or not Path(db_path).is_file():
        return None
    profile = voices.load(Store(db_path, read_only=True), staff)
    return profile and (profile.voice, False)


def _quotes(session: Session, visit) -> list:
    """Each finding's quote as heard (machine-heard or typed, with its pinyin)."""
    lines = [session.utterances[i] for i in visit.utterances]
    return [quoted(f.text, f.start, f.end, lines) for f in visit.findings]


def session_json(session: Session) -> dict:
    """A scored session for `--json`: each visit's record (`as_json`), speech masked and each
    finding's quote with how its line was heard."""
    def visit_json(v: Visit) -> dict:
        findings = [_unset({**as_json(f), "text": mask(f.text), "detail": mask(f.detail),
                            "pinyin": mask(q.pinyin), "heard_by": q.heard_by}, "role_confidence")
                    for f, q in zip(v.findings, _quotes(session, v))]
        hits = [{**as_json(h), "matched": mask(h.matched), **_rounded(h)} for h in v.hits]
        roles = _roles_heard(session, v)
        return {**as_json(v), **_rounded(v), "findings": findings, "hits": hits,
                **({"roles": roles} if roles else {})}

    return {"session": session.id, "profile": session.profile,
            "started_at": session.started_at.isoformat(),
            "visits": [visit_json(v) for v in session.visits]}


def _unset(record: dict, key: str) -> dict:
    """The record without `key` when it is None (a transcript's output stays as it was)."""
    return {k: v for k, v in record.items() if k != key or v is not None}


def _roles_heard(session: Session, visit: Visit) -> list[dict]:
    """The roles a single pickup gave the visit's lines by voice, with how sure it was
    (none where every role is given by its channel or the transcript)."""
    return [{"line": i, "start": round(u.start, 3), "end": round(u.end, 3), "role": u.role,
             "role_confidence": u.role_confidence,
             "label": role_heard(u.role, u.role_confidence)}
            for i in visit.utterances for u in [session.utterances[i]]
            if u.role_confidence is not None]


def _rounded(span: Visit | PhraseHit) -> dict:
    """Where a visit or hit lies, to the millisecond (the times a split syllable gives carry
    float noise: 3.952941176470588)."""
    return {"start": round(span.start, 3), "end": round(span.end, 3)}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def summary(session: Session) -> str:
    """Visits and their findings; a quote a recogniser heard is marked 〔机器识别〕."""
    marks = {True: "✓", False: "✗"}
    heard = False
    lines = [f"会话 {session.id} · 行业配置 {session.profile} · {len(session.visits)} 次来访"]
    for v in session.visits:
        lines.append(
            f"{v.id}  {_clock(v.start)}-{_clock(v.end)}  窗口 {v.window or '-'}  "
            f"得分 {v.score:5.1f}  {verdict_label(v.verdict)}  迎声 {marks[v.greeted]}  "
            f"答声 {v.questions - v.unanswered}/{v.questions}  送声 {marks[v.farewelled]}")
        for f, quote in zip(v.findings, _quotes(session, v)):
            what = f"{f.category} " if f.category else ""
            said = f" · {mask(f.text)}" + (f"〔{MACHINE_MARK}〕" if quote.machine else "") \
                if f.text else ""
            heard = heard or quote.machine
            lines.append(f"    {_clock(f.start)} {rule_name(f.rule)}（{severity_label(f.severity)}）"
                         f" {what}{mask(f.detail)}{said}")
    if heard:
        lines.append(f"〔{MACHINE_MARK}〕{MACHINE_NOTE}（拼音见 --json）")
    return "\n".join(lines)


def path_argument(func):
    """`lexicon check` and `rules check`: a folder or one file, else the bundled ones."""
    return click.argument("path", required=False,
                          type=click.Path(exists=True, path_type=Path))(func)


@cli.group()
def lexicon():
    """Lexicon files: check them; a hall's own changes to them: preview, make, undo, list."""


@lexicon.command("check")
@path_argument
def lexicon_check(path):
    """Validate lexicon files (a folder, or one file) and every profile beside them.

    Example: courtesy lexicon check lexicons/
    """
    by_kind, checked = profiles.check(path)
    if path is not None and path.is_file():
        click.echo(f"{path}: {sum(by_kind.values())} phrases, OK")
        return
    click.echo(", ".join(f"{k} {n}" for k, n in by_kind.items()))
    click.echo(f"{sum(by_kind.values())} phrases, {len(checked)} profiles: OK")


@cli.group()
def rules():
    """Rules (lexicons/rules/*.toml and the code's): check, list; a hall's own changes."""


@rules.command("check")
@path_argument
def rules_check(path):
    """Validate rule files (a lexicon folder's rules/, or one file) and every profile.

    Example: courtesy rules check lexicons/
    """
    found, checked = profiles.check_rules(path)
    click.echo(", ".join(rule.id for rule in found))
    click.echo(f"{len(found)} 条规则 (rules), {len(checked)} profiles: OK")


@rules.command("list")
@click.option("--profile", default="general", show_default=True, help="Profile to show")
@db_option
@lexicons_option
def rules_list(profile, db_path, lexicon_dir):
    """Every rule as the hall judges with it: on or off, severity, points, conditions.

    Example: courtesy rules list --profile government
    """
    from . import ruletext
    from .vocabulary import rule_name, rule_norm, severity_label

    with _existing(db_path) as store:
        options = rulechanges.applied(profiles.load(profile, lexicon_dir).rules,
                                      rulechanges.changes(store) if store else [])
    norms = {rule.id: rule for rule in options.norms}
    for rule_id, setting in options.settings.items():
        state = "启用" if setting.enabled else "停用"
        kind = "数据" if rule_id in norms else "代码"
        click.echo(f"{rule_id}  {rule_name(rule_id)}（{rule_norm(rule_id)}） {state} "
                   f"{severity_label(setting.severity)} 扣{setting.weight:g}分 [{kind}]")
        if rule_id in norms:
            params = rulechanges.parameters(options, rule_id)
            for depth, text in ruletext.describe(norms[rule_id], params):
                click.echo("    " + "  " * depth + text)


# --- a hall's lexicon and rule changes (tuning.py, rulechanges.py, hallchanges.py) ---------


def change_options(previewed: str):
    """The options `lexicon tune` and `rules change` share: the preview's days (on the
    stored `previewed` of them), --apply with its reason and who, --all, the database and
    the lexicons."""
    def decorate(func):
        for option in reversed((
                click.option("--days", type=Bounded(limits.PREVIEW_DAYS), default=7,
                             show_default=True,
                             help=f"Preview on the stored {previewed} of this many days"),
                click.option("--apply", "apply_", is_flag=True,
                             help="Make the change (else only preview it)"),
                click.option("--reason", default="", help="Why (needed with --apply)"),
                click.option("--by", "actor", default="cli", show_default=True,
                             help="Who makes the change"),
                click.option("--all", "show_all", is_flag=True,
                             help="List every changed finding (else 50)"),
                db_option, lexicons_option)):
            func = option(func)
        return func
    return decorate


def _one_of(given: tuple[tuple[str, object], ...], usage: str) -> tuple[str, object]:
    """The one change a command's options ask for (name, value), or a usage error."""
    chosen = [(name, value) for name, value in given if value is not None]
    if len(chosen) != 1:
        raise click.UsageError(usage)
    return chosen[0]


def preview_lines(shown, limit: int = 50) -> list[str]:
    """A lexicon or a rule change's preview for the terminal (quotes masked; the first
    `limit` findings and visits listed)."""
    from .vocabulary import LEXICON_CHANGE_LABELS, REVIEWED_LABELS, RULE_CHANGE_LABELS
    from .vocabulary import phrase_kind_label

    c = shown.change
    gone = [f for f in shown.findings if f.gone]
    if isinstance(c, RuleChange):
        lines = [f"预览：规则“{rule_name(c.rule)}”（{c.rule}）{RULE_CHANGE_LABELS[c.change]} "
                 f"{c.value}（最近 {shown.days} 天）",
                 f"来访 {shown.visits} 个已重新判断（用时 {shown.seconds:.2f} 秒）"]
    else:
        what = LEXICON_CHANGE_LABELS[c.change] + (f" {c.value}" if c.value else "")
        lines = [f"预览：{phrase_kind_label(c.kind)}词条“{c.phrase}”{what}（最近 {shown.days} 天）",
                 f"来访 {shown.visits} 个，其中 {shown.rescored} 个听到该词条，已重新评分"
                 f"（用时 {shown.seconds:.2f} 秒）"]
    lines.append(f"检出 {shown.findings_before} → {shown.findings_after}：消失 {len(gone)}，"
                 f"新增 {len(shown.findings) - len(gone)}；来访结论改变 {len(shown.visits_changed)}")
    for f in shown.findings[:limit]:
        lines.append(f"  {'消失' if f.gone else '新增'} {when(f.at)} {f.window or '-'} "
                     f"{rule_name(f.rule)}（{severity_label(f.severity)}）“{mask(f.quote or '')}”"
                     + (f"〔{MACHINE_MARK}〕" if f.heard_by else "")
                     + (f" {REVIEWED_LABELS[f.review]}" if f.review else ""))
    for v in shown.visits_changed[:limit]:
        lines.append(f"  结论 {when(v.at)} {v.window or '-'} "
                     f"{verdict_label(v.verdict_before)} {v.score_before:.0f} → "
                     f"{verdict_label(v.verdict_after)} {v.score_after:.0f}")
    if max(len(shown.findings), len(shown.visits_changed)) > limit:
        lines.append(f"  （只列出前 {limit} 条，加 --all 列出全部）")
    return lines


def _preview_then_apply(store, shown, show_all: bool, apply_: bool, command: str) -> None:
    """`lexicon tune` and `rules change`: print a change's preview, and with --apply store
    it as the next version."""
    for line in preview_lines(shown, len(shown.findings) + len(shown.visits_changed)
                              if show_all else 50):
        click.echo(line)
    if not apply_:
        click.echo("仅为预览，未作任何更改（加 --apply 应用）")
        return
    kind = hallchanges.kind_of(shown.change)
    made = hallchanges.apply(store, kind, shown.change, origin=f"courtesy {command}")
    click.echo(f"已应用：本厅{kind.of}版本 {made.version}")


def version_commands(group: click.Group, kind, undo_example: str, unchanged: str) -> None:
    """A group's `undo` and `changes` commands (lexicon, rules): one version undone, every
    version listed."""
    thing = "phrase" if kind is hallchanges.LEXICON else "rule"

    @group.command("undo", help=f"Undo one {kind.prefix} change: a new version without it "
                   f"(the change stays listed).\n\nExample: courtesy {group.name} undo 1 "
                   f"--reason {undo_example}")
    @click.argument("version", type=Bounded(limits.VERSION))
    @click.option("--reason", default="", help="Why")
    @click.option("--by", "actor", default="cli", show_default=True, help="Who undoes it")
    @db_option
    def undo(version, reason, actor, db_path):
        from .storage import Store

        made = hallchanges.undo(Store(db_path, must_exist=True), kind, version, actor, reason,
                                origin=f"courtesy {group.name} undo")
        click.echo(f"已撤销版本 {version}：本厅{kind.of}版本 {made.version}")

    @group.command("changes", help=f"List the hall's {kind.prefix} versions: who changed "
                   f"which {thing}, how and why.\n\nExample: courtesy {group.name} changes "
                   "--db reports/courtesy.db")
    @db_option
    def changes(db_path):
        from .storage import Store

        store = Store(db_path, read_only=True)
        stored = hallchanges.changes(store.db, kind)
        if not stored:
            click.echo(unchanged)
        for c in stored:  # a rule's id beside its name, for grep
            ident = f"（{c.rule}）" if kind is hallchanges.RULES else ""
            click.echo(f"v{c.version} {when(c.at)} {c.actor} {kind.subject(c)}{ident} "
                       f"{kind.labels.get(c.change, c.change)} {c.value} {mask(c.reason)}")


@lexicon.command("tune")
@click.argument("phrase")
@click.option("--off", is_flag=True, help="Switch the phrase off for this hall")
@click.option("--threshold", type=Bounded(limits.THRESHOLD),
              help="Its own match threshold (50-100; higher: stricter)")
@click.option("--except", "context", help="A longer phrasing in which it does not count")
@click.option("--kind", type=click.Choice(lexicons.REQUIRED_KINDS + ("taboo",)),
              help="The phrase's lexicon kind, if its text is in several")
@change_options("speech")
def lexicon_tune(phrase, off, threshold, context, kind, days, apply_, reason, actor, show_all,
                 db_path, lexicon_dir):
    """Preview a change to one phrase of the hall's lexicon, and with --apply make it.

    The preview re-scores the stored speech of the last --days days with and without the
    change and changes nothing stored; --apply stores it as a new lexicon version, which
    score, play, listen and practice judge with from then on.

    Example: courtesy lexicon tune 不可能的 --threshold 90 --reason 误报多 --apply
    """
    from . import tuning
    from .storage import Store

    change, value = _one_of((("off", "" if off else None), ("threshold", threshold),
                             ("except", context)),
                            "give exactly one of --off, --threshold N, --except TEXT")
    store = Store(db_path, must_exist=True)
    proposed = tuning.propose(store, lexicons.load(lexicon_dir), phrase, change,
                              "" if value is None else str(value), reason, actor, kind)
    _preview_then_apply(store, tuning.preview(store, proposed, days, lexicon_dir), show_all,
                        apply_, "lexicon tune")


version_commands(lexicon, hallchanges.LEXICON, "阈值过高漏检",
                 "本厅词库未作调整（版本 0：随软件发布的词库）")


@rules.command("change")
@click.argument("rule")
@click.option("--on/--off", "enabled", default=None, help="Switch the rule on or off")
@click.option("--severity", type=click.Choice(("critical", "major", "minor")))
@click.option("--deduction", type=Bounded(limits.DEDUCTION), help="Points a finding costs")
@click.option("--param", help="One parameter: NAME=VALUE (a number, words, a regex)")
@click.option("--profile", default="general", show_default=True, help="Profile to check it on")
@change_options("visits")
def rules_change(rule, enabled, severity, deduction, param, profile, days, apply_, reason,
                 actor, show_all, db_path, lexicon_dir):
    """Preview a change to one rule of the hall, and with --apply make it.

    The preview judges the rule again on the stored visits of the last --days days with and
    without the change; --apply stores it as a new rule-set version, which score, play,
    listen and practice judge with from then on.

    Example: courtesy rules change first_asked --param turns=2 --reason 两句内指引也算 --apply
    """
    from .storage import Store

    change, value = _one_of((("enabled", None if enabled is None else str(enabled).lower()),
                             ("severity", severity), ("deduction", deduction), ("param", param)),
                            "give exactly one of --on/--off, --severity, --deduction, --param")
    store = Store(db_path, must_exist=True)
    options = rulechanges.options_for(store, profile, lexicon_dir)
    proposed = rulechanges.propose(options, rule, change, str(value), reason, actor)
    _preview_then_apply(store, rulechanges.preview(store, proposed, days, lexicon_dir),
                        show_all, apply_, "rules change")


version_commands(rules, hallchanges.RULES, "误报增多", "本厅规则未作修改（版本 0）")


@cli.command("profiles")
@lexicons_option
def list_profiles(lexicon_dir):
    """List the sector profiles.

    Example: courtesy profiles
    """
    for name in profiles.available(lexicon_dir):
        chosen = profiles.load(name, lexicon_dir)
        click.echo(f"{name:<12} {chosen.title}")



@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every network of this machine)")
@click.option("--port", type=Bounded(limits.PORT), default=8080, show_default=True)
@click.option("--board-login/--no-board-login", default=False, show_default=True,
              help="Viewing the board needs a login too (acknowledging always does)")
@click.option("--threads", type=Bounded(limits.THREADS), default=64, show_default=True,
              help="Server threads; every open board or window page holds one")
@click.option("--max-streams", type=Bounded(limits.STREAMS),
              help="Open board/window pages (event streams) in all, more get 503 "
                   "[default: [web] of the hall config, else threads - 24, at least half "
                   "the threads]")
@click.option("--max-streams-per-client", type=Bounded(limits.STREAMS),
              help="Open event streams from one client address [default: [web] of the hall "
                   "config, else 16]")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="A Host: name the board answers to besides localhost and --host "
                   "(repeatable; '*' for any); others get 400")
@click.option("--secure-cookies", is_flag=True,
              help="Login cookies only over HTTPS (served behind a TLS proxy)")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Hall config: window and staff names, [training] anonymisation "
                   "(default: ./hall.toml if present)")
@lexicons_option
def serve(db_path, host, port, board_login, threads, max_streams, max_streams_per_client,
          allowed_hosts, secure_cookies, config_path, lexicon_dir):
    """Serve the hall's live board: every window's light, pushed as it changes.

    Pages: / (the hall board), /window/W03 (one window, full screen, for the counter),
    /api/lights, /api/events?after=ID, /events (server-sent events), /health (device
    health, supervisors). Supervisors log in (`courtesy user add`) to acknowledge red
    lights. /replay/VISIT replays a visit (audio, transcript, findings) and /training lists
    the training collections; both need a login. The hall's queue and rating systems push
    events to POST /api/hall/events with their token, and files dropped in the folders
    [queue]/[ratings] of hall.toml name are imported (moved to done/ or failed/).

    Example: courtesy serve --db reports/courtesy.db --port 8080
    """
    if str(db_path).startswith(("postgresql:", "postgres:")):  # the city board (issue 15)
        from .central.city_cli import serve_city
        return serve_city(db_path, config_path, host, port, threads, click.echo)
    from . import config, watch
    from .hallwatch import HallFile
    from .web import WebOptions, bind_hosts, create_app
    from .web import serve as run

    # one reading of hall.toml, re-read when saved: the pages, alerts and folders follow it
    hall_file = HallFile.read(config_path) if config_path else HallFile(config.load(None))
    hall = hall_file.hall  # its [web]: hosts and stream caps (at start), unless given here
    max_streams = max_streams or hall.web.max_streams or max(threads - 24, threads // 2, 1)
    options = WebOptions(board_login=board_login, max_streams=max_streams,
                         max_streams_per_client=max_streams_per_client
                         or hall.web.max_streams_per_client or WebOptions.max_streams_per_client,
                         allowed_hosts=bind_hosts(host, allowed_hosts + hall.web.allowed_hosts),
                         secure_cookie=secure_cookies)
    _hall_log(hall)
    app = create_app(db_path, options, hall_file, lexicon_dir)
    watch.Watch(db_path, hall_file).start()  # alerts to drivers and the log, not only the board
    _watch_hall_folders(db_path, hall_file)
    click.echo(f"board on http://{host}:{port}/ (database {db_path}); Ctrl-C stops it")
    run(app, host=host, port=port, threads=threads)


def _watch_hall_folders(db_path: Path, hall_file) -> None:
    """`[queue] folder` / `[ratings] folder`: files dropped there are imported while serving,
    from the folders the file names at each round (one added later counts too)."""
    import threading

    from . import hallevents

    threading.Thread(target=hallevents.watch, args=(db_path, hall_file, threading.Event()),
                     name="hall-folders", daemon=True).start()
    hall = hall_file.hall
    folders = [s.folder for s in (hall.queue, hall.ratings) if s.folder]
    if folders:
        click.echo("正在监视叫号/评价文件夹 watching: " + "，".join(map(str, folders)))


@cli.group()
def user():
    """Web app users: admin (accounts), supervisor (acknowledge, review, decide appeals),
    staff (own record, appeals; --staff ID), viewer (only looks)."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "supervisor", "staff", "viewer"]),
              required=True)
@click.option("--staff", "staff_id", help="The staff id a staff account belongs to")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line")
@click.option("--replace", is_flag=True, help="Reset the password and role of an existing user")
@db_option
@hall_option
def user_add(name, role, staff_id, password_stdin, replace, db_path, hall):
    """Add a user; the password is asked for (or read from stdin) and stored hashed. A
    staff account's --staff must be in the hall config's [staff], when it lists staff.

    Example: courtesy user add zhang --role supervisor
    """
    from .accounts import add_user
    from .storage import Store

    added = add_user(Store(db_path), name, role, _password(password_stdin), replace=replace,
                     staff=staff_id, actor="cli", origin="courtesy user add",
                     known_staff=hall.staff)
    click.echo(f"{'updated' if replace else 'added'} {added.name} ({added.role})")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user.command("list")
@db_option
def user_list(db_path):
    """List the board's users (never their passwords).

    Example: courtesy user list
    """
    from .storage import Store

    for account in Store(db_path, read_only=True).accounts():
        state = " disabled" if account.disabled else ""
        staff = f" staff={account.staff}" if account.staff else ""
        click.echo(f"{account.name:<20} {account.role:<11} since {account.created_at}"
                   f"{staff}{state}")


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Switch the user on again")
@db_option
def user_disable(name, enable, db_path):
    """Switch a user off (they cannot log in; an open page is logged out), or on again.

    Example: courtesy user disable li
    """
    from .accounts import disable
    from .storage import Store

    disable(Store(db_path, must_exist=True), name, actor="cli", origin="courtesy user disable",
            enabled=enable)
    click.echo(f"{'enabled' if enable else 'disabled'} {name}")


@user.command("reset")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line")
@db_option
def user_reset(name, password_stdin, db_path):
    """Give a user a new password.

    Example: courtesy user reset zhang
    """
    from .accounts import reset_password
    from .storage import Store

    reset_password(Store(db_path, must_exist=True), name, _password(password_stdin),
                   actor="cli", origin="courtesy user reset")
    click.echo(f"password of {name} reset")


@user.command("remove")
@click.argument("name")
@db_option
def user_remove(name, db_path):
    """Remove a user (their actions stay in the audit trail).

    Example: courtesy user remove li
    """
    from .accounts import remove
    from .storage import Store

    remove(Store(db_path, must_exist=True), name, actor="cli", origin="courtesy user remove")
    click.echo(f"removed {name}")


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--window", required=True, help="Window id")
@click.option("--staff", help="Staff member id")
@click.option("--profile", help="Sector profile [default: the window's in the hall config, "
                                "else general]")
@click.option("--speed", type=Bounded(limits.PLAY_SPEED), default=0.0, show_default=True,
              help="1 real time, 10 ten times faster, 0 as fast as possible")
@click.option("--at", "at", help="Wall-clock start of the session, e.g. 2026-11-22T09:00")
@click.option("--red-hold", type=Bounded(limits.RED_HOLD_S), default=None,
              help="Seconds (session time) a red light holds at least [default: the hall "
                   "config's, else 60]")
@click.option("--linger", type=Bounded(limits.LINGER_S), default=0.0, show_default=True,
              help="After the transcript, keep the lights running up to this many seconds "
                   "while a red light waits for a supervisor's acknowledgement")
@db_option
@lexicons_option
@hall_option
def play(source, window, staff, profile, speed, at, red_hold, linger, db_path, lexicon_dir,
         hall):
    """Play a JSONL transcript through the live monitor, as if it were happening now.

    Prints live events (visits opening, findings as they become due, verdicts) and stores
    them as `listen` would. For demonstrations, training and testing the live path.

    Example: courtesy play audio/hospital_taboo.jsonl --window W03 --speed 5
    """
    import signal
    import time

    from . import alerts, live, transcript, tuning
    from .liveness import Beater, Ear

    utterances = transcript.read(source)  # the whole file checked before anything is stored
    store = _writer(db_path, hall)
    staff, profile = _for_window(hall, window, staff, profile)
    scorer = tuning.scorer(store, profile, lexicon_dir, hall.rating_device)
    started_at = live.replay_anchor(utterances, speed, _parse_at(at) if at else None,
                                    datetime.now().astimezone(), scorer.profile.visits.max_wait_s)
    session = live.LiveSession(scorer, store, window=window,
                               staff=staff, started_at=started_at,
                               source=str(source.resolve()), replay=True)
    session.calls = _queue_calls(db_path, started_at)  # the hall queue's, where imported
    light_options = dataclasses.replace(hall.lights)
    if red_hold is not None:
        light_options.red_hold_s = red_hold
    lights = live.lights_for([session], store, light_options)
    beater = Beater(store, [Ear(window, session=session)], "play")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally says "stopped"

    def show_lights(events):
        beater.tick()
        for event in events:
            click.echo(light_line(event))

    def sleep(seconds: float) -> None:  # a slow replay still beats between its lines
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.5))
            beater.tick()

    last = session.session.started_at
    try:
        for update in live.play(session, utterances, speed=speed, sleep=sleep,
                                on_tick=lambda at: show_lights(lights.tick(at))):
            click.echo(live_line(update))
            show_lights(lights.update(update))
            last = update.at
        for events in alerts.linger(lights, last, linger, speed):  # a red waits for the board
            show_lights(events)
        held = session.drain(live.DRAIN_S)
    finally:  # the last beat after the backlog: it says stopped, not what was held
        beater.stop()
        lights.close()
    if held:
        raise click.ClickException(
            f"{db_path}: {held} 条记录未能写入数据库（{session.fault}）；已写入的记录未丢失。"
            f" / {held} item(s) could not be written; nothing already stored is lost.")


def light_line(event) -> str:
    cause = (f"（{rule_name(event.rule)}：{mask(event.quote or event.detail)}）"
             if event.rule else "")
    return (f"    提示灯 {event.window} {state_label(event.previous)} → "
            f"{state_label(event.state)}{cause}")


def live_line(update) -> str:
    """One live event as a line: time, window, what changed; a judgement of speech still
    going on (not what is stored) is marked （暂定）."""
    visit = update.visit
    head = f"[{_clock(update.now)}] {update.window or '-'} {visit.id.rsplit('-', 1)[-1]}"
    if update.partial:  # judged on speech still going on: shown, not stored
        head += " （暂定）"
    if update.state == "closed":
        return (f"{head} 结束 得分 {visit.score:.0f} {verdict_label(visit.verdict)}"
                f"{' · ' + '、'.join(rule_name(f.rule) for f in visit.findings) if visit.findings else ''}")
    lines = [f"{head} {'开始' if update.state == 'open' else '更新'} 得分 {visit.score:.0f}"]
    lines += [f"    {severity_label(f.severity)} {rule_name(f.rule)} {mask(f.detail)}"
              f"{' · ' + mask(f.text) if f.text else ''}" for f in update.new_findings]
    return "\n".join(lines)


def _parse_day(value: str | None, option: str):
    if value is None:
        return None
    from datetime import date
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-22",
                                 param_hint=option) from None


@cli.command()
@click.option("--date", "day", help="The day to report (default: today), e.g. 2026-11-22")
@click.option("--from", "first", help="First day of a period (with --to; default --to: today)")
@click.option("--to", "last", help="Last day of a period, inclusive")
@click.option("--window", help="Only this window id")
@click.option("--staff", help="Only this staff member id")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS),
              help="Output format (default: from -o's suffix, else html)")
@click.option("-o", "--output", help="File or folder to write, '-' for stdout "
              "(default: reports/courtesy-DATE.FORMAT)")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Hall config naming windows and staff (default: ./hall.toml if present)")
@click.option("--max-incidents", type=Bounded(limits.INCIDENTS), default=PAGE_INCIDENTS,
              show_default=True,
              help="Most incidents an HTML or PDF page lists (CSV and JSON hold all)")
@db_option
def report(day, first, last, window, staff, fmt, output, config_path, max_incidents, db_path):
    """Write the courtesy report for a day or a period, from the database.

    Example: courtesy report --date 2026-11-20 --format html -o reports/
    """
    from datetime import date

    from . import config, reports
    from .storage import Store

    if day and (first or last):
        raise click.UsageError("give either --date or --from/--to, not both")
    if last and not first:
        raise click.UsageError("--to needs --from")
    today = date.today()
    if first:
        options = reports.ReportOptions(_parse_day(first, "--from"),
                                        _parse_day(last, "--to") or today, window, staff)
    else:
        chosen = _parse_day(day, "--date") or today
        options = reports.ReportOptions(chosen, chosen, window, staff)
    fmt = reports.output_format(fmt, output)
    if output == "-" and fmt == "pdf":
        raise click.UsageError("a PDF cannot go to stdout; give -o FILE.pdf")
    if str(db_path).startswith(("postgresql:", "postgres:")):  # the city's (issue 15)
        from .central.city_cli import city_report
        return click.echo(city_report(db_path, options.first, options.last, fmt, output))
    hall = config.load(config_path)
    store = Store(db_path, read_only=True)
    built = reports.build(store, options, hall)
    store.close()
    if built.message:
        click.echo(built.message, err=True)
    if output == "-":
        buffer = io.StringIO()
        reports.write(built, fmt, buffer, max_incidents)
        click.echo(buffer.getvalue(), nl=False)
        return
    target = reports.output_path(output, options, fmt)
    reports.save(built, fmt, target, max_incidents)
    click.echo(f"已写出 {target}")


@cli.command()
@click.argument("visit_id")
@click.option("--speed", type=Bounded(limits.REPLAY_SPEED), default=1.0, show_default=True,
              help="Playback speed")
@click.option("--plain", is_flag=True,
              help="Print lines as their time comes instead of the full-screen player")
@click.option("--training", is_flag=True,
              help="Anonymise as training material, as the hall config's [training] says")
@click.option("--no-audio", is_flag=True, help="Do not play the recording, even if one is kept")
@click.option("--pinyin", is_flag=True,
              help="Print the pinyin a recogniser heard beside its characters (key p)")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Hall config (default: ./hall.toml if present)")
@db_option
def replay(visit_id, speed, plain, training, no_audio, pinyin, config_path, db_path):
    """Replay a visit: the transcript in step with time, good phrases and findings marked,
    and the recording played along when one was kept and a sound device is there.

    Keys in the player: space pause, ←/→ 5 s, +/- speed, n next finding, p pinyin, q quit.
    Speech a recogniser heard is marked 〔机器识别〕 (read from pinyin, it may be wrong).
    Without a terminal (or with --plain) lines are printed as their time comes.

    Example: courtesy replay 683eb01906b7-W01-001 --plain --speed 4
    """
    from . import config, terminal
    from .storage import Store

    how = config.load(config_path).training if training else None
    terminal.play_visit(Store(db_path, read_only=True), visit_id, how, speed, not no_audio,
                        plain, pinyin, out=click.echo, warn=lambda m: click.echo(m, err=True))


@cli.group()
def training():
    """Training collections of real visits."""


@training.command("add")
@click.argument("visit_id")
@click.option("--tag", required=True, help="Collection, e.g. good-greeting")
@click.option("--note", default="", help="Why this visit is worth learning from")
@db_option
def training_add(visit_id, tag, note, db_path):
    """Add a visit to a training collection.

    Example: courtesy training add 683eb01906b7-W01-001 --tag good-greeting
    """
    from .errors import InputError
    from .storage import Store

    store = Store(db_path, must_exist=True)
    if store.visit(visit_id) is None:
        raise InputError(db_path, f"no visit {visit_id!r}", field="visit")
    added = store.add_training(visit_id, tag, note)
    click.echo(f"{visit_id} {'added to' if added else 'already in'} {tag}")


@training.command("remove")
@click.argument("visit_id")
@click.option("--tag", help="Only this collection (default: all)")
@db_option
def training_remove(visit_id, tag, db_path):
    """Take a visit out of training collections.

    Example: courtesy training remove 683eb01906b7-W01-001 --tag good-greeting
    """
    from .storage import Store

    removed = Store(db_path, must_exist=True).remove_training(visit_id, tag)
    click.echo(f"{visit_id}: removed from {removed} collection(s)")


@training.command("list")
@click.option("--tag", help="Only this collection")
@db_option
def training_list(tag, db_path):
    """List training visits by collection.

    Example: courtesy training list --tag good-greeting
    """
    from .storage import Store

    for entry in Store(db_path, read_only=True).training(tag):
        click.echo(f"{entry.tag:<16} {entry.visit}  {when(entry.started_at)}  "
                   f"window {entry.window or '-'}  {entry.score:.0f} "
                   f"{verdict_label(entry.verdict, entry.provisional)}"
                   f"{'  · ' + mask(entry.note) if entry.note else ''}")


@cli.group()
def model():
    """Speech models: install them (verified by sha256), list them."""


@model.command("install")
@click.argument("name")
@click.option("--from", "source", metavar="PATH_OR_URL",
              help="An archive (.zip, .tar.bz2), a folder or a URL (default: ../shared/models "
                   "when present, else the model's upstream release)")
def model_install(name, source):
    """Install a speech model into models/NAME, verifying its sha256 checksums.

    Example: courtesy model install sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-mobile
    """
    from . import models

    def progress(done, total):
        if total:
            click.echo(f"\r{done / 1e6:6.1f} / {total / 1e6:.1f} MB", nl=False, err=True)

    chosen = source or models.default_source(name)
    click.echo(f"installing {name} from {chosen}", err=True)
    path = models.install(name, chosen, progress=progress)
    click.echo(f"{name}: installed and verified in {path}")


@model.command("list")
def model_list():
    """Show the known models and where each is installed.

    Example: courtesy model list
    """
    from . import models

    found = {m.name: m for m in models.installed()}
    for spec in models.KNOWN.values():
        here = found.get(spec.name)
        if here is None:
            state = f"not installed (courtesy model install {spec.name})"
        elif here.problems:
            state = f"BROKEN at {here.path}: {'; '.join(here.problems)}"
        else:
            state = f"installed at {here.path}"
        click.echo(f"{spec.name:<62} {spec.engine:<7} {state}")


@cli.command()
def devices():
    """List the audio input devices (use the index or name with `listen --device`).

    Example: courtesy devices
    """
    from .sources import devices as input_devices

    found = input_devices()
    if not found:
        raise click.ClickException("未找到音频输入设备（请检查麦克风是否已连接）: PortAudio "
                                   "sees no input device")
    for device in found:
        click.echo(f"{device['index']:>3}  {device['name']:<40} {device['channels']} ch  "
                   f"{device['rate']:.0f} Hz")


@cli.command()
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@channels_option
@engine_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSONL transcript here (default: standard output)")
@click.option("--staff", help="Staff member whose voice profile tells them apart on a mixed "
                              "channel (else their voice is learned from the recording)")
@lexicons_option
@db_option
def transcribe(audio, channels, engine, output, staff, lexicon_dir, db_path):
    """Transcribe a WAV/FLAC recording into a JSONL transcript (pinyin, levels, phrase hits).

    Example: courtesy transcribe audio/police_good.flac -o police_good.heard.jsonl
    """
    from . import asr, transcript
    from .audio import transcribe_file

    voice, learned = _voice(db_path, staff, channels) or (None, True)
    utterances = transcribe_file(audio, asr.create(engine, lexicons.load(lexicon_dir)), channels,
                                 voice=voice, learned=learned)
    if output is None:
        buffer = io.StringIO()
        transcript.write(utterances, buffer)
        click.echo(buffer.getvalue(), nl=False)
        return
    with output.open("w", encoding="utf-8") as handle:
        transcript.write(utterances, handle)
    click.echo(f"{len(utterances)} utterance(s) written to {output}", err=True)


@cli.command()
@click.option("--window", "window_ids", multiple=True,
              help="Window id; repeat with --device (and --channels) for each window")
@click.option("--device", "devices_", multiple=True,
              help="Input device (name or index, see `courtesy devices`) or a WAV/FLAC to replay")
@click.option("--channels", "channel_maps", multiple=True,
              help="Channel roles per window, e.g. staff,customer (once for all, or per window)")
@click.option("--staff", help="Staff member id at the window")
@click.option("--profile", default=profiles.DEFAULT, show_default=True, help="Sector profile")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Hall config: [devices.ID] device/channels/staff/profile, "
                   "[recordings] keep/days/folder, [[lights.drivers]]")
@click.option("--keep", type=click.Choice(["none", "flagged", "all"]), default=None,
              help="Recordings kept for replay [default: flagged]")
@click.option("--keep-days", type=Bounded(limits.KEEP_DAYS_GIVEN), default=None,
              help="Delete recordings older than this many days [default: 30]")
@click.option("--recordings", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for recordings [default: reports/recordings]")
@click.option("--for", "duration", type=Bounded(limits.LISTEN_FOR_S), default=None,
              help="Stop after this many seconds (default: until interrupted)")
@click.option("--realtime", is_flag=True,
              help="A recording given as --device is played at the pace it was spoken (so "
                   "the board follows it), not as fast as it is processed")
@engine_option
@db_option
@lexicons_option
def listen(window_ids, devices_, channel_maps, staff, profile, config_path, keep, keep_days,
           recordings, duration, realtime, engine, db_path, lexicon_dir):
    """Listen to counters live: transcribe, judge, light and store as people speak.

    Example: courtesy listen --window W01 --device pulse --channels staff,customer
    """
    import signal

    from . import asr, config
    from .hallwatch import HallFile
    from .listen import Monitor, run_for
    from .logs import EVENT_LABELS
    from .sources import LiveOptions, names_a_file, parse_channels

    hall_file = HallFile.read(config_path) if config_path else None  # an admin's save counts
    hall = hall_file.hall if hall_file else config.load(None)
    if config_path:
        if not hall.listened():
            raise click.UsageError(f"{config_path} gives no window a device "
                                   '(add device = "..." under [windows.W01])')
    else:
        if not window_ids or len(window_ids) != len(devices_):
            raise click.UsageError("give --window and --device once per window "
                                   "(or --config hall.toml)")
        if len(channel_maps) not in (0, 1, len(window_ids)):
            raise click.UsageError("give --channels once, or once per window")
        maps = [parse_channels(m) for m in channel_maps] or [parse_channels(None)]
        hall.windows = {w: config.WindowConfig(config.window_id(w), d, maps[min(n, len(maps) - 1)],
                                               staff, profile)
                        for n, (w, d) in enumerate(zip(window_ids, devices_))}
    retention = dataclasses.replace(hall.recordings)  # the file's own stay as it said
    retention.keep = keep or retention.keep
    retention.days = keep_days or retention.days
    retention.folder = recordings or retention.folder
    store = _writer(db_path, hall)
    logs = _hall_log(hall)
    monitor = Monitor(
        hall.listened(), asr.create(engine, lexicons.load(lexicon_dir)), store, retention,
        lexicon_dir, hall.lights, hall.drivers, liveness=hall.liveness,
        rating_device=hall.rating_device,
        on_update=lambda update: (click.echo(live_line(update)), logs.visit(update)),
        on_light=lambda events: [(click.echo(light_line(e)), logs.light(e)) for e in events],
        on_event=lambda e: (click.echo(f"[{e.at:%H:%M:%S}] {e.window} "
                                       f"{EVENT_LABELS.get(e.kind, e.kind)}：{e.message}"),
                            logs.event(e)),
        live_options=LiveOptions(realtime=realtime),
        hall_file=hall_file)
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    timed = run_for(duration)
    click.echo(f"正在监听 {', '.join(w.id for w in hall.listened())}；存入 {db_path}；"
               f"录音：{KEEP_WORDS[retention.keep]}，保存 {retention.days:g} 天，"
               f"位于 {retention.folder}")
    replayed = [w.id for w in hall.listened() if names_a_file(w.device)]
    if replayed and not realtime:
        click.echo(f"注意：{'、'.join(replayed)} 的设备是录音文件，按处理速度回放（比实际快），"
                   "看板无法实时跟随；加 --realtime 按说话的速度回放。")
    try:
        monitor.run(lambda: bool(stopping) or timed())
    finally:
        monitor.lights.close()
    click.echo(f"已停止；本次监听 {monitor.visits} 次来访，已存入 {db_path}")


@cli.group()
def retention():
    """Show or apply the hall's retention policy (recordings and what was said).

    A running `listen` applies it at start and every hour; this is for a check by hand, or
    for a cron job on a host where no monitor runs.
    """


def _retention_options(config_path: Path | None):
    from . import config
    from .recordings import RetentionOptions

    if config_path is None and not config.DEFAULT_PATH.is_file():
        return RetentionOptions(), "默认策略（未找到 hall.toml）"
    path = config_path or config.DEFAULT_PATH
    return config.load(path).recordings, str(path)


def retention_options(func):
    func = click.option("--config", "config_path", default=None,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Hall config with [recordings] keep/days/folder/transcript_days "
                             "[default: hall.toml]")(func)
    return db_option(func)


@retention.command("show")
@retention_options
def retention_show(config_path, db_path):
    """Print the policy and what it would delete now (nothing is deleted).

    Example: courtesy retention show
    """
    from .recordings import policy_text, preview
    from .storage import Store

    options, source = _retention_options(config_path)
    click.echo(policy_text(options, source))
    click.echo(preview(Store(db_path, must_exist=True), options))


@retention.command("apply")
@retention_options
def retention_apply(config_path, db_path):
    """Delete what the policy no longer allows, each deletion in the audit trail.

    Example: courtesy retention apply
    """
    from .recordings import apply_now, policy_text
    from .storage import Store

    options, source = _retention_options(config_path)
    click.echo(policy_text(options, source))
    click.echo(apply_now(Store(db_path, must_exist=True), options,
                         lambda line: click.echo(line, err=True)))


@cli.command()
@click.argument("scenario", required=False)
@click.option("--device", default=None, help="Microphone (name or index; see `courtesy devices`)")
@click.option("--output-device", default=None, help="Where the customer speaks (default output)")
@click.option("--trainee", default="trainee", show_default=True, help="Who is practising")
@click.option("--pinyin", is_flag=True, help="Show the pinyin the recogniser heard in each answer")
@engine_option
@db_option
@lexicons_option
@hall_option
def practice(scenario, device, output_device, trainee, pinyin, engine, db_path, lexicon_dir,
             hall):
    """Practise a counter scenario: the customer speaks, you answer into the microphone.

    Each answer is judged as you give it (did you greet, answer, apologise; no taboo) and a
    summary closes the session. Practice is stored apart and never enters daily reports.
    Without SCENARIO, lists the scenarios (scenarios/*.toml; write your own).

    Example: courtesy practice long-wait --device pulse
    """
    from . import asr, practice as practices, tuning
    from .live import LiveSession
    from .liveness import Beater, Ear

    if scenario is None:
        for known in practices.available():
            click.echo(f"{known.name:<18} {known.title}  ({len(known.turns)} turns)")
        return
    chosen = practices.find(scenario)
    practices.check_microphone(device)
    store = _writer(db_path, hall)
    scorer = tuning.scorer(store, chosen.profile, lexicon_dir)
    session = LiveSession(scorer, store, window="practice", staff=trainee,
                          kind="practice", source=f"practice:{chosen.name}")
    mic = practices.sources.LiveSource(device, ("staff",))
    beater = Beater(store, [Ear("practice", mic, session)], "practice")
    run = practices.Practice(
        chosen, session, asr.create(engine, scorer.lexicon), mic, practices.Voice(output_device),
        on_event=lambda kind, what: _echo(practices.event_text(kind, what, pinyin)),
        on_poll=beater.tick)
    click.echo(practices.opening_text(chosen))
    try:
        click.echo("\n" + practices.result_text(run.run()))
    finally:
        beater.stop()


def _echo(text: str | None) -> None:
    """A practice line: what the trainee said is speech, so it is masked like any quote."""
    if text is not None:
        click.echo(mask(text))


@cli.group()
def audit():
    """The audit trail: every person's action (logins, reviews, appeals, user changes)."""


def _audit_entries(db_path, first, last, actor, action):
    from . import audit as audits
    from .storage import Store

    return audits.entries(Store(db_path, read_only=True), _parse_day(first, "--from"),
                          _parse_day(last, "--to"), actor, action)


def audit_filters(func):
    for option in reversed((
            click.option("--from", "first", help="First day, e.g. 2026-11-22"),
            click.option("--to", "last", help="Last day, inclusive"),
            click.option("--actor", help="Only this user (or system, cli)"),
            click.option("--action", help="Only this action: login, review, appeal, decision, "
                                          "add_finding, user, ..."))):
        func = option(func)
    return db_option(func)


@audit.command("list")
@audit_filters
def audit_list(first, last, actor, action, db_path):
    """Print the audit trail, oldest first.

    Example: courtesy audit list --from 2026-11-22 --action review
    """
    from . import audit as audits

    for entry in _audit_entries(db_path, first, last, actor, action):
        click.echo(audits.line(entry))


@audit.command("export")
@audit_filters
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output)")
def audit_export(first, last, actor, action, db_path, fmt, output):
    """Export the audit trail as CSV (with BOM, for Excel) or JSON.

    Example: courtesy audit export --from 2026-11-01 --to 2026-11-30 -o audit.csv
    """
    from . import audit as audits

    rows = _audit_entries(db_path, first, last, actor, action)
    if output is None:
        buffer = io.StringIO()
        audits.write(rows, fmt, buffer)
        click.echo(buffer.getvalue(), nl=False)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            audits.write(rows, fmt, handle)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"{len(rows)} audit entr{'y' if len(rows) == 1 else 'ies'} written to {output}",
               err=True)


# --- central (issue 15): a hall's rows shipped to the city's PostgreSQL ------------------
@cli.group()
def sync():
    """Ship this hall's database to the city's PostgreSQL ([central] in hall.toml).

    Example: courtesy sync status --config hall.toml --db reports/courtesy.db
    """


@sync.command("run")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hall.toml"), show_default=True, help="Hall config with [central]")
@click.option("--once", is_flag=True, help="Ship what is pending, then stop")
@click.option("--every", type=Bounded(limits.SYNC_EVERY_S), default=2.0, show_default=True,
              help="Seconds between rounds")
@db_option
def sync_run(config_path, once, every, db_path):
    """Ship pending changes; without --once keep shipping until stopped (Ctrl-C).

    Example: courtesy sync run --config hall.toml --db reports/courtesy.db
    """
    from .central.city_cli import run_sync

    run_sync(config_path, db_path, once, every, click.echo)


@sync.command("status")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("hall.toml"), show_default=True, help="Hall config with [central]")
@db_option
def sync_status(config_path, db_path):
    """Say what waits to be shipped, since when, and the last error.

    Example: courtesy sync status --config hall.toml
    """
    from .central.city_cli import shipper

    with shipper(config_path, db_path) as ship:
        click.echo(ship.status().text())


@sync.command("init")
@click.argument("admin_url")
@click.option("--hall", "halls", multiple=True, help="A hall's role to create (its id)")
@click.option("--city", "cities", multiple=True, help="A reader of all halls to create")
@click.option("--password-stdin", is_flag=True,
              help="Read the roles' password from stdin (else it is asked for)")
def sync_init(admin_url, halls, cities, password_stdin):
    """Migrate the city's database to the newest schema and create hall/city roles.

    Example: courtesy sync init postgresql://postgres@db/city --hall hall_01 --password-stdin
    """
    from .central import schema

    password = ""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif halls or cities:
        password = click.prompt("Password for the roles", hide_input=True,
                                confirmation_prompt=True)
    click.echo(f"数据库结构版本：{schema.upgrade(admin_url)}")
    for name in halls + cities:
        schema.add_role(admin_url, name, password, city=name in cities)
        click.echo(f"已创建角色：{name}")


# --- the database a command will write to -----------------------------------------------


@contextlib.contextmanager
def _existing(db_path: Path):
    """The database a command will write to, read only; None when there is none yet, or not
    yet a courtesy database (the writer then creates or refuses it as it would)."""
    from .storage import StorageError, Store

    try:
        store = Store(db_path, read_only=True) if db_path.is_file() else None
    except StorageError:
        store = None
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def _queue_calls(db_path: Path, anchor: datetime) -> list:
    """The hall's queue calls around a session's start, which set its visits."""
    from . import hallevents

    with _existing(db_path) as store:
        return hallevents.calls_for(store, anchor) if store else []


def _hall_changes(db_path: Path) -> tuple[list, list]:
    """The lexicon changes and the rule changes of the database a command will write to."""
    with _existing(db_path) as store:
        return (store.lexicon_changes(), rulechanges.changes(store)) if store else ([], [])


# --- running unattended (issue 23): backups, the config check, services, the day's report --

@cli.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file [default: a dated file in [backup] folder, rotated]")
@db_option
@hall_option
def backup_command(output, db_path, hall):
    """Copy the database consistently while monitors write, and check the copy.

    Example: courtesy backup -o reports/backup-2026-12-06.db
    """
    from . import backup

    made = backup.backup(db_path, output, hall.ops.backup_folder, hall.ops.backup_keep)
    rows = sum(made.counts.values())
    click.echo(f"已备份 backup: {made.path}（{rows} 行，{len(made.counts)} 张表，"
               f"完整性检查通过，{made.seconds:.1f} 秒）")
    for old in made.removed:
        click.echo(f"已删除旧备份 rotated out: {old}")


@cli.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though monitors seem to be writing")
@db_option
def restore(backup_file, force, db_path):
    """Check a backup, keep the database as it is beside it, then replace it by the backup.

    Example: courtesy restore backups/courtesy-20261206-023000.db --config hall.toml
    """
    from . import backup

    kept = backup.restore(backup_file, db_path, force)
    if kept:
        click.echo(f"原数据库已另存 previous database kept: {kept.path}")
    click.echo(f"已恢复 restored: {db_path} ← {backup_file}")


@cli.group("config")
def config_group():
    """The hall config (hall.toml)."""


@config_group.command("check")
@db_option
@hall_option
def config_check(db_path, hall):
    """Check hall.toml and everything it names: database, microphones, lights, folders.

    Example: courtesy config check
    """
    from . import checkup

    checks = checkup.run(hall, db_path)
    click.echo(f"配置文件 config: {hall.path or '（无，使用默认设置）'}")
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    click.echo(f"{len(checks) - len(failed)} 项通过，{len(failed)} 项未通过")
    if failed:
        raise SystemExit(1)


@cli.command()
@click.option("--date", "day", help="The day (default: today), e.g. 2026-11-20")
@db_option
@hall_option
def daily(day, db_path, hall):
    """Make the day's report in [report] formats and folder, delete old ones, and send it
    by mail and webhook as hall.toml says (run at closing time by the service's timer).

    Example: courtesy daily --date 2026-11-20
    """
    from datetime import date

    from . import schedule

    _hall_log(hall)
    done = schedule.run(db_path, hall, _parse_day(day, "--date") or date.today())
    for path in done.files:
        click.echo(f"已生成 wrote: {path}")
    for path in done.removed:
        click.echo(f"已删除过期日报 removed: {path}")
    for where in done.sent:
        click.echo(f"已发送 sent: {where}")
    for why in done.failed:
        click.echo(f"发送失败 not sent: {why}", err=True)
    if done.failed:
        raise SystemExit(1)


@cli.group()
def service():
    """Run one hall under systemd: listen and serve restarted always, backup and report
    timers, a dedicated system user (docs/operations.md)."""


@service.command("install")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The hall's hall.toml; its folder becomes the service user's")
@click.option("--user", "user", default="courtesy", show_default=True,
              help="System user the services run as (created if missing)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the board binds (behind a TLS reverse proxy: 127.0.0.1)")
@click.option("--port", type=Bounded(limits.PORT), default=8080, show_default=True)
@click.option("--secure-cookies", is_flag=True,
              help="The board is reached over HTTPS (a TLS reverse proxy)")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/systemd/system"), show_default=True)
def service_install(config_path, user, host, port, secure_cookies, unit_dir):
    """Install, enable and start the hall's services (as root).

    Example: courtesy service install --config /srv/courtesy/hall.toml
    """
    from . import config, service as services

    for line in services.install(config.load(config_path), config_path, user, unit_dir,
                                 host, port, secure_cookies):
        click.echo(line)


@service.command("status")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/systemd/system"), show_default=True)
@db_option
def service_status(unit_dir, db_path):
    """Say which of the hall's units are installed, enabled and running, and whether each
    window is still heard (its monitor's last heartbeat).

    Example: courtesy service status
    """
    from . import service as services

    for line in services.status(unit_dir) + services.windows(db_path):
        click.echo(line)


@service.command("uninstall")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/systemd/system"), show_default=True)
def service_uninstall(unit_dir):
    """Stop and remove the hall's units (the user, database and recordings stay).

    Example: courtesy service uninstall
    """
    from . import service as services

    for line in services.uninstall(unit_dir):
        click.echo(line)


@cli.group("hall")
def hall_systems():
    """The hall's own systems: queue calls (排队叫号) and citizen ratings (好差评).

    Example: courtesy hall import queue audio/hall/queue.jsonl --db reports/courtesy.db
    """


@hall_systems.command("import")
@click.argument("kind", type=click.Choice(["queue", "ratings"]))
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="Mapping file (TOML) for a vendor's CSV or JSON export "
                   "(default: the canonical JSON Lines)")
@db_option
def hall_import(kind, source, mapping, db_path):
    """Import queue events or ratings from a file: checked whole, stored once by the
    source's event id (a second import of the same file changes nothing).

    Example: courtesy hall import ratings audio/hall/ratings.csv --mapping audio/hall/ratings-mapping.toml --db reports/courtesy.db
    """
    from . import hallevents, hallimport
    from .storage import Store

    mapping = hallimport.load_mapping(mapping) if mapping else None
    items = hallimport.read(source, kind, mapping)  # checked before the database opens
    done = hallevents.save(Store(db_path), kind, items, str(source), actor="cli",
                           origin="courtesy hall import")
    click.echo(done.text())



@cli.group("review")
def review_group():
    """Review from the terminal: correct who spoke a line (the web pages do the rest)."""


@review_group.command("role")
@click.argument("visit_id")
@click.argument("line", type=Bounded(limits.LINE))
@click.argument("role", type=click.Choice(["staff", "customer"]))
@click.option("--note", default="", help="Why (kept with the correction)")
@click.option("--by", "actor", default="cli", show_default=True, help="Who corrects it")
@db_option
def review_role(visit_id, line, role, note, actor, db_path):
    """Say who spoke line LINE (numbered as in replay) of a visit heard on one pickup; the
    visit is judged again with the corrected role (its findings and score as reviews
    leave them), and the machine's result stays stored beside it.

    Example: courtesy review role 683eb01906b7-W01-001 2 customer --note 顾客的声音
    """
    from . import review, roles
    from .storage import Store

    store = Store(db_path, must_exist=True)
    roles.correct(store, visit_id, line, role, actor, note, origin="courtesy review role")
    result = review.effective(store, visit_id)
    click.echo(f"已更正：第 {line} 句为{role_label(role)}（{ROLE_CORRECTED}）")
    click.echo(f"{visit_id}  复核后 {result.score:.1f} {verdict_label(result.verdict)}"
               f"（机器判定 {result.automatic_score:.1f} "
               f"{verdict_label(result.automatic_verdict)}）")
    for found in result.counted:
        if not found.unsure_role:
            click.echo(f"    {_clock(found.start)} {rule_name(found.rule)}"
                       f"（{severity_label(found.severity)}） {mask(found.detail)}")


if __name__ == "__main__":  # python -m monitor.cli, as well as the courtesy script
    cli()


@cli.group()
def staff():
    """Staff voice profiles for pickup microphones (numbers only, never audio)."""


@staff.command("enrol")
@click.argument("staff_id")
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path),
              help="A WAV/FLAC of the staff member speaking alone (about 30 s)")
@click.option("--device", help="Record from this input device instead (see `courtesy devices`)")
@click.option("--seconds", type=Bounded(limits.ENROL_S), default=30.0, show_default=True,
              help="How long to record with --device")
@db_option
def staff_enrol(staff_id, source, device, seconds, db_path):
    """Store a staff member's voice profile, to tell them apart on a mixed channel.

    Example: courtesy staff enrol S07 --from audio/voices/S07.flac
    """
    from . import voices
    from .storage import Store

    if (source is None) == (device is None):
        raise click.UsageError("give --from FILE or --device D")
    if device is None:
        samples, where = voices.read(source), str(source)
    else:
        click.echo(f"请 {staff_id} 对着麦克风正常说话 {seconds:g} 秒……")
        samples, where = voices.record(device, seconds), f"device {device}"
    profile = voices.enrol(Store(db_path), staff_id, samples, where, actor="cli",
                           origin="courtesy staff enrol")
    click.echo(f"已登记 {staff_id} 的声纹（{profile.seconds:.0f} 秒语音，只存数值，不存录音）")


@staff.command("voices")
@db_option
def staff_voices(db_path):
    """List the stored voice profiles.

    Example: courtesy staff voices
    """
    from . import staffvoice, voices
    from .storage import Store

    store = Store(db_path, must_exist=True, read_only=True)
    rows, learned = voices.profiles(store), staffvoice.listed(store)
    if not rows and not learned:
        click.echo("没有声纹")
    for p in rows:
        kind = "登记" if p.kind == voices.ENROLLED else "自动学习"
        click.echo(f"{p.staff}  {kind} ({p.kind})  {p.seconds:.0f} 秒语音  "
                   f"更新于 {when(p.updated_at)}")
    for v in learned:
        click.echo(f"{v.staff or '-'}  自动学习 (learned) 窗口 {v.window} {when(v.day)}  "
                   f"{v.visits} 次来访  {v.seconds:.0f} 秒语音  更新于 {when(v.updated_at)}")


@staff.command("forget")
@click.argument("staff_id")
@db_option
def staff_forget(staff_id, db_path):
    """Delete a staff member's voice profile (audited).

    Example: courtesy staff forget S07
    """
    from . import voices
    from .storage import Store

    if voices.forget(Store(db_path, must_exist=True), staff_id, actor="cli",
                     origin="courtesy staff forget"):
        click.echo(f"已删除 {staff_id} 的声纹")
    else:
        click.echo(f"{staff_id} 没有声纹（无需删除）")
