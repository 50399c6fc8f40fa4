"""The service as a real process on a free port, for tests that need real concurrency.

The in-process test client runs one request at a time and blocks its caller while it runs, so
it can neither overlap requests nor show a stalled event loop. `live_server` starts
``uvicorn ropa.api.app:create_app`` as ``ropa serve`` does (one worker, the header deadline
of ``ropa.api.timeouts``, the given environment) and waits until
``/health`` answers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

ROOT = Path(__file__).resolve().parents[1]


def database_url_of(engine: Engine) -> str:
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    return str(getattr(engine, "config", {})["dsn"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def live_server(database_url: str, log: Path | None = None, **env: str) -> Iterator[str]:
    """The base URL of a running service on ``database_url``; stopped on exit. Its output goes
    to ``log`` when given."""
    port = _free_port()
    environment = os.environ | {"DATABASE_URL": database_url, "ROPA_AUTO_MIGRATE": ""} | env
    output = (log or Path(os.devnull)).open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ropa.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--http",
            "ropa.api.timeouts:TimedHttpToolsProtocol",
            "--log-level",
            "info" if log else "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=output,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with status {process.returncode}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start within 90 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
