"""`courtesy report`, `replay` and `daily`: the courtesy report, a visit replayed, the day's
report made unattended.
"""
from __future__ import annotations

import io
from pathlib import Path

import click

from .. import limits
from ..reports import FORMATS as REPORT_FORMATS
from ..reports import PAGE_INCIDENTS
from .common import Bounded, db_option, hall_log, hall_option, parse_day


@click.command()
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

    from .. import config, reports
    from ..storage import Store

    if day and (first or last):
        raise click.UsageError("give either --date or --from/--to, not both")
    if last and not first:
        raise click.UsageError("--to needs --from")
    today = date.today()
    if first:
        options = reports.ReportOptions(parse_day(first, "--from"),
                                        parse_day(last, "--to") or today, window, staff)
    else:
        chosen = parse_day(day, "--date") or today
        options = reports.ReportOptions(chosen, chosen, window, staff)
    fmt = reports.output_format(fmt, output)
    if output == "-" and fmt == "pdf":
        raise click.UsageError("a PDF cannot go to stdout; give -o FILE.pdf")
    if str(db_path).startswith(("postgresql:", "postgres:")):  # the city's (issue 15)
        from ..central.city_cli import city_report
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


@click.command()
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
    from .. import config, terminal
    from ..storage import Store

    how = config.load(config_path).training if training else None
    terminal.play_visit(Store(db_path, read_only=True), visit_id, how, speed, not no_audio,
                        plain, pinyin, out=click.echo, warn=lambda m: click.echo(m, err=True))


@click.command()
@click.option("--date", "day", help="The day (default: today), e.g. 2026-11-20")
@db_option
@hall_option
def daily(day, db_path, hall):
    """Make the day's report in [report] formats and folder, delete old ones, and send it
    by mail and webhook as hall.toml says (run at closing time by the service's timer).

    Example: courtesy daily --date 2026-11-20
    """
    from datetime import date

    from .. import schedule

    hall_log(hall)
    done = schedule.run(db_path, hall, parse_day(day, "--date") or date.today())
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


COMMANDS = (report, replay, daily)
