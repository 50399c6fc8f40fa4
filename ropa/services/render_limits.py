"""Expensive renders that cannot starve the service: capped, shared, and killed when unwanted.

- **Cap.** A worker runs at most `RenderGate.limit` renders (diagrams through Graphviz,
  workbooks) at once. One more is refused at once with `Busy` (the API answers 503 with
  Retry-After), so the CPU and memory of a worker stay bounded however many ask.
- **Sharing.** Identical requests that arrive while a render is under way wait for that
  render instead of starting their own (keyed by everything the result depends on, registry
  revision included), and do not count against the cap.
- **Kill.** A render nobody waits for any more (every client that asked has gone), or whose
  time is up, is cancelled; for Graphviz that kills the ``dot`` process (`run_dot`), which
  would otherwise run on after its clients left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ropa.render import dot as dot_format

T = TypeVar("T")

DEFAULT_LIMIT = 2
DEFAULT_TIMEOUT = 60.0
RETRY_AFTER_SECONDS = 5


class Busy(Exception):
    """The worker already runs as many renders as it may."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this worker already runs {limit} renders; try again in {RETRY_AFTER_SECONDS} s"
        )
        self.retry_after = RETRY_AFTER_SECONDS


class RenderTimedOut(dot_format.RenderTimeout):
    """The render did not finish in time and was stopped."""


@dataclass
class _Flight(Generic[T]):
    task: asyncio.Task[T]
    waiting: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class RenderGate:
    """The cap on concurrent renders of one worker, with identical renders shared."""

    def __init__(self, limit: int | None = None, timeout: float | None = None) -> None:
        self.limit = limit if limit is not None else _env_int("ROPA_MAX_RENDERS", DEFAULT_LIMIT)
        self.timeout = (
            timeout if timeout is not None else _env_float("ROPA_RENDER_TIMEOUT", DEFAULT_TIMEOUT)
        )
        self._flights: dict[Hashable, _Flight[object]] = {}

    @property
    def running(self) -> int:
        return len(self._flights)

    async def run(
        self,
        key: Hashable,
        work: Callable[[], Awaitable[T]],
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        """The result of ``work()``, shared with identical concurrent calls.

        ``gone``, when given, returns once the caller's client has disconnected: the caller
        then stops waiting, and when no caller waits any more the work is cancelled.
        """
        flight = self._flights.get(key)
        if flight is None:
            if len(self._flights) >= self.limit:
                raise Busy(self.limit)
            flight = _Flight(asyncio.create_task(self._timed(work)))
            self._flights[key] = flight
            flight.task.add_done_callback(lambda _: self._land(key, flight))
        flight.waiting += 1
        try:
            return await self._wait(flight, gone)  # type: ignore[arg-type]
        finally:
            flight.waiting -= 1
            if flight.waiting == 0 and not flight.task.done():
                flight.task.cancel()  # nobody wants it any more: stop (and kill) the render
                self._land(key, flight)  # its slot is free now, not when it has unwound

    async def _timed(self, work: Callable[[], Awaitable[T]]) -> T:
        try:
            return await asyncio.wait_for(work(), self.timeout)
        except TimeoutError:
            raise RenderTimedOut(
                f"the render did not finish within {self.timeout:g} s and was stopped; "
                "try a collapsed detail level (party or cluster)"
            ) from None

    def _land(self, key: Hashable, flight: _Flight[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def _wait(self, flight: _Flight[T], gone: Callable[[], Awaitable[None]] | None) -> T:
        if gone is None:
            return await asyncio.shield(flight.task)
        watcher = asyncio.ensure_future(gone())
        try:
            await asyncio.wait({flight.task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        if not flight.task.done():
            raise ClientGone()
        return flight.task.result()


class ClientGone(Exception):
    """The client disconnected before its render was ready."""


async def run_dot(dot_text: str, fmt: str) -> bytes:
    """`ropa.render.dot.render` as a child process the event loop waits for without blocking,
    and kills when the waiting is cancelled (client gone, time up)."""
    if fmt not in dot_format.FORMATS:
        raise dot_format.UnknownFormat(f"unknown diagram format {fmt!r}")
    binary = dot_format.dot_binary()
    if binary is None:
        raise dot_format.RendererUnavailable(
            "Graphviz `dot` is not installed (on Debian: apt-get install graphviz)"
        )
    try:
        process = await asyncio.create_subprocess_exec(
            binary,
            f"-T{fmt}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        raise dot_format.RendererUnavailable(
            f"Graphviz `dot` could not be started: {error}"
        ) from error
    try:
        out, err = await process.communicate(dot_text.encode("utf-8"))
    except BaseException:
        if process.returncode is None:
            process.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
        raise
    if process.returncode != 0 or not out:
        message = err.decode("utf-8", "replace").strip()[:2_000] or "no output"
        code = process.returncode or 0
        status = f"was killed by signal {-code}" if code < 0 else f"failed with exit status {code}"
        raise dot_format.RenderFailed(f"Graphviz `dot` {status}: {message}")
    return out


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))
