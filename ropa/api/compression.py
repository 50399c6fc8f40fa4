"""gzip for clients that accept it: the big JSON reads (the data map of a 2,000-system registry
is 4.5 MB) travel at a fifth of their size.

Litestar's ``CompressionConfig`` installs this middleware (its ``middleware_class``) in front of
every route. It differs from Litestar's own in what a shared worker needs:

- Compression of a body of `OFF_LOOP_FROM` bytes or more runs in a worker thread; zlib lets go
  of the interpreter lock while it deflates, so the event loop keeps answering (gzip of the
  4.5 MB map takes 25 ms of CPU at level 1, 128 ms at level 6: on the loop, level 6 alone would
  break the 100 ms ``/health`` bound of tests/integration/test_event_loop.py).
- Level 1 (`LEVEL`): a fifth of the size for a fifth of level 6's CPU (983 kB against 804 kB
  for the map; see bench/RESULTS.md); the worker's CPU is what every other request shares.
- Only media types that compress: JSON, text, SVG, YAML, DOT; not PDF, PNG or spreadsheets,
  which are compressed already.
- The same body gives the same bytes (no timestamp in the gzip header, unlike ``GzipFile``).
- ``Accept-Encoding`` is read with its q-values (``gzip;q=0`` refuses gzip); HEAD answers
  describe the uncompressed body, as before.

Entity tags are left as they are: an ETag here names an entity's version (what If-Match
compares), not the bytes, and the API answers no If-None-Match, so no 304 compares encodings.
Streamed bodies are compressed chunk by chunk, each flushed, so a client reads as it arrives.
"""

from __future__ import annotations

import zlib
from typing import Any, cast

import anyio.to_thread
from litestar.config.compression import CompressionConfig
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import HTTPResponseStartEvent, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

LEVEL = 1
MINIMUM_SIZE = 1024
"""Bytes below which a body is sent as it is: gzip's header and the work outweigh the gain."""
OFF_LOOP_FROM = 64 * 1024
"""Bytes from which a body (or a streamed chunk) is compressed in a worker thread."""
GZIP = "gzip"

_COMPRESSIBLE_SUFFIXES = ("json", "+xml", "/xml", "yaml", "javascript", "graphviz", "ecmascript")


def compressible(media_type: str) -> bool:
    """Whether a body of this media type shrinks under gzip (text, JSON, SVG, YAML, DOT)."""
    media = media_type.partition(";")[0].strip().lower()
    return media.startswith("text/") or media.endswith(_COMPRESSIBLE_SUFFIXES)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip: named (or ``*``) with a q above 0."""
    accepted: dict[str, bool] = {}
    for part in accept_encoding.lower().split(","):
        coding, *params = (item.strip() for item in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            accepted[coding] = quality > 0
    return accepted.get(GZIP, accepted.get("x-gzip", accepted.get("*", False)))


def _deflate(compressor: Any, chunk: bytes, last: bool) -> bytes:
    flush = zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
    return cast(bytes, compressor.compress(chunk) + compressor.flush(flush))


class _GzipSend:
    """One response's ``send``: gzip-encoded when its media type compresses and it is big
    enough (or streamed), passed through otherwise."""

    def __init__(self, send: Send, scope: Scope, level: int, minimum: int) -> None:
        self.send = send
        self.scope = scope
        self.level = level
        self.minimum = minimum
        self.start: HTTPResponseStartEvent | None = None
        self.compressor: Any = None
        self.plain = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.plain:
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if self.compressor is None:
            start, self.start = self.start, None
            assert start is not None, "a response body before its start"
            if not self._begin(start, body, more):
                self.plain = True
                await self.send(start)
                await self.send(message)
                return
            body = await self._deflate(body, not more)
            headers = MutableScopeHeaders(start)
            if more:
                del headers["Content-Length"]
            else:
                headers["Content-Length"] = str(len(body))
            await self.send(start)
        else:
            body = await self._deflate(body, not more)
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    def _begin(self, start: HTTPResponseStartEvent, body: bytes, more: bool) -> bool:
        """Decide from the first body message; set the headers of a compressed answer."""
        headers = MutableScopeHeaders(start)
        if start["status"] in (204, 304) or "content-encoding" in headers:
            return False
        if not compressible(headers.get("content-type") or ""):
            return False
        if "no-transform" in (headers.get("cache-control") or "").lower():
            return False
        headers.extend_header_value("vary", "Accept-Encoding")
        if not more and len(body) < self.minimum:
            return False
        headers["Content-Encoding"] = GZIP
        ScopeState.from_scope(self.scope).response_compressed = True
        self.compressor = zlib.compressobj(self.level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return True

    async def _deflate(self, chunk: bytes, last: bool) -> bytes:
        if len(chunk) >= OFF_LOOP_FROM:
            return await anyio.to_thread.run_sync(_deflate, self.compressor, chunk, last)
        return _deflate(self.compressor, chunk, last)


class OffLoopCompression(CompressionMiddleware):
    """Litestar's compression middleware, compressing large bodies off the event loop."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = Headers.from_scope(scope).get("accept-encoding", "")
        if scope.get("method") == "HEAD" or not accept or not accepts_gzip(accept):
            await self.app(scope, receive, send)
            return
        config = self.config
        wrapped = _GzipSend(send, scope, config.gzip_compress_level, config.minimum_size)
        await self.app(scope, receive, wrapped)


def compression_config() -> CompressionConfig:
    """gzip at `LEVEL` for bodies of `MINIMUM_SIZE` bytes or more, large ones off the loop."""
    return CompressionConfig(
        backend=GZIP,
        minimum_size=MINIMUM_SIZE,
        gzip_compress_level=LEVEL,
        middleware_class=OffLoopCompression,
    )
