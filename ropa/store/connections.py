"""A small set of database connections for one event loop, taken and given back without a pool.

asyncpg's pool spends about as long on taking a connection and giving it back (a queue, a
proxy object, a shielded task for the release, timers for idle connections) as a read by key
takes on the connection. The reader (``ropa.store.reads``) needs none of that: its connections
run single statements outside a transaction and keep no session state, so one is ready for
the next read as soon as the last one's rows are in. This set hands them out from a list,
opens another (up to ``size``) only when every open one is busy, and otherwise queues the
reader until one comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("ropa.store")

Connection = Any
"""An asyncpg connection (asyncpg ships no type hints)."""


class ReadConnections:
    """Up to ``size`` connections, opened on demand by ``connect``, used on ``loop`` only."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        size: int,
        connect: Callable[[], Awaitable[Connection]],
    ) -> None:
        self.loop = loop
        self.size = size
        self._connect = connect
        self._idle: list[Connection] = []
        self._open = 0
        """Connections open or being opened, idle or in use."""
        self._waiting: deque[asyncio.Future[Connection | None]] = deque()
        self._closed = False

    async def take(self) -> Connection:
        """An idle connection, a new one, or the next one given back."""
        while True:
            if self._closed:
                raise ConnectionError("the store's read connections are closed")
            while self._idle:
                connection = self._idle.pop()  # the most recently used: its socket is warm
                if not connection.is_closed():
                    return connection
                self._open -= 1  # closed by the server while idle
            if self._open < self.size:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    self._wake_one(None)
                    raise
            waiter: asyncio.Future[Connection | None] = self.loop.create_future()
            self._waiting.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    self.give_back(waiter.result())  # handed over as this read was cancelled
                raise
            if handed is not None:
                return handed
            # None: a connection was dropped, so there is room to open one: go round again.

    def give_back(self, connection: Connection) -> None:
        """A connection whose statement has run to its end, ready for the next read."""
        if self._closed:
            _terminate(connection)
        elif connection.is_closed():
            self._open -= 1
            self._wake_one(None)
        elif not self._wake_one(connection):
            self._idle.append(connection)

    def drop(self, connection: Connection) -> None:
        """Close ``connection`` rather than use it again (a read was cancelled under it)."""
        _terminate(connection)
        self._open -= 1
        self._wake_one(None)

    def lost(self, connection: Connection) -> None:
        """``connection`` was found dead: close it and every idle one (a restart or a kill of
        the server's backends takes them together), so that the next reads open fresh ones."""
        dead = [connection, *self._idle]
        self._idle.clear()
        self._open -= len(dead)
        for each in dead:
            _terminate(each)
        for _ in dead:
            if not self._wake_one(None):
                break

    def close(self) -> None:
        """Close the idle connections; those in use are closed as they are given back."""
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        self._closed = True
        for connection in idle:
            _terminate(connection)
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError("the store's read connections were closed"))

    def _wake_one(self, handed: Connection | None) -> bool:
        """Hand ``handed`` (or room for a new connection: None) to the longest waiting read."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(handed)
                return True
        return False


def _terminate(connection: Connection) -> None:
    with contextlib.suppress(Exception):
        connection.terminate()
