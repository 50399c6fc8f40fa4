"""Findings, waivers and lineage through the API, on both engines."""

from __future__ import annotations

from pathlib import Path

import yaml

CLEAN = (Path(__file__).resolve().parents[1] / "fixtures" / "clean-registry.yaml").read_text()
ON = {"on": "2026-11-22"}


async def _load(client, text: str = CLEAN) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=text.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 200, response.text


async def test_clean_registry_has_no_findings_and_full_scores(client) -> None:
    await _load(client)
    body = (await client.get("/api/v1/findings", params=ON)).json()
    assert body["findings"] == []
    assert body["counts"] == {"error": 0, "warning": 0, "info": 0}
    assert body["waived"] == {"error": 0, "warning": 0, "info": 0}
    assert body["total"] == 0
    assert body["scores"]["activities"]["push"]["score"] == 100
    assert body["scores"]["organisations"]["acme"]["score"] == 100
    assert body["revision"] == 1


async def test_a_change_through_the_api_shows_up_in_findings(client) -> None:
    await _load(client)
    activity = (await client.get("/api/v1/activities/push")).json()
    activity["last_reviewed"] = "2024-01-01"
    activity["purposes"] = []
    put = await client.put("/api/v1/activities/push", json=activity, headers={"If-Match": '"v1"'})
    assert put.status_code == 200
    body = (await client.get("/api/v1/findings", params=ON)).json()
    ids = {f["id"] for f in body["findings"]}
    assert {"RECORD-STALE@activity:push", "ART30-1B-PURPOSE-MISSING@activity:push"} <= ids
    assert body["revision"] == 2
    assert body["scores"]["activities"]["push"]["missing"] == ["purpose"]
    only_errors = (await client.get("/api/v1/findings", params=ON | {"severity": "error"})).json()
    assert {f["severity"] for f in only_errors["findings"]} == {"error"}


async def test_waiver_created_through_the_api_hides_and_expires(client) -> None:
    data = yaml.safe_load(CLEAN)
    data["activities"][0]["last_reviewed"] = "2024-01-01"
    await _load(client, yaml.safe_dump(data))
    waiver = {
        "key": "stale-push",
        "organisation": "acme",
        "finding": "RECORD-STALE@activity:push",
        "reason": "Review planned for the December release",
        "accepted_by": "Dana Schmidt",
        "accepted_on": "2026-11-01",
        "expires_on": "2026-12-31",
    }
    assert (await client.post("/api/v1/waivers", json=waiver)).status_code == 201
    now = (await client.get("/api/v1/findings", params=ON)).json()
    (finding,) = [f for f in now["findings"] if f["rule"] == "RECORD-STALE"]
    assert finding["waived"] is True
    assert finding["waiver"]["reason"] == "Review planned for the December release"
    assert now["waived"]["warning"] + now["waived"]["info"] + now["waived"]["error"] == 1
    hidden = await client.get("/api/v1/findings", params=ON | {"include_waived": "false"})
    assert all(f["rule"] != "RECORD-STALE" for f in hidden.json()["findings"])
    later = (await client.get("/api/v1/findings", params={"on": "2027-01-15"})).json()
    (expired,) = [f for f in later["findings"] if f["rule"] == "RECORD-STALE"]
    assert expired["waived"] is False and expired["waiver"]["expired"] is True


async def test_lineage_endpoints(client) -> None:
    await _load(client)
    lineage = (await client.get("/api/v1/lineage/data-categories/push_token")).json()
    assert {r["node"] for r in lineage["reached"]} == {"system:app", "system:relay", "party:fcm"}
    impact = (await client.get("/api/v1/impact/parties/fcm")).json()
    assert impact["data_categories"] == ["push_token"]
    erasure = (await client.get("/api/v1/erasure/data-subjects/app_users")).json()
    assert {p["party"] for p in erasure["parties"]} == {"fcm", "hoster"}


async def test_unknown_query_subjects_are_404(client) -> None:
    await _load(client)
    for path in (
        "/api/v1/lineage/data-categories/shoe_size",
        "/api/v1/impact/parties/nobody",
        "/api/v1/erasure/data-subjects/martians",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_bad_filters_are_400(client) -> None:
    response = await client.get("/api/v1/findings", params={"severity": "catastrophic"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "query.severity"
