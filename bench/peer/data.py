"""The peer's data shape, for Fides and for ropa from the same seeds.

N systems (2,000 by default), each with 3 privacy declarations: a data use, 3 data categories, 2
data subjects, a legal basis and a retention period, and egress to the next two systems of a
ring (system i sends to i+1 and i+2 and receives from i-1 and i-2). ``fides_system`` is Fides'
System payload (the shape of the earlier Fides measurement, ``../shared/peer-fides``);
``ropa_part`` is the same system in ropa: the system, one activity per declaration (on that
system, with the declaration's subjects, categories, basis and retention), and one flow per
declaration and egress target.
"""

from __future__ import annotations

import random
from typing import Any

from ropa.domain import model as m

SYSTEMS = 2_000
DECLARATIONS = 3
ORGANISATION = "default_organization"

# Fides' default taxonomy keys, each with the ropa vocabulary key that means the same.
DATA_USES = {
    "essential.service": ("Provide the service", m.PurposeKind.SERVICE),
    "essential.service.authentication": ("Authenticate users", m.PurposeKind.SECURITY),
    "essential.service.payment_processing": ("Process payments", m.PurposeKind.BILLING),
    "essential.fraud_detection": ("Detect fraud", m.PurposeKind.FRAUD_DETECTION),
    "analytics.reporting": ("Report on usage", m.PurposeKind.ANALYTICS),
    "marketing.advertising": ("Advertise", m.PurposeKind.MARKETING),
    "marketing.communications.email": ("Send marketing e-mail", m.PurposeKind.MARKETING),
    "personalize.content": ("Personalise content", m.PurposeKind.VALUE_ADDED_SERVICE),
    "functional.storage": ("Store user data", m.PurposeKind.SERVICE),
    "third_party_sharing": ("Share with third parties", m.PurposeKind.MARKETING),
    "employment.recruitment": ("Recruit staff", m.PurposeKind.EMPLOYMENT),
    "essential.legal_obligation": ("Meet legal obligations", m.PurposeKind.LEGAL_COMPLIANCE),
}
CATEGORIES = {
    "user.contact.email": "email_address",
    "user.contact.phone_number": "phone_number",
    "user.contact.address": "postal_address",
    "user.name": "full_name",
    "user.device.device_id": "device_identifiers",
    "user.device.ip_address": "ip_address",
    "user.device.cookie_id": "cookies_identifiers",
    "user.behavior.browsing_history": "session_activity",
    "user.behavior.purchase_history": "transaction_references",
    "user.financial.credit_card": "bank_details",
    "user.location.imprecise": "ip_geolocation",
    "user.account.username": "username",
    "user.demographic.age_range": "date_of_birth",
    "user.unique_id.pseudonymous": "authentication_identifiers",
    "user.payment": "billing_records",
}
SUBJECTS = {
    "customer": "customers",
    "employee": "employees",
    "prospect": "prospects",
    "job_applicant": "job_applicants",
    "visitor": "website_visitors",
    "supplier_vendor": "supplier_contacts",
}
LEGAL_BASES = {
    "Consent": "consent",
    "Contract": "contract",
    "Legal obligations": "legal_obligation",
    "Legitimate interests": "legitimate_interests",
}
RETENTION = {"30 days": "P30D", "90 days": "P90D", "1 year": "P1Y", "3 years": "P3Y"}
RETENTION |= {"7 years": "P7Y"}
SYSTEM_TYPES = {
    "Service": m.SystemKind.SERVER,
    "Application": m.SystemKind.APP,
    "Database": m.SystemKind.DATABASE,
    "Third Party": m.SystemKind.SAAS,
}
DEPARTMENTS = ("Engineering", "Marketing", "Finance", "HR", "Support", "Legal")


def system_key(i: int, n: int = SYSTEMS) -> str:
    return f"bench_sys_{i % n:05d}"


def fides_system(i: int, n: int = SYSTEMS, rev: int = 0) -> dict[str, Any]:
    """Fides' System payload for system ``i`` of ``n``, as it stands at revision ``rev``."""
    rnd = random.Random(i)  # the same draws for every revision of the system
    out1, out2 = system_key(i + 1, n), system_key(i + 2, n)
    in1, in2 = system_key(i - 1, n), system_key(i - 2, n)
    uses = rnd.sample(list(DATA_USES), DECLARATIONS)
    retention = list(RETENTION)
    declarations = []
    for d, use in enumerate(uses):
        declarations.append(
            {
                "name": f"Processing activity {d} of system {i}",
                "data_use": use,
                "data_categories": rnd.sample(list(CATEGORIES), 3),
                "data_subjects": rnd.sample(list(SUBJECTS), 2),
                "legal_basis_for_processing": rnd.choice(list(LEGAL_BASES)),
                "retention_period": retention[(d + rev) % len(retention)],
                "egress": [out1, out2],
                "ingress": [in1, in2],
            }
        )
    sent = sorted({c for d in declarations for c in d["data_categories"]})[:3]
    return {
        "fides_key": system_key(i, n),
        "organization_fides_key": ORGANISATION,
        "name": f"Benchmark system {i}",
        "description": f"Synthetic system {i} rev {rev}",
        "system_type": list(SYSTEM_TYPES)[i % len(SYSTEM_TYPES)],
        "administrating_department": DEPARTMENTS[i % len(DEPARTMENTS)],
        "egress": [
            {"fides_key": out1, "type": "system", "data_categories": sent},
            {"fides_key": out2, "type": "system", "data_categories": sent},
        ],
        "ingress": [{"fides_key": in1, "type": "system"}, {"fides_key": in2, "type": "system"}],
        "privacy_declarations": declarations,
    }


def fides_systems(n: int = SYSTEMS) -> list[dict[str, Any]]:
    return [fides_system(i, n) for i in range(n)]


def organisation() -> m.Organisation:
    return m.Organisation(
        key=ORGANISATION, name="Benchmark Organisation", establishment_country="DE"
    )


def ropa_part(i: int, n: int = SYSTEMS, rev: int = 0) -> m.RegistryDocument:
    """System ``i`` as ropa holds it: the system, its activities and their flows."""
    fides = fides_system(i, n, rev)
    key = fides["fides_key"]
    system = m.System(
        key=key,
        organisation=ORGANISATION,
        name=fides["name"],
        system_kind=SYSTEM_TYPES[fides["system_type"]],
        trust_boundary=fides["administrating_department"],
        description=fides["description"],
    )
    activities: list[m.Activity] = []
    flows: list[m.Flow] = []
    for d, declaration in enumerate(fides["privacy_declarations"]):
        purpose, purpose_kind = DATA_USES[declaration["data_use"]]
        categories = [CATEGORIES[c] for c in declaration["data_categories"]]
        activity = m.Activity(
            key=f"{key}-pd{d}",
            organisation=ORGANISATION,
            name=declaration["name"],
            business_function=fides["administrating_department"],
            purposes=[purpose],
            purpose_kinds=[purpose_kind],
            data_subjects=[SUBJECTS[s] for s in declaration["data_subjects"]],
            data_categories=categories,
            lawful_bases=[
                m.LawfulBasis(basis=LEGAL_BASES[declaration["legal_basis_for_processing"]])
            ],
            systems=[key],
            retention=[m.Retention(period=RETENTION[declaration["retention_period"]])],
        )
        activities.append(activity)
        flows += [
            m.Flow(
                key=f"{activity.key}-to-{target}",
                activity=activity.key,
                source=f"system:{key}",
                target=f"system:{target}",
                data_categories=categories,
                purpose=purpose,
            )
            for target in declaration["egress"]
        ]
    return m.RegistryDocument(systems=[system], activities=activities, flows=flows)


def ropa_document(n: int = SYSTEMS, first: int = 0, count: int | None = None) -> m.RegistryDocument:
    """Systems ``first`` to ``first + count`` (all by default) of ``n`` as one ropa document.

    ropa checks every reference on import, all or nothing, so a batch also carries the systems
    its flows point at beyond the batch (the same system entries the next batch holds: there
    they change nothing). The organisation comes with every batch, as a Fides upsert names
    its organisation.
    """
    last = n if count is None else min(n, first + count)
    document = m.RegistryDocument(organisations=[organisation()])
    for i in range(first, last):
        part = ropa_part(i, n)
        document.systems += part.systems
        document.activities += part.activities
        document.flows += part.flows
    held = {s.key for s in document.systems}
    for i in range(last, last + 2):
        if system_key(i, n) not in held:
            document.systems += ropa_part(i % n, n).systems
    return document
