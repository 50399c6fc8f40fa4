"""Retention: missing, vague, indefinite, longer downstream than at the source, law uncited."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ropa.domain import model as m
from ropa.facts.derive import judged
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
        subject = entity("activity", activity.key)
        if statements[subject].retention.inherited:
            continue
        named = {r.data_category for r in activity.retention}
        if None in named:
            continue
        for category in dict.fromkeys(activity.data_categories):
            if category not in named:
                message = said.get(category)
                if message is None:
                    message = said[category] = (
                        f"no retention rule covers {_category(graph, category)}"
                    )
                yield Hit(subject, message, detail=category)


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
    periods: dict[str, _Periods] = {}  # judged activities that keep something for a period
    for activity in check.facts.judged_activities:
        if activity.retention:
            found = _Periods.of(activity)
            if found.any:
                periods[activity.key] = found
    # system node -> category -> the activities that bring it there and keep it for a period,
    # with those periods; and system node -> category -> the shortest of those periods
    bringers: dict[str, dict[str, dict[str, Period]]] = {}
    shortest: dict[str, dict[str, float]] = {}
    for flow in graph.flows.values():
        bringer = periods.get(flow.activity)
        if bringer is None:
            continue
        target = flow.target
        if not target.startswith("system:"):
            continue
        named, wide = bringer.named, bringer.wide
        brought = bringers.get(target)
        if brought is None:
            brought = bringers[target] = {}
            short = shortest[target] = {}
        else:
            short = shortest[target]
        activity_key = flow.activity
        for category in flow.data_categories:
            period = named.get(category, wide)
            if period is None:  # a side with no period is not compared (``_kept``)
                continue
            into = brought.get(category)
            if into is None:
                brought[category] = {activity_key: period}
                short[category] = period[1]
            else:
                into[activity_key] = period
                if period[1] < short[category]:
                    short[category] = period[1]
    for key, ours in periods.items():
        named, wide = ours.named, ours.wide
        reported: set[str] = set()
        for flow in graph.flows_by_activity.get(key, ()):
            brought = bringers.get(flow.source)
            if brought is None:  # not a system, or nothing kept for a period comes into it
                continue
            short = shortest[flow.source]
            for category in flow.data_categories:
                mine = named.get(category, wide)
                if mine is None or category in reported:
                    continue
                least = short.get(category)
                if least is None or least >= mine[1]:
                    continue  # nobody brings it here for a shorter period
                into = brought[category]
                for other_key in sorted(into):
                    theirs = into[other_key]
                    if other_key == key or mine[1] <= theirs[1]:
                        continue
                    reported.add(category)
                    yield Hit(
                        entity("activity", key),
                        f"keeps {_category(graph, category)} for {mine[0]}, taken from "
                        f"{graph.name_of(flow.source)} where activity `{other_key}` keeps it "
                        f"for {theirs[0]}",
                        detail=category,
                    )
                    break


def _kept(periods: _Periods, flow: m.Flow) -> Iterator[tuple[str, Period]]:
    """The categories a flow carries that its activity keeps for a period, with the period (a
    side with no period is not compared)."""
    named, wide = periods.named, periods.wide
    for category in flow.data_categories:
        period = named.get(category, wide)
        if period is not None:
            yield category, period


def brought_for_a_period(
    activity: m.Activity | None, flows: Iterable[m.Flow]
) -> frozenset[tuple[str, str, Period]]:
    """What RETENTION-DOWNSTREAM-LONGER reads of a judged activity as one that brings data:
    (system node, category, period) for each category its flows bring into a system and it
    keeps for a period. The activities taking data from those systems are judged against it."""
    if activity is None or not judged(activity) or not activity.retention:
        return frozenset()
    periods = _Periods.of(activity)
    if not periods.any:
        return frozenset()
    return frozenset(
        (flow.target, category, period)
        for flow in flows
        if flow.target.startswith("system:")
        for category, period in _kept(periods, flow)
    )


@rule("RETENTION-LAW-UNCITED")
def retention_law_uncited(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        for retention in activity.retention:
            if retention.legal_source.strip():
                continue
            found = _legal_words(retention.trigger, retention.criteria, retention.statement)
            if found:
                yield Hit(
                    entity("activity", activity.key),
                    f"retention of {_scope(graph, retention)} invokes {_quote(found)} "
                    "but names no legal source",
                    _detail(retention),
                )


@functools.lru_cache(maxsize=65536)
def _legal_words(*texts: str) -> str:
    """The first legal word in the texts (a retention rule's trigger, criteria and statement,
    which registries repeat from rule to rule); "" for none. A word never spans two texts."""
    for text in texts:
        if text and (found := LEGAL_WORDS.search(text)) is not None:
            return found.group(0)
    return ""


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
        named: dict[str, Period | None] = {}
        wide: Period | None = None
        for kept in activity.retention:
            period = kept.period
            days = _days(period) if period and not kept.indefinite else None
            found = (period, days) if period and days is not None else None
            category = kept.data_category
            if category is None:
                if found is not None and (wide is None or found[1] > wide[1]):
                    wide = found
            elif category not in named:
                named[category] = found
            elif found is not None:
                current = named[category]
                if current is None or found[1] > current[1]:  # the first longest counts
                    named[category] = found
        return cls(named, wide)

    @property
    def any(self) -> bool:
        return self.wide is not None or any(p is not None for p in self.named.values())

    def period(self, category: str) -> Period | None:
        """The period the activity keeps a category for, if it has one."""
        return self.named.get(category, self.wide)


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
