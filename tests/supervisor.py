"""A stand-in for systemd where systemd is not init (this container): runs a unit's
ExecStart in its WorkingDirectory with its Environment, and follows Restart=always with
RestartSec, as systemd's service manager does. User=, groups and sandboxing are not
applied (the test runs as whoever runs it); docs/operations.md says so."""
from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from pathlib import Path


def service_section(unit: Path) -> dict[str, list[str]]:
    """The [Service] keys of a unit file; a key given twice (Environment=) keeps every
    value, which configparser would refuse."""
    values: dict[str, list[str]] = {}
    section = None
    for line in unit.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


class Supervisor:
    """Keeps one unit's process running while Restart=always says so."""

    def __init__(self, unit: Path, extra_env: dict[str, str] | None = None):
        self.service = service_section(unit)
        self.argv = shlex.split(self.service["ExecStart"][0])
        self.env = {**os.environ, **(extra_env or {})}
        for assignment in self.service.get("Environment", []):
            key, value = assignment.split("=", 1)
            self.env[key] = value
        self.cwd = self.service.get("WorkingDirectory", [None])[0]
        self.restart = self.service.get("Restart", ["no"])[0]
        self.delay = float(self.service.get("RestartSec", ["0.1"])[0])
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Supervisor":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            self.starts += 1
            self.process.wait()
            if self.restart != "always" or self._stop.wait(self.delay):
                return

    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def wait_started(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid():
                return self.pid()
            time.sleep(0.05)
        raise AssertionError(f"{self.argv} did not start")

    def stop(self) -> None:
        self._stop.set()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._thread.join(timeout=25)
