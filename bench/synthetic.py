"""A deterministic synthetic registry of any size, shaped like a real one.

``generate(n)`` gives n activities, n/5 systems, 5n flows, n/20 parties, one organisation per
1,000 activities (at least two once n >= 20) and a few vocabulary terms. Every reference stays
inside one organisation: an activity names only its organisation's systems and parties, and each
of its flows runs between those same systems and parties. Flows to a party or system outside the
EEA carry a transfer with a mechanism that fits the destination.

Keys are zero-padded so that key order is numeric order (``act-000042``); the load generator
relies on that to ask for random keys and pages.

    python -m bench.synthetic --activities 200        # import it into a temporary SQLite store
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ropa.domain import model as m

KEY_WIDTH = 6


def activity_key(i: int) -> str:
    return f"act-{i:0{KEY_WIDTH}d}"


def system_key(i: int) -> str:
    return f"sys-{i:0{KEY_WIDTH}d}"


def party_key(i: int) -> str:
    return f"party-{i:0{KEY_WIDTH}d}"


def flow_key(activity: int, j: int) -> str:
    return f"flow-{activity:0{KEY_WIDTH}d}-{j}"


@dataclass(frozen=True)
class Shape:
    """How many entities of each kind a registry of ``activities`` activities holds."""

    activities: int
    organisations: int
    systems: int
    parties: int
    flows_per_activity: int = 5
    terms: int = 5

    @classmethod
    def of(cls, activities: int, organisations: int | None = None) -> Shape:
        if activities < 1:
            raise ValueError("at least one activity")
        orgs = organisations or (max(2, activities // 1000) if activities >= 20 else 1)
        return cls(
            activities=activities,
            organisations=orgs,
            systems=max(2 * orgs, activities // 5),
            parties=max(2 * orgs, activities // 20),
        )

    @property
    def flows(self) -> int:
        return self.activities * self.flows_per_activity

    @property
    def entities(self) -> int:
        return (
            self.organisations
            + self.terms
            + self.parties
            + self.systems
            + self.activities
            + self.flows
        )


# --- vocabulary used (keys from schema/vocabulary/*.yaml) ---------------------------------

ORDINARY_CATEGORIES = (
    "full_name",
    "email_address",
    "phone_number",
    "postal_address",
    "username",
    "date_of_birth",
    "employer_organisation",
    "job_title",
    "extension_number",
    "sip_account_credentials",
    "authentication_identifiers",
    "account_settings",
    "ip_address",
    "device_identifiers",
    "push_token",
    "app_version_os",
    "crash_reports",
    "debug_logs",
    "usage_analytics",
    "cookies_identifiers",
    "session_activity",
    "call_metadata",
    "message_metadata",
    "sip_signalling",
    "call_recordings",
    "voicemail",
    "address_book_contacts",
    "dispatchable_location",
    "ip_geolocation",
    "billing_records",
    "transaction_references",
    "subscription_status",
    "bank_details",
    "support_correspondence",
    "marketing_preferences",
    "consent_records",
)
SPECIAL_CATEGORIES = ("health_data", "biometric_data", "trade_union_membership")
ART9_CONDITIONS = ("explicit_consent", "employment_social_security", "health_social_care")
SUBJECTS = (
    "customers",
    "app_users",
    "enterprise_users",
    "enterprise_administrators",
    "call_parties",
    "message_recipients",
    "address_book_contacts",
    "emergency_callers",
    "support_requesters",
    "website_visitors",
    "prospects",
    "employees",
    "job_applicants",
    "contractors",
    "supplier_contacts",
)
RISK_INDICATORS = (
    "systematic_monitoring",
    "sensitive_data",
    "large_scale",
    "combining_datasets",
    "location_tracking",
    "recording_of_communications",
    "contacts_upload_matching",
)
EEA = ("DE", "DE", "DE", "NL", "IE", "FR", "AT", "SE", "PL", "ES")
NON_EEA = ("US", "US", "US", "GB", "CH", "JP", "IN", "CA")
ADEQUATE = ("GB", "CH", "JP", "CA")
FUNCTIONS = (
    "Telephony operations",
    "Customer support",
    "Billing",
    "Marketing",
    "Human resources",
    "Security",
    "Product analytics",
    "Sales",
    "Legal",
)
PURPOSES = (
    "Deliver incoming calls to the app",
    "Route outgoing calls to the public network",
    "Bill usage and subscriptions",
    "Answer support requests",
    "Detect and prevent fraud",
    "Measure app stability",
    "Send service notifications",
    "Keep records required by telecommunications law",
    "Pay staff and administer contracts",
    "Send newsletters to customers who opted in",
    "Secure accounts against takeover",
    "Locate emergency callers",
)
MEASURES = (
    "TLS 1.3 in transit",
    "AES-256 encryption at rest",
    "Role-based access control",
    "Quarterly access reviews",
    "Pseudonymised identifiers",
    "Audit logging of administrative access",
    "Hardened base images, patched weekly",
    "Backups encrypted and tested monthly",
)
SOURCES = ("The data subject", "The enterprise customer", "The user's device", "Public registers")
SYSTEM_NAMES = (
    "push relay",
    "SIP proxy",
    "media server",
    "billing database",
    "CRM",
    "ticketing",
    "data warehouse",
    "mobile app",
    "web portal",
    "log store",
)
TRIGGERS = ("collection", "end of contract", "end of the call", "account deletion")
PERIODS = ("P7D", "P30D", "P90D", "P6M", "P1Y", "P3Y", "P6Y", "P10Y")


def _date(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def _pick(rng: random.Random, values: tuple[str, ...], low: int, high: int) -> list[str]:
    return rng.sample(values, rng.randint(low, high))


def generate(
    activities: int, *, seed: int = 2, organisations: int | None = None
) -> m.RegistryDocument:
    """A valid registry document of ``activities`` activities (see the module's notes)."""
    shape = Shape.of(activities, organisations)
    rng = random.Random(seed)
    orgs = [_organisation(rng, o) for o in range(shape.organisations)]
    terms = _terms()
    parties = [_party(rng, k, orgs[k % len(orgs)].key) for k in range(shape.parties)]
    parties_of: list[list[m.Party]] = [[] for _ in orgs]
    for k, party in enumerate(parties):
        parties_of[k % len(orgs)].append(party)
    for k, party in enumerate(parties):
        # Some processors use a sub-processor: an earlier processor of the same organisation.
        siblings = parties_of[k % len(orgs)]
        position = k // len(orgs)
        if party.role is m.PartyRole.SUB_PROCESSOR and position > 0:
            party.sub_processor_of = siblings[rng.randrange(position)].key
        elif party.role is m.PartyRole.SUB_PROCESSOR:
            party.role = m.PartyRole.PROCESSOR
    systems = [
        _system(rng, j, orgs[j % len(orgs)].key, parties_of[j % len(orgs)])
        for j in range(shape.systems)
    ]
    systems_of: list[list[m.System]] = [[] for _ in orgs]
    for j, system in enumerate(systems):
        systems_of[j % len(orgs)].append(system)
    country_of = {f"party:{p.key}": p.country for p in parties} | {
        f"system:{s.key}": s.hosting_country for s in systems
    }
    dpf_of = {f"party:{p.key}": bool(p.dpf and p.dpf.certified) for p in parties}
    activity_list: list[m.Activity] = []
    flows: list[m.Flow] = []
    for i in range(shape.activities):
        o = i % len(orgs)
        activity = _activity(rng, i, orgs[o].key, systems_of[o], parties_of[o], terms)
        activity_list.append(activity)
        flows.extend(_flows(rng, i, activity, shape.flows_per_activity, country_of, dpf_of))
    return m.RegistryDocument(
        organisations=orgs,
        terms=terms,
        parties=parties,
        systems=systems,
        activities=activity_list,
        flows=flows,
    )


def _organisation(rng: random.Random, o: int) -> m.Organisation:
    country = EEA[o % len(EEA)]
    domain = f"org{o:03d}.example"
    return m.Organisation(
        key=f"org-{o:03d}",
        name=f"Synthetic Telephony {o:03d} GmbH",
        role=m.OrganisationRole.CONTROLLER if o % 4 else m.OrganisationRole.BOTH,
        contact=m.Contact(
            name=f"Synthetic Telephony {o:03d} GmbH",
            address=f"Musterstraße {o + 1}, 10115 Berlin",
            email=f"privacy@{domain}",
            phone=f"+49 30 23125 {o:03d}",
        ),
        dpo=m.Contact(name=f"DPO of organisation {o}", email=f"dpo@{domain}"),
        dpo_designated=True,
        establishment_country=country,
        employee_band=m.EmployeeBand.FROM_250 if rng.random() < 0.6 else m.EmployeeBand.UNDER_250,
        registration_number=f"HRB {100000 + o} (fictional)",
    )


def _terms() -> list[m.Term]:
    return [
        m.Term(
            key="bench-vat-id",
            vocabulary=m.Vocabulary.DATA_CATEGORY,
            label="VAT identification number",
        ),
        m.Term(
            key="bench-loyalty-tier",
            vocabulary=m.Vocabulary.DATA_CATEGORY,
            label="Loyalty programme tier",
        ),
        m.Term(
            key="bench-badge-photo",
            vocabulary=m.Vocabulary.DATA_CATEGORY,
            label="Badge photo",
        ),
        m.Term(
            key="bench-resellers",
            vocabulary=m.Vocabulary.DATA_SUBJECT_CATEGORY,
            label="Reseller staff",
        ),
        m.Term(
            key="bench-visitors",
            vocabulary=m.Vocabulary.DATA_SUBJECT_CATEGORY,
            label="Office visitors",
        ),
    ]


def _party(rng: random.Random, k: int, organisation: str) -> m.Party:
    roll = rng.random()
    role = (
        m.PartyRole.PROCESSOR
        if roll < 0.6
        else m.PartyRole.SUB_PROCESSOR
        if roll < 0.75
        else m.PartyRole.INDEPENDENT_CONTROLLER
        if roll < 0.95
        else m.PartyRole.AUTHORITY
    )
    country = rng.choice(NON_EEA) if rng.random() < 0.35 else rng.choice(EEA)
    contract = (
        m.Contract(reference=f"DPA-{k:06d}", signed_on=_date(rng, dt.date(2019, 1, 1), 2000))
        if role in (m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR) and rng.random() < 0.9
        else None
    )
    dpf = (
        m.DpfCertification(
            certified=rng.random() < 0.7, checked_on=_date(rng, dt.date(2025, 6, 1), 300)
        )
        if country == "US"
        else None
    )
    return m.Party(
        key=party_key(k),
        organisation=organisation,
        name=f"Vendor {k} {'Inc.' if country == 'US' else 'Ltd'}",
        role=role,
        country=country,
        contact=m.Contact(name=f"Vendor {k} privacy office", email=f"privacy@vendor{k}.example"),
        contract=contract,
        dpf=dpf,
        description=f"Synthetic vendor number {k}.",
    )


def _system(rng: random.Random, j: int, organisation: str, parties: list[m.Party]) -> m.System:
    kind = rng.choice(list(m.SystemKind))
    operator = None
    if kind is m.SystemKind.SAAS and parties:
        operator = rng.choice(parties).key
    hosting = rng.choice(NON_EEA) if rng.random() < 0.15 else rng.choice(EEA)
    return m.System(
        key=system_key(j),
        organisation=organisation,
        name=f"{SYSTEM_NAMES[j % len(SYSTEM_NAMES)].capitalize()} {j}",
        system_kind=kind,
        operator=operator,
        hosting_country=hosting,
        trust_boundary=rng.choice(("production", "corporate", "vendor")),
        description=f"Synthetic system number {j}.",
    )


def _lawful_basis(rng: random.Random, basis: str, i: int) -> m.LawfulBasis:
    if basis == "consent":
        return m.LawfulBasis(basis=basis, consent_record=f"Consent log CL-{i}")
    if basis in ("legal_obligation", "public_task"):
        return m.LawfulBasis(
            basis=basis,
            law=m.LawCitation(title="Telekommunikationsgesetz", jurisdiction="DE", provision="§ 9"),
        )
    if basis == "legitimate_interests":
        return m.LawfulBasis(
            basis=basis,
            interest="Keeping the service secure and free of fraud.",
            lia_reference=f"LIA-{i:06d}" if rng.random() < 0.9 else "",
        )
    return m.LawfulBasis(basis=basis)


def _activity(
    rng: random.Random,
    i: int,
    organisation: str,
    systems: list[m.System],
    parties: list[m.Party],
    terms: list[m.Term],
) -> m.Activity:
    categories = _pick(rng, ORDINARY_CATEGORIES, 2, 6)
    subjects = _pick(rng, SUBJECTS, 1, 3)
    art9 = None
    if rng.random() < 0.05:
        categories.append(rng.choice(SPECIAL_CATEGORIES))
        art9 = rng.choice(ART9_CONDITIONS)
    if rng.random() < 0.1:
        categories.append(rng.choice(terms[:3]).key)
    if rng.random() < 0.05:
        subjects.append(rng.choice(terms[3:]).key)
    bases = rng.sample(
        ("contract", "contract", "legitimate_interests", "consent", "legal_obligation"),
        rng.randint(1, 2),
    )
    bases = list(dict.fromkeys(bases))
    retention = [
        m.Retention(
            data_category=rng.choice(categories),
            period=rng.choice(PERIODS),
            trigger=rng.choice(TRIGGERS),
        )
    ]
    if rng.random() < 0.5:
        retention.append(
            m.Retention(
                criteria="Deleted when the customer account is closed and no claim is pending.",
            )
        )
    reviewed = _date(rng, dt.date(2024, 6, 1), 600)
    return m.Activity(
        key=activity_key(i),
        organisation=organisation,
        name=f"{rng.choice(PURPOSES)} ({i})",
        business_function=rng.choice(FUNCTIONS),
        purposes=_pick(rng, PURPOSES, 1, 3),
        data_subjects=subjects,
        data_categories=categories,
        lawful_bases=[_lawful_basis(rng, b, i) for b in bases],
        art9_condition=art9,
        recipients=[p.key for p in rng.sample(parties, min(len(parties), rng.randint(1, 3)))],
        systems=[s.key for s in rng.sample(systems, min(len(systems), rng.randint(2, 4)))],
        retention=retention,
        security_measures=_pick(rng, MEASURES, 2, 4),
        data_sources=_pick(rng, SOURCES, 1, 2),
        risk_indicators=_pick(rng, RISK_INDICATORS, 0, 2),
        dpia=m.Dpia(status=m.DpiaStatus.NOT_REQUIRED) if rng.random() < 0.7 else None,
        owner=f"Owner {i % 97}",
        last_reviewed=reviewed,
        status=m.ActivityStatus.ACTIVE if rng.random() < 0.9 else m.ActivityStatus.DRAFT,
    )


def _transfer(rng: random.Random, country: str, dpf_certified: bool) -> m.Transfer:
    if country == "US" and dpf_certified:
        return m.Transfer(destination_country=country, mechanism="eu_us_dpf")
    if country in ADEQUATE:
        return m.Transfer(destination_country=country, mechanism="adequacy_decision")
    if rng.random() < 0.15:
        return m.Transfer(destination_country=country, mechanism="bcr")
    return m.Transfer(
        destination_country=country,
        mechanism="scc_2021",
        scc_module=rng.choice((2, 3)),
        tia_reference=f"TIA-{rng.randrange(10_000):04d}",
        frequency=rng.choice(list(m.TransferFrequency)),
    )


def _flows(
    rng: random.Random,
    i: int,
    activity: m.Activity,
    count: int,
    country_of: dict[str, str | None],
    dpf_of: dict[str, bool],
) -> list[m.Flow]:
    systems = [f"system:{k}" for k in activity.systems]
    parties = [f"party:{k}" for k in activity.recipients or ()]
    nodes = systems + parties
    # Data leaves from the activity's systems; parties occasionally send data back in.
    pairs = [(s, t) for s in systems for t in nodes if s != t]
    pairs += [(p, s) for p in parties for s in systems]
    chosen = rng.sample(pairs, count) if len(pairs) >= count else rng.choices(pairs, k=count)
    flows = []
    for j, (source, target) in enumerate(chosen):
        country = country_of.get(target)
        transfer = None
        if country and country not in EEA:
            transfer = _transfer(rng, country, dpf_of.get(target, False))
        flows.append(
            m.Flow(
                key=flow_key(i, j),
                activity=activity.key,
                source=source,
                target=target,
                data_categories=rng.sample(
                    activity.data_categories, min(len(activity.data_categories), rng.randint(1, 3))
                ),
                purpose=rng.choice(activity.purposes),
                transfer=transfer,
            )
        )
    return flows


def count(document: m.RegistryDocument) -> dict[str, int]:
    """Entities per collection, and how many flows carry a transfer."""
    counts = {
        name: len(getattr(document, name))
        for name in ("organisations", "terms", "parties", "systems", "activities", "flows")
    }
    counts["transfers"] = sum(1 for f in document.flows if f.transfer is not None)
    return counts


async def validate(activities: int = 200, seed: int = 2) -> dict[str, int]:
    """Import a generated registry into a temporary SQLite store; its counts when it round-trips."""
    import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
    from ropa.render.document import dump_document
    from ropa.services import build_services
    from ropa.store.engine import make_engine
    from ropa.store.migrate import migrate

    document = generate(activities, seed=seed)
    with tempfile.TemporaryDirectory(prefix="ropa-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'ropa.sqlite'}")
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate(engine)
        services = build_services(engine)
        report = await services.documents.import_document(document)
        created = sum(len(c.created) for c in report.changes.values())
        if created != Shape.of(activities).entities:
            raise AssertionError(f"{created} entities created, expected {Shape.of(activities)}")
        again = await services.documents.import_document(document)
        if again.changed:
            raise AssertionError("re-importing the same document changed the store")
        exported = await services.documents.export()
        if dump_document(exported, "json") != dump_document(document, "json"):
            raise AssertionError("the exported document differs from the imported one")
    return count(document)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    counts = asyncio.run(validate(args.activities, args.seed))
    print(f"imported, re-imported as a no-op and exported unchanged: {counts}")


if __name__ == "__main__":
    main()
