"""Small predicates the rule themes share."""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.graph import RegistryGraph


def outside_eea(graph: RegistryGraph, country: str | None) -> bool:
    """True for a known country outside the EEA (unknown countries are not assumed either way)."""
    return bool(country) and not graph.vocab.is_eea(country)


def active_activities(graph: RegistryGraph) -> Iterator[m.Activity]:
    """Activities that are judged: active ones and drafts (so gaps show before go-live)."""
    return (a for a in graph.activities.values() if str(a.status) != "retired")


def receiving_parties(graph: RegistryGraph, activity: m.Activity) -> set[str]:
    """Keys of parties that receive the activity's data.

    Flow targets, listed recipients, and the operators of systems that flows deliver to: a
    processor running a system holds what is sent to it.
    """
    received = set(activity.recipients or ())
    for flow in graph.flows_by_activity.get(activity.key, ()):
        kind, _, key = flow.target.partition(":")
        if kind == "party":
            received.add(key)
        elif (system := graph.systems.get(key)) is not None and system.operator:
            received.add(system.operator)
    return received


def parties_receiving_data(graph: RegistryGraph) -> set[str]:
    """Keys of every party some active activity sends data to or lists as a recipient."""
    found: set[str] = set()
    for activity in active_activities(graph):
        found |= receiving_parties(graph, activity)
    return found


def bases(activity: m.Activity) -> dict[str, m.LawfulBasis]:
    return {basis.basis: basis for basis in activity.lawful_bases}


def entity(kind: str, key: str) -> str:
    return f"{kind}:{key}"
