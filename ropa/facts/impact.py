"""What an edit touches: the subjects whose findings may change, and the small registry that
holds everything those subjects' findings read.

A subject is an activity or a processor record (or an organisation whose own fields changed).
A rule that is not ``WIDE`` (``ropa.rules.engine``) judges a subject from its neighbourhood
only: the subject, its flows, their ends, the systems it runs on, the parties it names, the
operators of those systems, the sub-processor chains of those parties, its organisation, the
terms and the waivers. RETENTION-DOWNSTREAM-LONGER also compares an activity with the
activities that bring the same category into a system it takes data from, so an activity's
neighbours through systems are judged again with it, and their bringers come along as context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.graph import RegistryGraph

ORGANISATION_OWN_FIELDS = frozenset(
    {
        "contact",
        "dpo",
        "dpo_designated",
        "eu_representative",
        "uk_representative",
        "employee_band",
        "registration_number",
        "notes",
        "staff_processing_personal_data",
    }
)
"""Organisation fields read only where the organisation itself is judged: by rules whose hits
are on the organisation, and through its aggregate facts (Art 37 grounds, Art 30(5)). An edit
of these alone judges none of its activities or processor records again."""


def own_fields_only(
    before: m.Organisation | None, after: m.Organisation | None, *also: str
) -> bool:
    """Whether an organisation edit changes only ``ORGANISATION_OWN_FIELDS`` (and ``also``)."""
    if before is None or after is None:
        return False
    return all(
        getattr(before, name) == getattr(after, name)
        for name in m.Organisation.__struct_fields__
        if name not in ORGANISATION_OWN_FIELDS and name not in also
    )


class TooWide(Exception):
    """The edit touches too much (terms, many subjects): judge the registry in full."""


@dataclass
class FlowIndex:
    """Node -> activities with a flow from it / to it (how many flows), kept across edits."""

    sources: dict[str, dict[str, int]] = field(default_factory=dict)
    targets: dict[str, dict[str, int]] = field(default_factory=dict)
    named: dict[str, set[str]] = field(default_factory=dict)
    """Party key -> activities listing it as recipient or joint controller."""

    @classmethod
    def of(cls, graph: RegistryGraph) -> FlowIndex:
        index = cls()
        for flow in graph.flows.values():
            index.add_flow(flow)
        for activity in graph.activities.values():
            index.add_activity(activity)
        return index

    def add_flow(self, flow: m.Flow, step: int = 1) -> None:
        for ends, node in ((self.sources, flow.source), (self.targets, flow.target)):
            counts = ends.setdefault(node, {})
            left = counts.get(flow.activity, 0) + step
            if left > 0:
                counts[flow.activity] = left
            else:
                counts.pop(flow.activity, None)
                if not counts:
                    del ends[node]

    def add_activity(self, activity: m.Activity, present: bool = True) -> None:
        for party in (*(activity.recipients or ()), *activity.joint_controllers):
            if present:
                self.named.setdefault(party, set()).add(activity.key)
            elif party in self.named:
                self.named[party].discard(activity.key)

    def touching(self, node: str) -> set[str]:
        return set(self.sources.get(node, ())) | set(self.targets.get(node, ()))

    def flow_ends(self) -> dict[str, int]:
        """Node -> how many flows start or end there."""
        ends: dict[str, int] = defaultdict(int)
        for side in (self.sources, self.targets):
            for node, counts in side.items():
                ends[node] += sum(counts.values())
        return dict(ends)


@dataclass
class Impact:
    owners: set[str]
    """``activity:<key>``, ``processor_record:<key>``, ``organisation:<key>``: whose findings
    are judged again."""
    activities: set[str]
    """Activities whose own neighbourhood changed."""
    neighbours: set[str]
    """Activities whose ``NEIGHBOURS`` findings may change: those edited or whose flows were,
    those taking data from a system renamed, added or removed, and those downstream of an
    edited one whose data it brings into systems, and keeps for a period, changed."""
    records: set[str]
    organisations: set[str]
    """Organisations whose aggregate facts change (their subjects' or their own fields)."""
    parties: set[str]
    """Parties whose own fields changed."""
    parties_changed: bool
    """A party or a system changed: every party's facts are worked out again."""
    renamed: set[str]
    """Organisations renamed (with at most ``ORGANISATION_OWN_FIELDS`` changed besides): their
    activities are judged again by ``ORGANISATION_NAME`` rules only."""
    waivers: set[str]
    """Finding ids whose waiver may have changed."""


def _organisations_of(
    before: RegistryGraph, after: RegistryGraph, collection: str, key: str
) -> set[str]:
    found = set()
    for graph in (before, after):
        entity = getattr(graph, collection).get(key)
        if entity is not None:
            found.add(entity.organisation)
    return found


def ancestors(graph: RegistryGraph, party: str) -> set[str]:
    """The party and those that engage it, up the sub-processor chain."""
    found: set[str] = set()
    key: str | None = party
    while key and key not in found:
        found.add(key)
        engaging = graph.parties.get(key)
        key = engaging.sub_processor_of if engaging is not None else None
    return found


def _operated(graph: RegistryGraph, parties: set[str]) -> set[str]:
    return {key for key, s in graph.systems.items() if s.operator and s.operator in parties}


def impact(
    changes: list[tuple[str, str]],
    before: RegistryGraph,
    after: RegistryGraph,
    index: FlowIndex,
    limit: int,
    brought: Callable[[RegistryGraph, str], object],
) -> Impact:
    """The subjects an edit touches, given the (kind, key) of every changed entity, the
    graphs before and after it, the flow index after it (which also holds the flows of
    before: an index is updated with removals and additions), and what ``NEIGHBOURS`` rules
    read of an activity that brings data into systems (the activities downstream of those
    systems are judged again where that changed)."""
    activities: set[str] = set()
    records: set[str] = set()
    organisations: set[str] = set()
    waivers: set[str] = set()
    parties_changed = False
    changed_parties: set[str] = set()
    renamed: set[str] = set()
    edited: set[str] = set()  # activities whose own fields or flows changed
    takers: set[str] = set()  # activities taking data from a changed system
    for kind, key in changes:
        if kind == "activity":
            activities.add(key)
            edited.add(key)
        elif kind == "flow":
            for graph in (before, after):
                flow = graph.flows.get(key)
                if flow is not None:
                    activities.add(flow.activity)
                    edited.add(flow.activity)
        elif kind == "processor_record":
            records.add(key)
        elif kind == "waiver":
            for graph in (before, after):
                waiver = graph.waivers.get(key)
                if waiver is not None:
                    waivers.add(waiver.finding)
        elif kind == "system":
            parties_changed = True
            organisations |= _organisations_of(before, after, "systems", key)
            node = f"system:{key}"
            activities |= index.touching(node)
            was, now = before.systems.get(key), after.systems.get(key)
            if was is None or now is None or was.name != now.name:
                takers.update(index.sources.get(node, ()))
            for graph in (before, after):
                activities.update(graph.activities_by_system.get(key, ()))
        elif kind == "party":
            parties_changed = True
            changed_parties.add(key)
            organisations |= _organisations_of(before, after, "parties", key)
            for graph in (before, after):
                reached = ancestors(graph, key)
                nodes = [f"party:{p}" for p in reached]
                for system in _operated(graph, reached):
                    nodes.append(f"system:{system}")
                    activities.update(graph.activities_by_system.get(system, ()))
                for node in nodes:
                    activities |= index.touching(node)
                for party in reached:
                    activities |= index.named.get(party, set())
                for record in graph.processor_records.values():
                    if reached.intersection(record.sub_processors) or any(
                        t.importer in reached for t in record.transfers
                    ):
                        records.add(record.key)
        elif kind == "organisation":
            organisations.add(key)
            old, new = before.organisations.get(key), after.organisations.get(key)
            if own_fields_only(old, new):
                continue
            if own_fields_only(old, new, "name"):  # only rules quoting its name read more
                renamed.add(key)
                continue
            for graph in (before, after):
                activities.update(a.key for a in graph.activities.values() if a.organisation == key)
                records.update(
                    r.key for r in graph.processor_records.values() if r.organisation == key
                )
        else:
            raise TooWide(f"a {kind} changed")
        if len(activities) + len(records) > limit:
            raise TooWide("too many subjects")
    bringing = {a for a in edited if brought(before, a) != brought(after, a)}
    neighbours = edited | takers | _downstream(bringing, before, after, index)
    if len(neighbours) + len(records) > limit:
        raise TooWide("too many subjects")
    for graph in (before, after):
        for activity in activities:
            found = graph.activities.get(activity)
            if found is not None:
                organisations.add(found.organisation)
        for record_key in records:
            entry = graph.processor_records.get(record_key)
            if entry is not None:
                organisations.add(entry.organisation)
    owners = {f"activity:{a}" for a in activities} | {f"processor_record:{r}" for r in records}
    owners |= {f"organisation:{o}" for kind, o in changes if kind == "organisation"}
    return Impact(
        owners=owners,
        activities=activities,
        neighbours=neighbours,
        records=records,
        organisations=organisations,
        parties=changed_parties,
        parties_changed=parties_changed,
        renamed=renamed,
        waivers=waivers,
    )


def _downstream(
    activities: set[str], before: RegistryGraph, after: RegistryGraph, index: FlowIndex
) -> set[str]:
    """Activities taking data from a system these activities' flows bring data into."""
    found: set[str] = set()
    for graph in (before, after):
        for activity in activities:
            for flow in graph.flows_by_activity.get(activity, ()):
                if flow.target.startswith("system:"):
                    found.update(index.sources.get(flow.target, ()))
    return found


def upstream(graph: RegistryGraph, index: FlowIndex, activities: set[str]) -> m.RegistryDocument:
    """What ``NEIGHBOURS`` rules read of these activities: them and the activities bringing
    data into the systems they take data from, their flows and the flows' ends, every
    organisation, term and waiver."""
    context = set(activities)
    for key in activities:
        for flow in graph.flows_by_activity.get(key, ()):
            if flow.source.startswith("system:"):
                context.update(index.targets.get(flow.source, ()))
    kept = [graph.activities[a] for a in sorted(context) if a in graph.activities]
    flows = sorted((f for a in kept for f in graph.flows_by_activity.get(a.key, ())), key=_key)
    ends = {node for f in flows for node in (f.source, f.target)}
    return m.RegistryDocument(
        organisations=list(graph.organisations.values()),
        terms=list(graph.document.terms),
        parties=[p for k, p in graph.parties.items() if f"party:{k}" in ends],
        systems=[s for k, s in graph.systems.items() if f"system:{k}" in ends],
        activities=kept,
        flows=flows,
        waivers=list(graph.waivers.values()),
    )


def _key(entity: m.Entity) -> str:
    return entity.key


def neighbourhood(
    graph: RegistryGraph, activities: set[str], records: set[str], organisations: set[str]
) -> m.RegistryDocument:
    """The smallest registry in which these subjects read what the rules that are neither
    ``WIDE`` nor ``NEIGHBOURS`` read of them in ``graph``: them, their closure, these
    organisations and those of everything kept, every term and waiver."""
    kept = [graph.activities[a] for a in sorted(activities) if a in graph.activities]
    flows = [f for a in kept for f in graph.flows_by_activity.get(a.key, ())]
    systems: set[str] = set()
    parties: set[str] = set()
    for activity in kept:
        systems.update(activity.systems)
        parties.update(activity.recipients or ())
        parties.update(activity.joint_controllers)
    for flow in flows:
        for node in (flow.source, flow.target):
            kind, _, key = node.partition(":")
            (systems if kind == "system" else parties).add(key)
    kept_records = [
        graph.processor_records[r] for r in sorted(records) if r in graph.processor_records
    ]
    for record in kept_records:
        parties.update(record.sub_processors)
        parties.update(t.importer for t in record.transfers if t.importer)
    for key in systems:
        system = graph.systems.get(key)
        if system is not None and system.operator:
            parties.add(system.operator)
    parties |= _chains(graph, parties)
    kept_parties = [graph.parties[p] for p in sorted(parties) if p in graph.parties]
    kept_systems = [graph.systems[s] for s in sorted(systems) if s in graph.systems]
    owning = set(organisations)
    for entries in (kept, kept_records, kept_parties, kept_systems):
        owning.update(e.organisation for e in entries)
    return m.RegistryDocument(
        organisations=[o for k, o in graph.organisations.items() if k in owning],
        terms=list(graph.document.terms),
        parties=kept_parties,
        systems=kept_systems,
        activities=kept,
        processor_records=kept_records,
        flows=sorted(flows, key=lambda f: f.key),
        waivers=list(graph.waivers.values()),
    )


def _chains(graph: RegistryGraph, parties: set[str]) -> set[str]:
    """The sub-processors these parties engage, and theirs, transitively."""
    engaged: dict[str, list[str]] = defaultdict(list)
    for key, party in graph.parties.items():
        if party.sub_processor_of:
            engaged[party.sub_processor_of].append(key)
    found: set[str] = set()
    todo = [c for p in parties for c in engaged.get(p, ())]
    while todo:
        key = todo.pop()
        if key in found:
            continue
        found.add(key)
        todo.extend(engaged.get(key, ()))
    return found
