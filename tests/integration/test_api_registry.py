"""Registry import and export through the API, on both engines."""

from __future__ import annotations

import json

import yaml

from tests.factories import base_entities, create_all, snapshot

YAML = {"content-type": "application/yaml"}


def _document() -> dict:
    document: dict = {}
    for collection, body in base_entities():
        document.setdefault(collection, []).append(body)
    return document


async def _import(client, document: dict | str, **params) -> object:
    body = document if isinstance(document, str) else yaml.safe_dump(document)
    return await client.post(
        "/api/v1/registry/import", content=body.encode(), headers=YAML, params=params
    )


async def test_import_creates_then_reimport_changes_nothing(client) -> None:
    first = await _import(client, _document())
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["changes"]["flows"]["created"] == ["relay-to-fcm"]
    assert report["revision"] == 1
    before = await snapshot(client)
    again = (await _import(client, _document())).json()
    assert again["revision"] is None
    assert again["changes"]["activities"]["unchanged"] == 1
    assert await snapshot(client) == before


async def test_dry_run_reports_and_writes_nothing(client) -> None:
    await _import(client, _document())
    before = await snapshot(client)
    document = _document()
    document["systems"][1]["name"] = "Renamed app"
    document["flows"] = []
    document["systems"].append({"key": "db", "organisation": "acme", "name": "Database"})
    response = await _import(client, document, dry_run="true")
    report = response.json()
    assert response.status_code == 200, report
    assert report["dry_run"] is True
    assert report["changes"]["systems"]["updated"] == ["app"]
    assert report["changes"]["systems"]["created"] == ["db"]
    assert report["changes"]["flows"]["deleted"] == ["relay-to-fcm"]
    assert await snapshot(client) == before


async def test_prune_deletes_what_the_document_dropped(client) -> None:
    await _import(client, _document())
    document = _document()
    document["flows"] = []
    kept = await _import(client, document, prune="false")
    assert kept.json()["changes"]["flows"].get("deleted", []) == []
    assert (await client.get("/api/v1/flows/relay-to-fcm")).status_code == 200
    pruned = await _import(client, document)
    assert pruned.json()["changes"]["flows"]["deleted"] == ["relay-to-fcm"]
    assert (await client.get("/api/v1/flows/relay-to-fcm")).status_code == 404


async def test_prune_leaves_other_organisations_alone(client) -> None:
    await create_all(client)
    other = {"organisations": [{"key": "other", "name": "Other"}]}
    response = await _import(client, other)
    assert response.status_code == 200
    assert (await client.get("/api/v1/activities/push")).status_code == 200


async def test_one_bad_entry_changes_nothing_and_every_problem_is_listed(client) -> None:
    await _import(client, _document())
    before = await snapshot(client)
    document = _document()
    document["systems"].append({"key": "new", "organisation": "acme", "name": "New"})
    document["flows"][0]["target"] = "party:nobody"
    document["activities"][0]["data_categories"].append("shoe_size")
    response = await _import(client, document)
    assert response.status_code == 422
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"$.flows[0].target", "$.activities[0].data_categories[2]"}
    assert await snapshot(client) == before
    assert (await client.get("/api/v1/systems/new")).status_code == 404


async def test_document_may_not_move_an_entity_between_organisations(client) -> None:
    await _import(client, _document())
    response = await _import(
        client,
        {
            "organisations": [{"key": "other", "name": "Other"}],
            "systems": [{"key": "relay", "organisation": "other", "name": "Relay"}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.systems[0].organisation"


async def test_malformed_documents_are_400(client) -> None:
    before = await snapshot(client)
    for raw in ("organisations: [", "a: 1\na: 2\n", "x: &a [1]\ny: *a\n"):
        response = await _import(client, raw)
        assert response.status_code == 400, raw
        assert response.json()["errors"][0]["path"] == "$"
    assert await snapshot(client) == before


async def test_json_documents_and_json_export(client) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=json.dumps(_document()).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    exported = await client.get("/api/v1/registry", params={"format": "json"})
    assert exported.headers["content-type"].startswith("application/json")
    assert [a["key"] for a in exported.json()["activities"]] == ["push"]
    yaml_export = await client.get("/api/v1/registry", params={"organisation": "acme"})
    assert yaml_export.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(yaml_export.text)["flows"][0]["key"] == "relay-to-fcm"


async def test_export_of_unknown_organisation_is_404(client) -> None:
    response = await client.get("/api/v1/registry", params={"organisation": "ghost"})
    assert response.status_code == 404


async def test_export_is_byte_identical_across_calls(client) -> None:
    await create_all(client)
    first = await client.get("/api/v1/registry")
    second = await client.get("/api/v1/registry")
    assert first.content == second.content


async def test_import_without_prune_checks_against_the_store_it_does_not_send(client) -> None:
    """A small document that only adds or changes a few entries is judged against the store:
    references to stored entities hold, unknown ones and moves between organisations fail,
    and an unchanged entry stays as it is."""
    await _import(client, _document())
    addition = {
        "systems": [
            {"key": "db", "organisation": "acme", "name": "Database", "operator": "google"}
        ],
        "flows": [
            {
                "key": "app-to-db",
                "activity": "push",
                "source": "system:app",
                "target": "system:db",
                "data_categories": ["push_token"],
            }
        ],
    }
    added = await _import(client, addition, prune="false")
    assert added.status_code == 200, added.text
    changes = added.json()["changes"]
    assert changes["systems"]["created"] == ["db"]
    assert changes["flows"]["created"] == ["app-to-db"]
    assert (await client.get("/api/v1/flows/relay-to-fcm")).status_code == 200

    same = await _import(client, addition, prune="false")
    assert same.json()["revision"] is None
    assert same.json()["changes"]["systems"]["unchanged"] == 1

    before = await snapshot(client)
    broken = {
        "systems": [
            {"key": "db", "organisation": "acme", "name": "Database", "operator": "nobody"}
        ],
        "flows": [{**addition["flows"][0], "activity": "ghost"}],
    }
    refused = await _import(client, broken, prune="false")
    assert refused.status_code == 422
    paths = {e["path"] for e in refused.json()["errors"]}
    assert {"$.systems[0].operator", "$.flows[0].activity"} <= paths
    moved = await _import(
        client,
        {
            "organisations": [{"key": "other", "name": "Other"}],
            "systems": [{"key": "relay", "organisation": "other", "name": "Relay"}],
        },
        prune="false",
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["path"] == "$.systems[0].organisation"
    assert await snapshot(client) == before
