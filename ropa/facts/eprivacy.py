"""ePrivacy scope and the national billing window: the one place that answers both.

Arts 6 and 9 of Directive 2002/58/EC bind only providers of publicly available electronic
communications services (Art 3); how long such a provider may keep traffic data for billing
(Art 6(2)) is national law, kept as data in ``schema/vocabulary/eprivacy_billing.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropa.domain import model as m
from ropa.graph import RegistryGraph, days_in

DEFAULT = "default"
"""The billing-window entry used where no national entry applies."""


@dataclass(frozen=True, slots=True)
class BillingWindow:
    """How long traffic data may be kept for billing, and the law (or default) that says so."""

    country: str | None
    """The country whose law sets the window; None for the documented default."""
    period: str
    days: float
    source: str
    verified: bool


def provider(graph: RegistryGraph, organisation: str) -> bool | None:
    """True for a provider of a public electronic communications service, False when the record
    says it is not one, None when it does not say."""
    found = graph.organisations.get(organisation)
    service = found.communications_service if found is not None else None
    return None if service is None else service.public


def service_countries(found: m.Organisation | None) -> list[str]:
    """Where the organisation's communications service is provided, else where it is established."""
    if found is None:
        return []
    service = found.communications_service
    if service is not None and service.countries:
        return list(dict.fromkeys(service.countries))
    return [found.establishment_country] if found.establishment_country else []


def billing_window(graph: RegistryGraph, organisation: str) -> BillingWindow:
    """The shortest national window among the countries the service is provided in (each
    country's law binds the data of its users), else the documented default."""
    windows = graph.vocab.eprivacy_billing
    candidates = [
        BillingWindow(
            country=country,
            period=entry.period,
            days=days_in(entry.period) or 0.0,
            source=entry.source,
            verified=entry.verified,
        )
        for country in service_countries(graph.organisations.get(organisation))
        if (entry := windows.get(country)) is not None
    ]
    if candidates:
        return min(candidates, key=lambda window: window.days)
    entry = windows[DEFAULT]
    return BillingWindow(
        country=None,
        period=entry.period,
        days=days_in(entry.period) or 0.0,
        source=entry.source,
        verified=entry.verified,
    )
