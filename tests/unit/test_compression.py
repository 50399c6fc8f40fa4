"""The compression middleware on its own (no store): who gets gzip, which bodies, the bytes,
streamed chunks, and large bodies compressed in a worker thread rather than on the loop."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from litestar.types import Message, Receive, Scope, Send

from ropa.api import compression
from ropa.api.compression import OffLoopCompression, accepts_gzip, compressible

JSON = b'{"nodes": [' + b",".join(b'{"id": "system:s%d", "zone": "eea"}' % i for i in range(400))
JSON += b"]}"


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, deflate", False),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize(
    ("media", "yes"),
    [
        ("application/json", True),
        ("application/problem+json", True),
        ("application/ld+json", True),
        ("application/yaml", True),
        ("text/html; charset=utf-8", True),
        ("text/csv", True),
        ("text/vnd.graphviz", True),
        ("image/svg+xml", True),
        ("text/javascript", True),
        ("application/pdf", False),
        ("image/png", False),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ("application/octet-stream", False),
        ("", False),
    ],
)
def test_only_media_types_that_shrink_are_compressed(media: str, yes: bool) -> None:
    assert compressible(media) is yes


def _app(chunks: list[bytes], media: str = "application/json", status: int = 200) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", media.encode())]
        if len(chunks) == 1:
            headers.append((b"content-length", str(len(chunks[0])).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


async def _call(app: Any, accept: str | None, method: str = "GET") -> tuple[dict[str, str], bytes]:
    middleware = OffLoopCompression(app, compression.compression_config())
    headers = [(b"accept-encoding", accept.encode())] if accept is not None else []
    scope: Any = {"type": "http", "method": method, "path": "/x", "headers": headers, "state": {}}
    scope["route_handler"] = None
    sent: list[Message] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    found = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m["body"] for m in sent[1:] if m["type"] == "http.response.body")
    return found, body


async def test_a_client_that_accepts_gzip_gets_a_smaller_correct_body() -> None:
    headers, body = await _call(_app([JSON]), "gzip, deflate")
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert int(headers["content-length"]) == len(body) < len(JSON) / 4
    assert gzip.decompress(body) == JSON
    # The same body gives the same bytes: no timestamp in the gzip header.
    assert (await _call(_app([JSON]), "gzip"))[1] == body


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br"])
async def test_a_client_that_does_not_gets_the_plain_body(accept: str | None) -> None:
    headers, body = await _call(_app([JSON]), accept)
    assert "content-encoding" not in headers
    assert body == JSON and headers["content-length"] == str(len(JSON))


async def test_small_bodies_heads_and_compressed_media_go_as_they_are() -> None:
    small = b'{"status": "ok"}'
    headers, body = await _call(_app([small]), "gzip")
    assert "content-encoding" not in headers and body == small
    headers, body = await _call(_app([JSON]), "gzip", method="HEAD")
    assert "content-encoding" not in headers and body == JSON
    pdf = b"%PDF-1.4 " + JSON
    headers, body = await _call(_app([pdf], media="application/pdf"), "gzip")
    assert "content-encoding" not in headers and body == pdf
    headers, body = await _call(_app([b""], status=304), "gzip")
    assert "content-encoding" not in headers and body == b""


async def test_streamed_bodies_are_compressed_chunk_by_chunk() -> None:
    chunks = [JSON[:5000], JSON[5000:9000], JSON[9000:]]
    headers, body = await _call(_app(chunks), "gzip")
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert gzip.decompress(body) == JSON


async def test_large_bodies_are_compressed_in_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threaded: list[int] = []
    run_sync = compression.anyio.to_thread.run_sync

    async def recording(function: Any, *args: Any) -> Any:
        threaded.append(len(args[1]))
        return await run_sync(function, *args)

    monkeypatch.setattr(compression.anyio.to_thread, "run_sync", recording)
    big = JSON * (compression.OFF_LOOP_FROM // len(JSON) + 1)
    headers, body = await _call(_app([big]), "gzip")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == big and threaded == [len(big)]
    await _call(_app([JSON]), "gzip")
    assert threaded == [len(big)]  # a small body is compressed where it is
