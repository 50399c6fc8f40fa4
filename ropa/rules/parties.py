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


@rule("PROCESSOR-WITHOUT-DPA", party=True)
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


def _how_engaged(check: Check, key: str) -> str:
    """How a sub-processor holds data, from the facts (``Facts.sub_processors``)."""
    graph = check.graph
    engagement = check.facts.sub_processors[key]
    how = []
    if engagement.receives:
        how.append(f"receives data in {_in(engagement.receives)}")
    if engagement.engaged_by is not None:
        engaging = graph.parties[engagement.engaged_by]
        how.append(f"is engaged by {engaging.name} (party `{engaging.key}`)")
    if engagement.records:
        records = ", ".join(f"`{r}`" for r in engagement.records)
        how.append(f"is listed on processor record {records}")
    return " and ".join(how)


@rule("SUBPROCESSOR-UNAUTHORISED", party=True)
def subprocessor_unauthorised(check: Check) -> Iterator[Hit]:
    """Also sub-processors that only get data through the party engaging them, however deep,
    and those a processor record lists."""
    for party in _judged(check.graph, check.facts.sub_processors):
        if party.sub_processor_authorisation.strip():
            continue
        yield Hit(
            entity("party", party.key),
            f"{party.name}, a sub-processor, {_how_engaged(check, party.key)}, but no "
            "authorisation by the controller is recorded",
        )


@rule("SUBPROCESSOR-NO-FLOWDOWN", party=True)
def subprocessor_no_flowdown(check: Check) -> Iterator[Hit]:
    for party in _judged(check.graph, check.facts.sub_processors):
        if party.flow_down.strip():
            continue
        yield Hit(
            entity("party", party.key),
            f"{party.name}, a sub-processor, {_how_engaged(check, party.key)}, but no contract "
            "passing the processor's Art 28 obligations on to it is recorded",
        )


@rule("JOINT-CONTROLLER-WITHOUT-ARRANGEMENT", party=True)
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


@rule("PARTY-ROLE-UNDETERMINED", party=True)
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
