"""Run the peer bench: ``python -m bench.peer --help`` (see the package's docstring)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.peer import __doc__ as peer_doc
from bench.peer import data, fides, ropa_side, services
from bench.peer.load import Account, Gets, Writes, Wrk, tree_cpu
from bench.run import (
    ROOT,
    Quiet,
    Table,
    _cpu_model,
    _first_line,
    _loadavg,
    _meminfo_gib,
    _n,
    _status,
    _version,
    console,
    serving,
)
from ropa.rules import catalogue

RESULTS = ROOT / "bench" / "RESULTS.md"
START_MARK = "<!-- peer:start -->"
END_MARK = "<!-- peer:end -->"
REDIS_PASSWORD = uuid.uuid4().hex


@dataclass
class Run:
    options: argparse.Namespace
    quiet: Quiet
    postmaster: int = 0
    env: dict[str, str] = field(default_factory=dict)
    serving: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(row, side) -> wrk figures; side is fides, sqlite or postgres."""
    seconds: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    """(row, side) -> (seconds, other work's share of the machine meanwhile)."""
    bare: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    """side -> the server's resident MB once its measurements are done."""


@dataclass
class Side:
    """One server under test, loaded with the data, and the loads to send it, by row."""

    name: str
    base: str
    authorization: str
    pid: int
    database: int | None
    loads: dict[str, Gets | Writes]


def settle(pids: list[int], limit: float = 120.0) -> None:
    """Wait until the servers are idle: Fides goes on with requests whose client has gone."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = tree_cpu(pids)
        time.sleep(1)
        if tree_cpu(pids) - before < 0.1 * len(pids):
            return


def timed(run: Run, row: str, side: str, action: Callable[[], float]) -> float:
    """Run ``action`` (which returns its seconds) and keep them with the other work meanwhile."""
    account = Account([os.getpid(), run.postmaster])
    seconds = action()
    run.seconds[(row, side)] = (seconds, account.other())
    return seconds


def start_fides(
    stack: contextlib.ExitStack, run: Run, folder: Path, pg: services.Postgres, rd: services.Redis
) -> Side:
    """Fides served and loaded through its API in upserts of ``--batch`` systems."""
    n = run.options.systems
    python = fides.install(folder)
    run.env["Fides"] = f"{fides.PACKAGE} {fides.VERSION} ({_first_line([str(python), '-V'])})"
    console.print("[bold]Fides[/bold]: starting (the first start migrates its database)")
    peer = stack.enter_context(fides.serving(python, folder, pg, rd))
    run.quiet.wait("Fides load")
    console.print(f"[bold]Fides[/bold]: loading {n:,} systems")
    timed(run, "load", "fides", lambda: peer.load(n, run.options.batch))
    pg.analyze("fides_bench")
    upserts = [("POST", "/api/v1/system/upsert", body) for body in fides_upserts(n)]
    return Side(
        "fides",
        peer.base,
        peer.authorization,
        peer.process.pid,
        run.postmaster,
        {
            "get": Gets("/api/v1/system/bench_sys_%05d", 0, n - 1),
            "list": Gets("/api/v1/system?page=%d&size=100", 1, max(1, n // 100)),
            "upsert": Writes(upserts),
        },
    )


def fides_upserts(n: int) -> list[str]:
    """One upsert body per system; the description and the first declaration change."""
    bodies = []
    for i in range(n):
        system = data.fides_system(i, n)
        system["description"] = f"Synthetic system {i} rev __REV__"
        system["privacy_declarations"][0]["retention_period"] = "__REV__ days"
        bodies.append(json.dumps([system]))
    return bodies


def ropa_store(folder: Path, engine: str, pg: services.Postgres, purpose: str) -> str:
    """A fresh, migrated ropa store for ``purpose``: its URL."""
    if engine == "sqlite":
        return f"sqlite:///{folder / f'ropa-{purpose}.sqlite'}"
    pg.create_database(f"ropa_peer_{purpose}")
    return pg.url_of(f"ropa_peer_{purpose}")


def start_ropa(
    stack: contextlib.ExitStack, run: Run, folder: Path, engine: str, pg: services.Postgres
) -> Side:
    """ropa served on ``engine`` and loaded as Fides is: imports of ``--batch`` systems."""
    n, batch = run.options.systems, run.options.batch
    url = ropa_store(folder, engine, pg, "batches")
    authorization = f"Bearer {ropa_side.prepare(url)}"
    env = {"DATABASE_URL": url, "ROPA_AUTO_MIGRATE": "0"}
    server = stack.enter_context(
        serving("ropa.api.app:create_app", env, folder / f"ropa-{engine}.log")
    )
    run.quiet.wait(f"ropa {engine} load")
    console.print(f"[bold]ropa {engine}[/bold]: loading {n:,} systems")
    timed(run, "load", engine, lambda: ropa_side.load(server.base, authorization, n, batch))
    if engine == "sqlite":
        subprocess.run(["sqlite3", url.removeprefix("sqlite:///"), "ANALYZE"], check=True)
    else:
        pg.analyze("ropa_peer_batches")
    ropa_side.check_upsert(server.base, authorization, n)
    return Side(
        engine,
        server.base,
        authorization,
        server.process.pid,
        run.postmaster if engine == "postgres" else None,
        {
            "get": Gets("/api/v1/systems/bench_sys_%05d", 0, n - 1),
            "list": Gets("/api/v1/systems?limit=100&after=bench_sys_%05d", 0, max(0, n - 101)),
            "upsert": Writes(ropa_side.upsert_lines(n)),
            "put": Writes(ropa_side.put_lines(n), header=("If-Match", "*")),
        },
    )


def measure_rows(run: Run, wrk: Wrk, sides: list[Side]) -> None:
    """Each row on every side in turn, so that the machine's other work falls on all sides."""
    pids = [side.pid for side in sides]
    for row in SERVING_ROWS:
        for side in sides:
            if row not in side.loads:
                continue
            settle(pids)
            run.quiet.wait(f"{side.name} {row}")
            console.print(f"[bold]{side.name}[/bold]: {row}")
            seconds = run.options.slow_duration if row in SLOW_ROWS else run.options.duration
            run.serving[(row, side.name)] = wrk.measure(
                side.base, side.loads[row], side.authorization, side.pid, side.database, seconds
            )
    settle(pids)
    for side in sides:
        run.memory[side.name] = _status(side.pid).get("VmRSS", 0) / 1024


def measure_ropa_whole(run: Run, folder: Path, engine: str, pg: services.Postgres) -> None:
    """ropa's own bulk path: the whole registry in one import request, into an empty store."""
    url = ropa_store(folder, engine, pg, "whole")
    authorization = f"Bearer {ropa_side.prepare(url)}"
    document = data.ropa_document(run.options.systems)
    env = {"DATABASE_URL": url, "ROPA_AUTO_MIGRATE": "0"}
    with serving("ropa.api.app:create_app", env, folder / f"ropa-{engine}-whole.log") as server:
        run.quiet.wait(f"ropa {engine} whole import")
        console.print(f"[bold]ropa {engine}[/bold]: the whole registry in one import")
        timed(
            run,
            "load one request",
            engine,
            lambda: ropa_side.post_import(server.base, authorization, document),
        )


def measure_bare(run: Run, wrk: Wrk, folder: Path) -> None:
    with serving("bench.bare_app:create_app", {}, folder / "bare.log") as server:
        run.quiet.wait("bare endpoint")
        console.print("[bold]bare Litestar endpoint[/bold]")
        run.bare = wrk.measure(server.base, Gets("/hello", 0, 0), "", server.process.pid)


def measure_evaluate(run: Run, folder: Path) -> None:
    """`fides --local evaluate` of the manifests of the same systems and one policy rule."""
    python = fides.install(folder)
    manifests = fides.write_manifests(folder, run.options.systems)
    run.quiet.wait("fides evaluate")
    console.print("[bold]Fides[/bold]: fides --local evaluate")
    violations = 0

    def evaluate() -> float:
        nonlocal violations
        seconds, violations = fides.evaluate(python, folder, manifests)
        return seconds

    timed(run, "evaluate", "fides", evaluate)
    run.env["fides evaluate"] = f"one policy rule, {violations:,} violations found"


def measure_validate(run: Run, folder: Path) -> None:
    """`ropa validate FILE` of the same registry, as JSON and (unless --no-yaml) as YAML."""
    paths = ropa_side.write_documents(folder, run.options.systems)
    ropa = str(Path(sys.executable).with_name("ropa"))
    formats = ["json"] if run.options.no_yaml else ["json", "yaml"]
    for fmt in formats:
        run.quiet.wait(f"ropa validate {fmt}")
        console.print(f"[bold]ropa validate[/bold] {fmt.upper()}")

        def validate(path: Path = paths[fmt]) -> float:
            start = time.perf_counter()
            done = subprocess.run(
                [ropa, "validate", str(path)], capture_output=True, text=True, check=False
            )
            if done.returncode not in (0, 1):
                raise RuntimeError(f"ropa validate failed:\n{done.stderr[-3000:]}")
            summary = [line for line in done.stdout.splitlines() if " findings: " in line]
            run.env["ropa validate"] = f"{len(catalogue())} rules, " + (
                summary[-1] if summary else "no summary line"
            )
            return time.perf_counter() - start

        timed(run, f"validate {fmt}", "ropa", validate)


def environment(pg: services.Postgres, rd: services.Redis) -> dict[str, str]:
    commit = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {_meminfo_gib():.1f} GiB RAM, {_cpu_model()}",
        "ropa": f"{commit}, Python {sys.version.split()[0]}, Litestar {_version('litestar')}, "
        f"uvicorn {_version('uvicorn')}",
        "PostgreSQL": f"{pg.version}, one instance of the bench's own, for Fides and ropa",
        "Redis": rd.version,
        "wrk": _first_line(["wrk", "-v"]).split(" Copyright")[0].removeprefix("wrk "),
    }


# --- reporting ---------------------------------------------------------------------------------

SIDES = ("fides", "sqlite", "postgres")
SLOW_ROWS = ("list", "upsert", "put")
"""Rows measured for --slow-duration: Fides answers them in seconds each."""
SERVING_ROWS = {
    "get": "GET one system (random key), req/s",
    "list": "list of 100 systems (random page), req/s",
    "upsert": "upsert of one system with its 3 declarations, req/s",
    "put": "ropa: PUT of one system (`If-Match: *`), req/s",
}
TIMED_ROWS = {
    "load": "bulk load: {n} systems in upserts of {batch}, s",
    "load one request": "ropa: bulk load, the whole registry in one import, s",
}


def _ratio(ropa: float | None, peer: float | None, faster_is_higher: bool) -> str:
    if not ropa or not peer:
        return ""
    return f"{(ropa / peer if faster_is_higher else peer / ropa):.2f}x"


def _rate_ratio(ropa: dict[str, Any] | None, peer: dict[str, Any] | None) -> str:
    """ropa's rate ÷ Fides'; a lower bound when Fides answered nothing within the window."""
    if not ropa or not peer or not ropa["ok_rps"]:
        return ""
    if peer["ok_rps"]:
        return f"{ropa['ok_rps'] / peer['ok_rps']:.2f}x"
    window = peer["duration_us"] / 1e6
    return f"> {ropa['ok_rps'] * window:,.0f}x"


def tables(run: Run) -> list[Table]:
    options = run.options
    summary = Table(
        f"Fides {fides.VERSION} and ropa, {options.systems:,} systems with 3 privacy declarations, "
        f"1 uvicorn worker each, the same run",
        [
            "measure",
            "Fides",
            "ropa SQLite",
            "ropa PostgreSQL",
            "SQLite vs Fides",
            "PostgreSQL vs Fides",
        ],
    )
    for key, label in SERVING_ROWS.items():
        figures = [run.serving.get((key, side)) for side in SIDES]
        rates = [f["ok_rps"] if f else None for f in figures]
        summary.add(
            label,
            *(_n(r, 1 if r < 100 else 0) if r is not None else "" for r in rates),
            _rate_ratio(figures[1], figures[0]),
            _rate_ratio(figures[2], figures[0]),
        )
    for key, template in TIMED_ROWS.items():
        label = template.format(n=f"{options.systems:,}", batch=options.batch)
        secs = [run.seconds.get((key, side), (None, 0.0))[0] for side in SIDES]
        summary.add(
            label,
            *(f"{s:.1f}" if s is not None else "" for s in secs),
            _ratio(secs[1], secs[0], False),
            _ratio(secs[2], secs[0], False),
        )
    evaluate = run.seconds.get(("evaluate", "fides"), (None, 0.0))[0]
    for fmt in ("json", "yaml"):
        seconds = run.seconds.get((f"validate {fmt}", "ropa"), (None, 0.0))[0]
        if seconds is None:
            continue
        ratio = _ratio(seconds, evaluate, False)
        summary.add(
            f"policy evaluation, s: `fides --local evaluate` (YAML manifests) / "
            f"`ropa validate` ({fmt.upper()} file)",
            f"{evaluate:.1f}" if evaluate else "",
            f"{seconds:.1f}",
            "",
            ratio,
            "",
        )
    if run.memory:
        summary.add(
            "server resident memory after its measurements, MB",
            *(_n(run.memory[side]) if side in run.memory else "" for side in SIDES),
            "",
            "",
        )
    if run.bare:
        summary.add(
            "bare Litestar endpoint (the machine's ceiling), req/s",
            "",
            _n(run.bare["rps"]),
            "",
            "",
            "",
        )
    summary.notes += [
        "req/s: answers with a status below 400 per second (the detail table counts every "
        "answer). vs Fides: ropa's rate ÷ Fides' rate, or Fides' seconds ÷ ropa's seconds; "
        'above 1x ropa is faster; "> N x" where Fides answered none within the window (its '
        "rate was below one per window). Only these ratios compare across machines and days; "
        "the absolute figures move with the machine and its other work (see the detail "
        "table).",
        f"Load: wrk -t{options.threads} -c{options.connections} -d{options.duration:g}s "
        f"(GET one) or -d{options.slow_duration:g}s (lists and writes, which Fides answers in "
        f"seconds), --timeout 30s, random keys or pages; reads after a {options.warmup:g} s "
        "warm-up. Every request carries a "
        "bearer token (Fides: the root client's OAuth token; ropa: a dpo token). The three "
        "servers run side by side and each row is measured on Fides, ropa SQLite and ropa "
        "PostgreSQL in turn, so a change in the machine's other work falls on all of them; "
        "each measurement starts once all servers are idle (Fides goes on with requests "
        "whose client has gone).",
        "Servers: uvicorn, 1 worker, on 127.0.0.1. Fides with its defaults (security env "
        "prod: an OAuth scope check on every call; INFO request logging), on its own "
        "database of the bench's PostgreSQL instance and with Redis, which it needs to "
        "start; ropa as `ropa serve` runs it, on a SQLite file or a database of the same "
        "PostgreSQL instance. Both stores were analysed (VACUUM ANALYZE / ANALYZE) after "
        "the load.",
        "Same data: Fides gets System payloads with 3 privacy declarations each (data use, 3 "
        "categories, 2 subjects, legal basis, retention, egress to the next two systems); "
        "ropa gets the same systems, one activity per declaration and one flow per declaration "
        "and egress target (1 organisation, "
        f"{options.systems:,} systems, {3 * options.systems:,} activities, "
        f"{6 * options.systems:,} flows). Fides' GET and list return each system with its "
        "declarations; ropa's return the system alone.",
        "Upsert: Fides POST /api/v1/system/upsert of one system; ropa POST "
        "/api/v1/registry/import?prune=false of one system with its 3 activities and 6 flows "
        "(the same change: the description and the first declaration). Each request changes "
        "something; concurrent requests never touch the same system.",
        "Bulk load: Fides through /api/v1/system/upsert, ropa through /api/v1/registry/import "
        "(prune=false), batches sent one after the other into an empty store.",
        "Policy evaluation: `fides --local evaluate` of the manifests (the systems and one "
        "policy with one rule) against `ropa validate FILE` (the whole rule catalogue, with "
        "the derived facts and the text report), both as a fresh CLI process, wall time.",
    ]
    detail = Table(
        "Serving detail",
        [
            "side",
            "measure",
            "req/s",
            "p50 ms",
            "p99 ms",
            "non-2xx",
            "socket errors",
            "server CPU µs/req",
            "PostgreSQL CPU µs/req",
            "wrk CPU µs/req",
            "other work",
        ],
        left=2,
    )
    for (key, side), f in sorted(
        run.serving.items(), key=lambda kv: (SIDES.index(kv[0][1]), kv[0][0])
    ):
        detail.add(
            {"fides": "Fides", "sqlite": "ropa SQLite", "postgres": "ropa PostgreSQL"}[side],
            key,
            _n(f["rps"], 1),
            _n(f["p50"] / 1000, 1),
            _n(f["p99"] / 1000, 1),
            _n(f["status"]),
            _n(f["socket"]),
            _n(f["server_us"]),
            _n(f["database_us"]) if side != "sqlite" else "",
            _n(f["wrk_us"]),
            f"{f['other']:.0%}",
        )
    for (key, side), (seconds, other) in run.seconds.items():
        detail.add(
            {
                "fides": "Fides",
                "sqlite": "ropa SQLite",
                "postgres": "ropa PostgreSQL",
                "ropa": "ropa",
            }[side],
            f"{key} ({seconds:.1f} s)",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{other:.0%}",
        )
    detail.notes.append(
        "other work: the share of the machine's CPUs busy with anything but the server, its "
        "PostgreSQL and wrk (or, for the timed rows, anything but this bench, its children "
        "and PostgreSQL) while the figure was taken. Where it is high the figures of that "
        "row are low; the ratios above hold only as far as both sides met similar load."
    )
    return [summary, detail]


def markdown(run: Run, rendered: list[Table]) -> str:
    options = run.options
    command = (
        f"python -m bench.peer --systems {options.systems} --duration {options.duration:g} "
        f"--slow-duration {options.slow_duration:g}"
    )
    lines = [
        START_MARK,
        "## Peer, same run: Fides beside ropa (issue 17)",
        "",
        f'Run `.venv/bin/{command}` on {run.env["date"]}. Every "vs Fides" figure in this '
        "file is in this section: Fides and ropa were measured in this one run, on the same "
        "machine, with the same data shape.",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in run.env.items() if k != "date"]
    lines.append("")
    for table in rendered:
        lines += [table.markdown(), ""]
    lines.append(END_MARK)
    return "\n".join(lines) + "\n"


def write_results(section: str, path: Path = RESULTS) -> None:
    text = path.read_text(encoding="utf-8")
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peer",
        description=peer_doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--systems", type=int, default=data.SYSTEMS)
    parser.add_argument("--batch", type=int, default=50, help="systems per bulk-load request")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument(
        "--slow-duration",
        type=float,
        default=30.0,
        help="seconds for the list and write rows (default 30)",
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--no-yaml", action="store_true", help="validate the JSON file only")
    parser.add_argument("--no-write", action="store_true", help="leave bench/RESULTS.md alone")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=30.0,
        help="seconds to wait before each measurement for other work on the machine to stop",
    )
    parser.add_argument("--idle-below", type=float, default=0.15, help="busy share counted as idle")
    options = parser.parse_args(argv)
    options.engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    if options.systems < 200:
        parser.error("--systems below 200 leaves no room for list pages of 100")
    for tool in ("wrk", "redis-server", "runuser"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    started = time.monotonic()
    folder = fides.home()
    folder.mkdir(parents=True, exist_ok=True)
    run = Run(options, Quiet(options.idle_below, options.wait_idle))
    busy = run.quiet.wait("the run")
    load_before = _loadavg()
    work = Path(tempfile.mkdtemp(prefix="ropa-peer-"))
    wrk = Wrk(options.threads, options.connections, options.duration, options.warmup, work)
    try:
        with services.postgres(folder) as pg, services.redis(folder, REDIS_PASSWORD) as rd:
            run.postmaster = pg.postmaster_pid()
            account = Account([os.getpid(), run.postmaster])
            run.env = environment(pg, rd)
            measure_bare(run, wrk, work)
            with contextlib.ExitStack() as stack:
                sides = [start_fides(stack, run, folder, pg, rd)]
                sides += [start_ropa(stack, run, work, e, pg) for e in options.engines]
                measure_rows(run, wrk, sides)
            for engine in options.engines:
                measure_ropa_whole(run, work, engine, pg)
            measure_evaluate(run, folder)
            measure_validate(run, work)
            other_share = account.other()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    run.env["other work on the machine"] = (
        f"{busy:.0%} of the CPUs busy just before the run; during it {other_share:.0%} of the "
        "machine's CPU time went to processes other than this bench, its servers, wrk and its "
        f"PostgreSQL; load average {load_before} before, {_loadavg()} after"
    )
    rendered = tables(run)
    for table in rendered:
        console.print(table.rich())
        for note in table.notes:
            console.print(f"  [dim]- {note}[/dim]")
    console.print(" · ".join(f"{k} {v}" for k, v in run.env.items()), highlight=False)
    if not options.no_write:
        write_results(markdown(run, rendered))
        console.print(f"wrote {RESULTS.relative_to(ROOT)} (section peer)")
    console.print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
