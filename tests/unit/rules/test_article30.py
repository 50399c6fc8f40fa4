"""Article 30 record items: each rule fires on one change to the clean registry, not on its twin."""

from __future__ import annotations

from typing import Any

import pytest

from ropa.rules.article30 import vague_phrases
from tests.unit.rules.harness import Change, changed, findings, item

RECORD: dict[str, Any] = {
    "key": "hosting-for-beta",
    "organisation": "acme",
    "controller": {"name": "Beta Telecom AB", "email": "privacy@beta.example"},
    "processing_categories": ["Hosting and relaying of Beta's push notifications"],
    "data_subjects": ["app_users"],
    "data_categories": ["push_token"],
    "security_measures": ["TLS 1.3 in transit", "Disk encryption on the relay"],
}
"""A complete Art 30(2) processor record; ``_record`` adds it, changed in one place."""


def _org(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme").update(fields)

    return change


def _push(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push").update(fields)

    return change


def _without(collection: str, key: str, field: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        del item(data, collection, key)[field]

    return change


def _record(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["processor_records"] = [{**RECORD, **fields}]

    return change


def _partner(contact: dict[str, str] | None, **fields: Any) -> Change:
    """A joint-controller party, named nowhere until another change names it."""

    def change(data: dict[str, Any]) -> None:
        party = {
            "key": "partner",
            "organisation": "acme",
            "name": "Carrier Partner SAS",
            "role": "joint_controller",
            "country": "FR",
            "joint_arrangement": "JCA-2026-01",
        }
        if contact is not None:
            party["contact"] = contact
        data["parties"].append(party | fields)

    return change


def _partner_flow(data: dict[str, Any]) -> None:
    data["flows"].append(
        {
            "key": "relay-to-partner",
            "activity": "push",
            "source": "system:relay",
            "target": "party:partner",
            "data_categories": ["push_token"],
        }
    )


_RETIRED = _push(status="retired")
_NAME_ONLY = {"name": "Carrier Partner SAS"}

FIRES = [
    pytest.param(
        "ART30-1A-CONTROLLER-NAME",
        [_org(name="   ")],
        ["ART30-1A-CONTROLLER-NAME@organisation:acme"],
        id="controller-name-blank",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-CONTACT",
        [_without("organisations", "acme", "contact")],
        ["ART30-1A-CONTROLLER-CONTACT@organisation:acme"],
        id="controller-contact-none",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-CONTACT",
        [_org(contact={"email": "privacy@acme.example", "phone": "+49 30 1234567"})],
        ["ART30-1A-CONTROLLER-CONTACT@organisation:acme"],
        id="controller-contact-no-address",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-CONTACT",
        [_org(contact={"address": "Hauptstrasse 1, 10115 Berlin", "email": " "})],
        ["ART30-1A-CONTROLLER-CONTACT@organisation:acme"],
        id="controller-contact-no-email-or-phone",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner(_NAME_ONLY), _push(joint_controllers=["partner"])],
        ["ART30-1A-JOINT-CONTROLLER-CONTACT@party:partner"],
        id="joint-controller-listed-without-contact",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner(None), _push(recipients=["hoster", "fcm", "partner"])],
        ["ART30-1A-JOINT-CONTROLLER-CONTACT@party:partner"],
        id="joint-controller-recipient-no-contact-at-all",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner({"email": " ", "phone": ""}), _partner_flow],
        ["ART30-1A-JOINT-CONTROLLER-CONTACT@party:partner"],
        id="joint-controller-flow-target-blank-contact",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="US")],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-none-outside-eea",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="CH", eu_representative={"name": "Rep GmbH"})],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-name-only",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="US", eu_representative={"email": "rep@eu.example"})],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-contact-without-name",
    ),
    pytest.param(
        "ART30-1A-DPO-CONTACT",
        [_without("organisations", "acme", "dpo")],
        ["ART30-1A-DPO-CONTACT@organisation:acme"],
        id="dpo-designated-without-dpo",
    ),
    pytest.param(
        "ART30-1A-DPO-CONTACT",
        [_org(dpo={"name": "Dana Schmidt", "address": "Hauptstrasse 1, Berlin"})],
        ["ART30-1A-DPO-CONTACT@organisation:acme"],
        id="dpo-address-only",
    ),
    pytest.param(
        "ART30-1A-DPO-CONTACT",
        [_org(dpo_designated=False, dpo={"name": "Dana Schmidt"})],
        ["ART30-1A-DPO-CONTACT@organisation:acme"],
        id="dpo-given-not-designated-no-contact",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-MISSING",
        [_push(purposes=[])],
        ["ART30-1B-PURPOSE-MISSING@activity:push"],
        id="purpose-empty-list",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-MISSING",
        [_push(purposes=["  ", ""])],
        ["ART30-1B-PURPOSE-MISSING@activity:push"],
        id="purpose-blank-entries",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Analytics"])],
        ["ART30-1B-PURPOSE-VAGUE@activity:push/0"],
        id="purpose-analytics",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Wake the softphone app for an incoming call", "For business purposes."])],
        ["ART30-1B-PURPOSE-VAGUE@activity:push/1"],
        id="purpose-second-of-two",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["To improve our services, and for analytics"])],
        ["ART30-1B-PURPOSE-VAGUE@activity:push/0"],
        id="purpose-two-vague-phrases",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Provide our services to users"])],
        ["ART30-1B-PURPOSE-VAGUE@activity:push/0"],
        id="purpose-vague-with-little-more",
    ),
    pytest.param(
        "ART30-1C-DATA-SUBJECTS-MISSING",
        [_push(data_subjects=[])],
        ["ART30-1C-DATA-SUBJECTS-MISSING@activity:push"],
        id="data-subjects-empty",
    ),
    pytest.param(
        "ART30-1C-DATA-CATEGORIES-MISSING",
        [_push(data_categories=[])],
        ["ART30-1C-DATA-CATEGORIES-MISSING@activity:push"],
        id="data-categories-empty",
    ),
    pytest.param(
        "ART30-1D-RECIPIENTS-MISSING",
        [_without("activities", "push", "recipients")],
        ["ART30-1D-RECIPIENTS-MISSING@activity:push"],
        id="recipients-not-recorded",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=["hoster"])],
        ["ART30-1D-RECIPIENT-NOT-LISTED@activity:push/fcm"],
        id="flow-target-not-listed",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=[])],
        ["ART30-1D-RECIPIENT-NOT-LISTED@activity:push/fcm"],
        id="flow-target-with-explicitly-no-recipients",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_push(security_measures=[])],
        ["ART30-1G-TOMS-MISSING@activity:push"],
        id="toms-activity-empty",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_record(security_measures=[" "])],
        ["ART30-1G-TOMS-MISSING@processor_record:hosting-for-beta"],
        id="toms-processor-record-blank",
    ),
    pytest.param(
        "ART30-2A-CONTROLLER-CONTACT",
        [_record(controller={"name": "Beta Telecom AB"})],
        ["ART30-2A-CONTROLLER-CONTACT@processor_record:hosting-for-beta"],
        id="processor-controller-no-contact",
    ),
    pytest.param(
        "ART30-2A-CONTROLLER-CONTACT",
        [_record(controller={"name": " ", "email": "privacy@beta.example"})],
        ["ART30-2A-CONTROLLER-CONTACT@processor_record:hosting-for-beta"],
        id="processor-controller-no-name",
    ),
    pytest.param(
        "ART30-2B-PROCESSING-CATEGORIES-MISSING",
        [_record(processing_categories=[])],
        ["ART30-2B-PROCESSING-CATEGORIES-MISSING@processor_record:hosting-for-beta"],
        id="processing-categories-empty",
    ),
]

SILENT = [
    pytest.param("ART30-1A-CONTROLLER-NAME", [_org(name=" Acme ")], id="name-padded"),
    pytest.param(
        "ART30-1A-CONTROLLER-CONTACT",
        [_org(contact={"address": "Hauptstrasse 1, 10115 Berlin", "phone": "+49 30 1234567"})],
        id="address-and-phone-no-email",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner({"address": "1 rue de la Paix, Paris"}), _push(joint_controllers=["partner"])],
        id="joint-controller-address-only",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner(_NAME_ONLY)],
        id="joint-controller-named-by-no-activity",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner(_NAME_ONLY, role="independent_controller"), _push(joint_controllers=["partner"])],
        id="independent-controller-without-contact",
    ),
    pytest.param(
        "ART30-1A-JOINT-CONTROLLER-CONTACT",
        [_partner(_NAME_ONLY), _push(joint_controllers=["partner"]), _RETIRED],
        id="joint-controller-of-retired-activity",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                establishment_country="US",
                eu_representative={"name": "Rep GmbH", "email": "rep@eu.example"},
            )
        ],
        id="representative-complete",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="NO")],
        id="established-in-eea-not-eu",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_without("organisations", "acme", "establishment_country")],
        id="establishment-unknown",
    ),
    pytest.param(
        "ART30-1A-DPO-CONTACT",
        [_org(dpo={"name": "Dana Schmidt", "phone": "+49 30 1234599"})],
        id="dpo-phone-only",
    ),
    pytest.param(
        "ART30-1A-DPO-CONTACT",
        [_org(dpo_designated=False), _without("organisations", "acme", "dpo")],
        id="no-dpo-none-designated",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-MISSING",
        [_push(purposes=["", "Ring the app for incoming calls"])],
        id="one-purpose-among-blanks",
    ),
    pytest.param("ART30-1B-PURPOSE-MISSING", [_push(purposes=[]), _RETIRED], id="retired"),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Analytics of call quality to tune codec selection per network"])],
        id="vague-word-in-specific-purpose",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Improve our services by measuring dropped-call rates per carrier"])],
        id="vague-phrase-with-specific-means",
    ),
    pytest.param(
        "ART30-1B-PURPOSE-VAGUE",
        [_push(purposes=["Business-card scanning for the address book"])],
        id="word-of-a-phrase-only",
    ),
    pytest.param("ART30-1B-PURPOSE-VAGUE", [_push(purposes=["Analytics"]), _RETIRED], id="retired"),
    pytest.param(
        "ART30-1C-DATA-SUBJECTS-MISSING", [_push(data_subjects=[]), _RETIRED], id="retired"
    ),
    pytest.param(
        "ART30-1C-DATA-CATEGORIES-MISSING", [_push(data_categories=[]), _RETIRED], id="retired"
    ),
    pytest.param("ART30-1D-RECIPIENTS-MISSING", [_push(recipients=[])], id="explicitly-none"),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_without("activities", "push", "recipients")],
        id="recipients-not-recorded",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=["fcm"])],
        id="operator-of-system-without-flow-unlisted",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_record(), _push(security_measures=["Relay access by hardware key only"])],
        id="one-measure-each",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_record(security_measures=[], status="retired")],
        id="retired-processor-record",
    ),
    pytest.param(
        "ART30-2A-CONTROLLER-CONTACT",
        [_record(controller={"name": "Beta Telecom AB", "phone": "+46 8 123 456"})],
        id="controller-name-and-phone",
    ),
    pytest.param(
        "ART30-2B-PROCESSING-CATEGORIES-MISSING",
        [_record(processing_categories=["", "Storage of call recordings"])],
        id="one-category-among-blanks",
    ),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), FIRES)
def test_rule_fires(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


@pytest.mark.parametrize(("rule", "changes"), SILENT)
def test_near_twin_stays_silent(rule: str, changes: list[Change]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == []


def test_messages_name_what_was_found() -> None:
    (no_address,) = findings(
        changed(_org(contact={"email": "privacy@acme.example"})), "ART30-1A-CONTROLLER-CONTACT"
    )
    assert "no postal address" in no_address.message
    assert "Acme Telefonie GmbH" in no_address.message
    (unlisted,) = findings(changed(_push(recipients=["hoster"])), "ART30-1D-RECIPIENT-NOT-LISTED")
    assert "Google LLC (Firebase Cloud Messaging)" in unlisted.message
    assert "relay-to-fcm" in unlisted.message
    (vague,) = findings(changed(_push(purposes=["Marketing purposes"])), "ART30-1B-PURPOSE-VAGUE")
    assert '"marketing purposes"' in vague.message


@pytest.mark.parametrize(
    ("purpose", "vague"),
    [
        ("ANALYTICS!", True),
        ("Analytics, analytics and more analytics", True),
        ("As required.", True),
        ("Such other purposes as we may notify", True),
        ("For internal use only", True),
        ("Service improvement", True),
        ("To provide and improve the Service", True),
        ("Any lawful purpose", True),
        ("comply with legal obligations", True),
        ("Improve performance", True),
        ("Comply with legal obligations to locate 112 callers under TKG § 164", False),
        ("Legitimate business purposes, including marketing purposes", True),
        ("Wake the softphone app so that it can ring for an incoming call", False),
        ("Analytics of call quality to tune codec selection per network", False),
        ("Service improvement: measure push delivery latency per mobile platform", False),
        ("Paralytics", False),
    ],
)
def test_vague_phrases(purpose: str, vague: bool) -> None:
    assert bool(vague_phrases(purpose)) is vague
