"""The findings report's counts agree with its items; an unknown organisation is a 404."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

CLEAN = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "clean-registry.yaml").read_text())
ON = {"on": "2026-11-22"}


async def _load(client, data) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=yaml.safe_dump(data).encode(),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200, response.text


def _agree(report) -> None:
    items = report["findings"]
    open_ = Counter(f["severity"] for f in items if not f["waived"])
    waived = Counter(f["severity"] for f in items if f["waived"])
    assert report["counts"] == {s: open_.get(s, 0) for s in ("error", "warning", "info")}
    assert report["waived"] == {s: waived.get(s, 0) for s in ("error", "warning", "info")}
    assert report["total"] == len(items)
    assert sum(report["counts"].values()) + sum(report["waived"].values()) == len(items)


async def test_counts_equal_the_items_with_waived_ones_apart(client) -> None:
    data = yaml.safe_load(yaml.safe_dump(CLEAN))
    push = data["activities"][0]
    push["last_reviewed"] = "2024-01-01"
    push["purposes"] = []
    data["organisations"][0]["contact"] = {"name": "Acme"}
    await _load(client, data)
    before = (await client.get("/api/v1/findings", params=ON)).json()
    _agree(before)
    errors = [f for f in before["findings"] if f["severity"] == "error"]
    assert len(errors) >= 2
    waived_id = errors[0]["id"]
    waiver = {"finding": waived_id, "reason": "Contact details follow with the new office"}
    assert (await client.post("/api/v1/waivers", json=waiver)).status_code == 201
    after = (await client.get("/api/v1/findings", params=ON)).json()
    _agree(after)
    assert after["waived"]["error"] == 1
    assert after["counts"]["error"] == before["counts"]["error"] - 1
    assert after["total"] == before["total"]
    for query in ({"severity": "error"}, {"include_waived": "false"}, {"organisation": "acme"}):
        _agree((await client.get("/api/v1/findings", params=ON | query)).json())
    hidden = (await client.get("/api/v1/findings", params=ON | {"include_waived": "false"})).json()
    assert hidden["waived"] == {"error": 0, "warning": 0, "info": 0}


async def test_an_unknown_organisation_is_a_404_naming_no_other(client) -> None:
    await _load(client, CLEAN)
    response = await client.get("/api/v1/findings", params={"organisation": "nope"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nope" in response.text and "acme" not in response.text


async def test_a_regulator_asking_for_an_unknown_organisation_learns_no_other(client) -> None:
    await _load(client, CLEAN)
    issued = await client.post(
        "/api/v1/tokens", json={"name": "cnil", "role": "regulator", "organisations": ["acme"]}
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    response = await client.get(
        "/api/v1/findings", params={"organisation": "nope"}, headers=headers
    )
    assert response.status_code in (403, 404)
    assert "acme" not in response.text
    own = (await client.get("/api/v1/findings", headers=headers | {}, params=ON)).json()
    _agree(own)
