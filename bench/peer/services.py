"""The peer's own PostgreSQL instance and Redis, on loopback, on free ports, for one run.

PostgreSQL refuses to run as root, so when the bench runs as root the data directory belongs
to the ``postgres`` user and the server runs as that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.run import _free_port


def _postgres_bin() -> Path:
    """The newest installed PostgreSQL server binaries (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return found[-1].parent


def _as_owner(command: list[str]) -> list[str]:
    """``command`` run as the postgres user when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Postgres:
    """A PostgreSQL instance of the peer's own: data in ``home/pgdata``, trust auth, loopback."""

    home: Path
    port: int
    version: str = ""

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _psql(self, sql: str) -> str:
        done = subprocess.run(
            [
                str(_postgres_bin() / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-Atc",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def postmaster_pid(self) -> int:
        """The server's root process: its backends are its children."""
        return int((self.home / "pgdata" / "postmaster.pid").read_text().split()[0])

    def analyze(self, database: str) -> None:
        """Planner statistics for ``database``, as autovacuum gives them after a load."""
        subprocess.run(
            [
                str(_postgres_bin() / "psql"),
                *("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database),
                "-qc",
                "VACUUM ANALYZE",
            ],
            capture_output=True,
            check=True,
        )

    def create_database(self, name: str) -> None:
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._psql(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def postgres(home: Path) -> Iterator[Postgres]:
    """A fresh PostgreSQL instance (a new data directory each run), stopped on exit."""
    binaries = _postgres_bin()
    data = home / "pgdata"
    sockets = home / "pgsocket"
    shutil.rmtree(data, ignore_errors=True)
    for path in (data, sockets):
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        _as_owner(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        capture_output=True,
        check=True,
    )
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
    pg_ctl = str(binaries / "pg_ctl")
    subprocess.run(
        _as_owner(
            [pg_ctl, "-D", str(data), "-l", str(data / "server.log"), "-o", options, "-w", "start"]
        ),
        capture_output=True,
        check=True,
    )
    instance = Postgres(home, port)
    try:
        instance.version = instance._psql("SHOW server_version")
        yield instance
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(data, ignore_errors=True)


@dataclass
class Redis:
    port: int
    password: str
    version: str = ""


@contextlib.contextmanager
def redis(home: Path, password: str) -> Iterator[Redis]:
    """A Redis server without persistence on a free loopback port, stopped on exit."""
    port = _free_port()
    folder = home / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    # The password goes in a config file, not on the command line where ps shows it.
    config = folder / "redis.conf"
    config.write_text(
        f'bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave ""\nappendonly no\n'
        f"dir {folder}\nlogfile {folder / 'redis.log'}\n"
    )
    config.chmod(0o600)
    process = subprocess.Popen(["redis-server", str(config)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=1),
            ):
                break
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {(folder / 'redis.log').read_text()}")
            time.sleep(0.1)
        version = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, check=False
        ).stdout.split()
        yield Redis(port, password, next((v[2:] for v in version if v.startswith("v=")), ""))
    finally:
        process.terminate()
        process.wait(timeout=15)
