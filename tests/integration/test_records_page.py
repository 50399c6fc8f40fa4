"""Regulators' access to the record: the index of what a token may download, the editions it
may have, and the PDF beside the workbook."""

from __future__ import annotations

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
