"""DPIA screening: which WP248 criteria and Art 35(3) cases an activity meets.

Criteria come from the activity's risk indicators (each counts towards its ``wp248``
criterion) and from what the record shows: special or criminal data and communications content
count towards 4, location data towards 3, vulnerable data subjects towards 7 and automated
decisions with legal or similar effect towards 2. Art 35(3) cases: an indicator with ``art35_3``
set, such automated decisions (a), and special or criminal data together with the
``large_scale`` indicator (b).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.graph import RegistryGraph

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

    @property
    def likely_high_risk(self) -> bool:
        """An Art 35(3) case, or two WP248 criteria or more: a DPIA is expected."""
        return bool(self.art35_3) or len(self.criteria) >= 2


def screen(graph: RegistryGraph, activity: m.Activity) -> Screening:
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
