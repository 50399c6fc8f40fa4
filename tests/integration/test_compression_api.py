"""gzip on the running API, both engines: the map to a client that accepts it, the plain body
to one that does not; files that are compressed already, and entity tags, as they were."""

from __future__ import annotations

import gzip
from pathlib import Path

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
).read_bytes()
MAP = ("/api/v1/map", {"organisation": "sprechwerk", "on": "2026-06-01"})


async def _load(client) -> None:
    response = await client.post(
        "/api/v1/registry/import", content=EXAMPLE, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 200, response.text


async def _raw(client, path: str, params: dict[str, str], accept: str):
    """The response and its body as sent, before the client decodes any content coding."""
    headers = {"Accept-Encoding": accept}
    async with client.stream("GET", path, params=params, headers=headers) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, raw


async def test_the_map_is_gzipped_for_a_client_that_accepts_it(client) -> None:
    await _load(client)
    plain, plain_raw = await _raw(client, *MAP, "identity")
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain_raw.startswith(b"{") and int(plain.headers["content-length"]) == len(plain_raw)
    zipped, zipped_raw = await _raw(client, *MAP, "gzip, deflate")
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert int(zipped.headers["content-length"]) == len(zipped_raw) < len(plain_raw) / 3
    assert gzip.decompress(zipped_raw) == plain_raw
    assert zipped.headers["content-type"] == plain.headers["content-type"]
    again = await client.get(MAP[0], params=MAP[1])  # httpx decodes what it asked for
    assert again.content == plain_raw


async def test_files_compressed_already_and_entity_tags_are_left_as_they_are(client) -> None:
    await _load(client)
    pdf, pdf_raw = await _raw(
        client, "/api/v1/exports/article30.pdf", {"organisation": "sprechwerk"}, "gzip"
    )
    assert pdf.status_code == 200 and "content-encoding" not in pdf.headers
    assert pdf_raw.startswith(b"%PDF-")
    path = "/api/v1/activities/push-notifications"
    plain, _ = await _raw(client, path, {}, "identity")
    zipped, zipped_raw = await _raw(client, path, {}, "gzip")
    assert zipped.headers.get("content-encoding") == "gzip", len(zipped_raw)
    assert zipped.headers["etag"] == plain.headers["etag"]
    # The ETag read from a gzipped answer is the one a write needs.
    body = (await client.get(path)).json()
    body["name"] += " (reviewed)"
    written = await client.put(path, json=body, headers={"If-Match": zipped.headers["etag"]})
    assert written.status_code == 200, written.text
