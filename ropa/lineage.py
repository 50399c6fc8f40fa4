"""Lineage and impact questions answered from the registry graph.

- where does a data category go (every system and party it reaches, with countries and
  transfer mechanisms);
- what is exposed if a party is breached (for Art 33 triage);
- which parties must act on an erasure request from a category of data subjects (Art 17, 19).
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from ropa.facts import Facts, Zone
from ropa.graph import RegistryGraph, node_id

S = TypeVar("S", bound=msgspec.Struct)


class Reached(msgspec.Struct, kw_only=True, omit_defaults=True):
    node: str
    name: str
    kind: str
    country: str | None = None
    outside_eea: bool = False
    """The node's zone (from the derived facts) is outside the EEA: a country outside it, or an
    international organisation wherever it sits."""
    flows: list[str] = msgspec.field(default_factory=list)
    activities: list[str] = msgspec.field(default_factory=list)
    mechanisms: list[str] = msgspec.field(default_factory=list)
    """Mechanisms of the transfers into this node, as the derived facts see them: `none
    recorded` for a declared transfer without one, `undeclared` for a transfer not declared."""


class CategoryLineage(msgspec.Struct, kw_only=True):
    data_category: str
    label: str
    declared_by: list[str]
    """Activities that list the category."""
    reached: list[Reached]
    """Every system and party the category flows to or from, in key order."""


class PartyImpact(msgspec.Struct, kw_only=True):
    party: str
    name: str
    exposed_nodes: list[str]
    """The party, the systems it operates and its sub-processors, downstream."""
    activities: list[str]
    organisations: list[str]
    data_categories: list[str]
    special_categories: list[str]
    data_subjects: list[str]
    countries: list[str]
    flows: list[str]
    """Flows into the exposed nodes."""
    onward_flows: list[str] = msgspec.field(default_factory=list)
    """Flows out of the exposed nodes to others: data the breached party passes on, which a
    breach there may expose as it travels (e.g. a carrier's onward routing to an authority)."""
    onward_recipients: list[str] = msgspec.field(default_factory=list)
    """The nodes those onward flows reach."""


class ErasureParty(msgspec.Struct, kw_only=True, omit_defaults=True):
    party: str
    name: str
    role: str | None = None
    country: str | None = None
    email: str = ""
    activities: list[str] = msgspec.field(default_factory=list)
    via: str = ""
    """How the party comes to hold the data: recipient, flow, operator or sub-processor of X."""


class ErasureList(msgspec.Struct, kw_only=True):
    data_subject: str
    activities: list[str]
    parties: list[ErasureParty]


def _in_scope(graph: RegistryGraph, activity_key: str, organisation: str | None) -> bool:
    activity = graph.activities.get(activity_key)
    return activity is not None and (organisation is None or activity.organisation == organisation)


def category_lineage(
    facts: Facts, category: str, organisation: str | None = None
) -> CategoryLineage:
    graph = facts.graph
    reached: dict[str, Reached] = {}
    for source, target, flow in graph.flow_edges():
        if category not in flow.data_categories:
            continue
        if not _in_scope(graph, flow.activity, organisation):
            continue
        for node in (source, target):
            entry = reached.get(node)
            if entry is None:
                country = graph.country_of(node)
                entry = reached[node] = Reached(
                    node=node,
                    name=graph.name_of(node),
                    kind=node.partition(":")[0],
                    country=country,
                    outside_eea=facts.node_zone(node) in (Zone.ADEQUATE, Zone.THIRD),
                )
            _add(entry.flows, flow.key)
            _add(entry.activities, flow.activity)
        held = facts.flows.get(flow.key)
        if held is not None and held.is_transfer:
            mechanism = "undeclared" if held.transfer is None else held.transfer.mechanism
            _add(reached[target].mechanisms, mechanism or "none recorded")
    declared = sorted(
        key
        for key, activity in graph.activities.items()
        if category in activity.data_categories and _in_scope(graph, key, organisation)
    )
    return CategoryLineage(
        data_category=category,
        label=graph.category(category).label,
        declared_by=declared,
        reached=[_sorted(reached[k]) for k in sorted(reached)],
    )


def party_impact(facts: Facts, party: str) -> PartyImpact:
    """What a breach at ``party`` exposes: what flows into it, its systems, its sub-processors,
    and the onward flows it sends from there."""
    graph = facts.graph
    start = node_id("party", party)
    held = facts.parties.get(party)
    exposed = set(held.exposed) if held is not None else {start}
    activities: set[str] = set()
    categories: set[str] = set()
    flows: set[str] = set()
    onward: set[str] = set()
    onward_to: set[str] = set()
    for source, target, flow in graph.flow_edges():
        if target in exposed:
            activities.add(flow.activity)
            categories.update(flow.data_categories)
            flows.add(flow.key)
        elif source in exposed:
            onward.add(flow.key)
            onward_to.add(target)
    for key, activity in graph.activities.items():
        recipients = set(activity.recipients or ())
        if any(node_id("party", r) in exposed for r in recipients) and key not in activities:
            activities.add(key)
            categories.update(activity.data_categories)  # declared, though no flow is recorded
    subjects = {s for a in activities for s in graph.activities[a].data_subjects}
    countries = {c for node in exposed if (c := graph.country_of(node))}
    return PartyImpact(
        party=party,
        name=graph.name_of(start),
        exposed_nodes=sorted(exposed),
        activities=sorted(activities),
        organisations=sorted({graph.activities[a].organisation for a in activities}),
        data_categories=sorted(categories),
        special_categories=sorted(
            c for c in categories if graph.category(c).special or graph.category(c).criminal
        ),
        data_subjects=sorted(subjects),
        countries=sorted(countries),
        flows=sorted(flows),
        onward_flows=sorted(onward),
        onward_recipients=sorted(onward_to),
    )


def erasure_parties(
    facts: Facts, data_subject: str, organisation: str | None = None
) -> ErasureList:
    """Parties that hold data of ``data_subject`` and must erase it too (Art 17(1), 19)."""
    graph = facts.graph
    activities = sorted(
        key
        for key, activity in graph.activities.items()
        if data_subject in activity.data_subjects and _in_scope(graph, key, organisation)
    )
    holders: dict[str, ErasureParty] = {}
    # Direct holders first, so a party that also sits down a chain is named for its own part.
    reaches = [(key, r) for key in activities for r in facts.activities[key].reached.values()]
    reaches.sort(key=lambda pair: not pair[1].direct)
    for key, reach in reaches:
        entity = graph.parties.get(reach.party)
        if entity is not None:
            entry = holders.setdefault(
                reach.party,
                ErasureParty(
                    party=reach.party,
                    name=entity.name,
                    role=str(entity.role) if entity.role else None,
                    country=entity.country,
                    email=entity.contact.email if entity.contact else "",
                    via=reach.via[0],
                ),
            )
            _add(entry.activities, key)
    return ErasureList(
        data_subject=data_subject,
        activities=activities,
        parties=[_sorted(holders[k]) for k in sorted(holders)],
    )


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _sorted(entry: S) -> S:
    for name in entry.__struct_fields__:
        value = getattr(entry, name)
        if isinstance(value, list):
            value.sort()
    return entry
