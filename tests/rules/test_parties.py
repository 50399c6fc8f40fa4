"""Party rules: each fires on one change to the clean registry, and stays silent on a near twin.

In the clean registry the push activity sends data to two processors with contracts: Hetzner
(hoster, listed as a recipient) and Google's FCM (fcm, a recipient and a flow target).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.harness import Change, changed, findings, item


def entry(collection: str, key: str, **fields: Any) -> Change:
    """Change one entry's fields; a field set to None is removed."""

    def change(data: dict[str, Any]) -> None:
        found = item(data, collection, key)
        for name, value in fields.items():
            if value is None:
                found.pop(name, None)
            else:
                found[name] = value

    return change


def party(key: str, role: str | None, *, receives: bool = True, **fields: Any) -> Change:
    """Add a party of Acme, with push listing it as a recipient unless ``receives`` is False."""

    def change(data: dict[str, Any]) -> None:
        added = {"key": key, "organisation": "acme", "name": key.title(), **fields}
        if role is not None:
            added["role"] = role
        data["parties"].append(added)
        if receives:
            item(data, "activities", "push")["recipients"].append(key)

    return change


def listed_joint_controller(key: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["joint_controllers"] = [key]

    return change


RETIRED = entry("activities", "push", status="retired")
DPA = {"contract": {"reference": "DPA-2026-03"}}
AUTHORISED = {"sub_processor_authorisation": "General written authorisation, DPA-2025-01 s 9"}
ARRANGEMENT = {"joint_arrangement": "JCA-2026-01"}
FLOW_DOWN = {"flow_down": "Sub-processing agreement SPA-2025-07, Art 28(3) terms"}


def on_processor_record(*sub_processors: str) -> Change:
    """A processor record of Acme (hosting for Beta) listing these sub-processors."""

    def change(data: dict[str, Any]) -> None:
        data["processor_records"] = [
            {
                "key": "hosting-for-beta",
                "organisation": "acme",
                "controller": {"name": "Beta Telecom AB", "email": "privacy@beta.example"},
                "processing_categories": ["Hosting of Beta's push relay"],
                "sub_processors": list(sub_processors),
                "security_measures": ["TLS 1.3"],
                "contract": {"reference": "DPA-BETA-2026"},
            }
        ]

    return change


ROWS = [
    # --- PROCESSOR-WITHOUT-DPA
    pytest.param("PROCESSOR-WITHOUT-DPA", (entry("parties", "hoster", contract=None),),
                 ["PROCESSOR-WITHOUT-DPA@party:hoster"], id="dpa-missing"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (entry("parties", "fcm", contract={"reference": ""}),),
                 ["PROCESSOR-WITHOUT-DPA@party:fcm"], id="dpa-blank-reference"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (party("backup", "sub_processor",
                                                 sub_processor_of="hoster", **AUTHORISED),),
                 ["PROCESSOR-WITHOUT-DPA@party:backup"], id="dpa-missing-sub-processor"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (party("crm", "processor", **DPA),), [],
                 id="twin-dpa-processor-with-contract"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (party("partner", "independent_controller"),), [],
                 id="twin-dpa-controller-needs-none"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (party("crm", "processor", receives=False),), [],
                 id="twin-dpa-processor-receives-nothing"),
    pytest.param("PROCESSOR-WITHOUT-DPA", (entry("parties", "hoster", contract=None), RETIRED),
                 [], id="twin-dpa-activity-retired"),
    # --- SUBPROCESSOR-UNAUTHORISED
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA),),
                 ["SUBPROCESSOR-UNAUTHORISED@party:backup"], id="sub-engaged-by-recipient"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA, **AUTHORISED),
                  party("tapes", "sub_processor", receives=False, sub_processor_of="backup",
                        **DPA)),
                 ["SUBPROCESSOR-UNAUTHORISED@party:tapes"], id="sub-engaged-further-down"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", **DPA),),
                 ["SUBPROCESSOR-UNAUTHORISED@party:backup"], id="sub-receiving-directly"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA, **AUTHORISED),),
                 [], id="twin-sub-authorised"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("crm", "processor", receives=False, **DPA),
                  party("backup", "sub_processor", receives=False, sub_processor_of="crm",
                        **DPA)),
                 [], id="twin-sub-engaging-party-receives-nothing"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", receives=False, **DPA),
                  on_processor_record("backup")),
                 ["SUBPROCESSOR-UNAUTHORISED@party:backup"], id="sub-on-processor-record"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED",
                 (party("backup", "sub_processor", receives=False, **DPA, **AUTHORISED),
                  on_processor_record("backup")),
                 [], id="twin-sub-on-processor-record-authorised"),
    # --- SUBPROCESSOR-NO-FLOWDOWN
    pytest.param("SUBPROCESSOR-NO-FLOWDOWN",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA, **AUTHORISED),),
                 ["SUBPROCESSOR-NO-FLOWDOWN@party:backup"], id="flowdown-missing"),
    pytest.param("SUBPROCESSOR-NO-FLOWDOWN",
                 (party("backup", "sub_processor", receives=False, **DPA, **AUTHORISED),
                  on_processor_record("backup")),
                 ["SUBPROCESSOR-NO-FLOWDOWN@party:backup"], id="flowdown-missing-on-record"),
    pytest.param("SUBPROCESSOR-NO-FLOWDOWN",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA, **AUTHORISED, **FLOW_DOWN),),
                 [], id="twin-flowdown-recorded"),
    pytest.param("SUBPROCESSOR-NO-FLOWDOWN",
                 (party("backup", "sub_processor", receives=False, sub_processor_of="hoster",
                        **DPA),
                  RETIRED),
                 [], id="twin-flowdown-chain-of-retired-activity"),
    # --- JOINT-CONTROLLER-WITHOUT-ARRANGEMENT
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT", (party("carrier", "joint_controller"),),
                 ["JOINT-CONTROLLER-WITHOUT-ARRANGEMENT@party:carrier"], id="joint-recipient"),
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT",
                 (party("carrier", "joint_controller", receives=False),
                  listed_joint_controller("carrier")),
                 ["JOINT-CONTROLLER-WITHOUT-ARRANGEMENT@party:carrier"], id="joint-listed"),
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT",
                 (party("carrier", "joint_controller", **ARRANGEMENT),
                  listed_joint_controller("carrier")),
                 [], id="twin-joint-arrangement"),
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT",
                 (party("carrier", "joint_controller", receives=False),), [],
                 id="twin-joint-not-involved"),
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT",
                 (party("carrier", "joint_controller"), listed_joint_controller("carrier"),
                  RETIRED),
                 [], id="twin-joint-activity-retired"),
    pytest.param("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT",
                 (party("partner", "independent_controller"),), [],
                 id="twin-joint-independent-controller"),
    # --- PARTY-ROLE-UNDETERMINED
    pytest.param("PARTY-ROLE-UNDETERMINED", (entry("parties", "fcm", role=None),),
                 ["PARTY-ROLE-UNDETERMINED@party:fcm"], id="role-undetermined"),
    pytest.param("PARTY-ROLE-UNDETERMINED", (party("prospect", None, receives=False),), [],
                 id="twin-role-undetermined-receives-nothing"),
    pytest.param("PARTY-ROLE-UNDETERMINED", (party("authority", "authority"),), [],
                 id="twin-role-authority"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "changes", "expected"), ROWS)
def test_rule(rule: str, changes: tuple[Change, ...], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


def message(rule: str, *changes: Change) -> str:
    (finding,) = findings(changed(*changes), rule)
    return finding.message


def test_processor_without_dpa_names_the_activity() -> None:
    assert message("PROCESSOR-WITHOUT-DPA", entry("parties", "hoster", contract=None)) == (
        "Hetzner Online GmbH, a processor, receives data in activity `push`, "
        "but no Art 28 contract is recorded"
    )


def test_subprocessor_names_the_engaging_party() -> None:
    change = party("backup", "sub_processor", receives=False, sub_processor_of="hoster", **DPA)
    assert message("SUBPROCESSOR-UNAUTHORISED", change) == (
        "Backup, a sub-processor, is engaged by Hetzner Online GmbH (party `hoster`), "
        "but no authorisation by the controller is recorded"
    )
