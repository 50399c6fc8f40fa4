"""The audit trail newest first with paging, terms shown with their vocabulary, and the diff
as JSON Patch per entity; on both engines."""

from __future__ import annotations

from tests.factories import create_all


async def test_audit_is_newest_first_and_pages_back(client) -> None:
    await create_all(client)  # six entries
    everything = (await client.get("/api/v1/audit")).json()
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6
    assert everything["next_before"] is None
    first = await client.get("/api/v1/audit", params={"limit": 4})
    page = first.json()
    assert [e["id"] for e in page["items"]] == ids[:4]
    assert page["next_before"] == ids[3]
    link = first.headers["link"]
    assert f"before={ids[3]}" in link and "limit=4" in link and 'rel="next"' in link
    rest = (await client.get("/api/v1/audit", params={"limit": 4, "before": ids[3]})).json()
    assert [e["id"] for e in rest["items"]] == ids[4:]
    assert rest["next_before"] is None
    newer = (await client.get("/api/v1/audit", params={"after": ids[2]})).json()
    assert [e["id"] for e in newer["items"]] == ids[:2]


async def test_a_term_entry_shows_its_vocabulary(client) -> None:
    term = {"key": "vat_id", "vocabulary": "data_category", "label": "VAT identification number"}
    assert (await client.post("/api/v1/terms", json=term)).status_code == 201
    (entry,) = (await client.get("/api/v1/audit")).json()["items"]
    assert entry["kind"] == "term" and entry["vocabulary"] == "data_category"
    assert "organisation" not in entry
    await create_all(client)
    latest = (await client.get("/api/v1/audit")).json()["items"][0]
    assert latest["organisation"] == "acme" and "vocabulary" not in latest


async def test_diff_gives_json_patch_per_updated_entity(client) -> None:
    await create_all(client)
    start = (await client.get("/health")).json()["revision"]
    headers = {"If-Match": "*", "content-type": "application/merge-patch+json"}
    await client.patch(
        "/api/v1/flows/relay-to-fcm",
        json={"transfer": {"mechanism": "scc_2021", "scc_module": 2}, "purpose": "Wake the app"},
        headers=headers,
    )
    await client.patch("/api/v1/systems/relay", json={"hosting_country": None}, headers=headers)
    await client.delete("/api/v1/systems/app", headers={"If-Match": "*"})  # refused: in use
    await client.post("/api/v1/systems", json={"key": "db", "organisation": "acme", "name": "DB"})
    diff = (await client.get("/api/v1/registry/diff", params={"from": str(start)})).json()
    changes = {(c["collection"], c["key"]): c for c in diff["changes"]}
    flow = changes[("flows", "relay-to-fcm")]
    assert flow["change"] == "updated"
    assert flow["patch"] == [
        {"op": "add", "path": "/purpose", "value": "Wake the app"},
        {"op": "replace", "path": "/transfer/mechanism", "value": "scc_2021"},
        {"op": "add", "path": "/transfer/scc_module", "value": 2},
    ]
    assert "before" not in flow and "after" not in flow
    relay = changes[("systems", "relay")]
    assert relay["patch"] == [{"op": "remove", "path": "/hosting_country"}]
    created = changes[("systems", "db")]
    assert created["change"] == "created" and created["after"]["name"] == "DB"
    assert "patch" not in created
