"""Authentication and the role matrix, endpoint by endpoint, on both engines."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from ropa.auth.roles import MATRIX, Permission, Role
from tests.factories import base_entities, create_all


def _endpoints(app: Litestar) -> list[tuple[str, str, Permission | None]]:
    """(method, concrete path, permission) for every route of the app."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            # An organisation's own documents (its notice) are asked of the organisation the
            # regulator holds: outside its grant the answer is 403 whatever the permission.
            probe = "acme" if route.path.endswith(("/notice", "/notice-check")) else "probe"
            path = re.sub(r"\{(\w+):\w+\}", probe, route.path)
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                found.append((method, path, handler.opt.get("permission")))
    return sorted(set(found))


def _is_public(path: str) -> bool:
    pages = ("/schema", "/static", "/viewer", "/records")
    return path in ("/health", "/") or path.startswith(pages)


async def test_every_endpoint_declares_a_permission(anonymous) -> None:
    endpoints = _endpoints(anonymous.app)
    assert len(endpoints) > 45
    undeclared = [(m, p) for m, p, perm in endpoints if perm is None and not _is_public(p)]
    assert undeclared == []


async def test_role_matrix_endpoint_by_endpoint(anonymous, admin_token: str) -> None:
    admin = {"Authorization": f"Bearer {admin_token}"}
    for collection, body in base_entities():
        await anonymous.post(f"/api/v1/{collection}", json=body, headers=admin)
    tokens = {}
    for role in Role:
        grant = ["acme"] if role == "regulator" else []
        issued = await anonymous.post(
            "/api/v1/tokens",
            json={"name": f"matrix-{role}", "role": role, "organisations": grant},
            headers=admin,
        )
        tokens[role] = issued.json()["token"]
    checked = 0
    for method, path, permission in _endpoints(anonymous.app):
        if _is_public(path):
            continue
        response = await anonymous.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"].startswith("Bearer")
        for role, token in tokens.items():
            response = await anonymous.request(
                method, path, headers={"Authorization": f"Bearer {token}"}
            )
            allowed = permission in MATRIX[role]
            if allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
            checked += 1
    assert checked > 45 * len(Role)


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ropa_not-a-real-token", "Basic dXNlcjpwYXNz", "bearer  "]
)
async def test_bad_credentials_are_401(anonymous, header: str) -> None:
    response = await anonymous.get("/api/v1/activities", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_health_and_docs_need_no_token(anonymous) -> None:
    assert (await anonymous.get("/health")).status_code == 200
    assert (await anonymous.get("/schema/openapi.json")).status_code == 200


async def test_revoked_token_is_refused(client) -> None:
    issued = await client.post("/api/v1/tokens", json={"name": "alice", "role": "dpo"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/activities", headers=headers)).status_code == 200
    listed = (await client.get("/api/v1/tokens")).json()
    assert "token" not in listed[0] and {t["name"] for t in listed} >= {"alice"}
    assert (await client.delete("/api/v1/tokens/alice")).status_code == 204
    assert (await client.get("/api/v1/activities", headers=headers)).status_code == 401


async def test_writes_are_audited_under_the_token_name(client) -> None:
    issued = (await client.post("/api/v1/tokens", json={"name": "bob", "role": "dpo"})).json()
    await client.post(
        "/api/v1/organisations",
        json={"key": "o", "name": "O"},
        headers={"Authorization": f"Bearer {issued['token']}"},
    )
    entry = (await client.get("/api/v1/audit")).json()["items"][-1]
    assert entry["actor"] == "bob (dpo)"


async def test_regulator_sees_only_granted_organisations(client) -> None:
    await create_all(client)
    await client.post("/api/v1/organisations", json={"key": "other", "name": "Other"})
    issued = await client.post(
        "/api/v1/tokens", json={"name": "cnil", "role": "regulator", "organisations": ["acme"]}
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    own = await client.get("/api/v1/findings", headers=headers)
    assert own.status_code == 200
    assert {f["organisation"] for f in own.json()["findings"]} <= {"acme"}
    assert set(own.json()["scores"]["organisations"]) == {"acme"}
    other = await client.get("/api/v1/findings", params={"organisation": "other"}, headers=headers)
    assert other.status_code == 403
    assert (await client.get("/api/v1/activities", headers=headers)).status_code == 403


async def test_regulator_token_needs_an_organisation(client) -> None:
    response = await client.post("/api/v1/tokens", json={"name": "x", "role": "regulator"})
    assert response.status_code == 422
    duplicate = await client.post("/api/v1/tokens", json={"name": "test-admin", "role": "dpo"})
    assert duplicate.status_code == 409


async def test_tokens_are_stored_only_as_hashes(client, services) -> None:
    token = (await client.post("/api/v1/tokens", json={"name": "h", "role": "architect"})).json()
    rows = await services.engine.run_ddl("SELECT token_hash FROM ropa_token", in_pool=False)
    assert all(token["token"] not in str(row) for row in rows)
    assert any(len(row["token_hash"]) == 64 for row in rows)
