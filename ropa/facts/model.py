"""The typed derived facts: per flow, per activity, per party, and what is judged."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
from ropa.facts import eprivacy, geography
from ropa.facts.eprivacy import BillingWindow
from ropa.facts.organisation import Engagement, OrganisationFacts, Statements
from ropa.facts.screening import Screening
from ropa.facts.zones import Zone
from ropa.graph import CategoryInfo, RegistryGraph


class Regime(enum.StrEnum):
    """The legal regime that judges a flow: the EU GDPR (exports from the EEA) or the UK GDPR
    (exports from the UK). Same values as ``model.Regime`` and the vocabularies' regimes."""

    EU_GDPR = "eu_gdpr"
    UK_GDPR = "uk_gdpr"


class TransferKind(enum.StrEnum):
    """Where a transfer to judge comes from."""

    FLOW = "flow"
    """A modelled flow that leaves a regime's territory, or declares a transfer."""
    IMPLIED = "implied"
    """A party outside the territory holds an activity's or processor record's data (listed
    recipient, operator of a system, sub-processor down a chain) and no flow or recorded
    transfer carries the data to it."""
    PROCESSOR_RECORD = "processor_record"
    """A transfer recorded on a processor record (Art 30(2)(c))."""


class Role(enum.StrEnum):
    """A party's part in a transfer, as the SCC modules see it."""

    CONTROLLER = "controller"
    PROCESSOR = "processor"


class FlowFacts(NamedTuple):
    """What a flow is, for the transfer rules and every output that shows transfers.

    A named tuple rather than a dataclass: a registry has one per flow, and a tuple is made in
    one step where a dataclass sets twenty attributes one by one."""

    flow: m.Flow
    judged: bool
    """The flow's activity is judged (not retired)."""
    source_country: str | None
    target_country: str | None
    """Where the flow's target sits: a system's hosting country (else its operator's), a
    party's country."""
    destination: str | None
    """The destination country: the transfer's declared one, else the target's; None when the
    transfer names an international organisation instead, or nothing is known."""
    international_organisation: str
    importer: m.Party | None
    """The party that receives the data: the target party, or the operator of a target system."""
    exporter_role: Role | None
    importer_role: Role | None
    zone: Zone
    """The destination's zone for this importer on the day the flow is judged."""
    leaves_eea: bool
    """The destination is known and outside the EEA, or an international organisation."""
    regime: Regime
    """The regime this view (zone, decision, mechanism validity) is seen under: the EU GDPR
    when the organisation answers to it, else the UK GDPR."""
    day: dt.date
    """The day the transfer is judged on: the judgement day, or the transfer's start if later."""
    mechanism: TransferMechanism | None
    """The recorded mechanism, when the vocabulary knows it."""
    mechanism_valid: bool | None
    """Whether the mechanism is valid on ``day``; None without a known mechanism."""
    decision: AdequacyDecision | None
    """The adequacy decision in force on ``day`` for the destination (country or organisation)."""
    decisions: tuple[AdequacyDecision, ...]
    """Every adequacy decision ever made for the destination, in force or not."""
    decision_covers_importer: bool | None
    """None without a decision in force; False when it needs a certification the importer lacks."""
    regimes: tuple[Regime, ...] = ()
    """The regimes under which the flow is a transfer: it leaves that regime's territory and is
    not direct collection. Empty when it is no transfer under any."""
    direct_collection: tuple[Regime, ...] = ()
    """Regimes under which the flow is direct collection, not a transfer: data goes from the
    data subject's own device to the systems of an organisation established outside that
    regime's territory (EDPB Guidelines 05/2021)."""

    @property
    def key(self) -> str:
        return self.flow.key

    @property
    def transfer(self) -> m.Transfer | None:
        return self.flow.transfer

    @property
    def is_transfer(self) -> bool:
        """A transfer: declared as one, or leaving a regime's territory undeclared."""
        return self.flow.transfer is not None or bool(self.regimes)

    @property
    def undeclared(self) -> bool:
        return self.flow.transfer is None and bool(self.regimes)

    @property
    def mechanism_key(self) -> str | None:
        return self.flow.transfer.mechanism if self.flow.transfer is not None else None


class TransferFacts(NamedTuple):
    """One transfer to judge under one regime: a flow's, an implied one, or a processor
    record's. The transfer rules read only these. (A named tuple, as ``FlowFacts``.)"""

    kind: TransferKind
    entity: str
    """``flow:<key>``, ``party:<key>`` (implied) or ``processor_record:<key>``."""
    detail: str
    """Tells apart findings on one entity: the regime when it is not the organisation's first,
    the activity or processor record of an implied transfer, ``transfer-<n>`` on a record."""
    regime: Regime
    transfer: m.Transfer | None
    """The recorded transfer; None when the transfer is undeclared or implied."""
    source: str | None
    """The flow's source node (flows only)."""
    target: str | None
    """The flow's target node, or the implied importer's party node."""
    importer: m.Party | None
    destination: str | None
    international_organisation: str
    exporter_role: Role | None
    importer_role: Role | None
    zone: Zone
    day: dt.date
    mechanism: TransferMechanism | None
    mechanism_valid: bool | None
    decision: AdequacyDecision | None
    decisions: tuple[AdequacyDecision, ...]
    decision_covers_importer: bool | None
    activity: str | None = None
    """The activity whose data goes (flows and implied transfers of an activity)."""
    processor_record: str | None = None
    via: tuple[str, ...] = ()
    """For an implied transfer: how the party holds the data (see ``Reach.via``)."""
    hr_data: bool = False
    """The data is HR data (employees or job applicants, or an employment purpose): a DPF
    certification must cover HR data."""

    @property
    def mechanism_key(self) -> str | None:
        return self.transfer.mechanism if self.transfer is not None else None

    @property
    def leaves(self) -> bool:
        """The destination is outside the regime's territory (or an organisation's)."""
        return self.zone in (Zone.ADEQUATE, Zone.THIRD)


_EU_ONLY: tuple[Regime, ...] = (Regime.EU_GDPR,)


def regimes_of(graph: RegistryGraph, organisation: str) -> tuple[Regime, ...]:
    """The regimes an organisation answers to, the EU GDPR first; not stated is the EU GDPR."""
    found = graph.organisations.get(organisation)
    if found is None or not found.regimes:
        return _EU_ONLY  # the common case, asked once per flow
    stated = {str(r) for r in found.regimes}
    return tuple(r for r in Regime if r in stated) or _EU_ONLY


class Reach(NamedTuple):
    """How a party comes to hold an activity's data."""

    party: str
    via: tuple[str, ...]
    """``recipient``, ``flow <key>``, ``operator of <system>``, ``sub-processor of <party>``."""
    direct: bool
    """Listed as recipient, a flow's target, or operating a system a flow delivers to."""


class ActivityFacts(NamedTuple):
    """An activity's facts (a named tuple, as ``FlowFacts``)."""

    activity: m.Activity
    judged: bool
    flows: tuple[str, ...]
    reached: dict[str, Reach]
    """Party key -> how it holds the activity's data: directly, through a system it operates
    (flow target or a system the activity runs on), or down a sub-processor chain."""
    countries: tuple[str, ...]
    """Countries the activity's data reaches through its flows, sorted."""
    screening: Screening
    """WP248 criteria and Art 35(3) cases the activity meets."""
    direct_recipients: frozenset[str]
    """The parties in ``reached`` that hold the data directly."""
    categories: tuple[CategoryInfo, ...] = ()
    """What is known of each of the activity's data categories, in the activity's order."""
    tags: frozenset[str] = frozenset()
    """Every tag of the activity's data categories (location, traffic, content, ...)."""
    sensitive: bool = False
    """Some category is special (Art 9) or criminal (Art 10) data."""

    def special(self) -> list[str]:
        """The activity's special-category data (Art 9), as listed."""
        if not self.sensitive:
            return []
        return [
            k
            for k, c in zip(self.activity.data_categories, self.categories, strict=True)
            if c.special
        ]

    def criminal(self) -> list[str]:
        """The activity's criminal-offence data (Art 10), as listed."""
        if not self.sensitive:
            return []
        return [
            k
            for k, c in zip(self.activity.data_categories, self.categories, strict=True)
            if c.criminal
        ]

    def tagged(self, tag: str) -> list[str]:
        """The activity's categories with a tag, as listed."""
        if tag not in self.tags:
            return []
        return [
            k
            for k, c in zip(self.activity.data_categories, self.categories, strict=True)
            if tag in c.tags
        ]


@dataclass(slots=True)
class PartyFacts:
    party: m.Party
    operated: tuple[str, ...]
    """Systems the party operates (node ids)."""
    chain: tuple[str, ...]
    """Its onward chain: sub-processors it engages, and theirs, transitively (party keys)."""
    exposed: tuple[str, ...]
    """The party, its systems and its chain's, as node ids: what a breach there reaches."""
    zone: Zone
    """The zone of the party's country for the party as importer."""


@dataclass(slots=True)
class Facts:
    """Everything derived from one registry graph for one day."""

    graph: RegistryGraph
    on: dt.date
    flows: dict[str, FlowFacts]
    activities: dict[str, ActivityFacts]
    parties: dict[str, PartyFacts]
    judged_activities: list[m.Activity]
    """Active activities and drafts (so gaps show before go-live), in registry order."""
    judged_processor_records: list[m.ProcessorRecord]
    judged_flows: list[FlowFacts]
    receivers: dict[str, list[str]]
    """Party key -> the judged activities it directly receives data in, in registry order."""
    statements: dict[str, Statements] = field(default_factory=dict)
    """``activity:<key>`` or ``processor_record:<key>`` -> its effective statements: its own,
    inherited from the organisation-wide statement, or not stated."""
    organisations: dict[str, OrganisationFacts] = field(default_factory=dict)
    """Organisation key -> Art 27 representation, Art 37 DPO grounds, Art 30(5) status."""
    sub_processors: dict[str, Engagement] = field(default_factory=dict)
    """Sub-processor party key -> how it comes to hold data (activities, records, chain)."""
    transfers_judged: list[TransferFacts] = field(default_factory=list)
    """Every transfer to judge, per regime: judged flows that are transfers, implied ones, and
    those recorded on judged processor records, in registry order."""
    transfers_recorded: list[tuple[TransferFacts, m.Transfer]] = field(default_factory=list)
    """The transfers to judge that carry a transfer record (flows' and processor records'),
    each with its record, in the order of ``transfers_judged``."""
    _node_zones: dict[str, Zone] = field(default_factory=dict, init=False, repr=False)
    _regimes: dict[str, frozenset[m.Regime]] = field(default_factory=dict, init=False, repr=False)

    def node_zone(self, node: str) -> Zone:
        """A system or party node's zone, for the party that imports there (worked out when
        first asked: only the diagrams and the viewer ask)."""
        found = self._node_zones.get(node)
        if found is None:
            found = self._node_zones[node] = geography.node_zone(self.graph, node, self.on)
        return found

    def regimes(self, organisation: str) -> frozenset[m.Regime]:
        """The regimes an organisation answers to; not stated is the EU GDPR."""
        found = self._regimes.get(organisation)
        if found is None:
            found = self._regimes[organisation] = frozenset(
                m.Regime(r) for r in regimes_of(self.graph, organisation)
            )
        return found

    def decision_in_force(self, country: str) -> AdequacyDecision | None:
        """The adequacy decision in force for a country on the day, whoever the importer."""
        vocab = self.graph.vocab
        return geography.in_force(geography.decisions_for(vocab, country), self.on, vocab)

    def union_law(self, law: m.LawCitation) -> bool:
        """Whether a cited law is Union or Member State law."""
        return geography.union_law(self.graph.vocab, law.jurisdiction)

    def outside_eea(self, country: str | None) -> bool:
        """True for a known country outside the EEA (unknown countries are not assumed)."""
        return bool(country) and not self.graph.vocab.is_eea(country)

    def transfers(self, activity: str) -> list[FlowFacts]:
        """The activity's flows that are transfers, in the activity's flow order."""
        return [
            self.flows[key]
            for key in self.activities[activity].flows
            if self.flows[key].is_transfer
        ]

    def law_regimes(self, organisation: str, law: m.LawCitation) -> frozenset[m.Regime]:
        """The organisation's regimes for which a cited law counts under Art 6(3): EU or EEA
        Member State law serves the EU GDPR; UK law is "domestic law" under the UK GDPR."""
        regimes = self.regimes(organisation)
        served = set()
        if m.Regime.EU_GDPR in regimes and self.union_law(law):
            served.add(m.Regime.EU_GDPR)
        if m.Regime.UK_GDPR in regimes and law.jurisdiction == "GB":
            served.add(m.Regime.UK_GDPR)
        return frozenset(served)

    def communications_provider(self, organisation: str) -> bool | None:
        """ePrivacy scope (Directive 2002/58 Art 3): True for a provider of a publicly available
        electronic communications service, False when stated otherwise, None when not stated."""
        return eprivacy.provider(self.graph, organisation)

    def billing_window(self, organisation: str) -> BillingWindow:
        """How long the organisation may keep traffic data for billing (ePrivacy Art 6(2)), by the
        national law of the countries its service is provided in, else the documented default."""
        return eprivacy.billing_window(self.graph, organisation)
