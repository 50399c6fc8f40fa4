"""Lawful basis, Art 9 and Art 10: each rule fires on one change to the clean registry, not on its
twin."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.rules.harness import Change, changed, findings, item

CONSENT = {
    "basis": "consent",
    "consent_record": "consent-log table in the relay database",
    "consent_withdrawal": "Settings > Privacy in the app",
}
LI = {
    "basis": "legitimate_interests",
    "interest": "Detecting abuse of the push relay",
    "lia_reference": "LIA-2026-03",
}
DE_LAW = {"title": "Telekommunikationsgesetz", "jurisdiction": "DE", "provision": "§ 164"}
US_LAW = {"title": "47 CFR 9.16 (dispatchable location)", "jurisdiction": "US"}
HEALTH_LAW = {"title": "Sozialgesetzbuch V", "jurisdiction": "DE"}


def _push(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push").update(fields)

    return change


def _bases(*entries: dict[str, Any]) -> Change:
    return _push(lawful_bases=list(entries))


def _processing(*categories: str) -> Change:
    """The push activity also processes these data categories."""

    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push")["data_categories"].extend(categories)

    return change


def _term(key: str, **flags: bool) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["terms"] = [{"key": key, "vocabulary": "data_category", "label": key.title(), **flags}]

    return change


def _consent(**fields: str) -> dict[str, Any]:
    return {**CONSENT, **fields}


def _li(**fields: str) -> dict[str, Any]:
    return {**LI, **fields}


def _obligation(basis: str = "legal_obligation", **law: str) -> dict[str, Any]:
    return {"basis": basis, "law": law} if law else {"basis": basis}


def _regimes(*regimes: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["regimes"] = list(regimes)

    return change


def _public_authority(flag: bool) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["public_authority"] = flag

    return change


def _decides(**fields: Any) -> Change:
    return _push(
        automated_decisions={
            "description": "Accounts that fail toll-fraud scoring are blocked from calling",
            "legal_or_similar_effect": True,
            **fields,
        }
    )


UK_LAW = {"title": "Communications Act 2003", "jurisdiction": "GB", "provision": "s. 45"}
SAFEGUARDS = "Agent review on request; the customer can contest the block by phone"
_UK = _regimes("uk_gdpr")
_BOTH = _regimes("eu_gdpr", "uk_gdpr")
_RETIRED = _push(status="retired")
_CONTRACT = {"basis": "contract"}

FIRES = [
    pytest.param(
        "LI-PUBLIC-AUTHORITY",
        [_public_authority(True), _bases(_CONTRACT, _li())],
        ["LI-PUBLIC-AUTHORITY@activity:push"],
        id="public-authority-on-li",
    ),
    pytest.param(
        "LAWFUL-BASIS-MISSING",
        [_bases()],
        ["LAWFUL-BASIS-MISSING@activity:push"],
        id="no-basis",
    ),
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [_bases(_consent(consent_record=""))],
        ["CONSENT-WITHOUT-RECORD@activity:push"],
        id="consent-without-record",
    ),
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [_bases(_consent(consent_record="  ")), _push(art9_condition="explicit_consent")],
        ["CONSENT-WITHOUT-RECORD@activity:push"],
        id="consent-and-explicit-consent-one-finding",
    ),
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [_processing("health_data"), _push(art9_condition="explicit_consent")],
        ["CONSENT-WITHOUT-RECORD@activity:push/explicit_consent"],
        id="explicit-consent-with-contract-basis",
    ),
    pytest.param(
        "CONSENT-NO-WITHDRAWAL",
        [_bases(_consent(consent_withdrawal=" "))],
        ["CONSENT-NO-WITHDRAWAL@activity:push"],
        id="consent-without-withdrawal",
    ),
    pytest.param(
        "LI-WITHOUT-LIA",
        [_bases(_CONTRACT, _li(lia_reference=""))],
        ["LI-WITHOUT-LIA@activity:push"],
        id="li-without-lia",
    ),
    pytest.param(
        "LI-INTEREST-UNSTATED",
        [_bases(_li(interest="   "))],
        ["LI-INTEREST-UNSTATED@activity:push"],
        id="li-interest-blank",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-LAW-UNCITED",
        [_bases(_obligation())],
        ["LEGAL-OBLIGATION-LAW-UNCITED@activity:push/legal_obligation"],
        id="legal-obligation-no-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-LAW-UNCITED",
        [_bases(_obligation(**DE_LAW), _obligation("public_task", title=" ", jurisdiction="DE"))],
        ["LEGAL-OBLIGATION-LAW-UNCITED@activity:push/public_task"],
        id="public-task-law-untitled",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_bases(_obligation(**US_LAW))],
        ["LEGAL-OBLIGATION-NON-EU-LAW@activity:push/legal_obligation"],
        id="legal-obligation-us-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_bases(_obligation("public_task", title="Data Protection Act 2018", jurisdiction="GB"))],
        ["LEGAL-OBLIGATION-NON-EU-LAW@activity:push/public_task"],
        id="public-task-uk-law",
    ),
    pytest.param(
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
        [_processing("health_data")],
        ["SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION@activity:push"],
        id="health-data-no-condition",
    ),
    pytest.param(
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
        [_term("union_dues", special=True), _processing("union_dues")],
        ["SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION@activity:push"],
        id="keepers-special-term-no-condition",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [_processing("health_data"), _push(art9_condition="health_social_care")],
        ["ART9-CONDITION-LAW-UNCITED@activity:push"],
        id="health-care-condition-no-law",
    ),
    pytest.param(
        "ART9-CONDITION-WITHOUT-SPECIAL-DATA",
        [_push(art9_condition="explicit_consent")],
        ["ART9-CONDITION-WITHOUT-SPECIAL-DATA@activity:push"],
        id="condition-without-special-data",
    ),
    pytest.param(
        "CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION",
        [_processing("criminal_offence_data")],
        ["CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION@activity:push"],
        id="criminal-data-no-authority",
    ),
    pytest.param(
        "CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION",
        [_term("fraud_convictions", criminal=True), _processing("fraud_convictions")],
        ["CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION@activity:push"],
        id="keepers-criminal-term-no-authority",
    ),
    # --- Art 9(2)(a) stands on its own; invalid consent mechanisms
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [
            _processing("health_data"),
            _push(art9_condition="explicit_consent", art9_consent_record=" "),
        ],
        ["CONSENT-WITHOUT-RECORD@activity:push/explicit_consent"],
        id="explicit-consent-blank-own-record-contract-basis",
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM",
        [_bases(_consent(consent_mechanism="inferred_from_use"))],
        ["CONSENT-INVALID-MECHANISM@activity:push"],
        id="consent-inferred-from-use",
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM",
        [_bases(_CONTRACT, _consent(consent_mechanism="bundled_with_terms"))],
        ["CONSENT-INVALID-MECHANISM@activity:push"],
        id="consent-bundled-with-terms",
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM",
        [_bases(_consent(consent_mechanism="pre_ticked"))],
        ["CONSENT-INVALID-MECHANISM@activity:push"],
        id="consent-pre-ticked",
    ),
    # --- Art 6(3) and the regimes
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_UK, _bases(_obligation(**US_LAW))],
        ["LEGAL-OBLIGATION-NON-EU-LAW@activity:push/legal_obligation"],
        id="uk-regime-us-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_UK, _bases(_obligation(**DE_LAW))],
        ["LEGAL-OBLIGATION-NON-EU-LAW@activity:push/legal_obligation"],
        id="uk-regime-only-member-state-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-ONE-REGIME",
        [_BOTH, _bases(_obligation(**UK_LAW))],
        ["LEGAL-OBLIGATION-ONE-REGIME@activity:push/legal_obligation"],
        id="both-regimes-uk-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-ONE-REGIME",
        [_BOTH, _bases(_obligation("public_task", **DE_LAW))],
        ["LEGAL-OBLIGATION-ONE-REGIME@activity:push/public_task"],
        id="both-regimes-member-state-law",
    ),
    # --- Art 9(2)(b)/(h) without law or agreement; (g) cannot rest on an agreement
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [_processing("trade_union_membership"), _push(art9_condition="employment_social_security")],
        ["ART9-CONDITION-LAW-UNCITED@activity:push"],
        id="employment-condition-no-law-no-agreement",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [
            _processing("health_data"),
            _push(art9_condition="substantial_public_interest", art9_agreement="Works agreement"),
        ],
        ["ART9-CONDITION-LAW-UNCITED@activity:push"],
        id="public-interest-cannot-rest-on-agreement",
    ),
    # --- Art 22
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides()],
        ["ADM-WITHOUT-SAFEGUARDS@activity:push"],
        id="adm-no-ground-no-safeguards",
    ),
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides(ground="contract")],
        ["ADM-WITHOUT-SAFEGUARDS@activity:push"],
        id="adm-ground-without-safeguards",
    ),
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides(safeguards=SAFEGUARDS)],
        ["ADM-WITHOUT-SAFEGUARDS@activity:push"],
        id="adm-safeguards-without-ground",
    ),
]

SILENT = [
    pytest.param("LI-PUBLIC-AUTHORITY", [_bases(_li())], id="li-authority-not-stated"),
    pytest.param(
        "LI-PUBLIC-AUTHORITY",
        [_public_authority(True), _bases({"basis": "public_task", "law": DE_LAW})],
        id="public-authority-on-public-task",
    ),
    pytest.param(
        "LI-PUBLIC-AUTHORITY", [_public_authority(False), _bases(_li())], id="li-private-body"
    ),
    pytest.param("LAWFUL-BASIS-MISSING", [_bases(), _RETIRED], id="retired"),
    pytest.param(
        "LAWFUL-BASIS-MISSING", [_bases({"basis": "vital_interests"})], id="one-basis-no-support"
    ),
    pytest.param("CONSENT-WITHOUT-RECORD", [_bases(_consent())], id="consent-with-record"),
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [_bases(_CONTRACT, _consent()), _push(art9_condition="explicit_consent")],
        id="explicit-consent-covered-by-consent-record",
    ),
    pytest.param(
        "CONSENT-NO-WITHDRAWAL",
        [_bases(_consent(consent_record=""))],
        id="withdrawal-given-record-missing",
    ),
    pytest.param(
        "CONSENT-NO-WITHDRAWAL",
        [_push(art9_condition="explicit_consent")],
        id="explicit-consent-without-consent-basis",
    ),
    pytest.param("LI-WITHOUT-LIA", [_bases(_li(interest=""))], id="lia-given-interest-missing"),
    pytest.param("LI-WITHOUT-LIA", [_bases(_li(), _consent())], id="li-beside-consent"),
    pytest.param(
        "LI-INTEREST-UNSTATED", [_bases(_li(lia_reference=""))], id="interest-given-lia-missing"
    ),
    pytest.param(
        "LEGAL-OBLIGATION-LAW-UNCITED", [_bases(_obligation(**DE_LAW))], id="de-law-cited"
    ),
    pytest.param(
        "LEGAL-OBLIGATION-LAW-UNCITED",
        [_bases({"basis": "vital_interests"})],
        id="vital-interests-needs-no-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW", [_bases(_obligation(**DE_LAW))], id="member-state-law"
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_bases(_obligation(title="EECC (Directive 2018/1972) Art 109", jurisdiction="EU"))],
        id="eu-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_bases(_obligation(title="Ekomloven", jurisdiction="NO"))],
        id="eea-not-eu-law",
    ),
    pytest.param("LEGAL-OBLIGATION-NON-EU-LAW", [_bases(_obligation())], id="no-law-at-all"),
    pytest.param(
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
        [_processing("health_data"), _push(art9_condition="explicit_consent")],
        id="health-data-with-condition",
    ),
    pytest.param(
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
        [_term("union_dues"), _processing("union_dues")],
        id="keepers-ordinary-term",
    ),
    pytest.param(
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
        [_processing("criminal_offence_data")],
        id="criminal-data-is-not-art9",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [
            _processing("health_data"),
            _push(art9_condition="health_social_care", art9_law=HEALTH_LAW),
        ],
        id="health-care-condition-with-law",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [_processing("health_data"), _push(art9_condition="explicit_consent")],
        id="condition-needing-no-law",
    ),
    pytest.param(
        "ART9-CONDITION-WITHOUT-SPECIAL-DATA",
        [_processing("biometric_data"), _push(art9_condition="explicit_consent")],
        id="condition-with-special-data",
    ),
    pytest.param(
        "CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION",
        [
            _processing("criminal_offence_data"),
            _push(art10_authority="§ 100 TKG, under the Bundesnetzagentur's supervision"),
        ],
        id="criminal-data-with-authority",
    ),
    pytest.param(
        "CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION",
        [_processing("health_data"), _push(art9_condition="explicit_consent")],
        id="special-data-is-not-criminal",
    ),
    pytest.param(
        "CONSENT-WITHOUT-RECORD",
        [
            _processing("health_data"),
            _push(art9_condition="explicit_consent", art9_consent_record="Explicit-consent log"),
        ],
        id="explicit-consent-own-record-contract-basis",
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM",
        [_bases(_consent(consent_mechanism="opt_in"))],
        id="consent-opt-in",
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM", [_bases(_consent())], id="consent-mechanism-unstated"
    ),
    pytest.param(
        "CONSENT-INVALID-MECHANISM",
        [_bases(_consent(consent_mechanism="pre_ticked")), _RETIRED],
        id="invalid-consent-retired",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_UK, _bases(_obligation(**UK_LAW))],
        id="uk-law-is-domestic-law-under-uk-gdpr",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-NON-EU-LAW",
        [_BOTH, _bases(_obligation(**UK_LAW))],
        id="uk-law-serves-one-of-both-regimes",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-ONE-REGIME",
        [_UK, _bases(_obligation(**UK_LAW))],
        id="uk-only-uk-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-ONE-REGIME",
        [_bases(_obligation(**DE_LAW))],
        id="eu-only-member-state-law",
    ),
    pytest.param(
        "LEGAL-OBLIGATION-ONE-REGIME",
        [_BOTH, _bases(_obligation(**US_LAW))],
        id="both-regimes-law-serving-neither",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [
            _processing("trade_union_membership"),
            _push(
                art9_condition="employment_social_security",
                art9_agreement="Tarifvertrag Telekommunikation 2025, § 12",
            ),
        ],
        id="employment-condition-on-collective-agreement",
    ),
    pytest.param(
        "ART9-CONDITION-LAW-UNCITED",
        [
            _processing("health_data"),
            _push(
                art9_condition="health_social_care",
                art9_agreement="Contract with the occupational physician, bound by § 203 StGB",
            ),
        ],
        id="health-care-condition-on-professional-secrecy-contract",
    ),
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides(ground="contract", safeguards=SAFEGUARDS)],
        id="adm-ground-and-safeguards",
    ),
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides(art22_ground="Necessary for the contract (Art 22(2)(a))", safeguards=SAFEGUARDS)],
        id="adm-legacy-ground-text-and-safeguards",
    ),
    pytest.param(
        "ADM-WITHOUT-SAFEGUARDS",
        [_decides(legal_or_similar_effect=False)],
        id="adm-without-legal-effect",
    ),
    pytest.param("ADM-WITHOUT-SAFEGUARDS", [_decides(), _RETIRED], id="adm-retired"),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), FIRES)
def test_rule_fires(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == expected


@pytest.mark.parametrize(("rule", "changes"), SILENT)
def test_near_twin_stays_silent(rule: str, changes: list[Change]) -> None:
    assert [f.id for f in findings(changed(*changes), rule)] == []


def test_messages_name_what_was_found() -> None:
    (foreign,) = findings(changed(_bases(_obligation(**US_LAW))), "LEGAL-OBLIGATION-NON-EU-LAW")
    assert "47 CFR 9.16" in foreign.message and "(US)" in foreign.message
    (special,) = findings(
        changed(_processing("health_data", "biometric_data")),
        "SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION",
    )
    assert "health_data" in special.message and "biometric_data" in special.message
    (uncited,) = findings(
        changed(_processing("health_data"), _push(art9_condition="health_social_care")),
        "ART9-CONDITION-LAW-UNCITED",
    )
    assert "9(2)(h)" in uncited.message
    (uk,) = findings(changed(_BOTH, _bases(_obligation(**UK_LAW))), "LEGAL-OBLIGATION-ONE-REGIME")
    assert "serves the UK GDPR only" in uk.message and "EU or EEA Member State law" in uk.message
    (us,) = findings(changed(_UK, _bases(_obligation(**US_LAW))), "LEGAL-OBLIGATION-NON-EU-LAW")
    assert "UK law (domestic law under the UK GDPR)" in us.message
    (adm,) = findings(changed(_decides(ground="law")), "ADM-WITHOUT-SAFEGUARDS")
    assert "no safeguards" in adm.message and "no Art 22(2) ground" not in adm.message


def test_an_inherited_lawful_basis_statement_is_named_but_is_no_basis() -> None:
    """A policy's "we process your data on the legal bases the GDPR provides" is no Art 6 basis
    for one processing: the activity is still reported, naming the statement it relies on."""

    def statement(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["statements"] = {
            "lawful_basis": "We process your data on the legal bases the GDPR provides."
        }

    (inherited,) = findings(changed(_bases(), statement), "LAWFUL-BASIS-MISSING")
    assert "relies on the organisation-wide statement" in inherited.message
    assert "legal bases the GDPR provides" in inherited.message
    (plain,) = findings(changed(_bases()), "LAWFUL-BASIS-MISSING")
    assert "organisation-wide" not in plain.message
