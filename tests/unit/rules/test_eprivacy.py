"""ePrivacy: each rule fires on one change to the clean registry, not on its twin.

The traffic and location rules (Arts 6, 9) bind only providers of public electronic
communications services, so their rows make the clean organisation one (``_PROVIDER``); device
access (Art 5(3)) binds everyone.
"""

from __future__ import annotations

from typing import Any

import pytest

from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import CategoryInfo, build_graph
from ropa.rules import evaluate
from tests.unit.rules.harness import ON, Change, changed, document, findings, item

CONSENT = {
    "basis": "consent",
    "consent_record": "consent-log table in the relay database",
    "consent_withdrawal": "Settings > Privacy in the app",
}
DE_LAW = {"title": "Telekommunikationsgesetz", "jurisdiction": "DE", "provision": "§ 164"}
US_LAW = {"title": "47 CFR 9.16 (dispatchable location)", "jurisdiction": "US"}


def _push(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push").update(fields)

    return change


def _processing(*categories: str) -> Change:
    """The push activity also processes these data categories."""

    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["data_categories"].extend(categories)

    return change


def _also(*bases: dict[str, Any]) -> Change:
    """The push activity relies on these bases besides contract."""

    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["lawful_bases"].extend(bases)

    return change


def _kept(period: str | None, category: str | None = "call_metadata", **more: Any) -> Change:
    """A retention rule for one category (or, with ``category=None``, the whole activity)."""
    entry: dict[str, Any] = {"trigger": "end of the call", **more}
    if period is not None:
        entry["period"] = period
    if category is not None:
        entry["data_category"] = category

    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["retention"].append(dict(entry))

    return change


def _organisation(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme").update(fields)

    return change


def _service(public: bool = True, *countries: str) -> Change:
    return _organisation(communications_service={"public": public, "countries": list(countries)})


def _device(**fields: Any) -> Change:
    entry = {"description": "Advertising SDK reads the advertising ID", **fields}
    return _push(device_access=[entry])


def _obligation(**law: str) -> dict[str, Any]:
    return {"basis": "legal_obligation", "law": law} if law else {"basis": "legal_obligation"}


_PROVIDER = _service(True)
_LOCATION = _processing("precise_location")
_CDRS = _processing("call_metadata")
_SDK = (
    "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:push/advertising-sdk-reads-the-advertising-id"
)

FIRES = [
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION],
        ["EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:push"],
        id="precise-location-on-contract",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [
            _PROVIDER,
            _processing("ip_geolocation", "dispatchable_location"),
            _also({"basis": "public_task"}),
        ],
        ["EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:push"],
        id="two-location-categories-on-public-task",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P1Y")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="cdrs-kept-a-year",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _processing("sip_signalling"), _kept("P7M", category=None)],
        [
            "EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata",
            "EPRIVACY-TRAFFIC-RETENTION@activity:push/sip_signalling",
        ],
        id="activity-wide-rule-covers-each-traffic-category",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P30D"), _kept("P184D")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="longest-of-two-rules",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept(None, indefinite=True)],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="cdrs-kept-indefinitely",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P2Y"), _also(_obligation())],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="legal-obligation-without-law",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P2Y"), _also(_obligation(**US_LAW))],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="legal-obligation-under-us-law",
    ),
    # --- scope: provider status not stated
    pytest.param(
        "EPRIVACY-PROVIDER-UNSTATED",
        [_CDRS],
        ["EPRIVACY-PROVIDER-UNSTATED@organisation:acme"],
        id="traffic-data-provider-status-unstated",
    ),
    pytest.param(
        "EPRIVACY-PROVIDER-UNSTATED",
        [_LOCATION],
        ["EPRIVACY-PROVIDER-UNSTATED@organisation:acme"],
        id="location-data-provider-status-unstated",
    ),
    # --- national billing window and its exceptions
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(True, "FR"), _CDRS, _kept("P13M")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="fr-window-one-year-exceeded",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(True, "AT"), _CDRS, _kept("P4M")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="at-window-three-months-exceeded",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(True, "FR", "AT"), _CDRS, _kept("P4M")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="shortest-window-of-the-service-countries",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(True, "JP"), _organisation(establishment_country="JP"), _CDRS, _kept("P7M")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="default-window-without-national-entry",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [
            _PROVIDER,
            _CDRS,
            _kept("P1Y"),
            _also({**CONSENT, "consent_mechanism": "inferred_from_use"}),
        ],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="consent-inferred-from-use-is-no-consent",
    ),
    # --- location: the emergency override is for emergencies only
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _push(purpose_kinds=["value_added_service"])],
        ["EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:push"],
        id="value-added-service-location-without-consent",
    ),
    # --- Art 5(3): device access, for everyone
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device()],
        [_SDK],
        id="sdk-without-consent-non-provider",
    ),
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device(), _also({**CONSENT, "consent_mechanism": "pre_ticked"})],
        [_SDK],
        id="sdk-on-pre-ticked-consent",
    ),
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_PROVIDER, _device(strictly_necessary=False, consent_record=" ")],
        [_SDK],
        id="sdk-blank-consent-record-provider",
    ),
]

SILENT = [
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _also(_obligation(**DE_LAW))],
        id="location-with-legal-obligation",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _also(CONSENT)],
        id="location-with-consent",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _also({"basis": "vital_interests"})],
        id="location-with-vital-interests",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _CDRS, _processing("ip_address")],
        id="traffic-and-ip-are-not-location",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _push(status="retired")],
        id="retired",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P6M")],
        id="six-months-is-within-window",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P1Y"), _also(CONSENT)],
        id="kept-a-year-with-consent",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P1Y"), _also(_obligation(**DE_LAW))],
        id="kept-a-year-under-de-law",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P3M"), _kept("P2Y", category=None)],
        id="own-rule-overrides-activity-wide",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _processing("precise_location"), _kept("P2Y", category="precise_location")],
        id="long-retention-of-non-traffic-data",
    ),
    pytest.param("EPRIVACY-TRAFFIC-RETENTION", [_PROVIDER, _CDRS], id="no-retention-rule"),
    # --- scope
    pytest.param("EPRIVACY-PROVIDER-UNSTATED", [_CDRS, _PROVIDER], id="provider-stated"),
    pytest.param("EPRIVACY-PROVIDER-UNSTATED", [_CDRS, _service(False)], id="non-provider-stated"),
    pytest.param("EPRIVACY-PROVIDER-UNSTATED", [], id="no-traffic-or-location-data"),
    pytest.param("EPRIVACY-LOCATION-WITHOUT-CONSENT", [_LOCATION], id="location-provider-unstated"),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_service(False), _LOCATION],
        id="location-app-maker-not-provider",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_PROVIDER, _LOCATION, _push(purpose_kinds=["emergency"])],
        id="emergency-override-art-10b",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION", [_CDRS, _kept("P1Y")], id="traffic-provider-unstated"
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(False), _CDRS, _kept("P1Y")],
        id="traffic-non-provider",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_service(True, "FR"), _CDRS, _kept("P11M")],
        id="fr-window-one-year-kept",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P2Y", legal_source="TKG § 176 (court order)")],
        id="retention-legal-source-honoured",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_PROVIDER, _CDRS, _kept("P2Y"), _push(purpose_kinds=["fraud_detection"])],
        id="fraud-detection-art-6-5",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [
            _service(True, "GB"),
            _organisation(establishment_country="GB", regimes=["uk_gdpr"]),
            _CDRS,
            _kept("P1Y"),
            _also(_obligation(title="Investigatory Powers Act 2016", jurisdiction="GB")),
        ],
        id="uk-provider-under-uk-law",
    ),
    # --- Art 5(3)
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device(strictly_necessary=True)],
        id="strictly-necessary-access",
    ),
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device(consent_record="CMP log, consent string per device")],
        id="access-with-its-own-consent-record",
    ),
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device(), _also({**CONSENT, "consent_mechanism": "opt_in"})],
        id="access-on-opt-in-consent-basis",
    ),
    pytest.param(
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT",
        [_device(), _push(status="retired")],
        id="device-access-retired",
    ),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), FIRES)
def test_rule_fires(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


@pytest.mark.parametrize(("rule", "changes"), SILENT)
def test_near_twin_stays_silent(rule: str, changes: list[Change]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == []


@pytest.mark.parametrize(
    ("tags", "fires"), [({"location", "traffic"}, False), ({"location"}, True)]
)
def test_location_that_is_traffic_data_is_left_to_the_traffic_rule(
    tags: set[str], fires: bool
) -> None:
    """Location carried in traffic data falls under ePD Art 6, not Art 9 (no built-in term is
    both, so the keeper's term gets its tags here)."""
    graph = build_graph(document(changed(_PROVIDER, _processing("cell_id"))), builtin())
    graph.categories["cell_id"] = CategoryInfo("cell_id", "Serving cell", tags=frozenset(tags))
    assert bool(evaluate(derive(graph, ON), ["EPRIVACY-LOCATION-WITHOUT-CONSENT"])) is fires


def test_messages_name_what_was_found() -> None:
    (location,) = findings(changed(_PROVIDER, _LOCATION), "EPRIVACY-LOCATION-WITHOUT-CONSENT")
    assert "precise_location" in location.message
    (traffic,) = findings(changed(_PROVIDER, _CDRS, _kept("P1Y")), "EPRIVACY-TRAFFIC-RETENTION")
    assert "Call metadata (CDRs)" in traffic.message and "P1Y" in traffic.message
    assert "the DE billing window of P6M" in traffic.message
    (fallback,) = findings(
        changed(_PROVIDER, _organisation(establishment_country="JP"), _CDRS, _kept("P1Y")),
        "EPRIVACY-TRAFFIC-RETENTION",
    )
    assert "the default billing window" in fallback.message
    (device,) = findings(changed(_device()), "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT")
    assert "Advertising SDK reads the advertising ID" in device.message
