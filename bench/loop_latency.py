"""``/health`` latency on one worker while it makes the largest export and a diagram.

Prepares a SQLite store with a synthetic registry, starts the service (one uvicorn worker,
as ``ropa serve`` runs it) from each source tree given, and while one heavy request runs asks
``/health`` every 20 ms on the same worker. A blocked event loop shows as ``/health`` waiting
as long as the heavy work; work kept off the loop leaves it answering in milliseconds.

    python -m bench.loop_latency --activities 1000 --baseline /tmp/ropa-base

``--baseline`` is another checkout of ropa (e.g. ``git archive <commit> | tar -x -C DIR``):
it runs in the same process, on the same store and machine, beside this tree. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.synthetic import generate
from ropa.auth.roles import Role
from ropa.domain.kinds import KINDS
from ropa.services import build_services
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Sample:
    tree: str
    request: str
    seconds: float
    status: int
    answers: int
    median_ms: float
    p99_ms: float
    max_ms: float


async def _prepare(
    url: str, activities: int, organisations: int | None = None
) -> tuple[str, str, int]:
    services = build_services(make_engine(url))
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(services.engine)
    document = generate(activities, organisations=organisations)
    await services.documents.import_document(document)
    entities = sum(len(getattr(document, spec.collection)) for spec in KINDS.values())
    token = await services.tokens.create("bench", Role.ADMIN)
    return token, document.organisations[0].key, entities


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _server(tree: Path, url: str) -> Iterator[str]:
    port = _free_port()
    env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(tree), "ROPA_AUTO_MIGRATE": ""}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "ropa.api.app:create_app", "--factory"),
            *("--port", str(port), "--no-access-log", "--log-level", "warning"),
        ],
        cwd=tree,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _measure(base: str, token: str, label: str, path: str) -> Sample:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        for _ in range(5):
            await client.get("/health")
        latencies: list[float] = []
        heavy = asyncio.create_task(client.get(path))
        started = time.perf_counter()
        while not heavy.done():
            sent = time.perf_counter()
            await client.get("/health")
            latencies.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.02)
        seconds = time.perf_counter() - started
        ordered = sorted(latencies)
        return Sample(
            tree=label,
            request=path.split("?")[0],
            seconds=seconds,
            status=heavy.result().status_code,
            answers=len(latencies),
            median_ms=statistics.median(ordered),
            p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            max_ms=ordered[-1],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--baseline", type=Path, help="another ropa checkout to run beside")
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    token, organisation, entities = asyncio.run(_prepare(url, args.activities))
    trees = [("this tree", ROOT)]
    if args.baseline:
        trees.insert(0, ("baseline", args.baseline.resolve()))
    paths = ["/api/v1/registry?format=yaml", "/api/v1/diagrams/organisation.svg"]
    samples: list[Sample] = []
    for label, tree in trees:
        with _server(tree, url) as base:
            for path in paths:
                samples.append(asyncio.run(_measure(base, token, label, path)))
    print(
        f"registry: {args.activities} activities, {entities} entities (organisation {organisation})"
    )
    print("| tree | heavy request | its time | /health answers | median | p99 | max |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for s in samples:
        print(
            f"| {s.tree} | {s.request} ({s.status}) | {s.seconds:.1f} s | {s.answers} | "
            f"{s.median_ms:.0f} ms | {s.p99_ms:.0f} ms | {s.max_ms:.0f} ms |"
        )


if __name__ == "__main__":
    main()
