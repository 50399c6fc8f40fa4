"""Fides, the peer: its install in a venv of its own, its server, its API and its evaluator.

Nothing of Fides lives in the repository. The venv is made once under the peer home
($ROPA_PEER_HOME, default /tmp/ropa-peer) and reused while it holds the pinned version.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.peer import data
from bench.peer.services import Postgres, Redis
from bench.run import _free_port

PACKAGE = "ethyca-fides"
VERSION = "2.78.2"
CLIENT_ID = "fidesadmin"


def home() -> Path:
    return Path(os.environ.get("ROPA_PEER_HOME", "/tmp/ropa-peer"))


def install(folder: Path) -> Path:
    """The venv's Python with Fides at the pinned version, installed now if it is not."""
    python = folder / "venv" / "bin" / "python"
    check = [str(python), "-c", f"import importlib.metadata as m; print(m.version('{PACKAGE}'))"]
    if python.exists():
        found = subprocess.run(check, capture_output=True, text=True, check=False)
        if found.stdout.strip() == VERSION:
            return python
    folder.mkdir(parents=True, exist_ok=True)
    # Fides supports Python 3.9 to 3.13; the bench's own interpreter is one of those.
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    log = folder / "install.log"
    with log.open("wb") as out:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"{PACKAGE}=={VERSION}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"pip install {PACKAGE}=={VERSION} failed (see {log}):\n{tail}")
    return python


@dataclass
class Fides:
    """A running Fides server and what its API needs."""

    base: str
    process: subprocess.Popen[bytes]
    secret: str
    token: str = ""

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def _connection(self, timeout: float = 600) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.base)
        return http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=timeout
        )

    def login(self) -> None:
        """An OAuth token of the root client (client credentials), as Fides' CLI gets one."""
        body = urllib.parse.urlencode(
            {
                "client_id": CLIENT_ID,
                "client_secret": self.secret,
                "grant_type": "client_credentials",
            }
        )
        connection = self._connection(60)
        connection.request(
            "POST",
            "/api/v1/oauth/token",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"Fides token request answered {response.status}: {answer}")
        self.token = answer["access_token"]

    def upsert(self, systems: list[dict[str, Any]]) -> float:
        """POST /api/v1/system/upsert of ``systems``; the seconds it took."""
        connection = self._connection()
        start = time.perf_counter()
        connection.request(
            "POST",
            "/api/v1/system/upsert",
            json.dumps(systems),
            {"Content-Type": "application/json", "Authorization": self.authorization},
        )
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status not in (200, 201):
            raise RuntimeError(f"Fides upsert answered {response.status}: {payload[:500]!r}")
        return elapsed

    def load(self, n: int, batch: int) -> float:
        """The ``n`` systems in upserts of ``batch``, one after the other; total seconds."""
        systems = data.fides_systems(n)
        batches = [systems[i : i + batch] for i in range(0, n, batch)]
        start = time.perf_counter()
        with ThreadPoolExecutor(1) as pool:
            list(pool.map(self.upsert, batches))
        return time.perf_counter() - start


def environment(folder: Path, postgres: Postgres, redis: Redis, secret: str) -> dict[str, str]:
    """Fides' settings for this run, as environment variables (its documented way)."""
    return {
        **os.environ,
        "FIDES__CONFIG_PATH": str(folder / "fides.toml"),
        "FIDES__DATABASE__SERVER": "127.0.0.1",
        "FIDES__DATABASE__PORT": str(postgres.port),
        "FIDES__DATABASE__USER": "postgres",
        "FIDES__DATABASE__PASSWORD": "postgres",
        "FIDES__DATABASE__DB": "fides_bench",
        "FIDES__REDIS__ENABLED": "true",
        "FIDES__REDIS__HOST": "127.0.0.1",
        "FIDES__REDIS__PORT": str(redis.port),
        "FIDES__REDIS__PASSWORD": redis.password,
        "FIDES__SECURITY__APP_ENCRYPTION_KEY": secrets.token_hex(16),
        "FIDES__SECURITY__OAUTH_ROOT_CLIENT_ID": CLIENT_ID,
        "FIDES__SECURITY__OAUTH_ROOT_CLIENT_SECRET": secret,
        "FIDES__USER__ANALYTICS_OPT_OUT": "true",
        "FIDES__CLI__ANALYTICS_ID": "bench",
    }


@contextlib.contextmanager
def serving(python: Path, folder: Path, postgres: Postgres, redis: Redis) -> Iterator[Fides]:
    """Fides' ASGI app under uvicorn, one worker, on a free loopback port; stopped on exit.

    Fides runs from ``folder``: it reads SaaS connector templates from ./data/saas/config at
    start-up (the wheel ships none), so an empty one is made there.
    """
    postgres.create_database("fides_bench")
    (folder / "data" / "saas" / "config").mkdir(parents=True, exist_ok=True)
    (folder / "fides.toml").touch()
    secret = secrets.token_urlsafe(24)
    port = _free_port()
    log = (folder / "fides-server.log").open("wb")
    command = [str(python), "-m", "uvicorn", "fides.api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=environment(folder, postgres, redis, secret),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    fides = Fides(f"http://127.0.0.1:{port}", process, secret)
    try:
        _wait_healthy(fides, folder / "fides-server.log")
        fides.login()
        yield fides
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def _wait_healthy(fides: Fides, log: Path, timeout: float = 600) -> None:
    """Until /health answers 200 (the first start migrates an empty database: minutes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fides.process.poll() is not None:
            break
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = fides._connection(5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        time.sleep(1)
    tail = log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"Fides did not become healthy on {fides.base}:\n{tail}")


# --- `fides evaluate` ---------------------------------------------------------------------------

POLICY = {
    "fides_key": "bench_policy",
    "name": "Bench policy",
    "organization_fides_key": data.ORGANISATION,
    "rules": [
        {
            "name": "no_marketing_of_customer_financial_or_contact",
            "data_categories": {
                "matches": "ANY",
                "values": ["user.financial", "user.payment", "user.contact"],
            },
            "data_uses": {"matches": "ANY", "values": ["marketing", "third_party_sharing"]},
            "data_subjects": {"matches": "ANY", "values": ["customer"]},
        }
    ],
}


def write_manifests(folder: Path, n: int) -> Path:
    """Fides manifests of the ``n`` systems and one policy rule, as kept in git, in YAML."""
    manifests = folder / "manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    with (manifests / "systems.yml").open("w") as out:
        yaml.safe_dump({"system": data.fides_systems(n)}, out, sort_keys=False)
    with (manifests / "policy.yml").open("w") as out:
        yaml.safe_dump({"policy": [POLICY]}, out, sort_keys=False)
    return manifests


def evaluate(python: Path, folder: Path, manifests: Path) -> tuple[float, int]:
    """``fides --local evaluate`` of the manifests: (wall seconds, violations found).

    Local mode evaluates in the CLI process without the server; exit code 1 means the policy
    found violations (the rule above is meant to find some).
    """
    fides = python.parent / "fides"
    env = {**os.environ, "FIDES__CONFIG_PATH": str(folder / "fides.toml")}
    env["FIDES__USER__ANALYTICS_OPT_OUT"] = "true"
    start = time.perf_counter()
    done = subprocess.run(
        [str(fides), "--local", "evaluate", str(manifests)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "'status':" not in done.stdout:
        raise RuntimeError(f"fides evaluate failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout.count("'detail':")
