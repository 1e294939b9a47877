"""`courtesy staff`: staff voice profiles for pickup microphones (numbers only).
"""
from __future__ import annotations

from pathlib import Path

import click

from .. import limits
from ..vocabulary import when
from .common import Bounded, Group, db_option


@click.group(cls=Group)
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
    from .. import voices
    from ..storage import Store

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
    from .. import staffvoice, voices
    from ..storage import Store

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
    from .. import voices
    from ..storage import Store

    if voices.forget(Store(db_path, must_exist=True), staff_id, actor="cli",
                     origin="courtesy staff forget"):
        click.echo(f"已删除 {staff_id} 的声纹")
    else:
        click.echo(f"{staff_id} 没有声纹（无需删除）")


COMMANDS = (staff,)
