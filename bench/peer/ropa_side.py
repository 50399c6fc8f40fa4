"""ropa's side of the peer run: a fresh store, a dpo token, the same data, the same writes."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import time
import urllib.parse
from pathlib import Path

import msgspec

import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
from bench.peer import data
from ropa.auth.roles import Role
from ropa.domain import model as m
from ropa.render.document import dump_document
from ropa.services import build_services
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate

IMPORT_PATH = "/api/v1/registry/import?prune=false"


async def _prepare(url: str) -> str:
    services = build_services(make_engine(url))
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(services.engine)
    return await services.tokens.create("bench", Role.DPO)


def prepare(url: str) -> str:
    """Migrate the empty store at ``url``; a dpo bearer token for it."""
    return asyncio.run(_prepare(url))


def post_import(base: str, authorization: str, document: m.RegistryDocument) -> float:
    """POST the document to the import endpoint, upserting without pruning; seconds taken."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=1800)
    body = dump_document(document, "json")
    start = time.perf_counter()
    connection.request(
        "POST",
        IMPORT_PATH,
        body,
        {"Content-Type": "application/json", "Authorization": authorization},
    )
    response = connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise RuntimeError(f"ropa import answered {response.status}: {answer[:800]!r}")
    return elapsed


def load(base: str, authorization: str, n: int, batch: int) -> float:
    """The ``n`` systems in imports of ``batch`` systems each, one after the other."""
    start = time.perf_counter()
    for first in range(0, n, batch):
        post_import(base, authorization, data.ropa_document(n, first, batch))
    return time.perf_counter() - start


def upsert_lines(n: int) -> list[tuple[str, str, str]]:
    """One import body per system: the system, its 3 activities and 6 flows, each changed.

    The same change as the Fides upsert's: the system's description and its first
    declaration (here the first activity's notes) take a new value per request.
    """
    lines = []
    for i in range(n):
        part = data.ropa_part(i, n)
        part.systems[0].description = f"Synthetic system {i} rev __REV__"
        part.activities[0].notes = "rev __REV__"
        lines.append(("POST", IMPORT_PATH, msgspec.json.encode(part).decode()))
    return lines


def put_lines(n: int) -> list[tuple[str, str, str]]:
    """One PUT body per system, its description changed per request."""
    lines = []
    for i in range(n):
        system = data.ropa_part(i, n).systems[0]
        system.description = f"Synthetic system {i} rev __REV__"
        lines.append(("PUT", f"/api/v1/systems/{system.key}", msgspec.json.encode(system).decode()))
    return lines


def write_documents(folder: Path, n: int) -> dict[str, Path]:
    """The whole registry as JSON and YAML files, for `ropa validate FILE`."""
    document = data.ropa_document(n)
    paths = {}
    for fmt in ("json", "yaml"):
        path = folder / f"registry.{fmt}"
        path.write_bytes(dump_document(document, fmt))
        paths[fmt] = path
    return paths


def check_upsert(base: str, authorization: str, n: int) -> None:
    """One upsert body, sent once, must be answered 200 (wrk would only count failures)."""
    method, path, body = upsert_lines(n)[0]
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    connection.request(
        method,
        path,
        body.replace("__REV__", "check"),
        {"Content-Type": "application/json", "Authorization": authorization},
    )
    response = connection.getresponse()
    answer = response.read()
    if response.status != 200:
        raise RuntimeError(f"ropa upsert answered {response.status}: {answer[:800]!r}")
    json.loads(answer)
