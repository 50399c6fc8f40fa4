"""Lawful basis (Art 6), its support, Art 9 conditions and Art 10 authority."""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.graph import RegistryGraph
from ropa.rules.common import bases, entity
from ropa.rules.engine import Check, Hit, rule

LAW_BASED = ("legal_obligation", "public_task")
"""Art 6(1)(c) and (e): bases that Art 6(3) requires to rest on EU or Member State law."""


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _cited(law: m.LawCitation | None) -> bool:
    return law is not None and not _blank(law.title)


def _labelled(graph: RegistryGraph, keys: list[str]) -> str:
    return ", ".join(f"{graph.category(key).label} ({key})" for key in keys)


def _special(graph: RegistryGraph, activity: m.Activity) -> list[str]:
    return [key for key in activity.data_categories if graph.category(key).special]


@rule("LAWFUL-BASIS-MISSING")
def lawful_basis_missing(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if not activity.lawful_bases:
            yield Hit(entity("activity", activity.key), f"{activity.name} records no Art 6 basis")


@rule("CONSENT-WITHOUT-RECORD")
def consent_without_record(check: Check) -> Iterator[Hit]:
    """Consent under Art 6(1)(a), and explicit consent under Art 9(2)(a), must be provable.

    An explicit-consent condition is covered by the record of a consent basis; without a
    consent basis at all it is reported on its own, with the detail ``explicit_consent``.
    """
    for activity in check.facts.judged_activities:
        consent = bases(activity).get("consent")
        explicit = activity.art9_condition == "explicit_consent"
        if consent is not None and _blank(consent.consent_record):
            also = (
                ", which leaves its Art 9(2)(a) explicit consent unproven too" if explicit else ""
            )
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on consent but records no consent record{also}",
            )
        elif consent is None and explicit:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on Art 9(2)(a) explicit consent, and no consent basis "
                "carries a consent record",
                detail="explicit_consent",
            )


@rule("CONSENT-NO-WITHDRAWAL")
def consent_no_withdrawal(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        consent = bases(activity).get("consent")
        if consent is not None and _blank(consent.consent_withdrawal):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on consent but does not say how it is withdrawn",
            )


@rule("LI-WITHOUT-LIA")
def li_without_lia(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        interests = bases(activity).get("legitimate_interests")
        if interests is not None and _blank(interests.lia_reference):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on legitimate interests with no assessment referenced",
            )


@rule("LI-INTEREST-UNSTATED")
def li_interest_unstated(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        interests = bases(activity).get("legitimate_interests")
        if interests is not None and _blank(interests.interest):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on legitimate interests without stating the interest",
            )


@rule("LEGAL-OBLIGATION-LAW-UNCITED")
def legal_obligation_law_uncited(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        found = bases(activity)
        for key in LAW_BASED:
            if key in found and not _cited(found[key].law):
                yield Hit(
                    entity("activity", activity.key),
                    f"{activity.name} relies on {key.replace('_', ' ')} without citing the law",
                    detail=key,
                )


@rule("LEGAL-OBLIGATION-NON-EU-LAW")
def legal_obligation_non_eu_law(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        found = bases(activity)
        for key in LAW_BASED:
            law = found[key].law if key in found else None
            if law is None or check.facts.union_law(law):
                continue
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on {key.replace('_', ' ')} under {law.title} "
                f"({law.jurisdiction}), which is neither EU nor EEA Member State law",
                detail=key,
            )


@rule("SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION")
def special_category_without_art9_condition(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        special = _special(graph, activity)
        if special and not activity.art9_condition:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} processes {_labelled(graph, special)} with no Art 9(2) condition",
            )


@rule("ART9-CONDITION-LAW-UNCITED")
def art9_condition_law_uncited(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        condition = graph.vocab.art9_conditions.get(activity.art9_condition or "")
        if condition is not None and condition.requires_law and not _cited(activity.art9_law):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on Art {condition.article} ({condition.title}) "
                "without citing the law it rests on",
            )


@rule("ART9-CONDITION-WITHOUT-SPECIAL-DATA")
def art9_condition_without_special_data(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        if activity.art9_condition and not _special(graph, activity):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} records the Art 9 condition `{activity.art9_condition}` but "
                "lists no special-category data",
            )


@rule("CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION")
def criminal_data_without_art10_authorisation(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        criminal = [key for key in activity.data_categories if graph.category(key).criminal]
        if criminal and _blank(activity.art10_authority):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} processes {_labelled(graph, criminal)} with no official "
                "authority or authorising law recorded",
            )
