"""DPIA screening: WP248 criteria counted per activity, and the Art 35(3) cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.graph import RegistryGraph
from ropa.rules.common import active_activities, entity
from ropa.rules.engine import Check, Hit, rule

# WP248 rev.01 criteria the record itself can show, by number.
AUTOMATED_DECISION = 2
MONITORING = 3
SENSITIVE = 4
VULNERABLE = 7
LARGE_SCALE = "large_scale"
"""The risk indicator that, with special or criminal data, makes the Art 35(3)(b) case."""


@dataclass(slots=True)
class Screening:
    """What an activity meets: WP248 criteria (number -> reasons) and Art 35(3) cases."""

    criteria: dict[int, list[str]] = field(default_factory=dict)
    art35_3: dict[str, list[str]] = field(default_factory=dict)

    def meets(self, criterion: int, reason: str) -> None:
        reasons = self.criteria.setdefault(criterion, [])
        if reason not in reasons:
            reasons.append(reason)

    def mandatory(self, case: str, reason: str) -> None:
        reasons = self.art35_3.setdefault(case, [])
        if reason not in reasons:
            reasons.append(reason)


@rule("DPIA-REQUIRED")
def dpia_required(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in active_activities(graph):
        found = screen(graph, activity)
        if not found.art35_3 or _status(activity) == m.DpiaStatus.COMPLETED:
            continue
        cases = "; ".join(
            f"Art 35(3)({case}): {', '.join(reasons)}"
            for case, reasons in sorted(found.art35_3.items())
        )
        yield Hit(
            entity("activity", activity.key),
            f"{cases}; DPIA {_status_text(activity)}; {_criteria_text(graph, found)}",
        )


@rule("DPIA-LIKELY")
def dpia_likely(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in active_activities(graph):
        found = screen(graph, activity)
        if len(found.criteria) < 2 or found.art35_3 or not _unassessed(activity):
            continue
        yield Hit(
            entity("activity", activity.key),
            f"{_criteria_text(graph, found)}; DPIA {_status_text(activity)}",
        )


@rule("DPIA-CONSIDER")
def dpia_consider(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in active_activities(graph):
        found = screen(graph, activity)
        if len(found.criteria) != 1 or found.art35_3 or not _unassessed(activity):
            continue
        yield Hit(
            entity("activity", activity.key),
            f"{_criteria_text(graph, found)}; DPIA {_status_text(activity)}",
        )


def screen(graph: RegistryGraph, activity: m.Activity) -> Screening:
    """The WP248 criteria and Art 35(3) cases an activity meets.

    Criteria come from the activity's risk indicators (each counts towards its ``wp248``
    criterion) and from what the record shows: special or criminal data and communications
    content count towards 4, location data towards 3, vulnerable data subjects towards 7 and
    automated decisions with legal or similar effect towards 2. Art 35(3) cases: an indicator
    with ``art35_3`` set, such automated decisions (a), and special or criminal data together
    with the ``large_scale`` indicator (b). Computed once per activity and graph: three rules
    read it.
    """
    memo: dict[str, Screening] = graph.memo.setdefault("dpia_screening", {})
    if activity.key not in memo:
        memo[activity.key] = _screen(graph, activity)
    return memo[activity.key]


def _screen(graph: RegistryGraph, activity: m.Activity) -> Screening:
    found = Screening()
    vocab = graph.vocab.dpia_criteria
    for key in dict.fromkeys(activity.risk_indicators):
        criterion = vocab.get(key)
        if criterion is None:
            continue
        found.meets(criterion.wp248, criterion.title)
        if criterion.art35_3:
            found.mandatory(criterion.art35_3, criterion.title)
    sensitive: list[str] = []
    for key in dict.fromkeys(activity.data_categories):
        category = graph.category(key)
        if category.special or category.criminal:
            sensitive.append(category.label)
            found.meets(SENSITIVE, category.label)
        if "content" in category.tags:
            found.meets(SENSITIVE, category.label)
        if "location" in category.tags:
            found.meets(MONITORING, category.label)
    for key in dict.fromkeys(activity.data_subjects):
        subjects = graph.subject_categories.get(key)
        if subjects is not None and getattr(subjects, "vulnerable", False):
            found.meets(VULNERABLE, subjects.label)
    decisions = activity.automated_decisions
    if decisions is not None and decisions.legal_or_similar_effect:
        found.meets(AUTOMATED_DECISION, "recorded automated decisions")
        found.mandatory("a", "automated decisions with legal or similar effect")
    if sensitive and LARGE_SCALE in activity.risk_indicators:
        found.mandatory("b", f"{', '.join(sensitive)} on a large scale")
    return found


def _titles(graph: RegistryGraph) -> dict[int, str]:
    """Each WP248 criterion's title: the first vocabulary entry counting towards it."""
    titles: dict[int, str] = {}
    for criterion in graph.vocab.dpia_criteria.values():
        titles.setdefault(criterion.wp248, criterion.title)
    return titles


def _criteria_text(graph: RegistryGraph, found: Screening) -> str:
    """The criteria met by title, each with what meets it where that is not the title itself."""
    titles = _titles(graph)
    met = []
    for number, reasons in sorted(found.criteria.items()):
        title = titles.get(number, f"WP248 criterion {number}")
        shown = [reason for reason in reasons if reason != title]
        met.append(f"{title} ({', '.join(shown)})" if shown else title)
    count = len(met)
    return f"{count} WP248 criteri{'on' if count == 1 else 'a'} met: {'; '.join(met)}"


def _status(activity: m.Activity) -> m.DpiaStatus | None:
    return activity.dpia.status if activity.dpia is not None else None


def _unassessed(activity: m.Activity) -> bool:
    return _status(activity) in (None, m.DpiaStatus.NOT_ASSESSED)


def _status_text(activity: m.Activity) -> str:
    status = _status(activity)
    return "not recorded" if status is None else f"status {status}"
