"""The benchmark runner: registry import and HTTP serving, on SQLite and on PostgreSQL.

    python -m bench.run                        # 10,000 activities, both engines, 10 s per endpoint
    python -m bench.run --quick                # 1,000 activities, 3 s per endpoint: a smoke run
    python -m bench.run --sizes 1000,10000 --engines sqlite --duration 5
    python -m bench.run --serving-only         # import and serve; writes only the serving tables

For each engine it makes an empty migrated store of its own (a SQLite file in a temporary
directory; a PostgreSQL database named ropa_bench_*, dropped afterwards), then, in a child
process per store (``bench.store_phase``), imports the synthetic registry (``bench.synthetic``),
imports it again (a no-op) and exports it. On the largest store it serves ropa with uvicorn, one
worker, as ``ropa serve`` does, and loads it with wrk (32 connections, 2 threads) for a fixed
time per endpoint, beside a bare Litestar endpoint (``bench.bare_app``) served the same way in
the same run, just before and just after ropa's endpoints. Everything listens on 127.0.0.1 only.

It prints its tables and writes them, with the date, machine and versions, into the issue-2
section of bench/RESULTS.md (replacing that section if present). These are figures, never
assertions: nothing here fails because a number is low.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from rich.console import Console
from rich.table import Table as RichTable

from bench.synthetic import KEY_WIDTH, Shape
from ropa.store.dialect import share_connections

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "issue-2"
START_MARK = f"<!-- {SECTION}:start -->"
END_MARK = f"<!-- {SECTION}:end -->"
SERVING_START = f"<!-- {SECTION}-serving:start -->"
SERVING_END = f"<!-- {SECTION}-serving:end -->"
SERVING_TABLES = ("Serving", "Server memory")
"""Titles of the tables a ``--serving-only`` run writes (between the serving marks)."""
POSTGRES_URL = os.environ.get(
    "ROPA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PYTHON = sys.executable

PEER_POINTER = (
    'Fides beside ropa on the same data: see the section "Peer, same run" '
    "(`python -m bench.peer`); a ratio against the peer counts only from one run."
)

console = Console(width=max(shutil.get_terminal_size((180, 40)).columns, 160))


# --- tables, printed with rich and written as markdown ------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left: int = 1
    """How many leading columns are labels (left-aligned)."""

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def rich(self) -> RichTable:
        table = RichTable(title=self.title, title_justify="left")
        for i, column in enumerate(self.columns):
            table.add_column(
                column, justify="left" if i < self.left else "right", no_wrap=i < self.left
            )
        for row in self.rows:
            table.add_row(*row)
        return table

    def markdown(self) -> str:
        lines = [f"#### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        aligns = ["---"] * self.left + ["---:"] * (len(self.columns) - self.left)
        lines.append("|" + "|".join(aligns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}"


def _ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.2f}" if microseconds < 10_000 else f"{microseconds / 1000:.0f}"


# --- the machine and the versions -----------------------------------------------------------


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not found"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else ""


def _meminfo_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


async def _postgres_version(url: str) -> str:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_busy(seconds: float = 2.0) -> float:
    """The fraction of all CPUs busy over the next ``seconds`` (other work on the machine)."""
    busy0, total0 = _cpu_times()
    time.sleep(seconds)
    busy1, total1 = _cpu_times()
    return (busy1 - busy0) / max(1, total1 - total0)


@dataclass(frozen=True)
class Quiet:
    """Before each measurement, wait (a bounded time) for the machine's other work to stop."""

    limit: float
    patience: float

    def wait(self, what: str) -> float:
        """The busy fraction the measurement of ``what`` starts with."""
        deadline = time.monotonic() + self.patience
        busy = cpu_busy(1.0)
        waited = False
        while busy > self.limit and time.monotonic() < deadline:
            if not waited:
                console.print(f"[yellow]{busy:.0%} busy with other work: waiting ({what})[/yellow]")
                waited = True
            time.sleep(5)
            busy = cpu_busy(1.0)
        if busy > self.limit:
            console.print(
                f"[bold yellow]{busy:.0%} busy with other work, measuring {what} anyway: "
                "its figures will be low and noisy[/bold yellow]"
            )
        return busy


def _postgres_cpu() -> float:
    """CPU seconds of the local PostgreSQL processes, their reaped backends included."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            if "(postgres)" not in text[: text.rindex(")") + 1]:
                continue
            fields = text[text.rindex(")") + 2 :].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuAccount:
    """CPU the machine spent during the run that was neither the benchmark nor PostgreSQL."""

    busy: int = 0
    total: int = 0
    own: float = 0.0
    postgres: float = 0.0

    @classmethod
    def start(cls) -> CpuAccount:
        busy, total = _cpu_times()
        return cls(busy, total, _own_cpu(), _postgres_cpu())

    def foreign(self) -> tuple[float, float]:
        """(CPU seconds of other work, its share of the machine's capacity) since start."""
        busy, total = _cpu_times()
        tick = os.sysconf("SC_CLK_TCK")
        machine = (busy - self.busy) / tick
        other = machine - (_own_cpu() - self.own) - (_postgres_cpu() - self.postgres)
        return max(0.0, other), max(0.0, other) / max(1e-9, (total - self.total) / tick)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def environment(engines: list[str]) -> dict[str, str]:
    commit = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "ropa"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{_meminfo_gib():.1f} GiB RAM, {_cpu_model()}",
        "os": f"{platform.system()} {platform.release()}",
        "ropa": f"{commit}{' with uncommitted changes in ropa/' if dirty else ''}",
        "Python": platform.python_version(),
        "Litestar": _version("litestar"),
        "Piccolo": _version("piccolo"),
        "uvicorn": f"{_version('uvicorn')} (uvloop {_version('uvloop')}, "
        f"httptools {_version('httptools')})",
        "msgspec": _version("msgspec"),
        "SQLite": f"{sqlite3.sqlite_version} (aiosqlite {_version('aiosqlite')})",
        "PostgreSQL": "not used",
        "wrk": _first_line(["wrk", "-v"]).split(" Copyright")[0].removeprefix("wrk "),
    }
    if "postgres" in engines:
        info["PostgreSQL"] = (
            f"{asyncio.run(_postgres_version(POSTGRES_URL))} (asyncpg {_version('asyncpg')})"
        )
    return info


# --- stores -----------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Stores:
    """Empty stores made for this run, and their removal."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.databases: list[str] = []
        self.run_id = uuid.uuid4().hex[:8]

    def make(self, engine: str, activities: int) -> str:
        if engine == "sqlite":
            path = self.workdir / f"ropa-{activities}.sqlite"
            return f"sqlite:///{path}"
        name = f"ropa_bench_{self.run_id}_{activities}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.databases.append(name)
        return _with_database(POSTGRES_URL, name)

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            for file in path.parent.glob(path.name + "*"):
                file.unlink()
            return
        name = urlsplit(url).path.lstrip("/")
        if name in self.databases:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.databases.remove(name)

    def drop_all(self) -> None:
        for name in list(self.databases):
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.databases.remove(name)


def _child(args: list[str], env_url: str | None, timeout: float) -> dict[str, Any]:
    """Run ``bench.store_phase`` with ``args``; its JSON result."""
    env = dict(os.environ)
    if env_url:
        env["DATABASE_URL"] = env_url
    done = subprocess.run(
        [PYTHON, "-m", "bench.store_phase", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.store_phase {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- servers and load -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB."""
    values: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


def _get(url: str, authorization: str = "", timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """A uvicorn subprocess on a free 127.0.0.1 port, one worker, as ``ropa serve`` runs it."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.app = app
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        command = [
            PYTHON,
            "-m",
            "uvicorn",
            app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError):
                status, _ = _get(f"{self.base}/health", timeout=2)
                if status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.app} did not become healthy on {self.base}:\n{tail}")

    def memory(self) -> dict[str, int]:
        return _status(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


@contextlib.contextmanager
def serving(app: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    server = Server(app, env, log)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


LUA = """-- written by bench/run.py: GET paths from one format, a random number in [0, COUNT)
local path_format = "@FORMAT@"
local count = @COUNT@
local seed = @SEED@
local authorization = "@AUTHORIZATION@"
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(seed + 7919 * (tid or 0))
  if authorization ~= "" then
    wrk.headers["Authorization"] = authorization
  end
end

function request()
  return wrk.format("GET", string.format(path_format, math.random(0, count - 1)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50": %.0f, "p90": %.0f, "p99": %.0f, '
    .. '"max": %.0f, "mean": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    path_format: str
    """A Lua string.format pattern taking one random integer."""
    count: int
    targets: dict[str, float] = field(default_factory=dict)
    """Per engine, the share of the same run's bare endpoint issue 17 asks of it."""


WAIT_IDLE = 300.0
"""Seconds to wait, by default, for other work on the machine to stop before a measurement."""

GET_ONE_TARGETS = {"sqlite": 0.20, "postgres": 0.25}
LIST_TARGETS = {"sqlite": 0.08, "postgres": 0.10}


@dataclass
class Load:
    connections: int
    threads: int
    duration: float
    warmup: float
    workdir: Path
    quiet: Quiet
    authorization: str = ""
    """The Authorization header value sent with every request ("" for none)."""

    def run(
        self, base: str, endpoint: Endpoint, seconds: float, pid: int | None = None
    ) -> dict[str, Any]:
        script = self.workdir / f"{endpoint.name}.lua"
        script.write_text(
            LUA.replace("@FORMAT@", endpoint.path_format)
            .replace("@COUNT@", str(max(1, endpoint.count)))
            .replace("@SEED@", "20261122")
            .replace("@AUTHORIZATION@", self.authorization)
        )
        command = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
        ]
        before = _cpu_snapshot(pid)
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        after = _cpu_snapshot(pid)
        for line in done.stdout.splitlines():
            if line.startswith("WRKJSON "):
                result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
                result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
                result["cpu"] = {k: after[k] - before[k] for k in before}
                return result
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")

    def measure(self, server: Server, endpoint: Endpoint) -> dict[str, Any]:
        sample = endpoint.path_format % 0 if "%" in endpoint.path_format else endpoint.path_format
        status, body = _get(server.base + sample, self.authorization)
        if status != 200:
            raise RuntimeError(f"GET {sample} answered {status}: {body[:300]!r}")
        self.quiet.wait(endpoint.label)
        if self.warmup > 0:
            self.run(server.base, endpoint, self.warmup)
        return self.run(server.base, endpoint, self.duration, server.process.pid)


def _pid_cpu(pid: int | None) -> float:
    """CPU seconds of one process (all its threads)."""
    if pid is None:
        return 0.0
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_snapshot(pid: int | None) -> dict[str, float]:
    """CPU seconds so far: the server, PostgreSQL, reaped children (wrk), the whole machine."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = _cpu_times()
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "server": _pid_cpu(pid),
        "postgres": _postgres_cpu(),
        "wrk": children.ru_utime + children.ru_stime,
        "machine": busy / tick,
        "capacity": total / tick,
    }


def endpoints(activities: int, systems: int) -> list[Endpoint]:
    width = f"%0{KEY_WIDTH}d"
    return [
        Endpoint(
            "get_activity",
            "GET one activity (random key)",
            f"/api/v1/activities/act-{width}",
            activities,
            GET_ONE_TARGETS,
        ),
        Endpoint(
            "get_system",
            "GET one system (random key)",
            f"/api/v1/systems/sys-{width}",
            systems,
            GET_ONE_TARGETS,
        ),
        Endpoint(
            "list_100",
            "GET list page of 100 activities (random `after`)",
            f"/api/v1/activities?limit=100&after=act-{width}",
            max(1, activities - 100),
            LIST_TARGETS,
        ),
    ]


BARE = Endpoint("bare", "bare Litestar endpoint (small JSON), before", "/hello", 1)
BARE_AFTER = Endpoint("bare_after", "bare Litestar endpoint (small JSON), after", "/hello", 1)


def check_list_page(base: str, authorization: str) -> None:
    status, body = _get(f"{base}/api/v1/activities?limit=100", authorization)
    page = json.loads(body)
    if status != 200 or len(page["items"]) != 100:
        raise RuntimeError(f"the list page is not a page of 100: {status}")


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Results:
    env: dict[str, str]
    options: argparse.Namespace
    documents: list[dict[str, Any]] = field(default_factory=list)
    stores: list[dict[str, Any]] = field(default_factory=list)
    serving: list[dict[str, Any]] = field(default_factory=list)
    servers: list[dict[str, Any]] = field(default_factory=list)


def run(options: argparse.Namespace) -> Results:
    results = Results(environment(options.engines), options)
    workdir = Path(tempfile.mkdtemp(prefix="ropa-bench-"))
    stores = Stores(workdir)
    quiet = Quiet(options.idle_below, options.wait_idle)
    load = Load(
        options.connections, options.threads, options.duration, options.warmup, workdir, quiet
    )
    try:
        for size in [] if options.serving_only else options.sizes:
            console.print(f"[bold]document[/bold] {size:,} activities: dump and parse")
            args = ["--document", "--activities", str(size), "--seed", str(options.seed)]
            if options.no_yaml:
                args.append("--no-yaml")
            quiet.wait(f"document {size:,}")
            account = CpuAccount.start()
            document = _child(args, None, timeout=1800)
            document["other_work"] = account.foreign()[1]
            results.documents.append(document)
        if options.documents_only:
            return results
        for engine in options.engines:
            for size in options.sizes:
                url = stores.make(engine, size)
                console.print(f"[bold]{engine}[/bold] {size:,} activities: import, export")
                args = ["--url", url, "--activities", str(size), "--seed", str(options.seed)]
                quiet.wait(f"{engine} {size:,} import")
                account = CpuAccount.start()
                store = _child(args, url, timeout=3600)
                store["other_work"] = account.foreign()[1]
                results.stores.append(store)
                if size != max(options.sizes) or options.no_serve:
                    stores.drop(url)
                    continue
                token = store.get("token")
                load.authorization = f"Bearer {token}" if token else ""
                serve(results, engine, url, size, load, workdir)
                stores.drop(url)
    finally:
        stores.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def serve(results: Results, engine: str, url: str, size: int, load: Load, workdir: Path) -> None:
    shape = Shape.of(size)
    env = {"DATABASE_URL": url, "ROPA_AUTO_MIGRATE": "0"}
    if results.options.pool_size:
        env["ROPA_POOL_SIZE"] = str(results.options.pool_size)
    # The bare endpoint before and after ropa's: on a shared machine the load moves during a
    # run, and each ratio is taken against the mean of the two.
    bare_log = workdir / "bare.log"
    console.print(f"[bold]{engine}[/bold]: bare Litestar endpoint, {load.duration:.0f} s")
    with serving("bench.bare_app:create_app", env, bare_log) as bare:
        idle = bare.memory()
        figures = load.measure(bare, BARE)
        results.serving.append({"engine": engine, "endpoint": BARE, **figures})
        results.servers.append({"engine": engine, "app": "bare", "idle": idle, **bare.memory()})
    with serving("ropa.api.app:create_app", env, workdir / f"ropa-{engine}.log") as ropa:
        idle = ropa.memory()
        check_list_page(ropa.base, load.authorization)
        for endpoint in endpoints(size, shape.systems):
            console.print(f"[bold]{engine}[/bold]: {endpoint.label}, {load.duration:.0f} s")
            figures = load.measure(ropa, endpoint)
            results.serving.append({"engine": engine, "endpoint": endpoint, **figures})
        results.servers.append({"engine": engine, "app": "ropa", "idle": idle, **ropa.memory()})
    console.print(f"[bold]{engine}[/bold]: bare Litestar endpoint again, {load.duration:.0f} s")
    with serving("bench.bare_app:create_app", env, bare_log) as bare:
        figures = load.measure(bare, BARE_AFTER)
        results.serving.append({"engine": engine, "endpoint": BARE_AFTER, **figures})


# --- reporting --------------------------------------------------------------------------------


DOCUMENTS_TITLE = "Registry document text (what `ropa import FILE` parses and `ropa export` writes)"


def documents_table(documents: list[dict[str, Any]]) -> Table:
    docs = Table(
        DOCUMENTS_TITLE,
        [
            "activities",
            "generate s",
            "JSON MB",
            "JSON dump s",
            "JSON parse s",
            "JSON parse peak MB",
            "YAML MB",
            "YAML dump s",
            "YAML parse s",
            "YAML parse peak MB",
            "YAML / JSON parse time",
            "YAML / JSON parse peak",
            "other work",
        ],
    )
    for d in documents:
        yaml_cells = ["skipped"] * 6
        if "yaml_parse_s" in d:
            yaml_cells = [
                _n(d["yaml_bytes"] / 1e6, 1),
                _s(d["yaml_dump_s"]),
                _s(d["yaml_parse_s"]),
                _n(d["yaml_parse_peak_mb"]),
                f"{d['yaml_parse_s'] / d['json_parse_s']:.2f}x",
                f"{d['yaml_parse_peak_mb'] / d['json_parse_peak_mb']:.2f}x",
            ]
        docs.add(
            _n(d["activities"]),
            _s(d["generate_s"]),
            _n(d["json_bytes"] / 1e6, 1),
            _s(d["json_dump_s"]),
            _s(d["json_parse_s"]),
            _n(d["json_parse_peak_mb"]),
            *yaml_cells,
            f"{d['other_work']:.0%}",
        )
    docs.notes += [
        "dump_document (ropa.render.document) and parse_document (ropa.input.document). Parse "
        "includes the strict checks (JSON: depth, duplicate keys; YAML: duplicate keys, keys "
        "that are collections, anchors and aliases, tags beyond the core schema, depth) and "
        "conversion to RegistryDocument. YAML is read from libyaml's parser events and "
        "written by libyaml's emitter (ropa.input.strict_yaml, ropa.render.document).",
        "Each text is parsed in a process of its own, JSON then YAML in the same run: parse s "
        "is the best of 3; parse peak MB is how far the process's resident memory (VmHWM, "
        "reset after the text is read) rose above what it held with the text read.",
        "Targets (issue 17): YAML parse within 3x the JSON parse, its peak under 2x.",
    ]
    return docs


def tables(results: Results) -> list[Table]:
    out: list[Table] = []
    options = results.options
    if results.stores:
        imports = Table(
            "Import into an empty migrated store, no-op re-import, export",
            [
                "engine",
                "activities / systems / flows",
                "entities",
                "import s",
                "entities/s",
                "re-import (no-op) s",
                "export s",
                "+ JSON encode s",
                "peak RSS MB",
                "store MB",
                "other work",
            ],
        )
        for r in results.stores:
            c = r["counts"]
            imports.add(
                r["engine"],
                f"{c['activities']:,} / {c['systems']:,} / {c['flows']:,}",
                _n(r["entities"]),
                _s(r["import_s"]),
                _n(r["entities"] / r["import_s"]),
                _s(r["reimport_s"]),
                _s(r["export_s"]),
                _s(r["export_json_s"]),
                _n(r["peak_rss_mb"]),
                _n(r["store"]["bytes"] / 1e6, 1),
                f"{r['other_work']:.0%}",
            )
        first = results.stores[0]["counts"]
        imports.notes.append(
            f"Entities: {first['organisations']} organisations, {first['terms']} terms, "
            f"{first['parties']:,} parties, {first['systems']:,} systems, "
            f"{first['activities']:,} activities, {first['flows']:,} flows "
            f"({first['transfers']:,} with a transfer outside the EEA) at the first size; "
            f"{results.stores[0]['store']['index_rows']:,} index rows."
        )
        imports.notes.append(
            "In process, through DocumentService.import_document / export (what `ropa import` "
            "and `ropa export` call, without parsing text: see the document table). Export is "
            "store to RegistryDocument; the JSON encode column is dump_document(json) of it."
        )
        imports.notes.append(
            "Peak RSS: ru_maxrss of the child process that generated, imported, re-imported and "
            "exported (the generated document alone is "
            f"{results.stores[-1]['rss_after_generate_mb']:.0f} MB of it)."
        )
        imports.notes.append(PEER_POINTER)
        out.append(imports)

        phase_columns = {
            "validate": "validate",
            "lock": "lock",
            "read": "read store",
            "check": "check refs + encode + diff",
            "write_rows": "write rows",
            "write_index": "write index",
            "audit": "write audit",
            "delete": "delete",
            "apply_other": "other repository calls",
            "commit": "commit",
            "other": "other",
        }
        optional = ("audit", "delete", "apply_other")
        for name in optional:
            if not any(
                r[key].get(name, 0.0) >= 0.0005
                for r in results.stores
                for key in ("import_phases", "reimport_phases")
            ):
                del phase_columns[name]
        phases = Table(
            "Where the import's time goes (seconds)",
            ["engine / activities", *phase_columns.values(), "total"],
        )
        for r in results.stores:
            for label, key, total in (
                ("import", "import_phases", r["import_s"]),
                ("re-import", "reimport_phases", r["reimport_s"]),
            ):
                p = r[key]
                phases.add(
                    f"{r['engine']} {r['activities']:,} {label}",
                    *(_s(p.get(k, 0.0)) for k in phase_columns),
                    _s(total),
                )
        phases.notes.append(
            "Exclusive time of each wrapped call (a call's time leaves out the wrapped calls it "
            "makes). validate: intrinsic checks of every entity before the transaction; lock: "
            "BEGIN IMMEDIATE / revision row lock; read store: Repository.all_of (every kind); "
            "check: DocumentService._plan without its reads (reference checks, canonical JSON, "
            "diff against the store); write rows: Repository.insert of ropa_entity rows; write "
            "index: Repository._insert_index (ropa_entity_index rows); write audit: "
            "Repository.record (the audit trail, one entry per entity changed); commit: COMMIT; "
            "other: the rest (the rollback of a no-op re-import)."
        )
        out.append(phases)

        reads = Table(
            "Sequential single reads in process (µs per call, one at a time)",
            [
                "engine",
                "Repository.get",
                "Repository.page of 100",
                "token lookup (principal_for)",
                "Piccolo: build + compile the get query only",
                "same SELECT, bare driver, one open connection",
                "bare driver: the page's COUNT",
                "bare driver: the page's SELECT of 100",
                "sqlite3: new connection each",
                "asyncpg pool, default reset",
                "asyncpg pool, no reset query",
            ],
        )
        for r in results.stores:
            for state, key in (("as imported", "reads"), ("after ANALYZE", "reads_analyzed")):
                if key not in r:
                    continue
                x = r[key]

                def cell(name: str, x: dict[str, float] = x) -> str:
                    return _n(x[name], 1) if name in x else "n/a"

                reads.add(
                    f"{r['engine']} {r['activities']:,} {state}",
                    _n(x["get_us"]),
                    _n(x["page_us"]),
                    cell("token_us"),
                    cell("build_us"),
                    cell("raw_get_us"),
                    cell("raw_count_us"),
                    cell("raw_page_us"),
                    cell("raw_connect_get_us"),
                    cell("raw_pool_get_us"),
                    cell("raw_pool_noreset_get_us"),
                )
        reads.notes.append(
            "Repository.get is what GET /api/v1/activities/{key} runs; page is what the list "
            "runs (a COUNT and a SELECT); every API request also looks its bearer token up "
            "(principal_for, one SELECT on ropa_token)."
        )
        reads.notes.append(
            "Piccolo on SQLite opens a new aiosqlite connection (a new thread) for every query "
            "outside a transaction and runs `PRAGMA foreign_keys = 1` before each. On PostgreSQL "
            "the repository runs through an asyncpg pool, as the server does; on every release "
            "asyncpg sends its reset query (`SELECT pg_advisory_unlock_all(); CLOSE ALL; "
            "UNLISTEN *; RESET ALL`) unless the pool is given a `reset` of its own."
        )
        reads.notes.append(
            "after ANALYZE: the same reads once the planner has statistics (`VACUUM ANALYZE "
            "ropa_entity, ropa_entity_index` on PostgreSQL, `ANALYZE` on SQLite), as autovacuum "
            "gives them on its own a minute or so after a big import. The servers below run on "
            "the analyzed store."
        )
        out.append(reads)

    if results.documents:
        out.append(documents_table(results.documents))

    if results.serving:
        size = max(options.sizes)
        serving = Table(
            f"Serving: {options.connections} connections, {options.threads} wrk threads, "
            f"{options.duration:.0f} s per endpoint, 1 uvicorn worker, {size:,} activities",
            [
                "engine",
                "endpoint",
                "req/s",
                "p50 ms",
                "p99 ms",
                "non-2xx",
                "socket errors",
                "vs bare",
                "target",
                "vs bare, server CPU",
                "server CPU µs/req",
                "PostgreSQL CPU µs/req",
                "wrk CPU µs/req",
                "other work",
            ],
            left=2,
        )
        bare_rps, bare_cpu = _bare_baseline(results.serving)
        for row in results.serving:
            endpoint: Endpoint = row["endpoint"]
            engine = row["engine"]
            errors = row["connect"] + row["read"] + row["write"] + row["timeout"]
            share = row["rps"] / bare_rps[engine]
            target = endpoint.targets.get(engine)
            serving.add(
                engine,
                endpoint.label,
                _n(row["rps"]),
                _ms(row["p50"]),
                _ms(row["p99"]),
                _n(row["status"]),
                _n(errors),
                f"{share:.1%}",
                f"≥ {target:.0%}: {'met' if share >= target else 'not met'}" if target else "",
                f"{bare_cpu[engine] / max(1e-9, _server_cpu(row)):.1%}",
                *_cpu_cells(row),
            )
        pooled, reads = share_connections(options.pool_size or 10)
        serving.notes.append(
            "Servers: `python -m uvicorn APP --factory --workers 1 --log-level warning "
            "--no-access-log` on 127.0.0.1, APP = ropa.api.app:create_app (DATABASE_URL, "
            f"ROPA_AUTO_MIGRATE=0; PostgreSQL: {pooled + reads} connections, up to {reads} "
            f"for single reads and a pool of {pooled} for transactions) or "
            "bench.bare_app:create_app; "
            "the bare endpoint was measured just before and just after each engine's "
            "endpoints, and `vs bare` divides by the mean of the two."
        )
        serving.notes.append(
            "target: issue 17's share of the same run's bare endpoint (GET one ≥ 25% on "
            "PostgreSQL, ≥ 20% on SQLite; list of 100 ≥ 10% and ≥ 8%). `vs bare, server CPU` "
            "divides the bare server's CPU per request by this endpoint's: on a shared machine "
            "it moves less with other work than req/s does."
        )
        serving.notes.append(
            f"Load: wrk -t{options.threads} -c{options.connections} -d{options.duration:.0f}s "
            f"--timeout 10s after a {options.warmup:.0f} s warm-up, random keys from a Lua "
            "script; every request carries `Authorization: Bearer` with a dpo token. wrk, the "
            "server and PostgreSQL share the same 2 cores. non-2xx: responses with status >= 400 "
            "(wrk's status errors)."
        )
        serving.notes.append(PEER_POINTER)
        serving.notes.append(
            "CPU columns: CPU time (user + system) of the server process, of all PostgreSQL "
            "processes and of wrk during the measured run, divided by the requests served; "
            "other work: the share of the machine's 2 CPUs busy with anything else (the "
            "runner itself, other users' jobs). Capacity is 2 CPU-s per second: the three "
            "together near 2,000,000 / (req/s) µs means the CPUs were the limit."
        )
        out.append(serving)

        memory = Table(
            "Server memory (MB)",
            ["engine", "app", "RSS idle", "RSS after load", "peak RSS"],
            left=2,
        )
        for s in results.servers:
            memory.add(
                s["engine"],
                s["app"],
                _n(s["idle"].get("VmRSS", 0) / 1024),
                _n(s.get("VmRSS", 0) / 1024),
                _n(s.get("VmHWM", 0) / 1024),
            )
        memory.notes.append(PEER_POINTER)
        out.append(memory)
    return out


def _server_cpu(row: dict[str, Any]) -> float:
    """The server's CPU seconds per request."""
    return float(row["cpu"]["server"]) / max(1, row["requests"])


def _bare_baseline(rows: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per engine, the bare endpoint's req/s and server CPU per request: the mean of its
    measurements before and after ropa's endpoints."""
    rps: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for row in rows:
        if row["endpoint"].name in (BARE.name, BARE_AFTER.name):
            rps.setdefault(row["engine"], []).append(row["rps"])
            cpu.setdefault(row["engine"], []).append(_server_cpu(row))
    mean = {engine: sum(values) / len(values) for engine, values in rps.items()}
    return mean, {engine: sum(values) / len(values) for engine, values in cpu.items()}


def _cpu_cells(row: dict[str, Any]) -> list[str]:
    """CPU per request in the server, PostgreSQL and wrk; other work's share of the machine."""
    cpu = row["cpu"]
    requests = max(1, row["requests"])
    other = cpu["machine"] - cpu["server"] - cpu["postgres"] - cpu["wrk"]
    return [
        _n(cpu["server"] / requests * 1e6),
        _n(cpu["postgres"] / requests * 1e6) if cpu["postgres"] > 0.05 else "0",
        _n(cpu["wrk"] / requests * 1e6),
        f"{max(0.0, other) / max(1e-9, cpu['capacity']):.0%}",
    ]


def command_line(options: argparse.Namespace) -> str:
    parts = ["python -m bench.run"]
    if options.documents_only:
        return f"python -m bench.run --documents-only --sizes {','.join(map(str, options.sizes))}"
    if options.quick:
        parts.append("--quick")
    else:
        parts += [
            f"--sizes {','.join(str(s) for s in options.sizes)}",
            f"--duration {options.duration:g}",
        ]
    parts.append(f"--engines {','.join(options.engines)}")
    if options.no_serve:
        parts.append("--no-serve")
    if options.no_yaml:
        parts.append("--no-yaml")
    if options.serving_only:
        parts.append("--serving-only")
    if options.pool_size:
        parts.append(f"--pool-size {options.pool_size}")
    if options.wait_idle != WAIT_IDLE:
        parts.append(f"--wait-idle {options.wait_idle:g}")
    return " ".join(parts)


def markdown(results: Results, tables_: list[Table]) -> str:
    env = results.env
    lines = [
        START_MARK,
        "## Issue 2: registry import and HTTP serving, SQLite and PostgreSQL",
        "",
        f"Run `cd /work/main && .venv/bin/{command_line(results.options)}` on {env['date']}.",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value} |" for name, value in env.items() if name != "date"]
    lines += [
        "",
        "The machine is shared: each measurement waits (a bounded time) for other work to "
        "stop, and its `other work` column gives the share of the 2 CPUs that went to "
        "processes other than this benchmark, its servers, wrk and PostgreSQL while it ran. "
        "Where that is above about 10%, the figure is lower than the machine can do.",
        "",
    ]
    for table in tables_:
        if not table.title.startswith(SERVING_TABLES):
            lines += [table.markdown(), ""]
    lines += [serving_block(results, tables_), END_MARK]
    return "\n".join(lines) + "\n"


def serving_block(results: Results, tables_: list[Table]) -> str:
    """The serving and server memory tables between their marks, with the run they are from."""
    env = results.env
    lines = [
        SERVING_START,
        f"Serving and memory: `cd /work/main && .venv/bin/{command_line(results.options)}` on "
        f"{env['date']}, ropa {env['ropa']}. Other work on the machine: "
        f"{env.get('other work on the machine', 'not measured')}.",
        "",
    ]
    for table in tables_:
        if table.title.startswith(SERVING_TABLES):
            lines += [table.markdown(), ""]
    lines.append(SERVING_END)
    return "\n".join(lines)


def write_serving(block: str, path: Path = RESULTS) -> None:
    """Replace only the serving tables of the section (from its "#### Serving" table to the
    section's end where they have no marks yet)."""
    text = path.read_text(encoding="utf-8")
    if SERVING_START in text and SERVING_END in text:
        before, rest = text.split(SERVING_START, 1)
        text = before + block + rest.split(SERVING_END, 1)[1]
    elif START_MARK in text and END_MARK in text:
        head, rest = text.split(START_MARK, 1)
        section, tail = rest.split(END_MARK, 1)
        kept = section.split("#### Serving", 1)[0]
        text = head + START_MARK + kept + block + "\n" + END_MARK + tail
    else:
        raise SystemExit(f"{path} has no {SECTION} section to put the serving tables in")
    path.write_text(text, encoding="utf-8")


def write_results(section: str, path: Path = RESULTS) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if not text:
        text = (
            "# Benchmark results\n\n"
            "Written by the runners in bench/; a re-run replaces its own section. Figures, "
            "not assertions: they depend on the machine and on what else it was doing.\n\n"
        )
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def write_table(table: Table, path: Path = RESULTS) -> None:
    """Replace one table (heading to the next heading) inside the section, leaving the rest."""
    text = path.read_text(encoding="utf-8")
    heading = f"#### {table.title}"
    if START_MARK not in text or heading not in text:
        raise SystemExit(f"{path.name} has no table {table.title!r} to replace: run in full")
    before, rest = text.split(heading, 1)
    ends = [i for i in (rest.find("\n#### "), rest.find("\n" + END_MARK)) if i >= 0]
    path.write_text(before + table.markdown() + "\n" + rest[min(ends) :], encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="10000",
        help="activities per registry, comma-separated (systems n/5, flows 5n); default 10000",
    )
    parser.add_argument("--engines", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=0,
        help="ROPA_POOL_SIZE for the PostgreSQL server (default: the service's 10; below 10 "
        "the service fails to start, asyncpg's min_size being 10)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 activities, 3 s per endpoint")
    parser.add_argument("--no-serve", action="store_true", help="import and export only")
    parser.add_argument("--no-yaml", action="store_true", help="skip YAML dump and parse")
    parser.add_argument(
        "--serving-only",
        action="store_true",
        help="skip the document phase and write only the serving and memory tables (the "
        "stores are still imported, to be served)",
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch bench/RESULTS.md")
    parser.add_argument(
        "--documents-only",
        action="store_true",
        help="only dump and parse the document text; replaces only that table in RESULTS.md",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=WAIT_IDLE,
        help="seconds to wait, before the run and before each measurement, for other work "
        "on the machine to stop (default 300)",
    )
    parser.add_argument(
        "--idle-below",
        type=float,
        default=0.15,
        help="busy fraction of all CPUs counted as idle (default 0.15)",
    )
    options = parser.parse_args(argv)
    if options.serving_only and options.no_serve:
        parser.error("--serving-only and --no-serve leave nothing to measure")
    if options.quick:
        options.sizes = "1000"
        options.duration = 3.0
        options.warmup = 1.0
    options.sizes = sorted({int(s) for s in str(options.sizes).split(",") if s.strip()})
    options.engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    for engine in options.engines:
        if engine not in ("sqlite", "postgres"):
            parser.error(f"unknown engine {engine!r}: use sqlite and/or postgres")
    if min(options.sizes) < 200:
        parser.error("sizes below 200 activities leave no room for list pages")
    if options.documents_only:
        options.no_serve = True
    if not options.no_serve and shutil.which("wrk") is None:
        parser.error("wrk not found: `apt-get install -y wrk`, or pass --no-serve")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    started = time.monotonic()
    busy = Quiet(options.idle_below, options.wait_idle).wait("the run")
    load_before = _loadavg()
    account = CpuAccount.start()
    results = run(options)
    other_cpu, other_share = account.foreign()
    results.env["other work on the machine"] = (
        f"{busy:.0%} of the CPUs busy just before the run; during it {other_cpu:.0f} CPU-s "
        f"({other_share:.0%} of capacity) went to processes other than this benchmark, its "
        f"servers, wrk and PostgreSQL; load average {load_before} before, {_loadavg()} after"
    )
    if other_share > 0.05:
        console.print(
            f"[bold yellow]other work took {other_share:.0%} of the machine during the run: "
            "re-run when it is quiet[/bold yellow]"
        )
    rendered = tables(results)
    for table in rendered:
        console.print(table.rich())
        for note in table.notes:
            console.print(f"  [dim]- {note}[/dim]")
        console.print()
    env = results.env
    console.print(
        " · ".join(f"{k} {v}" for k, v in env.items()),
        highlight=False,
    )
    if options.no_write:
        pass
    elif options.documents_only:
        (table,) = rendered
        table.notes.append(
            f"Run `{command_line(options)}` on {results.env['date']} "
            f"(ropa {results.env['ropa']}); {results.env['other work on the machine']}."
        )
        write_table(table)
        console.print(f"wrote {RESULTS.relative_to(ROOT)} (table {table.title!r})")
    elif options.serving_only:
        write_serving(serving_block(results, rendered))
        console.print(f"wrote the serving tables of {RESULTS.relative_to(ROOT)} ({SECTION})")
    else:
        write_results(markdown(results, rendered))
        console.print(f"wrote {RESULTS.relative_to(ROOT)} (section {SECTION})")
    console.print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
