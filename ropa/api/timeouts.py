"""Slow clients cannot hold a worker's connections: deadlines for headers and for bodies.

- **Headers.** uvicorn waits for a request's headers as long as the client likes, so a few
  hundred connections trickling header bytes hold the worker. `TimedHttpToolsProtocol` and
  `TimedH11Protocol` close a connection whose request headers have not all arrived within
  ``ROPA_HEADER_TIMEOUT`` seconds (default `HEADER_TIMEOUT`) of the connection opening or of
  the previous response on it. ``ropa serve`` uses them.
- **Bodies.** `body_deadline` answers 408 when a request's body has not all arrived within
  ``ROPA_BODY_TIMEOUT`` seconds (default `BODY_TIMEOUT`) of the first read of it.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 60.0


def header_timeout() -> float:
    return float(os.environ.get("ROPA_HEADER_TIMEOUT", HEADER_TIMEOUT))


class _HeaderDeadline:
    """Mixin for uvicorn's HTTP protocols: the connection closes when headers come too slowly."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(header_timeout(), self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def _after_data(self) -> None:
        if not self._waiting_for_headers():
            self._disarm()  # a request is under way: its headers are complete


class TimedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._after_data()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


class TimedH11Protocol(_HeaderDeadline, H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._after_data()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


HTTP_PROTOCOL = "ropa.api.timeouts:TimedHttpToolsProtocol"
"""What ``ropa serve`` gives uvicorn as its ``http`` protocol."""


class BodyDeadline:
    """ASGI middleware: 408 when a request body has not fully arrived in time."""

    def __init__(self, app: ASGIApp, timeout: float | None = None) -> None:
        self.app = app
        self.timeout = (
            timeout
            if timeout is not None
            else float(os.environ.get("ROPA_BODY_TIMEOUT", BODY_TIMEOUT))
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        deadline: float | None = None
        complete = False
        loop = asyncio.get_running_loop()

        async def timed_receive() -> ReceiveMessage:
            nonlocal deadline, complete
            if complete:
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.timeout
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise HTTPException(
                    status_code=408,
                    detail=f"the request body did not arrive within {self.timeout:g} s",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, timed_receive, send)


def body_deadline(timeout: float | None = None) -> DefineMiddleware:
    return DefineMiddleware(BodyDeadline, timeout=timeout)
