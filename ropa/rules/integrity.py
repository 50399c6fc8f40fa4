"""Integrity of the record: unused systems, undeclared categories on flows, stale reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

STALE_AFTER = dt.timedelta(days=365)


@rule("SYSTEM-UNUSED", wide=True)
def system_unused(check: Check) -> Iterator[Hit]:
    """A system no activity runs on and no flow (of any activity) starts or ends at."""
    graph = check.graph
    for key, system in graph.systems.items():
        if key in graph.activities_by_system:
            continue
        if not graph.has_flow(f"system:{key}"):
            yield Hit(entity("system", key), f"no activity runs on or sends data to {system.name}")


@rule("FLOW-CATEGORY-UNDECLARED")
def flow_category_undeclared(check: Check) -> Iterator[Hit]:
    """Only flows of judged activities (a retired activity's flows are not judged)."""
    graph = check.graph
    declared: dict[str, frozenset[str]] = {}  # activity key -> its categories, once per activity
    for facts in check.facts.judged_flows:
        flow = facts.flow
        own = declared.get(flow.activity)
        if own is None:
            activity = graph.activities.get(flow.activity)
            if activity is None:
                continue
            own = declared[flow.activity] = frozenset(activity.data_categories)
        if own.issuperset(flow.data_categories):
            continue
        for category in flow.data_categories:
            if category not in own:
                yield Hit(
                    entity("flow", flow.key),
                    f"carries {graph.category(category).label} ({category}), which activity "
                    f"`{flow.activity}` does not declare",
                    detail=category,
                )


@rule("RECORD-STALE")
def record_stale(check: Check) -> Iterator[Hit]:
    for activity in check.facts.judged_activities:
        if str(activity.status) != "active":
            continue
        if activity.last_reviewed is None:
            yield Hit(entity("activity", activity.key), "no review date recorded")
        elif check.on - activity.last_reviewed > STALE_AFTER:
            yield Hit(
                entity("activity", activity.key),
                f"last reviewed {activity.last_reviewed.isoformat()}, "
                f"{(check.on - activity.last_reviewed).days} days before {check.on.isoformat()}",
            )
