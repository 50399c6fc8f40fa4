"""Deriving the facts from a registry graph for one day.

Each fact is computed once. What many flows share is remembered for the derivation: where a
node sits and who imports there, how a destination is seen under a regime on a day (zone,
decision, mechanism), which regimes a route crosses. So the cost per flow is a few lookups.
"""

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
from ropa.facts.screening import Screener
from ropa.facts.zones import Zone
from ropa.graph import RegistryGraph, bulk, node_id

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


_NO_TAGS: frozenset[str] = frozenset()
_new = tuple.__new__
"""Makes a named tuple from its fields in order, without the named tuple's own ``__new__``."""


def judged(activity: m.Activity | m.ProcessorRecord) -> bool:
    """Active entries and drafts are judged (so gaps show before go-live); retired ones not."""
    return activity.status != m.ActivityStatus.RETIRED


def derive(graph: RegistryGraph, on: dt.date) -> Facts:
    """The facts of a registry graph on a day."""
    with bulk():
        return _Derivation(graph, on).facts()


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


@dataclass(frozen=True, slots=True)
class _End:
    """A flow's end (a system or party node): where it sits and who imports there."""

    country: str | None
    importer: m.Party | None
    importer_organisation: str
    """The international organisation the importer is, by name; "" for any other party."""
    importer_role: Role | None
    system: bool
    device: bool
    """The data subject's own device: an app or device nobody operates."""
    sender: Role | None
    """The exporter's role when data leaves here: controller for the organisation's own
    systems, a sending party's role otherwise."""
    processor_operator: str | None
    """The processor that runs this system, when one does (module 3 when it sends to a
    sub-processor it engaged)."""
    holder: str
    """The party that comes to hold data sent here: the party itself, or the system's
    operator; "" for none."""
    how: str
    """How the holder holds it, for a system (``operator of <system>``); "" for a party, which
    holds it through the flow itself."""
    certified: bool
    """The importer is recorded as DPF-certified."""


def _role(party: m.Party | None) -> Role | None:
    return _ROLES.get(party.role) if party is not None and party.role else None


def _detail(regimes: tuple[Regime, ...], regime: Regime, base: str = "") -> str:
    """A finding's detail: the base, with the regime when it is not the organisation's first."""
    suffix = str(regime) if regime != regimes[0] else ""
    return "-".join(part for part in (base, suffix) if part)


class _Derivation:
    """One derivation: the graph, the day, and what its flows share, each worked out once."""

    def __init__(self, graph: RegistryGraph, on: dt.date) -> None:
        self.graph = graph
        self.vocab = graph.vocab
        self.on = on
        self.judged_keys = {key for key, activity in graph.activities.items() if judged(activity)}
        self.organisation_of = {key: a.organisation for key, a in graph.activities.items()}
        self._ends: dict[str, _End] = {}
        self._views: dict[tuple[object, ...], _View] = {}
        self._crossings: dict[tuple[object, ...], tuple[tuple[Regime, ...], bool]] = {}
        self._routes: dict[tuple[object, ...], tuple[object, ...]] = {}
        """What flows without a recorded transfer share: FlowFacts' fields from ``zone`` on."""
        self._regimes: dict[str, tuple[Regime, ...]] = {}
        self._direct: dict[str, tuple[Regime, ...]] = {}
        self._party_crossings: dict[tuple[str, tuple[Regime, ...]], tuple[Regime, ...]] = {}
        self._hr: dict[str, bool] = {}
        self._implied: dict[tuple[str, Regime], tuple[tuple[object, ...], tuple[object, ...]]] = {}
        """What the implied transfers to a party under a regime share: TransferFacts' fields
        before ``detail``, and from ``regime`` to ``decision_covers_importer``."""
        self._operated: dict[str, tuple[str, str]] | None = None
        self._chains: dict[str, tuple[str, ...]] | None = None
        self.screen = Screener(graph)

    # --- what flows share --------------------------------------------------------------------

    def regimes(self, organisation: str) -> tuple[Regime, ...]:
        found = self._regimes.get(organisation)
        if found is None:
            found = self._regimes[organisation] = regimes_of(self.graph, organisation)
        return found

    def end(self, node: str) -> _End:
        found = self._ends.get(node)
        if found is None:
            found = self._ends[node] = self._end(node)
        return found

    def _end(self, node: str) -> _End:
        graph = self.graph
        endpoint = graph.endpoint(node)
        importer = geography.importer_of(graph, node)
        sender: Role | None = None
        processor_operator = None
        device = False
        if isinstance(endpoint, m.System):
            sender = Role.CONTROLLER
            operator = graph.parties.get(endpoint.operator or "")
            if operator is not None and operator.role in PROCESSOR_ROLES:
                processor_operator = operator.key
            device = (
                endpoint.system_kind in (m.SystemKind.APP, m.SystemKind.DEVICE)
                and not endpoint.operator
            )
        elif endpoint is not None:
            sender = _role(endpoint)
        kind, _, key = node.partition(":")
        holder = how = ""
        if kind == "party":
            holder = key
        elif (system := graph.systems.get(key)) is not None and system.operator:
            holder, how = system.operator, f"operator of {system.key}"
        return _End(
            holder=holder,
            how=how,
            country=graph.country_of(node),
            importer=importer,
            importer_organisation=geography.organisation_of_importer(importer),
            importer_role=_role(importer),
            system=node.startswith("system:"),
            device=device,
            sender=sender,
            processor_operator=processor_operator,
            certified=importer is not None and importer.dpf is not None and importer.dpf.certified,
        )

    def direct(self, organisation: str) -> tuple[Regime, ...]:
        """Regimes under which data the subjects send from their own devices to the
        organisation's systems is direct collection: it is established outside that regime's
        territory (EDPB Guidelines 05/2021); its onward disclosures can be transfers."""
        found = self._direct.get(organisation)
        if found is None:
            established = self.graph.organisations.get(organisation)
            country = established.establishment_country if established is not None else None
            found = self._direct[organisation] = tuple(
                r for r in self.regimes(organisation) if geography.outside(self.vocab, country, r)
            )
        return found

    def crosses(self, destination: str | None, organisation: str, regime: Regime) -> bool:
        """Data going there leaves the regime's territory: an international organisation
        wherever it sits, or a known country outside it."""
        return bool(organisation) or geography.outside(self.vocab, destination, regime)

    def crossing(
        self,
        regimes: tuple[Regime, ...],
        direct: tuple[Regime, ...],
        destination: str | None,
        organisation: str,
        source_country: str | None,
    ) -> tuple[tuple[Regime, ...], bool]:
        """The regimes under which a route is a transfer, and whether it leaves the EEA."""
        key = (regimes, direct, destination, bool(organisation), source_country)
        found = self._crossings.get(key)
        if found is None:
            vocab = self.vocab
            crossing = tuple(
                r
                for r in regimes
                if r not in direct
                and self.crosses(destination, organisation, r)
                # an organisation under both regimes: a flow that starts in one territory
                # leaves it, and is the other regime's business only when it starts there too
                and not any(
                    other != r
                    and geography.inside(vocab, source_country, other)
                    and not geography.inside(vocab, source_country, r)
                    for other in regimes
                )
            )
            leaves = bool(organisation) or geography.outside(vocab, destination)
            found = self._crossings[key] = (crossing, leaves)
        return found

    def view(
        self,
        regime: Regime,
        transfer: m.Transfer | None,
        destination: str | None,
        organisation: str,
        importer: m.Party | None,
    ) -> _View:
        certified = importer is not None and importer.dpf is not None and importer.dpf.certified
        return self.seen(
            regime,
            transfer,
            destination,
            organisation,
            importer,
            geography.organisation_of_importer(importer),
            certified,
        )

    def seen(
        self,
        regime: Regime,
        transfer: m.Transfer | None,
        destination: str | None,
        organisation: str,
        importer: m.Party | None,
        importer_organisation: str,
        certified: bool,
    ) -> _View:
        """``view``, with what it asks of the importer already known (a flow end knows it)."""
        day = self.on
        mechanism_key = None
        if transfer is not None:
            mechanism_key = transfer.mechanism
            if transfer.since is not None and transfer.since > day:
                day = transfer.since  # transfers are ongoing: judged from when they start if later
        key = (
            regime,
            day,
            mechanism_key,
            destination,
            organisation,
            importer_organisation,
            certified,
        )
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = self._view(
                regime, day, mechanism_key, destination, organisation, importer
            )
        return found

    def _view(
        self,
        regime: Regime,
        day: dt.date,
        mechanism_key: str | None,
        destination: str | None,
        organisation: str,
        importer: m.Party | None,
    ) -> _View:
        vocab = self.vocab
        zone, decision = geography.zone(vocab, destination, importer, day, organisation, regime)
        mechanism = vocab.transfer_mechanisms.get(mechanism_key or "")
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

    def hr(self, activity_key: str) -> bool:
        found = self._hr.get(activity_key)
        if found is None:
            activity = self.graph.activities.get(activity_key)
            found = self._hr[activity_key] = activity is not None and _hr_data(
                activity.data_subjects, activity.purpose_kinds
            )
        return found

    def operated(self) -> dict[str, tuple[str, str]]:
        """System key -> its operator and how the operator holds data there."""
        found = self._operated
        if found is None:
            found = self._operated = {
                key: (system.operator, f"operator of {key}")
                for key, system in self.graph.systems.items()
                if system.operator
            }
        return found

    def chains(self, parties: dict[str, PartyFacts]) -> dict[str, tuple[str, ...]]:
        """Party key -> its onward chain, for the parties that engage sub-processors."""
        found = self._chains
        if found is None:
            found = self._chains = {key: p.chain for key, p in parties.items() if p.chain}
        return found

    # --- the facts ---------------------------------------------------------------------------

    def facts(self) -> Facts:
        graph, judged_keys = self.graph, self.judged_keys
        flows = {
            key: self.flow(flow, flow.activity in judged_keys) for key, flow in graph.flows.items()
        }
        parties = self.parties()
        activities = {
            key: self.activity(activity, key in judged_keys, flows, parties)
            for key, activity in graph.activities.items()
        }
        receivers: dict[str, list[str]] = defaultdict(list)
        for key, activity in activities.items():
            if key in judged_keys:
                for party in sorted(activity.direct_recipients):
                    receivers[party].append(key)
        judged_flows = [f for f in flows.values() if f.judged]
        transfers = []
        for flow in judged_flows:
            if flow.regimes or flow.flow.transfer is not None:  # else no transfer to judge
                transfers.extend(self.flow_transfers(flow))
        for key, activity in activities.items():
            if key in judged_keys:
                transfers.extend(self.implied_by_activity(activity, flows))
        judged_records = [r for r in graph.processor_records.values() if judged(r)]
        for record in judged_records:
            transfers.extend(self.record_transfers(record, parties))
        facts = Facts(
            graph=graph,
            on=self.on,
            flows=flows,
            activities=activities,
            parties=parties,
            judged_activities=[a for k, a in graph.activities.items() if k in judged_keys],
            judged_processor_records=judged_records,
            judged_flows=judged_flows,
            receivers=dict(receivers),
            transfers_judged=transfers,
            transfers_recorded=[(t, t.transfer) for t in transfers if t.transfer is not None],
        )
        _organisations(facts)
        return facts

    # --- flows -------------------------------------------------------------------------------

    def flow(self, flow: m.Flow, is_judged: bool) -> FlowFacts:
        transfer = flow.transfer
        ends = self._ends
        source = ends.get(flow.source) or self.end(flow.source)
        target = ends.get(flow.target) or self.end(flow.target)
        owner = self.organisation_of.get(flow.activity, "")
        regimes = self._regimes.get(owner) or self.regimes(owner)
        if transfer is None:
            destination = target.country
            organisation = target.importer_organisation
        else:
            named = transfer.international_organisation.strip()
            destination = (
                transfer.destination_country
                if transfer.destination_country or named
                else target.country
            )
            organisation = named or target.importer_organisation
        importer = target.importer
        direct = self.direct(owner) if source.device and target.system else ()
        key = (
            regimes,
            direct,
            destination,
            organisation,
            source.country,
            target.importer_organisation,
            target.certified,
        )
        route = self._routes.get(key) if transfer is None else None
        if route is None:
            crossing, leaves = self.crossing(
                regimes, direct, destination, organisation, source.country
            )
            regime = crossing[0] if crossing else regimes[0]
            view = self.seen(
                regime,
                transfer,
                destination,
                organisation,
                importer,
                target.importer_organisation,
                target.certified,
            )
            route = (
                view.zone,
                leaves,
                regime,
                view.day,
                view.mechanism,
                view.mechanism_valid,
                view.decision,
                view.decisions,
                view.covers,
                crossing,
                direct,
            )
            if transfer is None:  # what a flow without a recorded transfer shares with others
                self._routes[key] = route
        exporter_role = source.sender
        if (
            source.processor_operator is not None
            and importer is not None
            and importer.sub_processor_of == source.processor_operator
        ):
            exporter_role = Role.PROCESSOR  # a processor's system mailing through its own vendor
        return _new(
            FlowFacts,
            (
                flow,
                is_judged,
                source.country,
                target.country,
                destination,
                organisation,
                importer,
                exporter_role,
                target.importer_role,
                *route,
            ),
        )

    def flow_transfers(self, facts: FlowFacts) -> list[TransferFacts]:
        judged_under = facts.regimes
        if (
            not judged_under
            and facts.transfer is not None
            and facts.regime not in facts.direct_collection
        ):
            judged_under = (facts.regime,)  # declared, but its destination is unknown or inside
        if not judged_under:
            return []
        flow = facts.flow
        regimes = self.regimes(self.organisation_of.get(flow.activity, ""))
        hr = self.hr(flow.activity)
        found = []
        for regime in judged_under:
            view = self.view(
                regime,
                flow.transfer,
                facts.destination,
                facts.international_organisation,
                facts.importer,
            )
            found.append(
                _new(
                    TransferFacts,
                    (
                        TransferKind.FLOW,
                        f"flow:{flow.key}",
                        "" if regime == regimes[0] else _detail(regimes, regime),
                        regime,
                        flow.transfer,
                        flow.source,
                        flow.target,
                        facts.importer,
                        facts.destination,
                        facts.international_organisation,
                        facts.exporter_role,
                        facts.importer_role,
                        view.zone,
                        view.day,
                        view.mechanism,
                        view.mechanism_valid,
                        view.decision,
                        view.decisions,
                        view.covers,
                        flow.activity,
                        None,
                        (),
                        hr,
                    ),
                )
            )
        return found

    # --- parties -----------------------------------------------------------------------------

    def parties(self, only: set[str] | None = None) -> dict[str, PartyFacts]:
        """Each party's systems and onward chain: who holds data because of whom (``only``:
        those parties')."""
        graph = self.graph
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
            if only is not None and key not in only:
                continue
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
                zone=geography.zone(graph.vocab, party.country, party, self.on)[0],
            )
        return found

    def party_crossing(self, party: m.Party, regimes: tuple[Regime, ...]) -> tuple[Regime, ...]:
        """The regimes whose territory a party sits outside (an international organisation
        sits outside every territory)."""
        key = (party.key, regimes)
        found = self._party_crossings.get(key)
        if found is None:
            organisation = geography.organisation_of_importer(party)
            found = self._party_crossings[key] = tuple(
                r for r in regimes if self.crosses(party.country, organisation, r)
            )
        return found

    # --- activities --------------------------------------------------------------------------

    def activity(
        self,
        activity: m.Activity,
        is_judged: bool,
        flows: dict[str, FlowFacts],
        parties: dict[str, PartyFacts],
    ) -> ActivityFacts:
        own_flows = self.graph.flows_by_activity.get(activity.key, ())
        via: dict[str, dict[str, None]] = {}
        direct: set[str] = set()
        for party in activity.recipients or ():
            if party:
                via[party] = {"recipient": None}
                direct.add(party)
        countries: set[str] = set()
        ends = self._ends
        for flow in own_flows:
            facts = flows[flow.key]
            end = ends[facts.flow.target]
            holder = end.holder
            if holder:
                hows = via.get(holder)
                if hows is None:
                    hows = via[holder] = {}
                hows[end.how or f"flow {flow.key}"] = None
                direct.add(holder)
            destination = facts.destination
            if destination:
                countries.add(destination)
        operated = self.operated()
        for system_key in activity.systems:
            run = operated.get(system_key)
            if run is not None:
                hows = via.get(run[0])
                if hows is None:
                    hows = via[run[0]] = {}
                hows[run[1]] = None
        chains = self.chains(parties)
        for holder in list(via):
            chain = chains.get(holder)
            if chain:
                how = f"sub-processor of {holder}"
                for sub in chain:
                    hows = via.get(sub)
                    if hows is None:
                        hows = via[sub] = {}
                    hows[how] = None
        reached = {
            party: _new(Reach, (party, tuple(hows), party in direct)) for party, hows in via.items()
        }
        known = self.graph.categories
        categories = tuple(
            [known.get(key) or self.graph.category(key) for key in activity.data_categories]
        )
        tagged = []
        sensitive = False
        for category in categories:
            if category.tags:
                tagged.append(category.tags)
            if category.special or category.criminal:
                sensitive = True
        if not tagged:
            tags = _NO_TAGS
        elif len(tagged) == 1:
            tags = tagged[0]
        else:
            tags = frozenset().union(*tagged)
        return _new(
            ActivityFacts,
            (
                activity,
                is_judged,
                tuple([flow.key for flow in own_flows]),
                reached,
                tuple(sorted(countries)),
                self.screen(activity, categories),
                frozenset(direct),
                categories,
                tags,
                sensitive,
            ),
        )

    # --- implied transfers and processor records -----------------------------------------------

    def implied(
        self,
        regimes: tuple[Regime, ...],
        regime: Regime,
        party: m.Party,
        base: str,
        via: tuple[str, ...],
        activity: str | None = None,
        record: str | None = None,
        hr: bool = False,
    ) -> TransferFacts:
        key = (party.key, regime)
        shared = self._implied.get(key)
        if shared is None:
            organisation = geography.organisation_of_importer(party)
            view = self.view(regime, None, party.country, organisation, party)
            shared = self._implied[key] = (
                (TransferKind.IMPLIED, f"party:{party.key}"),
                (
                    regime,
                    None,
                    None,
                    node_id("party", party.key),
                    party,
                    party.country,
                    organisation,
                    None,
                    _role(party),
                    view.zone,
                    view.day,
                    None,
                    None,
                    view.decision,
                    view.decisions,
                    view.covers,
                ),
            )
        head, middle = shared
        # kind, entity; detail; regime .. decision_covers_importer; activity .. hr_data
        return _new(
            TransferFacts,
            (*head, _detail(regimes, regime, base), *middle, activity, record, via, hr),
        )

    def implied_by_activity(
        self, activity: ActivityFacts, flows: dict[str, FlowFacts]
    ) -> list[TransferFacts]:
        """Parties outside a territory that hold the activity's data with no flow carrying it
        to them as a transfer: listed recipients without a flow, operators of systems run from
        a third country (remote access, SaaS), sub-processors down a chain."""
        key = activity.activity.key
        regimes = self.regimes(activity.activity.organisation)
        parties = self.graph.parties
        found = []
        into_by: dict[str, list[FlowFacts]] | None = None  # importer -> the flows into it
        crossings = self._party_crossings
        for party_key, reach in activity.reached.items():
            party = parties.get(party_key)
            if party is None:
                continue
            crossing = crossings.get((party.key, regimes))
            if crossing is None:
                crossing = self.party_crossing(party, regimes)
            if not crossing:
                continue
            if into_by is None:
                into_by = {}
                for f in activity.flows:
                    facts = flows[f]
                    if facts.importer is not None:
                        into_by.setdefault(facts.importer.key, []).append(facts)
            into = into_by.get(party_key, ())
            for regime in crossing:
                if any(
                    f.transfer is not None or regime in f.regimes or regime in f.direct_collection
                    for f in into
                ):
                    continue
                found.append(
                    self.implied(
                        regimes,
                        regime,
                        party,
                        key,
                        reach.via,
                        activity=key,
                        hr=self.hr(key),
                    )
                )
        return found

    def record_transfers(
        self, record: m.ProcessorRecord, parties: dict[str, PartyFacts]
    ) -> list[TransferFacts]:
        """Transfers recorded on a processor record (Art 30(2)(c)), judged like a flow's, and
        its sub-processors (and theirs) outside a territory that no recorded transfer reaches."""
        graph = self.graph
        regimes = self.regimes(record.organisation)
        found = []
        for index, transfer in enumerate(record.transfers, start=1):
            importer = graph.parties.get(transfer.importer or "")
            named = transfer.international_organisation.strip()
            organisation = named or geography.organisation_of_importer(importer)
            destination = transfer.destination_country or (
                importer.country if importer is not None and not named else None
            )
            judged_under = tuple(r for r in regimes if self.crosses(destination, organisation, r))
            for regime in judged_under or regimes[:1]:
                view = self.view(regime, transfer, destination, organisation, importer)
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
            for regime in self.party_crossing(party, regimes):
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
                    self.implied(
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


# --- organisations and statements ----------------------------------------------------------


def organisation_facts(
    facts: Facts,
    organisation: m.Organisation,
    mine: list[m.Activity],
    records: list[str],
) -> org_facts.OrganisationFacts:
    """One organisation's facts, from its judged activities and processor records."""
    graph = facts.graph
    return org_facts.OrganisationFacts(
        organisation=organisation,
        activities=tuple(a.key for a in mine),
        processor_records=tuple(records),
        representation=org_facts.representation(
            graph, organisation, facts.regimes(organisation.key)
        ),
        dpo_grounds=org_facts.dpo_grounds(graph, organisation, mine, facts.activities),
        art30_5=org_facts.art30_5(graph, organisation, mine, facts.activities),
    )


def party_facts(
    graph: RegistryGraph, on: dt.date, only: set[str] | None = None
) -> dict[str, PartyFacts]:
    """Every party's systems and onward chain (``Facts.parties``), or those of ``only``."""
    derivation = _Derivation.__new__(_Derivation)
    derivation.graph, derivation.on = graph, on
    return derivation.parties(only)


def _organisations(facts: Facts) -> None:
    """Effective statements, Art 27, Art 37 and Art 30(5) facts, and engaged sub-processors."""
    graph = facts.graph
    memo: org_facts.StatementsMemo = {}
    for activity in facts.judged_activities:
        facts.statements[f"activity:{activity.key}"] = org_facts.statements(graph, activity, memo)
    for record in facts.judged_processor_records:
        facts.statements[f"processor_record:{record.key}"] = org_facts.statements(
            graph, record, memo
        )
    own: dict[str, list[m.Activity]] = defaultdict(list)
    for activity in facts.judged_activities:
        own[activity.organisation].append(activity)
    records: dict[str, list[str]] = defaultdict(list)
    for record in facts.judged_processor_records:
        records[record.organisation].append(record.key)
    for key, organisation in graph.organisations.items():
        facts.organisations[key] = organisation_facts(
            facts, organisation, own.get(key, []), records.get(key, [])
        )
    facts.sub_processors = org_facts.engaged_sub_processors(
        graph, facts.receivers, facts.judged_processor_records
    )
