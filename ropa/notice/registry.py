"""What the registry holds that an organisation's notice must disclose (Arts 13 and 14).

Read from the derived facts only: recipients are the parties each judged activity's data reaches
(``ActivityFacts.reached``), transfers are the judged transfers that leave the territory
(``Facts.transfers_judged``), the representative and DPO grounds are the organisation facts.
The generator writes a sentence for each item; the checker looks for each in a published
notice. Both read this one list, so they never disagree on what a notice owes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropa.domain import model as m
from ropa.domain.vocabulary import TransferMechanism
from ropa.facts import Facts
from ropa.facts.organisation import OrganisationFacts


@dataclass(frozen=True, slots=True)
class Recipient:
    party: m.Party
    activities: tuple[m.Activity, ...]


@dataclass(frozen=True, slots=True)
class CategoryRecipient:
    category: m.RecipientCategory
    activities: tuple[m.Activity, ...]


@dataclass(frozen=True, slots=True)
class Transfer:
    """Data going to one importer in one country under one mechanism (however many flows)."""

    importer: m.Party | None
    country: str | None
    international_organisation: str
    mechanism: TransferMechanism | None
    mechanism_key: str | None
    entities: tuple[str, ...]
    """The flows (``flow:<key>``) or implied importers (``party:<key>``) that carry it."""
    activities: tuple[str, ...]

    @property
    def entity(self) -> str:
        """The registry entry a finding on the transfer names."""
        if self.importer is not None:
            return f"party:{self.importer.key}"
        return self.entities[0]

    @property
    def detail(self) -> str:
        return self.country or self.international_organisation or ""


@dataclass(frozen=True, slots=True)
class Kept:
    """One retention rule of an activity."""

    activity: m.Activity
    rule: m.Retention

    @property
    def detail(self) -> str:
        return self.rule.data_category or "all"


@dataclass(frozen=True, slots=True)
class Holds:
    organisation: m.Organisation
    facts: OrganisationFacts
    activities: tuple[m.Activity, ...]
    recipients: tuple[Recipient, ...]
    categories: tuple[CategoryRecipient, ...]
    transfers: tuple[Transfer, ...]
    retention: tuple[Kept, ...]
    rights: tuple[str, ...]
    """The rights the notice must name (``words.RIGHTS`` keys)."""
    representatives: tuple[tuple[m.Regime, m.Contact | None], ...]
    """Per regime where Art 27 (or its UK twin) requires one or one is recorded: the recorded
    representative (None when required and missing)."""

    @property
    def processors(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.party.role in _PROCESSORS)

    @property
    def third_parties(self) -> tuple[str, ...]:
        """Recipients that are not processors (Art 4(10)), by name: parties and categories
        with another role. A party whose role is not recorded is not counted."""
        found = [r.party.name for r in self.recipients if r.party.role not in (None, *_PROCESSORS)]
        found += [
            c.category.label
            for c in self.categories
            if c.category.role is not None and c.category.role not in _PROCESSORS
        ]
        return tuple(found)


_PROCESSORS = (m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR)
_ALWAYS = ("access", "rectification", "erasure", "restriction")


def _rights(activities: tuple[m.Activity, ...]) -> tuple[str, ...]:
    bases = {b.basis for a in activities for b in a.lawful_bases}
    rights = list(_ALWAYS)
    if bases & {"consent", "contract"}:
        rights.append("portability")
    if bases & {"legitimate_interests", "public_task"}:
        rights.append("objection")
    if "consent" in bases:
        rights.append("withdraw_consent")
    rights.append("complaint")
    return tuple(rights)


def _transfers(facts: Facts, activities: set[str], records: set[str]) -> tuple[Transfer, ...]:
    groups: dict[tuple[object, ...], dict[str, list[str]]] = {}
    first: dict[tuple[object, ...], tuple[m.Party | None, str | None, str, str | None]] = {}
    for t in facts.transfers_judged:
        if not t.leaves:
            continue
        if t.activity not in activities and t.processor_record not in records:
            continue
        mechanism = t.mechanism_key
        key = (
            t.importer.key if t.importer is not None else t.target,
            t.destination,
            t.international_organisation,
            mechanism,
        )
        group = groups.setdefault(key, {"entities": [], "activities": []})
        if t.entity not in group["entities"]:
            group["entities"].append(t.entity)
        owner = t.activity or t.processor_record or ""
        if owner not in group["activities"]:
            group["activities"].append(owner)
        first.setdefault(key, (t.importer, t.destination, t.international_organisation, mechanism))
    vocab = facts.graph.vocab
    return tuple(
        Transfer(
            importer=importer,
            country=country,
            international_organisation=organisation,
            mechanism=vocab.transfer_mechanisms.get(mechanism or ""),
            mechanism_key=mechanism,
            entities=tuple(groups[key]["entities"]),
            activities=tuple(groups[key]["activities"]),
        )
        for key, (importer, country, organisation, mechanism) in first.items()
    )


def holds(facts: Facts, organisation: str) -> Holds:
    """What the registry holds for ``organisation``'s notice, in registry order."""
    organisation_facts = facts.organisations[organisation]
    activities = tuple(facts.activities[key].activity for key in organisation_facts.activities)
    reached: dict[str, list[m.Activity]] = {}
    categories: dict[str, tuple[m.RecipientCategory, list[m.Activity]]] = {}
    for activity in activities:
        for party in facts.activities[activity.key].reached:
            reached.setdefault(party, []).append(activity)
        for category in activity.recipient_categories:
            found = categories.setdefault(category.label, (category, []))
            found[1].append(activity)
    graph = facts.graph
    recipients = tuple(
        Recipient(graph.parties[key], tuple(found))
        for key, found in reached.items()
        if key in graph.parties
    )
    retention = tuple(Kept(a, rule) for a in activities for rule in a.retention)
    org = organisation_facts.organisation
    representatives = tuple(
        (r.regime, contact)
        for r in organisation_facts.representation
        if (
            contact := (
                org.uk_representative if r.regime is m.Regime.UK_GDPR else org.eu_representative
            )
        )
        is not None
        or r.required
    )
    return Holds(
        organisation=org,
        facts=organisation_facts,
        activities=activities,
        recipients=recipients,
        categories=tuple(CategoryRecipient(c, tuple(a)) for c, a in categories.values()),
        transfers=_transfers(
            facts, set(organisation_facts.activities), set(organisation_facts.processor_records)
        ),
        retention=retention,
        rights=_rights(activities),
        representatives=representatives,
    )
