"""The findings report: the judged registry's findings, filtered, with counts and scores."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

import msgspec

from ropa.facts import Facts
from ropa.rules import Finding, Severity
from ropa.rules.completeness import Scores, completeness


class FindingsReport(msgspec.Struct, kw_only=True):
    revision: int | None
    """The registry revision judged; null for a registry document outside the store."""
    on: dt.date
    """The day the registry was judged on (waiver expiry, review age, mechanism validity)."""
    counts: dict[str, int]
    """Open findings (not hidden by a waiver in force) per severity, among those listed:
    ``{"error": 2, "warning": 0, "info": 1}``. Waived findings are counted in ``waived``."""
    waived: dict[str, int]
    """Findings hidden by a waiver in force, per severity, among those listed (none when
    ``include_waived=false``). ``counts`` plus ``waived`` per severity is the number of listed
    findings of that severity, and their sum is ``total``."""
    total: int
    """How many findings are listed."""
    scores: Scores
    findings: list[Finding]


def report(
    facts: Facts,
    findings: list[Finding],
    *,
    revision: int | None,
    organisation: str | None = None,
    activity: str | None = None,
    severity: Severity | None = None,
    rule: str | None = None,
    include_waived: bool = True,
) -> FindingsReport:
    selected = [
        f
        for f in findings
        if (organisation is None or f.organisation == organisation)
        and (activity is None or f.activity == activity)
        and (severity is None or f.severity == severity)
        and (rule is None or f.rule == rule)
        and (include_waived or not f.waived)
    ]
    scores = completeness(facts, findings)
    if organisation is not None:
        activities = facts.graph.activities
        scores = Scores(
            organisations={k: v for k, v in scores.organisations.items() if k == organisation},
            activities={
                k: v
                for k, v in scores.activities.items()
                if activities[k].organisation == organisation
            },
        )
    return FindingsReport(
        revision=revision,
        on=facts.on,
        counts=count(selected),
        waived=count(selected, waived=True),
        total=len(selected),
        scores=scores,
        findings=selected,
    )


def count(findings: Iterable[Finding], *, waived: bool = False) -> dict[str, int]:
    """Findings per severity: the open ones, or with ``waived`` those a waiver hides."""
    counts = Counter(str(f.severity) for f in findings if f.waived == waived)
    return {str(s): counts.get(str(s), 0) for s in Severity}
