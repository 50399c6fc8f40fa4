"""wrk against a server: random GETs, or writes that each change something, with CPU accounts.

Both scripts end with the same ``WRKJSON`` summary line as bench/run.py's, so the figures of
Fides and ropa are read the same way.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.run import _cpu_times

DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status": %d, "socket": %d, '
    .. '"p50": %.0f, "p99": %.0f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

GETS = (
    """-- GET path_format with a random integer in [low, high]
local path_format = @FORMAT@
local low, high = @LOW@, @HIGH@
local authorization = @AUTHORIZATION@
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args)
  math.randomseed(20261122 + 7919 * (tid or 0))
  if authorization ~= "" then wrk.headers["Authorization"] = authorization end
end
function request()
  return wrk.format("GET", string.format(path_format, math.random(low, high)))
end
"""
    + DONE
)

WRITES = (
    """-- One write per request from a file of "METHOD<TAB>PATH<TAB>BODY" lines. __REV__ in a
-- body becomes a string unique to the request, so every request really changes something;
-- thread t of T walks lines t, t+T, t+2T... so concurrent requests never touch the same entry.
local file = @FILE@
local authorization = @AUTHORIZATION@
local content_type = @CONTENT_TYPE@
local extra_name, extra_value = @EXTRA_NAME@, @EXTRA_VALUE@
local nthreads = @THREADS@
local threads = 0
local lines, counter = {}, 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
function init(args)
  for line in io.lines(file) do
    local method, path, body = line:match("^(%u+)\\t([^\\t]+)\\t(.*)$")
    lines[#lines + 1] = {method, path, body}
  end
  wrk.headers["Content-Type"] = content_type
  if authorization ~= "" then wrk.headers["Authorization"] = authorization end
  if extra_name ~= "" then wrk.headers[extra_name] = extra_value end
end
function request()
  local entry = lines[(tid + counter * nthreads) % #lines + 1]
  counter = counter + 1
  local rev = tid .. "x" .. counter .. "x" .. os.time()
  return wrk.format(entry[1], entry[2], nil, (entry[3]:gsub("__REV__", rev)))
end
"""
    + DONE
)


def _lua(value: object) -> str:
    return json.dumps(value)  # a JSON string or number is a valid Lua literal here


@dataclass(frozen=True)
class Gets:
    """GET ``path_format % k`` for a random k in [low, high]."""

    path_format: str
    low: int
    high: int

    def script(self, authorization: str) -> str:
        return (
            GETS.replace("@FORMAT@", _lua(self.path_format))
            .replace("@LOW@", str(self.low))
            .replace("@HIGH@", str(self.high))
            .replace("@AUTHORIZATION@", _lua(authorization))
        )


@dataclass(frozen=True)
class Writes:
    """Writes from ``lines`` of (method, path, body); ``header`` is one extra header, if any."""

    lines: list[tuple[str, str, str]]
    content_type: str = "application/json"
    header: tuple[str, str] = ("", "")

    def script(self, authorization: str, threads: int, folder: Path) -> str:
        file = folder / f"writes-{os.getpid()}-{id(self)}.tsv"
        file.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in self.lines))
        return (
            WRITES.replace("@FILE@", _lua(str(file)))
            .replace("@AUTHORIZATION@", _lua(authorization))
            .replace("@CONTENT_TYPE@", _lua(self.content_type))
            .replace("@EXTRA_NAME@", _lua(self.header[0]))
            .replace("@EXTRA_VALUE@", _lua(self.header[1]))
            .replace("@THREADS@", str(threads))
        )


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system, reaped children included) of the process trees at ``roots``."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = sum(int(x) for x in fields[11:15]) / tick
    tree, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(cpu.get(pid, 0.0) for pid in tree)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


class Account:
    """The share of the machine's CPUs that went to work outside ``roots``' process trees."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.busy, self.total = _cpu_times()
        self.ours = tree_cpu(roots)

    def other(self) -> float:
        busy, total = _cpu_times()
        tick = os.sysconf("SC_CLK_TCK")
        other = (busy - self.busy) / tick - (tree_cpu(self.roots) - self.ours)
        return max(0.0, other) / max(1e-9, (total - self.total) / tick)


@dataclass
class Wrk:
    """wrk with fixed threads, connections and duration, as bench/run.py runs it."""

    threads: int
    connections: int
    duration: float
    warmup: float
    folder: Path

    def _once(
        self, base: str, script: str, seconds: float, server: int, database: int | None
    ) -> dict[str, Any]:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".lua", dir=self.folder, delete=False
        ) as handle:
            handle.write(script)
        command = ["wrk", f"-t{self.threads}", f"-c{self.connections}"]
        command += [f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", handle.name, base]
        roots = [server] + ([database] if database else [])
        server0, database0 = tree_cpu([server]), tree_cpu(roots)
        busy0, total0 = _cpu_times()
        wrk0 = _children_cpu()
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
        busy1, total1 = _cpu_times()
        wrk_cpu = _children_cpu() - wrk0
        server_cpu = tree_cpu([server]) - server0
        database_cpu = tree_cpu(roots) - database0 - server_cpu
        for line in done.stdout.splitlines():
            if line.startswith("WRKJSON "):
                result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
                seconds_run = result["duration_us"] / 1e6
                result["rps"] = result["requests"] / seconds_run
                # Answers below 400 only: a 503 or 500 is not a request served.
                result["ok_rps"] = (result["requests"] - result["status"]) / seconds_run
                tick = os.sysconf("SC_CLK_TCK")
                machine, capacity = (busy1 - busy0) / tick, (total1 - total0) / tick
                requests = max(1, result["requests"])
                result["server_us"] = server_cpu / requests * 1e6
                result["database_us"] = database_cpu / requests * 1e6
                result["wrk_us"] = wrk_cpu / requests * 1e6
                other = machine - server_cpu - database_cpu - wrk_cpu
                result["other"] = max(0.0, other) / max(1e-9, capacity)
                return result
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")

    def measure(
        self,
        base: str,
        load: Gets | Writes,
        authorization: str,
        server: int,
        database: int | None = None,
        duration: float | None = None,
    ) -> dict[str, Any]:
        """Figures of ``load`` against ``base``; reads get a warm-up first, writes do not."""
        seconds = duration or self.duration
        if isinstance(load, Writes):
            script = load.script(authorization, self.threads, self.folder)
            return self._once(base, script, seconds, server, database)
        script = load.script(authorization)
        if self.warmup > 0:
            self._once(base, script, self.warmup, server, database)
        return self._once(base, script, seconds, server, database)
