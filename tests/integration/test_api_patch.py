"""PATCH with JSON Merge Patch on every kind, If-Match as for PUT, and every problem at once."""

from __future__ import annotations

import pytest

from tests.factories import create_all

MERGE = {"content-type": "application/merge-patch+json"}

# One merge patch per kind, on the entities tests.factories creates, and the field it changes.
PATCHES = [
    ("organisations", "acme", {"registration_number": "HRB 123456"}, "registration_number"),
    ("parties", "google", {"contract": {"signed_on": "2024-04-01"}}, "contract"),
    ("systems", "relay", {"hosting_country": "FR"}, "hosting_country"),
    ("activities", "push", {"owner": "Head of Mobile"}, "owner"),
    ("flows", "relay-to-fcm", {"purpose": "Wake the app"}, "purpose"),
]


@pytest.mark.parametrize(("collection", "key", "change", "field"), PATCHES)
async def test_merge_patch_changes_only_what_it_names(
    client, collection, key, change, field
) -> None:
    await create_all(client)
    before = (await client.get(f"/api/v1/{collection}/{key}")).json()
    response = await client.patch(
        f"/api/v1/{collection}/{key}", json=change, headers=MERGE | {"If-Match": '"v1"'}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"v2"'
    after = response.json()
    assert {k: v for k, v in after.items() if k != field} == {
        k: v for k, v in before.items() if k != field
    }
    if field == "contract":  # nested objects merge member by member
        assert after["contract"] == {"reference": "DPA-2024-7", "signed_on": "2024-04-01"}
    else:
        assert after[field] == change[field]
    stored = (await client.get(f"/api/v1/{collection}/{key}")).json()
    assert stored == after


async def test_patch_on_terms_and_waivers_and_null_removes(client) -> None:
    await create_all(client)
    term = {"key": "vat_id", "vocabulary": "data_category", "label": "VAT id"}
    assert (await client.post("/api/v1/terms", json=term)).status_code == 201
    changed = await client.patch(
        "/api/v1/terms/vat_id", json={"description": "Tax number"}, headers={"If-Match": "*"}
    )
    assert changed.status_code == 200 and changed.json()["description"] == "Tax number"
    removed = await client.patch(
        "/api/v1/systems/relay", json={"hosting_country": None}, headers=MERGE | {"If-Match": "*"}
    )
    assert removed.status_code == 200
    assert "hosting_country" not in removed.json()
    waiver = {"finding": "RECORD-STALE@activity:push", "reason": "Review in December"}
    created = await client.post("/api/v1/waivers", json=waiver)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    reason = await client.patch(
        f"/api/v1/waivers/{key}", json={"reason": "Review in January"}, headers={"If-Match": "*"}
    )
    assert reason.status_code == 200 and reason.json()["reason"] == "Review in January"


async def test_patch_needs_if_match_and_refuses_stale_or_malformed(client) -> None:
    await create_all(client)
    url, body = "/api/v1/systems/relay", {"name": "Relay"}
    assert (await client.patch(url, json=body, headers=MERGE)).status_code == 428
    assert (
        await client.patch(url, json=body, headers=MERGE | {"If-Match": '"v7"'})
    ).status_code == 412
    for malformed in ("v1", 'W/"v1"', "1"):
        response = await client.patch(url, json=body, headers=MERGE | {"If-Match": malformed})
        assert response.status_code == 400, malformed
        problem = response.json()
        assert 'If-Match: "v1"' in problem["detail"], problem
        assert problem["errors"][0]["path"] == "header.If-Match"
        assert "matches no version" not in problem["detail"]
    put = await client.put(url, json=(await client.get(url)).json(), headers={"If-Match": "v1"})
    assert put.status_code == 400 and 'If-Match: "v1"' in put.json()["detail"]
    assert (await client.get(url)).headers["etag"] == '"v1"'


async def test_patch_refuses_a_key_change_other_media_and_non_objects(client) -> None:
    await create_all(client)
    url = "/api/v1/systems/relay"
    key = await client.patch(url, json={"key": "other"}, headers=MERGE | {"If-Match": "*"})
    assert key.status_code == 422 and key.json()["errors"][0]["path"] == "$.key"
    text = await client.patch(
        url, content=b"name=x", headers={"content-type": "text/plain", "If-Match": "*"}
    )
    assert text.status_code == 415
    array = await client.patch(url, json=[1], headers=MERGE | {"If-Match": "*"})
    assert array.status_code == 422


async def test_patch_lists_every_problem_of_the_result(client) -> None:
    await create_all(client)
    response = await client.patch(
        "/api/v1/parties/google",
        json={"role": "Processor", "country": "XX", "contract": {"signed_on": "2024-13-01"}},
        headers=MERGE | {"If-Match": "*"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    paths = [e["path"] for e in errors]
    assert paths == ["$.role", "$.country", "$.contract.signed_on"], errors
    assert "`processor`" in errors[0]["message"] and "sub_processor" in errors[0]["message"]
    assert "unknown country `XX`" in errors[1]["message"]


async def test_a_body_gets_structural_and_semantic_problems_together(client) -> None:
    await create_all(client)
    body = {
        "key": "call-trunk-us",
        "activity": "push",
        "source": "system:relay",
        "target": "party:google",
        "data_categories": ["push_token", "shoe_size"],
        "transfer": {"destination_country": "US", "mechanism": "SCC", "since": "2026-02-30"},
        "purpse": "Calls to the US",
    }
    response = await client.post("/api/v1/flows", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [
        "$.data_categories[1]",
        "$.transfer.mechanism",
        "$.transfer.since",
        "$.purpse",
    ], errors
    messages = {e["path"]: e["message"] for e in errors}
    assert "did you mean `scc_2021`" in messages["$.transfer.mechanism"]
    assert "did you mean `purpose`?" in messages["$.purpse"]
    assert "YYYY-MM-DD" in messages["$.transfer.since"]
    unknown_org = {"key": "p2", "organisation": "acme-gmbh", "name": "", "role": "vendor"}
    response = await client.post("/api/v1/parties", json=unknown_org)
    paths = [e["path"] for e in response.json()["errors"]]
    assert paths == ["$.organisation", "$.name", "$.role"], response.json()
