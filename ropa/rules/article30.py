"""Article 30 record items.

Controller, joint controller, representative and DPO contacts; purposes, data subjects,
categories, recipients, security measures; the processor record.
"""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.facts import organisation as org_facts
from ropa.graph import RegistryGraph
from ropa.rules import wording
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule


def vague_phrases(purpose: str) -> tuple[str, ...]:
    """The vague phrases a purpose consists essentially of; empty when it says more than them.

    The phrases are data (``schema/vocabulary/vague_phrases.yaml``, list ``purposes``). A vague
    phrase inside a specific sentence ("analytics of call quality to tune codec selection per
    network") does not make the purpose vague: only what is left once the vague phrases are
    taken out decides, and it must hold the list's ``meaningful_words``.
    """
    return wording.vague_phrases("purposes", purpose)


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _reachable(contact: m.Contact) -> bool:
    """Someone can be written to or called: an email, a phone number or a postal address."""
    return not (_blank(contact.email) and _blank(contact.phone) and _blank(contact.address))


def _contact_gaps(contact: m.Contact, name: str | None = None) -> list[str]:
    """What a name-and-contact entry lacks, in words; ``name`` overrides the contact's own."""
    missing = []
    if _blank(contact.name if name is None else name):
        missing.append("no name")
    if not _reachable(contact):
        missing.append("no address, email or telephone number")
    return missing


def _country_name(graph: RegistryGraph, code: str) -> str:
    found = graph.vocab.countries.get(code)
    return f"{found.name} ({code})" if found else code


def _named(organisation: m.Organisation) -> str:
    return organisation.name.strip() or f"organisation `{organisation.key}`"


def _joint_controllers(facts: Facts) -> set[str]:
    """Keys of parties an active activity names as joint controller, recipient or flow target."""
    graph = facts.graph
    named: set[str] = set(facts.receivers)  # the direct recipients of judged activities
    for activity in facts.judged_activities:
        named.update(activity.joint_controllers)
    return {
        key
        for key in named
        if key in graph.parties and str(graph.parties[key].role) == "joint_controller"
    }


@rule("ART30-1A-CONTROLLER-NAME")
def controller_name(check: Check) -> Iterator[Hit]:
    for key, organisation in check.graph.organisations.items():
        if _blank(organisation.name):
            yield Hit(entity("organisation", key), f"organisation `{key}` has a blank name")


@rule("ART30-1A-CONTROLLER-CONTACT")
def controller_contact(check: Check) -> Iterator[Hit]:
    """An email address or a postal address (or a telephone number) meets Art 30(1)(a)."""
    for key, organisation in check.graph.organisations.items():
        contact = organisation.contact
        if contact is None:
            yield Hit(entity("organisation", key), f"no contact details for {_named(organisation)}")
        elif not _reachable(contact):
            yield Hit(
                entity("organisation", key),
                f"contact details of {_named(organisation)} have no postal address, email "
                "address or telephone number",
            )


@rule("ART30-1A-CONTROLLER-ADDRESS")
def controller_address(check: Check) -> Iterator[Hit]:
    """Advice only: the contact details meet Art 30(1)(a) without a postal address."""
    for key, organisation in check.graph.organisations.items():
        contact = organisation.contact
        if contact is not None and _reachable(contact) and _blank(contact.address):
            yield Hit(
                entity("organisation", key),
                f"contact details of {_named(organisation)} have no postal address",
            )


def _domain(email: str) -> str:
    return email.strip().rpartition("@")[2].lower() if "@" in email else ""


@rule("ART30-1A-CONTROLLER-IDENTITY", organisation=True)
def controller_identity(check: Check) -> Iterator[Hit]:
    """No legal entity named (a brand or app name only), or contact details that are a party's."""
    graph = check.graph
    for key, organisation in graph.organisations.items():
        name = organisation.name.strip()
        if (
            name
            and not wording.legal_entity_name(name)
            and _blank(organisation.registration_number)
        ):
            yield Hit(
                entity("organisation", key),
                f'"{name}" names no legal form (such as Ltd, GmbH, Inc, SAS or B.V.) and no '
                "registration number is recorded: the legal entity behind it is unclear",
                detail="name",
            )
        contact = organisation.contact
        if contact is None:
            continue
        domain = _domain(contact.email)
        for party in graph.parties.values():
            if party.organisation != key:
                continue
            theirs = party.contact or m.Contact()
            same_domain = bool(domain) and domain == _domain(theirs.email)
            same_name = not _blank(contact.name) and contact.name.strip().lower() in {
                party.name.strip().lower(),
                theirs.name.strip().lower(),
            }
            if same_domain or same_name:
                what = f"email domain {domain}" if same_domain else f'name "{contact.name.strip()}"'
                yield Hit(
                    entity("organisation", key),
                    f"the contact details of {_named(organisation)} share the {what} with "
                    f"{party.name} (party `{party.key}`): they may not be the controller's own",
                    detail="contact",
                )
                break


@rule("ART30-1A-JOINT-CONTROLLER-CONTACT", party=True)
def joint_controller_contact(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for key in sorted(_joint_controllers(check.facts)):
        party = graph.parties[key]
        missing = _contact_gaps(party.contact or m.Contact(), party.name)
        if missing:
            yield Hit(
                entity("party", key),
                f"joint controller `{key}` ({party.name.strip() or 'unnamed'}) has "
                + " and ".join(missing),
            )


_REGIME_PLACE = {m.Regime.EU_GDPR: ("the EEA", "EU"), m.Regime.UK_GDPR: ("the UK", "UK")}


def _regime_detail(regime: m.Regime) -> str:
    """Findings on the EU representative keep their id; the UK one's add ``/uk``."""
    return "" if regime is m.Regime.EU_GDPR else "uk"


@rule("ART30-1A-REPRESENTATIVE-CONTACT")
def representative_contact(check: Check) -> Iterator[Hit]:
    """Art 27: only where Art 3(2) applies and no Art 27(2) exemption is recorded, per regime."""
    graph = check.graph
    for key, organisation in graph.organisations.items():
        country = _country_name(graph, organisation.establishment_country or "")
        for represented in check.facts.organisations[key].representation:
            if not represented.required:
                continue
            place, who = _REGIME_PLACE[represented.regime]
            representative = (
                organisation.uk_representative
                if represented.regime is m.Regime.UK_GDPR
                else organisation.eu_representative
            )
            lead = (
                f"{_named(organisation)} is established in {country}, outside {place}, and "
                "Art 3(2) applies"
            )
            if representative is None:
                yield Hit(
                    entity("organisation", key),
                    f"{lead}, but it records no {who} representative",
                    detail=_regime_detail(represented.regime),
                )
            elif missing := _contact_gaps(representative):
                yield Hit(
                    entity("organisation", key),
                    f"{lead}, and its {who} representative has {' and '.join(missing)}",
                    detail=_regime_detail(represented.regime),
                )


@rule("ART27-SCOPE-UNRECORDED")
def art27_scope_unrecorded(check: Check) -> Iterator[Hit]:
    """Ask, rather than assume, whether Art 3(2) catches an organisation established outside."""
    graph = check.graph
    for key, organisation in graph.organisations.items():
        country = _country_name(graph, organisation.establishment_country or "")
        for represented in check.facts.organisations[key].representation:
            if represented.scope is not org_facts.Scope.NOT_RECORDED or represented.exempt:
                continue
            place, who = _REGIME_PLACE[represented.regime]
            yield Hit(
                entity("organisation", key),
                f"{_named(organisation)} is established in {country}, outside {place}: whether "
                f"it offers goods or services to people in the {who} or monitors their behaviour "
                f"there (Art 3(2)), and so needs a {who} representative, is not recorded",
                detail=_regime_detail(represented.regime),
            )


@rule("ART30-1A-DPO-CONTACT")
def dpo_contact(check: Check) -> Iterator[Hit]:
    for key, organisation in check.graph.organisations.items():
        dpo = organisation.dpo
        if dpo is None:
            if organisation.dpo_designated:
                yield Hit(
                    entity("organisation", key),
                    f"{_named(organisation)} has designated a DPO but records no DPO contact",
                )
        elif _blank(dpo.email) and _blank(dpo.phone):
            who = f"DPO {dpo.name.strip()}" if not _blank(dpo.name) else "the DPO"
            yield Hit(
                entity("organisation", key),
                f"{who} of {_named(organisation)} has neither an email address nor a telephone "
                "number",
            )


@rule("DPO-LIKELY-REQUIRED", organisation=True)
def dpo_likely_required(check: Check) -> Iterator[Hit]:
    for key, organisation in check.graph.organisations.items():
        grounds = check.facts.organisations[key].dpo_grounds
        if grounds and organisation.dpo is None:
            yield Hit(
                entity("organisation", key),
                f"{_named(organisation)} records no DPO, but one is required: "
                + "; ".join(grounds),
            )


@rule("ART30-5-EXEMPTION", organisation=True)
def art30_5_exemption(check: Check) -> Iterator[Hit]:
    """Advice for organisations under 250 employees: which activities the exemption can cover."""
    graph = check.graph
    for key, organisation in graph.organisations.items():
        status = check.facts.organisations[key].art30_5
        if status is None:
            continue
        bound = {a: why for a, why in status.items() if why}
        free = [a for a, why in status.items() if not why]
        parts = [f"`{a}` ({', '.join(why)})" for a, why in bound.items()]
        message = f"{_named(organisation)} has fewer than 250 employees; "
        if bound:
            message += "the Art 30(5) exemption cannot apply to " + "; ".join(parts)
        else:
            message += "no judged activity is outside the record's scope by Art 30(5) alone"
        if free:
            message += (
                "; it may apply to "
                + ", ".join(f"`{a}`" for a in free)
                + " (occasional, no risk, no Art 9/10 data)"
            )
        yield Hit(entity("organisation", key), message)


@rule("ART30-1B-PURPOSE-MISSING")
def purpose_missing(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if all(_blank(purpose) for purpose in activity.purposes):
            yield Hit(entity("activity", activity.key), f"{activity.name} states no purpose")


@rule("ART30-1B-PURPOSE-VAGUE")
def purpose_vague(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        for index, purpose in enumerate(activity.purposes):
            found = vague_phrases(purpose)
            if found:
                yield Hit(
                    entity("activity", activity.key),
                    f'purpose {index + 1} "{purpose.strip()}" says little more than '
                    + ", ".join(f'"{phrase}"' for phrase in found),
                    detail=str(index),
                )


@rule("ART30-1C-DATA-SUBJECTS-MISSING")
def data_subjects_missing(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if not activity.data_subjects:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} lists no categories of data subjects",
            )


@rule("ART30-1C-DATA-CATEGORIES-MISSING")
def data_categories_missing(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if not activity.data_categories:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} lists no categories of personal data",
            )


@rule("ART30-1D-RECIPIENTS-MISSING")
def recipients_missing(check: Check) -> Iterator[Hit]:
    """Recipients are stated by the list (``[]`` for none), by recipient categories, or by the
    parties the activity's flows reach; only an activity with none of these is missing them."""
    for activity in check.facts.judged_activities:
        if (
            activity.recipients is None
            and not activity.recipient_categories
            and not check.facts.activities[activity.key].direct_recipients
        ):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} does not record its recipients, not even that there are none",
            )


@rule("ART30-1D-RECIPIENT-NOT-LISTED")
def recipient_not_listed(check: Check) -> Iterator[Hit]:
    """The record says there are no recipients (``recipients: []`` and no categories), yet its
    flows deliver data to parties or to systems that parties operate."""
    graph = check.graph
    for activity in check.facts.judged_activities:
        if activity.recipients != [] or activity.recipient_categories:
            continue
        reached = check.facts.activities[activity.key].reached
        for party in sorted(check.facts.activities[activity.key].direct_recipients):
            how = ", ".join(reached[party].via)
            yield Hit(
                entity("activity", activity.key),
                f"the activity records no recipients, but {graph.name_of(f'party:{party}')} "
                f"(`{party}`) receives its data ({how})",
                detail=party,
            )


@rule("ART30-1G-TOMS-MISSING")
def toms_missing(check: Check) -> Iterator[Hit]:
    """An organisation-wide security statement that the entry inherits counts as stated; how
    specific it is, SECURITY-VAGUE judges."""
    statements = check.facts.statements
    for activity in check.facts.judged_activities:
        if not statements[entity("activity", activity.key)].security.stated:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} describes no technical or organisational security measures",
            )
    for record in check.facts.judged_processor_records:
        if not statements[entity("processor_record", record.key)].security.stated:
            yield Hit(
                entity("processor_record", record.key),
                f"processing for {record.controller.name.strip() or 'the controller'} describes "
                "no technical or organisational security measures",
            )


@rule("ART30-2A-CONTROLLER-CONTACT")
def processor_controller_contact(check: Check) -> Iterator[Hit]:
    for record in check.facts.judged_processor_records:
        controller = record.controller
        missing = _contact_gaps(controller)
        if missing:
            who = (
                f"controller {controller.name.strip()}"
                if "no name" not in missing
                else "the controller"
            )
            yield Hit(
                entity("processor_record", record.key),
                f"{who} on whose behalf `{record.key}` is processed has " + " and ".join(missing),
            )


@rule("ART30-2B-PROCESSING-CATEGORIES-MISSING")
def processing_categories_missing(check: Check) -> Iterator[Hit]:
    for record in check.facts.judged_processor_records:
        if all(_blank(category) for category in record.processing_categories):
            yield Hit(
                entity("processor_record", record.key),
                f"processing for {record.controller.name.strip() or 'the controller'} lists no "
                "categories of processing",
            )
