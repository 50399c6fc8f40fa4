"""gzip of the big reads: what each level costs and saves, and ``/health`` while the map goes out.

The registry is bench/synthetic.py's ``generate(10_000, organisations=1)``: 2,000 systems, 500
parties, 50,000 flows; its data map (``GET /api/v1/map``) is some 4.5 MB of JSON.

1. The map's JSON gzipped at levels 1, 4, 6 and 9: CPU time (best of 5, ``time.process_time``)
   and size, beside the uncompressed size.
2. One worker (uvicorn, as ``ropa serve``) serving that registry from SQLite: the map fetched
   with ``Accept-Encoding: identity`` (the baseline) and with ``gzip``, in turn, while ``/health``
   is asked every 20 ms on the same worker: the map's time and bytes on the wire, and
   ``/health``'s latency.

    .venv/bin/python -m bench.compression [--activities 10000] [--rounds 3]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import tempfile
import time
import zlib

import httpx

from bench.loop_latency import ROOT, _prepare, _server
from bench.synthetic import generate
from ropa.domain.vocabulary import builtin
from ropa.render.map import build_map, map_json
from ropa.services.judgement import judge


def _levels(body: bytes) -> None:
    print(f"map JSON: {len(body):,} bytes")
    print("| gzip level | CPU (best of 5) | size | of the JSON |")
    print("|---:|---:|---:|---:|")
    for level in (1, 4, 6, 9):
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            out = compressor.compress(body) + compressor.flush()
            best = min(best, time.process_time() - started)
        print(f"| {level} | {best * 1000:.0f} ms | {len(out):,} | {len(out) / len(body):.1%} |")


async def _fetch_map(base: str, token: str, accept: str) -> tuple[float, int, list[float]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        for _ in range(5):
            await client.get("/health")

        async def fetch() -> int:
            wire = 0
            request_headers = {"Accept-Encoding": accept}
            async with client.stream("GET", "/api/v1/map", headers=request_headers) as answer:
                async for chunk in answer.aiter_raw():
                    wire += len(chunk)
            return wire

        latencies: list[float] = []
        heavy = asyncio.create_task(fetch())
        started = time.perf_counter()
        while not heavy.done():
            sent = time.perf_counter()
            await client.get("/health")
            latencies.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.02)
        return time.perf_counter() - started, heavy.result(), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    judged = judge(generate(args.activities, organisations=1), builtin(), dt.date(2026, 6, 1))
    _levels(map_json(build_map(judged.facts, judged.findings)))
    del judged

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    token, _, entities = asyncio.run(_prepare(url, args.activities, organisations=1))
    print(f"\nserving {entities} entities; map fetched {args.rounds} times each, alternating")
    results: dict[str, list[tuple[float, int, list[float]]]] = {"identity": [], "gzip": []}
    with _server(ROOT, url) as base:
        asyncio.run(_fetch_map(base, token, "identity"))  # warm: the judged registry cached
        for _ in range(args.rounds):
            for accept in results:
                results[accept].append(asyncio.run(_fetch_map(base, token, accept)))
    print("| Accept-Encoding | map time (median) | bytes sent | /health median | p90 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for accept, runs in results.items():
        latencies = sorted(ms for _, _, run in runs for ms in run)
        p90 = latencies[int(len(latencies) * 0.9)]
        print(
            f"| {accept} | {statistics.median(s for s, _, _ in runs):.2f} s | {runs[0][1]:,} | "
            f"{statistics.median(latencies):.1f} ms | {p90:.1f} ms | {latencies[-1]:.1f} ms |"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
