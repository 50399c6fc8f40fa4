"""Entity CRUD through the API, on both engines."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import ORG, base_entities, create_all, snapshot


async def test_create_get_list_replace_delete(client) -> None:
    await create_all(client)
    got = await client.get("/api/v1/activities/push")
    assert got.status_code == 200
    assert got.headers["etag"] == '"v1"'
    assert got.json()["retention"][0]["period"] == "P6D"

    body = got.json() | {"owner": "Head of Mobile"}
    replaced = await client.put("/api/v1/activities/push", json=body, headers={"If-Match": '"v1"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"v2"'
    assert (await client.get("/api/v1/activities/push")).json()["owner"] == "Head of Mobile"

    listed = await client.get("/api/v1/systems", params={"organisation": "acme"})
    assert [s["key"] for s in listed.json()["items"]] == ["app", "relay"]
    assert listed.json()["total"] == 2

    gone = await client.delete("/api/v1/flows/relay-to-fcm", headers={"If-Match": '"v1"'})
    assert gone.status_code == 204
    assert (await client.get("/api/v1/flows/relay-to-fcm")).status_code == 404


async def test_create_returns_location_and_etag(client) -> None:
    response = await client.post("/api/v1/organisations", json=ORG)
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/organisations/acme"
    assert response.headers["etag"] == '"v1"'


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("data_category", "push_token", ["push"]),
        ("data_category", "call_recordings", []),
        ("system", "relay", ["push"]),
        ("recipient", "google", ["push"]),
        ("lawful_basis", "contract", ["push"]),
        ("status", "active", ["push"]),
        ("status", "retired", []),
    ],
)
async def test_activity_filters(client, field: str, value: str, expected: list[str]) -> None:
    await create_all(client)
    response = await client.get("/api/v1/activities", params={field: value})
    assert response.status_code == 200
    assert [a["key"] for a in response.json()["items"]] == expected


async def test_flow_filters_by_node_and_destination(client) -> None:
    await create_all(client)
    by_target = await client.get("/api/v1/flows", params={"target": "party:google"})
    assert [f["key"] for f in by_target.json()["items"]] == ["relay-to-fcm"]
    by_country = await client.get("/api/v1/flows", params={"destination_country": "US"})
    assert by_country.json()["total"] == 1
    by_org = await client.get("/api/v1/flows", params={"organisation": "acme"})
    assert by_org.json()["total"] == 1


async def test_pagination_is_stable_and_complete(client) -> None:
    await client.post("/api/v1/organisations", json=ORG)
    keys = [f"sys-{i:03d}" for i in range(57)]
    for key in reversed(keys):
        body = {"key": key, "organisation": "acme", "name": key}
        assert (await client.post("/api/v1/systems", json=body)).status_code == 201
    seen: list[str] = []
    after = None
    while True:
        params = {"limit": 10} | ({"after": after} if after else {})
        page = (await client.get("/api/v1/systems", params=params)).json()
        assert page["total"] == 57
        seen += [item["key"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == keys


async def test_stale_if_match_is_412_and_changes_nothing(client) -> None:
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json()
    first = await client.put(
        "/api/v1/systems/relay", json=body | {"name": "Relay A"}, headers={"If-Match": '"v1"'}
    )
    assert first.status_code == 200
    before = await snapshot(client)
    stale = await client.put(
        "/api/v1/systems/relay", json=body | {"name": "Relay B"}, headers={"If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert "version 2" in stale.json()["detail"]
    assert await snapshot(client) == before


async def test_writes_without_if_match_are_428(client) -> None:
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json()
    assert (await client.put("/api/v1/systems/relay", json=body)).status_code == 428
    assert (await client.delete("/api/v1/systems/app")).status_code == 428


async def test_if_match_star_is_accepted_and_weak_tags_are_shown_the_strong_form(client) -> None:
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json()
    weak = await client.put("/api/v1/systems/relay", json=body, headers={"If-Match": 'W/"v1"'})
    assert weak.status_code == 400
    assert 'If-Match: "v1"' in weak.json()["detail"]
    star = await client.put("/api/v1/systems/relay", json=body, headers={"If-Match": "*"})
    assert star.headers["etag"] == '"v2"'


@pytest.mark.parametrize(
    ("collection", "body", "path", "words"),
    [
        (
            "flows",
            {"key": "f", "activity": "push", "source": "system:relay", "target": "system:nope"},
            "$.target",
            "unknown system `nope`",
        ),
        (
            "activities",
            {"key": "a", "organisation": "acme", "name": "A", "data_categories": ["shoe_size"]},
            "$.data_categories[0]",
            "unknown data category `shoe_size`",
        ),
        (
            "activities",
            {"key": "a", "organisation": "acme", "name": "A", "lawful_bases": [{"basis": "vibes"}]},
            "$.lawful_bases[0].basis",
            "unknown lawful basis",
        ),
        (
            "parties",
            {"key": "p", "organisation": "acme", "name": "P", "role": "processor", "country": "XX"},
            "$.country",
            "unknown country `XX`",
        ),
        (
            "flows",
            {
                "key": "f",
                "activity": "push",
                "source": "system:relay",
                "target": "party:google",
                "transfer": {"destination_country": "US", "mechanism": "pinky_promise"},
            },
            "$.transfer.mechanism",
            "unknown transfer mechanism",
        ),
        (
            "activities",
            {
                "key": "a",
                "organisation": "acme",
                "name": "A",
                "retention": [{"data_category": "push_token", "period": "P1D"}],
            },
            "$.retention[0].data_category",
            "not among this activity's data_categories",
        ),
        (
            "systems",
            {"key": "Bad Key!", "organisation": "acme", "name": "S"},
            "$.key",
            "a key of letters, digits",
        ),
        (
            "activities",
            {"key": "a", "organisation": "acme", "name": "A", "retention": [{"period": "6 days"}]},
            "$.retention[0].period",
            "an ISO 8601 duration",
        ),
        (
            "systems",
            {"key": "s", "organisation": "acme", "name": "S", "colour": "blue"},
            "$.colour",
            "unknown field `colour`",
        ),
        ("systems", {"key": "s", "organisation": "acme", "name": 42}, "$.name", "Expected `str`"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    client, collection: str, body: dict, path: str, words: str
) -> None:
    await create_all(client)
    before = await snapshot(client)
    response = await client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422
    assert any(e["path"] == path and words in e["message"] for e in problem["errors"]), problem
    assert await snapshot(client) == before


async def test_reference_across_organisations_is_refused(client) -> None:
    await create_all(client)
    other = {"key": "other", "name": "Other Ltd"}
    assert (await client.post("/api/v1/organisations", json=other)).status_code == 201
    body = {"key": "x", "organisation": "other", "name": "X", "systems": ["relay"]}
    response = await client.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert "belongs to organisation `acme`" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"key": "x", "key": "y", "name": "n"}', 400),
        (b'{"key": "x", "name": ', 400),
        (b"[1, 2, 3]", 422),
        (b'"just a string"', 422),
    ],
)
async def test_malformed_json_is_rejected(client, raw: bytes, status: int) -> None:
    before = await snapshot(client)
    response = await client.post(
        "/api/v1/organisations", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.json()["title"]
    assert await snapshot(client) == before


async def test_oversized_body_is_413(client) -> None:
    body = {"key": "big", "name": "x" * (2 << 20)}
    response = await client.post("/api/v1/organisations", json=body)
    assert response.status_code == 413
    assert (await client.get("/api/v1/organisations/big")).status_code == 404


async def test_duplicate_key_is_409(client) -> None:
    await client.post("/api/v1/organisations", json=ORG)
    response = await client.post("/api/v1/organisations", json=ORG)
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


async def test_deleting_a_referenced_entity_is_409_naming_referrers(client) -> None:
    await create_all(client)
    before = await snapshot(client)
    response = await client.delete("/api/v1/systems/relay", headers={"If-Match": "*"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "activity `push`" in detail and "flow `relay-to-fcm`" in detail
    assert await snapshot(client) == before


async def test_key_in_body_must_match_url(client) -> None:
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json() | {"key": "relay-2"}
    response = await client.put("/api/v1/systems/relay", json=body, headers={"If-Match": "*"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "$.key"


async def test_entity_cannot_move_between_organisations(client) -> None:
    await create_all(client)
    await client.post("/api/v1/organisations", json={"key": "other", "name": "Other"})
    body = (await client.get("/api/v1/systems/app")).json() | {"organisation": "other"}
    response = await client.put("/api/v1/systems/app", json=body, headers={"If-Match": "*"})
    assert response.status_code == 422
    assert "cannot move" in response.json()["detail"]


async def test_custom_terms_extend_vocabularies(client) -> None:
    await create_all(client)
    body = {"key": "a", "organisation": "acme", "name": "A", "data_categories": ["sip_presence"]}
    assert (await client.post("/api/v1/activities", json=body)).status_code == 422
    term = {"key": "sip_presence", "vocabulary": "data_category", "label": "SIP presence state"}
    assert (await client.post("/api/v1/terms", json=term)).status_code == 201
    assert (await client.post("/api/v1/activities", json=body)).status_code == 201
    in_use = await client.delete("/api/v1/terms/sip_presence", headers={"If-Match": "*"})
    assert in_use.status_code == 409


async def test_term_cannot_shadow_a_builtin(client) -> None:
    term = {"key": "push_token", "vocabulary": "data_category", "label": "Mine"}
    response = await client.post("/api/v1/terms", json=term)
    assert response.status_code == 422
    assert "built-in" in response.json()["detail"]


async def test_concurrent_updates_never_lose_one(client) -> None:
    """32 writers with the same If-Match: exactly one wins, the rest get 412, none a 5xx."""
    await create_all(client)
    body = (await client.get("/api/v1/systems/relay")).json()

    async def write(i: int) -> int:
        response = await client.put(
            "/api/v1/systems/relay",
            json=body | {"description": f"writer {i}"},
            headers={"If-Match": '"v1"'},
        )
        return response.status_code

    statuses = await asyncio.gather(*(write(i) for i in range(32)))
    assert sorted(set(statuses)) == [200, 412]
    assert statuses.count(200) == 1
    final = await client.get("/api/v1/systems/relay")
    assert final.headers["etag"] == '"v2"'
    winner = statuses.index(200)
    assert final.json()["description"] == f"writer {winner}"


async def test_concurrent_creates_all_land(client) -> None:
    await client.post("/api/v1/organisations", json=ORG)

    async def create(i: int) -> int:
        body = {"key": f"s{i}", "organisation": "acme", "name": f"S{i}"}
        return (await client.post("/api/v1/systems", json=body)).status_code

    statuses = await asyncio.gather(*(create(i) for i in range(32)))
    assert statuses == [201] * 32
    assert (await client.get("/api/v1/systems")).json()["total"] == 32


async def test_revision_moves_once_per_committed_change(client) -> None:
    await create_all(client)
    revision = int((await client.get("/health")).json()["revision"])
    assert revision == len(base_entities())
    await client.post("/api/v1/organisations", json=ORG)  # 409: rolled back
    assert (await client.get("/health")).json()["revision"] == revision


async def test_nul_characters_are_refused_on_every_engine(client) -> None:
    await create_all(client)
    before = await snapshot(client)
    body = {
        "key": "n",
        "organisation": "acme",
        "name": "bad\u0000name",
        "purposes": ["ok", "x\u0000"],
    }
    response = await client.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"$.name", "$.purposes[1]"}
    assert await snapshot(client) == before
