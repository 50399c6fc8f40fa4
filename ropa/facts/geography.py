"""Where data stands for transfers: countries, zones and the adequacy decisions in force.

The one place that decides whether a country is in the EEA (or, for the UK GDPR, the UK), which
adequacy decision covers a destination on a day under a regime, whether that decision covers a
given importer (the EU-US Data Privacy Framework covers only certified organisations), and
whether a mechanism is valid (the DPF mechanism and its decision stand or fall together).
"""

from __future__ import annotations

import datetime as dt
import functools

from ropa.domain import model as m
from ropa.domain.vocabulary import (
    EU_GDPR,
    UK_GDPR,
    AdequacyDecision,
    TransferMechanism,
    Vocabularies,
)
from ropa.facts.zones import Zone
from ropa.graph import RegistryGraph

TERRITORY_UK = frozenset({"GB"})
"""The UK GDPR's own territory (the Crown Dependencies and Gibraltar have adequacy instead)."""


def inside(vocab: Vocabularies, country: str | None, regime: str = EU_GDPR) -> bool:
    """Whether a known country lies inside a regime's own territory: the EEA for the EU GDPR
    (outermost regions and Aland included, see countries.yaml), the UK for the UK GDPR."""
    if not country:
        return False
    if regime == UK_GDPR:
        return country in TERRITORY_UK
    return vocab.is_eea(country)


def outside(vocab: Vocabularies, country: str | None, regime: str = EU_GDPR) -> bool:
    """A known country outside a regime's territory (an unknown one is not assumed outside)."""
    return bool(country) and not inside(vocab, country, regime)


def decisions_for(
    vocab: Vocabularies, country: str | None, organisation: str = "", regime: str = EU_GDPR
) -> tuple[AdequacyDecision, ...]:
    """Adequacy decisions of a regime for a country, or for an international organisation by
    name (an organisation is judged on its own decisions, wherever it sits), by key.

    Remembered per vocabulary: a registry asks about the same few destinations for every flow.
    """
    _VOCABULARIES.setdefault(id(vocab), vocab)  # kept, so that its id is never reused
    return _decisions(id(vocab), country, organisation, regime)


_VOCABULARIES: dict[int, Vocabularies] = {}


@functools.lru_cache(maxsize=8192)
def _decisions(
    vocab_id: int, country: str | None, organisation: str, regime: str
) -> tuple[AdequacyDecision, ...]:
    vocab = _VOCABULARIES[vocab_id]
    wanted = organisation.strip().casefold()
    return tuple(
        decision
        for _, decision in sorted(vocab.adequacy_decisions.items())
        if decision.regime == regime
        and (
            (wanted and (decision.organisation or "").casefold() == wanted)
            or (
                not wanted
                and bool(country)
                and (decision.country == country or (decision.eea and vocab.is_eea(country)))
            )
        )
    )


def decision_in_force(
    vocab: Vocabularies, decision: AdequacyDecision, day: dt.date, regime: str = EU_GDPR
) -> bool:
    """A decision is in force by its own dates and, when it is a framework (the DPF), while
    the framework's mechanism is valid: the one dated source for both."""
    if not decision.in_force_on(day):
        return False
    framework = vocab.transfer_mechanisms.get(decision.framework or "")
    return framework is None or framework.period(regime).covers(day)


def in_force(
    decisions: tuple[AdequacyDecision, ...],
    day: dt.date,
    vocab: Vocabularies | None = None,
    regime: str = EU_GDPR,
) -> AdequacyDecision | None:
    return next(
        (
            decision
            for decision in decisions
            if (
                decision_in_force(vocab, decision, day, regime)
                if vocab is not None
                else decision.in_force_on(day)
            )
        ),
        None,
    )


def mechanism_valid(
    vocab: Vocabularies, mechanism: TransferMechanism, day: dt.date, regime: str = EU_GDPR
) -> bool:
    """Whether a mechanism may be relied on for a regime's export on a day: its own dates, and
    for a framework (the DPF) the dates of the adequacy decision that is its legal basis."""
    if not mechanism.valid_on(day, regime):
        return False
    linked = [
        d
        for d in vocab.adequacy_decisions.values()
        if d.framework == mechanism.key and d.regime == regime
    ]
    return not linked or any(d.in_force_on(day) for d in linked)


def covers(decision: AdequacyDecision, importer: m.Party | None) -> bool:
    """Whether a decision in force covers the importer: one that needs a certification covers
    only an importer recorded as certified."""
    if not decision.requires_certification:
        return True
    return importer is not None and importer.dpf is not None and importer.dpf.certified


def organisation_of_importer(importer: m.Party | None) -> str:
    """The international organisation an importer is, by name; "" for any other party."""
    return importer.name if importer is not None and importer.international_organisation else ""


def zone(
    vocab: Vocabularies,
    country: str | None,
    importer: m.Party | None,
    day: dt.date,
    organisation: str = "",
    regime: str = EU_GDPR,
) -> tuple[Zone, AdequacyDecision | None]:
    """The zone of a destination for an importer on a day, with the decision in force.

    An international organisation is outside every territory wherever it sits, and is judged
    on its own adequacy decision. Under the UK GDPR the UK is ``DOMESTIC``, the EEA adequate.
    """
    organisation = organisation.strip() or organisation_of_importer(importer)
    if not country and not organisation:
        return Zone.UNKNOWN, None
    if not organisation and inside(vocab, country, regime):
        return (Zone.EEA if regime == EU_GDPR else Zone.DOMESTIC), None
    decision = in_force(decisions_for(vocab, country, organisation, regime), day, vocab, regime)
    if decision is not None and covers(decision, importer):
        return Zone.ADEQUATE, decision
    return Zone.THIRD, decision


def importer_of(graph: RegistryGraph, node: str) -> m.Party | None:
    """The party that receives data at a node: the party itself, or a system's operator."""
    endpoint = graph.endpoint(node)
    if isinstance(endpoint, m.System):
        return graph.parties.get(endpoint.operator or "")
    return endpoint


def node_zone(graph: RegistryGraph, node: str, day: dt.date) -> Zone:
    """The zone of a system or party node, for the party that would import there."""
    if graph.endpoint(node) is None:
        return Zone.UNKNOWN
    return zone(graph.vocab, graph.country_of(node), importer_of(graph, node), day)[0]


def union_law(vocab: Vocabularies, jurisdiction: str) -> bool:
    """Whether a law is Union or Member State law (Art 6(3)): EU, or an EEA state's."""
    return jurisdiction == "EU" or vocab.is_eea(jurisdiction)


def country_name(vocab: Vocabularies, code: str | None) -> str:
    """A country's name from the vocabulary, or the code itself when unknown."""
    if not code:
        return ""
    found = vocab.countries.get(code)
    return found.name if found else code
