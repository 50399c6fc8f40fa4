"""Electronic communications under the ePrivacy Directive 2002/58/EC.

Arts 6 (traffic data) and 9 (location data) bind only providers of publicly available electronic
communications services (Art 3): they are applied where the organisation records that it is one,
and an organisation that does not say is asked. Art 5(3) (storing or reading information on a
user's device) binds everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.graph import days_in
from ropa.rules.common import bases, basis, entity
from ropa.rules.engine import Check, Hit, rule
from ropa.rules.lawful_basis import consent_given

LOCATION_BASES = ("consent", "legal_obligation", "vital_interests")
"""Bases that allow location data: consent (ePD Art 9), emergency-call location by law or to save
a life (EECC Art 109, GDPR Art 6(1)(d))."""


def _provider(check: Check, activity: m.Activity) -> bool:
    return check.facts.communications_provider(activity.organisation) is True


def _location(check: Check, activity: m.Activity) -> list[str]:
    """Location data other than traffic data, which Art 9 of the Directive governs."""
    graph = check.graph
    return [
        key
        for key in check.facts.activities[activity.key].tagged("location")
        if "traffic" not in graph.category(key).tags
    ]


def _retention_rules(activity: m.Activity, category: str) -> list[m.Retention]:
    """The rules for one category: its own, else the activity-wide ones (no data category)."""
    own = [r for r in activity.retention if r.data_category == category]
    return own or [r for r in activity.retention if r.data_category is None]


def _beyond(retention: m.Retention, window_days: float) -> bool:
    """Kept longer than the window, and not on a legal source the rule cites itself."""
    if retention.legal_source.strip():
        return False  # judged by the law it cites (ePD Art 15(1)), not by the default window
    if retention.indefinite:
        return True
    days = days_in(retention.period) if retention.period else None
    return days is not None and days > window_days


def _traffic_retention_allowed(facts: Facts, activity: m.Activity) -> bool:
    """Consent, fraud detection (Art 6(5)), or a legal obligation under a cited law that serves
    the organisation's regime (ePD Art 15(1))."""
    if consent_given(activity) or m.PurposeKind.FRAUD_DETECTION in activity.purpose_kinds:
        return True
    obligation = basis(activity, "legal_obligation")
    law = obligation.law if obligation else None
    return (
        law is not None
        and bool(law.title.strip())
        and bool(facts.law_regimes(activity.organisation, law))
    )


@rule("EPRIVACY-PROVIDER-UNSTATED", organisation=True)
def provider_unstated(check: Check) -> Iterator[Hit]:
    """Traffic or location data, and the record does not say whether the organisation provides
    a public electronic communications service: Arts 6 and 9 turn on it."""
    graph = check.graph
    seen: dict[str, list[str]] = {}
    for activity in check.facts.judged_activities:
        organisation = graph.organisations.get(activity.organisation)
        if organisation is None or organisation.communications_service is not None:
            continue
        if not check.facts.activities[activity.key].tags.isdisjoint(("traffic", "location")):
            seen.setdefault(activity.organisation, []).append(activity.key)
    for key, activities in seen.items():
        shown = ", ".join(f"`{a}`" for a in activities[:5])
        more = f" and {len(activities) - 5} more" if len(activities) > 5 else ""
        yield Hit(
            entity("organisation", key),
            f"{graph.organisations[key].name} processes traffic or location data (in {shown}"
            f"{more}) but does not record whether it provides a publicly available electronic "
            "communications service",
        )


@rule("EPRIVACY-LOCATION-WITHOUT-CONSENT")
def location_without_consent(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for activity in check.facts.judged_activities:
        if not _provider(check, activity) or m.PurposeKind.EMERGENCY in activity.purpose_kinds:
            continue  # Art 10(b): location for emergency calls needs no consent
        location = _location(check, activity)
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
        if not _provider(check, activity) or _traffic_retention_allowed(check.facts, activity):
            continue
        window = check.facts.billing_window(activity.organisation)
        where = (
            f"the {window.country} billing window of {window.period}"
            if window.country
            else f"the default billing window of {window.period}"
        )
        for key in check.facts.activities[activity.key].tagged("traffic"):
            for retention in _retention_rules(activity, key):
                if _beyond(retention, window.days):
                    kept = "indefinitely" if retention.indefinite else f"for {retention.period}"
                    yield Hit(
                        entity("activity", activity.key),
                        f"{activity.name} keeps {graph.category(key).label} ({key}) {kept}, "
                        f"beyond {where}, without consent, the fraud-detection purpose, a cited "
                        "law or a legal source on the retention rule",
                        detail=key,
                    )
                    break


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:60].strip("-") or "device-access"


@rule("EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT")
def device_access_without_consent(check: Check) -> Iterator[Hit]:
    """Art 5(3), for everyone: storing or reading information on a user's device needs consent
    unless strictly necessary for the service the user asked for."""
    for activity in check.facts.judged_activities:
        if consent_given(activity):
            continue
        for access in activity.device_access:
            if access.strictly_necessary or access.consent_record.strip():
                continue
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} stores or reads information on the user's device "
                f"({access.description}) for a purpose that is not strictly necessary, without "
                "consent",
                detail=_slug(access.description),
            )
