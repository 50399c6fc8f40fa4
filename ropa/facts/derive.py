"""Deriving the facts from a registry graph for one day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ropa.domain import model as m
from ropa.facts import geography
from ropa.facts import organisation as org_facts
from ropa.facts.model import (
    ActivityFacts,
    Facts,
    FlowFacts,
    PartyFacts,
    Reach,
    Regime,
    Role,
)
from ropa.facts.screening import screen
from ropa.graph import RegistryGraph, node_id

_ROLES = {
    m.PartyRole.PROCESSOR: Role.PROCESSOR,
    m.PartyRole.SUB_PROCESSOR: Role.PROCESSOR,
    m.PartyRole.INDEPENDENT_CONTROLLER: Role.CONTROLLER,
    m.PartyRole.JOINT_CONTROLLER: Role.CONTROLLER,
    m.PartyRole.AUTHORITY: Role.CONTROLLER,
}
PROCESSOR_ROLES = {m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR}


def judged(activity: m.Activity | m.ProcessorRecord) -> bool:
    """Active entries and drafts are judged (so gaps show before go-live); retired ones not."""
    return activity.status != m.ActivityStatus.RETIRED


def derive(graph: RegistryGraph, on: dt.date) -> Facts:
    atlas = geography.Atlas(graph.vocab)
    judged_keys = {key for key, activity in graph.activities.items() if judged(activity)}
    flows = {
        key: _flow(graph, atlas, flow, on, flow.activity in judged_keys)
        for key, flow in graph.flows.items()
    }
    parties = _parties(graph, atlas, on)
    activities = {
        key: _activity(graph, activity, key in judged_keys, flows, parties)
        for key, activity in graph.activities.items()
    }
    receivers: dict[str, list[str]] = defaultdict(list)
    for key in graph.activities:
        if key in judged_keys:
            for party in sorted(activities[key].direct_recipients):
                receivers[party].append(key)
    node_zones = {
        node: atlas.zone(graph.country_of(node), geography.importer_of(graph, node), on)[0]
        for kind, keys in (("system", graph.systems), ("party", graph.parties))
        for node in (node_id(kind, key) for key in keys)
    }
    facts = Facts(
        graph=graph,
        on=on,
        flows=flows,
        activities=activities,
        parties=parties,
        judged_activities=[a for k, a in graph.activities.items() if k in judged_keys],
        judged_processor_records=[r for r in graph.processor_records.values() if judged(r)],
        judged_flows=[f for f in flows.values() if f.judged],
        receivers=dict(receivers),
        node_zones=node_zones,
    )
    _organisations(facts)
    return facts


# --- organisations and statements ----------------------------------------------------------


def _organisations(facts: Facts) -> None:
    """Effective statements, Art 27, Art 37 and Art 30(5) facts, and engaged sub-processors."""
    graph = facts.graph
    for activity in facts.judged_activities:
        facts.statements[f"activity:{activity.key}"] = org_facts.statements(graph, activity)
    for record in facts.judged_processor_records:
        facts.statements[f"processor_record:{record.key}"] = org_facts.statements(graph, record)
    screenings = {key: a.screening for key, a in facts.activities.items()}
    for key, organisation in graph.organisations.items():
        own = [a for a in facts.judged_activities if a.organisation == key]
        facts.organisations[key] = org_facts.OrganisationFacts(
            organisation=organisation,
            activities=tuple(a.key for a in own),
            processor_records=tuple(
                r.key for r in facts.judged_processor_records if r.organisation == key
            ),
            representation=org_facts.representation(graph, organisation, facts.regimes(key)),
            dpo_grounds=org_facts.dpo_grounds(graph, organisation, own, screenings),
            art30_5=org_facts.art30_5(graph, organisation, own, screenings),
        )
    facts.sub_processors = org_facts.engaged_sub_processors(
        graph, facts.receivers, facts.judged_processor_records
    )


# --- flows -------------------------------------------------------------------------------


def _flow(
    graph: RegistryGraph, atlas: geography.Atlas, flow: m.Flow, on: dt.date, is_judged: bool
) -> FlowFacts:
    transfer = flow.transfer
    target_country = graph.country_of(flow.target)
    organisation = transfer.international_organisation.strip() if transfer else ""
    if transfer is not None and (transfer.destination_country or organisation):
        destination = transfer.destination_country
    else:
        destination = target_country
    importer = geography.importer_of(graph, flow.target)
    day = on
    if transfer is not None and transfer.since is not None and transfer.since > on:
        day = transfer.since  # transfers are ongoing: judged from when they start if later
    place = "" if destination else organisation
    zone, decision = atlas.zone(destination, importer, day, place)
    mechanism = graph.vocab.transfer_mechanisms.get(transfer.mechanism or "") if transfer else None
    return FlowFacts(
        flow=flow,
        judged=is_judged,
        source_country=graph.country_of(flow.source),
        target_country=target_country,
        destination=destination,
        international_organisation=organisation,
        importer=importer,
        exporter_role=_exporter_role(graph, flow, importer),
        importer_role=_ROLES.get(importer.role) if importer is not None and importer.role else None,
        zone=zone,
        leaves_eea=bool(place) or (bool(destination) and not graph.vocab.is_eea(destination)),
        regime=Regime.EU_GDPR,
        day=day,
        mechanism=mechanism,
        mechanism_valid=mechanism.valid_on(day) if mechanism is not None else None,
        decision=decision,
        decisions=atlas.decisions_for(destination, place),
        decision_covers_importer=(
            geography.covers(decision, importer) if decision is not None else None
        ),
    )


def _exporter_role(graph: RegistryGraph, flow: m.Flow, importer: m.Party | None) -> Role | None:
    """Controller for the organisation's own systems; a sending party's role otherwise.

    One exception: a system run by a processor that sends to a sub-processor that processor
    engaged (a SaaS mailing through its own vendor) is the processor exporting, module 3.
    """
    endpoint = graph.endpoint(flow.source)
    if isinstance(endpoint, m.System):
        operator = graph.parties.get(endpoint.operator or "")
        if (
            operator is not None
            and operator.role in PROCESSOR_ROLES
            and importer is not None
            and importer.sub_processor_of == operator.key
        ):
            return Role.PROCESSOR
        return Role.CONTROLLER
    return _ROLES.get(endpoint.role) if endpoint is not None and endpoint.role else None


# --- parties -----------------------------------------------------------------------------


def _parties(graph: RegistryGraph, atlas: geography.Atlas, on: dt.date) -> dict[str, PartyFacts]:
    """Each party's systems and onward chain: who holds data because of whom."""
    operated: dict[str, list[str]] = defaultdict(list)
    for key, system in graph.systems.items():
        if system.operator:
            operated[system.operator].append(node_id("system", key))
    engaged: dict[str, list[str]] = defaultdict(list)
    for key, party in graph.parties.items():
        if party.sub_processor_of:
            engaged[party.sub_processor_of].append(key)
    found: dict[str, PartyFacts] = {}
    for key, party in graph.parties.items():
        chain = _chain(key, engaged)
        exposed = {node_id("party", key), *operated.get(key, ())}
        for sub in chain:
            exposed.add(node_id("party", sub))
            exposed.update(operated.get(sub, ()))
        found[key] = PartyFacts(
            party=party,
            operated=tuple(sorted(operated.get(key, ()))),
            chain=tuple(sorted(chain)),
            exposed=tuple(sorted(exposed)),
            zone=atlas.zone(party.country, party, on)[0],
        )
    return found


def _chain(start: str, engaged: dict[str, list[str]]) -> set[str]:
    """The sub-processors a party engages, and theirs, transitively (cycles are cut)."""
    seen: set[str] = set()
    todo = list(engaged.get(start, ()))
    while todo:
        key = todo.pop()
        if key in seen or key == start:
            continue
        seen.add(key)
        todo.extend(engaged.get(key, ()))
    return seen


# --- activities --------------------------------------------------------------------------


def _activity(
    graph: RegistryGraph,
    activity: m.Activity,
    is_judged: bool,
    flows: dict[str, FlowFacts],
    parties: dict[str, PartyFacts],
) -> ActivityFacts:
    own = tuple(flow.key for flow in graph.flows_by_activity.get(activity.key, ()))
    via: dict[str, dict[str, None]] = defaultdict(dict)
    direct: set[str] = set()

    def reach(party: str | None, how: str, is_direct: bool) -> None:
        if party:
            via[party][how] = None
            if is_direct:
                direct.add(party)

    for party in activity.recipients or ():
        reach(party, "recipient", True)
    countries: set[str] = set()
    for key in own:
        facts = flows[key]
        kind, _, target = facts.flow.target.partition(":")
        if kind == "party":
            reach(target, f"flow {key}", True)
        elif (system := graph.systems.get(target)) is not None:
            reach(system.operator, f"operator of {system.key}", True)
        if facts.destination:
            countries.add(facts.destination)
    for system_key in activity.systems:
        system = graph.systems.get(system_key)
        if system is not None:
            reach(system.operator, f"operator of {system.key}", False)
    for holder in list(via):
        chain = parties[holder].chain if holder in parties else ()
        for sub in chain:
            reach(sub, f"sub-processor of {holder}", False)
    reached = {
        party: Reach(party=party, via=tuple(hows), direct=party in direct)
        for party, hows in via.items()
    }
    return ActivityFacts(
        activity=activity,
        judged=is_judged,
        flows=own,
        reached=reached,
        countries=tuple(sorted(countries)),
        screening=screen(graph, activity),
    )
