"""What differs between SQLite and PostgreSQL, in one place.

The store asks the dialect of its engine, chosen once by ``dialect_for``, whenever the two
engines need different SQL or driver calls: how a writer takes the registry-wide lock, how a
reader gets a consistent snapshot, how many rows are written at once, which driver errors are
integrity violations, what a fresh database needs before its migrations run, how a fixed
statement writes its parameters, how a text column is read as bytes, where a read outside a
transaction runs and how a worker's PostgreSQL connections are shared between it and the
pool. Nothing outside this module and ``engine.py`` looks at the engine's class.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal, Protocol, cast
from urllib.parse import urlsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from ropa.store.reads import PostgresReader, Reader, Row, SQLiteReader
from ropa.store.resilience import ResilientPostgresEngine, keep_session

DialectName = Literal["sqlite", "postgresql"]


class Dialect(Protocol):
    """The engine-specific part of the store."""

    name: DialectName
    integrity_errors: tuple[type[Exception], ...]
    """Driver exceptions raised for a violated constraint (unique, not null, trigger)."""

    def write_transaction(self, engine: Engine[Any]) -> AbstractAsyncContextManager[object]:
        """A transaction that holds the write lock from its first statement on."""
        ...

    def read_transaction(self, engine: Engine[Any]) -> AbstractAsyncContextManager[None]:
        """A transaction whose reads all see one snapshot."""
        ...

    async def bulk_insert(
        self,
        connection: Any,
        table: str,
        columns: Sequence[str],
        records: Sequence[tuple[object, ...]],
    ) -> None:
        """Many rows at once on the driver connection of the current transaction."""
        ...

    async def prepare(self, engine: Engine[Any]) -> None:
        """Settings a database needs before its migrations run (kept in the database)."""
        ...

    def describe(self, engine: Engine[Any]) -> str:
        """Where the engine points, for people: no password."""
        ...

    async def open_pool(self, engine: Engine[Any], size: int) -> None:
        """Start the engine's connection pool, where it has one (PostgreSQL)."""
        ...

    async def close_pool(self, engine: Engine[Any]) -> None: ...

    def statement(self, sql: str) -> str:
        """``sql`` with each ``{}`` written as this driver's parameter."""
        ...

    def reader(self, engine: Engine[Any]) -> Reader:
        """Where reads outside a transaction run (``ropa.store.reads``)."""
        ...

    def as_bytes(self, column: str) -> str:
        """A text column read as its UTF-8 bytes (the driver then decodes nothing)."""
        ...

    async def fetch_in(self, connection: Any, sql: str, args: Sequence[object]) -> Sequence[Row]:
        """The rows of one statement on the driver connection of the current transaction."""
        ...


class SQLiteDialect:
    name: DialectName = "sqlite"
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def write_transaction(self, engine: Engine[Any]) -> AbstractAsyncContextManager[object]:
        # BEGIN IMMEDIATE: writers queue on the busy timeout instead of failing with
        # "database is locked" when a deferred transaction tries to upgrade its lock.
        return cast(
            AbstractAsyncContextManager[object],
            engine.transaction(transaction_type=TransactionType.immediate),
        )

    @asynccontextmanager
    async def read_transaction(self, engine: Engine[Any]) -> AsyncIterator[None]:
        # A SQLite transaction reads one snapshot once its first statement has run.
        async with engine.transaction():
            yield

    async def bulk_insert(
        self,
        connection: Any,
        table: str,
        columns: Sequence[str],
        records: Sequence[tuple[object, ...]],
    ) -> None:
        placeholders = ", ".join("?" for _ in columns)
        await connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", records
        )

    async def prepare(self, engine: Engine[Any]) -> None:
        # WAL lets readers carry on while a writer holds the lock; it persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")

    def describe(self, engine: Engine[Any]) -> str:
        return f"sqlite ({getattr(engine, 'path', '?')})"

    async def open_pool(self, engine: Engine[Any], size: int) -> None:
        return None  # Piccolo opens a connection per query; reads keep one (``reader``)

    async def close_pool(self, engine: Engine[Any]) -> None:
        return None

    def statement(self, sql: str) -> str:
        return sql.replace("{}", "?")

    def reader(self, engine: Engine[Any]) -> Reader:
        assert isinstance(engine, SQLiteEngine)
        return SQLiteReader(engine)

    def as_bytes(self, column: str) -> str:
        return f"CAST({column} AS BLOB)"  # the text's bytes, in the file's encoding (UTF-8)

    async def fetch_in(self, connection: Any, sql: str, args: Sequence[object]) -> Sequence[Row]:
        async with connection.execute(sql, args) as cursor:  # Piccolo's rows are dicts
            rows: Sequence[Row] = await cursor.fetchall()
            return rows


class PostgresDialect:
    name: DialectName = "postgresql"
    integrity_errors: tuple[type[Exception], ...] = (asyncpg.IntegrityConstraintViolationError,)

    def write_transaction(self, engine: Engine[Any]) -> AbstractAsyncContextManager[object]:
        # The lock is the row lock the transaction's first statement (the revision bump) takes.
        return cast(AbstractAsyncContextManager[object], engine.transaction())

    @asynccontextmanager
    async def read_transaction(self, engine: Engine[Any]) -> AsyncIterator[None]:
        async with engine.transaction():
            await engine.run_ddl("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield

    async def bulk_insert(
        self,
        connection: Any,
        table: str,
        columns: Sequence[str],
        records: Sequence[tuple[object, ...]],
    ) -> None:
        await connection.copy_records_to_table(table, records=records, columns=list(columns))

    async def prepare(self, engine: Engine[Any]) -> None:
        return None

    def describe(self, engine: Engine[Any]) -> str:
        dsn = urlsplit(str(getattr(engine, "config", {}).get("dsn", "")))
        return f"postgresql ({dsn.hostname}:{dsn.port or 5432}{dsn.path})"

    async def open_pool(self, engine: Engine[Any], size: int) -> None:
        assert isinstance(engine, PostgresEngine)
        pooled, reads = share_connections(size)
        if isinstance(engine, ResilientPostgresEngine):
            engine.read_connections = reads
        # asyncpg's default minimum (10) is larger than a small pool may be. ropa keeps no
        # session state, so a released connection needs no reset query (``keep_session``).
        await engine.start_connection_pool(
            min_size=min(2, pooled), max_size=pooled, reset=keep_session
        )

    async def close_pool(self, engine: Engine[Any]) -> None:
        assert isinstance(engine, PostgresEngine)
        await engine.close_connection_pool()

    def statement(self, sql: str) -> str:
        first, *rest = sql.split("{}")
        return first + "".join(f"${n}{part}" for n, part in enumerate(rest, 1))

    def reader(self, engine: Engine[Any]) -> Reader:
        assert isinstance(engine, PostgresEngine)
        return PostgresReader(engine)

    def as_bytes(self, column: str) -> str:
        return f"convert_to({column}, 'UTF8')"  # bytea; a cast to bytea would read escapes

    async def fetch_in(self, connection: Any, sql: str, args: Sequence[object]) -> Sequence[Row]:
        rows: Sequence[Row] = await connection.fetch(sql, *args)
        return rows


def share_connections(size: int) -> tuple[int, int]:
    """(the pool's, the reader's): a worker's ``size`` PostgreSQL connections shared between
    transactions (the engine's pool) and reads outside one (``ropa.store.reads``), at least
    one each."""
    reads = max(1, size // 2)
    return max(1, size - reads), reads


SQLITE: Dialect = SQLiteDialect()
POSTGRESQL: Dialect = PostgresDialect()

INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    *SQLITE.integrity_errors,
    *POSTGRESQL.integrity_errors,
)
"""Integrity violations of either engine, for error handlers that serve any engine."""


def dialect_for(engine: Engine[Any]) -> Dialect:
    """The dialect of ``engine``; ValueError for an engine ropa does not support."""
    if isinstance(engine, SQLiteEngine):
        return SQLITE
    if isinstance(engine, PostgresEngine):
        return POSTGRESQL
    raise ValueError(f"unsupported engine {type(engine).__name__}: use SQLite or PostgreSQL")
