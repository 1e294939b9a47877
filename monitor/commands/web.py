"""`courtesy serve`: the hall's web app (board, review, reports), re-reading its hall files.
"""
from __future__ import annotations

from pathlib import Path

import click

from .. import limits
from .common import Bounded, db_option, hall_log, lexicons_option


@click.command()
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
        from ..central.city_cli import serve_city
        return serve_city(db_path, config_path, host, port, threads, click.echo)
    from .. import config, watch
    from ..hallwatch import HallFile
    from ..web import WebOptions, bind_hosts, create_app
    from ..web import serve as run

    # one reading of hall.toml, re-read when saved: the pages, alerts and folders follow it
    hall_file = HallFile.read(config_path) if config_path else HallFile(config.load(None))
    hall = hall_file.hall  # its [web]: hosts and stream caps (at start), unless given here
    max_streams = max_streams or hall.web.max_streams or max(threads - 24, threads // 2, 1)
    options = WebOptions(board_login=board_login, max_streams=max_streams,
                         max_streams_per_client=max_streams_per_client
                         or hall.web.max_streams_per_client or WebOptions.max_streams_per_client,
                         allowed_hosts=bind_hosts(host, allowed_hosts + hall.web.allowed_hosts),
                         secure_cookie=secure_cookies)
    hall_log(hall)
    app = create_app(db_path, options, hall_file, lexicon_dir)
    watch.Watch(db_path, hall_file).start()  # alerts to drivers and the log, not only the board
    _watch_hall_folders(db_path, hall_file)
    click.echo(f"看板地址 http://{host}:{port}/（数据库 {db_path}）；按 Ctrl-C 停止")
    run(app, host=host, port=port, threads=threads)


def _watch_hall_folders(db_path: Path, hall_file) -> None:
    """`[queue] folder` / `[ratings] folder`: files dropped there are imported while serving,
    from the folders the file names at each round (one added later counts too)."""
    import threading

    from .. import hallevents

    threading.Thread(target=hallevents.watch, args=(db_path, hall_file, threading.Event()),
                     name="hall-folders", daemon=True).start()
    hall = hall_file.hall
    folders = [s.folder for s in (hall.queue, hall.ratings) if s.folder]
    if folders:
        click.echo("正在监视叫号/评价文件夹 watching: " + "，".join(map(str, folders)))


COMMANDS = (serve,)
