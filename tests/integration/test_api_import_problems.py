"""An imported document's problems, structural and semantic, come in one answer, in order."""

from __future__ import annotations

DOCUMENT = b"""\
organisations:
  - key: acme
    name: Acme
    establishment_country: de
parties:
  - key: vendor
    organisation: acme
    name: Vendor Inc.
    role: Processor
systems:
  - key: relay
    organisation: acme-gmbh
    name: Relay
flows: []
activities:
  - key: push
    organisation: acme
    name: Push
    last_reviewed: '2026-02-30'
    data_categories: [push_tokn]
"""


async def test_import_lists_every_problem_in_document_order(client) -> None:
    response = await client.post(
        "/api/v1/registry/import",
        content=DOCUMENT,
        headers={"content-type": "application/yaml"},
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [
        "$.organisations[0].establishment_country",
        "$.parties[0].role",
        "$.systems[0].organisation",
        "$.activities[0].last_reviewed",
        "$.activities[0].data_categories[0]",
    ], errors
    messages = {e["path"]: e["message"] for e in errors}
    assert "did you mean `processor`?" in messages["$.parties[0].role"]
    assert "did you mean `push_token`?" in messages["$.activities[0].data_categories[0]"]
    assert "unknown organisation `acme-gmbh`" in messages["$.systems[0].organisation"]
    assert (await client.get("/health")).json()["revision"] == 0
