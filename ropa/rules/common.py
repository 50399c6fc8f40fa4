"""Small predicates the rule themes share."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.graph import RegistryGraph


def outside_eea(graph: RegistryGraph, country: str | None) -> bool:
    """True for a known country outside the EEA (unknown countries are not assumed either way)."""
    return bool(country) and not graph.vocab.is_eea(country)


def active_activities(graph: RegistryGraph) -> list[m.Activity]:
    """Activities that are judged: active ones and drafts (so gaps show before go-live)."""
    found: list[m.Activity] | None = graph.memo.get("active_activities")
    if found is None:
        found = [a for a in graph.activities.values() if str(a.status) != "retired"]
        graph.memo["active_activities"] = found
    return found


def receiving_parties(graph: RegistryGraph, activity: m.Activity) -> set[str]:
    """Keys of parties that receive the activity's data.

    Flow targets, listed recipients, and the operators of systems that flows deliver to: a
    processor running a system holds what is sent to it.
    """
    memo: dict[str, set[str]] = graph.memo.setdefault("receiving_parties", {})
    found = memo.get(activity.key)
    if found is None:
        found = memo[activity.key] = _receiving_parties(graph, activity)
    return found


def _receiving_parties(graph: RegistryGraph, activity: m.Activity) -> set[str]:
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
    found: set[str] | None = graph.memo.get("parties_receiving_data")
    if found is None:
        found = set()
        for activity in active_activities(graph):
            found |= receiving_parties(graph, activity)
        graph.memo["parties_receiving_data"] = found
    return found


def judged_flows(graph: RegistryGraph) -> list[m.Flow]:
    """Flows of the activities that are judged."""
    found: list[m.Flow] | None = graph.memo.get("judged_flows")
    if found is None:
        found = [
            flow
            for activity in active_activities(graph)
            for flow in graph.flows_by_activity.get(activity.key, ())
        ]
        graph.memo["judged_flows"] = found
    return found


def bases(activity: m.Activity) -> dict[str, m.LawfulBasis]:
    return {basis.basis: basis for basis in activity.lawful_bases}


def entity(kind: str, key: str) -> str:
    return f"{kind}:{key}"
