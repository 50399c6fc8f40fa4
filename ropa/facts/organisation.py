"""Facts about organisations and the statements their activities rely on.

- each activity's *effective* statements (security, retention, lawful basis, transfers): its own,
  inherited from the organisation-wide statement, or not stated;
- Art 3(2) / Art 27: whether an organisation needs a representative, per regime;
- Art 37: the grounds on which a DPO is required (Art 37(1), national additions as data);
- Art 30(5): for an organisation under 250 employees, why each activity must be recorded;
- sub-processors the organisation's data reaches, and how.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ropa.domain import model as m
from ropa.domain.vocabulary import wording
from ropa.graph import RegistryGraph

if TYPE_CHECKING:
    from ropa.facts.model import ActivityFacts


class Source(enum.StrEnum):
    """Where an activity's statement comes from."""

    OWN = "own"
    INHERITED = "inherited"
    """The organisation-wide statement (Organisation.statements), which the activity relies on."""
    NOT_STATED = "not_stated"


@dataclass(frozen=True, slots=True)
class Statement:
    source: Source
    text: str = ""
    """The organisation-wide statement's text when inherited; empty otherwise."""

    @property
    def stated(self) -> bool:
        return self.source is not Source.NOT_STATED

    @property
    def inherited(self) -> bool:
        return self.source is Source.INHERITED


@dataclass(frozen=True, slots=True)
class Statements:
    """An activity's (or processor record's) effective statements."""

    security: Statement
    retention: Statement
    lawful_basis: Statement
    transfers: Statement


class Scope(enum.StrEnum):
    """Whether Art 3(2) catches an organisation established outside a regime's territory."""

    INSIDE = "inside"
    """Established inside the territory (or where not stated): Art 3(1), no representative."""
    APPLIES = "applies"
    NOT_APPLICABLE = "not_applicable"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True, slots=True)
class Representation:
    """Art 27 (and its UK twin) for one regime."""

    regime: m.Regime
    scope: Scope
    exempt: bool
    """An Art 27(2) exemption is recorded."""

    @property
    def required(self) -> bool:
        return self.scope is Scope.APPLIES and not self.exempt


@dataclass(frozen=True, slots=True)
class OrganisationFacts:
    organisation: m.Organisation
    activities: tuple[str, ...]
    """Judged activities of the organisation, in registry order."""
    processor_records: tuple[str, ...]
    """Judged processor records of the organisation, in registry order."""
    representation: tuple[Representation, ...]
    """One entry per regime the organisation answers to."""
    dpo_grounds: tuple[str, ...]
    """Why a DPO is required (Art 37(1)(a)-(c), national law); empty when none is shown."""
    art30_5: dict[str, tuple[str, ...]] | None
    """Under 250 employees: activity key -> why the Art 30(5) exemption cannot apply to it
    (empty: it may apply). None for larger organisations or where the band is not stated."""


UK = "GB"
MONITORING_INDICATORS = frozenset(
    {"systematic_monitoring", "profiling_behavioural_advertising", "location_tracking"}
)
"""Risk indicators that are regular and systematic monitoring (Art 37(1)(b), WP243)."""
LARGE_SCALE = frozenset({"large_scale", "large_scale_special_categories"})
TRACKING_PURPOSES = frozenset({m.PurposeKind.MARKETING, m.PurposeKind.ANALYTICS})


OWN = Statement(Source.OWN)
NOT_STATED = Statement(Source.NOT_STATED)
_NOTHING_SAID = m.Statements()


def _pick(own: bool, inherited: str) -> Statement:
    if own:
        return OWN
    inherited = inherited.strip()
    return Statement(Source.INHERITED, inherited) if inherited else NOT_STATED


StatementsMemo = dict[tuple[str, bool, bool, bool, bool, bool], Statements]
"""Effective statements by organisation and which statements the entry makes itself: entries
that say the same things share one ``Statements``."""


def statements(
    graph: RegistryGraph,
    entry: m.Activity | m.ProcessorRecord,
    memo: StatementsMemo | None = None,
) -> Statements:
    security = any(map(str.strip, entry.security_measures))
    if isinstance(entry, m.Activity):
        flows = graph.flows_by_activity.get(entry.key, ())
        key = (
            entry.organisation,
            True,
            security,
            bool(entry.retention),
            bool(entry.lawful_bases),
            any(f.transfer is not None for f in flows),
        )
    else:
        key = (entry.organisation, False, security, False, False, bool(entry.transfers))
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _statements(graph, *key)
        if memo is not None:
            memo[key] = found
    return found


def _statements(
    graph: RegistryGraph,
    organisation_key: str,
    activity: bool,
    security: bool,
    retention: bool,
    lawful_basis: bool,
    transfers: bool,
) -> Statements:
    organisation = graph.organisations.get(organisation_key)
    said = organisation.statements if organisation is not None else None
    said = said or _NOTHING_SAID
    if activity:
        return Statements(
            _pick(security, said.security),
            _pick(retention, said.retention),
            _pick(lawful_basis, said.lawful_basis),
            _pick(transfers, said.transfers),
        )
    return Statements(
        _pick(security, said.security), NOT_STATED, NOT_STATED, _pick(transfers, said.transfers)
    )


def _scope(organisation: m.Organisation, outside: bool) -> Scope:
    if not outside:
        return Scope.INSIDE
    scope = organisation.territorial_scope
    answers = (scope.offers_goods_or_services, scope.monitors_behaviour) if scope else (None, None)
    if any(answers):
        return Scope.APPLIES
    if all(answer is False for answer in answers):
        return Scope.NOT_APPLICABLE
    return Scope.NOT_RECORDED


def representation(
    graph: RegistryGraph, organisation: m.Organisation, regimes: frozenset[m.Regime]
) -> tuple[Representation, ...]:
    country = organisation.establishment_country
    exempt = bool(
        organisation.territorial_scope and organisation.territorial_scope.art27_exemption.strip()
    )
    found = []
    for regime in sorted(regimes):
        if regime is m.Regime.UK_GDPR:
            outside = bool(country) and country != UK
        else:
            outside = bool(country) and not graph.vocab.is_eea(country)
        found.append(Representation(regime, _scope(organisation, outside), exempt))
    return tuple(found)


def dpo_grounds(
    graph: RegistryGraph,
    organisation: m.Organisation,
    activities: list[m.Activity],
    facts: Mapping[str, ActivityFacts],
) -> tuple[str, ...]:
    grounds: dict[str, None] = {}
    if organisation.public_authority:
        grounds["Art 37(1)(a): it is a public authority or body"] = None
    service = organisation.communications_service
    provider = service is not None and service.public
    for activity in activities:
        activity_facts = facts[activity.key]
        indicators = activity.risk_indicators
        if provider and not activity_facts.tags.isdisjoint(("traffic", "location")):
            grounds[
                f"Art 37(1)(b): as a provider of a public electronic communications service it "
                f"monitors traffic or location data regularly and systematically (activity "
                f"`{activity.key}`)"
            ] = None
        elif not LARGE_SCALE.isdisjoint(indicators) and (
            not MONITORING_INDICATORS.isdisjoint(indicators) or _tracking(activity)
        ):
            grounds[
                f"Art 37(1)(b): large-scale regular and systematic monitoring (activity "
                f"`{activity.key}`)"
            ] = None
        if "b" in activity_facts.screening.art35_3 and activity_facts.sensitive:
            grounds[
                f"Art 37(1)(c): large-scale special-category or criminal data (activity "
                f"`{activity.key}`)"
            ] = None
    national = wording().dpo_national.get(organisation.establishment_country or "")
    if national is not None:
        staff = organisation.staff_processing_personal_data
        threshold = national.staff_threshold
        if threshold is not None and staff is not None and staff >= threshold:
            grounds[
                f"{national.law}: {staff} persons constantly process personal data "
                f"(threshold {threshold})"
            ] = None
        if national.dpia_processing:
            risky = [a.key for a in activities if facts[a.key].screening.likely_high_risk]
            if risky:
                grounds[
                    f"{national.law}: processing that needs a DPIA (activity "
                    + ", ".join(f"`{key}`" for key in risky)
                    + ")"
                ] = None
    return tuple(grounds)


def _tracking(activity: m.Activity) -> bool:
    """Device access that is not strictly necessary, for marketing or analytics."""
    return any(d for d in activity.device_access if not d.strictly_necessary) and bool(
        TRACKING_PURPOSES & set(activity.purpose_kinds)
    )


def art30_5(
    graph: RegistryGraph,
    organisation: m.Organisation,
    activities: list[m.Activity],
    facts: Mapping[str, ActivityFacts],
) -> dict[str, tuple[str, ...]] | None:
    if organisation.employee_band is not m.EmployeeBand.UNDER_250:
        return None
    found: dict[str, tuple[str, ...]] = {}
    for activity in activities:
        reasons = []
        if activity.occasional is not True:
            reasons.append("not recorded as occasional")
        activity_facts = facts[activity.key]
        screening = activity_facts.screening
        if screening.criteria or screening.art35_3:
            reasons.append("likely to result in a risk (DPIA screening)")
        if activity_facts.sensitive:
            reasons.append("Art 9 or Art 10 data")
        found[activity.key] = tuple(reasons)
    return found


@dataclass(frozen=True, slots=True)
class Engagement:
    """How a sub-processor comes to hold the organisation's data."""

    receives: tuple[str, ...]
    """Judged activities it directly receives data in."""
    engaged_by: str | None
    """The party that engages it (``sub_processor_of``), when that party holds the data."""
    records: tuple[str, ...]
    """Judged processor records that list it among their sub-processors."""


def engaged_sub_processors(
    graph: RegistryGraph, receivers: Mapping[str, list[str]], records: list[m.ProcessorRecord]
) -> dict[str, Engagement]:
    """Sub-processors that hold data: receiving it in a judged activity, listed on a judged
    processor record, or engaged, however deep the chain, by a party that holds it."""
    on_records: dict[str, list[str]] = {}
    for record in records:
        for key in record.sub_processors:
            on_records.setdefault(key, []).append(record.key)
    reached = set(receivers) | set(on_records)
    growing = True
    while growing:
        engaged = {
            key
            for key, party in graph.parties.items()
            if party.role is m.PartyRole.SUB_PROCESSOR and party.sub_processor_of in reached
        }
        growing = not engaged <= reached
        reached |= engaged
    found = {}
    for key, party in graph.parties.items():
        if key not in reached or (
            party.role is not m.PartyRole.SUB_PROCESSOR and key not in on_records
        ):
            continue
        engaging = party.sub_processor_of if party.sub_processor_of in reached else None
        found[key] = Engagement(
            receives=tuple(receivers.get(key, ())),
            engaged_by=engaging,
            records=tuple(on_records.get(key, ())),
        )
    return found
