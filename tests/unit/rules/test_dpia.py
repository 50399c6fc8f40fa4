"""DPIA rules: each fires on one change to the clean registry and not on its near twin.

The clean ``push`` activity meets no WP248 criterion and records a screening (``not_required``);
its organisation is established in Germany, so the DSK's Art 35(4) list applies to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.rules.harness import Change, changed, findings, item

PUSH = "activity:push"


def add(field: str, *values: str) -> Change:
    """Append to one of the push activity's lists (categories, subjects, risk indicators)."""

    def change(data: dict[str, Any]) -> None:
        activity = item(data, "activities", "push")
        activity[field] = [*activity.get(field, []), *values]

    return change


def dpia(status: str | None) -> Change:
    """Set the push activity's DPIA status, or remove its DPIA record (``None``)."""

    def change(data: dict[str, Any]) -> None:
        activity = item(data, "activities", "push")
        if status is None:
            activity.pop("dpia", None)
        else:
            activity["dpia"] = {"status": status}

    return change


def decides(legal_effect: bool) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["automated_decisions"] = {
            "description": "Accounts that fail toll-fraud scoring are blocked from calling",
            "legal_or_similar_effect": legal_effect,
        }

    return change


def retire(data: dict[str, Any]) -> None:
    item(data, "activities", "push")["status"] = "retired"


def voiceprint_term(data: dict[str, Any]) -> None:
    """The keeper's own special-category term, added to the push activity."""
    data.setdefault("terms", []).append(
        {"key": "voiceprint", "vocabulary": "data_category", "label": "Voiceprint", "special": True}
    )
    add("data_categories", "voiceprint")(data)


def organisation(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme").update(fields)

    return change


def purposes(*kinds: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["purpose_kinds"] = list(kinds)

    return change


LOCATION_AND_RECORDING = add("data_categories", "precise_location", "call_recordings")
NO_LIST = organisation(establishment_country="NL")
"""An EU establishment whose national Art 35(4) list ropa does not hold."""
PROVIDER = organisation(communications_service={"public": True, "countries": ["DE"]})

CASES = [
    # --- DPIA-REQUIRED: an Art 35(3) case without a completed DPIA
    pytest.param(
        "DPIA-REQUIRED",
        [decides(legal_effect=True)],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-automated-decision-with-legal-effect",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("risk_indicators", "automated_decision_legal_effect"), dpia("in_progress")],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-art35-3a-indicator-in-progress",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("data_categories", "health_data"), add("risk_indicators", "large_scale")],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-large-scale-special-data",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            add("data_categories", "criminal_offence_data"),
            add("risk_indicators", "large_scale"),
            dpia("screening"),
        ],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-large-scale-criminal-data-screening",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [voiceprint_term, add("risk_indicators", "large_scale"), dpia(None)],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-keepers-special-term-large-scale",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("risk_indicators", "public_area_monitoring"), dpia(None)],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-art35-3c-indicator-no-dpia",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [decides(legal_effect=True), dpia("completed")],
        [],
        id="twin-required-dpia-completed",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [decides(legal_effect=False)],
        [],
        id="twin-required-decision-without-legal-effect",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("data_categories", "health_data")],
        [],
        id="twin-required-special-data-not-large-scale",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("risk_indicators", "large_scale"), dpia("not_assessed")],
        [],
        id="twin-required-large-scale-ordinary-data",
    ),
    # --- DPIA-LIKELY: two or more criteria, nothing assessed
    pytest.param(
        "DPIA-LIKELY",
        [LOCATION_AND_RECORDING, dpia("not_assessed")],
        [f"DPIA-LIKELY@{PUSH}"],
        id="likely-location-and-recording",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [add("risk_indicators", "location_tracking", "combining_datasets"), dpia(None)],
        [f"DPIA-LIKELY@{PUSH}"],
        id="likely-two-indicators-no-dpia",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [
            add("data_subjects", "children"),
            add("risk_indicators", "evaluation_scoring"),
            dpia("not_assessed"),
        ],
        [f"DPIA-LIKELY@{PUSH}"],
        id="likely-vulnerable-subjects-and-scoring",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [add("data_subjects", "children"), add("risk_indicators", "evaluation_scoring")],
        [],
        id="twin-likely-screening-recorded-not-required",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [LOCATION_AND_RECORDING, dpia("completed")],
        [],
        id="twin-likely-dpia-completed",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [LOCATION_AND_RECORDING, dpia("screening")],
        [],
        id="twin-likely-screening-under-way",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [add("risk_indicators", "location_tracking", "systematic_monitoring"), dpia(None)],
        [],
        id="twin-likely-two-indicators-one-criterion",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [LOCATION_AND_RECORDING, decides(legal_effect=True), dpia("not_assessed")],
        [],
        id="twin-likely-already-required",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [LOCATION_AND_RECORDING, dpia("not_assessed"), retire],
        [],
        id="twin-likely-retired-activity",
    ),
    # --- DPIA-CONSIDER: exactly one criterion, nothing assessed
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_subjects", "children"), dpia("not_assessed")],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-vulnerable-subjects",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("risk_indicators", "evaluation_scoring"), dpia(None)],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-indicator-no-dpia",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_categories", "message_content"), dpia(None)],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-communications-content",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_subjects", "children")],
        [],
        id="twin-consider-not-required",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_subjects", "customers"), dpia("not_assessed")],
        [],
        id="twin-consider-subjects-not-vulnerable",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [LOCATION_AND_RECORDING, dpia("not_assessed")],
        [],
        id="twin-consider-two-criteria",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("risk_indicators", "public_area_monitoring"), dpia("not_assessed")],
        [],
        id="twin-consider-already-required",
    ),
    # --- national Art 35(4) lists
    pytest.param(
        "DPIA-REQUIRED",
        [
            add("data_categories", "call_recordings"),
            add("risk_indicators", "recording_of_communications"),
        ],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-de-list-recording-of-communications",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            NO_LIST,
            add("data_categories", "call_recordings"),
            add("risk_indicators", "recording_of_communications"),
        ],
        [],
        id="twin-required-recording-no-national-list",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [PROVIDER, add("data_categories", "call_metadata"), add("risk_indicators", "large_scale")],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-de-list-telecom-traffic-large-scale",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("data_categories", "call_metadata"), add("risk_indicators", "large_scale")],
        [],
        id="twin-required-traffic-large-scale-not-a-provider",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            organisation(establishment_country="FR"),
            add("data_categories", "ip_geolocation"),
            add("risk_indicators", "large_scale"),
        ],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-fr-list-location-large-scale",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [NO_LIST, add("data_categories", "ip_geolocation"), add("risk_indicators", "large_scale")],
        [],
        id="twin-required-location-large-scale-no-list",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            organisation(regimes=["eu_gdpr", "uk_gdpr"]),
            add("risk_indicators", "contacts_upload_matching"),
        ],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-ico-list-data-matching-uk-regime",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [add("risk_indicators", "contacts_upload_matching")],
        [],
        id="twin-required-data-matching-eu-only",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            organisation(communications_service={"public": True, "countries": ["DE", "IE"]}),
            add("risk_indicators", "location_tracking"),
        ],
        [f"DPIA-REQUIRED@{PUSH}"],
        id="required-dpc-list-by-service-country",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [PROVIDER, add("risk_indicators", "location_tracking")],
        [],
        id="twin-required-tracking-de-only",
    ),
    pytest.param(
        "DPIA-REQUIRED",
        [
            organisation(establishment_country="FR"),
            add("data_subjects", "employees"),
            add("risk_indicators", "systematic_monitoring"),
            dpia("completed"),
        ],
        [],
        id="twin-required-fr-employee-monitoring-dpia-completed",
    ),
    # --- WP248 as the reference reads it
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_subjects", "employees"), dpia("not_assessed")],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-employees-are-vulnerable",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_subjects", "contractors"), dpia("not_assessed")],
        [],
        id="twin-consider-contractors",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_categories", "payment_card_data"), dpia(None)],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-financial-data",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_categories", "subscription_status"), dpia(None)],
        [],
        id="twin-consider-subscription-status-not-financial",
    ),
    pytest.param(
        "DPIA-CONSIDER",
        [add("data_categories", "dispatchable_location"), purposes("emergency"), dpia(None)],
        [f"DPIA-CONSIDER@{PUSH}"],
        id="consider-one-off-emergency-location",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [add("data_categories", "dispatchable_location"), purposes("emergency"), dpia(None)],
        [],
        id="twin-likely-one-off-emergency-location-is-not-tracking",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [add("data_categories", "dispatchable_location"), dpia(None)],
        [f"DPIA-LIKELY@{PUSH}"],
        id="likely-location-outside-emergencies",
    ),
    pytest.param(
        "DPIA-LIKELY",
        [
            add("data_categories", "dispatchable_location"),
            add("risk_indicators", "location_tracking"),
            purposes("emergency"),
            dpia(None),
        ],
        [f"DPIA-LIKELY@{PUSH}"],
        id="likely-emergency-purpose-with-tracking-indicator",
    ),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), CASES)
def test_rule_fires_on_its_change_only(
    rule: str, changes: list[Change], expected: list[str]
) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


@pytest.mark.parametrize(
    ("rule", "changes", "fragments"),
    [
        pytest.param(
            "DPIA-REQUIRED",
            [add("data_categories", "health_data"), add("risk_indicators", "large_scale")],
            ["Art 35(3)(b)", "Health data", "Large-scale processing", "not_required"],
            id="required",
        ),
        pytest.param(
            "DPIA-LIKELY",
            [LOCATION_AND_RECORDING, dpia(None)],
            [
                "2 WP248 criteria",
                "Systematic monitoring (Precise device location)",
                "Sensitive or highly personal data (Precise device location, Call recordings)",
                "not recorded",
            ],
            id="likely",
        ),
        pytest.param(
            "DPIA-CONSIDER",
            [add("data_subjects", "children"), dpia("not_assessed")],
            ["1 WP248 criterion", "Data concerning vulnerable data subjects (Children)"],
            id="consider",
        ),
        pytest.param(
            "DPIA-REQUIRED",
            [
                add("data_categories", "call_recordings"),
                add("risk_indicators", "recording_of_communications"),
            ],
            ["Art 35(4) list DE (DSK)", "recording_of_communications", "status not_required"],
            id="required-national-list",
        ),
    ],
)
def test_messages_list_the_criteria_by_title(
    rule: str, changes: list[Change], fragments: list[str]
) -> None:
    (finding,) = findings(changed(*changes), rule)
    for fragment in fragments:
        assert fragment in finding.message
