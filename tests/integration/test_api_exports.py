"""Workbook and diagram endpoints, on both engines."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml").read_text()
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(
    not HAS_DOT and os.environ.get("CI") != "true",
    reason="Graphviz `dot` is not installed (scripts/setup.sh installs it)",
)


async def _load(client) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=EXAMPLE.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200


async def test_workbook_download(client) -> None:
    await _load(client)
    first = await client.get(
        "/api/v1/exports/article30.xlsx", params={"organisation": "sprechwerk"}
    )
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="article30-sprechwerk-ico-r1.xlsx"' in first.headers["content-disposition"]
    assert first.content[:2] == b"PK"
    again = await client.get("/api/v1/exports/article30.xlsx")  # the only organisation
    assert again.content == first.content
    cnil = await client.get("/api/v1/exports/article30.xlsx", params={"profile": "cnil"})
    assert cnil.status_code == 200 and cnil.content != first.content


async def test_workbook_bad_requests(client) -> None:
    await _load(client)
    unknown = await client.get("/api/v1/exports/article30.xlsx", params={"profile": "fr"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["path"] == "query.profile"
    missing = await client.get("/api/v1/exports/article30.xlsx", params={"organisation": "nope"})
    assert missing.status_code == 404


async def test_regulator_gets_only_its_organisations_workbook(client) -> None:
    await _load(client)
    await client.post("/api/v1/organisations", json={"key": "other", "name": "Other"})
    issued = await client.post(
        "/api/v1/tokens",
        json={"name": "bfdi", "role": "regulator", "organisations": ["sprechwerk"]},
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    own = await client.get("/api/v1/exports/article30.xlsx", headers=headers)
    assert own.status_code == 200
    other = await client.get(
        "/api/v1/exports/article30.xlsx", params={"organisation": "other"}, headers=headers
    )
    assert other.status_code == 403
    assert (
        await client.get("/api/v1/diagrams/organisation.svg", headers=headers)
    ).status_code == 403


VIEWS = {
    "organisation": {},
    "activity": {"activity": "push-notifications"},
    "category": {"category": "push_token"},
    "party": {"party": "google-fcm"},
    "transfers": {},
}
MEDIA = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz",
}
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF", "dot": b"digraph"}


async def test_dot_needs_no_renderer(client) -> None:
    await _load(client)
    response = await client.get("/api/v1/diagrams/transfers.dot")
    assert response.status_code == 200
    assert response.content.startswith(b"digraph")


@needs_dot
async def test_every_view_renders_in_every_format(client) -> None:
    await _load(client)
    for view, params in VIEWS.items():
        for fmt, media in MEDIA.items():
            response = await client.get(f"/api/v1/diagrams/{view}.{fmt}", params=params)
            assert response.status_code == 200, (view, fmt, response.text[:200])
            assert response.headers["content-type"].startswith(media)
            assert response.content.lstrip()[:8].startswith(MAGIC[fmt]), (view, fmt)


@pytest.mark.parametrize(
    ("name", "params", "status"),
    [
        ("nowhere.svg", {}, 400),
        ("organisation.gif", {}, 400),
        ("activity.svg", {}, 400),
        ("activity.svg", {"activity": "ghost"}, 404),
        ("organisation.svg", {"detail": "everything"}, 400),
        ("organisation.svg", {"max_labels": "99"}, 400),
    ],
)
async def test_diagram_bad_requests(client, name: str, params: dict, status: int) -> None:
    await _load(client)
    response = await client.get(f"/api/v1/diagrams/{name}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
