"""Transfer rules: each fires on one change to the clean registry, and stays silent on a near twin.

The clean registry's relay-to-fcm flow sends push tokens from the relay (Acme's system, hosted
in DE by the processor Hetzner) to Google's FCM, a DPF-certified US processor, under eu_us_dpf.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from tests.unit.rules.harness import ON, Change, changed, findings, item

FLOW = "flow:relay-to-fcm"


def transfer(**fields: Any) -> Change:
    """Change relay-to-fcm's transfer; a field set to None is removed."""

    def change(data: dict[str, Any]) -> None:
        found = item(data, "flows", "relay-to-fcm").setdefault("transfer", {})
        for name, value in fields.items():
            if value is None:
                found.pop(name, None)
            else:
                found[name] = value

    return change


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


def added(collection: str, **fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        data.setdefault(collection, []).append(copy.deepcopy(fields))

    return change


def fcm(**fields: Any) -> Change:
    return entry("parties", "fcm", **fields)


def to(country: str, mechanism: str, **fields: Any) -> tuple[Change, ...]:
    """FCM moved to another country, with the transfer naming it and the mechanism."""
    return (
        fcm(country=country),
        transfer(destination_country=country, mechanism=mechanism, **fields),
    )


NO_TRANSFER = entry("flows", "relay-to-fcm", transfer=None)
RETIRED = entry("activities", "push", status="retired")
SCC = {"mechanism": "scc_2021", "tia_reference": "TIA-2026-01"}
US_STORE = (
    added("parties", key="cloud", organisation="acme", name="Cloud Inc", role="processor",
          country="US", contract={"reference": "DPA-2026-07"}),
    added("systems", key="store", organisation="acme", name="Token store", operator="cloud",
          hosting_country="US"),
    added("flows", key="relay-to-store", activity="push", source="system:relay",
          target="system:store", data_categories=["push_token"],
          transfer={"destination_country": "US", "mechanism": "eu_us_dpf"}),
)  # fmt: skip
FROM_HOSTER = entry("flows", "relay-to-fcm", source="party:hoster")
HOSTERS_VENDOR = fcm(role="sub_processor", sub_processor_of="hoster")
"""FCM as a sub-processor Hetzner engaged: Hetzner, running the relay, is then the exporter."""
DEROGATION = "derogation_explicit_consent"
COMPELLING = "derogation_compelling_legitimate_interests"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


ROWS = [
    # --- ART30-1E-TRANSFER-UNDECLARED
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER,), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:relay-to-fcm"], id="undeclared-us"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (entry("systems", "relay", hosting_country=None),
                  entry("parties", "hoster", country="IN")), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:app-to-relay"],
                 id="undeclared-via-operator-country"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (entry("systems", "relay", hosting_country="NO"),), ON, [],
                 id="twin-undeclared-norway-is-eea"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER, fcm(country=None)), ON, [],
                 id="twin-undeclared-country-unknown"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER, RETIRED), ON, [],
                 id="twin-undeclared-activity-retired"),
    # --- ART30-1E-TRANSFER-DESTINATION-MISSING
    pytest.param("ART30-1E-TRANSFER-DESTINATION-MISSING", (transfer(destination_country=None),),
                 ON, ["ART30-1E-TRANSFER-DESTINATION-MISSING@flow:relay-to-fcm"],
                 id="destination-missing"),
    pytest.param("ART30-1E-TRANSFER-DESTINATION-MISSING",
                 (transfer(destination_country=None,
                           international_organisation="European Patent Organisation"),),
                 ON, [], id="twin-destination-international-organisation"),
    # --- ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED
    pytest.param("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED",
                 (transfer(mechanism=COMPELLING, frequency="occasional"),), ON,
                 ["ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED@flow:relay-to-fcm"],
                 id="art49-undocumented"),
    pytest.param("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED",
                 (transfer(mechanism=COMPELLING, frequency="occasional",
                           derogation_documentation="Assessment DA-2026-03; SA informed"),),
                 ON, [], id="twin-art49-documented"),
    pytest.param("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED",
                 (transfer(mechanism=DEROGATION, frequency="occasional"),), ON, [],
                 id="twin-art49-other-derogation"),
    # --- TRANSFER-MISSING-MECHANISM
    pytest.param("TRANSFER-MISSING-MECHANISM", (transfer(mechanism=None),), ON,
                 ["TRANSFER-MISSING-MECHANISM@flow:relay-to-fcm"], id="mechanism-missing"),
    pytest.param("TRANSFER-MISSING-MECHANISM",
                 (entry("flows", "relay-to-fcm", transfer={}),), ON,
                 ["TRANSFER-MISSING-MECHANISM@flow:relay-to-fcm"], id="mechanism-empty-transfer"),
    pytest.param("TRANSFER-MISSING-MECHANISM", (NO_TRANSFER,), ON, [],
                 id="twin-mechanism-undeclared-reported-elsewhere"),
    pytest.param("TRANSFER-MISSING-MECHANISM", (transfer(mechanism=None), RETIRED), ON, [],
                 id="twin-mechanism-activity-retired"),
    # --- TRANSFER-INVALID-MECHANISM
    pytest.param("TRANSFER-INVALID-MECHANISM", (transfer(mechanism="privacy_shield"),), ON,
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"], id="invalid-privacy-shield"),
    pytest.param("TRANSFER-INVALID-MECHANISM", (transfer(mechanism="privacy_shield"),),
                 day("2020-07-15"), [], id="twin-invalid-privacy-shield-day-before"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (transfer(mechanism="privacy_shield", since="2020-08-01"),), day("2020-07-15"),
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"], id="invalid-since-later"),
    pytest.param("TRANSFER-INVALID-MECHANISM", (transfer(mechanism="safe_harbour"),), ON,
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"], id="invalid-safe-harbour"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (transfer(mechanism="scc_2010_87", tia_reference="TIA-2020-01"),),
                 day("2022-12-27"), ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"],
                 id="invalid-old-scc"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (transfer(mechanism="scc_2010_87", tia_reference="TIA-2020-01"),),
                 day("2022-12-26"), [], id="twin-invalid-old-scc-last-day"),
    pytest.param("TRANSFER-INVALID-MECHANISM", (), day("2023-01-01"),
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"], id="invalid-dpf-not-yet"),
    pytest.param("TRANSFER-INVALID-MECHANISM", (transfer(since="2023-08-01"),), day("2023-01-01"),
                 [], id="twin-invalid-dpf-starts-later"),
    # --- TRANSFER-ADEQUACY-NOT-APPLICABLE
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("IN", "adequacy_decision"), ON,
                 ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"], id="adequacy-india"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (fcm(country="IN"), transfer(destination_country=None,
                                              mechanism="adequacy_decision")), ON,
                 ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-target-country"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("CH", "adequacy_decision"), ON, [],
                 id="twin-adequacy-switzerland"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (fcm(country="CH"), transfer(destination_country=None,
                                              mechanism="adequacy_decision")), ON, [],
                 id="twin-adequacy-target-country"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("GB", "adequacy_decision"), ON, [],
                 id="twin-adequacy-uk"),
    pytest.param("TRANSFER-DECISION-EXPIRING", to("GB", "adequacy_decision"), day("2031-01-10"),
                 ["TRANSFER-DECISION-EXPIRING@flow:relay-to-fcm"], id="adequacy-uk-ends-soon"),
    pytest.param("TRANSFER-DECISION-EXPIRING", to("GB", "adequacy_decision"), ON, [],
                 id="twin-adequacy-uk-ends-later"),
    pytest.param("TRANSFER-DECISION-EXPIRING", to("GB", "scc_2021", tia_reference="TIA-1"),
                 day("2031-01-10"), [], id="twin-uk-on-sccs"),
    pytest.param("TRANSFER-DECISION-EXPIRING", to("CH", "adequacy_decision"), day("2031-01-10"),
                 [], id="twin-adequacy-without-end"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("GB", "adequacy_decision"),
                 day("2031-12-27"), ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-uk-lapsed"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("BR", "adequacy_decision"),
                 day("2025-06-01"), ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-brazil-before-decision"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("BR", "adequacy_decision"), ON, [],
                 id="twin-adequacy-brazil"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", to("GB", "eu_us_dpf"), ON,
                 ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"], id="adequacy-dpf-not-us"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (transfer(destination_country=None,
                           international_organisation="European Patent Organisation"),),
                 ON, ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-dpf-to-international-organisation"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", (transfer(mechanism="adequacy_decision"),),
                 ON, [], id="twin-adequacy-us"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (transfer(destination_country=None, mechanism="adequacy_decision",
                           international_organisation="European Patent Organisation"),),
                 ON, [], id="twin-adequacy-international-organisation"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (transfer(destination_country=None, mechanism="adequacy_decision",
                           international_organisation="European Patent Organisation"),),
                 day("2025-01-01"), ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-international-organisation-before-decision"),
    # --- TRANSFER-DPF-NOT-CERTIFIED
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED", (fcm(dpf=None),), ON,
                 ["TRANSFER-DPF-NOT-CERTIFIED@flow:relay-to-fcm"], id="dpf-no-certification"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED",
                 (fcm(dpf={"certified": False, "checked_on": "2026-10-01"}),), ON,
                 ["TRANSFER-DPF-NOT-CERTIFIED@flow:relay-to-fcm"], id="dpf-certified-false"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED",
                 (fcm(dpf=None), transfer(mechanism="adequacy_decision")), ON,
                 ["TRANSFER-DPF-NOT-CERTIFIED@flow:relay-to-fcm"], id="dpf-adequacy-to-us"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED", US_STORE, ON,
                 ["TRANSFER-DPF-NOT-CERTIFIED@flow:relay-to-store"], id="dpf-system-operator"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED", (transfer(mechanism="adequacy_decision"),), ON,
                 [], id="twin-dpf-adequacy-to-certified"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED", (fcm(dpf=None), transfer(**SCC, scc_module=2)),
                 ON, [], id="twin-dpf-uncertified-under-scc"),
    # --- TRANSFER-ADEQUACY-SCOPE
    pytest.param("TRANSFER-ADEQUACY-SCOPE", to("CA", "adequacy_decision"), ON,
                 ["TRANSFER-ADEQUACY-SCOPE@flow:relay-to-fcm"], id="scope-canada"),
    pytest.param("TRANSFER-ADEQUACY-SCOPE", to("JP", "adequacy_decision"), ON,
                 ["TRANSFER-ADEQUACY-SCOPE@flow:relay-to-fcm"], id="scope-japan"),
    pytest.param("TRANSFER-ADEQUACY-SCOPE", to("KR", "adequacy_decision"), ON,
                 ["TRANSFER-ADEQUACY-SCOPE@flow:relay-to-fcm"], id="scope-korea"),
    pytest.param("TRANSFER-ADEQUACY-SCOPE", to("CH", "adequacy_decision"), ON, [],
                 id="twin-scope-switzerland-full"),
    pytest.param("TRANSFER-ADEQUACY-SCOPE", (), ON, [], id="twin-scope-us-certified"),
    pytest.param("TRANSFER-ADEQUACY-SCOPE", to("CA", "scc_2021", tia_reference="TIA-1"), ON, [],
                 id="twin-scope-canada-under-scc"),
    # --- TRANSFER-TIA-MISSING
    pytest.param("TRANSFER-TIA-MISSING", (transfer(mechanism="scc_2021", scc_module=2),), ON,
                 ["TRANSFER-TIA-MISSING@flow:relay-to-fcm"], id="tia-missing-scc"),
    pytest.param("TRANSFER-TIA-MISSING", (transfer(mechanism="bcr"),), ON,
                 ["TRANSFER-TIA-MISSING@flow:relay-to-fcm"], id="tia-missing-bcr"),
    pytest.param("TRANSFER-TIA-MISSING", (transfer(**SCC, scc_module=2),), ON, [],
                 id="twin-tia-referenced"),
    pytest.param("TRANSFER-TIA-MISSING", to("CH", "adequacy_decision"), ON, [],
                 id="twin-tia-adequacy-needs-none"),
    # --- TRANSFER-SCC-MODULE-MISMATCH
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (transfer(**SCC, scc_module=1),), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"], id="scc-c2p-module-1"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (transfer(**SCC, scc_module=2),), ON, [],
                 id="twin-scc-c2p-module-2"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (transfer(**SCC),), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"], id="scc-module-missing"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (fcm(role="independent_controller"), transfer(**SCC, scc_module=2)), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"], id="scc-c2c-module-2"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (fcm(role="independent_controller"), transfer(**SCC, scc_module=1)), ON, [],
                 id="twin-scc-c2c-module-1"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (FROM_HOSTER, transfer(**SCC, scc_module=2)),
                 ON, ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"], id="scc-p2p-module-2"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (FROM_HOSTER, transfer(**SCC, scc_module=3)),
                 ON, [], id="twin-scc-p2p-module-3"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (FROM_HOSTER, fcm(role="authority"), transfer(**SCC, scc_module=3)), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"], id="scc-p2c-module-3"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (FROM_HOSTER, fcm(role="authority"), transfer(**SCC, scc_module=4)), ON, [],
                 id="twin-scc-p2c-module-4"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (fcm(role=None), transfer(**SCC, scc_module=1)),
                 ON, [], id="twin-scc-role-undetermined"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (fcm(role=None), transfer(**SCC)), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"],
                 id="scc-role-undetermined-module-missing"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (HOSTERS_VENDOR, transfer(**SCC, scc_module=2)),
                 ON, ["TRANSFER-SCC-MODULE-MISMATCH@flow:relay-to-fcm"],
                 id="scc-processor-system-to-its-sub-processor-module-2"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH", (HOSTERS_VENDOR, transfer(**SCC, scc_module=3)),
                 ON, [], id="twin-scc-processor-system-to-its-sub-processor-module-3"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (HOSTERS_VENDOR, entry("systems", "relay", operator=None),
                  transfer(**SCC, scc_module=2)),
                 ON, [], id="twin-scc-own-system-to-sub-processor-module-2"),
    # --- TRANSFER-DEROGATION-SYSTEMATIC
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=DEROGATION, frequency="recurring"),), ON,
                 ["TRANSFER-DEROGATION-SYSTEMATIC@flow:relay-to-fcm"], id="derogation-recurring"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=DEROGATION, frequency="continuous"),), ON,
                 ["TRANSFER-DEROGATION-SYSTEMATIC@flow:relay-to-fcm"],
                 id="derogation-continuous"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=DEROGATION, frequency=None),), ON, [],
                 id="twin-derogation-frequency-not-stated-is-not-systematic"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=DEROGATION, frequency="occasional"),), ON, [],
                 id="twin-derogation-occasional"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(**SCC, scc_module=2, frequency="recurring"),), ON, [],
                 id="twin-derogation-scc-recurring"),
]  # fmt: skip


def message(rule: str, *changes: Change, on: dt.date = ON) -> str:
    (finding,) = findings(changed(*changes), rule, on=on)
    return finding.message


def test_invalid_mechanism_names_it_and_the_day_it_fell() -> None:
    assert message("TRANSFER-INVALID-MECHANISM", transfer(mechanism="privacy_shield")) == (
        "transfer to Google LLC (Firebase Cloud Messaging) relies on `privacy_shield` "
        "(EU-US Privacy Shield (Decision 2016/1250)), which stopped being valid on 2020-07-16; "
        "judged on 2026-11-22"
    )


def test_adequacy_scope_quotes_the_scope_note() -> None:
    assert message("TRANSFER-ADEQUACY-SCOPE", *to("CA", "adequacy_decision")) == (
        "transfer to Google LLC (Firebase Cloud Messaging) in Canada (CA) relies on adequacy "
        'decision 2002/2/EC, which covers only part of the country: "Commercial organisations '
        "subject to PIPEDA only; public bodies and non-commercial processing are outside it. "
        'Confirmed by review of 2024-01-15."'
    )


def test_scc_module_mismatch_names_the_roles_and_the_module() -> None:
    assert message("TRANSFER-SCC-MODULE-MISMATCH", transfer(**SCC, scc_module=1)) == (
        "transfer uses SCC module 1, but Push relay (controller) sends to Google LLC "
        "(Firebase Cloud Messaging) (processor): module 2 applies"
    )


def test_undeclared_transfer_names_the_country() -> None:
    assert message("ART30-1E-TRANSFER-UNDECLARED", NO_TRANSFER) == (
        "sends data from Push relay to Google LLC (Firebase Cloud Messaging) in United States "
        "(US), outside the EEA, but records no transfer"
    )


def test_adequacy_not_applicable_names_the_lapsed_decision() -> None:
    text = message(
        "TRANSFER-ADEQUACY-NOT-APPLICABLE", *to("GB", "adequacy_decision"), on=day("2032-01-10")
    )
    assert text == (
        "transfer to Google LLC (Firebase Cloud Messaging) relies on an adequacy decision "
        "(`adequacy_decision`), but none is in force for United Kingdom (GB) on 2032-01-10 "
        "(decision 2021/1772 adopted 2021-06-28, until 2031-12-27)"
    )


# --- territory, international organisations, direct collection, regimes, implied transfers,
# processor records, Art 49(1) second subparagraph, DPF staleness and HR coverage, since dates

ACME = "acme"


def organisation(**fields: Any) -> Change:
    return entry("organisations", ACME, **fields)


EPO = fcm(name="European Patent Organisation", country="DE", international_organisation=True,
          dpf=None)  # fmt: skip
UK = organisation(regimes=["uk_gdpr"], establishment_country="GB")
BOTH = organisation(regimes=["eu_gdpr", "uk_gdpr"], establishment_country="GB")
"""Acme answering to both regimes, established in the UK: app users' data leaving the UK for
the relay in Germany is a UK export; the relay's onward leg to the US is the EU regime's."""
OWN_US_SERVER = (
    organisation(establishment_country="US"),
    entry("systems", "relay", hosting_country="US", operator=None),
)
"""Acme established in the US, collecting from app users in the EU straight into its own
server in the US."""
CDN = added("parties", key="cdn", organisation=ACME, name="Edge CDN Inc", role="processor",
            country="US", contract={"reference": "DPA-2026-09"})  # fmt: skip
SUBBY = added("parties", key="subby", organisation=ACME, name="Log Vendor Inc",
              role="sub_processor", sub_processor_of="hoster", country="US",
              sub_processor_authorisation="general, DPA-2025-01 s 9",
              flow_down="DPA-2025-01 annex 4")  # fmt: skip


def recipients(*keys: str) -> Change:
    return entry("activities", "push", recipients=["hoster", "fcm", *keys])


def record(**fields: Any) -> Change:
    """A processor record of Acme's, with the given fields."""
    return added("processor_records", key="rec", organisation=ACME,
                 controller={"name": "Client GmbH", "email": "dpo@client.example"},
                 processing_categories=["hosting"], data_subjects=["app_users"],
                 data_categories=["push_token"], contract={"reference": "C-1"},
                 **fields)  # fmt: skip


RECORD_SCC = {"destination_country": "US", "importer": "cdn", "mechanism": "scc_2021",
              "scc_module": 3, "tia_reference": "TIA-9"}  # fmt: skip

MORE = [
    # territory: outermost regions and Aland are EU territory, overseas territories are not
    *(pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER, fcm(country=code)), ON, [],
                   id=f"twin-undeclared-{code}-is-eu-territory")
      for code in ("AX", "GF", "GP", "MQ", "RE", "YT", "MF")),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER, fcm(country="NC")), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:relay-to-fcm"],
                 id="undeclared-new-caledonia-is-outside"),
    # international organisations import in their own right, wherever they sit
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (NO_TRANSFER, EPO), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:relay-to-fcm"],
                 id="undeclared-international-organisation-in-munich"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (NO_TRANSFER, fcm(name="European Patent Organisation", country="DE")), ON, [],
                 id="twin-undeclared-ordinary-party-in-munich"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (EPO, transfer(destination_country=None, mechanism="adequacy_decision")), ON,
                 [], id="twin-adequacy-international-organisation-party-own-decision"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (EPO, fcm(name="Agency of Nowhere"),
                  transfer(destination_country=None, mechanism="adequacy_decision")), ON,
                 ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-international-organisation-without-decision"),
    # direct collection by a controller outside the EEA is not a transfer
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", OWN_US_SERVER, ON, [],
                 id="twin-undeclared-direct-collection-by-us-controller"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (organisation(establishment_country="DE"), OWN_US_SERVER[1]), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:app-to-relay"],
                 id="undeclared-eea-controller-own-us-server"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (*OWN_US_SERVER, NO_TRANSFER), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:relay-to-fcm"],
                 id="undeclared-direct-collection-onward-disclosure"),
    # the UK regime: its own territory, tools and adequacy regulations
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (UK,), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:app-to-relay"],
                 id="undeclared-uk-export-to-eea"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (UK, entry("systems", "relay", hosting_country="GB")),
                 ON, [], id="twin-undeclared-uk-domestic"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED", (BOTH,), ON,
                 ["ART30-1E-TRANSFER-UNDECLARED@flow:app-to-relay/uk_gdpr"],
                 id="undeclared-both-regimes-uk-leg"),
    pytest.param("ART30-1E-TRANSFER-UNDECLARED",
                 (BOTH, entry("flows", "app-to-relay", transfer={
                     "destination_country": "DE", "mechanism": "adequacy_decision"})),
                 ON, [], id="twin-undeclared-both-regimes-uk-leg-declared"),
    pytest.param("TRANSFER-INVALID-MECHANISM", (UK, transfer(**SCC, scc_module=2)), ON,
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"],
                 id="invalid-eu-scc-for-uk-export"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (UK, transfer(mechanism="uk_addendum", scc_module=2, tia_reference="TRA-1")), ON,
                 [], id="twin-invalid-uk-addendum"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (transfer(mechanism="idta", tia_reference="TRA-1"),), ON,
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"],
                 id="invalid-idta-for-eu-export"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (UK, transfer(mechanism="idta", tia_reference="TRA-1")),
                 ON, [], id="twin-invalid-idta-for-uk-export"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (UK, transfer(mechanism="scc_2010_87", tia_reference="TRA-1")), day("2024-03-21"),
                 ["TRANSFER-INVALID-MECHANISM@flow:relay-to-fcm"], id="invalid-old-scc-uk-ended"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (UK, transfer(mechanism="scc_2010_87", tia_reference="TRA-1")), day("2024-03-20"),
                 [], id="twin-invalid-old-scc-uk-until-march-2024"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", (UK, *to("BR", "adequacy_decision")), ON,
                 ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-brazil-not-for-uk"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", (UK, *to("CH", "adequacy_decision")), ON,
                 [], id="twin-adequacy-switzerland-for-uk"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE",
                 (UK, entry("flows", "app-to-relay", transfer={
                     "destination_country": "DE", "mechanism": "adequacy_decision"})),
                 ON, [], id="twin-adequacy-eea-for-uk"),
    pytest.param("TRANSFER-ADEQUACY-NOT-APPLICABLE", (UK, *to("KR", "adequacy_decision")),
                 day("2022-12-18"), ["TRANSFER-ADEQUACY-NOT-APPLICABLE@flow:relay-to-fcm"],
                 id="adequacy-korea-for-uk-before-regulations"),
    # Art 49(1) second subparagraph: never for a repetitive transfer
    pytest.param("TRANSFER-ART49-2-REPETITIVE",
                 (transfer(mechanism=COMPELLING, frequency="recurring"),),
                 ON, ["TRANSFER-ART49-2-REPETITIVE@flow:relay-to-fcm"], id="art49-2-recurring"),
    pytest.param("TRANSFER-ART49-2-REPETITIVE",
                 (transfer(mechanism=COMPELLING, frequency="occasional"),),
                 ON, [], id="twin-art49-2-occasional"),
    pytest.param("TRANSFER-ART49-2-REPETITIVE", (transfer(mechanism=COMPELLING, frequency=None),),
                 ON, [], id="twin-art49-2-frequency-not-stated"),
    pytest.param("TRANSFER-ART49-2-REPETITIVE",
                 (transfer(mechanism=DEROGATION, frequency="recurring"),),
                 ON, [], id="twin-art49-2-other-derogation"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=COMPELLING, frequency="recurring"),), ON, [],
                 id="twin-derogation-compelling-is-the-error-rule"),
    # DPF: a yearly check, and HR coverage for HR data
    pytest.param("TRANSFER-DPF-CHECK-STALE",
                 (fcm(dpf={"certified": True, "checked_on": "2025-10-01"}),),
                 ON, ["TRANSFER-DPF-CHECK-STALE@flow:relay-to-fcm"],
                 id="dpf-check-older-than-a-year"),
    pytest.param("TRANSFER-DPF-CHECK-STALE", (fcm(dpf={"certified": True}),), ON,
                 ["TRANSFER-DPF-CHECK-STALE@flow:relay-to-fcm"], id="dpf-check-undated"),
    pytest.param("TRANSFER-DPF-CHECK-STALE",
                 (fcm(dpf={"certified": True, "checked_on": "2025-11-22"}),),
                 ON, [], id="twin-dpf-check-exactly-a-year"),
    pytest.param("TRANSFER-DPF-CHECK-STALE",
                 (fcm(dpf={"certified": True, "checked_on": "2025-10-01"}),
                  transfer(**SCC, scc_module=2)),
                 ON, [], id="twin-dpf-check-stale-but-under-scc"),
    pytest.param("TRANSFER-DPF-HR-NOT-COVERED",
                 (entry("activities", "push", data_subjects=["employees"]),),
                 ON, ["TRANSFER-DPF-HR-NOT-COVERED@flow:relay-to-fcm"], id="dpf-hr-not-stated"),
    pytest.param("TRANSFER-DPF-HR-NOT-COVERED",
                 (entry("activities", "push", data_subjects=["job_applicants"]),
                  fcm(dpf={"certified": True, "checked_on": "2026-10-01", "hr_data": False})),
                 ON, ["TRANSFER-DPF-HR-NOT-COVERED@flow:relay-to-fcm"], id="dpf-hr-not-covered"),
    pytest.param("TRANSFER-DPF-HR-NOT-COVERED",
                 (entry("activities", "push", data_subjects=["employees"]),
                  fcm(dpf={"certified": True, "checked_on": "2026-10-01", "hr_data": True})),
                 ON, [], id="twin-dpf-hr-covered"),
    pytest.param("TRANSFER-DPF-HR-NOT-COVERED", (), ON, [], id="twin-dpf-hr-no-hr-data"),
    # a since date earlier than the mechanism's first valid day
    pytest.param("TRANSFER-PREDATES-MECHANISM",
                 (transfer(**SCC, scc_module=2, since="2019-05-01"),),
                 ON, ["TRANSFER-PREDATES-MECHANISM@flow:relay-to-fcm"], id="predates-scc-2021"),
    pytest.param("TRANSFER-PREDATES-MECHANISM",
                 (transfer(**SCC, scc_module=2, since="2021-07-01"),),
                 ON, [], id="twin-predates-scc-2021-after"),
    pytest.param("TRANSFER-PREDATES-MECHANISM", (transfer(mechanism="bcr", since="2019-05-01"),),
                 ON, [], id="twin-predates-bcr-undated"),
    # implied transfers: recipients, operators and sub-processors with no flow carrying the data
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (CDN, recipients("cdn")), ON,
                 ["ART30-1E-TRANSFER-UNMODELLED@party:cdn/push"], id="unmodelled-recipient"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED",
                 (CDN, entry("parties", "cdn", country="FR"), recipients("cdn")), ON, [],
                 id="twin-unmodelled-recipient-in-eea"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (CDN, recipients("cdn"), RETIRED), ON, [],
                 id="twin-unmodelled-activity-retired"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (entry("parties", "hoster", country="US"),), ON,
                 ["ART30-1E-TRANSFER-UNMODELLED@party:hoster/push"],
                 id="unmodelled-remote-access-operator"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED",
                 (entry("parties", "hoster", country="US"),
                  entry("flows", "app-to-relay", transfer={
                      "destination_country": "US", **SCC, "scc_module": 2})),
                 ON, [], id="twin-unmodelled-remote-access-declared"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (SUBBY,), ON,
                 ["ART30-1E-TRANSFER-UNMODELLED@party:subby/push"], id="unmodelled-sub-processor"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (SUBBY, entry("parties", "subby", country="NL")),
                 ON, [], id="twin-unmodelled-sub-processor-in-eea"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED", (CDN, record(sub_processors=["cdn"])), ON,
                 ["ART30-1E-TRANSFER-UNMODELLED@party:cdn/rec"],
                 id="unmodelled-processor-record-sub-processor"),
    pytest.param("ART30-1E-TRANSFER-UNMODELLED",
                 (CDN, record(sub_processors=["cdn"], transfers=[RECORD_SCC])), ON, [],
                 id="twin-unmodelled-processor-record-transfer-recorded"),
    # processor records' transfers are judged like flows'
    pytest.param("TRANSFER-MISSING-MECHANISM",
                 (CDN, record(transfers=[{"destination_country": "US", "importer": "cdn"}])), ON,
                 ["TRANSFER-MISSING-MECHANISM@processor_record:rec/transfer-1"],
                 id="mechanism-missing-processor-record"),
    pytest.param("TRANSFER-MISSING-MECHANISM", (CDN, record(transfers=[RECORD_SCC])), ON, [],
                 id="twin-mechanism-processor-record"),
    pytest.param("TRANSFER-INVALID-MECHANISM",
                 (CDN, record(transfers=[{**RECORD_SCC, "mechanism": "privacy_shield"}])), ON,
                 ["TRANSFER-INVALID-MECHANISM@processor_record:rec/transfer-1"],
                 id="invalid-processor-record"),
    pytest.param("TRANSFER-TIA-MISSING",
                 (CDN, record(transfers=[{**RECORD_SCC, "tia_reference": ""}])), ON,
                 ["TRANSFER-TIA-MISSING@processor_record:rec/transfer-1"],
                 id="tia-missing-processor-record"),
    pytest.param("TRANSFER-SCC-MODULE-MISMATCH",
                 (CDN, record(transfers=[{**RECORD_SCC, "scc_module": 2}])), ON,
                 ["TRANSFER-SCC-MODULE-MISMATCH@processor_record:rec/transfer-1"],
                 id="scc-processor-record-module-2"),
    pytest.param("TRANSFER-DPF-NOT-CERTIFIED",
                 (CDN, record(transfers=[{"destination_country": "US", "importer": "cdn",
                                          "mechanism": "eu_us_dpf"}])), ON,
                 ["TRANSFER-DPF-NOT-CERTIFIED@processor_record:rec/transfer-1"],
                 id="dpf-processor-record-importer-uncertified"),
    pytest.param("ART30-1E-TRANSFER-DESTINATION-MISSING",
                 (CDN, record(transfers=[{**RECORD_SCC, "destination_country": None}])), ON,
                 ["ART30-1E-TRANSFER-DESTINATION-MISSING@processor_record:rec/transfer-1"],
                 id="destination-missing-processor-record"),
]  # fmt: skip

ROWS += MORE


@pytest.mark.parametrize(("rule", "changes", "on", "expected"), ROWS)
def test_rule(rule: str, changes: tuple[Change, ...], on: dt.date, expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule, on=on)] == expected
