"""A DPO's day against the API, in seven calls, on both engines.

Starting from the example registry: see what is open, add a US vendor and its flow under the
2021 SCCs, see what the new flow needs, fix it with one merge patch, waive what must wait, and
see the result. The README's "A day's work" section shows the same calls.
"""

from __future__ import annotations

from ropa.api.examples import EXAMPLE_REGISTRY

VENDOR = {
    "key": "transcribe-us",
    "organisation": "sprechwerk",
    "name": "Transcribe Cloud Inc.",
    "role": "processor",
    "country": "US",
    "contract": {"reference": "DPA-2026-031", "signed_on": "2026-11-20"},
}
FLOW = {
    "key": "recording-to-transcribe",
    "activity": "call-recording",
    "source": "system:recording-store",
    "target": "party:transcribe-us",
    "data_categories": ["call_recordings"],
    "purpose": "Transcribe recorded calls for the customer's quality review",
    "transfer": {"destination_country": "US", "mechanism": "scc_2021", "scc_module": 2},
}


async def test_a_dpo_day_in_seven_calls(client) -> None:
    loaded = await client.post(
        "/api/v1/registry/import",
        content=EXAMPLE_REGISTRY.read_bytes(),
        headers={"content-type": "application/yaml"},
    )
    assert loaded.status_code == 200
    calls = 0

    async def call(method: str, url: str, **kwargs):
        nonlocal calls
        calls += 1
        return await client.request(method, url, **kwargs)

    # 1. What is open this morning.
    morning = (await call("GET", "/api/v1/findings", params={"organisation": "sprechwerk"})).json()
    open_before = {f["id"] for f in morning["findings"] if not f["waived"]}
    assert "RECORD-STALE@activity:app-analytics" in open_before
    # 2. and 3. The new vendor and its flow, one call each.
    assert (await call("POST", "/api/v1/parties", json=VENDOR)).status_code == 201
    flow = await call("POST", "/api/v1/flows", json=FLOW)
    assert flow.status_code == 201, flow.text
    # 4. What the new flow needs.
    noon = (await call("GET", "/api/v1/findings", params={"organisation": "sprechwerk"})).json()
    new = {f["id"] for f in noon["findings"]} - {f["id"] for f in morning["findings"]}
    assert "TRANSFER-TIA-MISSING@flow:recording-to-transcribe" in new
    # 5. Fix it: the transfer impact assessment, one merge patch.
    fixed = await call(
        "PATCH",
        "/api/v1/flows/recording-to-transcribe",
        json={"transfer": {"tia_reference": "TIA-2026-07"}},
        headers={"If-Match": flow.headers["etag"], "content-type": "application/merge-patch+json"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["transfer"]["mechanism"] == "scc_2021"
    # 6. Waive what must wait: a finding id and a reason.
    waiver = await call(
        "POST",
        "/api/v1/waivers",
        json={
            "finding": "RECORD-STALE@activity:app-analytics",
            "reason": "Review booked with the analytics vendor for January",
        },
    )
    assert waiver.status_code == 201, waiver.text
    # 7. The evening's findings.
    evening = (await call("GET", "/api/v1/findings", params={"organisation": "sprechwerk"})).json()
    ids = {f["id"]: f for f in evening["findings"]}
    assert "TRANSFER-TIA-MISSING@flow:recording-to-transcribe" not in ids
    assert ids["RECORD-STALE@activity:app-analytics"]["waived"] is True
    assert (
        evening["waived"]["info"] + evening["waived"]["warning"] + evening["waived"]["error"] == 1
    )
    assert sum(evening["counts"].values()) == sum(morning["counts"].values()) - 1 + len(
        {i for i in new if i in ids}
    )
    assert calls <= 8
