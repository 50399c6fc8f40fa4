"""Recipients: Art 28 contracts, sub-processor authorisation, Art 26 arrangements.

And parties whose role is not yet determined.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ropa.domain import model as m
from ropa.graph import RegistryGraph
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

PROCESSORS = {m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR}


def _in(activities: Iterable[str]) -> str:
    keys = sorted(set(activities))
    listed = ", ".join(f"`{key}`" for key in keys)
    return f"activity {listed}" if len(keys) == 1 else f"activities {listed}"


def _judged(graph: RegistryGraph, keys: Iterable[str]) -> Iterator[m.Party]:
    """The parties with these keys, in the registry's order (unknown keys are skipped)."""
    wanted = set(keys)
    return (party for key, party in graph.parties.items() if key in wanted)


def _role(party: m.Party) -> str:
    return str(party.role).replace("_", "-")


@rule("PROCESSOR-WITHOUT-DPA")
def processor_without_dpa(check: Check) -> Iterator[Hit]:
    graph = check.graph
    receivers = check.facts.receivers
    for party in _judged(graph, receivers):
        if party.role not in PROCESSORS:
            continue
        if party.contract is None:
            missing = "no Art 28 contract is recorded"
        elif not party.contract.reference.strip():
            missing = "its contract has no reference"
        else:
            continue
        yield Hit(
            entity("party", party.key),
            f"{party.name}, a {_role(party)}, receives data in {_in(receivers[party.key])}, "
            f"but {missing}",
        )


@rule("SUBPROCESSOR-UNAUTHORISED")
def subprocessor_unauthorised(check: Check) -> Iterator[Hit]:
    """Also sub-processors that only get data through the party engaging them, however deep."""
    graph = check.graph
    receivers = check.facts.receivers
    reached = set(receivers)
    growing = True
    while growing:
        engaged = {
            key
            for key, party in graph.parties.items()
            if party.role is m.PartyRole.SUB_PROCESSOR and party.sub_processor_of in reached
        }
        growing = not engaged <= reached
        reached |= engaged
    for party in _judged(graph, reached):
        if party.role is not m.PartyRole.SUB_PROCESSOR or party.sub_processor_authorisation.strip():
            continue
        how = []
        if party.key in receivers:
            how.append(f"receives data in {_in(receivers[party.key])}")
        engaging = graph.parties.get(party.sub_processor_of or "")
        if engaging is not None and engaging.key in reached:
            how.append(f"is engaged by {engaging.name} (party `{engaging.key}`)")
        yield Hit(
            entity("party", party.key),
            f"{party.name}, a sub-processor, {' and '.join(how)}, but no authorisation by the "
            "controller is recorded",
        )


@rule("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT")
def joint_controller_without_arrangement(check: Check) -> Iterator[Hit]:
    """Parties receiving data as joint controllers, and those an activity names as such."""
    graph = check.graph
    receivers = check.facts.receivers
    listed: dict[str, list[str]] = {}
    for activity in check.facts.judged_activities:
        for key in activity.joint_controllers:
            listed.setdefault(key, []).append(activity.key)
    for party in _judged(graph, receivers.keys() | listed.keys()):
        if party.joint_arrangement.strip():
            continue
        if party.key in listed:
            why = f"is named a joint controller in {_in(listed[party.key])}"
        elif party.role is m.PartyRole.JOINT_CONTROLLER:
            why = f"is a joint controller receiving data in {_in(receivers[party.key])}"
        else:
            continue
        yield Hit(
            entity("party", party.key),
            f"{party.name} {why}, but no Art 26 arrangement is recorded",
        )


@rule("PARTY-ROLE-UNDETERMINED")
def party_role_undetermined(check: Check) -> Iterator[Hit]:
    graph = check.graph
    receivers = check.facts.receivers
    for party in _judged(graph, receivers):
        if party.role is None:
            yield Hit(
                entity("party", party.key),
                f"{party.name} receives data in {_in(receivers[party.key])}, but whether it is "
                "a processor, a controller or an authority is not recorded",
            )
