"""The registry as a graph: built once from the model, then only read.

Nodes are ``organisation:<key>``, ``activity:<key>``, ``system:<key>`` and ``party:<key>``.
Edges are keyed and typed by their ``kind`` attribute:

- ``flow``: data moving from a system or party to another, one edge per flow, carrying the
  flow's data categories and its transfer;
- ``uses``: an activity runs on a system; ``recipient``: an activity lists a party among its
  recipients; ``operates``: a party operates a system; ``sub_processor``: a party engaged by
  another party (edge from the engaging party).

The registry's lookups (entities by key, flows per activity, activities per system) are the
graph as rules, facts and lineage read it. The networkx graph of the same nodes and edges is
built from them when first asked (``RegistryGraph.graph``): validation and lineage never ask,
so a revision's findings do not pay for it.

What is derived from the graph for a day (zones, transfers, recipients, what is judged) lives in
``ropa.facts``; rules, lineage queries and renderers read both, and none of them touches the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ropa.domain import model as m
from ropa.domain.vocabulary import DataCategory, DataSubjectCategory, Vocabularies

_PAUSES = 0
_PAUSE_LOCK = threading.Lock()
_RESUME = False


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a graph, its facts or its findings are built.

    A build makes hundreds of thousands of small acyclic objects; each full collection it
    triggers scans the whole heap (the registry, the cached graph of the previous revision) and
    frees nothing, which at 10,000 activities doubled the build. Reference counting still frees
    what a build drops; the collector resumes when the last build running leaves. What the
    builds made then joins the oldest generation without a scan (``gc.freeze`` and
    ``gc.unfreeze``): it lives as long as its revision, and a young collection scanning the new
    registry-sized lookups and findings cost tens of milliseconds per edit at 50,000 activities.
    ``gc.unfreeze`` also returns what the service froze at startup (``ropa.api.app``) to the
    oldest generation, so full collections scan it again after the first build.
    """
    global _PAUSES, _RESUME
    with _PAUSE_LOCK:
        if _PAUSES == 0:
            _RESUME = gc.isenabled()
            gc.disable()
        _PAUSES += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSES -= 1
            if _PAUSES == 0 and _RESUME:
                gc.freeze()  # what the build made joins the oldest generation unscanned
                gc.unfreeze()
                gc.enable()


def node_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """What the rules need to know of a data category, built-in or the keeper's own term."""

    key: str
    label: str
    special: bool = False
    criminal: bool = False
    tags: frozenset[str] = frozenset()


_NX_LOCK = threading.Lock()


@dataclass
class RegistryGraph:
    document: m.RegistryDocument
    vocab: Vocabularies
    organisations: dict[str, m.Organisation]
    activities: dict[str, m.Activity]
    processor_records: dict[str, m.ProcessorRecord]
    systems: dict[str, m.System]
    parties: dict[str, m.Party]
    flows: dict[str, m.Flow]
    waivers: dict[str, m.Waiver]
    categories: dict[str, CategoryInfo]
    subject_categories: dict[str, DataSubjectCategory | m.Term]
    flows_by_activity: dict[str, list[m.Flow]] = field(default_factory=dict)
    activities_by_system: dict[str, list[str]] = field(default_factory=dict)
    _nx: nx.MultiDiGraph[str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def graph(self) -> nx.MultiDiGraph[str]:
        """The networkx graph of the registry's nodes and keyed edges (see the module's
        docstring), built from the document when first asked and kept with the lookups."""
        found = self._nx
        if found is None:
            with _NX_LOCK:
                found = self._nx
                if found is None:
                    with bulk():
                        found = self._nx = assemble(*graph_elements(self.document))
        return found

    # --- lookups ---------------------------------------------------------------------------

    @functools.cached_property
    def _flow_nodes(self) -> frozenset[str]:
        return frozenset(n for flow in self.flows.values() for n in (flow.source, flow.target))

    def has_flow(self, node: str) -> bool:
        """Whether a flow (of any activity) starts or ends at ``node``."""
        return node in self._flow_nodes

    def organisation_of(self, kind: str, key: str) -> str:
        """The organisation an entity belongs to ("" when unknown)."""
        if kind == "organisation":
            return key
        if kind == "flow":
            flow = self.flows.get(key)
            return self.organisation_of("activity", flow.activity) if flow else ""
        entity = getattr(self, COLLECTIONS[kind]).get(key)
        return getattr(entity, "organisation", "") if entity else ""

    def endpoint(self, node: str) -> m.System | m.Party | None:
        kind, _, key = node.partition(":")
        if kind == "system":
            return self.systems.get(key)
        if kind == "party":
            return self.parties.get(key)
        return None

    def country_of(self, node: str) -> str | None:
        """Where a flow's end sits: a system's hosting country, else its operator's; a party's."""
        endpoint = self.endpoint(node)
        if isinstance(endpoint, m.System):
            if endpoint.hosting_country:
                return endpoint.hosting_country
            operator = self.parties.get(endpoint.operator or "")
            return operator.country if operator else None
        if isinstance(endpoint, m.Party):
            return endpoint.country
        return None

    def name_of(self, node: str) -> str:
        endpoint = self.endpoint(node)
        return endpoint.name if endpoint else node

    def category(self, key: str) -> CategoryInfo:
        return self.categories.get(key) or CategoryInfo(key, key)

    def flow_edges(self) -> Iterator[tuple[str, str, m.Flow]]:
        """(source node, target node, flow) for every flow edge of the graph."""
        for flow in self.flows.values():
            yield flow.source, flow.target, flow


COLLECTIONS = {
    "organisation": "organisations",
    "activity": "activities",
    "processor_record": "processor_records",
    "system": "systems",
    "party": "parties",
    "flow": "flows",
    "waiver": "waivers",
}


def _categories(document: m.RegistryDocument, vocab: Vocabularies) -> dict[str, CategoryInfo]:
    categories = {key: _info(entry) for key, entry in vocab.data_categories.items()}
    for term in document.terms:
        if str(term.vocabulary) == "data_category":
            categories[term.key] = CategoryInfo(
                term.key,
                term.label,
                special=term.special,
                criminal=term.criminal,
                tags=frozenset(str(tag) for tag in term.tags),
            )
    return categories


def _info(entry: DataCategory) -> CategoryInfo:
    return CategoryInfo(
        entry.key, entry.label, entry.special, entry.criminal, frozenset(entry.tags)
    )


Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]


def graph_elements(document: m.RegistryDocument) -> tuple[list[Node], list[Edge]]:
    """The nodes and keyed edges of a registry's graph, with their attributes."""
    nodes: list[Node] = [
        (node_id("organisation", o.key), {"kind": "organisation", "entity": o})
        for o in document.organisations
    ]
    for kind, entities in (
        ("activity", document.activities),
        ("system", document.systems),
        ("party", document.parties),
    ):
        nodes.extend(
            (node_id(kind, e.key), {"kind": kind, "entity": e, "organisation": e.organisation})
            for e in entities
        )
    edges: list[Edge] = [
        (f.source, f.target, f.key, {"kind": "flow", "flow": f, "activity": f.activity})
        for f in document.flows
    ]
    for activity in document.activities:
        source = node_id("activity", activity.key)
        edges.extend(
            (source, node_id("system", s), f"uses:{s}", {"kind": "uses"}) for s in activity.systems
        )
        edges.extend(
            (source, node_id("party", p), f"recipient:{p}", {"kind": "recipient"})
            for p in activity.recipients or ()
        )
    edges.extend(
        (node_id("party", s.operator), node_id("system", s.key), "operates", {"kind": "operates"})
        for s in document.systems
        if s.operator
    )
    edges.extend(
        (
            node_id("party", p.sub_processor_of),
            node_id("party", p.key),
            "sub_processor",
            {"kind": "sub_processor"},
        )
        for p in document.parties
        if p.sub_processor_of
    )
    return nodes, edges


def assemble(nodes: list[Node], edges: list[Edge]) -> nx.MultiDiGraph[str]:
    """The networkx graph of the given elements: the part of a build networkx does alone."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)  # type: ignore[arg-type]  # stubs omit (u, v, key, data) edges
    return graph


def build_graph(
    document: m.RegistryDocument, vocab: Vocabularies, *, lazy: bool = False
) -> RegistryGraph:
    """The registry's graph; ``lazy``: its networkx graph is built when first asked
    (``PatchedGraph``), for the small registries incremental judgement judges."""
    with bulk():
        return _build(document, vocab, lazy)


def _build(document: m.RegistryDocument, vocab: Vocabularies, lazy: bool = False) -> RegistryGraph:
    flows_by_activity: dict[str, list[m.Flow]] = defaultdict(list)
    for flow in document.flows:
        flows_by_activity[flow.activity].append(flow)
    activities_by_system: dict[str, list[str]] = defaultdict(list)
    for activity in document.activities:
        for system in activity.systems:
            activities_by_system[system].append(activity.key)
    subject_categories: dict[str, DataSubjectCategory | m.Term] = dict(
        vocab.data_subject_categories
    )
    for term in document.terms:
        if str(term.vocabulary) == "data_subject_category":
            subject_categories[term.key] = term

    lookups = dict(
        document=document,
        vocab=vocab,
        organisations={o.key: o for o in document.organisations},
        activities={a.key: a for a in document.activities},
        processor_records={r.key: r for r in document.processor_records},
        systems={s.key: s for s in document.systems},
        parties={p.key: p for p in document.parties},
        flows={f.key: f for f in document.flows},
        waivers={w.key: w for w in document.waivers},
        categories=_categories(document, vocab),
        subject_categories=subject_categories,
        flows_by_activity=dict(flows_by_activity),
        activities_by_system=dict(activities_by_system),
    )
    if lazy:
        ends: dict[str, int] = defaultdict(int)
        for flow in document.flows:
            ends[flow.source] += 1
            ends[flow.target] += 1
        return PatchedGraph.of(dict(ends), **lookups)
    return RegistryGraph(**lookups)  # type: ignore[arg-type]


class PatchedGraph(RegistryGraph):
    """A registry graph whose lookups were patched from the previous revision's
    (``ropa.services.incremental``): ``has_flow`` answers from a count kept beside them, which
    an edit updates instead of counting every flow again."""

    flow_ends: dict[str, int]
    """Node -> how many flows start or end there."""

    @classmethod
    def of(cls, flow_ends: dict[str, int], **lookups: Any) -> PatchedGraph:
        made = cls.__new__(cls)
        made.__dict__.update(lookups, flow_ends=flow_ends)
        return made

    def has_flow(self, node: str) -> bool:
        return self.flow_ends.get(node, 0) > 0


def days_in(duration: str) -> float | None:
    """Approximate length of an ISO 8601 duration in days, for comparing retention periods."""
    found = re.fullmatch(
        r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
        duration,
    )
    if not found:
        return None
    years, months, weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return (
        years * 365.25
        + months * 30.44
        + weeks * 7
        + days
        + hours / 24
        + minutes / 1440
        + seconds / 86400
    )


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
