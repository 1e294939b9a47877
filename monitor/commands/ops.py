"""Running unattended: `courtesy backup`, `restore`, `config check`, `service`.
"""
from __future__ import annotations

from pathlib import Path

import click

from .. import limits
from .common import Bounded, Group, db_option, hall_option


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file [default: a dated file in [backup] folder, rotated]")
@db_option
@hall_option
def backup_command(output, db_path, hall):
    """Copy the database consistently while monitors write, and check the copy.

    Example: courtesy backup -o reports/backup-2026-12-06.db
    """
    from .. import backup

    made = backup.backup(db_path, output, hall.ops.backup_folder, hall.ops.backup_keep)
    rows = sum(made.counts.values())
    click.echo(f"已备份 backup: {made.path}（{rows} 行，{len(made.counts)} 张表，"
               f"完整性检查通过，{made.seconds:.1f} 秒）")
    for old in made.removed:
        click.echo(f"已删除旧备份 rotated out: {old}")


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though monitors seem to be writing")
@db_option
def restore(backup_file, force, db_path):
    """Check a backup, keep the database as it is beside it, then replace it by the backup.

    Example: courtesy restore backups/courtesy-20261206-023000.db --config hall.toml
    """
    from .. import backup

    kept = backup.restore(backup_file, db_path, force)
    if kept:
        click.echo(f"原数据库已另存 previous database kept: {kept.path}")
    click.echo(f"已恢复 restored: {db_path} ← {backup_file}")


@click.group("config", cls=Group)
def config_group():
    """The hall config (hall.toml)."""


@config_group.command("check")
@db_option
@hall_option
def config_check(db_path, hall):
    """Check hall.toml and everything it names: database, microphones, lights, folders.

    Example: courtesy config check
    """
    from .. import checkup

    checks = checkup.run(hall, db_path)
    click.echo(f"配置文件 config: {hall.path or '（无，使用默认设置）'}")
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    click.echo(f"{len(checks) - len(failed)} 项通过，{len(failed)} 项未通过")
    if failed:
        raise SystemExit(1)


@click.group(cls=Group)
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
    from .. import config, service as services

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
    from .. import service as services

    for line in services.status(unit_dir) + services.windows(db_path):
        click.echo(line)


@service.command("uninstall")
@click.option("--unit-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/etc/systemd/system"), show_default=True)
def service_uninstall(unit_dir):
    """Stop and remove the hall's units (the user, database and recordings stay).

    Example: courtesy service uninstall
    """
    from .. import service as services

    for line in services.uninstall(unit_dir):
        click.echo(line)


COMMANDS = (backup_command, restore, config_group, service)
