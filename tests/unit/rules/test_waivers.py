"""Waiver rules: a waiver that names no current finding is itself a finding."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.rules.harness import Change, changed, findings, item


def _waiver(finding: str, organisation: str = "acme", key: str = "w1") -> Change:
    def change(data: dict[str, Any]) -> None:
        data.setdefault("waivers", []).append(
            {
                "key": key,
                "organisation": organisation,
                "finding": finding,
                "reason": "Accepted until the next review",
                "accepted_by": "Dana Schmidt",
                "accepted_on": "2026-11-01",
                "expires_on": "2027-03-31",
            }
        )

    return change


def _stale(data: dict[str, Any]) -> None:
    item(data, "activities", "push")["last_reviewed"] = "2024-01-01"


def _other_organisation(data: dict[str, Any]) -> None:
    data["organisations"].append({"key": "other", "name": "Other GmbH"})


ROWS = [
    pytest.param(
        "WAIVER-UNMATCHED",
        [_stale, _waiver("RECORD-STALE@activity:push")],
        [],
        id="matches-a-current-finding",
    ),
    pytest.param(
        "WAIVER-UNMATCHED",
        [_stale, _waiver("RECORD-STALE@activity:pusj")],
        ["WAIVER-UNMATCHED@waiver:w1"],
        id="mistyped-entity",
    ),
    pytest.param(
        "WAIVER-UNMATCHED",
        [_waiver("RECORD-STALE@activity:push")],
        ["WAIVER-UNMATCHED@waiver:w1"],
        id="finding-fixed-since",
    ),
    pytest.param(
        "WAIVER-UNMATCHED",
        [_waiver("RECORD-STAEL@activity:push")],
        ["WAIVER-UNMATCHED@waiver:w1"],
        id="unknown-rule",
    ),
    pytest.param(
        "WAIVER-UNMATCHED",
        [_stale, _other_organisation, _waiver("RECORD-STALE@activity:push", "other")],
        ["WAIVER-UNMATCHED@waiver:w1"],
        id="kept-by-another-organisation",
    ),
    pytest.param("WAIVER-UNMATCHED", [], [], id="no-waivers"),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), ROWS)
def test_rule(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


def test_messages_suggest_the_id_meant() -> None:
    typo = findings(changed(_stale, _waiver("RECORD-STALE@activity:pusj")), "WAIVER-UNMATCHED")
    assert "did you mean `RECORD-STALE@activity:push`?" in typo[0].message
    rule = findings(changed(_waiver("RECORD-STAEL@activity:push")), "WAIVER-UNMATCHED")
    assert "did you mean `RECORD-STALE`?" in rule[0].message
    assert typo[0].severity == "warning" and typo[0].organisation == "acme"


def test_an_unmatched_waiver_is_reported_with_every_rule() -> None:
    ids = [f.id for f in findings(changed(_waiver("RECORD-STALE@activity:push")))]
    assert ids == ["WAIVER-UNMATCHED@waiver:w1"]
