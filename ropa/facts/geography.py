"""Where data stands for transfers: countries, zones and the adequacy decisions in force.

The one place that decides whether a country is in the EEA, which adequacy decision covers a
destination on a day, and whether that decision covers a given importer (the EU-US Data
Privacy Framework covers only certified organisations).
"""

from __future__ import annotations

import datetime as dt

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, Vocabularies
from ropa.facts.zones import Zone
from ropa.graph import RegistryGraph


def decisions_for(
    vocab: Vocabularies, country: str | None, organisation: str = ""
) -> tuple[AdequacyDecision, ...]:
    """Adequacy decisions for a country, or for an international organisation by name, by key."""
    wanted = organisation.strip().casefold()
    return tuple(
        decision
        for _, decision in sorted(vocab.adequacy_decisions.items())
        if (country and decision.country == country)
        or (not country and wanted and (decision.organisation or "").casefold() == wanted)
    )


def in_force(decisions: tuple[AdequacyDecision, ...], day: dt.date) -> AdequacyDecision | None:
    return next((decision for decision in decisions if decision.in_force_on(day)), None)


def covers(decision: AdequacyDecision, importer: m.Party | None) -> bool:
    """Whether a decision in force covers the importer: one that needs a certification covers
    only an importer recorded as certified."""
    if not decision.requires_certification:
        return True
    return importer is not None and importer.dpf is not None and importer.dpf.certified


def zone(
    vocab: Vocabularies,
    country: str | None,
    importer: m.Party | None,
    day: dt.date,
    organisation: str = "",
) -> tuple[Zone, AdequacyDecision | None]:
    """The zone of a destination for an importer on a day, with the decision in force."""
    if not country and not organisation.strip():
        return Zone.UNKNOWN, None
    if country and vocab.is_eea(country):
        return Zone.EEA, None
    decision = in_force(decisions_for(vocab, country, organisation), day)
    if decision is not None and covers(decision, importer):
        return Zone.ADEQUATE, decision
    return Zone.THIRD, decision


class Atlas:
    """The same answers as the functions above, remembered for one derivation: a registry
    asks about the same few destinations and importers thousands of times."""

    def __init__(self, vocab: Vocabularies) -> None:
        self.vocab = vocab
        self._decisions: dict[tuple[str | None, str], tuple[AdequacyDecision, ...]] = {}
        self._zones: dict[
            tuple[str | None, str, str | None, dt.date], tuple[Zone, AdequacyDecision | None]
        ] = {}

    def decisions_for(
        self, country: str | None, organisation: str = ""
    ) -> tuple[AdequacyDecision, ...]:
        key = (country, organisation)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = decisions_for(self.vocab, country, organisation)
        return found

    def zone(
        self,
        country: str | None,
        importer: m.Party | None,
        day: dt.date,
        organisation: str = "",
    ) -> tuple[Zone, AdequacyDecision | None]:
        certified = importer is not None and importer.dpf is not None and importer.dpf.certified
        key = (country, organisation, "certified" if certified else None, day)
        found = self._zones.get(key)
        if found is None:
            found = self._zones[key] = zone(self.vocab, country, importer, day, organisation)
        return found


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
