"""The architects' interactive map as JSON: nodes, edges and clusters from the derived facts.

The map draws from the same facts and the same cluster paths as the Graphviz diagrams
(`ropa.render.diagram`): zones, transfers, mechanisms and adequacy come from ``Facts``
(``FlowFacts.zone/destination/is_transfer/mechanism/decision``, ``Facts.node_zone``), a party's
onward chain and what a breach there exposes from ``PartyFacts``, activities' recipients from
``ActivityFacts.reached``; clusters from `ropa.render.diagram.layout.Layout`. So the map and the
diagrams cannot disagree. Text is given in human words from the vocabularies (mechanism titles,
role, zone and country names) beside the keys.

The output is deterministic: every list is sorted, so the same registry gives the same JSON.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import msgspec

from ropa.domain import model as m
from ropa.facts import Facts, FlowFacts, Zone
from ropa.facts.geography import country_name
from ropa.graph import node_id
from ropa.render.diagram.layout import Layout, Path, cluster_fill, cluster_title, org_name
from ropa.render.diagram.looks import PROBLEM_RULES, ROLE_WORDS, SYSTEM_KIND_WORDS
from ropa.render.diagram.scene import UnknownEntity
from ropa.rules.engine import Finding, Severity

ZONE_LABELS: dict[str, str] = {
    Zone.EEA: "EEA",
    Zone.ADEQUATE: "Adequate country",
    Zone.THIRD: "Third country",
    Zone.UNKNOWN: "Country not recorded",
}
ROLE_LABELS: dict[str, str] = {**ROLE_WORDS, "": "role not recorded"}
KIND_LABELS: dict[str, str] = {
    kind.value: SYSTEM_KIND_WORDS.get(kind, kind) for kind in m.SystemKind
}
CONTROL_LABELS = {"operates": "operates", "sub_processor": "engages sub-processor"}
STATUS_LABELS = {
    "flow": "data flow",
    "transfer": "transfer outside the EEA, mechanism named",
    "problem": "no or invalid transfer mechanism, or an undeclared transfer",
    "warning": "flow with another open finding",
}


class MapCluster(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    kind: str
    """``organisation``, ``boundary``, ``country`` or ``international`` (organisations)."""
    title: str
    fill: str
    parent: str | None = None
    organisation: str = ""
    trust_boundary: str = ""
    country: str = ""
    zone: str = ""


class MapNode(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    kind: str
    """``system`` or ``party``."""
    key: str
    name: str
    type: str
    """A system's kind (app, server, ...) or a party's role ("" when not recorded)."""
    type_label: str
    organisation: str
    cluster: str | None
    zone: str
    zone_label: str
    country: str = ""
    country_name: str = ""
    trust_boundary: str = ""
    operator: str = ""
    sub_processor_of: str = ""
    business_functions: list[str] = msgspec.field(default_factory=list)
    activities: list[str] = msgspec.field(default_factory=list)
    """Activities that run on the system, list the party as recipient, or move data through it."""
    findings: int = 0
    finding_rules: list[str] = msgspec.field(default_factory=list)
    chain: list[str] = msgspec.field(default_factory=list)
    """A party's onward sub-processors, transitively (party keys)."""
    exposed: list[str] = msgspec.field(default_factory=list)
    """A party's breach reach: itself, its systems and its chain's (node ids)."""


class MapEdge(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    kind: str
    """``flow``, or a control edge: ``operates``, ``sub_processor``."""
    source: str
    target: str
    label: str
    key: str = ""
    activity: str = ""
    activity_name: str = ""
    business_function: str = ""
    data_categories: list[str] = msgspec.field(default_factory=list)
    category_labels: list[str] = msgspec.field(default_factory=list)
    internal: bool = False
    """Between two systems of the same organisation."""
    transfer: bool = False
    status: str = ""
    """``flow``, ``transfer``, ``problem`` or ``warning``: what the edge's colour says."""
    mechanism: str = ""
    mechanism_title: str = ""
    mechanism_valid: bool | None = None
    destination: str = ""
    destination_name: str = ""
    zone: str = ""
    zone_label: str = ""
    findings: list[str] = msgspec.field(default_factory=list)


class MapActivity(msgspec.Struct, kw_only=True, omit_defaults=True):
    key: str
    name: str
    organisation: str
    business_function: str = ""
    data_categories: list[str] = msgspec.field(default_factory=list)


class MapCategory(msgspec.Struct, kw_only=True, omit_defaults=True):
    key: str
    label: str
    special: bool = False


class Legend(msgspec.Struct, kw_only=True):
    zones: dict[str, str]
    roles: dict[str, str]
    kinds: dict[str, str]
    statuses: dict[str, str]
    controls: dict[str, str]


class DataMap(msgspec.Struct, kw_only=True):
    revision: int
    on: str
    organisation: str | None
    title: str
    clusters: list[MapCluster]
    nodes: list[MapNode]
    edges: list[MapEdge]
    activities: list[MapActivity]
    data_categories: list[MapCategory]
    legend: Legend


def mechanism_title(facts: Facts, flow: FlowFacts) -> str:
    """A transfer's mechanism in words: the vocabulary's title without the decision's number
    ("EU-US Data Privacy Framework"), the SCC year and module kept ("Standard contractual
    clauses (2021), module 2"); "undeclared transfer" or "no mechanism recorded" otherwise."""
    transfer = flow.transfer
    if transfer is None:
        return "undeclared transfer" if flow.leaves_eea else ""
    key = transfer.mechanism
    if not key:
        return "no mechanism recorded"
    entry = facts.graph.vocab.transfer_mechanisms.get(key)
    if entry is None:
        text = key
    else:
        text = entry.title
        found = re.search(r"\s*\((?:Decision|Decisions)\s+([^)]*)\)\s*$", text)
        if found:
            year = re.search(r"(\d{4})", found.group(1))
            keep_year = entry.has_scc_modules and year is not None
            text = text[: found.start()] + (f" ({year.group(1)})" if keep_year and year else "")
    if transfer.scc_module is not None:
        text += f", module {transfer.scc_module}"
    return text


def _cluster_id(path: Path) -> str:
    return "cluster:" + "|".join(f"{k.kind}:{'/'.join(k.parts)}" for k in path)


def build_map(
    facts: Facts,
    findings: Iterable[Finding],
    *,
    organisation: str | None = None,
    revision: int = 0,
) -> DataMap:
    """Every system and party of one organisation (or of all), with its flows, operator and
    sub-processor links, and the clusters the diagrams draw them in."""
    graph = facts.graph
    if organisation is not None and organisation not in graph.organisations:
        raise UnknownEntity(f"organisation `{organisation}` is not in the registry")
    layout = Layout(facts)

    def mine(entity: m.System | m.Party | m.Activity) -> bool:
        return organisation is None or entity.organisation == organisation

    flows = sorted(
        (
            f
            for f in graph.flows.values()
            if organisation is None or graph.organisation_of("activity", f.activity) == organisation
        ),
        key=lambda f: f.key,
    )
    refs = {node_id("system", s.key) for s in graph.systems.values() if mine(s)}
    refs |= {node_id("party", p.key) for p in graph.parties.values() if mine(p)}
    for flow in flows:
        refs.update((flow.source, flow.target))

    # Findings per entity: open ones only, as the diagrams mark them.
    node_rules: dict[str, set[str]] = defaultdict(set)
    flow_rules: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.waived:
            continue
        kind, _, key = finding.entity.partition(":")
        if kind == "flow":
            flow_rules[key].add(finding.rule)
        elif kind in ("system", "party") and finding.severity != Severity.INFO:
            node_rules[finding.entity].add(finding.rule)

    touching: dict[str, set[str]] = defaultdict(set)
    for flow in flows:
        touching[flow.source].add(flow.activity)
        touching[flow.target].add(flow.activity)
    for key, activity in graph.activities.items():
        if not mine(activity):
            continue
        for system in activity.systems:
            touching[node_id("system", system)].add(key)
        for reach in facts.activities[key].reached.values() if key in facts.activities else ():
            if reach.direct:
                touching[node_id("party", reach.party)].add(key)

    clusters: dict[str, MapCluster] = {}
    nodes: list[MapNode] = []
    for ref in sorted(refs):
        path = layout.path(ref)
        for depth in range(1, len(path) + 1):
            sub = path[:depth]
            cid = _cluster_id(sub)
            if cid not in clusters:
                clusters[cid] = _cluster(layout, sub, cid)
        nodes.append(_node(facts, ref, path, touching[ref], node_rules[ref]))

    edges: list[MapEdge] = [_flow_edge(facts, f, sorted(flow_rules[f.key])) for f in flows]
    control: set[tuple[str, str, str]] = set()
    for source, target, kind in graph.graph.edges(data="kind"):
        if kind in CONTROL_LABELS and source in refs and target in refs:
            control.add((source, target, kind))
    edges.extend(
        MapEdge(
            id=f"{kind}:{source}>{target}",
            kind=kind,
            source=source,
            target=target,
            label=CONTROL_LABELS[kind],
        )
        for source, target, kind in sorted(control)
    )

    activities = [
        MapActivity(
            key=a.key,
            name=a.name,
            organisation=a.organisation,
            business_function=a.business_function,
            data_categories=sorted(a.data_categories),
        )
        for a in sorted(graph.activities.values(), key=lambda a: a.key)
        if mine(a)
    ]
    used = {c for a in activities for c in a.data_categories}
    used |= {c for f in flows for c in f.data_categories}
    categories = [
        MapCategory(
            key=key,
            label=graph.category(key).label,
            special=graph.category(key).special or graph.category(key).criminal,
        )
        for key in sorted(used)
    ]
    if organisation is not None:
        title = f"Data map of {org_name(graph, organisation)}"
    elif len(graph.organisations) == 1:
        title = f"Data map of {org_name(graph, next(iter(graph.organisations)))}"
    else:
        title = f"Data map of {len(graph.organisations)} organisations"
    return DataMap(
        revision=revision,
        on=facts.on.isoformat(),
        organisation=organisation,
        title=title,
        clusters=[clusters[k] for k in sorted(clusters)],
        nodes=nodes,
        edges=edges,
        activities=activities,
        data_categories=categories,
        legend=Legend(
            zones=dict(ZONE_LABELS),
            roles=dict(sorted(ROLE_LABELS.items())),
            kinds=dict(sorted(KIND_LABELS.items())),
            statuses=dict(STATUS_LABELS),
            controls=dict(CONTROL_LABELS),
        ),
    )


def _cluster(layout: Layout, path: Path, cid: str) -> MapCluster:
    key = path[-1]
    cluster = MapCluster(
        id=cid,
        kind=key.kind,
        title=cluster_title(layout, key),
        fill=cluster_fill(key),
        parent=_cluster_id(path[:-1]) if len(path) > 1 else None,
    )
    if key.kind == "organisation":
        cluster.organisation = key.parts[0]
    elif key.kind == "boundary":
        cluster.organisation, cluster.trust_boundary = key.parts
    elif key.kind == "country":
        cluster.country, cluster.zone = key.parts[0], str(key.parts[1])
    elif key.kind == "international":
        cluster.zone = str(key.parts[0])
    return cluster


def _node(facts: Facts, ref: str, path: Path, activities: set[str], rules: set[str]) -> MapNode:
    graph = facts.graph
    endpoint = graph.endpoint(ref)
    kind, _, key = ref.partition(":")
    zone = str(facts.node_zone(ref))
    country = graph.country_of(ref) or ""
    functions = sorted(
        {
            graph.activities[a].business_function
            for a in activities
            if a in graph.activities and graph.activities[a].business_function
        }
    )
    node = MapNode(
        id=ref,
        kind=kind,
        key=key,
        name=endpoint.name if endpoint is not None else key,
        type="",
        type_label="not in the registry",
        organisation=endpoint.organisation if endpoint is not None else "",
        cluster=_cluster_id(path) if path else None,
        zone=zone,
        zone_label=ZONE_LABELS.get(zone, zone),
        country=country,
        country_name=country_name(graph.vocab, country),
        business_functions=functions,
        activities=sorted(activities),
        findings=len(rules),
        finding_rules=sorted(rules),
    )
    if isinstance(endpoint, m.System):
        node.type = str(endpoint.system_kind)
        node.type_label = KIND_LABELS.get(node.type, node.type)
        node.trust_boundary = endpoint.trust_boundary.strip()
        node.operator = endpoint.operator or ""
    elif isinstance(endpoint, m.Party):
        node.type = str(endpoint.role) if endpoint.role else ""
        node.type_label = ROLE_LABELS.get(node.type, node.type)
        node.sub_processor_of = endpoint.sub_processor_of or ""
        held = facts.parties.get(key)
        if held is not None:
            node.chain = list(held.chain)
            node.exposed = sorted(held.exposed)
    return node


def _flow_edge(facts: Facts, flow: m.Flow, rules: list[str]) -> MapEdge:
    graph = facts.graph
    held = facts.flows.get(flow.key)
    activity = graph.activities.get(flow.activity)
    labels = [graph.category(c).label for c in flow.data_categories]
    problems = [r for r in rules if r in PROBLEM_RULES]
    transfer = held is not None and held.is_transfer
    status = "problem" if problems else "warning" if rules else "transfer" if transfer else "flow"
    edge = MapEdge(
        id=f"flow:{flow.key}",
        kind="flow",
        key=flow.key,
        source=flow.source,
        target=flow.target,
        label="",
        activity=flow.activity,
        activity_name=activity.name if activity else flow.activity,
        business_function=activity.business_function if activity else "",
        data_categories=list(flow.data_categories),
        category_labels=labels,
        internal=_internal(facts, flow),
        transfer=transfer,
        status=status,
        findings=rules,
    )
    lines = [", ".join(labels) if len(labels) <= 3 else f"{len(labels)} data categories"]
    if held is not None:
        edge.zone = str(held.zone)
        edge.zone_label = ZONE_LABELS.get(edge.zone, edge.zone)
        edge.destination = held.destination or held.international_organisation or ""
        edge.destination_name = (
            country_name(graph.vocab, held.destination)
            if held.destination
            else held.international_organisation
        )
        if transfer:
            edge.mechanism = held.mechanism_key or ""
            edge.mechanism_title = mechanism_title(facts, held)
            edge.mechanism_valid = held.mechanism_valid
            where = f" to {edge.destination_name}" if edge.destination_name else ""
            lines.append(f"{edge.mechanism_title}{where}")
    if problems:
        lines.append("! " + "; ".join(sorted({PROBLEM_RULES[r] for r in problems})))
    edge.label = "\n".join(line for line in lines if line)
    return edge


def _internal(facts: Facts, flow: m.Flow) -> bool:
    graph = facts.graph
    source, target = graph.endpoint(flow.source), graph.endpoint(flow.target)
    return (
        isinstance(source, m.System)
        and isinstance(target, m.System)
        and source.organisation == target.organisation
    )


def map_json(data: DataMap) -> bytes:
    return msgspec.json.encode(data)


def as_builtins(data: DataMap) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(data)
    return result
