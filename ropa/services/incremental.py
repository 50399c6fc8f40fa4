"""Incremental judgement: the next revision's findings from the previous revision's.

The audit trail says which entities changed between two revisions. ``step`` applies those
changes to the previous document and graph, judges again only the subjects the change touches
(``ropa.facts.impact``) on the small registry they read, re-runs the ``WIDE`` rules on the
patched registry-wide facts, and splices the result into the previous findings. A full
judgement of the new document gives the same findings (tests/unit/test_incremental.py).

What the step keeps (``State``) moves from revision to revision; it is only ever stepped from
the newest revision it reached. Lineage, diagrams and exports get the patched graph, with its
networkx graph and the new revision's facts built in full when first asked.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.vocabulary import Vocabularies
from ropa.facts import Facts
from ropa.facts.derive import derive, judged, organisation_facts, party_facts
from ropa.facts.impact import (
    FlowIndex,
    Impact,
    TooWide,
    ancestors,
    impact,
    neighbourhood,
    upstream,
)
from ropa.facts.model import ActivityFacts, FlowFacts, PartyFacts
from ropa.facts.organisation import (
    Engagement,
    OrganisationFacts,
    StatementsMemo,
    engaged_sub_processors,
    statements,
)
from ropa.graph import COLLECTIONS, PatchedGraph, RegistryGraph, build_graph, bulk
from ropa.rules.engine import (
    NEIGHBOURS,
    ORGANISATION_NAME,
    ORGANISATION_WIDE,
    PARTY_WIDE,
    RULES,
    WIDE,
    Finding,
    Judge,
    Owned,
    by_id,
    evaluate_by_rule,
    rule_order,
    waiver_note,
)
from ropa.rules.retention import brought_for_a_period
from ropa.rules.waivers import RULE_ID as WAIVER_RULE
from ropa.rules.waivers import unmatched
from ropa.services.entities import decode

Change = tuple[str, str, str | None]
"""(kind, key, body after the change or None when deleted), as ``Repository.changes`` gives."""

MAX_CHANGES = 200
"""More changed entities than this between two revisions (an import) are judged in full."""


def subject_limit(activities: int) -> int:
    """How many subjects an edit may touch before judging in full is as cheap."""
    return max(50, min(5_000, activities // 4))


@dataclass
class State:
    """What the next step needs of the revision it starts from, for one day."""

    day: dt.date
    graph: RegistryGraph
    flows: dict[str, FlowFacts]
    activities: dict[str, ActivityFacts]
    parties: dict[str, PartyFacts]
    organisations: dict[str, OrganisationFacts]
    receivers: dict[str, list[str]]
    sub_processors: dict[str, Engagement]
    judged_activities: list[m.Activity]
    members: dict[str, list[str]]
    """Organisation -> the keys of its judged activities, in registry order."""
    by_rule: dict[str, list[Owned]]
    findings: list[Finding]
    """``by_rule``'s findings in ``in_order``'s order."""
    owned: dict[str, dict[str, list[str]]]
    """Subject -> rule (not wide) -> the ids of its findings of that subject."""
    index: FlowIndex
    flow_ends: dict[str, int]


def seed(facts: Facts, by_rule: dict[str, list[Owned]], findings: list[Finding]) -> State:
    """The state of a revision judged in full, given its findings by rule and in order.

    A state owns its per-entity facts (a step updates them in place), so they are copied
    from the revision's facts here, once."""
    with bulk():
        owned: dict[str, dict[str, list[str]]] = {}
        for rule_id, found in by_rule.items():
            if rule_id in WIDE:
                continue
            for owner, finding in found:
                owned.setdefault(owner, {}).setdefault(rule_id, []).append(finding.id)
        index = FlowIndex.of(facts.graph)
        return State(
            day=facts.on,
            graph=facts.graph,
            flows=dict(facts.flows),
            activities=dict(facts.activities),
            parties=dict(facts.parties),
            organisations=dict(facts.organisations),
            receivers=dict(facts.receivers),
            sub_processors=facts.sub_processors,
            judged_activities=list(facts.judged_activities),
            members=_members_of(facts.judged_activities),
            by_rule=dict(by_rule),
            findings=findings,
            owned=owned,
            index=index,
            flow_ends=index.flow_ends(),
        )


@dataclass
class Stepped:
    document: m.RegistryDocument
    graph: RegistryGraph
    by_rule: dict[str, list[Owned]]
    findings: list[Finding]
    state: State


def step(state: State, changes: list[Change], vocab: Vocabularies) -> Stepped:
    """The next revision judged from ``state`` and the changes since. Raises ``TooWide`` when
    judging in full is the better way (``state`` is then spent: judge in full)."""
    with bulk():
        return _step(state, changes, vocab)


def _step(state: State, changes: list[Change], vocab: Vocabularies) -> Stepped:
    if len(changes) > MAX_CHANGES:
        raise TooWide("too many changes")
    latest: dict[tuple[str, str], m.Entity | None] = {}
    for kind, key, body in changes:
        if kind not in _GRAPH_FIELDS:  # a term: categories and screening everywhere
            raise TooWide(f"a {kind} changed")
        latest[(kind, key)] = decode(kind, body) if body is not None else None
    before = state.graph
    document = _patched_document(before.document, latest)
    index = state.index
    ends = dict(state.flow_ends)
    for (kind, key), entity in latest.items():
        if kind == "flow":
            old = before.flows.get(key)
            if old is not None:
                index.add_flow(old, -1)
                _count_ends(ends, old, -1)
            if isinstance(entity, m.Flow):
                index.add_flow(entity)
                _count_ends(ends, entity, 1)
        elif kind == "activity":
            old_activity = before.activities.get(key)
            if old_activity is not None:
                index.add_activity(old_activity, present=False)
            if isinstance(entity, m.Activity):
                index.add_activity(entity)
    after = _patched_graph(before, document, latest, ends)
    touched = impact(
        list(latest), before, after, index, subject_limit(len(after.activities)), _brought
    )
    return _judge(state, before, after, touched, list(latest), vocab)


def _brought(graph: RegistryGraph, activity: str) -> object:
    return brought_for_a_period(
        graph.activities.get(activity), graph.flows_by_activity.get(activity, ())
    )


def _count_ends(ends: dict[str, int], flow: m.Flow, step: int) -> None:
    for node in (flow.source, flow.target):
        ends[node] = ends.get(node, 0) + step


# --- the document and the graph --------------------------------------------------------------


def _patched_document(
    document: m.RegistryDocument, latest: dict[tuple[str, str], m.Entity | None]
) -> m.RegistryDocument:
    """The document with the changes applied, each collection in key order as a snapshot
    reads it."""
    collections: dict[str, list[m.Entity]] = {}
    for (kind, key), entity in latest.items():
        name = KINDS[kind].collection
        entries = collections.get(name)
        if entries is None:
            entries = collections[name] = list(getattr(document, name))
        at = bisect.bisect_left(entries, key, key=_key)
        present = at < len(entries) and entries[at].key == key
        if entity is None:
            if present:
                del entries[at]
        elif present:
            entries[at] = entity
        else:
            entries.insert(at, entity)
    values = {name: getattr(document, name) for name in _COLLECTIONS}
    values.update(collections)
    return m.RegistryDocument(**values)


_COLLECTIONS = (
    "organisations",
    "terms",
    "parties",
    "systems",
    "activities",
    "processor_records",
    "flows",
    "waivers",
)


def _key(entity: m.Entity) -> str:
    return entity.key


_GRAPH_FIELDS = COLLECTIONS
"""Entity kind -> the graph's lookup of that kind (terms have none)."""


def _patched_graph(
    before: RegistryGraph,
    document: m.RegistryDocument,
    latest: dict[tuple[str, str], m.Entity | None],
    flow_ends: dict[str, int],
) -> PatchedGraph:
    lookups: dict[str, object] = {
        name: getattr(before, name)
        for name in (
            *_GRAPH_FIELDS.values(),
            "categories",
            "subject_categories",
            "flows_by_activity",
            "activities_by_system",
        )
    }
    copied: set[str] = set()
    for (kind, key), entity in latest.items():
        name = _GRAPH_FIELDS[kind]
        if name not in copied:
            lookups[name] = dict(getattr(before, name))
            copied.add(name)
        entries: dict[str, m.Entity] = lookups[name]  # type: ignore[assignment]
        if entity is None:
            entries.pop(key, None)
        elif key in entries:
            entries[key] = entity
        else:  # a new key goes where the document has it
            lookups[name] = {e.key: e for e in getattr(document, _collection(kind))}
    flows: dict[str, m.Flow] = lookups["flows"]  # type: ignore[assignment]
    activities: dict[str, m.Activity] = lookups["activities"]  # type: ignore[assignment]
    by_activity = before.flows_by_activity
    changed_owners = set()
    for (kind, key), _ in latest.items():
        if kind == "flow":
            for graph_flows in (before.flows, flows):
                found = graph_flows.get(key)
                if found is not None:
                    changed_owners.add(found.activity)
    if changed_owners:
        by_activity = dict(by_activity)
        for activity in changed_owners:
            keys = {f.key for f in before.flows_by_activity.get(activity, ())}
            keys |= {k for (kind, k) in latest if kind == "flow"}
            own = [flows[k] for k in sorted(keys) if k in flows and flows[k].activity == activity]
            if own:
                by_activity[activity] = own
            else:
                by_activity.pop(activity, None)
    by_system = before.activities_by_system
    changed_activities = [k for (kind, k) in latest if kind == "activity"]
    if changed_activities:
        by_system = dict(by_system)
        for key in changed_activities:
            systems = set()
            for graph_activities in (before.activities, activities):
                found_activity = graph_activities.get(key)
                if found_activity is not None:
                    systems.update(found_activity.systems)
            for system in systems:
                users = [a for a in by_system.get(system, ()) if a != key]
                now = activities.get(key)
                if now is not None and system in now.systems:
                    at = bisect.bisect_left(users, key)
                    users[at:at] = [key] * now.systems.count(system)
                if users:
                    by_system[system] = users
                else:
                    by_system.pop(system, None)
    lookups["flows_by_activity"] = by_activity
    lookups["activities_by_system"] = by_system
    return PatchedGraph.of(flow_ends, document=document, vocab=before.vocab, **lookups)


def _collection(kind: str) -> str:
    return KINDS[kind].collection


# --- judging ---------------------------------------------------------------------------------


def _judge(
    state: State,
    before: RegistryGraph,
    after: PatchedGraph,
    touched: Impact,
    latest_kinds: list[tuple[str, str]],
    vocab: Vocabularies,
) -> Stepped:
    day = state.day
    scoped = WIDE | NEIGHBOURS | ORGANISATION_WIDE | PARTY_WIDE
    local_rules = [r for r in RULES if r not in scoped]
    if touched.activities or touched.records or touched.owners:
        small = neighbourhood(after, touched.activities, touched.records, touched.organisations)
        small_facts = derive(build_graph(small, vocab, lazy=True), day)
        local = evaluate_by_rule(small_facts, local_rules)
    else:
        small_facts = None
        local = {}
    were = {key: state.activities.get(key) for key in touched.activities}
    flows = _patched_facts(
        state.flows,
        after.flows,
        [k for a in touched.activities for k in _flow_keys(before, after, a)],
        small_facts.flows if small_facts is not None else {},
    )
    activities = _patched_facts(
        state.activities,
        after.activities,
        touched.activities,
        small_facts.activities if small_facts is not None else {},
    )
    parties = _parties(state.parties, before, after, touched, latest_kinds, day)
    receivers, received = _receivers(state.receivers, were, activities, touched.activities)
    judged_activities = _judged_activities(state.judged_activities, after, touched.activities)
    members = _members(state.members, before, after, touched.activities)
    judged_records = [r for r in after.processor_records.values() if judged(r)]
    wide = Facts(
        graph=after,
        on=day,
        flows=flows,
        activities=activities,
        parties=parties,
        judged_activities=judged_activities,
        judged_processor_records=judged_records,
        judged_flows=[],  # no wide rule reads them; organisation-wide ones get their own
        receivers=receivers,
    )
    wide.organisations = _organisations(wide, state.organisations, touched.organisations, members)
    wide.sub_processors = (
        engaged_sub_processors(after, receivers, judged_records)
        if touched.parties_changed or touched.records or received
        else state.sub_processors
    )
    found = _Ledger(state.by_rule, state.findings, state.owned)
    for rule_id, entries in evaluate_by_rule(wide, [r for r in WIDE if r != WAIVER_RULE]).items():
        found.replace(rule_id, entries)
    found.rewaive(after, day, touched.waivers)
    found.splice(local, touched.owners, set(local_rules))
    if touched.neighbours:
        downstream = {f"activity:{a}" for a in touched.neighbours}
        upstream_found = _upstream_findings(after, state.index, touched.neighbours, day, vocab)
        found.splice(upstream_found, downstream, NEIGHBOURS)
    if touched.organisations:
        found.splice(
            evaluate_by_rule(
                _scoped(wide, touched.organisations, members), sorted(ORGANISATION_WIDE)
            ),
            {f"organisation:{o}" for o in touched.organisations},
            ORGANISATION_WIDE,
        )
    if touched.renamed:
        found.splice(
            evaluate_by_rule(_naming(wide, touched.renamed, members), sorted(ORGANISATION_NAME)),
            {f"activity:{a}" for o in touched.renamed for a in members.get(o, ())},
            ORGANISATION_NAME,
        )
    held = _touched_parties(state, were, before, after, wide, touched)
    if held:
        found.splice(
            evaluate_by_rule(_for_parties(wide, held, state.index), sorted(PARTY_WIDE)),
            {f"party:{p}" for p in held},
            PARTY_WIDE,
        )
    if WAIVER_RULE in RULES:
        judge = Judge(after, day)
        found.replace(WAIVER_RULE, judge(WAIVER_RULE, unmatched(after.waivers.values(), found.ids)))
    by_rule, findings = found.result()
    new_state = State(
        day=day,
        graph=after,
        flows=flows,
        activities=activities,
        parties=parties,
        organisations=wide.organisations,
        receivers=receivers,
        sub_processors=wide.sub_processors,
        judged_activities=judged_activities,
        members=members,
        by_rule=by_rule,
        findings=findings,
        owned=state.owned,
        index=state.index,
        flow_ends=after.flow_ends,
    )
    return Stepped(after.document, after, by_rule, findings, new_state)


def _parties(
    previous: dict[str, PartyFacts],
    before: RegistryGraph,
    after: RegistryGraph,
    touched: Impact,
    changed: list[tuple[str, str]],
    day: dt.date,
) -> dict[str, PartyFacts]:
    """Party facts, worked out again for the parties up the chain of a changed party or of
    the operator of a changed system."""
    if not touched.parties_changed:
        return previous
    starts: set[str] = set()
    for kind, key in changed:
        for graph in (before, after):
            if kind == "party" and key in graph.parties:
                starts.add(key)
            system = graph.systems.get(key) if kind == "system" else None
            if system is not None and system.operator:
                starts.add(system.operator)
    again: set[str] = set()
    for graph in (before, after):
        for start in starts:
            again |= ancestors(graph, start)
    fresh = party_facts(after, day, again)
    if any(key not in previous for key in fresh) or any(
        key not in after.parties for key in previous
    ):
        return {key: fresh.get(key) or previous[key] for key in after.parties}
    previous.update(fresh)
    return previous


_PLACED_SINGLY = 64
"""More touched activities than this and the judged activities are listed again in one pass."""


def _judged_activities(
    previous: list[m.Activity], graph: RegistryGraph, touched: set[str]
) -> list[m.Activity]:
    """The judged activities in registry order, the touched ones as they now stand: updated in
    place, or listed again in one pass for a large edit."""
    if len(touched) > _PLACED_SINGLY:  # one pass beats many inserts into a long list
        return [a for a in graph.activities.values() if judged(a)]
    found = previous
    for key in sorted(touched):
        at = bisect.bisect_left(found, key, key=_key)
        if at < len(found) and found[at].key == key:
            del found[at]
        activity = graph.activities.get(key)
        if activity is not None and judged(activity):
            found.insert(at, activity)
    return found


def _touched_parties(
    state: State,
    were: Mapping[str, ActivityFacts | None],
    before: RegistryGraph,
    after: RegistryGraph,
    facts: Facts,
    touched: Impact,
) -> set[str]:
    """Parties whose own fields, engaging party, receivers, naming activities or engagement
    may have changed."""
    held = set(touched.parties)
    for graph in (before, after):
        for key, party in graph.parties.items():
            if party.sub_processor_of in touched.parties:
                held.add(key)
    for key in touched.activities:
        for found in (were.get(key), facts.activities.get(key)):
            if found is not None:
                held |= found.direct_recipients
                held.update(found.activity.joint_controllers)
    old, new = state.sub_processors, facts.sub_processors
    held |= {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    return held


def _for_parties(facts: Facts, parties: set[str], index: FlowIndex) -> Facts:
    """The wide facts with only what ``PARTY_WIDE`` rules read of these parties."""
    naming = set()
    for party in parties:
        naming |= index.named.get(party, set())
        naming.update(facts.receivers.get(party, ()))
    return Facts(
        graph=facts.graph,
        on=facts.on,
        flows=facts.flows,
        activities=facts.activities,
        parties=facts.parties,
        judged_activities=[
            facts.graph.activities[a]
            for a in sorted(naming)
            if a in facts.graph.activities and judged(facts.graph.activities[a])
        ],
        judged_processor_records=facts.judged_processor_records,
        judged_flows=[],
        receivers={k: v for k, v in facts.receivers.items() if k in parties},
        organisations=facts.organisations,
        sub_processors={k: v for k, v in facts.sub_processors.items() if k in parties},
    )


def _scoped(facts: Facts, organisations: set[str], members: dict[str, list[str]]) -> Facts:
    """The wide facts with only these organisations, and their judged activities, records
    and flows."""
    graph = facts.graph
    assert isinstance(graph, PatchedGraph)
    lookups = {k: v for k, v in vars(graph).items() if k not in ("_nx", "_flow_nodes", "flow_ends")}
    lookups["organisations"] = {k: o for k, o in graph.organisations.items() if k in organisations}
    own = PatchedGraph.of(graph.flow_ends, **lookups)
    own_keys = sorted(key for o in organisations for key in members.get(o, ()))
    activities = [graph.activities[key] for key in own_keys]
    keys = sorted(f.key for a in activities for f in graph.flows_by_activity.get(a.key, ()))
    flows = [facts.flows[key] for key in keys]
    return Facts(
        graph=own,
        on=facts.on,
        flows=facts.flows,
        activities=facts.activities,
        parties=facts.parties,
        judged_activities=activities,
        judged_processor_records=[
            r for r in facts.judged_processor_records if r.organisation in organisations
        ],
        judged_flows=flows,
        receivers=facts.receivers,
        organisations=facts.organisations,
        sub_processors=facts.sub_processors,
    )


def _naming(facts: Facts, renamed: set[str], members: dict[str, list[str]]) -> Facts:
    """What ``ORGANISATION_NAME`` rules read of these organisations' activities: the wide
    facts of those organisations, with their activities' effective statements."""
    scoped = _scoped(facts, renamed, members)
    memo: StatementsMemo = {}
    scoped.statements = {
        f"activity:{a.key}": statements(facts.graph, a, memo) for a in scoped.judged_activities
    }
    return scoped


def _upstream_findings(
    graph: RegistryGraph, index: FlowIndex, activities: set[str], day: dt.date, vocab: Vocabularies
) -> dict[str, list[Owned]]:
    """The ``NEIGHBOURS`` rules' findings on the small registry they read of these activities."""
    small = build_graph(upstream(graph, index, activities), vocab, lazy=True)
    facts = Facts(
        graph=small,
        on=day,
        flows={},
        activities={},
        parties={},
        judged_activities=[a for a in small.activities.values() if judged(a)],
        judged_processor_records=[],
        judged_flows=[],
        receivers={},
    )
    return evaluate_by_rule(facts, sorted(NEIGHBOURS))


def _flow_keys(before: RegistryGraph, after: RegistryGraph, activity: str) -> list[str]:
    return [f.key for graph in (before, after) for f in graph.flows_by_activity.get(activity, ())]


T = TypeVar("T")


def _patched_facts(
    previous: dict[str, T],
    keys_now: Mapping[str, object],
    touched: Iterable[str],
    fresh: dict[str, T],
) -> dict[str, T]:
    """Per-entity facts: the previous ones (updated in place), with the touched entities'
    from the small registry, in the registry's order."""
    patched = previous
    inserted = False
    for key in touched:
        if key in fresh and key in keys_now:
            inserted |= key not in patched
            patched[key] = fresh[key]
        else:
            patched.pop(key, None)
    if inserted:
        patched = {key: patched[key] for key in keys_now}
    return patched


def _receivers(
    previous: dict[str, list[str]],
    before: Mapping[str, ActivityFacts | None],
    after: dict[str, ActivityFacts],
    touched: set[str],
) -> tuple[dict[str, list[str]], set[str]]:
    """Party -> the judged activities it directly receives data in, in registry order
    (updated in place; each party's list is replaced, not changed), and the parties whose
    list changed."""
    receivers = previous
    changed: set[str] = set()
    for key in touched:
        old, new = before.get(key), after.get(key)
        was = old.direct_recipients if old is not None and old.judged else frozenset()
        now = new.direct_recipients if new is not None and new.judged else frozenset()
        for party in was - now:
            kept = [a for a in receivers.get(party, ()) if a != key]
            if kept:
                receivers[party] = kept
            else:
                receivers.pop(party, None)
            changed.add(party)
        for party in now - was:
            users = list(receivers.get(party, ()))
            at = bisect.bisect_left(users, key)
            if at == len(users) or users[at] != key:
                users.insert(at, key)
                changed.add(party)
            receivers[party] = users
    return receivers, changed


def _members_of(activities: list[m.Activity]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for activity in activities:
        members.setdefault(activity.organisation, []).append(activity.key)
    return members


def _members(
    members: dict[str, list[str]], before: RegistryGraph, after: RegistryGraph, touched: set[str]
) -> dict[str, list[str]]:
    """Each organisation's judged activities (updated in place), the touched ones as they
    now stand."""
    for key in touched:
        for graph, present in ((before, False), (after, True)):
            activity = graph.activities.get(key)
            if activity is None or not judged(activity):
                continue
            own = members.setdefault(activity.organisation, [])
            at = bisect.bisect_left(own, key)
            there = at < len(own) and own[at] == key
            if present and not there:
                own.insert(at, key)
            elif not present and there:
                del own[at]
    return members


def _organisations(
    facts: Facts,
    previous: dict[str, OrganisationFacts],
    touched: set[str],
    members: dict[str, list[str]],
) -> dict[str, OrganisationFacts]:
    graph = facts.graph
    found: dict[str, OrganisationFacts] = {}
    for key, organisation in graph.organisations.items():
        if key in previous and key not in touched:
            found[key] = previous[key]
            continue
        mine = [graph.activities[a] for a in members.get(key, ())]
        records = [r.key for r in facts.judged_processor_records if r.organisation == key]
        found[key] = organisation_facts(facts, organisation, mine, records)
    return found


@dataclass
class _Edit:
    """Changes to one rule's findings, by their index in the list before the step."""

    dropped: set[int] = field(default_factory=set)
    added: list[tuple[int, str, Owned]] = field(default_factory=list)
    """(index it goes before, id, entry)."""
    replaced: dict[int, Owned] = field(default_factory=dict)


def _edited(
    old: Sequence[T], edit: _Edit, into: Callable[[Owned], T], offset: int, size: int
) -> list[T]:
    """``old[offset : offset + size]`` (one rule's findings) with its edit applied, the
    unchanged runs copied whole."""
    out: list[T] = []
    added = sorted(edit.added, key=lambda a: (a[0], a[1]))
    cuts = sorted(edit.dropped | edit.replaced.keys() | {a[0] for a in added})
    last = 0
    next_added = 0
    for cut in cuts:
        out += old[offset + last : offset + cut]
        while next_added < len(added) and added[next_added][0] == cut:
            out.append(into(added[next_added][2]))
            next_added += 1
        last = cut
        if cut in edit.dropped:
            last = cut + 1
        elif cut in edit.replaced:
            out.append(into(edit.replaced[cut]))
            last = cut + 1
    out += old[offset + last : offset + size]
    return out


def _same(entry: Owned) -> Owned:
    return entry


class _Ledger:
    """The findings by rule and in ``in_order``'s order, changed together: the changes are
    gathered by rule, then each list is rebuilt once from the unchanged runs of the previous
    one and the changed findings, never put in order again."""

    def __init__(
        self,
        by_rule: dict[str, list[Owned]],
        findings: list[Finding],
        owned: dict[str, dict[str, list[str]]],
    ) -> None:
        self.before = by_rule
        self.previous = findings
        self.owned = owned
        self.edits: dict[str, _Edit] = {}
        self.whole: dict[str, list[Owned]] = {}

    def _edit(self, rule_id: str) -> _Edit:
        found = self.edits.get(rule_id)
        if found is None:
            found = self.edits[rule_id] = _Edit()
        return found

    def replace(self, rule_id: str, entries: list[Owned]) -> None:
        """All of a rule's findings."""
        self.whole[rule_id] = entries

    def splice(self, local: dict[str, list[Owned]], owners: set[str], rule_ids: set[str]) -> None:
        """Replace the touched subjects' findings of these rules with the fresh ones."""
        owned = self.owned
        gone: dict[str, list[str]] = {}
        for owner in owners:
            mine = owned.get(owner)
            if not mine:
                continue
            for rule_id in rule_ids.intersection(mine):
                gone.setdefault(rule_id, []).extend(mine.pop(rule_id))
            if not mine:
                del owned[owner]
        fresh: dict[str, list[Owned]] = {}
        for rule_id, found in local.items():
            theirs = [entry for entry in found if entry[0] in owners]
            if theirs:
                fresh[rule_id] = theirs
                for owner, finding in theirs:
                    owned.setdefault(owner, {}).setdefault(rule_id, []).append(finding.id)
        for rule_id in gone.keys() | fresh.keys():
            old = self.before.get(rule_id, [])
            edit = self._edit(rule_id)
            for finding_id in gone.get(rule_id, ()):
                at = bisect.bisect_left(old, finding_id, key=by_id)
                if at < len(old) and old[at][1].id == finding_id and old[at][0] in owners:
                    edit.dropped.add(at)
            placed = {a[1] for a in edit.added}
            for entry in fresh.get(rule_id, ()):
                finding_id = entry[1].id
                at = bisect.bisect_left(old, finding_id, key=by_id)
                kept = at < len(old) and old[at][1].id == finding_id and at not in edit.dropped
                if not kept and finding_id not in placed:  # the first of an id stays
                    placed.add(finding_id)
                    edit.added.append((at, finding_id, entry))

    def rewaive(self, graph: RegistryGraph, on: dt.date, ids: set[str]) -> None:
        """Apply the waivers as they now stand to the findings they name (before ``splice``:
        the fresh findings it brings are judged with the waivers as they stand)."""
        if not ids:
            return
        waivers = {w.finding: w for w in graph.waivers.values()}
        for finding_id in ids:
            rule_id = finding_id.partition("@")[0]
            found = self.before.get(rule_id)
            if not found or rule_id in WIDE:
                continue
            at = bisect.bisect_left(found, finding_id, key=by_id)
            if at == len(found) or found[at][1].id != finding_id:
                continue
            owner, finding = found[at]
            note = waiver_note(waivers.get(finding_id), finding.organisation, on)
            waived = msgspec.structs.replace(
                finding, waived=note is not None and not note.expired, waiver=note
            )
            self._edit(rule_id).replaced[at] = (owner, waived)

    def ids(self, rule_id: str) -> dict[str, str]:
        """A rule's finding ids as they stand, with their organisations."""
        return {finding.id: finding.organisation for _, finding in self.by_rule(rule_id)}

    def by_rule(self, rule_id: str) -> list[Owned]:
        if rule_id in self.whole:
            return self.whole[rule_id]
        old = self.before.get(rule_id, [])
        edit = self.edits.get(rule_id)
        return old if edit is None else _edited(old, edit, _same, 0, len(old))

    def result(self) -> tuple[dict[str, list[Owned]], list[Finding]]:
        """The findings by rule and in order."""
        by_rule = dict(self.before)
        changed = self.edits.keys() | self.whole.keys()
        for rule_id in changed:
            by_rule[rule_id] = self.by_rule(rule_id)
        if not changed:
            return by_rule, self.previous
        previous = self.previous
        starts: dict[str, int] = {}
        start = 0
        for rule_id in sorted(self.before.keys() | changed, key=rule_order):
            starts[rule_id] = start
            start += len(self.before.get(rule_id, ()))
        findings = list(previous)
        for rule_id in sorted(changed, key=rule_order, reverse=True):  # later ranges first
            start, size = starts[rule_id], len(self.before.get(rule_id, ()))
            if rule_id in self.whole:
                segment = [finding for _, finding in self.whole[rule_id]]
            else:
                segment = _edited(previous, self.edits[rule_id], _finding, start, size)
            findings[start : start + size] = segment
        return by_rule, findings


def _finding(entry: Owned) -> Finding:
    return entry[1]


__all__ = ["MAX_CHANGES", "State", "Stepped", "TooWide", "seed", "step"]
