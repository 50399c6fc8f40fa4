"""Article 30 record items: each rule fires on one change to the clean registry, not on its twin."""

from __future__ import annotations

from typing import Any

import pytest

from ropa.rules.article30 import vague_phrases
from tests.rules.harness import Change, changed, findings, item

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
OFFERS = {"offers_goods_or_services": True}
NOT_TARGETING = {"offers_goods_or_services": False, "monitors_behaviour": False}
HOSTING = [{"label": "Cloud hosting providers", "role": "processor", "countries": ["DE"]}]
_no_dpo = _without("organisations", "acme", "dpo")


def _no_flows(data: dict[str, Any]) -> None:
    data["flows"] = []


def _traffic(data: dict[str, Any]) -> None:
    push = item(data, "activities", "push")
    push["data_categories"].append("call_metadata")
    push["retention"].append({"data_category": "call_metadata", "period": "P30D"})


def _health(data: dict[str, Any]) -> None:
    push = item(data, "activities", "push")
    push["data_categories"].append("health_data")
    push["art9_condition"] = "explicit_consent"


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
        [_org(contact={"name": "Acme Telefonie GmbH", "email": " "})],
        ["ART30-1A-CONTROLLER-CONTACT@organisation:acme"],
        id="controller-contact-name-only",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-ADDRESS",
        [_org(contact={"email": "privacy@acme.example", "phone": "+49 30 1234567"})],
        ["ART30-1A-CONTROLLER-ADDRESS@organisation:acme"],
        id="controller-contact-no-address-is-info",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-IDENTITY",
        [_org(name="Acme Phone")],
        ["ART30-1A-CONTROLLER-IDENTITY@organisation:acme/name"],
        id="controller-brand-name-only",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-IDENTITY",
        [_org(contact={"address": "Hauptstrasse 1, Berlin", "email": "privacy@hoster.example"})],
        ["ART30-1A-CONTROLLER-IDENTITY@organisation:acme/contact"],
        id="controller-contact-is-a-processors",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-IDENTITY",
        [_org(contact={"name": "Hetzner Online GmbH", "address": "Hauptstrasse 1, Berlin"})],
        ["ART30-1A-CONTROLLER-IDENTITY@organisation:acme/contact"],
        id="controller-contact-named-as-a-party",
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
        [_org(establishment_country="US", territorial_scope=OFFERS)],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-none-under-art3-2",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                establishment_country="CH",
                territorial_scope={"monitors_behaviour": True},
                eu_representative={"name": "Rep GmbH"},
            )
        ],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-name-only",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                establishment_country="US",
                territorial_scope=OFFERS,
                eu_representative={"email": "rep@eu.example"},
            )
        ],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme"],
        id="representative-contact-without-name",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(regimes=["eu_gdpr", "uk_gdpr"], territorial_scope=OFFERS)],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme/uk"],
        id="uk-regime-needs-its-own-representative",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                establishment_country="US",
                regimes=["eu_gdpr", "uk_gdpr"],
                territorial_scope=OFFERS,
                eu_representative={"name": "Rep GmbH", "email": "rep@eu.example"},
            )
        ],
        ["ART30-1A-REPRESENTATIVE-CONTACT@organisation:acme/uk"],
        id="eu-representative-does-not-serve-the-uk",
    ),
    pytest.param(
        "ART27-SCOPE-UNRECORDED",
        [_org(establishment_country="US")],
        ["ART27-SCOPE-UNRECORDED@organisation:acme"],
        id="art3-2-not-recorded-outside-eea",
    ),
    pytest.param(
        "ART27-SCOPE-UNRECORDED",
        [_org(establishment_country="US", territorial_scope={"offers_goods_or_services": False})],
        ["ART27-SCOPE-UNRECORDED@organisation:acme"],
        id="art3-2-half-recorded",
    ),
    pytest.param(
        "ART27-SCOPE-UNRECORDED",
        [_org(regimes=["uk_gdpr"])],
        ["ART27-SCOPE-UNRECORDED@organisation:acme/uk"],
        id="art3-2-not-recorded-outside-uk",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(public_authority=True)],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-public-authority",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(communications_service={"public": True}), _traffic],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-telecom-traffic-data",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _push(risk_indicators=["large_scale", "profiling_behavioural_advertising"])],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-large-scale-behavioural-advertising",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _health, _push(risk_indicators=["large_scale"])],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-large-scale-special-categories",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(staff_processing_personal_data=20)],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-bdsg-20-persons",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _push(risk_indicators=["evaluation_scoring", "combining_datasets"])],
        ["DPO-LIKELY-REQUIRED@organisation:acme"],
        id="dpo-bdsg-dpia-processing",
    ),
    pytest.param(
        "ART30-5-EXEMPTION",
        [_org(employee_band="under_250")],
        ["ART30-5-EXEMPTION@organisation:acme"],
        id="under-250-told-whether-exempt",
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
        [_without("activities", "push", "recipients"), _no_flows],
        ["ART30-1D-RECIPIENTS-MISSING@activity:push"],
        id="recipients-not-recorded-nor-shown-by-flows",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=[])],
        [
            "ART30-1D-RECIPIENT-NOT-LISTED@activity:push/fcm",
            "ART30-1D-RECIPIENT-NOT-LISTED@activity:push/hoster",
        ],
        id="explicitly-no-recipients-but-flows-deliver",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_push(security_measures=[])],
        ["ART30-1G-TOMS-MISSING@activity:push"],
        id="toms-activity-empty",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_push(security_measures=[]), _org(statements={"sharing": "We do not sell data"})],
        ["ART30-1G-TOMS-MISSING@activity:push"],
        id="toms-other-statements-only",
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
        "ART30-1A-CONTROLLER-CONTACT",
        [_org(contact={"address": "Hauptstrasse 1, 10115 Berlin", "email": " "})],
        id="address-alone-meets-art30",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-CONTACT",
        [_org(contact={"email": "privacy@acme.example"})],
        id="email-alone-meets-art30",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-ADDRESS",
        [_org(contact={"address": "Hauptstrasse 1, 10115 Berlin"})],
        id="address-given",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-ADDRESS",
        [_without("organisations", "acme", "contact")],
        id="no-contact-at-all-is-the-error-not-this",
    ),
    pytest.param(
        "ART30-1A-CONTROLLER-IDENTITY",
        [_org(name="Acme Phone", registration_number="HRB 123456 B")],
        id="brand-name-with-registration-number",
    ),
    pytest.param("ART30-1A-CONTROLLER-IDENTITY", [_org(name="Acme Phone B.V.")], id="bv"),
    pytest.param(
        "ART30-1A-CONTROLLER-IDENTITY",
        [_org(contact={"name": "Acme Telefonie GmbH", "email": "dpa@acme-hosting.example"})],
        id="contact-domain-of-no-party",
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
                territorial_scope=OFFERS,
                eu_representative={"name": "Rep GmbH", "email": "rep@eu.example"},
            )
        ],
        id="representative-complete",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="US")],
        id="art3-2-not-recorded-asks-instead",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="US", territorial_scope=NOT_TARGETING)],
        id="art3-2-does-not-apply",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                establishment_country="US",
                territorial_scope={**OFFERS, "art27_exemption": "Occasional, no Art 9/10 data"},
            )
        ],
        id="art27-2-exemption-recorded",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [
            _org(
                regimes=["eu_gdpr", "uk_gdpr"],
                territorial_scope=OFFERS,
                uk_representative={"name": "Rep Ltd", "email": "rep@uk.example"},
            )
        ],
        id="uk-representative-complete",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="GB", regimes=["uk_gdpr"], territorial_scope=OFFERS)],
        id="uk-established-uk-regime",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_org(establishment_country="NO", territorial_scope=OFFERS)],
        id="established-in-eea-not-eu",
    ),
    pytest.param(
        "ART30-1A-REPRESENTATIVE-CONTACT",
        [_without("organisations", "acme", "establishment_country")],
        id="establishment-unknown",
    ),
    pytest.param(
        "ART27-SCOPE-UNRECORDED",
        [_org(establishment_country="US", territorial_scope=NOT_TARGETING)],
        id="art3-2-recorded",
    ),
    pytest.param(
        "ART27-SCOPE-UNRECORDED",
        [_org(establishment_country="US", territorial_scope={"art27_exemption": "Public body"})],
        id="exemption-recorded",
    ),
    pytest.param("ART27-SCOPE-UNRECORDED", [_org(establishment_country="FR")], id="inside-eea"),
    pytest.param(
        "DPO-LIKELY-REQUIRED", [_org(public_authority=True)], id="public-authority-with-dpo"
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(communications_service={"public": False}), _traffic],
        id="traffic-data-of-a-non-provider",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _push(risk_indicators=["large_scale"])],
        id="large-scale-ordinary-data",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(staff_processing_personal_data=19)],
        id="bdsg-19-persons",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(staff_processing_personal_data=40, establishment_country="FR")],
        id="no-national-threshold-in-fr",
    ),
    pytest.param(
        "DPO-LIKELY-REQUIRED",
        [_no_dpo, _org(public_authority=False)],
        id="not-a-public-authority",
    ),
    pytest.param("ART30-5-EXEMPTION", [], id="250-or-more"),
    pytest.param(
        "ART30-5-EXEMPTION", [_without("organisations", "acme", "employee_band")], id="unstated"
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
        "ART30-1D-RECIPIENTS-MISSING",
        [_without("activities", "push", "recipients")],
        id="flows-show-the-recipients",
    ),
    pytest.param(
        "ART30-1D-RECIPIENTS-MISSING",
        [
            _without("activities", "push", "recipients"),
            _no_flows,
            _push(recipient_categories=HOSTING),
        ],
        id="recipients-as-categories",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_without("activities", "push", "recipients")],
        id="recipients-not-recorded",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=["hoster"])],
        id="flow-target-need-not-be-restated",
    ),
    pytest.param(
        "ART30-1D-RECIPIENT-NOT-LISTED",
        [_push(recipients=[], recipient_categories=HOSTING)],
        id="no-named-parties-but-categories",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [_record(), _push(security_measures=["Relay access by hardware key only"])],
        id="one-measure-each",
    ),
    pytest.param(
        "ART30-1G-TOMS-MISSING",
        [
            _push(security_measures=[]),
            _record(security_measures=[]),
            _org(statements={"security": "TLS 1.3 in transit, hardware keys for administrators"}),
        ],
        id="organisation-wide-security-statement-inherited",
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
        changed(_org(contact={"email": "privacy@acme.example"})), "ART30-1A-CONTROLLER-ADDRESS"
    )
    assert "no postal address" in no_address.message
    assert "Acme Telefonie GmbH" in no_address.message
    assert no_address.severity == "info"
    unlisted, _ = findings(changed(_push(recipients=[])), "ART30-1D-RECIPIENT-NOT-LISTED")
    assert "Google LLC (Firebase Cloud Messaging)" in unlisted.message
    assert "relay-to-fcm" in unlisted.message
    (dpo,) = findings(changed(_no_dpo, _org(public_authority=True)), "DPO-LIKELY-REQUIRED")
    assert "Art 37(1)(a)" in dpo.message
    (bdsg,) = findings(
        changed(_no_dpo, _org(staff_processing_personal_data=25)), "DPO-LIKELY-REQUIRED"
    )
    assert "BDSG § 38(1)" in bdsg.message
    (sme,) = findings(
        changed(_org(employee_band="under_250"), _push(occasional=True)), "ART30-5-EXEMPTION"
    )
    assert "it may apply to `push`" in sme.message
    (sme,) = findings(
        changed(_org(employee_band="under_250"), _health, _push(occasional=True)),
        "ART30-5-EXEMPTION",
    )
    assert "cannot apply to `push`" in sme.message and "Art 9 or Art 10 data" in sme.message
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
