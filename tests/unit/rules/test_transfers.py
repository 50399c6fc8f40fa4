"""Transfer rules: each fires on one change to the clean registry, and stays silent on a near twin.

The clean registry's relay-to-fcm flow sends push tokens from the relay (Acme's system, hosted
in DE by the processor Hetzner) to Google's FCM, a DPF-certified US processor, under eu_us_dpf.
"""

from __future__ import annotations

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
        data[collection].append(fields)

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
                 (transfer(mechanism=DEROGATION, frequency=None),), ON,
                 ["TRANSFER-DEROGATION-SYSTEMATIC@flow:relay-to-fcm"],
                 id="derogation-continuous-by-default"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(mechanism=DEROGATION, frequency="occasional"),), ON, [],
                 id="twin-derogation-occasional"),
    pytest.param("TRANSFER-DEROGATION-SYSTEMATIC",
                 (transfer(**SCC, scc_module=2, frequency="recurring"),), ON, [],
                 id="twin-derogation-scc-recurring"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "changes", "on", "expected"), ROWS)
def test_rule(rule: str, changes: tuple[Change, ...], on: dt.date, expected: list[str]) -> None:
    assert [f.id for f in findings(changed(*changes), rule, on=on)] == expected


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
