"""Noticing that a client has gone, so that work done only for it can stop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request


def client_gone(request: Request[Any, Any, Any]) -> Callable[[], Awaitable[None]]:
    """A coroutine function that returns once the client of ``request`` disconnects.

    Only for requests whose body has been read (or that have none): it reads the rest of the
    ASGI message stream, which then holds nothing but the disconnect.
    """

    async def wait() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return

    return wait
