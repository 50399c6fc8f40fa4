"""Completeness scores: the share of Article 30 items an activity or organisation has in order.

Each item is judged by the rules that report it missing or unusable; a waived finding does not
count against its item, since the keeper has accepted it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import msgspec

from ropa.facts import Facts
from ropa.rules.engine import Finding

ACTIVITY_ITEMS: dict[str, tuple[str, ...]] = {
    "purpose": ("ART30-1B-PURPOSE-MISSING", "ART30-1B-PURPOSE-VAGUE"),
    "data_subjects": ("ART30-1C-DATA-SUBJECTS-MISSING",),
    "data_categories": ("ART30-1C-DATA-CATEGORIES-MISSING", "DATA-CATEGORY-VAGUE"),
    "recipients": (
        "ART30-1D-RECIPIENTS-MISSING",
        "ART30-1D-RECIPIENT-NOT-LISTED",
        "RECIPIENT-VAGUE",
    ),
    "transfers": (
        "ART30-1E-TRANSFER-UNDECLARED",
        "ART30-1E-TRANSFER-DESTINATION-MISSING",
        "ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED",
        "TRANSFER-MISSING-MECHANISM",
    ),
    "retention": ("RETENTION-MISSING", "RETENTION-VAGUE"),
    "security_measures": ("ART30-1G-TOMS-MISSING", "SECURITY-VAGUE"),
    "lawful_basis": ("LAWFUL-BASIS-MISSING",),
}
ORGANISATION_ITEMS: dict[str, tuple[str, ...]] = {
    "controller": (
        "ART30-1A-CONTROLLER-NAME",
        "ART30-1A-CONTROLLER-CONTACT",
        "ART30-1A-CONTROLLER-IDENTITY",
    ),
    "dpo": ("ART30-1A-DPO-CONTACT", "DPO-LIKELY-REQUIRED"),
    "representative": ("ART30-1A-REPRESENTATIVE-CONTACT",),
}


class Score(msgspec.Struct, kw_only=True):
    score: int
    """Percentage of items in order, 0-100."""
    missing: list[str]
    """Items with an open finding."""


class Scores(msgspec.Struct, kw_only=True):
    organisations: dict[str, Score]
    activities: dict[str, Score]


def _failing(items: dict[str, tuple[str, ...]], rules: set[str]) -> list[str]:
    return [item for item, item_rules in items.items() if rules.intersection(item_rules)]


def completeness(facts: Facts, findings: Iterable[Finding]) -> Scores:
    open_rules_by_activity: dict[str, set[str]] = defaultdict(set)
    open_rules_by_organisation: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.waived:
            continue
        if finding.activity:
            open_rules_by_activity[finding.activity].add(finding.rule)
        elif finding.entity.startswith("organisation:"):
            open_rules_by_organisation[finding.organisation].add(finding.rule)

    activities: dict[str, Score] = {}
    passed_by_organisation: dict[str, int] = defaultdict(int)
    total_by_organisation: dict[str, int] = defaultdict(int)
    for activity in facts.judged_activities:
        missing = _failing(ACTIVITY_ITEMS, open_rules_by_activity[activity.key])
        passed = len(ACTIVITY_ITEMS) - len(missing)
        activities[activity.key] = Score(
            score=round(100 * passed / len(ACTIVITY_ITEMS)), missing=missing
        )
        passed_by_organisation[activity.organisation] += passed
        total_by_organisation[activity.organisation] += len(ACTIVITY_ITEMS)

    organisations: dict[str, Score] = {}
    for key in facts.graph.organisations:
        missing = _failing(ORGANISATION_ITEMS, open_rules_by_organisation[key])
        passed = passed_by_organisation[key] + len(ORGANISATION_ITEMS) - len(missing)
        total = total_by_organisation[key] + len(ORGANISATION_ITEMS)
        organisations[key] = Score(score=round(100 * passed / total), missing=missing)
    return Scores(organisations=organisations, activities=activities)
