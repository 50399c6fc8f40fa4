"""Deriving the facts from a registry graph for one day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
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
    TransferFacts,
    TransferKind,
    regimes_of,
)
from ropa.facts.screening import screen
from ropa.facts.zones import Zone
from ropa.graph import RegistryGraph, node_id

_ROLES = {
    m.PartyRole.PROCESSOR: Role.PROCESSOR,
    m.PartyRole.SUB_PROCESSOR: Role.PROCESSOR,
    m.PartyRole.INDEPENDENT_CONTROLLER: Role.CONTROLLER,
    m.PartyRole.JOINT_CONTROLLER: Role.CONTROLLER,
    m.PartyRole.AUTHORITY: Role.CONTROLLER,
}
PROCESSOR_ROLES = {m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR}
HR_SUBJECTS = frozenset({"employees", "job_applicants"})
"""Data subjects whose data is HR data for the DPF's HR coverage."""


def _hr_data(subjects: list[str], kinds: list[m.PurposeKind] | None = None) -> bool:
    return bool(HR_SUBJECTS.intersection(subjects)) or m.PurposeKind.EMPLOYMENT in (kinds or ())


def judged(activity: m.Activity | m.ProcessorRecord) -> bool:
    """Active entries and drafts are judged (so gaps show before go-live); retired ones not."""
    return activity.status != m.ActivityStatus.RETIRED


def derive(graph: RegistryGraph, on: dt.date) -> Facts:
    judged_keys = {key for key, activity in graph.activities.items() if judged(activity)}
    flows = {
        key: _flow(graph, flow, on, flow.activity in judged_keys)
        for key, flow in graph.flows.items()
    }
    parties = _parties(graph, on)
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
        node_id(kind, key): geography.node_zone(graph, node_id(kind, key), on)
        for kind, keys in (("system", graph.systems), ("party", graph.parties))
        for key in keys
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
        transfers_judged=_transfers(graph, on, flows, activities, parties, judged_keys),
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


@dataclass(frozen=True, slots=True)
class _View:
    """A destination seen under one regime on the day a transfer is judged."""

    zone: Zone
    decision: AdequacyDecision | None
    decisions: tuple[AdequacyDecision, ...]
    covers: bool | None
    day: dt.date
    mechanism: TransferMechanism | None
    mechanism_valid: bool | None


def _view(
    graph: RegistryGraph,
    regime: Regime,
    transfer: m.Transfer | None,
    destination: str | None,
    organisation: str,
    importer: m.Party | None,
    on: dt.date,
) -> _View:
    vocab = graph.vocab
    day = on
    if transfer is not None and transfer.since is not None and transfer.since > on:
        day = transfer.since  # transfers are ongoing: judged from when they start if later
    zone, decision = geography.zone(vocab, destination, importer, day, organisation, regime)
    mechanism = vocab.transfer_mechanisms.get(transfer.mechanism or "") if transfer else None
    place = organisation or geography.organisation_of_importer(importer)
    return _View(
        zone=zone,
        decision=decision,
        decisions=geography.decisions_for(vocab, destination, place, regime),
        covers=geography.covers(decision, importer) if decision is not None else None,
        day=day,
        mechanism=mechanism,
        mechanism_valid=(
            geography.mechanism_valid(vocab, mechanism, day, regime)
            if mechanism is not None
            else None
        ),
    )


def _crosses(
    graph: RegistryGraph, destination: str | None, organisation: str, regime: Regime
) -> bool:
    """Data going there leaves the regime's territory: an international organisation wherever
    it sits, or a known country outside it."""
    return bool(organisation) or geography.outside(graph.vocab, destination, regime)


def _from_subject_device(graph: RegistryGraph, node: str) -> bool:
    """A flow's source is the data subject's own device: an app or device nobody operates."""
    endpoint = graph.endpoint(node)
    return (
        isinstance(endpoint, m.System)
        and endpoint.system_kind in (m.SystemKind.APP, m.SystemKind.DEVICE)
        and not endpoint.operator
    )


def _direct_collection(graph: RegistryGraph, flow: m.Flow, regime: Regime) -> bool:
    """Data subjects sending their data from their own devices straight to the systems of an
    organisation established outside the regime's territory: the organisation collects
    directly, it does not import (EDPB Guidelines 05/2021); its onward disclosures can be
    transfers."""
    if not _from_subject_device(graph, flow.source) or not flow.target.startswith("system:"):
        return False
    organisation = graph.organisations.get(graph.organisation_of("flow", flow.key))
    established = organisation.establishment_country if organisation is not None else None
    return geography.outside(graph.vocab, established, regime)


def _flow(graph: RegistryGraph, flow: m.Flow, on: dt.date, is_judged: bool) -> FlowFacts:
    transfer = flow.transfer
    target_country = graph.country_of(flow.target)
    source_country = graph.country_of(flow.source)
    named = transfer.international_organisation.strip() if transfer else ""
    if transfer is not None and (transfer.destination_country or named):
        destination = transfer.destination_country
    else:
        destination = target_country
    importer = geography.importer_of(graph, flow.target)
    organisation = named or geography.organisation_of_importer(importer)
    regimes = regimes_of(graph, graph.organisation_of("flow", flow.key))
    direct = tuple(r for r in regimes if _direct_collection(graph, flow, r))
    crossing = tuple(
        r
        for r in regimes
        if r not in direct
        and _crosses(graph, destination, organisation, r)
        # an organisation under both regimes: a flow that starts in one territory leaves it,
        # and is the other regime's business only when it starts there too
        and not any(
            other != r
            and geography.inside(graph.vocab, source_country, other)
            and not geography.inside(graph.vocab, source_country, r)
            for other in regimes
        )
    )
    regime = crossing[0] if crossing else regimes[0]
    view = _view(graph, regime, transfer, destination, organisation, importer, on)
    return FlowFacts(
        flow=flow,
        judged=is_judged,
        source_country=source_country,
        target_country=target_country,
        destination=destination,
        international_organisation=organisation,
        importer=importer,
        exporter_role=_exporter_role(graph, flow, importer),
        importer_role=_role(importer),
        zone=view.zone,
        leaves_eea=bool(organisation) or geography.outside(graph.vocab, destination),
        regime=regime,
        day=view.day,
        mechanism=view.mechanism,
        mechanism_valid=view.mechanism_valid,
        decision=view.decision,
        decisions=view.decisions,
        decision_covers_importer=view.covers,
        regimes=crossing,
        direct_collection=direct,
    )


def _role(party: m.Party | None) -> Role | None:
    return _ROLES.get(party.role) if party is not None and party.role else None


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


def _parties(graph: RegistryGraph, on: dt.date) -> dict[str, PartyFacts]:
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
            zone=geography.zone(graph.vocab, party.country, party, on)[0],
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


# --- transfers to judge ------------------------------------------------------------------


def _transfers(
    graph: RegistryGraph,
    on: dt.date,
    flows: dict[str, FlowFacts],
    activities: dict[str, ActivityFacts],
    parties: dict[str, PartyFacts],
    judged_keys: set[str],
) -> list[TransferFacts]:
    """Every transfer to judge, per regime: flows, implied transfers, processor records."""
    found: list[TransferFacts] = []
    for facts in flows.values():
        if facts.judged:
            found.extend(_flow_transfers(graph, on, facts))
    for key, activity in activities.items():
        if key in judged_keys:
            found.extend(_implied_by_activity(graph, on, activity, flows))
    for record in graph.processor_records.values():
        if judged(record):
            found.extend(_record_transfers(graph, on, record, parties))
    return found


def _detail(regimes: tuple[Regime, ...], regime: Regime, base: str = "") -> str:
    """A finding's detail: the base, with the regime when it is not the organisation's first."""
    suffix = str(regime) if regime != regimes[0] else ""
    return "-".join(part for part in (base, suffix) if part)


def _flow_transfers(graph: RegistryGraph, on: dt.date, facts: FlowFacts) -> list[TransferFacts]:
    regimes = regimes_of(graph, graph.organisation_of("flow", facts.key))
    judged_under = facts.regimes
    if (
        not judged_under
        and facts.transfer is not None
        and facts.regime not in facts.direct_collection
    ):
        judged_under = (facts.regime,)  # declared, but its destination is unknown or inside
    activity = graph.activities.get(facts.flow.activity)
    hr = activity is not None and _hr_data(activity.data_subjects, activity.purpose_kinds)
    found = []
    for regime in judged_under:
        view = _view(
            graph,
            regime,
            facts.transfer,
            facts.destination,
            facts.international_organisation,
            facts.importer,
            on,
        )
        found.append(
            TransferFacts(
                kind=TransferKind.FLOW,
                entity=f"flow:{facts.key}",
                detail=_detail(regimes, regime),
                regime=regime,
                transfer=facts.transfer,
                source=facts.flow.source,
                target=facts.flow.target,
                importer=facts.importer,
                destination=facts.destination,
                international_organisation=facts.international_organisation,
                exporter_role=facts.exporter_role,
                importer_role=facts.importer_role,
                zone=view.zone,
                day=view.day,
                mechanism=view.mechanism,
                mechanism_valid=view.mechanism_valid,
                decision=view.decision,
                decisions=view.decisions,
                decision_covers_importer=view.covers,
                activity=facts.flow.activity,
                hr_data=hr,
            )
        )
    return found


def _implied(
    graph: RegistryGraph,
    on: dt.date,
    regimes: tuple[Regime, ...],
    regime: Regime,
    party: m.Party,
    base: str,
    via: tuple[str, ...],
    activity: str | None = None,
    record: str | None = None,
    hr: bool = False,
) -> TransferFacts:
    organisation = geography.organisation_of_importer(party)
    view = _view(graph, regime, None, party.country, organisation, party, on)
    return TransferFacts(
        kind=TransferKind.IMPLIED,
        entity=f"party:{party.key}",
        detail=_detail(regimes, regime, base),
        regime=regime,
        transfer=None,
        source=None,
        target=node_id("party", party.key),
        importer=party,
        destination=party.country,
        international_organisation=organisation,
        exporter_role=None,
        importer_role=_role(party),
        zone=view.zone,
        day=view.day,
        mechanism=None,
        mechanism_valid=None,
        decision=view.decision,
        decisions=view.decisions,
        decision_covers_importer=view.covers,
        activity=activity,
        processor_record=record,
        via=via,
        hr_data=hr,
    )


def _implied_by_activity(
    graph: RegistryGraph, on: dt.date, activity: ActivityFacts, flows: dict[str, FlowFacts]
) -> list[TransferFacts]:
    """Parties outside a territory that hold the activity's data with no flow carrying it to
    them as a transfer: listed recipients without a flow, operators of systems run from a third
    country (remote access, SaaS), sub-processors down a chain."""
    key = activity.activity.key
    regimes = regimes_of(graph, activity.activity.organisation)
    found = []
    for party_key, reach in activity.reached.items():
        party = graph.parties.get(party_key)
        if party is None:
            continue
        organisation = geography.organisation_of_importer(party)
        into = [
            flows[f]
            for f in activity.flows
            if (importer := flows[f].importer) is not None and importer.key == party_key
        ]
        for regime in regimes:
            if not _crosses(graph, party.country, organisation, regime):
                continue
            if any(
                f.transfer is not None or regime in f.regimes or regime in f.direct_collection
                for f in into
            ):
                continue
            found.append(
                _implied(
                    graph,
                    on,
                    regimes,
                    regime,
                    party,
                    key,
                    reach.via,
                    activity=key,
                    hr=_hr_data(activity.activity.data_subjects, activity.activity.purpose_kinds),
                )
            )
    return found


def _record_transfers(
    graph: RegistryGraph, on: dt.date, record: m.ProcessorRecord, parties: dict[str, PartyFacts]
) -> list[TransferFacts]:
    """Transfers recorded on a processor record (Art 30(2)(c)), judged like a flow's, and its
    sub-processors (and theirs) outside a territory that no recorded transfer reaches."""
    regimes = regimes_of(graph, record.organisation)
    found = []
    for index, transfer in enumerate(record.transfers, start=1):
        importer = graph.parties.get(transfer.importer or "")
        named = transfer.international_organisation.strip()
        organisation = named or geography.organisation_of_importer(importer)
        destination = transfer.destination_country or (
            importer.country if importer is not None and not named else None
        )
        judged_under = tuple(r for r in regimes if _crosses(graph, destination, organisation, r))
        for regime in judged_under or regimes[:1]:
            view = _view(graph, regime, transfer, destination, organisation, importer, on)
            found.append(
                TransferFacts(
                    kind=TransferKind.PROCESSOR_RECORD,
                    entity=f"processor_record:{record.key}",
                    detail=_detail(regimes, regime, f"transfer-{index}"),
                    regime=regime,
                    transfer=transfer,
                    source=None,
                    target=node_id("party", importer.key) if importer is not None else None,
                    importer=importer,
                    destination=destination,
                    international_organisation=organisation,
                    exporter_role=Role.PROCESSOR,
                    importer_role=_role(importer),
                    zone=view.zone,
                    day=view.day,
                    mechanism=view.mechanism,
                    mechanism_valid=view.mechanism_valid,
                    decision=view.decision,
                    decisions=view.decisions,
                    decision_covers_importer=view.covers,
                    processor_record=record.key,
                    hr_data=_hr_data(record.data_subjects),
                )
            )
    subs: dict[str, tuple[str, ...]] = {}
    for sub in record.sub_processors:
        subs.setdefault(sub, ("sub-processor",))
        for deeper in parties[sub].chain if sub in parties else ():
            subs.setdefault(deeper, (f"sub-processor of {sub}",))
    for sub, via in subs.items():
        party = graph.parties.get(sub)
        if party is None:
            continue
        organisation = geography.organisation_of_importer(party)
        for regime in regimes:
            if not _crosses(graph, party.country, organisation, regime):
                continue
            if any(
                t.importer == sub
                or (
                    t.importer is None
                    and t.destination_country
                    and t.destination_country == party.country
                )
                for t in record.transfers
            ):
                continue
            found.append(
                _implied(
                    graph,
                    on,
                    regimes,
                    regime,
                    party,
                    record.key,
                    via,
                    record=record.key,
                    hr=_hr_data(record.data_subjects),
                )
            )
    return found
