"""Incremental judgement after a single-entity edit, beside the full judgement, in one run.

    python -m bench.incremental [--sizes 1000 10000 50000] [--engines sqlite,postgres]
                                [--write-results]

For each size and engine: a generated registry is imported into a fresh store, then judged
through ``JudgementService`` in-process: the full judgement (read, graph, facts, rules: the
baseline), the cached read of the same revision, and after each kind of single-entity edit
(written through the entity service, not timed) the judgement of the new revision, which steps
from the previous one, on the service that holds the store and then on a second service over the
same store, standing for another worker: it learns of the edit from the audit trail. "mode" says
whether the step ran incrementally or fell back to the full judgement. CPU is this process's CPU
time (all threads); wall is elapsed time. A full garbage collection runs, untimed, before each
measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import io
import os
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console
from rich.table import Table

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.services import Services, build_services
from ropa.services.judgement import JudgementService

ON = dt.date(2026, 12, 1)
POSTGRES = os.environ.get(
    "ROPA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RESULTS = Path(__file__).with_name("RESULTS.md")
START, END = "<!-- issue-17-incremental:start -->", "<!-- issue-17-incremental:end -->"

Row = dict[str, Any]


async def _timed(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    gc.collect()  # each measurement starts from the same collector state
    cpu, wall = time.process_time(), time.perf_counter()
    await work()
    return time.process_time() - cpu, time.perf_counter() - wall


@contextlib.asynccontextmanager
async def _store(engine_name: str) -> AsyncIterator[Services]:
    import asyncpg

    import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
    from ropa.store.engine import make_engine
    from ropa.store.migrate import migrate

    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ropa-bench-") as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'ropa.sqlite'}")
            with contextlib.redirect_stdout(io.StringIO()):
                await migrate(engine)
            services = build_services(engine)
            try:
                yield services
            finally:
                services.repository.close()
        return
    name = f"ropa_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        engine = make_engine(re.sub(r"/[^/]*$", f"/{name}", POSTGRES))
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate(engine)
        services = build_services(engine)
        await engine.start_connection_pool()
        try:
            yield services
        finally:
            await engine.close_connection_pool()
            services.repository.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _edits(document: m.RegistryDocument) -> list[tuple[str, str, m.Entity]]:
    """One single-entity edit of each kind, on entities in the middle of the registry: (what
    it is, kind, the entity after it). The organisation is edited twice: a field only its own
    findings read (its size band), and its name, which findings on its activities quote."""

    def middle(items: list[Any]) -> Any:
        return items[len(items) // 2]

    activity: m.Activity = middle(document.activities)
    flow: m.Flow = middle(document.flows)
    system: m.System = middle(document.systems)
    party: m.Party = middle(document.parties)
    organisation: m.Organisation = middle(document.organisations)
    return [
        (
            "an activity edit",
            "activity",
            msgspec.structs.replace(activity, purposes=["Bill calls to customers"]),
        ),
        (
            "a flow edit",
            "flow",
            msgspec.structs.replace(flow, data_categories=["email_address"]),
        ),
        ("a system edit", "system", msgspec.structs.replace(system, hosting_country="US")),
        ("a party edit", "party", msgspec.structs.replace(party, country="IN")),
        (
            "an organisation's size band",
            "organisation",
            msgspec.structs.replace(organisation, employee_band=m.EmployeeBand.UNDER_250),
        ),
        (
            "an organisation renamed",
            "organisation",
            msgspec.structs.replace(organisation, name=f"{organisation.name} Group"),
        ),
    ]


async def measure(size: int, engine_name: str) -> list[Row]:
    document = generate(size)
    rows: list[Row] = []
    async with _store(engine_name) as services:
        await services.documents.import_document(document)
        # a second worker's service over the same store: it learns of each edit from the
        # audit trail, as a worker that did not make the write does
        workers = [services.judgement, JudgementService(services.documents, services.vocabularies)]

        def judged(judgement: JudgementService) -> Callable[[], Awaitable[object]]:
            async def findings() -> object:
                return (await judgement.judged(on=ON)).findings

            return findings

        cpu, wall = await _timed(judged(workers[0]))
        rows.append(_row(size, engine_name, "full judgement (baseline)", "full", cpu, wall))
        await judged(workers[1])()
        cpu, wall = await _timed(judged(workers[0]))
        rows.append(_row(size, engine_name, "cached read", "cached", cpu, wall))
        for what, kind, entity in _edits(document):
            version = (await services.entities.get(kind, entity.key)).version
            await services.entities.replace(kind, entity.key, entity, version)
            for number, judgement in enumerate(workers):
                steps = judgement.steps
                cpu, wall = await _timed(judged(judgement))
                mode = "incremental" if judgement.steps > steps else "full"
                where = "" if number == 0 else ", on a second worker"
                rows.append(_row(size, engine_name, f"after {what}{where}", mode, cpu, wall))
    return rows


def _row(size: int, engine: str, what: str, mode: str, cpu: float, wall: float) -> Row:
    return {"size": size, "engine": engine, "what": what, "mode": mode, "cpu": cpu, "wall": wall}


def _table(rows: list[Row]) -> list[list[str]]:
    lines = []
    base: dict[tuple[int, str], float] = {}
    for row in rows:
        key = (row["size"], row["engine"])
        if row["mode"] == "full" and row["what"].startswith("full"):
            base[key] = row["cpu"]
        share = row["cpu"] / base[key] if base.get(key) else 0.0
        lines.append(
            [
                f"{row['size']:,}",
                row["engine"],
                row["what"],
                row["mode"],
                f"{row['cpu'] * 1000:,.1f}",
                f"{row['wall'] * 1000:,.1f}",
                f"{share:.1%}",
            ]
        )
    return lines


HEADERS = ["activities", "engine", "judgement", "mode", "CPU ms", "wall ms", "CPU vs full"]


def _write(rows: list[Row], command: str) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    body = [
        START,
        "## Incremental judgement (issue 17, item 1)",
        "",
        f"`{command}`, {dt.date.today().isoformat()}, load average {load} at the end of the run.",
        "In-process through `JudgementService`; CPU is the process's CPU time, wall the elapsed",
        "time; the baseline is the full judgement of the same registry in the same run. The",
        '"second worker" is a second `JudgementService` over the same store, which learns of',
        "the edit from the audit trail as another worker process does. A full",
        'garbage collection runs, untimed, before each measurement. "mode" full: the edit',
        "touched more subjects than the incremental limit, and the service judged in full.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
        *("| " + " | ".join(line) + " |" for line in _table(rows)),
        END,
    ]
    text = RESULTS.read_text(encoding="utf-8")
    section = "\n".join(body)
    if START in text:
        text = re.sub(
            re.escape(START) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    rows: list[Row] = []
    for size in args.sizes:
        for engine in args.engines.split(","):
            rows.extend(asyncio.run(measure(size, engine)))
    table = Table(*HEADERS, title="Incremental judgement")
    for line in _table(rows):
        table.add_row(*line)
    Console().print(table)
    if args.write_results:
        sizes = " ".join(str(s) for s in args.sizes)
        _write(rows, f"python -m bench.incremental --sizes {sizes} --engines {args.engines}")


if __name__ == "__main__":
    main()
