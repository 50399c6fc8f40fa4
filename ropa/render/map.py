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

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import msgspec

from ropa.domain import model as m
from ropa.facts import Facts, Zone
from ropa.facts.geography import country_name
from ropa.graph import node_id
from ropa.render.diagram.layout import Layout, Path, cluster_fill, cluster_title, org_name
from ropa.render.diagram.looks import PROBLEM_RULES, ROLE_WORDS, SYSTEM_KIND_WORDS
from ropa.render.diagram.scene import UnknownEntity
from ropa.render.diagram.words import mechanism_title
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


class MapNode(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """A system or party. Words for its type, zone and country are in ``legend`` and
    ``countries``; its business functions are its activities'."""

    id: str
    kind: str
    """``system`` or ``party``."""
    name: str
    type: str = ""
    """A system's kind (app, server, ...) or a party's role ("" when not recorded)."""
    organisation: str = ""
    cluster: int | None = None
    """Index in ``clusters`` of the innermost cluster it is drawn in."""
    zone: str = ""
    country: str = ""
    trust_boundary: str = ""
    operator: str = ""
    sub_processor_of: str = ""
    activities: list[int] = msgspec.field(default_factory=list)
    """Indexes in ``activities``: those that run on the system, list the party as recipient, or
    move data through it."""
    findings: list[str] = msgspec.field(default_factory=list)
    """Rules of its open findings (warnings and errors)."""
    chain: list[str] = msgspec.field(default_factory=list)
    """A party's onward sub-processors, transitively (party keys)."""
    exposed: list[str] = msgspec.field(default_factory=list)
    """A party's breach reach: itself, its systems and its chain's (node ids)."""


class MapFlow(msgspec.Struct, array_like=True, gc=False):
    """One flow, as a JSON array in this field order: a map has tens of thousands, so each is a
    row of indexes into the map's tables rather than an object."""

    key: str
    source: int
    """Index in ``nodes``."""
    target: int
    activity: int
    """Index in ``activities``."""
    categories: list[int]
    """Indexes in ``data_categories``."""
    status: str
    """``flow``, ``transfer``, ``problem`` or ``warning``: what the edge's colour says."""
    internal: bool
    """Between two systems of the same organisation."""
    transfer: int
    """Index in ``transfers`` when the flow is a transfer (declared, or leaving the EEA
    undeclared), else -1."""
    findings: list[str]
    """Rules of its open findings."""


class MapTransfer(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where a transfer goes and under what mechanism; flows that share all of it share a row."""

    zone: str
    destination: str
    """A country code (named in ``countries``), or the international organisation's name."""
    mechanism: str = ""
    """The vocabulary's key ("" when none is recorded, or the transfer is undeclared)."""
    mechanism_title: str
    """In words, with the SCC module: "Standard contractual clauses (2021), module 2"."""
    mechanism_valid: bool | None = None


class MapLink(msgspec.Struct, array_like=True):
    """An operator or sub-processor link, as ``[source, target, kind]`` (indexes in ``nodes``;
    kind ``operates`` or ``sub_processor``)."""

    source: int
    target: int
    kind: str


class MapActivity(msgspec.Struct, array_like=True, omit_defaults=True, gc=False):
    """``[key, name, business_function]``."""

    key: str
    name: str
    business_function: str = ""


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
    problems: dict[str, str]
    """Findings that draw a flow red, with the words its label gets."""


class DataMap(msgspec.Struct, kw_only=True):
    revision: int
    on: str
    organisation: str | None
    title: str
    clusters: list[MapCluster]
    nodes: list[MapNode]
    flows: list[MapFlow]
    links: list[MapLink]
    activities: list[MapActivity]
    data_categories: list[MapCategory]
    transfers: list[MapTransfer]
    countries: dict[str, str]
    """Every country code the nodes and flows name, with its name."""
    legend: Legend


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
    activities = [
        MapActivity(a.key, a.name, a.business_function)
        for a in sorted(graph.activities.values(), key=lambda a: a.key)
        if mine(a)
    ]
    for key in sorted({f.activity for f in flows} - {a.key for a in activities}):
        activities.append(MapActivity(key, key))  # a flow's activity not in the registry
    activity_at = {a.key: i for i, a in enumerate(activities)}
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

    paths = {ref: layout.path(ref) for ref in refs}
    clusters: dict[str, MapCluster] = {}
    for path in paths.values():
        for depth in range(1, len(path) + 1):
            cid = _cluster_id(path[:depth])
            if cid not in clusters:
                clusters[cid] = _cluster(layout, path[:depth], cid)
    cluster_ids = sorted(clusters)
    cluster_at = {cid: i for i, cid in enumerate(cluster_ids)}
    order = sorted(refs)
    node_at = {ref: i for i, ref in enumerate(order)}
    nodes = [
        _node(
            facts,
            ref,
            cluster_at[_cluster_id(paths[ref])] if paths[ref] else None,
            sorted(activity_at[a] for a in touching[ref] if a in activity_at),
            node_rules[ref],
        )
        for ref in order
    ]

    used = {c for a in graph.activities.values() if mine(a) for c in a.data_categories}
    used |= {c for f in flows for c in f.data_categories}
    category_keys = sorted(used)
    category_at = {key: i for i, key in enumerate(category_keys)}
    transfers: dict[tuple[str, str, str, str, bool | None], int] = {}
    titles: dict[tuple[object, ...], str] = {}
    countries = {n.country for n in nodes if n.country}
    map_flows: list[MapFlow] = []
    for flow in flows:
        edge = _flow(facts, flow, sorted(flow_rules[flow.key]), node_at, activity_at, category_at)
        held = facts.flows.get(flow.key)
        if held is not None and held.is_transfer:
            # An international organisation is where the data goes, wherever it sits.
            where = held.international_organisation or held.destination or ""
            if held.destination and not held.international_organisation:
                countries.add(held.destination)
            said = held.transfer
            words = (said is None, held.leaves_eea, held.mechanism_key, said and said.scc_module)
            if words not in titles:
                titles[words] = mechanism_title(facts, held)
            row = (
                str(held.zone),
                where,
                held.mechanism_key or "",
                titles[words],
                held.mechanism_valid,
            )
            edge.transfer = transfers.setdefault(row, len(transfers))
        map_flows.append(edge)

    control: set[tuple[str, str, str]] = set()
    for source, target, kind in graph.graph.edges(data="kind"):
        if kind in CONTROL_LABELS and source in refs and target in refs:
            control.add((source, target, kind))
    links = [MapLink(node_at[s], node_at[t], kind) for s, t, kind in sorted(control)]

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
        clusters=[clusters[cid] for cid in cluster_ids],
        nodes=nodes,
        flows=map_flows,
        links=links,
        activities=activities,
        data_categories=[
            MapCategory(
                key=key,
                label=graph.category(key).label,
                special=graph.category(key).special or graph.category(key).criminal,
            )
            for key in category_keys
        ],
        transfers=[
            MapTransfer(
                zone=zone,
                destination=where,
                mechanism=key,
                mechanism_title=title,
                mechanism_valid=valid,
            )
            for (zone, where, key, title, valid), _ in sorted(
                transfers.items(), key=lambda item: item[1]
            )
        ],
        countries={code: country_name(graph.vocab, code) for code in sorted(countries)},
        legend=Legend(
            zones=dict(ZONE_LABELS),
            roles=dict(sorted(ROLE_LABELS.items())),
            kinds=dict(sorted(KIND_LABELS.items())),
            statuses=dict(STATUS_LABELS),
            controls=dict(CONTROL_LABELS),
            problems=dict(sorted(PROBLEM_RULES.items())),
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


def _node(
    facts: Facts, ref: str, cluster: int | None, activities: list[int], rules: set[str]
) -> MapNode:
    graph = facts.graph
    endpoint = graph.endpoint(ref)
    kind = ref.partition(":")[0]
    node = MapNode(
        id=ref,
        kind=kind,
        name=endpoint.name if endpoint is not None else ref.partition(":")[2],
        organisation=endpoint.organisation if endpoint is not None else "",
        cluster=cluster,
        zone=str(facts.node_zone(ref)),
        country=graph.country_of(ref) or "",
        activities=activities,
        findings=sorted(rules),
    )
    if isinstance(endpoint, m.System):
        node.type = str(endpoint.system_kind)
        node.trust_boundary = endpoint.trust_boundary.strip()
        node.operator = endpoint.operator or ""
    elif isinstance(endpoint, m.Party):
        node.type = str(endpoint.role) if endpoint.role else ""
        node.sub_processor_of = endpoint.sub_processor_of or ""
        held = facts.parties.get(ref.partition(":")[2])
        if held is not None:
            node.chain = list(held.chain)
            node.exposed = sorted(held.exposed)
    return node


def _flow(
    facts: Facts,
    flow: m.Flow,
    rules: list[str],
    node_at: dict[str, int],
    activity_at: dict[str, int],
    category_at: dict[str, int],
) -> MapFlow:
    held = facts.flows.get(flow.key)
    problems = [r for r in rules if r in PROBLEM_RULES]
    transfer = held is not None and held.is_transfer
    status = "problem" if problems else "warning" if rules else "transfer" if transfer else "flow"
    return MapFlow(
        key=flow.key,
        source=node_at[flow.source],
        target=node_at[flow.target],
        activity=activity_at[flow.activity],
        categories=[category_at[c] for c in flow.data_categories],
        status=status,
        internal=_internal(facts, flow),
        transfer=-1,
        findings=rules,
    )


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


def flow_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The flows of a map's JSON as one object each, with node ids, keys and words in place of
    indexes: what the page builds from the rows (for readers of the JSON, and the tests)."""
    names = [f.name for f in msgspec.structs.fields(MapFlow)]
    rows = []
    for values in data["flows"]:
        row = dict(zip(names, values, strict=True))
        transfer = data["transfers"][row["transfer"]] if row["transfer"] >= 0 else {}
        activity = data["activities"][row["activity"]]
        destination = transfer.get("destination", "")
        row.update(transfer)
        row.update(
            id=f"flow:{row['key']}",
            source=data["nodes"][row["source"]]["id"],
            target=data["nodes"][row["target"]]["id"],
            activity=activity[0],
            activity_name=activity[1],
            business_function=activity[2] if len(activity) > 2 else "",
            data_categories=[data["data_categories"][i]["key"] for i in row["categories"]],
            category_labels=[data["data_categories"][i]["label"] for i in row["categories"]],
            transfer=bool(transfer),
            destination_name=data["countries"].get(destination, destination),
        )
        rows.append(row)
    return rows
