"""Electronic communications: location and traffic data under the ePrivacy Directive."""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.graph import RegistryGraph, days_in
from ropa.rules.common import bases, entity
from ropa.rules.engine import Check, Hit, rule

LOCATION_BASES = ("consent", "legal_obligation", "vital_interests")
"""Bases that allow location data: consent (ePD Art 9), emergency-call location by law or to save
a life (EECC Art 109, GDPR Art 6(1)(d))."""

BILLING_WINDOW_DAYS = 183
"""About six months: how long traffic data is typically needed to settle a disputed bill."""


def _location(graph: RegistryGraph, activity: m.Activity) -> list[str]:
    """Location data other than traffic data, which Art 9 of the Directive governs."""
    return [
        key
        for key in activity.data_categories
        if "location" in graph.category(key).tags and "traffic" not in graph.category(key).tags
    ]


def _retention_rules(activity: m.Activity, category: str) -> list[m.Retention]:
    """The rules for one category: its own, else the activity-wide ones (no data category)."""
    own = [r for r in activity.retention if r.data_category == category]
    return own or [r for r in activity.retention if r.data_category is None]


def _beyond_window(retention: m.Retention) -> bool:
    if retention.indefinite:
        return True
    days = days_in(retention.period) if retention.period else None
    return days is not None and days > BILLING_WINDOW_DAYS


def _traffic_retention_allowed(facts: Facts, activity: m.Activity) -> bool:
    """Consent, or a legal obligation under a cited EU or Member State law (ePD Art 15(1))."""
    found = bases(activity)
    if "consent" in found:
        return True
    obligation = found.get("legal_obligation")
    law = obligation.law if obligation else None
    return law is not None and bool(law.title.strip()) and facts.union_law(law)


@rule("EPRIVACY-LOCATION-WITHOUT-CONSENT")
def location_without_consent(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        location = _location(graph, activity)
        if location and not any(key in bases(activity) for key in LOCATION_BASES):
            labels = ", ".join(f"{graph.category(key).label} ({key})" for key in location)
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} processes {labels} with neither consent nor a legal "
                "obligation or vital-interests basis",
            )


@rule("EPRIVACY-TRAFFIC-RETENTION")
def traffic_retention(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        if _traffic_retention_allowed(check.facts, activity):
            continue
        for key in activity.data_categories:
            if "traffic" not in graph.category(key).tags:
                continue
            for retention in _retention_rules(activity, key):
                if _beyond_window(retention):
                    kept = "indefinitely" if retention.indefinite else f"for {retention.period}"
                    yield Hit(
                        entity("activity", activity.key),
                        f"{activity.name} keeps {graph.category(key).label} ({key}) {kept}, "
                        "beyond six months, without consent or a cited EU or Member State law",
                        detail=key,
                    )
                    break
