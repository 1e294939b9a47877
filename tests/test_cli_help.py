"""Every command's help shows an example, and the files an example names exist; a
recording given as a device that is not there is one clear error."""
from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from monitor.cli import cli

from .audio_support import sherpa_model

ROOT = Path(__file__).resolve().parent.parent


def commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


@pytest.mark.parametrize("path, command", list(commands(cli)),
                         ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_an_example_whose_files_exist(path, command):
    example = re.search(r"Example: (courtesy .+)", command.help or "")
    assert example, f"courtesy {' '.join(path)} --help shows no example"
    words = shlex.split(example.group(1))
    assert words[1:1 + len(path)] == list(path)
    for word in words:
        if word.startswith(("audio/", "lexicons/", "scenarios/")):
            assert (ROOT / word).exists(), f"the example names {word}, which does not exist"


# Examples that need what a test cannot give: a sound device, a server left running, the
# network or a large model copy. Every other example is run as written.
NOT_RUN = {("serve",): "a server that runs until stopped", ("listen",): "a live sound device",
           ("practice",): "a microphone and a speaker", ("devices",): "a sound device",
           ("model", "install"): "a model download or copy",
           ("sync", "run"): "a city PostgreSQL (tests/test_central.py runs it)",
           ("sync", "status"): "a hall.toml with [central] (tests/test_central.py runs it)",
           ("sync", "init"): "a city PostgreSQL (tests/test_central.py runs it)",
           ("restore",): "a backup made first (tests/test_backup.py runs it)",
           ("service", "install"): "root, a system user and systemd (tests/test_service.py)",
           ("service", "uninstall"): "root and systemd (tests/test_service.py runs it)"}
SLOW = {("play",), ("replay",), ("transcribe",)}  # real time (sped up); sherpa on a recording
NEEDS_MODEL = {("transcribe",)}  # the sherpa model: skipped as the model tests skip without it
PASSWORD = "example-password-1"


def example(command: click.Command) -> list[str]:
    return shlex.split(re.search(r"Example: (courtesy .+)", command.help).group(1))[1:]


# Examples that act on what another example made: that one runs first, in the same hall.
RUN_FIRST = {("user", "reset"): ("user", "add"),  # reset's user is the one add's adds
             ("lexicon", "undo"): ("lexicon", "tune")}  # undo's change 1 is tune's


@pytest.fixture(scope="module")
def scored_hall(tmp_path_factory):
    """A hall folder with the bundled samples, lexicons and scenarios, whose database
    holds what `score`'s example stores (the visit the other examples name)."""
    folder = tmp_path_factory.mktemp("hall")
    for name in ("audio", "lexicons", "scenarios"):
        (folder / name).symlink_to(ROOT / name)
    (folder / "reports").mkdir()
    before = Path.cwd()
    os.chdir(folder)
    try:
        scored = CliRunner().invoke(cli, example(dict(commands(cli))[("score",)]))
        CliRunner().invoke(cli, ["user", "add", "li", "--role", "viewer", "--password-stdin"],
                           input=f"{PASSWORD}\n")  # the user the disable and remove examples name
        # the rule change `rules undo`'s example undoes, whichever worker runs which example
        CliRunner().invoke(cli, example(dict(commands(cli))[("rules", "change")]))
    finally:
        os.chdir(before)
    assert scored.exit_code == 0, scored.output
    return folder


@pytest.fixture
def hall(scored_hall, tmp_path):
    """A copy of the scored hall for one example: what an example changes (a user removed,
    recordings pruned) is seen by no other, whichever order or process runs them."""
    folder = tmp_path / "hall"
    shutil.copytree(scored_hall, folder, symlinks=True)
    return folder


def run_example(command: click.Command, path: tuple[str, ...]):
    given = f"{PASSWORD}\n{PASSWORD}\n" if path in (("user", "add"), ("user", "reset")) else None
    return CliRunner().invoke(cli, example(command), input=given)


@pytest.mark.parametrize("path, command", [
    pytest.param(path, command, marks=[pytest.mark.slow] if path in SLOW else [],
                 id=" ".join(path))
    for path, command in commands(cli) if path not in NOT_RUN])
def test_every_example_runs(path, command, hall, monkeypatch):
    """Each example, run as written in its own copy of a scored hall folder, works (the
    visit id in the replay and training examples is the one `score`'s example stores)."""
    if path in NEEDS_MODEL:
        sherpa_model()
    monkeypatch.chdir(hall)
    if path in RUN_FIRST:
        first = RUN_FIRST[path]
        done = run_example(dict(commands(cli))[first], first)
        assert done.exit_code == 0, f"courtesy {' '.join(first)}: {done.output}"
    result = run_example(command, path)
    assert result.exit_code == 0, f"courtesy {' '.join(example(command))}: {result.output}"


@pytest.mark.slow
def test_a_missing_recording_as_a_device_is_one_clear_error(db_path):
    sherpa_model()  # listen loads the recogniser
    result = CliRunner().invoke(cli, ["listen", "--window", "W1", "--device",
                                      "audio/nope.flac", "--db", str(db_path)])
    assert result.exit_code == 1
    assert "audio/nope.flac" in result.output and "录音文件不存在" in result.output



def test_devices_never_answers_with_nothing(tmp_path):
    """With no input device (no sound server here), one clear message, not silence."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path), "PULSE_SERVER": "unix:/nonexistent"}
    courtesy = Path(sys.executable).parent / "courtesy"
    done = subprocess.run([str(courtesy), "devices"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode == 0:
        assert done.stdout.strip() and " ch  " in done.stdout
    else:
        assert done.returncode == 1 and "未找到音频输入设备" in done.stderr
