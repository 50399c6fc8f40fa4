"""Scenes: what one view of the registry draws, before the detail level folds it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.facts.geography import country_name
from ropa.graph import RegistryGraph, node_id
from ropa.lineage import category_lineage, party_impact
from ropa.render.diagram.layout import Layout, org_name
from ropa.render.dot import DiagramError

VIEWS: tuple[str, ...] = ("organisation", "activity", "category", "party", "transfers")
DETAILS: tuple[str, ...] = ("full", "party", "cluster")
"""``full``: every system and party; ``party``: systems folded into the party that operates
them, the organisation's own systems into one node per trust boundary; ``cluster``: one node per
innermost cluster (trust boundary, country), with aggregated edges and counts."""


class UnknownView(DiagramError, ValueError):
    """The view is not one of `VIEWS`."""


class UnknownDetail(DiagramError, ValueError):
    """The detail level is not one of `DETAILS`."""


class MissingArgument(DiagramError, ValueError):
    """The view needs an argument that was not given (e.g. ``activity`` for the activity view)."""


class UnknownEntity(DiagramError, LookupError):
    """The organisation, activity, category or party named is not in the registry."""


@dataclass(slots=True)
class Scene:
    """What one view draws, before the detail level folds it."""

    title: str
    subtitle: list[str]
    layout: Layout
    nodes: set[str] = field(default_factory=set)
    flows: dict[str, m.Flow] = field(default_factory=dict)
    control: set[tuple[str, str, str]] = field(default_factory=set)
    """(source, target, kind) with kind ``operates`` or ``sub_processor``."""
    edge_text: str = "categories"
    """What flow labels list: ``categories``, or ``activities`` in the lineage view."""
    exposed: set[str] = field(default_factory=set)
    start: str = ""

    def add_flows(self, flows: Iterable[m.Flow]) -> None:
        for flow in flows:
            self.flows[flow.key] = flow
            self.nodes.update((flow.source, flow.target))

    def add_control(self, graph: RegistryGraph) -> None:
        """Operator and sub-processor links among the nodes already in the scene."""
        kind: str | None  # an edge's kind attribute
        for source, target, kind in graph.graph.edges(data="kind"):
            if (
                kind in ("operates", "sub_processor")
                and source in self.nodes
                and target in self.nodes
            ):
                self.control.add((source, target, kind))


def _check_organisation(graph: RegistryGraph, organisation: str | None) -> None:
    if organisation is not None and organisation not in graph.organisations:
        raise UnknownEntity(f"organisation `{organisation}` is not in the registry")


def scene_organisation(graph: RegistryGraph, layout: Layout, organisation: str | None) -> Scene:
    _check_organisation(graph, organisation)
    if organisation is None:
        names = sorted(graph.organisations)
        title = (
            f"Data flows of {org_name(graph, names[0])}"
            if len(names) == 1
            else f"Data flows of {len(names)} organisations"
            if names
            else "Data flows (no organisation recorded)"
        )
    else:
        title = f"Data flows of {org_name(graph, organisation)}"
    scene = Scene(title=title, subtitle=[], layout=layout)

    def mine(entity: m.System | m.Party | m.Activity) -> bool:
        return organisation is None or entity.organisation == organisation

    scene.nodes.update(node_id("system", s.key) for s in graph.systems.values() if mine(s))
    scene.nodes.update(node_id("party", p.key) for p in graph.parties.values() if mine(p))
    scene.add_flows(
        flow
        for flow in graph.flows.values()
        if organisation is None or graph.organisation_of("activity", flow.activity) == organisation
    )
    scene.add_control(graph)
    return scene


def scene_activity(graph: RegistryGraph, layout: Layout, activity: str | None) -> Scene:
    if activity is None:
        raise MissingArgument("the activity view needs `activity`")
    found = graph.activities.get(activity)
    if found is None:
        raise UnknownEntity(f"activity `{activity}` is not in the registry")
    scene = Scene(
        title=f"Activity: {found.name}",
        subtitle=[f"{org_name(graph, found.organisation)} \u00b7 status {found.status}"],
        layout=layout,
    )
    scene.nodes.update(node_id("system", key) for key in found.systems)
    scene.nodes.update(node_id("party", key) for key in found.recipients or ())
    scene.nodes.update(node_id("party", key) for key in found.joint_controllers)
    scene.add_flows(graph.flows_by_activity.get(activity, ()))
    for ref in sorted(scene.nodes):
        system = graph.endpoint(ref)
        if isinstance(system, m.System) and system.operator in graph.parties:
            scene.nodes.add(node_id("party", system.operator))
    scene.add_control(graph)
    return scene


def scene_category(
    graph: RegistryGraph, layout: Layout, category: str | None, organisation: str | None
) -> Scene:
    if category is None:
        raise MissingArgument("the category view needs `category`")
    _check_organisation(graph, organisation)
    known = category in graph.categories or any(
        category in a.data_categories for a in graph.activities.values()
    )
    lineage = category_lineage(layout.facts, category, organisation)
    if not known and not lineage.reached:
        raise UnknownEntity(f"data category `{category}` is not in the registry")
    keys = sorted({key for reached in lineage.reached for key in reached.flows})
    scene = Scene(
        title=f"Lineage of {lineage.label}",
        subtitle=[
            f"declared by {count(len(lineage.declared_by), 'activity', 'activities')} \u00b7 "
            f"reaches {count(len(lineage.reached), 'system or party', 'systems and parties')}"
            + ("" if keys else " \u00b7 no flow carries it")
        ],
        layout=layout,
        edge_text="activities",
    )
    scene.add_flows(graph.flows[key] for key in keys if key in graph.flows)
    scene.nodes.update(reached.node for reached in lineage.reached)
    scene.add_control(graph)
    return scene


def scene_party(graph: RegistryGraph, layout: Layout, party: str | None) -> Scene:
    if party is None:
        raise MissingArgument("the party view needs `party`")
    if party not in graph.parties:
        raise UnknownEntity(f"party `{party}` is not in the registry")
    impact = party_impact(layout.facts, party)
    special = f" ({len(impact.special_categories)} special)" if impact.special_categories else ""
    scene = Scene(
        title=f"What a breach at {impact.name} exposes",
        subtitle=[
            "a breach exposes "
            + count(len(impact.data_categories), "data category", "data categories")
            + f"{special} of {count(len(impact.activities), 'activity', 'activities')}",
            "countries: "
            + (
                ", ".join(country_name(graph.vocab, code) for code in impact.countries)
                or "none recorded"
            ),
            *(
                [f"onward: {count(len(impact.onward_flows), 'flow', 'flows')} it passes on"]
                if impact.onward_flows
                else []
            ),
        ],
        layout=layout,
        exposed=set(impact.exposed_nodes),
        start=node_id("party", party),
    )
    scene.nodes.update(impact.exposed_nodes)
    scene.add_flows(
        graph.flows[key] for key in (*impact.flows, *impact.onward_flows) if key in graph.flows
    )
    scene.add_control(graph)
    return scene


def scene_transfers(
    graph: RegistryGraph, layout: Layout, organisation: str | None, on: dt.date
) -> Scene:
    _check_organisation(graph, organisation)
    scene = Scene(
        title="Transfers outside the EEA"
        + (f" by {org_name(graph, organisation)}" if organisation else ""),
        subtitle=[f"adequacy judged on {on.isoformat()}"],
        layout=layout,
    )
    for flow in layout.facts.flows.values():
        if (
            organisation is not None
            and graph.organisation_of("activity", flow.flow.activity) != organisation
        ):
            continue
        if flow.is_transfer:
            scene.add_flows([flow.flow])
    return scene


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
