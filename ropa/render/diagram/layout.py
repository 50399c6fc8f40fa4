"""Cluster paths: where a system or party sits in a diagram, and how its clusters are titled.

Clusters: organisation, then trust boundary, for the organisation's systems; country for
parties, filled by zone (EEA, adequate for the importer, other third country). The transfers
view clusters everything by zone, then country. An international organisation sits in a cluster
of its own kind, not in the country it may be recorded in: it is outside every territory wherever
it sits, so its zone (from the derived facts, ``Facts.node_zone``) is never its country's.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropa.domain import model as m
from ropa.facts import Facts, Zone
from ropa.facts.geography import country_name
from ropa.graph import RegistryGraph
from ropa.render.diagram.looks import BOUNDARY_FILL, ORG_FILL, ZONE_FILLS, ZONE_RANK, ZONE_TITLES


@dataclass(frozen=True, order=True, slots=True)
class ClusterKey:
    """One level of a cluster path; ``rank`` orders siblings (organisations before countries)."""

    rank: int
    kind: str
    parts: tuple[str, ...]


Path = tuple[ClusterKey, ...]


def _org_key(org: str) -> ClusterKey:
    return ClusterKey(1, "organisation", (org,))


def _boundary_key(org: str, boundary: str) -> ClusterKey:
    return ClusterKey(2, "boundary", (org, boundary))


def _country_key(country: str, zone: Zone) -> ClusterKey:
    """A country's cluster; its importers may stand in different zones (the EU-US Data Privacy
    Framework covers only certified ones), so the zone is part of the key."""
    return ClusterKey(3, "country", (country, zone))


def _international_key(zone: Zone) -> ClusterKey:
    """International organisations, by the zone the derived facts give them (adequate when a
    decision covers the organisation, else third)."""
    return ClusterKey(3, "international", (zone,))


def _international(endpoint: object) -> bool:
    return isinstance(endpoint, m.Party) and endpoint.international_organisation


def _zone_key(zone: str) -> ClusterKey:
    return ClusterKey(ZONE_RANK[zone], "zone", (zone,))


class Layout:
    """Cluster paths for the organisation, activity, category and party views."""

    geographic = False

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.graph = facts.graph

    def path(self, ref: str) -> Path:
        endpoint = self.graph.endpoint(ref)
        if isinstance(endpoint, m.System):
            org = endpoint.organisation
            return (_org_key(org), _boundary_key(org, endpoint.trust_boundary.strip()))
        if isinstance(endpoint, m.Party):
            zone = self.facts.node_zone(ref)
            if endpoint.international_organisation:
                return (_international_key(zone),)
            return (_country_key(endpoint.country or "", zone),)
        return ()


class GeographicLayout(Layout):
    """Cluster paths for the transfers view: zone, then country."""

    geographic = True

    def path(self, ref: str) -> Path:
        endpoint = self.graph.endpoint(ref)
        if endpoint is None:
            return ()
        country = self.graph.country_of(ref)
        zone = self.facts.node_zone(ref)
        if _international(endpoint):
            return (_zone_key(zone), _international_key(zone))
        if zone == Zone.UNKNOWN or not country:
            return (_zone_key(Zone.UNKNOWN),)
        return (_zone_key(zone), _country_key(country, zone))


def path_text(path: Path) -> tuple[str, ...]:
    return tuple(f"{k.rank}:{k.kind}:{'/'.join(k.parts)}" for k in path)


def boundary_title(boundary: str) -> str:
    return f"Trust boundary: {boundary}" if boundary else "Trust boundary not recorded"


def cluster_title(layout: Layout, key: ClusterKey) -> str:
    graph, facts = layout.graph, layout.facts
    if key.kind == "organisation":
        return f"Organisation: {org_name(graph, key.parts[0])}"
    if key.kind == "boundary":
        return boundary_title(key.parts[1])
    if key.kind == "zone":
        zone = key.parts[0]
        if zone == Zone.ADEQUATE:
            return f"Adequate for the importer (decision in force on {facts.on.isoformat()})"
        return ZONE_TITLES[zone]
    if key.kind == "international":
        adequate = key.parts[0] == Zone.ADEQUATE and not layout.geographic
        return "International organisations" + (" \u00b7 adequacy decision" if adequate else "")
    country, zone = key.parts
    if not country:
        return "Country not recorded"
    name = country_name(graph.vocab, country)
    title = f"{name} ({country})" if name != country else country
    decision = facts.decision_in_force(country)
    if zone == Zone.ADEQUATE and decision is not None and decision.scope != "full":
        title += " \u00b7 partial adequacy"
    elif not layout.geographic and zone != Zone.EEA:
        title += " \u00b7 adequate" if zone == Zone.ADEQUATE else " \u00b7 third country"
    return title


def cluster_fill(key: ClusterKey) -> str:
    if key.kind == "organisation":
        return ORG_FILL
    if key.kind == "boundary":
        return BOUNDARY_FILL
    if key.kind in ("zone", "international"):
        return ZONE_FILLS[key.parts[0]]
    return ZONE_FILLS[key.parts[1] if key.parts[0] else Zone.UNKNOWN]


def org_name(graph: RegistryGraph, org: str) -> str:
    found = graph.organisations.get(org)
    return found.name if found else org
