"""Remedies ask only for fields that exist, and doing what a remedy says closes its finding."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from ropa.domain import model as m
from ropa.rules import catalogue
from tests.rules import test_article30 as a30
from tests.rules.harness import Change, changed, findings, item

FIELD = re.compile(r"`([a-z_][a-z0-9_.]*)(?::[^`]*)?`")


def _fields() -> set[str]:
    names: set[str] = set()
    for value in vars(m).values():
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            names |= {f.encode_name for f in msgspec.structs.fields(value)}
    return names


@pytest.mark.parametrize("rule", sorted(catalogue()))
def test_remedy_names_only_fields_of_the_model(rule: str) -> None:
    known = _fields()
    for name in FIELD.findall(catalogue()[rule].remedy):
        for part in name.split("."):
            assert part in known, f"{rule}: remedy names `{name}`, which the model lacks"


def _org(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme").update(fields)

    return change


def _push(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push").update(fields)

    return change


def _party(key: str, **fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "parties", key).update(fields)

    return change


def _sub_processor(data: dict[str, Any]) -> None:
    data["parties"].append(
        {
            "key": "backup",
            "organisation": "acme",
            "name": "Backup Oy",
            "role": "sub_processor",
            "country": "FI",
            "sub_processor_of": "hoster",
            "contract": {"reference": "DPA-2026-03"},
        }
    )


_US = {"establishment_country": "US", "territorial_scope": {"offers_goods_or_services": True}}
_INDEFINITE = [
    {"data_category": "push_token", "indefinite": True},
    {"data_category": "sip_account_credentials", "period": "P6D"},
]
_VAGUE = "We use reasonable safeguards."

# (rule, changes that make it fire, changes the remedy describes that close it)
CLOSED_BY_REMEDY = [
    pytest.param("ART30-1A-CONTROLLER-CONTACT", [_org(contact={"name": "Acme"})],
                 [_org(contact={"email": "privacy@acme.example"})], id="contact"),
    pytest.param("ART30-1A-CONTROLLER-ADDRESS", [_org(contact={"email": "privacy@acme.example"})],
                 [_org(contact={"email": "privacy@acme.example", "address": "Berlin"})],
                 id="address"),
    pytest.param("ART30-1A-CONTROLLER-IDENTITY", [_org(name="Acme Phone")],
                 [_org(registration_number="HRB 123456 B")], id="identity-registration"),
    pytest.param("ART30-1A-REPRESENTATIVE-CONTACT", [_org(**_US)],
                 [_org(eu_representative={"name": "Rep GmbH", "email": "rep@eu.example"})],
                 id="representative"),
    pytest.param("ART30-1A-REPRESENTATIVE-CONTACT", [_org(**_US)],
                 [_org(territorial_scope={"offers_goods_or_services": True,
                                          "art27_exemption": "Occasional, no Art 9/10 data"})],
                 id="representative-art27-2-exemption"),
    pytest.param("ART27-SCOPE-UNRECORDED", [_org(establishment_country="US")],
                 [_org(territorial_scope={"offers_goods_or_services": False,
                                          "monitors_behaviour": False})], id="art3-2"),
    pytest.param("DPO-LIKELY-REQUIRED", [a30._no_dpo, _org(public_authority=True)],
                 [_org(dpo={"name": "Dana Schmidt", "email": "dpo@acme.example"})], id="dpo"),
    pytest.param("ART30-1D-RECIPIENTS-MISSING",
                 [lambda d: item(d, "activities", "push").pop("recipients"), a30._no_flows],
                 [_push(recipient_categories=a30.HOSTING)], id="recipients-by-category"),
    pytest.param("ART30-1D-RECIPIENT-NOT-LISTED", [_push(recipients=[])],
                 [_push(recipients=["hoster", "fcm"])], id="recipient-listed"),
    pytest.param("ART30-1G-TOMS-MISSING", [_push(security_measures=[])],
                 [_org(statements={"security": "TLS 1.3; admin access by hardware key"})],
                 id="toms-statement"),
    pytest.param("SECURITY-VAGUE", [_org(statements={"security": _VAGUE})],
                 [_org(statements={"security": "TLS 1.3 in transit, disks encrypted at rest"})],
                 id="security-vague"),
    pytest.param("RECIPIENT-VAGUE", [_push(recipient_categories=[{"label": "Partners"}])],
                 [_push(recipient_categories=[{"label": "Partners", "role": "processor"}])],
                 id="recipient-vague"),
    pytest.param("STATEMENT-CONTRADICTS-RECORD",
                 [_org(statements={"sharing": "We do not share your data"})],
                 [_org(statements={"sharing": "We share data with our hosting processors"})],
                 id="statement"),
    pytest.param("RETENTION-INDEFINITE", [_push(retention=_INDEFINITE)],
                 [_push(retention=[{**_INDEFINITE[0], "art89_purpose": "Art 89(1) statistics"},
                                   _INDEFINITE[1]])], id="indefinite-art89"),
    pytest.param("RETENTION-MISSING", [_push(retention=[])],
                 [_org(statements={"retention": "Push data is deleted 6 days after expiry"})],
                 id="retention-statement"),
    pytest.param("SUBPROCESSOR-UNAUTHORISED", [_sub_processor],
                 [_party("backup", sub_processor_authorisation="General, DPA-2025-01 s 9")],
                 id="authorisation"),
    pytest.param("SUBPROCESSOR-NO-FLOWDOWN", [_sub_processor],
                 [_party("backup", flow_down="SPA-2026-01")], id="flow-down"),
    pytest.param("PROCESSOR-RECORD-MISSING", [_org(role="both")],
                 [_org(role="controller")], id="processor-record-role"),
    pytest.param("RECORD-STALE", [_push(last_reviewed="2020-01-01")],
                 [_push(last_reviewed="2026-11-01")], id="stale"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "fire", "fix"), CLOSED_BY_REMEDY)
def test_doing_what_the_remedy_says_closes_the_finding(
    rule: str, fire: list[Change], fix: list[Change]
) -> None:
    assert findings(changed(*fire), rule), "the row must fire first"
    assert [f.id for f in findings(changed(*fire, *fix), rule)] == []
