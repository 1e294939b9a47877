"""`courtesy score`, `play` and `transcribe`: a recording or a transcript scored and stored,
played through the live monitor, or transcribed.
"""
from __future__ import annotations

import dataclasses
import io
import json
import sys
from datetime import datetime
from pathlib import Path

import click

from .. import lexicon as lexicons
from .. import limits
from ..privacy import mask
from ..records import PhraseHit, Session, Visit
from ..stored import as_json
from ..vocabulary import (MACHINE_MARK, MACHINE_NOTE, quoted, role_heard, rule_name, severity_label,
                          state_label, verdict_label)
from .common import (Bounded, channels_option, clock, db_option, engine_option, for_window,
                     hall_changes, hall_option, id_option, lexicons_option, parse_at, queue_calls,
                     writer)


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", help="Sector profile: general, police, hospital, bank, utility, "
                                "government [default: the window's in the hall config, "
                                "else general]")
@click.option("--window", callback=id_option,
              help="Window id for every line (a line's own window is overridden; "
                   "else each line's own)")
@click.option("--staff", callback=id_option,
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
    from ..audio import score_source
    from ..pipeline import Scorer

    staff, profile = for_window(hall, window, staff, profile)
    started_at = parse_at(at)
    voice, learned = _voice(db_path, staff, channels) or (None, True)
    lexicon_changes, rule_changes = hall_changes(db_path)
    session = score_source(Scorer.load(profile, lexicon_dir, lexicon_changes,
                                       hall.rating_device, rule_changes), source,
                           engine, channels, voice=voice, learned=learned, window=window,
                           staff=staff, started_at=started_at,
                           queue=queue_calls(db_path, started_at) if at else [])
    store = writer(db_path, hall)
    store.save(session)
    if as_json:
        click.echo(json.dumps(session_json(session), ensure_ascii=False))
    else:
        click.echo(summary(session))
        click.echo(f"已存入 {db_path}")


def _voice(db_path: Path, staff: str | None, channels: tuple[str, ...]):
    """The staff member's enrolled voice profile for a mixed channel (read only; None: the
    staff voice is learned from the recording, the voice in every visit)."""
    from .. import sources, voices
    from ..storage import Store

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


def summary(session: Session) -> str:
    """Visits and their findings; a quote a recogniser heard is marked 〔机器识别〕."""
    marks = {True: "✓", False: "✗"}
    heard = False
    lines = [f"会话 {session.id} · 行业配置 {session.profile} · {len(session.visits)} 次来访"]
    for v in session.visits:
        lines.append(
            f"{v.id}  {clock(v.start)}-{clock(v.end)}  窗口 {v.window or '-'}  "
            f"得分 {v.score:5.1f}  {verdict_label(v.verdict)}  迎声 {marks[v.greeted]}  "
            f"答声 {v.questions - v.unanswered}/{v.questions}  送声 {marks[v.farewelled]}")
        for f, quote in zip(v.findings, _quotes(session, v)):
            what = f"{f.category} " if f.category else ""
            said = f" · {mask(f.text)}" + (f"〔{MACHINE_MARK}〕" if quote.machine else "") \
                if f.text else ""
            heard = heard or quote.machine
            lines.append(f"    {clock(f.start)} {rule_name(f.rule)}（{severity_label(f.severity)}）"
                         f" {what}{mask(f.detail)}{said}")
    if heard:
        lines.append(f"〔{MACHINE_MARK}〕{MACHINE_NOTE}（拼音见 --json）")
    return "\n".join(lines)


@click.command()
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

    from .. import alerts, live, transcript, tuning
    from ..liveness import Beater, Ear

    utterances = transcript.read(source)  # the whole file checked before anything is stored
    store = writer(db_path, hall)
    staff, profile = for_window(hall, window, staff, profile)
    scorer = tuning.scorer(store, profile, lexicon_dir, hall.rating_device)
    started_at = live.replay_anchor(utterances, speed, parse_at(at) if at else None,
                                    datetime.now().astimezone(), scorer.profile.visits.max_wait_s)
    session = live.LiveSession(scorer, store, window=window,
                               staff=staff, started_at=started_at,
                               source=str(source.resolve()), replay=True)
    session.calls = queue_calls(db_path, started_at)  # the hall queue's, where imported
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
    head = f"[{clock(update.now)}] {update.window or '-'} {visit.id.rsplit('-', 1)[-1]}"
    if update.partial:  # judged on speech still going on: shown, not stored
        head += " （暂定）"
    if update.state == "closed":
        return (f"{head} 结束 得分 {visit.score:.0f} {verdict_label(visit.verdict)}"
                f"{' · ' + '、'.join(rule_name(f.rule) for f in visit.findings) if visit.findings else ''}")
    lines = [f"{head} {'开始' if update.state == 'open' else '更新'} 得分 {visit.score:.0f}"]
    lines += [f"    {severity_label(f.severity)} {rule_name(f.rule)} {mask(f.detail)}"
              f"{' · ' + mask(f.text) if f.text else ''}" for f in update.new_findings]
    return "\n".join(lines)


@click.command()
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
    from .. import asr, transcript
    from ..audio import transcribe_file

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
    click.echo(f"已写出 {len(utterances)} 句到 {output}", err=True)


COMMANDS = (score, play, transcribe)
