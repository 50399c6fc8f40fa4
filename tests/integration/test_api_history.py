"""Audit trail, point-in-time exports and findings, and diffs, on both engines."""

from __future__ import annotations

import asyncio

from ropa.domain.model import Organisation
from tests.factories import ORG, create_all


async def test_every_change_writes_one_audit_entry_with_before_and_after(client) -> None:
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json()
    await client.put(
        "/api/v1/systems/relay", json=body | {"name": "Relay 2"}, headers={"If-Match": '"v1"'}
    )
    await client.delete("/api/v1/flows/relay-to-fcm", headers={"If-Match": "*"})
    await client.post("/api/v1/organisations", json=ORG)  # refused: no entry

    page = (await client.get("/api/v1/audit", params={"limit": 1000})).json()
    entries = page["items"][::-1]  # newest first
    assert [e["revision"] for e in entries] == list(range(1, 9))
    update = next(e for e in entries if e["action"] == "update")
    assert update["before"]["name"] == "Push relay"
    assert update["after"]["name"] == "Relay 2"
    assert update["organisation"] == "acme"
    deletion = entries[-1]
    assert deletion["action"] == "delete" and deletion["after"] is None
    relay = (await client.get("/api/v1/audit", params={"kind": "system", "key": "relay"})).json()
    assert [e["action"] for e in relay["items"]] == ["update", "create"]


async def test_import_writes_an_entry_per_entity(client) -> None:
    document = (
        "organisations:\n  - {key: o, name: O}\nsystems:\n  - {key: s, organisation: o, name: S}\n"
    )
    await client.post(
        "/api/v1/registry/import",
        content=document.encode(),
        headers={"content-type": "application/yaml"},
    )
    entries = (await client.get("/api/v1/audit")).json()["items"]
    assert {(e["kind"], e["key"], e["via"]) for e in entries} == {
        ("organisation", "o", "import"),
        ("system", "s", "import"),
    }
    assert {e["revision"] for e in entries} == {1}


async def test_point_in_time_export_is_identical_to_the_export_made_then(client) -> None:
    await create_all(client)
    then = (await client.get("/api/v1/registry")).content
    revision = int((await client.get("/health")).json()["revision"])
    body = (await client.get("/api/v1/activities/push")).json()
    await client.put(
        "/api/v1/activities/push", json=body | {"purposes": []}, headers={"If-Match": "*"}
    )
    await client.delete("/api/v1/flows/relay-to-fcm", headers={"If-Match": "*"})
    assert (await client.get("/api/v1/registry")).content != then
    past = await client.get("/api/v1/registry", params={"as_of": str(revision)})
    assert past.status_code == 200
    assert past.content == then
    assert past.headers["x-registry-revision"] == str(revision)


async def test_as_of_a_time(client) -> None:
    await client.post("/api/v1/organisations", json=ORG)
    await asyncio.sleep(0.05)
    moment = (await client.get("/api/v1/audit")).json()["items"][0]["at"]
    await asyncio.sleep(0.05)
    await client.post("/api/v1/organisations", json={"key": "later", "name": "Later"})
    past = (await client.get("/api/v1/registry", params={"as_of": moment, "format": "json"})).json()
    assert [o["key"] for o in past["organisations"]] == ["acme"]
    before_all = await client.get("/api/v1/registry", params={"as_of": "2000-01-01"})
    assert "acme" not in before_all.text


async def test_findings_as_they_stood(client) -> None:
    await create_all(client)
    revision = (await client.get("/health")).json()["revision"]
    body = (await client.get("/api/v1/activities/push")).json()
    await client.put(
        "/api/v1/activities/push", json=body | {"purposes": []}, headers={"If-Match": "*"}
    )
    now = {f["id"] for f in (await client.get("/api/v1/findings")).json()["findings"]}
    then = (await client.get("/api/v1/findings", params={"as_of": str(revision)})).json()
    assert "ART30-1B-PURPOSE-MISSING@activity:push" in now
    assert "ART30-1B-PURPOSE-MISSING@activity:push" not in {f["id"] for f in then["findings"]}
    assert then["revision"] == revision


async def test_diff_between_two_moments(client) -> None:
    await create_all(client)
    start = (await client.get("/health")).json()["revision"]
    body = (await client.get("/api/v1/systems/relay")).json()
    await client.put(
        "/api/v1/systems/relay", json=body | {"name": "Relay 2"}, headers={"If-Match": "*"}
    )
    await client.delete("/api/v1/flows/relay-to-fcm", headers={"If-Match": "*"})
    diff = (await client.get("/api/v1/registry/diff", params={"from": str(start)})).json()
    changes = {(c["collection"], c["key"], c["change"]): c for c in diff["changes"]}
    assert set(changes) == {("systems", "relay", "updated"), ("flows", "relay-to-fcm", "deleted")}
    assert changes[("systems", "relay", "updated")]["fields"] == ["name"]


async def test_bad_moments_are_400_and_future_revisions_404(client) -> None:
    bad = await client.get("/api/v1/registry", params={"as_of": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "query.as_of"
    future = await client.get("/api/v1/registry", params={"as_of": "99"})
    assert future.status_code == 404


async def test_the_audit_trail_cannot_be_altered(services) -> None:
    await services.entities.create(Organisation(key="o", name="O"))
    for statement in ("UPDATE ropa_audit SET actor = 'mallory'", "DELETE FROM ropa_audit"):
        try:
            await services.engine.run_ddl(statement)
        except Exception as error:  # either engine's error type
            assert "append-only" in str(error)
        else:
            raise AssertionError(f"{statement} was allowed")
    records = await services.repository.audit()
    assert [r.actor for r in records] == ["anonymous"]
