"""Small valid registries to build tests on."""

from __future__ import annotations

from typing import Any

ORG = {"key": "acme", "name": "Acme Telecom GmbH", "establishment_country": "DE"}


def base_entities() -> list[tuple[str, dict[str, Any]]]:
    """(collection path, body) in creation order: an organisation with a tiny data flow."""
    return [
        ("organisations", ORG),
        (
            "parties",
            {
                "key": "google",
                "organisation": "acme",
                "name": "Google LLC (Firebase Cloud Messaging)",
                "role": "processor",
                "country": "US",
                "contract": {"reference": "DPA-2024-7", "signed_on": "2024-03-01"},
                "dpf": {"certified": True, "checked_on": "2026-10-01"},
            },
        ),
        (
            "systems",
            {
                "key": "relay",
                "organisation": "acme",
                "name": "Push relay",
                "type": "server",
                "hosting_country": "DE",
            },
        ),
        (
            "systems",
            {"key": "app", "organisation": "acme", "name": "Softphone app", "type": "app"},
        ),
        (
            "activities",
            {
                "key": "push",
                "organisation": "acme",
                "name": "Push notifications for incoming calls",
                "purposes": ["Wake the app for an incoming call"],
                "data_subjects": ["app_users"],
                "data_categories": ["push_token", "sip_account_credentials"],
                "lawful_bases": [{"basis": "contract"}],
                "recipients": ["google"],
                "systems": ["relay", "app"],
                "retention": [
                    {
                        "data_category": "sip_account_credentials",
                        "period": "P6D",
                        "trigger": "push instance expiry",
                    }
                ],
            },
        ),
        (
            "flows",
            {
                "key": "relay-to-fcm",
                "activity": "push",
                "source": "system:relay",
                "target": "party:google",
                "data_categories": ["push_token"],
                "transfer": {"destination_country": "US", "mechanism": "eu_us_dpf"},
            },
        ),
    ]


async def create_all(client: Any, entities: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    for collection, body in entities or base_entities():
        response = await client.post(f"/api/v1/{collection}", json=body)
        assert response.status_code == 201, response.text


async def snapshot(client: Any) -> tuple[str, str]:
    """The exported registry and its revision: equal snapshots mean nothing changed."""
    response = await client.get("/api/v1/registry?format=json")
    assert response.status_code == 200
    return response.text, response.headers["x-registry-revision"]
