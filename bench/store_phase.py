"""One store measurement, run in a process of its own so its peak RSS is its own.

    python -m bench.store_phase --url sqlite:///tmp/x.sqlite --activities 10000

Migrates the (empty) store at --url, generates the synthetic registry, imports it, imports it
again (a no-op), exports it, then times single reads through the repository and through the
bare driver. Prints one line of JSON (see ``measure``) on stdout; the runner reads it.
The import is timed by phase by wrapping the service's methods on its instances; ropa's code is
not changed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import hashlib
import inspect
import io
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
from bench.synthetic import Shape, activity_key, count, generate
from ropa.input.document import parse_document
from ropa.render.document import canonical, dump_document
from ropa.services import Services, build_services
from ropa.store.engine import engine_kind, make_engine
from ropa.store.migrate import migrate
from ropa.store.tables import EntityRow


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Exclusive seconds spent in wrapped coroutines, by name, plus marks in time.

    A wrapped call's time excludes the wrapped calls it makes (an import runs as one task, so a
    plain stack is enough).
    """

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.marks: dict[str, float] = {}
        self._children: list[float] = []

    def reset(self) -> None:
        self.spent.clear()
        self.calls.clear()
        self.marks.clear()

    def mark(self, name: str) -> None:
        self.marks[name] = time.perf_counter()

    def wrap(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(fn)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self._children.append(0.0)
            try:
                return await fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                children = self._children.pop()
                if self._children:
                    self._children[-1] += elapsed
                self.spent[name] = self.spent.get(name, 0.0) + elapsed - children
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


def instrument(services: Services, clock: Clock) -> None:
    """Time the import's phases by wrapping methods on these instances only.

    The repository methods named in PHASES and AUDIT are timed (where they exist); helpers they
    call, such as a bulk-insert routine, count towards their caller, and any other repository
    work under DocumentService._apply shows as "other repository calls".
    """
    repository = services.repository
    documents = services.documents
    opened = repository.write_transaction

    @asynccontextmanager
    async def write_transaction(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        clock.mark("lock")
        async with opened(*args, **kwargs) as write:
            clock.mark("locked")
            yield write
        clock.mark("committed")

    repository.write_transaction = write_transaction  # type: ignore[method-assign]
    for name in {name for names in PHASES.values() for name in names} | set(AUDIT):
        method = getattr(repository, name, None)
        if method is not None and inspect.iscoroutinefunction(method):
            setattr(repository, name, clock.wrap(name, method))
    documents._plan = clock.wrap("_plan", documents._plan)  # type: ignore[method-assign]
    apply = clock.wrap("_apply", documents._apply)

    async def applied(*args: Any, **kwargs: Any) -> Any:
        try:
            return await apply(*args, **kwargs)
        finally:
            clock.mark("applied")

    documents._apply = applied  # type: ignore[method-assign]


PHASES = {
    "read": ("all_of",),
    "write_rows": ("insert",),
    "write_index": ("_insert_index",),
    "delete": ("delete", "_delete_index"),
}
AUDIT = ("record", "_record", "_insert_audit", "audit_insert")
"""Repository methods that write the audit trail, where the repository has one."""


def _breakdown(clock: Clock, start: float, end: float) -> dict[str, float]:
    """Where an import's wall time went, in seconds."""
    marks = clock.marks
    spent = dict(clock.spent)
    lock = marks.get("lock", end)
    committed = marks.get("committed", end)
    phases = {
        "validate": lock - start,
        "lock": marks.get("locked", lock) - lock,
    }
    phases["check"] = spent.pop("_plan", 0.0)
    for phase, names in PHASES.items():
        phases[phase] = sum(spent.pop(name, 0.0) for name in names)
    phases["audit"] = sum(spent.pop(name) for name in list(spent) if name in AUDIT)
    phases["apply_other"] = spent.pop("_apply", 0.0) + sum(spent.values())
    phases["commit"] = committed - marks.get("applied", committed)
    phases["other"] = (end - start) - sum(phases.values())
    return {k: round(v, 4) for k, v in phases.items()}


async def _token(services: Services) -> str | None:
    """A read-write (dpo) bearer token for the load generator, where ropa has tokens."""
    try:
        from ropa.auth.roles import Role
    except ImportError:  # a ropa without authentication
        return None
    return await services.tokens.create("bench", Role.DPO)


async def _store_size(services: Services, url: str) -> dict[str, int]:
    engine = services.engine
    rows = await engine.run_ddl("SELECT COUNT(*) AS n FROM ropa_entity")
    index = await engine.run_ddl("SELECT COUNT(*) AS n FROM ropa_entity_index")
    if engine_kind(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        found = await engine.run_ddl("SELECT pg_database_size(current_database()) AS n")
        size = int(found[0]["n"])
    return {"rows": int(rows[0]["n"]), "index_rows": int(index[0]["n"]), "bytes": size}


async def _reads(
    services: Services, url: str, activities: int, seconds: float, token: str | None
) -> dict[str, Any]:
    """Sequential single reads: the repository (Piccolo) beside the bare driver, same query."""
    rng = random.Random(5)
    repository = services.repository
    keys = [activity_key(rng.randrange(activities)) for _ in range(20_000)]
    # Keys that leave a full page of 100 after them.
    page_keys = [activity_key(rng.randrange(max(1, activities - 100))) for _ in range(2_000)]

    async def loop(call: Callable[[str], Awaitable[Any]], keys: list[str] = keys) -> float:
        done = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            await call(keys[done % len(keys)])
            done += 1
        return (time.perf_counter() - start) / done * 1e6

    async def page(key: str) -> Any:
        return await repository.page("activity", after=key, limit=100)

    async def build(key: str) -> Any:
        query = EntityRow.select(
            EntityRow.scope, EntityRow.body, EntityRow.version, EntityRow.updated_at
        ).where((EntityRow.kind == "activity") & (EntityRow.key == key))
        return query.first().querystrings[0].compile_string(engine_type=engine_type)

    engine_type = services.engine.engine_type
    result: dict[str, Any] = {
        "get_us": await loop(lambda key: repository.get("activity", key)),
        "page_us": await loop(page, page_keys),
        "build_us": await loop(build),
    }
    if token is not None:
        result["token_us"] = await loop(lambda key: services.tokens.principal_for(token))
    sql = "SELECT scope, body, version, updated_at FROM ropa_entity WHERE kind = {} AND key = {}"
    # The two statements Repository.page runs for an unfiltered list page.
    count_sql = "SELECT COUNT(*) AS n FROM ropa_entity WHERE kind = {}"
    page_sql = (
        "SELECT key, scope, body, version FROM ropa_entity WHERE kind = {} AND key > {}"
        " ORDER BY key LIMIT 100"
    )
    if engine_kind(url) == "sqlite":
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path)
        query = sql.format("?", "?")

        async def raw(key: str) -> Any:
            return connection.execute(query, ("activity", key)).fetchone()

        async def raw_count(key: str) -> Any:
            return connection.execute(count_sql.format("?"), ("activity",)).fetchone()

        async def raw_page(key: str) -> Any:
            return connection.execute(page_sql.format("?", "?"), ("activity", key)).fetchall()

        async def fresh(key: str) -> Any:
            with contextlib.closing(sqlite3.connect(path)) as one:
                one.execute("PRAGMA foreign_keys = 1")
                return one.execute(query, ("activity", key)).fetchone()

        result["raw_get_us"] = await loop(raw)
        result["raw_count_us"] = await loop(raw_count)
        result["raw_page_us"] = await loop(raw_page, page_keys)
        result["raw_connect_get_us"] = await loop(fresh)
        connection.close()
    else:
        connection = await asyncpg.connect(url)
        query = sql.format("$1", "$2")

        async def raw(key: str) -> Any:
            return await connection.fetchrow(query, "activity", key)

        async def raw_count(key: str) -> Any:
            return await connection.fetchrow(count_sql.format("$1"), "activity")

        async def raw_page(key: str) -> Any:
            return await connection.fetch(page_sql.format("$1", "$2"), "activity", key)

        result["raw_get_us"] = await loop(raw)
        result["raw_count_us"] = await loop(raw_count)
        result["raw_page_us"] = await loop(raw_page, page_keys)
        await connection.close()

        async def keep_session(connection: asyncpg.Connection) -> None:
            """A pool ``reset`` that skips the reset query (the transaction is still ended)."""

        variants: dict[str, dict[str, Any]] = {
            "raw_pool_get_us": {},
            "raw_pool_noreset_get_us": {"reset": keep_session},
        }
        for _ in range(2):  # alternate, keep the best of two: the difference is the point
            for name, options in variants.items():
                pool = await asyncpg.create_pool(url, min_size=4, max_size=4, **options)

                async def pooled(key: str, pool: asyncpg.Pool = pool) -> Any:
                    async with pool.acquire() as connection:
                        return await connection.fetchrow(query, "activity", key)

                figure = await loop(pooled)
                result[name] = min(figure, result.get(name, figure))
                await pool.close()
    return {k: round(v, 1) for k, v in result.items()}


async def measure(url: str, activities: int, seed: int, read_seconds: float) -> dict[str, Any]:
    """Figures for one store: import, no-op re-import, export, sequential reads."""
    out: dict[str, Any] = {"engine": engine_kind(url), "activities": activities}
    engine = make_engine(url)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(engine)
    out["migrate_s"] = time.perf_counter() - start

    start = time.perf_counter()
    document = generate(activities, seed=seed)
    out["generate_s"] = time.perf_counter() - start
    out["counts"] = count(document)
    out["entities"] = Shape.of(activities).entities
    out["rss_after_generate_mb"] = _peak_rss_mb()

    services = build_services(engine)
    if await services.repository.all_of(["organisation"]):
        raise RuntimeError(f"the store at {url} is not empty")
    clock = Clock()
    instrument(services, clock)

    start = time.perf_counter()
    report = await services.documents.import_document(document)
    end = time.perf_counter()
    created = sum(len(c.created) for c in report.changes.values())
    if created != out["entities"] or report.revision is None:
        raise RuntimeError(f"import created {created} entities, expected {out['entities']}")
    out["import_s"] = end - start
    out["import_phases"] = _breakdown(clock, start, end)
    out["import_calls"] = dict(clock.calls)
    out["rss_after_import_mb"] = _peak_rss_mb()

    clock.reset()
    start = time.perf_counter()
    again = await services.documents.import_document(document)
    end = time.perf_counter()
    if again.changed:
        raise RuntimeError("re-importing the identical document changed the store")
    out["reimport_s"] = end - start
    out["reimport_phases"] = _breakdown(clock, start, end)

    start = time.perf_counter()
    exported = await services.documents.export()
    out["export_s"] = time.perf_counter() - start
    start = time.perf_counter()
    text = dump_document(exported, "json")
    out["export_json_s"] = time.perf_counter() - start
    out["export_json_bytes"] = len(text)
    out["export_identical"] = text == dump_document(document, "json")
    out["store"] = await _store_size(services, url)

    out["token"] = await _token(services)

    out["reads"] = await _pooled_reads(services, url, activities, read_seconds, out["token"])
    start = time.perf_counter()
    out["analyze"] = await _analyze(url)
    out["analyze_s"] = time.perf_counter() - start
    out["reads_analyzed"] = await _pooled_reads(
        services, url, activities, read_seconds, out["token"]
    )
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


async def _pooled_reads(
    services: Services, url: str, activities: int, seconds: float, token: str | None
) -> dict[str, Any]:
    """``_reads`` with the PostgreSQL engine on a pool, as the server runs it."""
    if engine_kind(url) != "postgresql":
        return await _reads(services, url, activities, seconds, token)
    pg: Any = services.engine
    await pg.start_connection_pool(min_size=1, max_size=4)
    try:
        return await _reads(services, url, activities, seconds, token)
    finally:
        await pg.close_connection_pool()


async def _analyze(url: str) -> str:
    """Give the planner statistics, as autovacuum does within a minute or so of a big import.

    A store fresh from an import has none on PostgreSQL, and the list query then sorts a
    bitmap heap scan instead of walking the (kind, key) index.
    """
    if engine_kind(url) == "sqlite":
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            connection.execute("ANALYZE")
        return "ANALYZE"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE ropa_entity, ropa_entity_index")
    finally:
        await connection.close()
    return "VACUUM ANALYZE ropa_entity, ropa_entity_index"


def measure_document(activities: int, seed: int, with_yaml: bool) -> dict[str, Any]:
    """The registry document in and out of text, without a store (as ``ropa import`` parses).

    Each text is parsed in a process of its own (``--parse``), so that each format's peak
    memory is its own; JSON and YAML are measured in the same run, one after the other.
    """
    out: dict[str, Any] = {"activities": activities}
    start = time.perf_counter()
    document = generate(activities, seed=seed)
    out["generate_s"] = time.perf_counter() - start
    expected = hashlib.sha256(msgspec.json.encode(canonical(document))).hexdigest()
    formats: list[Any] = ["json", "yaml"] if with_yaml else ["json"]
    with tempfile.TemporaryDirectory(prefix="ropa-document-") as folder:
        for fmt in formats:
            start = time.perf_counter()
            text = dump_document(document, fmt)
            out[f"{fmt}_dump_s"] = time.perf_counter() - start
            out[f"{fmt}_bytes"] = len(text)
            path = Path(folder) / f"registry.{fmt}"
            path.write_bytes(text)
            del text
            parsed = _parse_in_child(path, fmt)
            if parsed["digest"] != expected:
                raise RuntimeError(f"the {fmt} document does not read back as written")
            out[f"{fmt}_parse_s"] = parsed["parse_s"]
            out[f"{fmt}_parse_peak_mb"] = parsed["peak_mb"]
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _parse_in_child(path: Path, fmt: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.store_phase", "--parse", str(path), "--format", fmt],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"parsing {path.name} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_parse(path: Path, fmt: Any, repeat: int) -> dict[str, Any]:
    """parse_document of the text in ``path``: the best of ``repeat`` times, and how far the
    process's resident memory rose above what it held with the text read (the peak)."""
    raw = path.read_bytes()
    gc.collect()
    with contextlib.suppress(OSError):  # resets VmHWM to the current RSS (Linux 4.0+)
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")
    best = float("inf")
    digest = ""
    for _ in range(repeat):
        start = time.perf_counter()
        parsed = parse_document(raw, fmt)
        best = min(best, time.perf_counter() - start)
        digest = hashlib.sha256(msgspec.json.encode(parsed)).hexdigest()
        del parsed
        gc.collect()
    return {"parse_s": best, "peak_mb": _status_mb("VmHWM") - before, "digest": digest}


def main() -> None:
    parser = argparse.ArgumentParser(description="Import, re-import and export one store.")
    parser.add_argument("--url", help="the empty store to measure")
    parser.add_argument("--document", action="store_true", help="only dump and parse the text")
    parser.add_argument("--no-yaml", action="store_true", help="with --document: JSON only")
    parser.add_argument("--parse", type=Path, help="only parse this document text")
    parser.add_argument("--format", choices=["json", "yaml"], help="with --parse")
    parser.add_argument("--repeat", type=int, default=3, help="with --parse: best of this many")
    parser.add_argument("--activities", type=int)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--read-seconds", type=float, default=2.0)
    args = parser.parse_args()
    if args.parse:
        result = measure_parse(args.parse, args.format, args.repeat)
    elif args.activities is None:
        parser.error("give --activities")
    elif args.document:
        result = measure_document(args.activities, args.seed, not args.no_yaml)
    elif args.url:
        os.environ["DATABASE_URL"] = args.url
        result = asyncio.run(measure(args.url, args.activities, args.seed, args.read_seconds))
    else:
        parser.error("give --url or --document")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
