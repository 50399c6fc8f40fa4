"""Data-flow diagrams of the registry as deterministic DOT text, and their rendering.

``dot(graph, findings, view, ...)`` builds a *scene* for the view (which systems, parties and
flows to draw, and how they cluster), maps it through the detail level (full, or collapsed to
parties and trust boundaries, or to one node per cluster), and writes DOT in sorted order with
synthetic ids, so that the same registry, in whatever order its document lists things, gives the
same text byte for byte. Golden-file tests compare that text without the ``dot`` binary;
``render`` runs the binary for SVG, PNG, PDF or laid-out DOT.

Views:

- ``organisation``: every system and party of one organisation (or of all of them);
- ``activity``: one activity's systems, recipients, joint controllers and flows;
- ``category``: one data category's lineage (`ropa.lineage.category_lineage`), edges labelled
  with the activities that move it;
- ``party``: one party's blast radius (`ropa.lineage.party_impact`): what flows into it, the
  systems it operates, its sub-processors, drawn filled;
- ``transfers``: flows that leave the EEA or are declared as transfers, nodes grouped by where
  they sit: EEA, adequate country (a decision in force on the day), other third country.

Clusters: organisation, then trust boundary, for the organisation's systems; country for parties
(filled by zone: EEA, adequate, other third country). The transfers view clusters everything by
zone, then country.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision
from ropa.graph import RegistryGraph, node_id, today
from ropa.lineage import category_lineage, party_impact
from ropa.render.dot import (
    FORMATS,
    DiagramError,
    DotCluster,
    DotEdge,
    DotGraph,
    DotNode,
    Html,
    RendererUnavailable,
    RenderFailed,
    RenderTimeout,
    UnknownFormat,
    html_lines,
    html_text,
    key_text,
    render,
)
from ropa.rules.engine import Finding, Severity

__all__ = [
    "DETAILS",
    "FORMATS",
    "VIEWS",
    "DiagramError",
    "MissingArgument",
    "RenderFailed",
    "RenderTimeout",
    "RendererUnavailable",
    "UnknownDetail",
    "UnknownEntity",
    "UnknownFormat",
    "UnknownView",
    "dot",
    "render",
]

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


# --- colours and shapes ----------------------------------------------------------------------
# Six-digit hex only: Graphviz 2.43 rejects the three-digit form.

INK = "#333333"
MUTED = "#666666"
TRANSFER = "#1f77b4"
PROBLEM = "#d62728"
WARNING = "#e6550d"
CONTROL = "#8c8c8c"
WHITE = "#ffffff"
EXPOSED_FILL = "#fff1c1"
START_FILL = "#ffc857"
ORG_FILL = "#f7f9fb"
BOUNDARY_FILL = "#e9eef5"
ZONE_FILLS = {"eea": "#e8f5e9", "adequate": "#fff8e1", "third": "#fdecea", "unknown": "#f0f0f0"}
ZONE_RANK = {"eea": 1, "adequate": 2, "third": 3, "unknown": 4}
ZONE_TITLES = {
    "eea": "EEA",
    "adequate": "Adequate countries",
    "third": "Other third countries",
    "unknown": "Country not recorded",
}


@dataclass(frozen=True, slots=True)
class Look:
    """How a kind of node is drawn, and what the legend says of it."""

    shape: str
    meaning: str
    style: str = "filled"


SYSTEM_LOOKS: dict[str, Look] = {
    "app": Look("component", "app (component)"),
    "server": Look("box3d", "server (3-D box)"),
    "database": Look("cylinder", "database (cylinder)"),
    "device": Look("tab", "device (tab)"),
    "saas": Look("folder", "SaaS (folder)"),
    "network": Look("parallelogram", "network (parallelogram)"),
    "other": Look("box", "other system (box)"),
}
PARTY_LOOKS: dict[str, Look] = {
    "processor": Look("ellipse", "processor (ellipse)"),
    "sub_processor": Look("ellipse", "sub-processor (dashed ellipse)", "filled,dashed"),
    "independent_controller": Look("octagon", "independent controller (octagon)"),
    "joint_controller": Look("doubleoctagon", "joint controller (double octagon)"),
    "authority": Look("house", "public authority (house)"),
    "": Look("diamond", "party, role not recorded (diamond)"),
}
GROUP_LOOK = Look("box", "collapsed group, counts inside (double rounded box)", "filled,rounded")
MISSING_LOOK = Look("box", "referenced but not in the registry (dashed box)", "dashed")

SYSTEM_KIND_WORDS = {"saas": "SaaS"}
ROLE_WORDS = {
    "processor": "processor",
    "sub_processor": "sub-processor",
    "independent_controller": "independent controller",
    "joint_controller": "joint controller",
    "authority": "public authority",
}

PROBLEM_RULES: dict[str, str] = {
    "TRANSFER-MISSING-MECHANISM": "no transfer mechanism",
    "TRANSFER-INVALID-MECHANISM": "invalid transfer mechanism",
    "ART30-1E-TRANSFER-UNDECLARED": "undeclared transfer",
}
"""Findings on a flow that draw it red, with the words its label gets."""

TOOLTIP_KEYS = 12
LARGE = 300
"""Above this many edges: straight edges and bounded layout passes (see `_graph_attrs`)."""
HUGE = 1_500
"""Above this many edges the layout engine is osage instead of dot (see `_graph_attrs`)."""


# --- clusters ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class ClusterKey:
    """One level of a cluster path; ``rank`` orders siblings (organisations before countries)."""

    rank: int
    kind: str
    parts: tuple[str, ...]


Path = tuple[ClusterKey, ...]


def _org_key(org: str) -> ClusterKey:
    return ClusterKey(1, "organisation", (org,))


def _boundary_key(org: str, boundary: str) -> ClusterKey:
    return ClusterKey(2, "boundary", (org, boundary))


def _country_key(country: str) -> ClusterKey:
    return ClusterKey(3, "country", (country,))


def _zone_key(zone: str) -> ClusterKey:
    return ClusterKey(ZONE_RANK[zone], "zone", (zone,))


class Geography:
    """Where a country stands for transfers on a given day: EEA, adequate, third, unknown."""

    def __init__(self, graph: RegistryGraph, on: dt.date) -> None:
        self.graph = graph
        self.on = on
        self._zones: dict[str | None, str] = {}

    def zone(self, country: str | None) -> str:
        found = self._zones.get(country)
        if found is None:
            found = self._zones[country] = self._zone(country)
        return found

    def _zone(self, country: str | None) -> str:
        if not country:
            return "unknown"
        if self.graph.vocab.is_eea(country):
            return "eea"
        if self.decision(country) is not None:
            return "adequate"
        return "third"

    def decision(self, country: str) -> AdequacyDecision | None:
        return next(
            (
                d
                for _, d in sorted(self.graph.vocab.adequacy_decisions.items())
                if d.country == country and d.in_force_on(self.on)
            ),
            None,
        )

    def partial(self, country: str) -> bool:
        found = self.decision(country)
        return found is not None and found.scope != "full"

    def country_name(self, country: str) -> str:
        found = self.graph.vocab.countries.get(country)
        return f"{found.name} ({country})" if found else country


class Layout:
    """Cluster paths for the organisation, activity, category and party views."""

    geographic = False

    def __init__(self, graph: RegistryGraph, geography: Geography) -> None:
        self.graph = graph
        self.geography = geography

    def path(self, ref: str) -> Path:
        endpoint = self.graph.endpoint(ref)
        if isinstance(endpoint, m.System):
            org = endpoint.organisation
            return (_org_key(org), _boundary_key(org, endpoint.trust_boundary.strip()))
        if isinstance(endpoint, m.Party):
            return (_country_key(endpoint.country or ""),)
        return ()


class GeographicLayout(Layout):
    """Cluster paths for the transfers view: zone, then country."""

    geographic = True

    def path(self, ref: str) -> Path:
        if self.graph.endpoint(ref) is None:
            return ()
        country = self.graph.country_of(ref)
        zone = self.geography.zone(country)
        if zone == "unknown" or not country:
            return (_zone_key("unknown"),)
        return (_zone_key(zone), _country_key(country))


# --- the scene: what a view draws ---------------------------------------------------------


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


def _org_name(graph: RegistryGraph, org: str) -> str:
    found = graph.organisations.get(org)
    return found.name if found else org


def _scene_organisation(graph: RegistryGraph, layout: Layout, organisation: str | None) -> Scene:
    _check_organisation(graph, organisation)
    if organisation is None:
        names = sorted(graph.organisations)
        title = (
            f"Data flows of {_org_name(graph, names[0])}"
            if len(names) == 1
            else f"Data flows of {len(names)} organisations"
            if names
            else "Data flows (no organisation recorded)"
        )
    else:
        title = f"Data flows of {_org_name(graph, organisation)}"
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


def _scene_activity(graph: RegistryGraph, layout: Layout, activity: str | None) -> Scene:
    if activity is None:
        raise MissingArgument("the activity view needs `activity`")
    found = graph.activities.get(activity)
    if found is None:
        raise UnknownEntity(f"activity `{activity}` is not in the registry")
    scene = Scene(
        title=f"Activity: {found.name}",
        subtitle=[f"{_org_name(graph, found.organisation)} \u00b7 status {found.status}"],
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


def _scene_category(
    graph: RegistryGraph, layout: Layout, category: str | None, organisation: str | None
) -> Scene:
    if category is None:
        raise MissingArgument("the category view needs `category`")
    _check_organisation(graph, organisation)
    known = category in graph.categories or any(
        category in a.data_categories for a in graph.activities.values()
    )
    lineage = category_lineage(graph, category, organisation)
    if not known and not lineage.reached:
        raise UnknownEntity(f"data category `{category}` is not in the registry")
    keys = sorted({key for reached in lineage.reached for key in reached.flows})
    scene = Scene(
        title=f"Lineage of {lineage.label}",
        subtitle=[
            f"declared by {_count(len(lineage.declared_by), 'activity', 'activities')} \u00b7 "
            f"reaches {_count(len(lineage.reached), 'system or party', 'systems and parties')}"
            + ("" if keys else " \u00b7 no flow carries it")
        ],
        layout=layout,
        edge_text="activities",
    )
    scene.add_flows(graph.flows[key] for key in keys if key in graph.flows)
    scene.nodes.update(reached.node for reached in lineage.reached)
    scene.add_control(graph)
    return scene


def _scene_party(graph: RegistryGraph, layout: Layout, party: str | None) -> Scene:
    if party is None:
        raise MissingArgument("the party view needs `party`")
    if party not in graph.parties:
        raise UnknownEntity(f"party `{party}` is not in the registry")
    impact = party_impact(graph, party)
    special = f" ({len(impact.special_categories)} special)" if impact.special_categories else ""
    scene = Scene(
        title=f"Blast radius of {impact.name}",
        subtitle=[
            "a breach exposes "
            + _count(len(impact.data_categories), "data category", "data categories")
            + f"{special} of {_count(len(impact.activities), 'activity', 'activities')}",
            "countries: " + (", ".join(impact.countries) or "none recorded"),
        ],
        layout=layout,
        exposed=set(impact.exposed_nodes),
        start=node_id("party", party),
    )
    scene.nodes.update(impact.exposed_nodes)
    scene.add_flows(graph.flows[key] for key in impact.flows if key in graph.flows)
    scene.add_control(graph)
    return scene


def _scene_transfers(
    graph: RegistryGraph, layout: Layout, organisation: str | None, on: dt.date
) -> Scene:
    _check_organisation(graph, organisation)
    geography = layout.geography
    scene = Scene(
        title="Transfers outside the EEA"
        + (f" by {_org_name(graph, organisation)}" if organisation else ""),
        subtitle=[f"adequacy judged on {on.isoformat()}"],
        layout=layout,
    )
    for flow in graph.flows.values():
        if (
            organisation is not None
            and graph.organisation_of("activity", flow.activity) != organisation
        ):
            continue
        country = graph.country_of(flow.target)
        if flow.transfer is not None or geography.zone(country) in ("adequate", "third"):
            scene.add_flows([flow])
    return scene


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- detail levels: folding the scene into display nodes ------------------------------------


@dataclass(slots=True)
class Shown:
    """One node as drawn: a system or party, or a group of them."""

    key: tuple[str, ...]
    placement: Path
    title: str
    look: Look
    members: set[str] = field(default_factory=set)
    subtitle: str = ""
    internal: int = 0
    """Flows between members of the node, which have no edge of their own."""
    fill: str = WHITE


@dataclass(slots=True)
class Link:
    flows: list[m.Flow] = field(default_factory=list)
    control: set[str] = field(default_factory=set)


class Folder:
    """Maps scene nodes to display nodes for a detail level."""

    def __init__(self, graph: RegistryGraph, scene: Scene, detail: str) -> None:
        self.graph = graph
        self.scene = scene
        self.detail = detail
        self.shown: dict[tuple[str, ...], Shown] = {}
        self._of: dict[str, tuple[str, ...]] = {}

    def of(self, ref: str) -> tuple[str, ...]:
        key = self._of.get(ref)
        if key is None:
            key = self._of[ref] = self._fold(ref)
        return key

    def _fold(self, ref: str) -> tuple[str, ...]:
        graph, layout = self.graph, self.scene.layout
        endpoint = graph.endpoint(ref)
        path = layout.path(ref)
        if self.detail == "cluster" and path:
            return self._group(path, path[:-1], _cluster_title(graph, layout, path[-1]), ref)
        if self.detail == "party" and isinstance(endpoint, m.System):
            if endpoint.operator and endpoint.operator in graph.parties:
                operator = node_id("party", endpoint.operator)
                key = self._single(operator)
                self.shown[key].members.add(ref)
                return key
            boundary = endpoint.trust_boundary.strip()
            if layout.geographic:
                title = _boundary_title(boundary)
                if len(graph.organisations) > 1:
                    title += f" ({_org_name(graph, endpoint.organisation)})"
                key = ("group", *_path_text(path), endpoint.organisation, boundary)
                return self._group(path, path, title, ref, key)
            return self._group(path, path[:-1], _boundary_title(boundary), ref)
        return self._single(ref)

    def _single(self, ref: str) -> tuple[str, ...]:
        key = ("node", ref)
        if key not in self.shown:
            self.shown[key] = _shown_single(self.graph, self.scene.layout, ref, key)
        self.shown[key].members.add(ref)
        return key

    def _group(
        self,
        path: Path,
        placement: Path,
        title: str,
        ref: str,
        key: tuple[str, ...] | None = None,
    ) -> tuple[str, ...]:
        """The group node standing for ``path``: a whole cluster at cluster detail (filled like
        that cluster, e.g. by zone), or a trust boundary's own systems at party detail."""
        key = key or ("group", *_path_text(path))
        if key not in self.shown:
            fill = (
                _cluster_fill(self.scene.layout, path[-1])
                if self.detail == "cluster"
                else BOUNDARY_FILL
            )
            self.shown[key] = Shown(
                key=key, placement=placement, title=title, look=GROUP_LOOK, fill=fill
            )
        self.shown[key].members.add(ref)
        return key


def _path_text(path: Path) -> tuple[str, ...]:
    return tuple(f"{k.rank}:{k.kind}:{'/'.join(k.parts)}" for k in path)


def _boundary_title(boundary: str) -> str:
    return f"Trust boundary: {boundary}" if boundary else "Trust boundary not recorded"


def _cluster_title(graph: RegistryGraph, layout: Layout, key: ClusterKey) -> str:
    geography = layout.geography
    if key.kind == "organisation":
        return f"Organisation: {_org_name(graph, key.parts[0])}"
    if key.kind == "boundary":
        return _boundary_title(key.parts[1])
    if key.kind == "zone":
        zone = key.parts[0]
        if zone == "adequate":
            return f"Adequate countries (decision in force on {geography.on.isoformat()})"
        return ZONE_TITLES[zone]
    country = key.parts[0]
    if not country:
        return "Country not recorded"
    title = geography.country_name(country)
    zone = geography.zone(country)
    if geography.partial(country):
        title += " \u00b7 partial adequacy"
    elif not layout.geographic and zone != "eea":
        title += " \u00b7 adequate" if zone == "adequate" else " \u00b7 third country"
    return title


def _cluster_fill(layout: Layout, key: ClusterKey) -> str:
    if key.kind == "organisation":
        return ORG_FILL
    if key.kind == "boundary":
        return BOUNDARY_FILL
    if key.kind == "zone":
        return ZONE_FILLS[key.parts[0]]
    return ZONE_FILLS[layout.geography.zone(key.parts[0] or None)]


def _shown_single(graph: RegistryGraph, layout: Layout, ref: str, key: tuple[str, ...]) -> Shown:
    endpoint = graph.endpoint(ref)
    path = layout.path(ref)
    country = graph.country_of(ref) or "no country"
    if isinstance(endpoint, m.System):
        kind = str(endpoint.system_kind)
        look = SYSTEM_LOOKS.get(kind, SYSTEM_LOOKS["other"])
        subtitle = f"{SYSTEM_KIND_WORDS.get(kind, kind)} \u00b7 {country}"
    elif isinstance(endpoint, m.Party):
        role = str(endpoint.role) if endpoint.role else ""
        look = PARTY_LOOKS.get(role, PARTY_LOOKS[""])
        subtitle = f"{ROLE_WORDS.get(role, 'role not recorded')} \u00b7 {country}"
    else:
        return Shown(key, path, ref, MISSING_LOOK, subtitle="not in the registry")
    return Shown(key, path, endpoint.name, look, subtitle=subtitle)


# --- writing -------------------------------------------------------------------------------


@dataclass(slots=True)
class Marks:
    """Open findings by flow key and by system or party node."""

    flows: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    nodes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Marks:
        marks = cls()
        for finding in findings:
            if finding.waived:
                continue
            kind, _, key = finding.entity.partition(":")
            if kind == "flow":
                marks.flows[key].add(finding.rule)
            elif kind in ("system", "party") and finding.severity != Severity.INFO:
                marks.nodes[finding.entity].add(finding.rule)
        return marks


class Writer:
    """Turns a folded scene into a `DotGraph`, sorted throughout."""

    def __init__(
        self,
        graph: RegistryGraph,
        scene: Scene,
        folder: Folder,
        marks: Marks,
        detail: str,
        max_labels: int,
    ) -> None:
        self.graph = graph
        self.scene = scene
        self.folder = folder
        self.marks = marks
        self.detail = detail
        self.max_labels = max_labels
        self.used_looks: set[Look] = set()
        self.used_colours: set[str] = set()
        self.used_fills: set[str] = set()

    def build(self) -> DotGraph:
        scene, folder = self.scene, self.folder
        for ref in sorted(scene.nodes):
            folder.of(ref)
        links: dict[tuple[tuple[str, ...], tuple[str, ...]], Link] = defaultdict(Link)
        for key in sorted(scene.flows):
            flow = scene.flows[key]
            source, target = folder.of(flow.source), folder.of(flow.target)
            if source == target:
                folder.shown[source].internal += 1
            else:
                links[(source, target)].flows.append(flow)
        for source_ref, target_ref, kind in sorted(scene.control):
            source, target = folder.of(source_ref), folder.of(target_ref)
            if source != target:
                links[(source, target)].control.add(kind)

        shown = folder.shown
        ids = {key: f"n{i}" for i, key in enumerate(sorted(shown), start=1)}
        dot_nodes = {key: DotNode(ids[key], self._node_attrs(shown[key])) for key in sorted(shown)}

        edges: list[DotEdge] = []
        for (source, target), link in sorted(links.items()):
            if link.flows:
                edges.append(DotEdge(ids[source], ids[target], self._flow_attrs(link.flows)))
            if link.control:
                edges.append(DotEdge(ids[source], ids[target], self._control_attrs(link.control)))

        clusters, top = self._clusters(dot_nodes)
        result = DotGraph(
            graph=self._graph_attrs(len(edges)),
            node_defaults={
                "fontname": "Helvetica",
                "fontsize": "10",
                "style": "filled",
                "fillcolor": WHITE,
                "color": INK,
                "margin": "0.08,0.04",
            },
            edge_defaults={
                "fontname": "Helvetica",
                "fontsize": "8",
                "color": INK,
                "fontcolor": INK,
                "arrowsize": "0.7",
            },
            clusters=clusters,
            nodes=top,
            edges=edges,
        )
        result.clusters.append(self._legend())
        return result

    # --- nodes --------------------------------------------------------------------------

    def _node_attrs(self, node: Shown) -> dict[str, str | Html]:
        self.used_looks.add(node.look)
        members = sorted(node.members)
        lines = [f"<B>{html_lines(node.title)}</B>"]
        small: list[str] = []
        if node.look is GROUP_LOOK:
            small.append(html_text(self._member_counts(members)))
        elif node.subtitle:
            small.append(html_text(node.subtitle))
            operated = [ref for ref in members if ref != node.key[-1]]
            if operated:
                small.append(html_text(self._operated(operated)))
        if node.internal:
            small.append(html_text(_count(node.internal, "internal flow", "internal flows")))
        lines.extend(f'<FONT POINT-SIZE="8" COLOR="{MUTED}">{s}</FONT>' for s in small)
        attrs: dict[str, str | Html] = {"shape": node.look.shape}
        if node.look.style != "filled":
            attrs["style"] = node.look.style
        if node.look is GROUP_LOOK:
            attrs["peripheries"] = "2"
            attrs["fillcolor"] = node.fill
            self.used_fills.add(node.fill)
        if self.scene.start in node.members:
            attrs["fillcolor"] = START_FILL
            self.used_fills.add(START_FILL)
        elif node.members & self.scene.exposed:
            attrs["fillcolor"] = EXPOSED_FILL
            self.used_fills.add(EXPOSED_FILL)
        rules = sorted({rule for ref in members for rule in self.marks.nodes.get(ref, ())})
        if rules:
            attrs["color"] = PROBLEM
            attrs["penwidth"] = "2"
            self.used_colours.add("node-finding")
        tooltip = _keys_tooltip(members, "")
        if rules:
            tooltip += " - findings: " + _capped(rules)
        attrs["tooltip"] = key_text(tooltip)
        attrs["label"] = Html("<BR/>".join(lines))
        return attrs

    def _member_counts(self, members: list[str]) -> str:
        systems = sum(1 for ref in members if ref.startswith("system:"))
        parties = sum(1 for ref in members if ref.startswith("party:"))
        other = len(members) - systems - parties
        parts = []
        if systems:
            parts.append(_count(systems, "system", "systems"))
        if parties:
            parts.append(_count(parties, "party", "parties"))
        if other:
            parts.append(_count(other, "unknown node", "unknown nodes"))
        return " \u00b7 ".join(parts)

    def _operated(self, refs: list[str]) -> str:
        if len(refs) > self.max_labels:
            return f"+ {len(refs)} systems it operates"
        names = sorted(self.graph.name_of(ref) for ref in refs)
        return "+ " + "; ".join(_short(name, 40) for name in names)

    # --- edges -------------------------------------------------------------------------

    def _flow_attrs(self, flows: list[m.Flow]) -> dict[str, str | Html]:
        graph = self.graph
        lines: list[str] = []
        if len(flows) > 1:
            lines.append(_count(len(flows), "flow", "flows"))
        if self.scene.edge_text == "activities":
            names = sorted(
                {
                    (
                        graph.activities[f.activity].name
                        if f.activity in graph.activities
                        else f.activity
                    )
                    for f in flows
                },
                key=lambda name: (name.casefold(), name),
            )
            lines.extend(self._listed(names, "activity", "activities"))
        else:
            keys = {key for flow in flows for key in flow.data_categories}
            labels = sorted(
                ((graph.category(key).label, key) for key in keys),
                key=lambda pair: (pair[0].casefold(), pair[0], pair[1]),
            )
            lines.extend(self._listed([label for label, _ in labels], "category", "categories"))
        transfers = [flow.transfer for flow in flows if flow.transfer is not None]
        if transfers:
            mechanisms = sorted({_mechanism_text(t) for t in transfers})
            if len(mechanisms) > self.max_labels:
                lines.append(f"transfer: {len(mechanisms)} mechanisms")
            else:
                lines.extend(f"transfer: {text}" for text in mechanisms)
        rules = sorted({rule for flow in flows for rule in self.marks.flows.get(flow.key, ())})
        problems = sorted({PROBLEM_RULES[rule] for rule in rules if rule in PROBLEM_RULES})
        others = [rule for rule in rules if rule not in PROBLEM_RULES]
        attrs: dict[str, str | Html] = {}
        if problems:
            colour, width = PROBLEM, "2.5"
        elif others:
            colour, width = WARNING, "2"
        elif transfers:
            colour, width = TRANSFER, "1.5"
        else:
            colour, width = INK, "1"
        self.used_colours.add(colour)
        if colour != INK:
            attrs["color"] = colour
            attrs["fontcolor"] = colour
            attrs["penwidth"] = width
        markup = [html_text(line) for line in lines]
        markup.extend(f"<B>! {html_text(text)}</B>" for text in problems)
        if others:
            text = (
                _count(len(others), "other finding", "other findings")
                if len(others) > self.max_labels
                else ", ".join(others)
            )
            markup.append(html_text(f"finding: {text}"))
        tooltip = _keys_tooltip([f.key for f in flows], "flow")
        if rules:
            tooltip += " - findings: " + _capped(rules)
        attrs["tooltip"] = key_text(tooltip)
        attrs["label"] = Html("<BR/>".join(markup))
        return attrs

    def _listed(self, values: list[str], one: str, many: str) -> list[str]:
        if len(values) > self.max_labels:
            return [_count(len(values), one, many)]
        return [_short(value, 48) for value in values]

    def _control_attrs(self, kinds: set[str]) -> dict[str, str | Html]:
        self.used_colours.add("control")
        words = {"operates": "operates", "sub_processor": "engages sub-processor"}
        return {
            "style": "dashed",
            "color": CONTROL,
            "arrowhead": "empty",
            "tooltip": key_text(", ".join(words[k] for k in sorted(kinds))),
        }

    # --- clusters ---------------------------------------------------------------------

    def _clusters(
        self, dot_nodes: dict[tuple[str, ...], DotNode]
    ) -> tuple[list[DotCluster], list[DotNode]]:
        shown = self.folder.shown
        paths: set[Path] = set()
        for node in shown.values():
            for depth in range(1, len(node.placement) + 1):
                paths.add(node.placement[:depth])
        cluster_ids = {path: f"cluster_{i}" for i, path in enumerate(sorted(paths), start=1)}
        built: dict[Path, DotCluster] = {}
        top: list[DotCluster] = []
        for path in sorted(paths):
            key = path[-1]
            fill = _cluster_fill(self.scene.layout, key)
            self.used_fills.add(fill)
            attrs: dict[str, str | Html] = {
                "style": "filled,rounded,dashed" if key.kind == "boundary" else "filled,rounded",
                "fillcolor": fill,
                "color": "#7f8c99" if key.kind == "boundary" else "#4a5a6a",
                "fontname": "Helvetica",
                "fontsize": "11" if len(path) == 1 else "10",
                "labeljust": "l",
                "label": Html(
                    html_lines(_cluster_title(self.graph, self.scene.layout, key), width=60)
                ),
            }
            cluster = DotCluster(cluster_ids[path], attrs)
            built[path] = cluster
            (built[path[:-1]].clusters if len(path) > 1 else top).append(cluster)
        loose: list[DotNode] = []
        for key in sorted(shown):
            placement = shown[key].placement
            (built[placement].nodes if placement else loose).append(dot_nodes[key])
        return top, loose

    # --- graph and legend ---------------------------------------------------------------

    def _graph_attrs(self, edges: int) -> dict[str, str | Html]:
        subtitle = [*self.scene.subtitle, self._counts()]
        label = f'<B>{html_lines(self.scene.title, width=80)}</B><BR/><FONT POINT-SIZE="9">'
        label += "<BR/>".join(html_text(line) for line in subtitle) + "</FONT>"
        attrs: dict[str, str | Html] = {
            "charset": "UTF-8",
            "newrank": "true",
            "rankdir": "LR",
            "fontname": "Helvetica",
            "fontsize": "14",
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.25",
            "ranksep": "0.7",
            "outputorder": "edgesfirst",
            "label": Html(label),
        }
        if edges > HUGE:
            # dot ranks every flow left to right; thousands of vendor-to-vendor flows make
            # chains dozens of ranks deep, and dot then routes hundreds of thousands of virtual
            # nodes (minutes for the 2,000-system benchmark). osage, from the same binary, packs
            # the clusters as boxes and draws edges straight: seconds, and the same SVG on every
            # run. (fdp was tried: slower, overlapping clusters, and it crashes now and then on
            # Graphviz 2.43, see ellson/MOTHBALLED-graphviz#919.)
            attrs.update({"layout": "osage", "splines": "line"})
        elif edges > LARGE:
            # Straight edges (spline routing dominates from a few hundred edges on) and bounded
            # network-simplex and crossing-minimisation passes.
            attrs.update(
                {
                    "splines": "line",
                    "nslimit": "2",
                    "nslimit1": "2",
                    "mclimit": "0.2",
                    "searchsize": "10",
                }
            )
        return attrs

    def _counts(self) -> str:
        systems = sum(1 for ref in self.scene.nodes if ref.startswith("system:"))
        parties = sum(1 for ref in self.scene.nodes if ref.startswith("party:"))
        return (
            f"{_count(systems, 'system', 'systems')} \u00b7 {_count(parties, 'party', 'parties')}"
            f" \u00b7 {_count(len(self.scene.flows), 'flow', 'flows')} \u00b7 detail: {self.detail}"
        )

    def _legend(self) -> DotCluster:
        looks = [
            *SYSTEM_LOOKS.values(),
            *PARTY_LOOKS.values(),
            GROUP_LOOK,
            MISSING_LOOK,
        ]
        nodes: list[DotNode] = []
        for i, look in enumerate((look for look in looks if look in self.used_looks), start=1):
            attrs: dict[str, str | Html] = {"shape": look.shape, "fontsize": "8", "height": "0.3"}
            if look.style != "filled":
                attrs["style"] = look.style
            if look is GROUP_LOOK:
                attrs["peripheries"] = "2"
                attrs["fillcolor"] = BOUNDARY_FILL
            attrs["label"] = Html(html_text(look.meaning))
            nodes.append(DotNode(f"legend_{i}", attrs))
        rows = [
            (INK, INK, "data flow: data categories, or N categories"),
            (TRANSFER, TRANSFER, "transfer outside the EEA: mechanism named"),
            (PROBLEM, PROBLEM, "no or invalid transfer mechanism, or an undeclared transfer"),
            (WARNING, WARNING, "flow with another open finding"),
            ("control", CONTROL, "dashed: a party operates a system or engages a sub-processor"),
            ("node-finding", PROBLEM, "red outline: system or party with an open finding"),
            (START_FILL, START_FILL, "the party whose breach is shown"),
            (EXPOSED_FILL, EXPOSED_FILL, "exposed by that breach"),
            (ORG_FILL, ORG_FILL, "organisation"),
            (BOUNDARY_FILL, BOUNDARY_FILL, "trust boundary (dashed outline)"),
            (ZONE_FILLS["eea"], ZONE_FILLS["eea"], "EEA"),
            (ZONE_FILLS["adequate"], ZONE_FILLS["adequate"], "adequacy decision in force"),
            (ZONE_FILLS["third"], ZONE_FILLS["third"], "third country without adequacy"),
            (ZONE_FILLS["unknown"], ZONE_FILLS["unknown"], "country not recorded"),
        ]
        used = self.used_colours | self.used_fills
        table = "".join(
            f'<TR><TD BGCOLOR="{swatch}" WIDTH="28"> </TD>'
            f'<TD ALIGN="LEFT">{html_text(text)}</TD></TR>'
            for marker, swatch, text in rows
            if marker in used
        )
        if table:
            nodes.append(
                DotNode(
                    f"legend_{len(nodes) + 1}",
                    {
                        "shape": "plaintext",
                        "style": "",
                        "fontsize": "8",
                        "label": Html(
                            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3">{table}</TABLE>'
                        ),
                    },
                )
            )
        return DotCluster(
            "cluster_legend",
            {
                "style": "rounded",
                "color": "#bbbbbb",
                "fontname": "Helvetica",
                "fontsize": "10",
                "labeljust": "l",
                "label": Html("Legend"),
            },
            nodes=nodes,
        )


def _mechanism_text(transfer: m.Transfer) -> str:
    text = transfer.mechanism or "no mechanism"
    if transfer.scc_module is not None:
        text += f" (module {transfer.scc_module})"
    where = transfer.destination_country or transfer.international_organisation.strip()
    if where:
        text += f" to {_short(where, 40)}"
    return text


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _capped(values: list[str]) -> str:
    shown = ", ".join(values[:TOOLTIP_KEYS])
    return shown + (
        f", and {len(values) - TOOLTIP_KEYS} more" if len(values) > TOOLTIP_KEYS else ""
    )


def _keys_tooltip(keys: list[str], prefix: str) -> str:
    label = f"{prefix}s: " if prefix and len(keys) > 1 else (f"{prefix}: " if prefix else "")
    return label + _capped(sorted(keys))


# --- the entry point -------------------------------------------------------------------------


def dot(
    graph: RegistryGraph,
    findings: Iterable[Finding],
    view: str,
    *,
    organisation: str | None = None,
    activity: str | None = None,
    category: str | None = None,
    party: str | None = None,
    detail: str = "full",
    max_labels: int = 3,
    on: dt.date | None = None,
) -> str:
    """The DOT text of one view of the registry; the same input always gives the same text.

    ``findings`` are the rule engine's (waived ones are ignored); ``on`` is the day adequacy
    decisions are judged on (the transfers view and the country clusters), today by default.
    Raises `UnknownView`, `UnknownDetail`, `MissingArgument` or `UnknownEntity`.
    """
    if view not in VIEWS:
        raise UnknownView(f"unknown diagram view {view!r}; expected one of {', '.join(VIEWS)}")
    if detail not in DETAILS:
        raise UnknownDetail(
            f"unknown detail level {detail!r}; expected one of {', '.join(DETAILS)}"
        )
    if max_labels < 0:
        raise ValueError("max_labels must be 0 or more")
    geography = Geography(graph, on or today())
    layout: Layout = (
        GeographicLayout(graph, geography) if view == "transfers" else Layout(graph, geography)
    )
    if view == "organisation":
        scene = _scene_organisation(graph, layout, organisation)
    elif view == "activity":
        scene = _scene_activity(graph, layout, activity)
    elif view == "category":
        scene = _scene_category(graph, layout, category, organisation)
    elif view == "party":
        scene = _scene_party(graph, layout, party)
    else:
        scene = _scene_transfers(graph, layout, organisation, geography.on)
    folder = Folder(graph, scene, detail)
    writer = Writer(graph, scene, folder, Marks.of(findings), detail, max_labels)
    return writer.build().text()
