"""The repository's frequent reads (one entity, a page and its total, the revision), on both
engines: outside a transaction they see every commit, whichever worker made it; inside one they
see the transaction's own rows; a list total follows the registry revision. On PostgreSQL, reads
outside a transaction run on a few connections of the reader's own, which survive killed
backends and cancelled reads."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from ropa.store.engine import make_engine
from ropa.store.repository import NewRow, Repository
from ropa.store.resilience import keep_session, read_connections


def _url(engine: Engine[Any]) -> str:
    path = getattr(engine, "path", None)
    if path is not None and not hasattr(engine, "config"):
        return f"sqlite:///{path}"
    return str(engine.config["dsn"])  # type: ignore[attr-defined]


def _row(key: str, organisation: str = "acme", body: dict[str, Any] | None = None) -> NewRow:
    text = json.dumps(body or {"key": key, "organisation": organisation, "name": key})
    return NewRow("system", key, organisation, text, frozenset({("organisation", organisation)}))


async def _add(repository: Repository, *rows: NewRow) -> int:
    async with repository.write_transaction(actor="test") as write:
        await repository.insert(list(rows), write)
    return write.revision


@pytest.fixture
async def workers(engine: Engine[Any]) -> AsyncIterator[tuple[Repository, Repository]]:
    """Two repositories on one store, each with an engine of its own: two workers."""
    first, second = Repository(engine), Repository(make_engine(_url(engine)))
    try:
        yield first, second
    finally:
        first.close()
        second.close()


async def test_reads_see_each_commit_of_another_worker(
    workers: tuple[Repository, Repository],
) -> None:
    reader, writer = workers
    assert await reader.get("system", "s1") is None
    assert await reader.revision() == 0
    revision = await _add(writer, _row("s1"))
    stored = await reader.get("system", "s1")
    assert stored is not None and stored.version == 1 and stored.scope == "acme"
    assert stored.updated_at is not None and stored.updated_at.utcoffset() is not None
    assert await reader.revision() == revision
    async with writer.write_transaction(actor="test") as write:
        changed = _row("s1", body={"key": "s1", "organisation": "acme", "name": "renamed"})
        assert await writer.update(changed, write, expected_version=1) == 2
    again = await reader.get("system", "s1")
    assert again is not None and again.version == 2 and "renamed" in again.body
    async with writer.write_transaction(actor="test"):
        assert await writer.delete("system", ["s1"]) == 1
    assert await reader.get("system", "s1") is None


async def test_list_total_follows_the_revision_whoever_writes(
    workers: tuple[Repository, Repository],
) -> None:
    reader, writer = workers
    await _add(writer, *(_row(f"s{n}") for n in range(5)), _row("t0", "other"))
    items, total = await reader.page("system", limit=2)
    assert [i.key for i in items] == ["s0", "s1"] and total == 6
    items, total = await reader.page("system", scope="acme", after="s3", limit=2)
    assert [i.key for i in items] == ["s4"] and total == 5
    # Read again at the same revision: the same answer (from the remembered total).
    assert (await reader.page("system", limit=2))[1] == 6
    await _add(writer, _row("s5"))  # another worker's change moves the revision
    assert (await reader.page("system", limit=2))[1] == 7
    assert (await reader.page("system", scope="acme", limit=2))[1] == 6
    filtered, count = await reader.page("system", matches={"organisation": "other"})
    assert [i.key for i in filtered] == ["t0"] and count == 1
    async with writer.write_transaction(actor="test"):
        await writer.delete("system", ["s0", "s1"])
    assert (await reader.page("system", limit=2))[1] == 5


async def test_an_empty_page_still_gives_the_total(
    workers: tuple[Repository, Repository],
) -> None:
    reader, writer = workers
    await _add(writer, _row("s1"), _row("s2"))
    assert await reader.page("system", after="s2") == ([], 2)
    assert await reader.page("system", after="s2") == ([], 2)
    assert await reader.page("system", scope="nobody") == ([], 0)
    await _add(writer, _row("s3"))
    items, total = await reader.page("system", after="s2")
    assert [i.key for i in items] == ["s3"] and total == 3


async def test_reads_inside_a_write_see_its_rows_and_a_rollback_leaves_no_trace(
    workers: tuple[Repository, Repository],
) -> None:
    repository, _ = workers
    await _add(repository, _row("s1"))
    assert (await repository.page("system"))[1] == 1
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with repository.write_transaction(actor="test") as write:
            await repository.insert([_row("s2")], write)
            assert await repository.get("system", "s2") is not None
            items, total = await repository.page("system")
            assert [i.key for i in items] == ["s1", "s2"] and total == 2
            assert await repository.revision() == write.revision
            raise RuntimeError("changed my mind")
    assert await repository.get("system", "s2") is None
    items, total = await repository.page("system")
    assert [i.key for i in items] == ["s1"] and total == 1
    # The rolled-back revision is used again by the next write: its total is counted anew.
    await _add(repository, _row("s3"), _row("s4"))
    assert (await repository.page("system"))[1] == 3


async def test_a_read_snapshot_is_kept_while_another_worker_writes(
    workers: tuple[Repository, Repository],
) -> None:
    reader, writer = workers
    await _add(writer, _row("s1"))
    async with reader.read_transaction():
        before = await reader.revision()
        assert (await reader.page("system"))[1] == 1
        await _add(writer, _row("s2"))
        assert await reader.revision() == before
        assert await reader.get("system", "s2") is None
        assert (await reader.page("system"))[1] == 1
    assert await reader.get("system", "s2") is not None
    assert (await reader.page("system"))[1] == 2


async def test_sqlite_reads_a_store_not_in_wal_mode(sqlite_template: Path, tmp_path: Path) -> None:
    """Before WAL is on (a store not yet migrated by this version) reads take Piccolo's path."""
    path = tmp_path / "rollback-journal.sqlite"
    shutil.copy(sqlite_template, path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    repository = Repository(make_engine(f"sqlite:///{path}"))
    await _add(repository, _row("s1"))
    stored = await repository.get("system", "s1")
    assert stored is not None and stored.updated_at is not None
    items, total = await repository.page("system")
    assert [i.key for i in items] == ["s1"] and total == 1
    with sqlite3.connect(path) as connection:  # the reader did not turn WAL on either
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    repository.close()


async def test_postgres_pool_releases_without_a_reset_query(postgres_url: str | None) -> None:
    """ropa keeps no session state, so the pool sends no reset query on release; an open
    transaction is still rolled back."""
    if postgres_url is None:
        pytest.skip("PostgreSQL unreachable")
    pool = await asyncpg.create_pool(postgres_url, min_size=1, max_size=1, reset=keep_session)
    assert pool is not None
    sent: list[str] = []
    try:
        async with pool.acquire() as connection:
            connection.add_query_logger(lambda record: sent.append(record.query))
            await connection.fetchval("SELECT 1")
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMP TABLE left_open (n int)")
        async with pool.acquire() as connection:
            assert not connection.is_in_transaction()
            exists = await connection.fetchval("SELECT to_regclass('pg_temp.left_open')")
        assert exists is None  # the transaction that made it was rolled back
        assert not any("RESET ALL" in query or "UNLISTEN" in query for query in sent)
    finally:
        await pool.close()


@pytest.fixture
async def served(engine: Engine[Any]) -> AsyncIterator[Repository]:
    """A repository whose engine has its pool open, as the service runs it (PostgreSQL)."""
    if not isinstance(engine, PostgresEngine):
        pytest.skip("PostgreSQL only: the reader's own connections")
    repository = Repository(engine)
    await repository.dialect.open_pool(engine, 4)
    try:
        yield repository
    finally:
        await repository.dialect.close_pool(engine)
        repository.close()


async def _backends(url: str) -> list[int]:
    admin = await asyncpg.connect(url)
    try:
        rows = await admin.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    return [r["pid"] for r in rows]


async def test_postgres_reads_use_a_few_connections_of_their_own(served: Repository) -> None:
    await _add(served, *(_row(f"s{n}") for n in range(30)))
    pool_before = set(await _backends(_url(served.engine)))
    found = await asyncio.gather(*(served.get("system", f"s{n}") for n in range(30)))
    assert all(stored is not None for stored in found)
    pages = await asyncio.gather(*(served.page("system", limit=5) for _ in range(10)))
    assert all(total == 30 and len(items) == 5 for items, total in pages)
    readers = set(await _backends(_url(served.engine))) - pool_before
    assert 1 <= len(readers) <= read_connections(served.engine) == 2


async def test_postgres_reads_survive_killed_backends(served: Repository) -> None:
    revision = await _add(served, _row("s1"))
    assert await served.get("system", "s1") is not None
    url = _url(served.engine)
    for _ in range(2):  # killed between reads, as a restart or an idle-session kill would
        admin = await asyncpg.connect(url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        await asyncio.sleep(0.05)
        stored = await served.get("system", "s1")
        assert stored is not None and stored.scope == "acme"
        assert await served.revision() == revision


async def test_postgres_a_cancelled_read_leaves_the_reader_usable(served: Repository) -> None:
    await _add(served, _row("s1"))
    slow = asyncio.create_task(served.reader.fetch("SELECT pg_sleep(5)", ()))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    found = await asyncio.gather(*(served.get("system", "s1") for _ in range(5)))
    assert all(stored is not None for stored in found)
