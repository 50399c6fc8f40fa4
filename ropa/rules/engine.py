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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import msgspec
import yaml

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


@dataclass(slots=True)
class Hit:
    """One thing a rule found, on one entity (``kind:key``). Not frozen: rules make tens of
    thousands and a frozen dataclass's ``__init__`` costs twice as much."""

    entity: str
    message: str
    detail: str = ""


RuleFunction = Callable[[Check], Iterable[Hit]]
RULES: dict[str, RuleFunction] = {}


def rule(rule_id: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register the implementation of a catalogued rule."""

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} is implemented twice")
        RULES[rule_id] = function
        return function

    return register


class WaiverNote(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    reason: str
    accepted_by: str
    expires_on: dt.date
    expired: bool


class Finding(msgspec.Struct, frozen=True, kw_only=True):
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


def evaluate(facts: Facts, rule_ids: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the chosen rules (all by default), waivers applied, in a stable order."""
    with bulk():
        return _evaluate(facts, rule_ids)


def _evaluate(facts: Facts, rule_ids: Iterable[str] | None) -> list[Finding]:
    meta = catalogue()
    graph, on = facts.graph, facts.on
    check = Check(facts)
    waivers = {w.finding: w for w in graph.waivers.values()}
    owners: dict[str, tuple[str, str | None]] = {}
    # entity -> its organisation and activity, asked once per entity
    groups: list[tuple[int, str, list[Finding]]] = []
    for rule_id in sorted(rule_ids if rule_ids is not None else RULES):
        info = meta[rule_id]
        severity, title, article, remedy = info.severity, info.title, info.article, info.remedy
        found: list[Finding] = []
        for hit in RULES[rule_id](check):
            finding_id = (
                f"{rule_id}@{hit.entity}/{hit.detail}"
                if hit.detail
                else (f"{rule_id}@{hit.entity}")
            )
            owner = owners.get(hit.entity)
            if owner is None:
                kind, _, key = hit.entity.partition(":")
                owner = owners[hit.entity] = (
                    graph.organisation_of(kind, key),
                    _activity_of(graph, hit.entity),
                )
            organisation, activity = owner
            waiver = waivers.get(finding_id) if waivers else None
            note = None
            if waiver is not None and waiver.organisation == organisation:
                note = WaiverNote(
                    key=waiver.key,
                    reason=waiver.reason,
                    accepted_by=waiver.accepted_by,
                    expires_on=waiver.expires_on,
                    expired=waiver.expires_on < on,
                )
            found.append(
                Finding(
                    id=finding_id,
                    rule=rule_id,
                    severity=severity,
                    title=title,
                    article=article,
                    message=hit.message,
                    remedy=remedy,
                    entity=hit.entity,
                    organisation=organisation,
                    activity=activity,
                    waived=note is not None and not note.expired,
                    waiver=note,
                )
            )
        found.sort(key=_by_id)
        groups.append((SEVERITY_ORDER[info.severity], rule_id, found))
    # by severity, rule and id: each rule's findings share the first two
    groups.sort(key=lambda group: group[:2])
    return _unique([finding for *_, found in groups for finding in found])


def _by_id(finding: Finding) -> str:
    return finding.id


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.id not in seen:
            seen.add(finding.id)
            unique.append(finding)
    return unique
