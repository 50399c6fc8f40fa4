"""The typed derived facts: per flow, per activity, per party, and what is judged."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
from ropa.facts import eprivacy, geography
from ropa.facts.eprivacy import BillingWindow
from ropa.facts.organisation import Engagement, OrganisationFacts, Statements
from ropa.facts.screening import Screening
from ropa.facts.zones import Zone
from ropa.graph import RegistryGraph


class Regime(enum.StrEnum):
    """The legal regime that judges a flow."""

    EU_GDPR = "eu_gdpr"


class Role(enum.StrEnum):
    """A party's part in a transfer, as the SCC modules see it."""

    CONTROLLER = "controller"
    PROCESSOR = "processor"


@dataclass(slots=True)
class FlowFacts:
    """What a flow is, for the transfer rules and every output that shows transfers."""

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

    @property
    def key(self) -> str:
        return self.flow.key

    @property
    def transfer(self) -> m.Transfer | None:
        return self.flow.transfer

    @property
    def is_transfer(self) -> bool:
        """A transfer outside the EEA: declared as one, or leaving the EEA undeclared."""
        return self.flow.transfer is not None or self.leaves_eea

    @property
    def undeclared(self) -> bool:
        return self.flow.transfer is None and self.leaves_eea

    @property
    def mechanism_key(self) -> str | None:
        return self.flow.transfer.mechanism if self.flow.transfer is not None else None


@dataclass(slots=True)
class Reach:
    """How a party comes to hold an activity's data."""

    party: str
    via: tuple[str, ...]
    """``recipient``, ``flow <key>``, ``operator of <system>``, ``sub-processor of <party>``."""
    direct: bool
    """Listed as recipient, a flow's target, or operating a system a flow delivers to."""


@dataclass(slots=True)
class ActivityFacts:
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

    @property
    def direct_recipients(self) -> frozenset[str]:
        return frozenset(k for k, r in self.reached.items() if r.direct)


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
    node_zones: dict[str, Zone]
    """System and party node -> its zone, for the party that imports there."""
    statements: dict[str, Statements] = field(default_factory=dict)
    """``activity:<key>`` or ``processor_record:<key>`` -> its effective statements: its own,
    inherited from the organisation-wide statement, or not stated."""
    organisations: dict[str, OrganisationFacts] = field(default_factory=dict)
    """Organisation key -> Art 27 representation, Art 37 DPO grounds, Art 30(5) status."""
    sub_processors: dict[str, Engagement] = field(default_factory=dict)
    """Sub-processor party key -> how it comes to hold data (activities, records, chain)."""

    def node_zone(self, node: str) -> Zone:
        return self.node_zones.get(node, Zone.UNKNOWN)

    def regimes(self, organisation: str) -> frozenset[m.Regime]:
        """The regimes an organisation answers to; not stated is the EU GDPR."""
        found = self.graph.organisations.get(organisation)
        stated = found.regimes if found is not None else None
        return frozenset(stated) if stated else frozenset({m.Regime.EU_GDPR})

    def decision_in_force(self, country: str) -> AdequacyDecision | None:
        """The adequacy decision in force for a country on the day, whoever the importer."""
        return geography.in_force(geography.decisions_for(self.graph.vocab, country), self.on)

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
