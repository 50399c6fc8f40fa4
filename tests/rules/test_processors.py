"""Processor-side rules (Art 28, 30(2)): each fires on one change, silent on a near twin."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.harness import Change, changed, findings, item

RECORD: dict[str, Any] = {
    "key": "hosting-for-beta",
    "organisation": "acme",
    "controller": {"name": "Beta Telecom AB", "email": "privacy@beta.example"},
    "processing_categories": ["Hosting and relaying of Beta's push notifications"],
    "security_measures": ["TLS 1.3 in transit"],
    "contract": {"reference": "DPA-BETA-2026", "signed_on": "2026-01-15"},
}


def record(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["processor_records"] = [
            {k: v for k, v in ({**RECORD, **fields}).items() if v is not None}
        ]

    return change


def role(value: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["role"] = value

    return change


CASES = [
    pytest.param("PROCESSOR-RECORD-NO-CONTRACT", [record(contract=None)],
                 ["PROCESSOR-RECORD-NO-CONTRACT@processor_record:hosting-for-beta"],
                 id="no-contract"),
    pytest.param("PROCESSOR-RECORD-NO-CONTRACT", [record(contract={"reference": " "})],
                 ["PROCESSOR-RECORD-NO-CONTRACT@processor_record:hosting-for-beta"],
                 id="contract-without-reference"),
    pytest.param("PROCESSOR-RECORD-NO-CONTRACT", [record()], [], id="twin-contract"),
    pytest.param("PROCESSOR-RECORD-NO-CONTRACT", [record(contract=None, status="retired")], [],
                 id="twin-retired"),
    pytest.param("PROCESSOR-RECORD-MISSING", [role("processor")],
                 ["PROCESSOR-RECORD-MISSING@organisation:acme"], id="processor-without-record"),
    pytest.param("PROCESSOR-RECORD-MISSING", [role("both"), record(status="retired")],
                 ["PROCESSOR-RECORD-MISSING@organisation:acme"], id="both-only-retired-record"),
    pytest.param("PROCESSOR-RECORD-MISSING", [role("both"), record()], [],
                 id="twin-both-with-record"),
    pytest.param("PROCESSOR-RECORD-MISSING", [], [], id="twin-controller-only"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "changes", "expected"), CASES)
def test_rule(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected
