"""The repository's frequent reads, outside a transaction, without Piccolo's cost per query.

Piccolo builds and compiles each query anew, and on SQLite runs every query outside a
transaction on a connection of its own: a new aiosqlite connection (a new thread) and a
``PRAGMA foreign_keys`` before the query. A GET of one entity spent most of its time there.
The repository's frequent reads (one entity, a page, the revision) are fixed SQL run here:

- **SQLite:** one connection per thread that runs an event loop (one per worker), kept open and
  used without leaving that thread: in WAL mode a reader never waits for a writer, and a read by
  key takes microseconds, less than handing it to another thread. Every statement is read to
  its end, so the connection holds no snapshot between statements and each sees every commit
  made before it began. Before WAL is on (a store not yet migrated), or when the file is busy
  (crash recovery), a read takes Piccolo's path instead.
- **PostgreSQL:** a few connections of the reader's own for each event loop, beside the
  engine's pool for transactions (``ropa.store.connections``): taking one from asyncpg's pool
  and giving it back cost about as much as the read. A statement outside a transaction sees
  every commit made before it began; a lost connection is replaced and the read run again
  once. The SQL text is the same every time, so asyncpg keeps it prepared on each connection.

Inside a transaction the repository runs the same SQL on the transaction's connection instead
(``Dialect.fetch_in``), so it sees its snapshot and what the transaction has written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from ropa.store.connections import ReadConnections
from ropa.store.resilience import is_connection_lost, on_lost, read_connections

log = logging.getLogger("ropa.store")

BUSY_SECONDS = 0.05
"""How long a SQLite read on the event loop waits for a busy file before taking Piccolo's path
(which waits in a thread). In WAL mode only crash recovery makes a reader wait."""


class Row(Protocol):
    """A result row: sqlite3.Row, asyncpg.Record or a dict, all read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


class Reader(Protocol):
    async def fetch(self, sql: str, args: Sequence[object]) -> Sequence[Row]:
        """The rows of one read statement, outside any transaction."""
        ...

    def close(self) -> None: ...


class SQLiteReader:
    """A kept-open connection for each thread that reads, in WAL mode."""

    def __init__(self, engine: SQLiteEngine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def fetch(self, sql: str, args: Sequence[object]) -> Sequence[Row]:
        connection = self._connection()
        if connection is not None:
            try:
                rows: list[Row] = connection.execute(sql, args).fetchall()
                return rows
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
                log.info("SQLite busy for a read on the loop (%s): reading in a thread", error)
        piccolo_rows: list[Row] = await self.engine._run_in_new_connection(sql, list(args))
        return piccolo_rows

    def _connection(self) -> sqlite3.Connection | None:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection | None:
        options = self.engine.connection_kwargs
        connection = sqlite3.connect(
            options["database"],
            isolation_level=None,  # no converters either: callers read the stored values
            timeout=BUSY_SECONDS,
            check_same_thread=False,  # closed by `close`, from whichever thread calls it
        )
        mode = str(connection.execute("PRAGMA journal_mode").fetchall()[0][0])
        if mode.lower() != "wal":
            connection.close()
            return None  # not migrated yet: asked again on the next read
        connection.execute("PRAGMA query_only = 1")
        connection.row_factory = sqlite3.Row
        with self._lock:
            self._opened.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
        self._local = threading.local()


def _busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


class PostgresReader:
    """Connections of the reader's own while the engine's pool is open (the service), from a
    `ReadConnections` set for the event loop that reads; a connection of its own per read
    otherwise (a command, a test without the app). A lost connection is replaced and the read
    run again once."""

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine
        self._connections: ReadConnections | None = None

    async def fetch(self, sql: str, args: Sequence[object]) -> Sequence[Row]:
        if self.engine.pool is None:
            rows: Sequence[Row] = await self.engine._run_in_new_connection(sql, list(args))
            return rows
        connections = self._connections
        if connections is None or connections.loop is not asyncio.get_running_loop():
            connections = self._renew()
        try:
            return await _fetch_on(connections, sql, args)
        except Exception as error:
            if not is_connection_lost(error):
                raise
            await on_lost(self.engine, error)
        return await _fetch_on(connections, sql, args)  # on a fresh connection

    def _renew(self) -> ReadConnections:
        """A set for the running loop; one left from another loop (a test's) is closed."""
        self.close()
        config = self.engine.config
        self._connections = ReadConnections(
            asyncio.get_running_loop(),
            read_connections(self.engine),
            lambda: asyncpg.connect(**config),
        )
        return self._connections

    def close(self) -> None:
        if self._connections is not None:
            self._connections.close()
            self._connections = None


async def _fetch_on(
    connections: ReadConnections, sql: str, args: Sequence[object]
) -> Sequence[Row]:
    """One statement on a connection of ``connections``; a lost one is dropped, not given back.
    asyncpg keeps the statement prepared on each connection (its text never changes)."""
    connection = await connections.take()
    try:
        rows: Sequence[Row] = await connection.fetch(sql, *args)
    except BaseException as error:
        if is_connection_lost(error):
            connections.lost(connection)
        elif isinstance(error, asyncpg.PostgresError):
            connections.give_back(connection)  # the server answered: ready for the next read
        else:
            connections.drop(connection)  # cancelled mid-statement: its state is unknown
        raise
    connections.give_back(connection)
    return rows
