"""Malformed and hostile input gets a 4xx problem and leaves the store unchanged, on both engines.

One test per request of the kind an attacker (or a broken client) sends: bodies that are not
UTF-8, YAML keys that cannot be keys, nesting deeper than the stated limit, moments at the edge
of the calendar, integers beyond any id, NUL characters in query parameters, over-long filters,
loose booleans, and error messages that would name organisations a token may not read.
"""

from __future__ import annotations

from typing import Any

import pytest

from ropa.auth.roles import Role
from ropa.input.limits import MAX_DEPTH
from tests.factories import create_all, snapshot

PROBLEM = "application/problem+json"
EARLIEST = "0001-01-01T00:00:00+14:00"
LATEST = "9999-12-31T23:59:59-14:00"


def assert_problem(response: Any, status: int | tuple[int, ...]) -> dict[str, Any]:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


async def _import(client: Any, body: bytes, media_type: str) -> Any:
    return await client.post(
        "/api/v1/registry/import", content=body, headers={"content-type": media_type}
    )


NOT_UTF8 = [
    (b"\xff", "application/yaml"),
    (b"\xff", "application/json"),
    ('{"ropa": "1", "organisations": []}'.encode("utf-16"), "application/json"),
    ('ropa: "1"\norganisations: []\n'.encode("utf-16"), "application/yaml"),
    (b'organisations:\n  - {key: o, name: "\xc3\x28"}\n', "application/yaml"),
]


@pytest.mark.parametrize(("body", "media_type"), NOT_UTF8)
async def test_an_import_that_is_not_utf8_is_a_400(client, body: bytes, media_type: str) -> None:
    await create_all(client)
    before = await snapshot(client)
    problem = assert_problem(await _import(client, body, media_type), 400)
    assert "UTF-8" in problem["detail"]
    assert await snapshot(client) == before


@pytest.mark.parametrize(
    "text",
    [
        "? [a, b]\n: 1\n",
        "? {a: 1}\n: 1\n",
        "organisations:\n  - ? [key]\n    : o\n",
        "ropa: '1'\norganisations: []\n? [x]\n: y\n",
    ],
)
async def test_a_yaml_complex_key_is_a_400(client, text: str) -> None:
    await create_all(client)
    before = await snapshot(client)
    problem = assert_problem(await _import(client, text.encode(), "application/yaml"), 400)
    assert "key" in problem["detail"]
    assert await snapshot(client) == before


DEEP = [
    ("[" * 990 + "]" * 990, "application/json"),
    ('{"a":' * 5000 + "1" + "}" * 5000, "application/json"),
    ("[" * 500 + "]" * 500, "application/yaml"),
    ("".join(f"{'  ' * i}a:\n" for i in range(500)) + f"{'  ' * 500}b: 1\n", "application/yaml"),
    ("".join(f"{'  ' * i}-\n" for i in range(300)) + f"{'  ' * 300}- 1\n", "application/yaml"),
]


@pytest.mark.parametrize(("text", "media_type"), DEEP)
async def test_nesting_deeper_than_the_limit_is_a_400_that_states_it(
    client, text: str, media_type: str
) -> None:
    await create_all(client)
    before = await snapshot(client)
    problem = assert_problem(await _import(client, text.encode(), media_type), 400)
    assert f"{MAX_DEPTH} levels" in problem["detail"]
    assert await snapshot(client) == before


async def test_an_entity_body_nested_too_deep_is_a_400(client) -> None:
    before = await snapshot(client)
    for body in ("[" * 990 + "]" * 990, '{"key":' * 3000 + '"x"' + "}" * 3000):
        response = await client.post(
            "/api/v1/organisations", content=body, headers={"content-type": "application/json"}
        )
        assert f"{MAX_DEPTH} levels" in assert_problem(response, 400)["detail"]
    assert await snapshot(client) == before


async def test_strings_full_of_brackets_are_not_nesting(client) -> None:
    name = "[" * 200 + '{"\\"' + "]" * 3
    response = await client.post("/api/v1/organisations", json={"key": "brackets", "name": name})
    assert response.status_code == 201, response.text
    document = f'{{"ropa": "1", "organisations": [{{"key": "b2", "name": {name!r}}}]}}'
    document = document.replace("'", '"').replace('"[', '"[')
    yaml_document = f"ropa: '1'\norganisations:\n  - key: b3\n    name: '{'[' * 200}'\n"
    imported = await _import(client, yaml_document.encode(), "application/yaml")
    assert imported.status_code == 200, imported.text


MOMENT_ROUTES = [
    ("/api/v1/registry", "as_of", {}),
    ("/api/v1/findings", "as_of", {}),
    ("/api/v1/exports/article30.xlsx", "as_of", {"organisation": "acme"}),
    ("/api/v1/registry/diff", "from", {}),
    ("/api/v1/registry/diff", "to", {"from": "1"}),
    ("/api/v1/audit", "since", {}),
    ("/api/v1/audit", "until", {}),
    ("/api/v1/diagrams/organisation.dot", "as_of", {}),
]


async def test_moments_at_the_edge_of_the_calendar(client) -> None:
    await create_all(client)
    before = await snapshot(client)
    for path, name, extra in MOMENT_ROUTES:
        for moment in (EARLIEST, LATEST, "0001-01-01", "9999-12-31"):
            response = await client.get(path, params={name: moment, **extra})
            if response.status_code >= 400:
                # before the first change, the organisation did not exist yet
                assert_problem(response, 404)
                assert moment.startswith("0001"), (path, name, moment)
            if moment.startswith("9999") and name != "since":
                assert response.status_code == 200, (path, name, moment, response.text)
    assert await snapshot(client) == before


async def test_the_earliest_and_latest_moments_mean_before_anything_and_now(client) -> None:
    await create_all(client)
    early = (await client.get("/api/v1/registry", params={"as_of": EARLIEST})).headers
    late = (await client.get("/api/v1/registry", params={"as_of": LATEST})).headers
    now = (await client.get("/api/v1/registry")).headers
    assert early["x-registry-revision"] == "0"
    assert late["x-registry-revision"] == now["x-registry-revision"]
    audit = (await client.get("/api/v1/audit", params={"since": EARLIEST, "until": LATEST})).json()
    assert len(audit["items"]) == 6


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("/api/v1/audit", {"after": "999999999999999999999999999999"}, "query.after"),
        ("/api/v1/audit", {"after": "2147483648"}, "query.after"),
        ("/api/v1/audit", {"limit": "99999999999999999999"}, "query.limit"),
        ("/api/v1/activities", {"limit": "99999999999999999999"}, "query.limit"),
        ("/api/v1/diagrams/organisation.dot", {"max_labels": "1" * 40}, "query.max_labels"),
        ("/api/v1/audit", {"until": "0.5"}, "query.until"),
        ("/api/v1/audit", {"since": "1"}, "query.since"),
        ("/api/v1/audit", {"since": "true"}, "query.since"),
        ("/api/v1/registry", {"as_of": "1" * 30}, "query.as_of"),
        ("/api/v1/registry", {"as_of": "0.5"}, "query.as_of"),
    ],
)
async def test_numbers_out_of_range_or_of_the_wrong_kind_are_a_400_naming_the_parameter(
    client, path: str, params: dict[str, str], where: str
) -> None:
    await create_all(client)
    before = await snapshot(client)
    problem = assert_problem(await client.get(path, params=params), 400)
    assert [e["path"] for e in problem["errors"]] == [where], problem
    assert await snapshot(client) == before


NUL = "a\x00b"


NUL_PARAMETERS = [
    ("/api/v1/activities", "organisation"),
    ("/api/v1/activities", "data_category"),
    ("/api/v1/activities", "after"),
    ("/api/v1/flows", "source"),
    ("/api/v1/audit", "kind"),
    ("/api/v1/audit", "key"),
    ("/api/v1/audit", "actor"),
    ("/api/v1/audit", "since"),
    ("/api/v1/registry/diff", "from"),
    ("/api/v1/registry", "organisation"),
    ("/api/v1/registry", "as_of"),
    ("/api/v1/findings", "organisation"),
    ("/api/v1/findings", "rule"),
    ("/api/v1/exports/article30.xlsx", "organisation"),
    ("/api/v1/exports/article30.xlsx", "profile"),
    ("/api/v1/lineage/data-categories/push_token", "organisation"),
]


async def test_a_nul_in_a_query_parameter_is_a_400_naming_it(client) -> None:
    await create_all(client)
    before = await snapshot(client)
    for path, name in NUL_PARAMETERS:
        problem = assert_problem(await client.get(path, params={name: NUL}), 400)
        assert [e["path"] for e in problem["errors"]] == [f"query.{name}"], problem
        assert "NUL" in problem["detail"]
    assert await snapshot(client) == before


async def test_a_nul_in_a_path_parameter_is_a_400(client) -> None:
    problem = assert_problem(await client.get("/api/v1/lineage/data-categories/a%00b"), 400)
    assert [e["path"] for e in problem["errors"]] == ["path.category"], problem


async def test_an_over_long_filter_is_a_400_naming_the_query_parameter(client) -> None:
    problem = assert_problem(
        await client.get("/api/v1/activities", params={"data_subject": "x" * 201}), 400
    )
    assert [e["path"] for e in problem["errors"]] == ["query.data_subject"], problem


@pytest.mark.parametrize("loose", [0, 1, "true", "false", "", None, 0.0])
async def test_a_boolean_is_only_true_or_false(client, loose: object) -> None:
    before = await snapshot(client)
    term = {"key": "t1", "vocabulary": "data_category", "label": "T", "criminal": loose}
    problem = assert_problem(await client.post("/api/v1/terms", json=term), 422)
    assert [e["path"] for e in problem["errors"]] == ["$.criminal"], problem
    assert await snapshot(client) == before


async def test_an_integer_is_not_a_boolean_on_replace_either(client) -> None:
    term = {"key": "t1", "vocabulary": "data_category", "label": "T", "criminal": True}
    assert (await client.post("/api/v1/terms", json=term)).status_code == 201
    before = await snapshot(client)
    response = await client.put(
        "/api/v1/terms/t1", json=term | {"criminal": 1}, headers={"If-Match": "*"}
    )
    assert_problem(response, 422)
    assert await snapshot(client) == before


async def test_a_regulator_learns_no_organisation_key_from_an_error(client) -> None:
    await create_all(client)
    await client.post("/api/v1/organisations", json={"key": "secret-org", "name": "Secret"})
    token = (
        await client.post(
            "/api/v1/tokens",
            json={"name": "cnil", "role": Role.REGULATOR, "organisations": ["ghost"]},
        )
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for path in (
        "/api/v1/exports/article30.xlsx",
        "/api/v1/exports/article30.xlsx?organisation=ghost",
        "/api/v1/findings?organisation=ghost",
        "/api/v1/findings?organisation=acme",
        "/api/v1/exports/article30.xlsx?organisation=acme",
        "/api/v1/exports/article30.xlsx?organisation=ghost&as_of=1",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code < 500, response.text
        assert "acme" not in response.text or "organisation=acme" in path
        assert "secret-org" not in response.text
