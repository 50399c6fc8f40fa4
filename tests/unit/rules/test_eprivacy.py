"""ePrivacy location and traffic data: each rule fires on one change to the clean registry, not on
its twin."""

from __future__ import annotations

from typing import Any

import pytest

from ropa.domain.vocabulary import builtin
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


def _obligation(**law: str) -> dict[str, Any]:
    return {"basis": "legal_obligation", "law": law} if law else {"basis": "legal_obligation"}


_LOCATION = _processing("precise_location")
_CDRS = _processing("call_metadata")

FIRES = [
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_LOCATION],
        ["EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:push"],
        id="precise-location-on-contract",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_processing("ip_geolocation", "dispatchable_location"), _also({"basis": "public_task"})],
        ["EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:push"],
        id="two-location-categories-on-public-task",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P1Y")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="cdrs-kept-a-year",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _processing("sip_signalling"), _kept("P7M", category=None)],
        [
            "EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata",
            "EPRIVACY-TRAFFIC-RETENTION@activity:push/sip_signalling",
        ],
        id="activity-wide-rule-covers-each-traffic-category",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P30D"), _kept("P184D")],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="longest-of-two-rules",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept(None, indefinite=True)],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="cdrs-kept-indefinitely",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P2Y"), _also(_obligation())],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="legal-obligation-without-law",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P2Y"), _also(_obligation(**US_LAW))],
        ["EPRIVACY-TRAFFIC-RETENTION@activity:push/call_metadata"],
        id="legal-obligation-under-us-law",
    ),
]

SILENT = [
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_LOCATION, _also(_obligation(**DE_LAW))],
        id="location-with-legal-obligation",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_LOCATION, _also(CONSENT)],
        id="location-with-consent",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_LOCATION, _also({"basis": "vital_interests"})],
        id="location-with-vital-interests",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_CDRS, _processing("ip_address")],
        id="traffic-and-ip-are-not-location",
    ),
    pytest.param(
        "EPRIVACY-LOCATION-WITHOUT-CONSENT",
        [_LOCATION, _push(status="retired")],
        id="retired",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION", [_CDRS, _kept("P6M")], id="six-months-is-within-window"
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P1Y"), _also(CONSENT)],
        id="kept-a-year-with-consent",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P1Y"), _also(_obligation(**DE_LAW))],
        id="kept-a-year-under-de-law",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_CDRS, _kept("P3M"), _kept("P2Y", category=None)],
        id="own-rule-overrides-activity-wide",
    ),
    pytest.param(
        "EPRIVACY-TRAFFIC-RETENTION",
        [_processing("precise_location"), _kept("P2Y", category="precise_location")],
        id="long-retention-of-non-traffic-data",
    ),
    pytest.param("EPRIVACY-TRAFFIC-RETENTION", [_CDRS], id="no-retention-rule"),
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
    graph = build_graph(document(changed(_processing("cell_id"))), builtin())
    graph.categories["cell_id"] = CategoryInfo("cell_id", "Serving cell", tags=frozenset(tags))
    assert bool(evaluate(graph, ON, ["EPRIVACY-LOCATION-WITHOUT-CONSENT"])) is fires


def test_messages_name_what_was_found() -> None:
    (location,) = findings(changed(_LOCATION), "EPRIVACY-LOCATION-WITHOUT-CONSENT")
    assert "precise_location" in location.message
    (traffic,) = findings(changed(_CDRS, _kept("P1Y")), "EPRIVACY-TRAFFIC-RETENTION")
    assert "Call metadata (CDRs)" in traffic.message and "P1Y" in traffic.message
