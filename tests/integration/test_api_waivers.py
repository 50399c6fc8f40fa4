"""Waivers through the API: two fields, the rest filled in, the term capped, mistakes reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from litestar.testing import AsyncTestClient

from ropa.api.app import create_app
from ropa.settings import Settings

CLEAN = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "clean-registry.yaml").read_text())
STALE = "RECORD-STALE@activity:push"
TODAY = dt.date.today()


async def _load_stale(client) -> None:
    data = yaml.safe_load(yaml.safe_dump(CLEAN))
    data["activities"][0]["last_reviewed"] = "2024-01-01"
    response = await client.post(
        "/api/v1/registry/import",
        content=yaml.safe_dump(data).encode(),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200, response.text


async def test_finding_and_reason_are_enough(client) -> None:
    await _load_stale(client)
    response = await client.post("/api/v1/waivers", json={"finding": STALE, "reason": "Q1 review"})
    assert response.status_code == 201, response.text
    waiver = response.json()
    assert waiver == {
        "key": "record-stale-activity-push",
        "organisation": "acme",
        "finding": STALE,
        "reason": "Q1 review",
        "accepted_by": "test-admin",
        "accepted_on": TODAY.isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=365)).isoformat(),
    }
    assert response.headers["location"] == "/api/v1/waivers/record-stale-activity-push"
    again = await client.post("/api/v1/waivers", json={"finding": STALE, "reason": "Again"})
    assert again.status_code == 201
    assert again.json()["key"] == "record-stale-activity-push-2"
    findings = (await client.get("/api/v1/findings")).json()["findings"]
    (stale,) = [f for f in findings if f["id"] == STALE]
    assert stale["waived"] is True


async def test_a_full_waiver_is_still_accepted_as_written(client) -> None:
    await _load_stale(client)
    full = {
        "key": "stale-push",
        "organisation": "acme",
        "finding": STALE,
        "reason": "Review planned",
        "accepted_by": "Dana Schmidt",
        "accepted_on": TODAY.isoformat(),
        "expires_on": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    response = await client.post("/api/v1/waivers", json=full)
    assert response.status_code == 201 and response.json() == full


async def test_an_expiry_beyond_the_maximum_is_refused_on_every_write(client) -> None:
    await _load_stale(client)
    latest = TODAY + dt.timedelta(days=365)
    late = {"finding": STALE, "reason": "Later", "expires_on": "2030-12-01"}
    response = await client.post("/api/v1/waivers", json=late)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["path"] == "$.expires_on"
    assert latest.isoformat() in error["message"]
    created = await client.post("/api/v1/waivers", json={"finding": STALE, "reason": "Now"})
    key = created.json()["key"]
    patched = await client.patch(
        f"/api/v1/waivers/{key}", json={"expires_on": "2030-12-01"}, headers={"If-Match": "*"}
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["path"] == "$.expires_on"
    body = created.json() | {"expires_on": "2030-12-01"}
    put = await client.put(f"/api/v1/waivers/{key}", json=body, headers={"If-Match": "*"})
    assert put.status_code == 422


async def test_the_maximum_is_a_setting(services, admin_token) -> None:
    app = create_app(Settings(database_url="unused://", waiver_max_days=30), services)
    async with AsyncTestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {admin_token}"
        await _load_stale(client)
        created = await client.post("/api/v1/waivers", json={"finding": STALE, "reason": "x"})
        assert created.json()["expires_on"] == (TODAY + dt.timedelta(days=30)).isoformat()
        too_late = (TODAY + dt.timedelta(days=31)).isoformat()
        refused = await client.post(
            "/api/v1/waivers", json={"finding": STALE, "reason": "x", "expires_on": too_late}
        )
        assert refused.status_code == 422


async def test_a_finding_of_no_entity_is_refused_with_the_id_meant(client) -> None:
    await _load_stale(client)
    response = await client.post(
        "/api/v1/waivers", json={"finding": "RECORD-STALE@activity:pusj", "reason": "x"}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["path"] == "$.finding"
    assert f"did you mean `{STALE}`?" in error["message"]


async def test_a_waiver_matching_no_finding_is_a_finding(client) -> None:
    await _load_stale(client)
    response = await client.post(
        "/api/v1/waivers", json={"finding": "RECORD-STAEL@activity:push", "reason": "typo"}
    )
    assert response.status_code == 201, response.text
    findings = (await client.get("/api/v1/findings")).json()["findings"]
    (unmatched,) = [f for f in findings if f["rule"] == "WAIVER-UNMATCHED"]
    assert unmatched["entity"] == "waiver:record-stael-activity-push"
    assert unmatched["severity"] == "warning"
    assert "did you mean `RECORD-STALE`?" in unmatched["message"]


async def test_every_problem_of_a_draft_at_once(client) -> None:
    await _load_stale(client)
    response = await client.post(
        "/api/v1/waivers",
        json={"finding": "stale", "expires_on": "31.12.2026", "acceptedby": "me"},
    )
    assert response.status_code == 422
    paths = [e["path"] for e in response.json()["errors"]]
    assert paths == ["$.finding", "$.expires_on", "$.acceptedby", "$.reason"]
    messages = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert "did you mean `accepted_by`" in messages["$.acceptedby"]
