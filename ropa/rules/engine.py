"""The rule engine: catalogue metadata, rule registration, findings and waivers.

A rule is one function from a ``Check`` (the registry graph, its derived facts and the day it
is judged on) to ``Hit``s; its metadata (severity, article, title, remedy) lives in
``schema/rules/<theme>.yaml``. A finding's id is ``<rule>@<entity>`` (plus ``/<detail>`` where one
entity can fail a rule several ways), so it is the same on every run and a waiver can name it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import msgspec
import yaml

from ropa.domain import model as m
from ropa.domain.vocabulary import schema_dir
from ropa.facts import Facts
from ropa.graph import RegistryGraph, bulk


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class RuleMeta(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    theme: str
    severity: Severity
    article: str
    title: str
    remedy: str


class Catalogue(msgspec.Struct, frozen=True):
    rules: list[RuleMeta]


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, RuleMeta]:
    found: dict[str, RuleMeta] = {}
    for path in sorted((schema_dir() / "rules").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in msgspec.convert(raw, Catalogue).rules:
            if rule.id in found:
                raise ValueError(f"{path.name}: rule {rule.id} is catalogued twice")
            if rule.theme != path.stem:
                raise ValueError(f"{path.name}: rule {rule.id} has theme {rule.theme!r}")
            found[rule.id] = rule
    return dict(sorted(found.items()))


@dataclass(frozen=True, slots=True)
class Check:
    """What a rule reads: the registry graph, the facts derived from it for the day the
    registry is judged on, and that day."""

    facts: Facts

    @property
    def graph(self) -> RegistryGraph:
        return self.facts.graph

    @property
    def on(self) -> dt.date:
        return self.facts.on


class Hit(msgspec.Struct, gc=False):
    """One thing a rule found, on one entity (``kind:key``). A struct that the cyclic garbage
    collector does not track (it holds only strings): rules make tens of thousands, and its
    ``__init__`` costs a fifth of a dataclass's."""

    entity: str
    message: str
    detail: str = ""
    subject: str = ""
    """The activity or processor record (``kind:key``) the hit is about, when its entity is
    another (an implied transfer names the party that holds the data); see ``Owned``."""


RuleFunction = Callable[[Check], Iterable[Hit]]
RULES: dict[str, RuleFunction] = {}
WIDE: set[str] = set()
"""Rules whose hits on an entity read beyond that entity's neighbourhood (an organisation's
activities, every activity a party receives data in, every flow into a system): incremental
judgement re-runs them in full. Every other rule's hit on a subject reads only the subject,
its flows, their ends, the operators and sub-processor chains of those, its organisation,
terms and waivers (``ropa.facts.impact``)."""


PARTY_WIDE: set[str] = set()
"""Rules whose hits are on parties and read only that party, the party engaging it, the
judged activities it receives data in or that name it, and how it is engaged
(``Facts.receivers``, ``Facts.sub_processors``): incremental judgement re-runs them for the
parties an edit touches."""
ORGANISATION_WIDE: set[str] = set()
"""Rules whose hits are on organisations and read only that organisation's own entities (its
judged activities, records, flows and parties): incremental judgement re-runs them for the
organisations an edit touches."""
ORGANISATION_NAME: set[str] = set()
"""Rules whose hits on an organisation's activities read its name (they quote it, or strip it
from its statements): incremental judgement re-runs them for the organisation's activities
when it is renamed. No derived fact reads an organisation's name."""
NEIGHBOURS: set[str] = set()
"""Rules that judge an activity against the activities bringing data into the systems it takes
data from, reading only ``Facts.judged_activities``, their flows, the names of the systems
those flows leave and the terms: incremental judgement re-runs them for an edited activity, for
those taking data from a system renamed, added or removed, and for those downstream of an
activity whose data it brings into systems changed (``ropa.facts.impact``)."""


def rule(
    rule_id: str,
    *,
    wide: bool = False,
    organisation: bool = False,
    party: bool = False,
    neighbours: bool = False,
    organisation_name: bool = False,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register the implementation of a catalogued rule (``wide``, ``organisation``,
    ``party``, ``neighbours``, ``organisation_name``: see ``WIDE``, ``ORGANISATION_WIDE``,
    ``PARTY_WIDE``, ``NEIGHBOURS``, ``ORGANISATION_NAME``)."""

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} is implemented twice")
        RULES[rule_id] = function
        if wide:
            WIDE.add(rule_id)
        if neighbours:
            NEIGHBOURS.add(rule_id)
        if organisation:
            ORGANISATION_WIDE.add(rule_id)
        if party:
            PARTY_WIDE.add(rule_id)
        if organisation_name:
            ORGANISATION_NAME.add(rule_id)
        return function

    return register


class WaiverNote(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    key: str
    reason: str
    accepted_by: str
    expires_on: dt.date
    expired: bool


class Finding(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One finding. Untracked by the cyclic garbage collector (``gc=False``): it holds only
    strings, a severity and a waiver note, so it can never be part of a reference cycle, and a
    full rule run makes thousands."""

    id: str
    rule: str
    severity: Severity
    title: str
    article: str
    message: str
    remedy: str
    entity: str
    organisation: str
    activity: str | None = None
    waived: bool = False
    waiver: WaiverNote | None = None
    """The waiver naming this finding: in force (``waived``) or expired (shown, not hiding)."""


def _activity_of(graph: RegistryGraph, entity: str) -> str | None:
    kind, _, key = entity.partition(":")
    if kind == "activity":
        return key
    if kind == "flow" and key in graph.flows:
        return graph.flows[key].activity
    return None


Owned = tuple[str, Finding]
"""A finding and the subject it belongs to, for incremental judgement: the hit's declared
subject, else the activity of a flow, else the hit's entity."""


def waiver_note(waiver: m.Waiver | None, organisation: str, on: dt.date) -> WaiverNote | None:
    """The note a finding of ``organisation`` carries for the waiver naming it, if any."""
    if waiver is None or waiver.organisation != organisation:
        return None
    return WaiverNote(
        key=waiver.key,
        reason=waiver.reason,
        accepted_by=waiver.accepted_by,
        expires_on=waiver.expires_on,
        expired=waiver.expires_on < on,
    )


def evaluate(facts: Facts, rule_ids: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the chosen rules (all by default), waivers applied, in a stable order."""
    return in_order(evaluate_by_rule(facts, rule_ids))


def evaluate_by_rule(facts: Facts, rule_ids: Iterable[str] | None = None) -> dict[str, list[Owned]]:
    """Per rule, its findings with their subjects, sorted by id, each id once."""
    with bulk():
        return _evaluate(facts, rule_ids)


def rule_order(rule_id: str) -> tuple[int, str]:
    """Where a rule's findings stand among all findings: by severity, then rule id."""
    return (SEVERITY_ORDER[catalogue()[rule_id].severity], rule_id)


def in_order(by_rule: dict[str, list[Owned]]) -> list[Finding]:
    """All findings by severity, rule and id (ids are unique: each holds its rule's id)."""
    ordered = sorted(by_rule, key=rule_order)
    found: list[Finding] = []
    for rule_id in ordered:
        found.extend(map(_finding, by_rule[rule_id]))
    return found


_finding = operator.itemgetter(1)


def _evaluate(facts: Facts, rule_ids: Iterable[str] | None) -> dict[str, list[Owned]]:
    check = Check(facts)
    judge = Judge(facts.graph, facts.on)
    return {
        rule_id: judge(rule_id, RULES[rule_id](check))
        for rule_id in sorted(rule_ids if rule_ids is not None else RULES)
    }


class Judge:
    """Turns a rule's hits into findings on one graph and day: ids, organisation, activity,
    waivers applied."""

    def __init__(self, graph: RegistryGraph, on: dt.date) -> None:
        self.graph = graph
        self.on = on
        self.waivers = {w.finding: w for w in graph.waivers.values()}
        self.owners: dict[str, tuple[str, str | None, str]] = {}
        # entity -> its organisation, its activity and the subject its findings belong to
        # when a hit names none (``Owned``), asked once per entity

    def __call__(self, rule_id: str, hits: Iterable[Hit]) -> list[Owned]:
        """The rule's findings with their subjects, sorted by id, each id once."""
        info = catalogue()[rule_id]
        severity, title, article, remedy = info.severity, info.title, info.article, info.remedy
        graph, on, waivers, owners = self.graph, self.on, self.waivers, self.owners
        prefix = f"{rule_id}@"
        keyed: list[tuple[str, Owned]] = []
        for hit in hits:
            entity = hit.entity
            finding_id = f"{prefix}{entity}/{hit.detail}" if hit.detail else prefix + entity
            owner = owners.get(entity)
            if owner is None:
                kind, _, key = entity.partition(":")
                activity = _activity_of(graph, entity)
                owner = owners[entity] = (
                    graph.organisation_of(kind, key),
                    activity,
                    f"activity:{activity}" if kind == "flow" and activity is not None else entity,
                )
            organisation, activity, subject = owner
            finding = Finding(
                id=finding_id,
                rule=rule_id,
                severity=severity,
                title=title,
                article=article,
                message=hit.message,
                remedy=remedy,
                entity=entity,
                organisation=organisation,
                activity=activity,
            )
            if waivers and (waiver := waivers.get(finding_id)) is not None:
                note = waiver_note(waiver, organisation, on)
                finding = msgspec.structs.replace(
                    finding, waived=note is not None and not note.expired, waiver=note
                )
            keyed.append((finding_id, (hit.subject or subject, finding)))
        keyed.sort(key=_key)  # stable: the first hit of an id stays first
        kept: list[Owned] = []
        last = None
        for finding_id, entry in keyed:
            if finding_id != last:
                kept.append(entry)
                last = finding_id
        return kept


_key = operator.itemgetter(0)


def by_id(owned: Owned) -> str:
    return owned[1].id
