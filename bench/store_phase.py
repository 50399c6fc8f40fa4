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
import io
import json
import os
import random
import resource
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg

import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
from bench.synthetic import Shape, activity_key, count, generate
from ropa.render.document import dump_document
from ropa.services import Services, build_services
from ropa.store.engine import engine_kind, make_engine
from ropa.store.migrate import migrate


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Seconds spent in wrapped coroutines, by name, plus marks in time."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.marks: dict[str, float] = {}

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
            try:
                return await fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


def instrument(services: Services, clock: Clock) -> None:
    """Time the import's phases by wrapping methods on these instances only."""
    repository = services.repository
    documents = services.documents
    opened = repository.write_transaction

    @asynccontextmanager
    async def write_transaction() -> AsyncIterator[int]:
        clock.mark("lock")
        async with opened() as revision:
            clock.mark("locked")
            yield revision
        clock.mark("committed")

    repository.write_transaction = write_transaction  # type: ignore[method-assign]
    repository.all_of = clock.wrap("read", repository.all_of)  # type: ignore[method-assign]
    repository.insert = clock.wrap("insert", repository.insert)  # type: ignore[method-assign]
    repository._insert_index = clock.wrap("insert_index", repository._insert_index)  # type: ignore[method-assign]
    repository.delete = clock.wrap("delete", repository.delete)  # type: ignore[method-assign]
    documents._plan = clock.wrap("plan", documents._plan)  # type: ignore[method-assign]
    original_apply = clock.wrap("apply", documents._apply)

    async def apply(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original_apply(*args, **kwargs)
        finally:
            clock.mark("applied")

    documents._apply = apply  # type: ignore[method-assign]


def _breakdown(clock: Clock, start: float, end: float) -> dict[str, float]:
    """Where an import's wall time went, in seconds."""
    marks = clock.marks
    spent = clock.spent
    lock = marks.get("lock", end)
    phases = {
        "validate": lock - start,
        "lock": marks.get("locked", lock) - lock,
        "read": spent.get("read", 0.0),
        "check": spent.get("plan", 0.0) - spent.get("read", 0.0),
        "write_rows": spent.get("insert", 0.0) - spent.get("insert_index", 0.0),
        "write_index": spent.get("insert_index", 0.0),
        "delete": spent.get("delete", 0.0),
        "commit": marks.get("committed", end) - marks.get("applied", marks.get("committed", end)),
    }
    phases["other"] = (end - start) - sum(phases.values())
    return {k: round(v, 4) for k, v in phases.items()}


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


async def _reads(services: Services, url: str, activities: int, seconds: float) -> dict[str, Any]:
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

    result: dict[str, Any] = {
        "get_us": await loop(lambda key: repository.get("activity", key)),
        "page_us": await loop(page, page_keys),
    }
    sql = (
        "SELECT scope, body, version, updated_at FROM ropa_entity WHERE kind = {} AND key = {}"
    )
    if engine_kind(url) == "sqlite":
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path)
        query = sql.format("?", "?")

        async def raw(key: str) -> Any:
            return connection.execute(query, ("activity", key)).fetchone()

        async def fresh(key: str) -> Any:
            with contextlib.closing(sqlite3.connect(path)) as one:
                one.execute("PRAGMA foreign_keys = 1")
                return one.execute(query, ("activity", key)).fetchone()

        result["raw_get_us"] = await loop(raw)
        result["raw_connect_get_us"] = await loop(fresh)
        connection.close()
    else:
        connection = await asyncpg.connect(url)
        query = sql.format("$1", "$2")

        async def raw(key: str) -> Any:
            return await connection.fetchrow(query, "activity", key)

        result["raw_get_us"] = await loop(raw)
        await connection.close()
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
    out["import_queries"] = dict(clock.calls)
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

    if engine_kind(url) == "postgresql":
        pg: Any = engine
        await pg.start_connection_pool(min_size=1, max_size=4)
    try:
        out["reads"] = await _reads(services, url, activities, read_seconds)
    finally:
        if engine_kind(url) == "postgresql":
            await pg.close_connection_pool()
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Import, re-import and export one store.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--activities", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--read-seconds", type=float, default=2.0)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.url
    result = asyncio.run(measure(args.url, args.activities, args.seed, args.read_seconds))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
