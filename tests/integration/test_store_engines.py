"""A SQLite store and a PostgreSQL store in one process, used at the same time.

Each repository runs its queries on the engine it was given: writes, reads, tokens and
migrations on one never reach the other, however their transactions interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from piccolo.engine.base import Engine

from ropa.auth.roles import Role
from ropa.input.document import parse_document
from ropa.services import Services, build_services
from ropa.store.dialect import POSTGRESQL, SQLITE, dialect_for
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate
from ropa.store.repository import Change, NewRow, Repository
from ropa.store.tables import TABLES

ADMIN_URL = os.environ.get("ROPA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DOCUMENT = "organisations:\n  - {key: %s, name: %s}\n"


@pytest.fixture
async def pair(
    tmp_path: Path, postgres_url: str | None
) -> AsyncIterator[tuple[Services, Services]]:
    """A fresh SQLite store and a fresh PostgreSQL store, migrated at the same time."""
    if postgres_url is None:
        pytest.skip("PostgreSQL unreachable: the two-engine test needs both engines")
    name = f"ropa_pair_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    pg_url = urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
    sqlite = make_engine(f"sqlite:///{tmp_path / 'pair.sqlite'}")
    postgres = make_engine(pg_url)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            await asyncio.gather(migrate(sqlite), migrate(postgres))
        yield build_services(sqlite), build_services(postgres)
    finally:
        admin = await asyncpg.connect(ADMIN_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _tables(engine: Engine) -> set[str]:
    if dialect_for(engine) is SQLITE:
        rows = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = await engine.run_ddl(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    return {row["name"] for row in rows}


async def test_both_engines_migrated_at_once(pair: tuple[Services, Services]) -> None:
    lite, pg = pair
    assert lite.repository.dialect is SQLITE
    assert pg.repository.dialect is POSTGRESQL
    wanted = {table._meta.tablename for table in TABLES} | {"migration"}
    assert wanted <= await _tables(lite.engine)
    assert wanted <= await _tables(pg.engine)
    for services in pair:
        rows = await services.engine.run_ddl("SELECT COUNT(*) AS n FROM migration")
        assert rows[0]["n"] == 5
        with contextlib.redirect_stdout(io.StringIO()):
            assert "No migrations" in await migrate(services.engine)


async def test_writes_and_reads_stay_on_their_own_engine(
    pair: tuple[Services, Services],
) -> None:
    lite, pg = pair

    async def load(services: Services, prefix: str) -> None:
        for i in range(5):
            document = parse_document(DOCUMENT % (f"{prefix}{i}", f"Org {prefix}{i}"), "yaml")
            await services.documents.import_document(document, actor=prefix, prune=False)

    await asyncio.gather(load(lite, "lite"), load(pg, "pg"))
    lite_keys = [e.key for e in await lite.repository.all_of(["organisation"])]
    pg_keys = [e.key for e in await pg.repository.all_of(["organisation"])]
    assert lite_keys == [f"lite{i}" for i in range(5)]
    assert pg_keys == [f"pg{i}" for i in range(5)]
    assert await lite.repository.revision() == 5
    assert await pg.repository.revision() == 5
    assert {r.actor for r in await lite.repository.audit()} == {"lite"}
    assert {r.actor for r in await pg.repository.audit()} == {"pg"}
    # The declared table classes stay unbound: nothing reached them.
    assert all(table._meta._db is None for table in TABLES)


async def test_interleaved_transactions_commit_and_roll_back_apart(
    pair: tuple[Services, Services],
) -> None:
    lite, pg = pair

    def row(key: str) -> NewRow:
        return NewRow("organisation", key, key, json.dumps({"key": key}), frozenset())

    async def write(repository: Repository, key: str) -> None:
        async with repository.write_transaction(actor="t") as write:
            await repository.insert([row(key)], write)
            await repository.record(write, [Change("create", "organisation", key, key, None, "{}")])

    # A PostgreSQL transaction commits while a SQLite one is open, and the SQLite one rolls back.
    with pytest.raises(RuntimeError, match="abandon"):
        async with lite.repository.write_transaction(actor="t") as outer:
            await lite.repository.insert([row("kept-out")], outer)
            await write(pg.repository, "pg-only")
            raise RuntimeError("abandon")
    assert await lite.repository.get("organisation", "kept-out") is None
    assert await lite.repository.get("organisation", "pg-only") is None
    assert await pg.repository.get("organisation", "pg-only") is not None
    assert await lite.repository.revision() == 0
    assert await pg.repository.revision() == 1

    # Many writers on both engines at once.
    await asyncio.gather(
        *(write(lite.repository, f"l{i:02d}") for i in range(10)),
        *(write(pg.repository, f"p{i:02d}") for i in range(10)),
    )
    assert await lite.repository.revision() == 10
    assert await pg.repository.revision() == 11
    lite_keys = {e.key for e in await lite.repository.all_of(["organisation"])}
    assert lite_keys == {f"l{i:02d}" for i in range(10)}


async def test_tokens_belong_to_one_store(pair: tuple[Services, Services]) -> None:
    lite, pg = pair
    lite_token = await lite.tokens.create("alice", Role.ADMIN)
    pg_token = await pg.tokens.create("alice", Role.ARCHITECT)
    lite_principal = await lite.tokens.principal_for(lite_token)
    pg_principal = await pg.tokens.principal_for(pg_token)
    assert lite_principal is not None and lite_principal.role is Role.ADMIN
    assert pg_principal is not None and pg_principal.role is Role.ARCHITECT
    assert await lite.tokens.principal_for(pg_token) is None
    assert await pg.tokens.principal_for(lite_token) is None
    await pg.tokens.revoke("alice")
    assert await pg.tokens.principal_for(pg_token) is None
    assert await lite.tokens.principal_for(lite_token) == lite_principal
    assert [t.revoked_at is None for t in await lite.tokens.all_tokens()] == [True]
