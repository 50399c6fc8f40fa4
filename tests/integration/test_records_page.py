"""Regulators' access to the record: the index of what a token may download, the editions it
may have, the PDF beside the workbook, and the records page that offers them."""

from __future__ import annotations

import re
from pathlib import Path

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml").read_text()


async def _load(client) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=EXAMPLE.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200


async def _regulator(client, organisations: list[str]) -> dict[str, str]:
    issued = await client.post(
        "/api/v1/tokens",
        json={"name": "cnil", "role": "regulator", "organisations": organisations},
    )
    return {"Authorization": f"Bearer {issued.json()['token']}"}


async def test_regulator_gets_the_regulator_edition_only(client) -> None:
    await _load(client)
    headers = await _regulator(client, ["sprechwerk"])
    own = await client.get("/api/v1/exports/article30.xlsx", headers=headers)
    assert own.status_code == 200
    explicit = await client.get(
        "/api/v1/exports/article30.xlsx", params={"edition": "regulator"}, headers=headers
    )
    assert explicit.content == own.content
    internal = await client.get(
        "/api/v1/exports/article30.xlsx", params={"edition": "internal"}, headers=headers
    )
    assert internal.status_code == 403
    dpo_internal = await client.get(
        "/api/v1/exports/article30.xlsx", params={"edition": "internal"}
    )
    assert dpo_internal.status_code == 200 and dpo_internal.content != own.content
    assert "-internal-" in dpo_internal.headers["content-disposition"]
    bad = await client.get("/api/v1/exports/article30.xlsx", params={"edition": "draft"})
    assert bad.status_code == 400


async def test_record_pdf_in_every_profile(client) -> None:
    await _load(client)
    headers = await _regulator(client, ["sprechwerk"])
    for profile in ("ico", "cnil", "de"):
        first = await client.get(
            "/api/v1/exports/article30.pdf", params={"profile": profile}, headers=headers
        )
        assert first.status_code == 200, profile
        assert first.headers["content-type"].startswith("application/pdf")
        assert first.content.startswith(b"%PDF-")
        again = await client.get(
            "/api/v1/exports/article30.pdf", params={"profile": profile}, headers=headers
        )
        assert again.content == first.content


async def test_index_lists_granted_organisations_only(client) -> None:
    await _load(client)
    await client.post("/api/v1/organisations", json={"key": "other", "name": "Other Org"})
    headers = await _regulator(client, ["sprechwerk", "ghost"])
    index = await client.get("/api/v1/exports/records", headers=headers)
    assert index.status_code == 200
    body = index.json()
    assert [o["key"] for o in body["organisations"]] == ["sprechwerk"]  # not other, not ghost
    assert {p["name"] for p in body["profiles"]} >= {"ico", "cnil", "de"}
    assert body["editions"] == ["regulator"]
    other = await client.get(
        "/api/v1/exports/article30.pdf", params={"organisation": "other"}, headers=headers
    )
    assert other.status_code == 403
    assert "Other Org" not in other.text
    ghost = await client.get(
        "/api/v1/exports/article30.pdf", params={"organisation": "ghost"}, headers=headers
    )
    assert ghost.status_code == 404
    assert "other" not in ghost.text
    everything = (await client.get("/api/v1/exports/records")).json()
    assert {o["key"] for o in everything["organisations"]} == {"sprechwerk", "other"}
    assert everything["editions"] == ["regulator", "internal"]


async def test_the_records_page_is_served_without_a_token_under_the_strict_policy(
    anonymous,
) -> None:
    """The page needs no token (it asks for one) and runs no inline script: every script and
    style it loads is a file the service serves, under the viewer's content security policy."""
    page = await anonymous.get("/records/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert page.headers["x-frame-options"] == "DENY"
    html = page.text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(
        "src=" in attributes and not body.strip() for attributes, body in scripts
    )
    assert not re.search(r"\son[a-z]+\s*=", html)  # no event-handler attributes
    assets = re.findall(r'(?:src|href)="(\.\./viewer/[^"]+)"', html)
    assert {"../viewer/js/records.js", "../viewer/records.css"} <= set(assets)
    for asset in [*assets, "../viewer/records-text.json", "../viewer/js/api.js"]:
        served = await anonymous.get(asset.replace("..", "", 1))
        assert served.status_code == 200, asset
    bare = await anonymous.get("/records", follow_redirects=False)
    assert bare.status_code == 308 and bare.headers["location"] == "/records/"
