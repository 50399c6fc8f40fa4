"""Faults in the database under load: killed backends cost no user a failed request.

PostgreSQL only (SQLite has no server to lose). The service runs as a real process; a load of
reads and writes runs against it while, several times, every backend of the service's pool is
terminated with ``pg_terminate_backend`` (as a database restart or an idle-session kill
would). Dead pooled connections must be detected and replaced, and the work retried, so that
not one request answers anything but 2xx, and every write is recorded exactly once.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from ropa.services import Services
from ropa.store.resilience import ResilientPostgresEngine, is_connection_lost
from tests.factories import base_entities
from tests.live_server import database_url_of, live_server

LOAD_SECONDS = 5.0
KILL_EVERY = 0.8
READERS = 8
WRITERS = 2


async def _terminate_backends(dsn: str) -> int:
    """Terminate every other backend connected to the service's database; how many."""
    admin = await asyncpg.connect(dsn)
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) AS gone FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    return sum(1 for r in rows if r["gone"])


async def test_killed_backends_mid_load_give_no_failed_request(
    engine: Engine, services: Services, admin_token: str, tmp_path: Path
) -> None:
    if not isinstance(engine, PostgresEngine):
        pytest.skip("PostgreSQL only: SQLite has no server connections to lose")
    assert isinstance(engine, ResilientPostgresEngine)
    dsn = database_url_of(engine)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    writes: list[str] = []
    kills: list[int] = []
    serial = itertools.count()
    headers = {"Authorization": f"Bearer {admin_token}"}
    log = Path(os.environ.get("ROPA_FAULT_LOG", tmp_path / "service.log"))
    with live_server(dsn, log, ROPA_POOL_SIZE="6") as base:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            for collection, body in base_entities():
                assert (await client.post(f"/api/v1/{collection}", json=body)).status_code == 201
            deadline = time.monotonic() + LOAD_SECONDS

            async def reader(worker: int) -> None:
                paths = [
                    "/api/v1/activities/push",
                    "/api/v1/systems?organisation=acme",
                    "/api/v1/registry?format=json",
                    "/api/v1/findings",
                    "/api/v1/audit?limit=5",
                    "/api/v1/registry/diff?from=1",
                ]
                for i in itertools.count(worker):
                    if time.monotonic() > deadline:
                        return
                    path = paths[i % len(paths)]
                    response = await client.get(path)
                    statuses[response.status_code] += 1
                    if response.status_code >= 300:
                        failures.append(f"GET {path}: {response.status_code} {response.text[:200]}")

            async def writer() -> None:
                while time.monotonic() < deadline:
                    key = f"sys-{next(serial)}"
                    body: dict[str, Any] = {"key": key, "organisation": "acme", "name": key}
                    response = await client.post("/api/v1/systems", json=body)
                    statuses[response.status_code] += 1
                    if response.status_code != 201:
                        failures.append(f"POST {key}: {response.status_code} {response.text[:200]}")
                    else:
                        writes.append(key)

            async def killer() -> None:
                await asyncio.sleep(KILL_EVERY / 2)
                while time.monotonic() < deadline - KILL_EVERY / 2:
                    kills.append(await _terminate_backends(dsn))
                    await asyncio.sleep(KILL_EVERY)

            await asyncio.gather(
                *(reader(w) for w in range(READERS)), *(writer() for _ in range(WRITERS)), killer()
            )

            assert len(kills) >= 5 and sum(kills) >= len(kills), f"terminated per round: {kills}"
            assert not failures, (
                f"{len(failures)} failed of {statuses.total()}: {failures[:5]}\n"
                + log.read_text()[-6000:]
            )
            assert statuses.total() > 100, statuses
            # every acknowledged write is stored and audited exactly once
            audit = (
                await client.get("/api/v1/audit", params={"kind": "system", "limit": 1000})
            ).json()
            created = Counter(e["key"] for e in audit["items"] if e["action"] == "create")
            assert all(created[key] == 1 for key in writes), created
            listed = (await client.get("/api/v1/systems", params={"limit": 1000})).json()
            assert set(writes) <= {s["key"] for s in listed["items"]}


def test_connection_lost_errors_are_recognised() -> None:
    assert is_connection_lost(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    assert is_connection_lost(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert is_connection_lost(asyncpg.exceptions.InterfaceError("connection is closed"))
    assert is_connection_lost(ConnectionResetError())
    assert not is_connection_lost(asyncpg.exceptions.UniqueViolationError("dup"))
    assert not is_connection_lost(asyncpg.exceptions.QueryCanceledError("timeout"))
    assert not is_connection_lost(ValueError("x"))
