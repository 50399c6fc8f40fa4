"""Integrity rules: each fires on the clean registry changed once, and is silent on a twin."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.harness import Change, changed, findings, item


def _system(data: dict[str, Any]) -> None:
    data["systems"].append(
        {"key": "old-crm", "organisation": "acme", "name": "Old CRM", "type": "database"}
    )


def _used_by_a_flow(data: dict[str, Any]) -> None:
    _system(data)
    data["flows"].append(
        {
            "key": "relay-to-crm",
            "activity": "push",
            "source": "system:relay",
            "target": "system:old-crm",
            "data_categories": ["push_token"],
        }
    )


def _flow_carries(category: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "flows", "app-to-relay")["data_categories"].append(category)

    return change


def _reviewed(day: str | None) -> Change:
    def change(data: dict[str, Any]) -> None:
        activity = item(data, "activities", "push")
        if day is None:
            del activity["last_reviewed"]
        else:
            activity["last_reviewed"] = day

    return change


def _status(status: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["status"] = status

    return change


ROWS = [
    pytest.param("SYSTEM-UNUSED", [_system], ["SYSTEM-UNUSED@system:old-crm"], id="unused"),
    pytest.param("SYSTEM-UNUSED", [_used_by_a_flow], [], id="reached-by-a-flow"),
    pytest.param(
        "FLOW-CATEGORY-UNDECLARED",
        [_flow_carries("ip_address")],
        ["FLOW-CATEGORY-UNDECLARED@flow:app-to-relay/ip_address"],
        id="undeclared-category",
    ),
    pytest.param(
        "FLOW-CATEGORY-UNDECLARED",
        [_flow_carries("sip_account_credentials")],
        [],
        id="declared-category-twice",
    ),
    pytest.param(
        "FLOW-CATEGORY-UNDECLARED",
        [_flow_carries("ip_address"), _status("retired")],
        [],
        id="flow-of-retired-activity-not-judged",
    ),
    pytest.param(
        "RECORD-STALE", [_reviewed("2025-11-01")], ["RECORD-STALE@activity:push"], id="old-review"
    ),
    pytest.param("RECORD-STALE", [_reviewed(None)], ["RECORD-STALE@activity:push"], id="never"),
    pytest.param("RECORD-STALE", [_reviewed("2025-11-23")], [], id="within-twelve-months"),
    pytest.param(
        "RECORD-STALE", [_reviewed("2020-01-01"), _status("draft")], [], id="drafts-not-judged"
    ),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), ROWS)
def test_rule(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


@pytest.mark.parametrize("rule", ["RECORD-STALE", "SYSTEM-UNUSED"])
def test_stale_reviews_and_unused_systems_are_advice(rule: str) -> None:
    data = changed(_system, _reviewed("2020-01-01"))
    (finding,) = findings(data, rule)
    assert finding.severity == "info"
