"""Surviving a lost PostgreSQL connection: detect it, replace the pool's connections, retry.

A database restart, a failover or an idle-session kill (``pg_terminate_backend``) leaves the
pool holding connections whose server is gone. asyncpg notices a closed socket only when the
event loop reads from it, so the next query on such a connection can fail. Three layers keep
that from reaching a user:

1. `ResilientPostgresEngine` runs a single statement outside a transaction again, once, on a
   fresh connection when its connection turns out to be lost, if it is a read (a write might
   have been applied before the connection went: that is for layer 3 to judge).
2. `ResilientTransaction` begins again, once, on a fresh connection when BEGIN itself fails
   that way (nothing has run yet, so reads and writes alike are safe to begin again).
3. For a connection lost in the middle of a transaction, the request as a whole is run again
   by the API (``ropa.api.recovery``), unless COMMIT had already been sent: `attempt` tells
   it whether it had. A transaction that failed before COMMIT was rolled back by the server.

Whenever a lost connection is seen, every connection of the pool is expired, so the pool
replaces the others (killed together, as a restart does) as they are next acquired or released,
instead of each failing one request in turn.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

log = logging.getLogger("ropa.store")

_LOST: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,  # ConnectionDoesNotExistError and kin
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash, idle-session kill
    asyncpg.exceptions.InterfaceError,  # "connection is closed", "another operation ..."
    asyncpg.exceptions.InternalClientError,  # the protocol left in a broken state
    ConnectionError,  # reset, refused, broken pipe
)


_ARGUMENT_NOT_ENCODED: type[BaseException] = asyncpg.exceptions._base.DataError
"""Raised by the driver before sending, as an InterfaceError: not a lost connection."""

READ_CONNECTIONS = 2
"""Connections a reader keeps for an engine whose pool was not sized by ropa."""


def is_connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the database connection went away (not a problem of the query)."""
    if isinstance(error, (asyncpg.exceptions.QueryCanceledError, _ARGUMENT_NOT_ENCODED)):
        return False  # a statement timeout; an argument the driver could not encode
    return isinstance(error, _LOST)


@dataclass
class Attempt:
    """What one request has done to the database so far, for deciding whether to retry it."""

    committing: bool = False
    """COMMIT was sent: the transaction may have been applied."""
    lost: bool = False
    """A lost connection was seen."""


attempt: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "ropa_attempt", default=None
)


def _is_read(query: str) -> bool:
    """Whether a statement only reads (SET, as in SET TRANSACTION, changes no data)."""
    head = query.lstrip().split(None, 1)[0].upper() if query.strip() else ""
    return head in ("SELECT", "WITH", "SHOW", "VALUES", "SET")


class ResilientTransaction(PostgresTransaction):
    """A transaction that begins again on a fresh connection when its first one is dead, never
    lets a dead connection's rollback or release hide what happened, and, when COMMIT of a
    write is cut off, asks the server whether the transaction committed after all."""

    wrote = False
    """A statement other than a read ran in this transaction."""

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        try:
            return await super().__aenter__()
        except Exception as error:
            if not is_connection_lost(error):
                raise
            await self._release()
            await on_lost(self.engine, error)
            return await super().__aenter__()

    async def commit(self) -> None:
        if not self.wrote:
            # A read: nothing to lose, the request may run again.
            await super().commit()  # type: ignore[no-untyped-call]  # unannotated in Piccolo
            return
        current = attempt.get()
        txid = await self.connection.fetchval("SELECT txid_current()")
        if current is not None:
            current.committing = True
        try:
            await super().commit()  # type: ignore[no-untyped-call]  # unannotated in Piccolo
        except Exception as error:
            if not is_connection_lost(error):
                raise
            status = await _transaction_status(self.engine, txid)
            log.warning("connection lost during COMMIT of transaction %s: %s", txid, status)
            if status == "committed":
                self._committed = True
                return
            if status == "aborted" and current is not None:
                current.committing = False  # rolled back: safe to run again
            raise

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None and is_connection_lost(exception):
                self._rolled_back = True  # by the server, as the connection went
                _terminate(self.connection)
                await on_lost(self.engine, exception)
            elif exception is not None:
                if not self._rolled_back:
                    await self._quietly(self.rollback())  # type: ignore[no-untyped-call]  # unannotated in Piccolo
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._release()
        return exception is None

    async def _quietly(self, work: Any) -> None:
        """Run ``work``; a lost connection is noted, not raised (the server rolls back)."""
        try:
            await work
        except Exception as error:
            if not is_connection_lost(error):
                raise
            await on_lost(self.engine, error)

    async def _release(self) -> None:
        """Give the connection back to the pool; a dead one is closed, never raised about."""
        connection = getattr(self, "connection", None)
        if connection is None:
            return
        self.connection = None
        pool = self.engine.pool
        try:
            if pool is not None:
                await pool.release(connection)
            else:
                await connection.close()
        except Exception as error:
            if not is_connection_lost(error):
                raise
            _terminate(connection)


def _terminate(connection: Any) -> None:
    """Close a connection at once, whatever state it is in (released, broken, closed)."""
    try:
        connection.terminate()
    except Exception:
        log.debug("connection already released or closed")


class ResilientPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with lost connections replaced and reads retried once."""

    read_connections = READ_CONNECTIONS
    """How many connections the repository's reader may keep beside the pool
    (``ropa.store.reads``); set with the pool's size (``ropa.store.dialect``)."""

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ResilientTransaction(engine=self, allow_nested=allow_nested)

    async def run_querystring(self, querystring: Any, in_pool: bool = True) -> Any:
        current = self.current_transaction.get()
        if isinstance(current, ResilientTransaction) and not current.wrote:
            query, _ = querystring.compile_string(engine_type=self.engine_type)
            current.wrote = not _is_read(query)
        return await super().run_querystring(querystring, in_pool)

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        try:
            return await super()._run_in_pool(query, args)
        except Exception as error:
            if not is_connection_lost(error):
                raise
            await on_lost(self, error)
            if not _is_read(query):
                raise
            return await super()._run_in_pool(query, args)


def read_connections(engine: PostgresEngine) -> int:
    """How many connections of its own the reader may keep for ``engine``."""
    if isinstance(engine, ResilientPostgresEngine):
        return max(1, engine.read_connections)
    return READ_CONNECTIONS


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing beyond what asyncpg always does (roll back an open
    transaction, drop listeners). ropa sets no session state (no SET outside a transaction,
    no advisory locks, LISTEN or held cursors), so the default reset query, a round trip on
    every release, has nothing to undo."""


async def _transaction_status(engine: PostgresEngine, txid: int) -> str | None:
    """``committed``, ``aborted`` or ``in progress`` for a transaction id; None if unknown."""
    for _ in range(20):
        try:
            connection = await asyncpg.connect(**engine.config)
        except Exception as error:  # the server may be restarting
            log.warning("cannot ask for transaction %s: %s", txid, error)
            await asyncio.sleep(0.1)
            continue
        try:
            status = await connection.fetchval("SELECT txid_status($1)", txid)
        finally:
            await connection.close()
        if status != "in progress":
            return str(status) if status else None
        await asyncio.sleep(0.05)  # the backend is still being torn down
    return None


async def on_lost(engine: PostgresEngine, error: BaseException) -> None:
    """Note the loss and have the pool replace every connection it holds."""
    current = attempt.get()
    if current is not None:
        current.lost = True
    log.warning("database connection lost (%s: %s); reconnecting", type(error).__name__, error)
    pool = engine.pool
    if pool is not None:
        await pool.expire_connections()
    await asyncio.sleep(0)  # let the loop see the other sockets the server closed
