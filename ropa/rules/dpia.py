"""DPIA screening: WP248 criteria counted per activity, the Art 35(3) cases and the national
Art 35(4) lists.

Which criteria an activity meets is a derived fact (``ropa.facts.screening``); these rules
judge what the DPIA status makes of it.
"""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Screening
from ropa.graph import RegistryGraph
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule


@rule("DPIA-REQUIRED")
def dpia_required(check: Check) -> Iterator[Hit]:
    """An Art 35(3) case, or a case on a national Art 35(4) list that applies, without a
    completed DPIA."""
    titles = _titles(check.graph)
    for activity in check.facts.judged_activities:
        found = check.facts.activities[activity.key].screening
        if not found.required or _status(activity) == m.DpiaStatus.COMPLETED:
            continue
        cases = [
            *(
                f"Art 35(3)({case}): {', '.join(reasons)}"
                for case, reasons in sorted(found.art35_3.items())
            ),
            *(
                f"Art 35(4) list {case} ({', '.join(reasons)})"
                for case, reasons in sorted(found.national.items())
            ),
        ]
        yield Hit(
            entity("activity", activity.key),
            f"{'; '.join(cases)}; DPIA {_status_text(activity)}; {_criteria_text(titles, found)}",
        )


@rule("DPIA-LIKELY")
def dpia_likely(check: Check) -> Iterator[Hit]:
    titles = _titles(check.graph)
    for activity in check.facts.judged_activities:
        found = check.facts.activities[activity.key].screening
        if len(found.criteria) < 2 or found.required or not _unassessed(activity):
            continue
        yield Hit(
            entity("activity", activity.key),
            f"{_criteria_text(titles, found)}; DPIA {_status_text(activity)}",
        )


@rule("DPIA-CONSIDER")
def dpia_consider(check: Check) -> Iterator[Hit]:
    titles = _titles(check.graph)
    for activity in check.facts.judged_activities:
        found = check.facts.activities[activity.key].screening
        if len(found.criteria) != 1 or found.required or not _unassessed(activity):
            continue
        yield Hit(
            entity("activity", activity.key),
            f"{_criteria_text(titles, found)}; DPIA {_status_text(activity)}",
        )


def _titles(graph: RegistryGraph) -> dict[int, str]:
    """Each WP248 criterion's title: the first vocabulary entry counting towards it."""
    titles: dict[int, str] = {}
    for criterion in graph.vocab.dpia_criteria.values():
        titles.setdefault(criterion.wp248, criterion.title)
    return titles


def _criteria_text(titles: dict[int, str], found: Screening) -> str:
    """The criteria met by title (``_titles``), each with what meets it where that is not the
    title itself."""
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
