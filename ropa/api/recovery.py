"""Requests run again (up to `RETRIES` times) when the database connection was lost under them.

`ropa.store.resilience` retries what it safely can inside the store (a read statement, a
BEGIN). A connection lost in the middle of a transaction surfaces here: the exception handler
answers 503 (with Retry-After) and marks the request; this middleware then swallows that 503
and runs the request again on the pool's fresh connections, unless COMMIT had already
been sent and the server could not say whether it committed (then the client is told to
check before sending it again). A body up to `MAX_REPLAY_BYTES` is kept so that the second run
reads the same one; a larger one (an import) is not run twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from ropa.api.problems import ProblemDetails, on_unexpected, problem
from ropa.store.resilience import Attempt, attempt, is_connection_lost

RETRY_AFTER_SECONDS = 1
RETRIES = 1
"""Runs after the first that failed on a lost connection: one, as the pool is renewed by then."""
RETRY_PAUSE = 0.02
MAX_REPLAY_BYTES = 1 << 20
"""Bodies up to this size are kept for a second run; a large import is not run twice."""
log = logging.getLogger("ropa.api")


class RetryOnLostConnection:
    """ASGI middleware: runs an HTTP request again when its database connection was lost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        original: dict[str, Any] = dict(scope)
        received: list[ReceiveMessage] = []
        kept = [0]  # bytes of body kept for a second run

        async def recording_receive() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request" and kept[0] <= MAX_REPLAY_BYTES:
                kept[0] += len(message.get("body", b""))
                received.append(message)
            return message

        for retry in range(RETRIES + 1):
            run_scope: Any = dict(original)
            run_scope["state"] = dict(original.get("state", {}))
            replay = list(received)

            async def replaying_receive(replay: list[ReceiveMessage] = replay) -> ReceiveMessage:
                if replay:
                    return replay.pop(0)
                return await recording_receive()

            last = retry == RETRIES or kept[0] > MAX_REPLAY_BYTES  # too big to keep twice
            held = _Holding(send, last=last)
            token = attempt.set(Attempt())
            try:
                await self.app(scope if retry == 0 else run_scope, replaying_receive, held.send)
            finally:
                attempt.reset(token)
            if not held.suppressed:
                return
            # That run failed before answering, with nothing committed: run it again.
            log.info(
                "retrying %s %s after a lost database connection (%d)",
                scope["method"],
                scope["path"],
                retry + 1,
            )
            await asyncio.sleep(RETRY_PAUSE * (retry + 1))


class _Holding:
    """Passes messages through, except a 503 for a lost connection that may be retried."""

    def __init__(self, send: Send, last: bool) -> None:
        self._send = send
        self._last = last
        self.suppressed = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            current = attempt.get()
            retryable = (
                not self._last and current is not None and current.lost and not current.committing
            )
            if message["status"] == 503 and retryable:
                self.suppressed = True
                return
        if self.suppressed:
            return
        await self._send(message)


def on_connection_lost(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """503 with Retry-After for a lost database connection; anything else is unexpected."""
    if not is_connection_lost(error):
        return on_unexpected(request, error)
    current = attempt.get()
    if current is not None:
        current.lost = True
    log.warning("answering 503: %s: %s", type(error).__name__, error)
    detail = (
        "the database connection was lost while committing; check whether the change was "
        "applied before sending it again"
        if current is not None and current.committing
        else "the database connection was lost; nothing was changed, try again"
    )
    response: Response[ProblemDetails] = problem(
        503,
        "Service unavailable",
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    return response


def recovery() -> DefineMiddleware:
    return DefineMiddleware(RetryOnLostConnection)


def connection_lost_handlers() -> dict[type[Exception] | int, Any]:
    """Exception handlers for every kind of lost-connection error."""
    import asyncpg

    kinds: tuple[type[Exception], ...] = (
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,
        asyncpg.exceptions.InterfaceError,
        asyncpg.exceptions.InternalClientError,
        ConnectionError,
    )
    return dict.fromkeys(kinds, on_connection_lost)
