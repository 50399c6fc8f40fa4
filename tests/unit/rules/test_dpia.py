"""DPIA rules: each fires on one change to the clean registry and not on its near twin.

The clean ``push`` activity meets no WP248 criterion and records a screening (``not_required``).
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


LOCATION_AND_RECORDING = add("data_categories", "precise_location", "call_recordings")

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
        [add("risk_indicators", "location_tracking", "recording_of_communications"), dpia(None)],
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
                "Sensitive or highly personal data (Call recordings)",
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
    ],
)
def test_messages_list_the_criteria_by_title(
    rule: str, changes: list[Change], fragments: list[str]
) -> None:
    (finding,) = findings(changed(*changes), rule)
    for fragment in fragments:
        assert fragment in finding.message
