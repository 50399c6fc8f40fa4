"""GET /api/v1/map on both engines: the map agrees with the diagrams and the facts, and only
roles that may read diagrams get it."""

from __future__ import annotations

from pathlib import Path

from ropa.render.map import flow_rows

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
).read_bytes()
ON = {"on": "2026-06-01"}


async def _load(client) -> None:
    response = await client.post(
        "/api/v1/registry/import", content=EXAMPLE, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 200, response.text


async def test_map_of_the_example(client) -> None:
    await _load(client)
    response = await client.get("/api/v1/map", params=ON | {"organisation": "sprechwerk"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organisation"] == "sprechwerk"
    assert body["title"] == "Data map of Sprechwerk Telefonie GmbH"
    assert body["revision"] >= 1 and body["on"] == "2026-06-01"
    nodes = {n["id"]: n for n in body["nodes"]}
    edges = {e["id"]: e for e in flow_rows(body)}
    assert nodes["party:payment-processor"]["name"] == "Paylance Inc."
    assert edges["flow:payment-checkout"]["mechanism_title"] == "EU-US Data Privacy Framework"
    # The same revision's diagram names the same flows.
    dot = await client.get(
        "/api/v1/diagrams/organisation.dot", params=ON | {"organisation": "sprechwerk"}
    )
    assert dot.status_code == 200
    flows = {key for key in edges if key.startswith("flow:")}
    for flow in flows:
        assert flow.removeprefix("flow:") in dot.text
    again = await client.get("/api/v1/map", params=ON | {"organisation": "sprechwerk"})
    assert again.content == response.content


async def test_map_refuses_unknown_organisation_and_regulators(client) -> None:
    await _load(client)
    missing = await client.get("/api/v1/map", params={"organisation": "nobody"})
    assert missing.status_code == 404
    for role, grant in (("regulator", ["sprechwerk"]), ("architect", [])):
        issued = await client.post(
            "/api/v1/tokens", json={"name": f"map-{role}", "role": role, "organisations": grant}
        )
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        response = await client.get(
            "/api/v1/map", params={"organisation": "sprechwerk"}, headers=headers
        )
        assert response.status_code == (403 if role == "regulator" else 200), role
