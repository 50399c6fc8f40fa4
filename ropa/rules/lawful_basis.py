"""Lawful basis (Art 6), its support, consent (Arts 4(11), 7), Art 9 conditions, Art 10 authority
and the Art 22(2) ground for automated decisions."""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.graph import RegistryGraph
from ropa.rules.common import bases, basis, entity
from ropa.rules.engine import Check, Hit, rule

LAW_BASED = ("legal_obligation", "public_task")
"""Art 6(1)(c) and (e): bases that Art 6(3) requires to rest on EU or Member State law."""

NOT_CONSENT = frozenset(
    {
        m.ConsentMechanism.INFERRED_FROM_USE,
        m.ConsentMechanism.BUNDLED_WITH_TERMS,
        m.ConsentMechanism.PRE_TICKED,
    }
)
"""Ways of "obtaining" consent that are no clear affirmative act, so no consent (Art 4(11), 7(2);
CJEU Planet49, C-673/17)."""

REGIME_LAW = {
    m.Regime.EU_GDPR: "EU or EEA Member State law",
    m.Regime.UK_GDPR: "UK law (domestic law under the UK GDPR)",
}


def consent_given(activity: m.Activity) -> bool:
    """The activity relies on consent obtained by a clear affirmative act (or not said how)."""
    consent = basis(activity, "consent")
    return consent is not None and consent.consent_mechanism not in NOT_CONSENT


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _cited(law: m.LawCitation | None) -> bool:
    return law is not None and not _blank(law.title)


def _labelled(graph: RegistryGraph, keys: list[str]) -> str:
    return ", ".join(f"{graph.category(key).label} ({key})" for key in keys)


def _special(facts: Facts, activity: m.Activity) -> list[str]:
    return facts.activities[activity.key].special()


@rule("LAWFUL-BASIS-MISSING")
def lawful_basis_missing(check: Check) -> Iterator[Hit]:
    """An organisation-wide lawful-basis statement is no basis for an activity: Art 6 asks
    which basis each processing rests on, so an activity that only inherits one is named
    with the statement it relies on."""
    for activity in check.facts.judged_activities:
        if activity.lawful_bases:
            continue
        said = check.facts.statements.get(f"activity:{activity.key}")
        if said is not None and said.lawful_basis.inherited:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} records no Art 6 basis of its own; it relies on the "
                f'organisation-wide statement "{_short(said.lawful_basis.text)}", which does '
                "not say which basis this processing rests on",
            )
        else:
            yield Hit(entity("activity", activity.key), f"{activity.name} records no Art 6 basis")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@rule("CONSENT-WITHOUT-RECORD")
def consent_without_record(check: Check) -> Iterator[Hit]:
    """Consent under Art 6(1)(a), and explicit consent under Art 9(2)(a), must be provable.

    The explicit-consent record stands on its own, whatever the Art 6 basis: it is the activity's
    ``art9_consent_record``, or the record of a consent basis (one act can give both). Without
    either it is reported on its own, with the detail ``explicit_consent``.
    """
    for activity in check.facts.judged_activities:
        consent = basis(activity, "consent")
        explicit = activity.art9_condition == "explicit_consent" and _blank(
            activity.art9_consent_record
        )
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
                f"{activity.name} relies on Art 9(2)(a) explicit consent but records no proof "
                "of it (no explicit-consent record, and no consent basis with a record)",
                detail="explicit_consent",
            )


@rule("CONSENT-INVALID-MECHANISM")
def consent_invalid_mechanism(check: Check) -> Iterator[Hit]:
    """Consent inferred from use, bundled with the terms or pre-ticked is not consent."""
    for activity in check.facts.judged_activities:
        consent = basis(activity, "consent")
        if consent is not None and consent.consent_mechanism in NOT_CONSENT:
            how = str(consent.consent_mechanism).replace("_", " ")
            yield Hit(
                entity("activity", activity.key),
                f'{activity.name} relies on consent obtained as "{how}", which is no clear '
                "affirmative act and so no consent",
            )


@rule("CONSENT-NO-WITHDRAWAL")
def consent_no_withdrawal(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        consent = basis(activity, "consent")
        if consent is not None and _blank(consent.consent_withdrawal):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on consent but does not say how it is withdrawn",
            )


@rule("LI-WITHOUT-LIA")
def li_without_lia(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        interests = basis(activity, "legitimate_interests")
        if interests is not None and _blank(interests.lia_reference):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on legitimate interests with no assessment referenced",
            )


@rule("LI-INTEREST-UNSTATED")
def li_interest_unstated(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        interests = basis(activity, "legitimate_interests")
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


def _cited_laws(activity: m.Activity) -> Iterator[tuple[str, m.LawCitation]]:
    found = bases(activity)
    for key in LAW_BASED:
        law = found[key].law if key in found else None
        if law is not None and not _blank(law.title):
            yield key, law


@rule("LEGAL-OBLIGATION-NON-EU-LAW")
def legal_obligation_non_eu_law(check: Check) -> Iterator[Hit]:
    """Art 6(3): the law must be Union or Member State law, or, under the UK GDPR, UK law."""
    for activity in check.facts.judged_activities:
        regimes = check.facts.regimes(activity.organisation)
        for key, law in _cited_laws(activity):
            if check.facts.law_regimes(activity.organisation, law):
                continue
            needed = " nor ".join(REGIME_LAW[regime] for regime in sorted(regimes))
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on {key.replace('_', ' ')} under {law.title} "
                f"({law.jurisdiction}), which is neither {needed}",
                detail=key,
            )


@rule("LEGAL-OBLIGATION-ONE-REGIME")
def legal_obligation_one_regime(check: Check) -> Iterator[Hit]:
    """An organisation under both the EU and the UK GDPR citing a law that serves only one."""
    for activity in check.facts.judged_activities:
        regimes = check.facts.regimes(activity.organisation)
        if len(regimes) < 2:
            continue
        for key, law in _cited_laws(activity):
            served = check.facts.law_regimes(activity.organisation, law)
            if len(served) != 1:
                continue
            (serves,) = served
            (other,) = regimes - served
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on {key.replace('_', ' ')} under {law.title} "
                f"({law.jurisdiction}), which serves the {_regime(serves)} only; processing "
                f"under the {_regime(other)} needs {REGIME_LAW[other]}",
                detail=key,
            )


def _regime(regime: m.Regime) -> str:
    return "EU GDPR" if regime == m.Regime.EU_GDPR else "UK GDPR"


@rule("SPECIAL-CATEGORY-WITHOUT-ART9-CONDITION")
def special_category_without_art9_condition(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        special = _special(check.facts, activity)
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
        if condition is None or not condition.requires_law or _cited(activity.art9_law):
            continue
        if condition.alternative and not _blank(activity.art9_agreement):
            continue  # (b) on a collective agreement, (h) on a professional-secrecy contract
        instead = f", nor {condition.alternative}" if condition.alternative else ""
        yield Hit(
            entity("activity", activity.key),
            f"{activity.name} relies on Art {condition.article} ({condition.title}) "
            f"without citing the law it rests on{instead}",
        )


@rule("ART9-CONDITION-WITHOUT-SPECIAL-DATA")
def art9_condition_without_special_data(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if activity.art9_condition and not _special(check.facts, activity):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} records the Art 9 condition `{activity.art9_condition}` but "
                "lists no special-category data",
            )


@rule("CRIMINAL-DATA-WITHOUT-ART10-AUTHORISATION")
def criminal_data_without_art10_authorisation(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        criminal = check.facts.activities[activity.key].criminal()
        if criminal and _blank(activity.art10_authority):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} processes {_labelled(graph, criminal)} with no official "
                "authority or authorising law recorded",
            )


@rule("ADM-WITHOUT-SAFEGUARDS")
def adm_without_safeguards(check: Check) -> Iterator[Hit]:
    """Art 22: a decision based solely on automated processing with legal or similarly
    significant effect needs an Art 22(2) ground and the safeguards of Art 22(3) (or, on a law,
    the measures that law lays down)."""
    for activity in check.facts.judged_activities:
        decisions = activity.automated_decisions
        if decisions is None or not decisions.legal_or_similar_effect:
            continue
        missing = []
        if decisions.ground is None and _blank(decisions.art22_ground):
            missing.append("no Art 22(2) ground (contract, law or explicit consent)")
        if _blank(decisions.safeguards):
            missing.append(
                "no safeguards (human intervention, expressing a view, contesting the decision)"
            )
        if missing:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} makes automated decisions with legal or similar effect, with "
                f"{' and '.join(missing)}",
            )


@rule("LI-PUBLIC-AUTHORITY", organisation_name=True)
def li_public_authority(check: Check) -> Iterator[Hit]:
    """Art 6(1) final subparagraph: point (f) does not apply to processing by public authorities
    in the performance of their tasks. Only an organisation recorded as a public authority is
    judged; "not stated" is not taken for one."""
    organisations = check.graph.organisations
    for activity in check.facts.judged_activities:
        organisation = organisations.get(activity.organisation)
        if organisation is None or organisation.public_authority is not True:
            continue
        if "legitimate_interests" in bases(activity):
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on legitimate interests, but {organisation.name} is a "
                "public authority: point (f) is not available for processing in the "
                "performance of its tasks",
            )
