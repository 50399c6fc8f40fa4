"""The reader's connection set (``ropa.store.connections``), with stand-in connections: reads
beyond its size wait for one to come back, lost and dropped connections make room for fresh
ones, a cancelled wait loses no connection, and a closed set closes what comes back."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from ropa.store.connections import ReadConnections


class FakeConnection:
    serial = itertools.count(1)

    def __init__(self) -> None:
        self.number = next(self.serial)
        self.closed = False

    def is_closed(self) -> bool:
        return self.closed

    def terminate(self) -> None:
        self.closed = True


def connections(size: int) -> tuple[ReadConnections, list[FakeConnection]]:
    opened: list[FakeConnection] = []

    async def connect() -> FakeConnection:
        await asyncio.sleep(0)
        opened.append(FakeConnection())
        return opened[-1]

    return ReadConnections(asyncio.get_running_loop(), size, connect), opened


async def test_reads_beyond_the_size_wait_for_a_connection_to_come_back() -> None:
    pool, opened = connections(2)
    in_use = 0
    most = 0

    async def read() -> None:
        nonlocal in_use, most
        connection = await pool.take()
        in_use += 1
        most = max(most, in_use)
        await asyncio.sleep(0.001)
        in_use -= 1
        pool.give_back(connection)

    await asyncio.gather(*(read() for _ in range(20)))
    assert len(opened) == 2 and most == 2
    again = await pool.take()
    assert again is opened[-1]  # the most recently given back
    pool.give_back(again)


async def test_a_lost_connection_closes_the_idle_ones_and_a_fresh_one_is_opened() -> None:
    pool, _ = connections(3)
    first, second = await pool.take(), await pool.take()
    pool.give_back(second)
    pool.lost(first)
    assert first.closed and second.closed
    fresh = await pool.take()
    assert fresh not in (first, second) and not fresh.closed
    pool.give_back(fresh)


async def test_a_waiting_read_gets_room_when_a_connection_is_dropped() -> None:
    pool, opened = connections(1)
    only = await pool.take()
    waiting = asyncio.create_task(pool.take())
    await asyncio.sleep(0)
    pool.drop(only)
    fresh = await asyncio.wait_for(waiting, 1)
    assert only.closed and fresh is opened[-1] and not fresh.closed


async def test_a_connection_closed_while_idle_is_not_handed_out() -> None:
    pool, opened = connections(1)
    connection = await pool.take()
    pool.give_back(connection)
    connection.closed = True  # the server ended the session meanwhile
    fresh = await pool.take()
    assert fresh is not connection and len(opened) == 2


async def test_a_cancelled_wait_loses_no_connection() -> None:
    pool, _ = connections(1)
    only = await pool.take()
    waiting = asyncio.create_task(pool.take())
    await asyncio.sleep(0)
    pool.give_back(only)  # handed to the waiting read ...
    waiting.cancel()  # ... which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await asyncio.wait_for(pool.take(), 1) is only


async def test_a_closed_set_closes_connections_as_they_come_back() -> None:
    pool, _ = connections(2)
    busy, idle = await pool.take(), await pool.take()
    pool.give_back(idle)
    pool.close()
    assert idle.closed and not busy.closed
    pool.give_back(busy)
    assert busy.closed
    with pytest.raises(ConnectionError):
        await pool.take()
