"""What the `sync` commands and `report --db postgresql://…` call: option handling apart
from click, so the commands stay one call each."""
from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from ..errors import ConfigError
from . import city
from .options import CentralOptions, url_of
from .sync import Shipper, SyncError


@contextmanager
def shipper(config_path, db_path):
    options = CentralOptions.load(config_path)
    if options is None:
        raise ConfigError(f"{config_path}: no [central] table: this hall ships nowhere "
                          "(see docs/central.md)")
    if not Path(db_path).is_file():
        raise SyncError(f"{db_path}：没有这个数据库（用 --db 指定监测程序写入的数据库）")
    ship = Shipper(db_path, options)
    try:
        yield ship
    finally:
        ship.close()


def run_sync(config_path, db_path, once: bool, every_s: float,
             say: Callable[[str], None]) -> None:
    """`courtesy sync run`: drain once, or keep shipping until SIGINT/SIGTERM."""
    with shipper(config_path, db_path) as ship:
        if once:
            say(f"已上传 {ship.drain()} 条变更")
            return
        stopping: list[bool] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.append(True))
        say(f"正在向市级数据库上传（大厅 {ship.options.hall}）；Ctrl-C 停止")
        ship.run(lambda: bool(stopping), every_s,
                 on_error=lambda exc: say(f"上传失败，稍后重试：{exc}"))
        say(ship.status().text())


def city_report(db_value, first: date, last: date, fmt: str, output: str | None) -> str:
    """`courtesy report --db postgresql://…`: the city's report; returns what to print."""
    import io

    report = city.build(url_of(db_value), first, last)
    if output == "-":
        buffer = io.StringIO()
        city.write(report, fmt, buffer)
        return buffer.getvalue().rstrip("\n")
    target = Path(output) if output else Path("reports")
    if output is None or target.is_dir() or output.endswith(("/", "\\")):
        target = target / city.default_name(first, last, fmt)
    city.save(report, fmt, target)
    return f"wrote {target}"


def serve_city(db_value, config_path, host: str, port: int, threads: int,
               say: Callable[[str], None]) -> None:
    """`courtesy serve --db postgresql://…`: the city board; the broker from `[central]`
    of the city's config (its reader's mqtt_url, mqtt_user, mqtt_password)."""
    from ..web import serve
    from .board import create_city_app

    options = CentralOptions.load(config_path or Path("hall.toml"))
    if options is None or not options.mqtt_url:
        raise ConfigError(f"{config_path or 'hall.toml'}: the city board needs [central] "
                          "mqtt_url, mqtt_user and mqtt_password (the city's reader)")
    app = create_city_app(url_of(db_value), options)
    say(f"city board on http://{host}:{port}/; Ctrl-C stops it")
    serve(app, host=host, port=port, threads=threads)
