"""One import at a time per worker; the others wait their turn without reading their bodies.

Writes to the registry are serialised anyway (one registry-wide write lock), so running two
imports at once gains nothing and costs the memory of both documents. An import waits for its
turn before its body is read, so a queue of imports holds no documents in memory; one that
waits longer than `wait` seconds gets `ImportBusy` (503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

DEFAULT_WAIT = 30.0
RETRY_AFTER_SECONDS = 10


class ImportBusy(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(
            f"another import has been running for more than {wait:g} s; "
            f"try again in {RETRY_AFTER_SECONDS} s"
        )
        self.retry_after = RETRY_AFTER_SECONDS


class ImportGate:
    def __init__(self, wait: float | None = None) -> None:
        self.wait = (
            wait if wait is not None else float(os.environ.get("ROPA_IMPORT_WAIT", DEFAULT_WAIT))
        )
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._lock.acquire(), self.wait)
        except TimeoutError:
            raise ImportBusy(self.wait) from None
        try:
            yield
        finally:
            self._lock.release()
