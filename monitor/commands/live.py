"""`courtesy listen`, `devices` and `practice`: counters heard live, the audio devices, a
trainee practising a scenario.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from .. import lexicon as lexicons
from .. import limits, profiles
from ..privacy import mask
from ..vocabulary import KEEP_WORDS
from .common import (Bounded, db_option, engine_option, hall_log, hall_option, lexicons_option,
                     writer)
from .scoring import light_line, live_line


@click.command()
def devices():
    """List the audio input devices (use the index or name with `listen --device`).

    Example: courtesy devices
    """
    from ..sources import devices as input_devices

    found = input_devices()
    if not found:
        raise click.ClickException("未找到音频输入设备（请检查麦克风是否已连接）: PortAudio "
                                   "sees no input device")
    for device in found:
        click.echo(f"{device['index']:>3}  {device['name']:<40} {device['channels']} ch  "
                   f"{device['rate']:.0f} Hz")


@click.command()
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

    from .. import asr, config
    from ..hallwatch import HallFile
    from ..listen import Monitor, run_for
    from ..logs import EVENT_LABELS
    from ..sources import LiveOptions, names_a_file, parse_channels

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
    store = writer(db_path, hall)
    logs = hall_log(hall)
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


@click.command()
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
    from .. import asr, practice as practices, tuning
    from ..live import LiveSession
    from ..liveness import Beater, Ear

    if scenario is None:
        for known in practices.available():
            click.echo(f"{known.name:<18} {known.title}（{len(known.turns)} 轮对话）")
        return
    chosen = practices.find(scenario)
    practices.check_microphone(device)
    store = writer(db_path, hall)
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


COMMANDS = (devices, listen, practice)
