"""Mixed reads and writes from a separate client process, on PostgreSQL, with 1 and 2 workers.

    python -m bench.mixed_load [--activities 2000] [--duration 15]

wrk (32 connections, 2 threads) sends 80 % GET of one activity, 10 % GET of a list page of 100,
and 10 % PUT of a system with `If-Match: *` (a real write: a new version and an audit entry,
serialised by the registry's write lock). The bare Litestar endpoint, served the same way with
the same number of workers, is the ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import msgspec
from rich.console import Console
from rich.table import Table

from bench.run import _free_port, _get
from bench.synthetic import generate
from ropa.auth.roles import Role
from ropa.services import build_services
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("ROPA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
LUA = """
local keys = @KEYS@
local bodies = @BODIES@
local authorization = "@AUTHORIZATION@"
function init(args)
  math.randomseed(20261122 + math.random(1, 1000))
  wrk.headers["Authorization"] = authorization
end
function request()
  local roll = math.random(1, 100)
  if roll <= 80 then
    return wrk.format("GET", "/api/v1/activities/" .. keys[math.random(1, #keys)])
  elseif roll <= 90 then
    return wrk.format("GET", "/api/v1/activities?limit=100&after=" .. keys[math.random(1, #keys)])
  end
  local pick = bodies[math.random(1, #bodies)]
  return wrk.format("PUT", "/api/v1/systems/" .. pick[1],
    {["Content-Type"] = "application/json", ["If-Match"] = "*",
     ["Authorization"] = authorization}, pick[2])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "status": %d, '
    .. '"socket": %d, "p50": %.0f, "p99": %.0f}\\n', summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50),
    latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


@contextlib.contextmanager
def serving(app: str, workers: int, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if _get(f"{base}/health")[0] == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(base: str, script: str, duration: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    done = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}s", "--timeout", "10s", "-s", handle.name, base],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            result: dict[str, float] = json.loads(line.removeprefix("WRKJSON "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise RuntimeError(done.stdout + done.stderr)


async def prepare(url: str, activities: int) -> tuple[str, list[str], list[tuple[str, str]]]:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    services = build_services(make_engine(url))
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(services.engine)
    document = generate(activities)
    await services.documents.import_document(document)
    token = await services.tokens.create("bench", Role.DPO)
    keys = [a.key for a in document.activities]
    bodies = [(s.key, msgspec.json.encode(s).decode()) for s in document.systems[:200]]
    return token, keys, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=15)
    args = parser.parse_args()
    url = ADMIN_URL.rsplit("/", 1)[0] + "/ropa_bench_mixed"
    token, keys, bodies = asyncio.run(prepare(url, args.activities))
    script = (
        LUA.replace("@KEYS@", "{" + ",".join(_lua_string(k) for k in keys) + "}")
        .replace(
            "@BODIES@",
            "{"
            + ",".join("{" + _lua_string(k) + "," + _lua_string(b) + "}" for k, b in bodies)
            + "}",
        )
        .replace("@AUTHORIZATION@", f"Bearer {token}")
    )
    bare_script = script.replace(
        "function request()", "function request()\n  do return wrk.format('GET', '/hello') end", 1
    )
    table = Table(
        title=f"mixed load on PostgreSQL, {args.activities:,} activities, "
        f"wrk -t2 -c32 -d{args.duration}s, 80% get / 10% list / 10% put"
    )
    for column in (
        "workers",
        "endpoint",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "socket errors",
        "vs bare",
    ):
        table.add_column(column, justify="right")
    env = {"DATABASE_URL": url, "ROPA_AUTO_MIGRATE": "0"}
    for workers in (1, 2):
        with serving("bench.bare_app:create_app", workers, {}) as base:
            bare = wrk(base, bare_script, args.duration)
        with serving("ropa.api.app:create_app", workers, env) as base:
            mixed = wrk(base, script, args.duration)
        for label, result in (("bare endpoint", bare), ("ropa mixed", mixed)):
            table.add_row(
                str(workers),
                label,
                f"{result['rps']:,.0f}",
                f"{result['p50'] / 1000:.1f}",
                f"{result['p99'] / 1000:.1f}",
                f"{result['status']:.0f}",
                f"{result['socket']:.0f}",
                f"{100 * result['rps'] / bare['rps']:.1f}%",
            )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
