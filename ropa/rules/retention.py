"""Retention: missing, vague, indefinite, longer downstream than at the source, law uncited."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ropa.domain import model as m
from ropa.graph import RegistryGraph, days_in
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

ALL = "all"
"""Detail of a finding on an activity-wide retention rule (one without a data category)."""

LEGAL_WORDS = re.compile(
    r"\b(laws?|legal(?:ly)?|legislation|statutes?|statutory|tax(?:es|ation)?"
    r"|regulations?|regulatory|courts?)\b",
    re.IGNORECASE,
)
"""Words that say a retention rule rests on a legal requirement."""

QUOTE_LIMIT = 120


PERIOD_WORDS = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirty|sixty"
    r"|ninety)\s*(?:-\s*\d+\s*)?(?:hours?|days?|weeks?|months?|years?)\b"
    r"|\bP(?:\d+[YMWD])+\b",
    re.IGNORECASE,
)
"""A period in words or an ISO 8601 duration: what keeps a retention statement from being vague."""


def _statement_vague(text: str) -> bool:
    return bool(text.strip()) and PERIOD_WORDS.search(text) is None


def _organisation_retention(check: Check) -> dict[str, str]:
    """Organisations whose organisation-wide retention statement gives no period -> statement."""
    found = {}
    for key, organisation in check.graph.organisations.items():
        said = organisation.statements.retention if organisation.statements else ""
        if _statement_vague(said):
            found[key] = said
    return found


@rule("RETENTION-MISSING")
def retention_missing(check: Check) -> Iterator[Hit]:
    """An activity that inherits the organisation-wide retention statement has stated one;
    RETENTION-VAGUE judges the statement."""
    graph = check.graph
    statements = check.facts.statements
    said: dict[str, str] = {}  # category key -> the message, worded once per category
    for activity in check.facts.judged_activities:
        if statements[entity("activity", activity.key)].retention.inherited:
            continue
        if any(r.data_category is None for r in activity.retention):
            continue
        named = {r.data_category for r in activity.retention}
        for category in dict.fromkeys(activity.data_categories):
            if category not in named:
                message = said.get(category)
                if message is None:
                    message = said[category] = (
                        f"no retention rule covers {_category(graph, category)}"
                    )
                yield Hit(entity("activity", activity.key), message, detail=category)


@rule("RETENTION-VAGUE")
def retention_vague(check: Check) -> Iterator[Hit]:
    """Judges the organisation-wide statement once, each activity relying on it, and each
    activity's own rules."""
    graph = check.graph
    vague = _organisation_retention(check)
    for key, said in vague.items():
        yield Hit(
            entity("organisation", key),
            f"the organisation-wide retention statement {_quote(said)} gives no period",
        )
    statements = check.facts.statements
    for activity in check.facts.judged_activities:
        if statements[entity("activity", activity.key)].retention.inherited:
            if activity.organisation in vague:
                yield Hit(
                    entity("activity", activity.key),
                    f"{activity.name} relies on the organisation-wide retention statement "
                    f"{_quote(vague[activity.organisation])}, which gives no period",
                    ALL,
                )
            continue
        for retention in activity.retention:
            if retention.period or retention.criteria.strip() or retention.indefinite:
                continue
            subject = f"retention of {_scope(graph, retention)}"
            if retention.statement.strip():
                said = f"is stated only as {_quote(retention.statement)}"
            elif retention.trigger.strip():
                said = f"names the trigger {_quote(retention.trigger)} but no period or criteria"
            else:
                said = "gives no period, deletion criteria or statement"
            yield Hit(entity("activity", activity.key), f"{subject} {said}", _detail(retention))


@rule("RETENTION-INDEFINITE")
def retention_indefinite(check: Check) -> Iterator[Hit]:
    """Indefinite retention with no Art 89(1) purpose recorded (anonymised data is not kept:
    record the period after which it is anonymised instead)."""
    graph = check.graph
    for activity in check.facts.judged_activities:
        for retention in activity.retention:
            if retention.indefinite and not retention.art89_purpose.strip():
                yield Hit(
                    entity("activity", activity.key),
                    f"{_scope(graph, retention)} is kept indefinitely",
                    _detail(retention),
                )


@rule("RETENTION-DOWNSTREAM-LONGER", neighbours=True)
def retention_downstream_longer(check: Check) -> Iterator[Hit]:
    """A copy of a category kept longer than the activity it was taken from keeps it.

    Interpretation: activity A has a flow carrying category X out of system S; another active
    activity B brings X into S with a flow of its own, so S holds B's copy of X and A's copy is
    downstream of it. (Merely running on S is not enough: a shared app or server is used by many
    activities that never store X there.) Each side's period for X is its retention rule naming
    X, or failing that its activity-wide rule (no data category); where several rules apply the
    longest period counts, and a side with no period (criteria only, or indefinite) is not
    compared, since RETENTION-VAGUE and RETENTION-INDEFINITE judge those. A fires once per
    category when its period is longer, in approximate days (``days_in``), than that of some
    such B.
    """
    graph = check.graph
    active = {a.key: a for a in check.facts.judged_activities}
    periods = {key: _Periods.of(activity) for key, activity in active.items()}
    bringers: dict[tuple[str, str], set[str]] = {}
    for flow in graph.flows.values():
        if flow.activity in active and flow.target.startswith("system:"):
            bringer = periods[flow.activity]
            for category in flow.data_categories:
                if bringer.period(category) is not None:  # a side with no period is not compared
                    bringers.setdefault((flow.target, category), set()).add(flow.activity)
    for activity in active.values():
        ours = periods[activity.key]
        if not ours.any:
            continue
        reported: set[str] = set()
        for flow in graph.flows_by_activity.get(activity.key, ()):
            if not flow.source.startswith("system:"):
                continue
            for category in flow.data_categories:
                mine = ours.period(category)
                if mine is None or category in reported:
                    continue
                for other_key in sorted(bringers.get((flow.source, category), ())):
                    if other_key == activity.key:
                        continue
                    theirs = periods[other_key].period(category)
                    if theirs is None or mine[1] <= theirs[1]:
                        continue
                    reported.add(category)
                    yield Hit(
                        entity("activity", activity.key),
                        f"keeps {_category(graph, category)} for {mine[0]}, taken from "
                        f"{graph.name_of(flow.source)} where activity `{other_key}` keeps it "
                        f"for {theirs[0]}",
                        detail=category,
                    )
                    break


@rule("RETENTION-LAW-UNCITED")
def retention_law_uncited(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        for retention in activity.retention:
            if retention.legal_source.strip():
                continue
            found = _legal_words(retention)
            if found:
                yield Hit(
                    entity("activity", activity.key),
                    f"retention of {_scope(graph, retention)} invokes {_quote(found.group(0))} "
                    "but names no legal source",
                    _detail(retention),
                )


def _legal_words(retention: m.Retention) -> re.Match[str] | None:
    """The first legal word in the trigger, criteria or statement (a word never spans two)."""
    for text in (retention.trigger, retention.criteria, retention.statement):
        if text and (found := LEGAL_WORDS.search(text)) is not None:
            return found
    return None


@functools.lru_cache(maxsize=65536)
def _days(period: str) -> float | None:
    return days_in(period)


Period = tuple[str, float]
"""A retention period as recorded, and its length in approximate days."""


@dataclass(frozen=True, slots=True)
class _Periods:
    """The periods an activity keeps its categories for: a category's own retention rules,
    or failing those its activity-wide rules; where several apply the longest counts."""

    named: dict[str, Period | None]
    wide: Period | None

    @classmethod
    def of(cls, activity: m.Activity) -> _Periods:
        named: dict[str, list[m.Retention]] = {}
        wide = []
        for kept in activity.retention:
            if kept.data_category is None:
                wide.append(kept)
            else:
                named.setdefault(kept.data_category, []).append(kept)
        return cls({key: _longest(rules) for key, rules in named.items()}, _longest(wide))

    @property
    def any(self) -> bool:
        return self.wide is not None or any(p is not None for p in self.named.values())

    def period(self, category: str) -> Period | None:
        """The period the activity keeps a category for, if it has one."""
        return self.named.get(category, self.wide)


def _longest(rules: list[m.Retention]) -> Period | None:
    periods = [
        (r.period, days)
        for r in rules
        if r.period and not r.indefinite and (days := _days(r.period)) is not None
    ]
    return max(periods, key=lambda p: p[1]) if periods else None


def _category(graph: RegistryGraph, key: str) -> str:
    return f"{graph.category(key).label} ({key})"


def _scope(graph: RegistryGraph, retention: m.Retention) -> str:
    if retention.data_category is None:
        return "all the activity's data"
    return _category(graph, retention.data_category)


def _detail(retention: m.Retention) -> str:
    return retention.data_category or ALL


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f'"{text}"'
