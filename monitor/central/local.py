"""A private PostgreSQL cluster and mosquitto broker in a folder, on free ports: what the
tests, the benchmark and a trial on one machine start (Debian's packages, no system
service). A city runs its own servers; these only stand in for them here."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ConfigError(f"{what} did not start on port {port}")


def _need(program: str, package: str) -> str:
    found = shutil.which(program) or ((PG_BIN / program).exists() and str(PG_BIN / program))
    if not found:
        raise ConfigError(f"{program} is missing: "
                          f"sh scripts/central-services.sh installs {package}")
    return found


@dataclass
class Postgres:
    """`initdb` + `pg_ctl` in a folder; password logins over TCP (scram), as a city's."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="courtesy-pg-")))
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def url(self) -> str:
        """The administrator's URL (migrations, hall roles)."""
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def hall_url(self, hall: str, password: str) -> str:
        return f"postgresql://{hall}:{password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        # PostgreSQL refuses to run as root: as root, its files and processes are postgres's
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(argv), check=True, capture_output=True, text=True)

    def init(self) -> "Postgres":
        initdb = _need("initdb", "postgresql")
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "pw").write_text(self.password + "\n")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chmod(self.folder, 0o755)
            for path in (self.folder, self.folder / "pw"):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(initdb, "-D", str(self.folder / "data"), "-U", "postgres", "-E", "UTF8",
                  "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={self.folder / 'pw'}")
        return self

    def start(self) -> "Postgres":
        self._run(_need("pg_ctl", "postgresql"), "-D", str(self.folder / "data"), "-w",
                  "-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=200", "start")
        _wait_port(self.port, 30, "PostgreSQL")
        return self

    def stop(self) -> None:
        self._run(_need("pg_ctl", "postgresql"), "-D", str(self.folder / "data"), "-m", "fast",
                  "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Broker:
    """mosquitto with a password file and an ACL: each hall's user may read and publish
    only under `<prefix>/<its user name>/#` (a pattern with %u, so the topic is tied to the
    login, not to anything a client says); the city's users read everything."""

    users: dict[str, str]  # user -> password
    halls: tuple[str, ...]  # users that are halls (the others read all)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="courtesy-mqtt-")))
    port: int = field(default_factory=free_port)
    prefix: str = "courtesy"
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        passwd = _need("mosquitto_passwd", "mosquitto")
        self.folder.mkdir(parents=True, exist_ok=True)
        secrets_file = self.folder / "passwd"
        secrets_file.unlink(missing_ok=True)
        for user, password in self.users.items():
            flags = ["-b"] + ([] if secrets_file.exists() else ["-c"])
            subprocess.run([passwd, *flags, str(secrets_file), user, password], check=True,
                           capture_output=True)
        readers = [f"user {u}\ntopic read {self.prefix}/#\n" for u in self.users
                   if u not in self.halls]
        (self.folder / "acl").write_text("\n".join(
            [f"pattern readwrite {self.prefix}/%u/#\n"] + readers))
        conf = self.folder / "mosquitto.conf"
        run_as = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(f"{run_as}listener {self.port} 127.0.0.1\nallow_anonymous false\n"
                        f"password_file {secrets_file}\nacl_file {self.folder / 'acl'}\n"
                        f"persistence true\npersistence_location {self.folder}/\n"
                        "log_dest stderr\n")
        return conf

    def start(self) -> "Broker":
        conf = self.folder / "mosquitto.conf"
        if not conf.exists():
            self.write_config()
        log = open(self.folder / "log", "ab")
        self.process = subprocess.Popen([_need("mosquitto", "mosquitto"), "-c", str(conf)],
                                        stdout=log, stderr=log)
        log.close()
        _wait_port(self.port, 10, "mosquitto")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
