"""The `courtesy` command: each command parses options, calls the library, formats output."""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from pathlib import Path

import click

from . import lexicon as lexicons
from . import profiles
from .errors import CourtesyError
from .records import Session
from .reports import FORMATS as REPORT_FORMATS
from .reports import PAGE_INCIDENTS
from .storage import DEFAULT_DB

log = logging.getLogger("courtesy")


class _Group(click.Group):
    """Turns the library's errors into `Error: ...` and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CourtesyError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


def db_option(func):
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                        default=DEFAULT_DB, show_default=True,
                        help="SQLite database")(func)


def lexicons_option(func):
    return click.option("--lexicons", "lexicon_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Lexicon folder (default: the bundled lexicons/)")(func)


def _parse_at(value: str | None) -> datetime:
    if not value:
        return datetime.now().astimezone()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date and time like 2026-11-22T09:00",
                                 param_hint="--at") from None
    return moment if moment.tzinfo else moment.astimezone()


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log what is happening to stderr")
@click.version_option(package_name="courtesy")
def cli(verbose):
    """Offline courtesy monitor for service counters (窗口文明用语监测)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", default=profiles.DEFAULT, show_default=True,
              help="Sector profile: general, police, hospital, bank, utility, government")
@click.option("--window", help="Window id (else from the lines)")
@click.option("--staff", help="Staff member id (else from the lines)")
@click.option("--at", "at", help="Wall-clock start of the session, e.g. 2026-11-22T09:00")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object")
@db_option
@lexicons_option
def score(source, profile, window, staff, at, as_json, db_path, lexicon_dir):
    """Score a conversation and store it.

    SOURCE is a JSONL transcript (one utterance per line).

    Example: courtesy score audio/good_visit.jsonl --window W01 --json
    """
    from .pipeline import Scorer
    from .storage import Store

    started_at = _parse_at(at)
    scorer = Scorer.load(profile, lexicon_dir)
    session = scorer.score_file(source, window=window, staff=staff, started_at=started_at)
    store = Store(db_path)
    store.save(session)
    if as_json:
        click.echo(json.dumps(session_json(session), ensure_ascii=False))
    else:
        click.echo(summary(session))
        click.echo(f"stored in {db_path}")


def session_json(session: Session) -> dict:
    return {"session": session.id, "profile": session.profile,
            "started_at": session.started_at.isoformat(), "visits": [{
                "id": v.id, "window": v.window, "staff": v.staff,
                "start": round(v.start, 3), "end": round(v.end, 3),
                "greeted": v.greeted, "farewelled": v.farewelled,
                "questions": v.questions, "unanswered": v.unanswered,
                "findings": [{"rule": f.rule, "start": f.start, "end": f.end, "text": f.text,
                              "category": f.category, "severity": f.severity,
                              "deduction": f.deduction, "detail": f.detail}
                             for f in v.findings],
                "hits": [{"kind": h.kind, "phrase": h.phrase, "matched": h.matched,
                          "start": round(h.start, 3), "end": round(h.end, 3), "score": h.score}
                         for h in v.hits],
                "score": v.score, "verdict": v.verdict,
            } for v in session.visits]}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def summary(session: Session) -> str:
    marks = {True: "✓", False: "✗"}
    lines = [f"session {session.id} · profile {session.profile} · {len(session.visits)} visit(s)"]
    for v in session.visits:
        lines.append(
            f"{v.id}  {_clock(v.start)}-{_clock(v.end)}  window {v.window or '-'}  "
            f"score {v.score:5.1f}  {v.verdict.upper():4}  greet {marks[v.greeted]}  "
            f"answer {v.questions - v.unanswered}/{v.questions}  farewell {marks[v.farewelled]}")
        for f in v.findings:
            what = f"{f.category} " if f.category else ""
            lines.append(f"    {_clock(f.start)} {f.rule:<12} {f.severity:<8} {what}"
                         f"{f.detail}{' · ' + f.text if f.text else ''}")
    return "\n".join(lines)


@cli.group()
def lexicon():
    """Lexicon files: check them."""


@lexicon.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def lexicon_check(path):
    """Validate lexicon files (a folder, or one file) and every profile beside them.

    Example: courtesy lexicon check lexicons/
    """
    if path is not None and path.is_file():
        phrases = lexicons.load_file(path)
        lexicons.check(phrases)
        click.echo(f"{path}: {len(phrases)} phrases, OK")
        return
    loaded = lexicons.load(path)
    for name in profiles.available(path):
        profiles.load(name, path)
    by_kind: dict[str, int] = {}
    for phrase in loaded.phrases:
        by_kind[phrase.kind] = by_kind.get(phrase.kind, 0) + 1
    click.echo(", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    click.echo(f"{len(loaded.phrases)} phrases, {len(profiles.available(path))} profiles: OK")


@cli.command("profiles")
@lexicons_option
def list_profiles(lexicon_dir):
    """List the sector profiles."""
    for name in profiles.available(lexicon_dir):
        chosen = profiles.load(name, lexicon_dir)
        click.echo(f"{name:<12} {chosen.title}")



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
@click.option("--max-incidents", type=click.IntRange(min=1), default=PAGE_INCIDENTS,
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
    suffix = Path(output).suffix.lstrip(".") if output and output != "-" else ""
    fmt = fmt or (suffix if suffix in REPORT_FORMATS else "html")
    if output == "-" and fmt == "pdf":
        raise click.UsageError("a PDF cannot go to stdout; give -o FILE.pdf")
    hall = config.load(config_path)
    store = Store(db_path, must_exist=True)
    built = reports.build(store, options, hall)
    store.close()
    if built.message:
        click.echo(built.message, err=True)
    if output == "-":
        buffer = io.StringIO()
        reports.write(built, fmt, buffer, max_incidents)
        click.echo(buffer.getvalue(), nl=False)
        return
    target = Path(output) if output else Path("reports")
    if output is None or target.is_dir() or output.endswith(("/", "\\")):
        target = target / reports.default_name(options, fmt)
    reports.save(built, fmt, target, max_incidents)
    click.echo(f"wrote {target}")
