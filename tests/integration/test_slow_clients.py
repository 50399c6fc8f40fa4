"""Slow clients cannot hold the service: header and body deadlines, on a real server."""

from __future__ import annotations

import socket
import time

import httpx
from piccolo.engine.base import Engine

from ropa.services import Services
from tests.live_server import database_url_of, live_server

DEADLINE = "0.5"


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=5)
    return connection


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection (recv gives b"") within ``seconds``."""
    connection.settimeout(seconds)
    try:
        while True:
            data = connection.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


async def test_slow_headers_and_bodies_are_cut_off(
    engine: Engine, services: Services, admin_token: str
) -> None:
    environment = {"ROPA_HEADER_TIMEOUT": DEADLINE, "ROPA_BODY_TIMEOUT": DEADLINE}
    with live_server(database_url_of(engine), **environment) as base:
        # headers that never finish: the connection is closed after the deadline
        slow = _connect(base)
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: ropa\r\n")
        started = time.monotonic()
        assert _closed_within(slow, 5)
        assert time.monotonic() - started < 3
        slow.close()

        # a connection that sends nothing at all is closed as well
        idle = _connect(base)
        assert _closed_within(idle, 5)
        idle.close()

        # a body that stops half-way gets 408
        partial = _connect(base)
        partial.sendall(
            b"POST /api/v1/organisations HTTP/1.1\r\nHost: ropa\r\n"
            b"Authorization: Bearer " + admin_token.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"key": "slo'
        )
        partial.settimeout(5)
        answer = partial.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        partial.close()

        # a client in no hurry but within the deadlines is served, on a kept-alive connection
        headers = {"Authorization": f"Bearer {admin_token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as client:
            for _ in range(3):
                assert (await client.get("/health")).status_code == 200
            organisations = (await client.get("/api/v1/organisations")).json()
        assert organisations["total"] == 0  # the cut-off body changed nothing
