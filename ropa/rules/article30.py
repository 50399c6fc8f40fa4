"""Article 30 record items.

Controller, joint controller, representative and DPO contacts; purposes, data subjects,
categories, recipients, security measures; the processor record.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.graph import RegistryGraph
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

VAGUE_PURPOSES: tuple[str, ...] = (
    "business purposes",
    "legitimate business purposes",
    "general business purposes",
    "commercial purposes",
    "operational purposes",
    "administrative purposes",
    "internal purposes",
    "marketing purposes",
    "security purposes",
    "other purposes",
    "such other purposes as",
    "any lawful purpose",
    "any other lawful purpose",
    "as required",
    "as necessary",
    "for internal use",
    "service improvement",
    "improve our services",
    "to improve our services",
    "improving our services",
    "provide our services",
    "providing our services",
    "to provide and improve the service",
    "to provide and improve our services",
    "enhance the user experience",
    "improve performance",
    "comply with legal obligations",
    "comply with our legal obligations",
    "analytics",
)
"""Generic purposes that say nothing about the processing, in normalised form (see ``_words``).

A purpose is vague when it is one of these, or little more: see ``MEANINGFUL_WORDS``.
"""

MEANINGFUL_WORDS = 4
"""A purpose with this many meaningful words besides its vague phrases is specific enough."""

FILLER_WORDS = frozenset(
    """
    a all an and any are as be by e eg etc for from g ie in including is it its of on or our per
    purpose purposes such that the their these this those to us we with your
    """.split()  # noqa: SIM905 - a word list reads best as words
)
"""Words that carry no purpose of their own, so do not count towards ``MEANINGFUL_WORDS``."""


def _words(text: str) -> str:
    """Lower case, punctuation stripped, single spaces: the form phrases are matched in."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


_VAGUE_BY_LENGTH = sorted({_words(phrase) for phrase in VAGUE_PURPOSES}, key=len, reverse=True)
# One pass over a purpose: alternatives are tried longest first at each position.
_VAGUE_PATTERN = re.compile(
    "|".join(rf"(?<!\S){re.escape(phrase)}(?!\S)" for phrase in _VAGUE_BY_LENGTH)
)


@functools.lru_cache(maxsize=8192)
def vague_phrases(purpose: str) -> tuple[str, ...]:
    """The vague phrases a purpose consists essentially of; empty when it says more than them.

    A vague phrase inside a specific sentence ("analytics of call quality to tune codec
    selection per network") does not make the purpose vague: only what is left once the vague
    phrases are taken out decides, and it must hold ``MEANINGFUL_WORDS`` meaningful words.
    """
    words = _words(purpose)
    found = tuple(sorted(set(_VAGUE_PATTERN.findall(words)), key=_VAGUE_BY_LENGTH.index))
    if not found:
        return ()
    rest = _VAGUE_PATTERN.sub(" ", words)
    meaningful = [word for word in rest.split() if word not in FILLER_WORDS]
    return found if len(meaningful) < MEANINGFUL_WORDS else ()


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
    named: set[str] = set()
    for activity in facts.judged_activities:
        named |= set(activity.joint_controllers) | facts.activities[activity.key].direct_recipients
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
    for key, organisation in check.graph.organisations.items():
        contact = organisation.contact
        if contact is None:
            yield Hit(entity("organisation", key), f"no contact details for {_named(organisation)}")
            continue
        missing = []
        if _blank(contact.address):
            missing.append("no postal address")
        if _blank(contact.email) and _blank(contact.phone):
            missing.append("neither an email address nor a telephone number")
        if missing:
            yield Hit(
                entity("organisation", key),
                f"contact details of {_named(organisation)} have {' and '.join(missing)}",
            )


@rule("ART30-1A-JOINT-CONTROLLER-CONTACT")
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


@rule("ART30-1A-REPRESENTATIVE-CONTACT")
def representative_contact(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for key, organisation in graph.organisations.items():
        if not check.facts.outside_eea(organisation.establishment_country):
            continue
        country = _country_name(graph, organisation.establishment_country or "")
        representative = organisation.eu_representative
        if representative is None:
            yield Hit(
                entity("organisation", key),
                f"{_named(organisation)} is established in {country}, outside the EEA, "
                "and records no EU representative",
            )
        else:
            missing = _contact_gaps(representative)
            if missing:
                yield Hit(
                    entity("organisation", key),
                    f"{_named(organisation)} is established in {country}, outside the EEA, and its "
                    f"EU representative has {' and '.join(missing)}",
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
    """``recipients: []`` records that there are none; only an absent list is missing."""
    for activity in check.facts.judged_activities:
        if activity.recipients is None:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} does not record its recipients, not even that there are none",
            )


@rule("ART30-1D-RECIPIENT-NOT-LISTED")
def recipient_not_listed(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        if activity.recipients is None:
            continue  # ART30-1D-RECIPIENTS-MISSING says so
        listed = set(activity.recipients)
        targets = {
            flow.target.partition(":")[2]: flow.key
            for flow in graph.flows_by_activity.get(activity.key, ())
            if flow.target.startswith("party:")
        }
        for party, flow in sorted(targets.items()):
            if party not in listed:
                yield Hit(
                    entity("activity", activity.key),
                    f"flow `{flow}` sends data to {graph.name_of(f'party:{party}')} "
                    f"(`{party}`), which the activity's recipients do not list",
                    detail=party,
                )


@rule("ART30-1G-TOMS-MISSING")
def toms_missing(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if all(_blank(measure) for measure in activity.security_measures):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} describes no technical or organisational security measures",
            )
    for record in check.facts.judged_processor_records:
        if all(_blank(measure) for measure in record.security_measures):
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
