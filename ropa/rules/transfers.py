"""Transfers outside the EEA, computed from the graph.

Undeclared transfers, and missing, invalid or ill-fitting mechanisms.
"""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
from ropa.facts import FlowFacts, Role, Zone
from ropa.graph import RegistryGraph
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

US = "US"
DPF = "eu_us_dpf"
ADEQUACY = "adequacy_decision"
COMPELLING_INTERESTS = "derogation_compelling_legitimate_interests"
SYSTEMATIC = {m.TransferFrequency.RECURRING, m.TransferFrequency.CONTINUOUS}
SCC_MODULES = {
    (Role.CONTROLLER, Role.CONTROLLER): 1,
    (Role.CONTROLLER, Role.PROCESSOR): 2,
    (Role.PROCESSOR, Role.PROCESSOR): 3,
    (Role.PROCESSOR, Role.CONTROLLER): 4,
}


# --- what the rules share ----------------------------------------------------------------


def _declared(check: Check) -> Iterator[tuple[FlowFacts, m.Transfer]]:
    """Judged flows that carry a transfer object (an undeclared one has nothing more to judge)."""
    for flow in check.facts.judged_flows:
        if flow.transfer is not None:
            yield flow, flow.transfer


def _country(graph: RegistryGraph, code: str) -> str:
    found = graph.vocab.countries.get(code)
    return f"{found.name} ({code})" if found else code


def _named(mechanism: TransferMechanism) -> str:
    return f"`{mechanism.key}` ({mechanism.title})"


def _to(graph: RegistryGraph, flow: FlowFacts) -> str:
    return graph.name_of(flow.flow.target)


# --- rules --------------------------------------------------------------------------------


@rule("ART30-1E-TRANSFER-UNDECLARED")
def transfer_undeclared(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow in check.facts.judged_flows:
        if flow.undeclared and flow.destination:
            yield Hit(
                entity("flow", flow.key),
                f"sends data from {graph.name_of(flow.flow.source)} to {_to(graph, flow)} "
                f"in {_country(graph, flow.destination)}, outside the EEA, but records no "
                "transfer",
            )


@rule("ART30-1E-TRANSFER-DESTINATION-MISSING")
def transfer_destination_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        if transfer.destination_country or flow.international_organisation:
            continue
        country = flow.target_country
        where = f" (the target sits in {_country(graph, country)})" if country else ""
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {_to(graph, flow)} names neither a destination country nor "
            f"an international organisation{where}",
        )


@rule("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED")
def art49_safeguards_undocumented(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        if (
            transfer.mechanism == COMPELLING_INTERESTS
            and not transfer.derogation_documentation.strip()
        ):
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {_to(graph, flow)} relies on compelling legitimate "
                f"interests (`{COMPELLING_INTERESTS}`) without the documented assessment and "
                "safeguards",
            )


@rule("TRANSFER-MISSING-MECHANISM")
def transfer_missing_mechanism(check: Check) -> Iterator[Hit]:
    """Only declared transfers: an undeclared one is ART30-1E-TRANSFER-UNDECLARED's to report."""
    graph = check.graph
    for flow, transfer in _declared(check):
        if transfer.mechanism:
            continue
        where = f" in {_country(graph, flow.destination)}" if flow.destination else ""
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {_to(graph, flow)}{where} names no Art 45, 46 or 49 mechanism",
        )


@rule("TRANSFER-INVALID-MECHANISM")
def transfer_invalid_mechanism(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, _ in _declared(check):
        mechanism = flow.mechanism
        if mechanism is None:
            continue
        day = flow.day
        if flow.mechanism_valid:
            # An invalidated tool always carries the date it fell; without one, it never held.
            if mechanism.family != "invalidated" or mechanism.valid_until is not None:
                continue
            why = "has been invalidated"
        elif mechanism.valid_from is not None and day < mechanism.valid_from:
            why = f"is valid only from {mechanism.valid_from.isoformat()}"
        elif mechanism.valid_until is not None:
            why = f"stopped being valid on {mechanism.valid_until.isoformat()}"
        else:
            why = "is not valid"
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {_to(graph, flow)} relies on {_named(mechanism)}, which "
            f"{why}; judged on {day.isoformat()}",
        )


@rule("TRANSFER-ADEQUACY-NOT-APPLICABLE")
def transfer_adequacy_not_applicable(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        country = flow.destination
        where = _country(graph, country) if country else flow.international_organisation
        if not where:
            continue  # ART30-1E-TRANSFER-DESTINATION-MISSING reports it
        if transfer.mechanism == DPF:
            if country != US:
                yield Hit(
                    entity("flow", flow.key),
                    f"transfer to {_to(graph, flow)} relies on the EU-US Data Privacy "
                    f"Framework (`{DPF}`), which covers only the United States, but the data goes "
                    f"to {where}",
                )
            continue
        if flow.zone == Zone.EEA:
            continue  # inside the EEA no adequacy decision is needed
        if flow.decision is not None:
            continue
        known = "; ".join(_period(decision) for decision in flow.decisions)
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {_to(graph, flow)} relies on an adequacy decision "
            f"(`{ADEQUACY}`), but none is in force for {where} on {flow.day.isoformat()}"
            + (f" ({known})" if known else ""),
        )


def _period(decision: AdequacyDecision) -> str:
    name = f"decision {decision.decision}" if decision.decision else f"`{decision.key}`"
    start = f" adopted {decision.adopted.isoformat()}" if decision.adopted else ""
    end = f", until {decision.valid_until.isoformat()}" if decision.valid_until else ""
    return name + start + end


@rule("TRANSFER-DPF-NOT-CERTIFIED")
def transfer_dpf_not_certified(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        if not (
            transfer.mechanism == DPF or (transfer.mechanism == ADEQUACY and flow.destination == US)
        ):
            continue
        importer = flow.importer
        if importer is None:
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {_to(graph, flow)} relies on the EU-US Data Privacy "
                "Framework, but no importing party is recorded whose certification could be "
                "checked",
            )
        elif importer.dpf is None:
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {_to(graph, flow)} relies on the EU-US Data Privacy "
                f"Framework, but {importer.name} (party `{importer.key}`) has no recorded "
                "DPF certification",
            )
        elif not importer.dpf.certified:
            checked = (
                f" (checked {importer.dpf.checked_on.isoformat()})"
                if importer.dpf.checked_on
                else ""
            )
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {_to(graph, flow)} relies on the EU-US Data Privacy "
                f"Framework, but {importer.name} (party `{importer.key}`) is recorded as not "
                f"certified{checked}",
            )


@rule("TRANSFER-ADEQUACY-SCOPE")
def transfer_adequacy_scope(check: Check) -> Iterator[Hit]:
    """Partial decisions that a certification cannot settle (the DPF is checked on its own)."""
    graph = check.graph
    for flow, transfer in _declared(check):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        country = flow.destination
        if not country or (transfer.mechanism == DPF and country != US):
            continue
        decision = flow.decision
        if decision is None or decision.scope != "partial" or decision.requires_certification:
            continue
        name = f"decision {decision.decision}" if decision.decision else "decision"
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {_to(graph, flow)} in {_country(graph, country)} relies on "
            f"adequacy {name}, which covers only part of the country: "
            f'"{decision.scope_note}"',
        )


@rule("TRANSFER-TIA-MISSING")
def transfer_tia_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        mechanism = flow.mechanism
        if mechanism is not None and mechanism.requires_tia and not transfer.tia_reference.strip():
            where = f" in {_country(graph, flow.destination)}" if flow.destination else ""
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {_to(graph, flow)}{where} relies on {_named(mechanism)} "
                "without a transfer impact assessment",
            )


@rule("TRANSFER-SCC-MODULE-MISMATCH")
def transfer_scc_module_mismatch(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        mechanism = flow.mechanism
        if mechanism is None or not mechanism.has_scc_modules:
            continue
        exporter, importer = flow.exporter_role, flow.importer_role
        expected = SCC_MODULES.get((exporter, importer)) if exporter and importer else None
        roles = (
            f"{graph.name_of(flow.flow.source)} ({exporter}) sends to "
            f"{_to(graph, flow)} ({importer})"
        )
        if transfer.scc_module is None:
            hint = f"; {roles}, so module {expected} applies" if expected else ""
            yield Hit(
                entity("flow", flow.key),
                f"transfer relies on {_named(mechanism)} without naming the SCC module{hint}",
            )
        elif expected is not None and transfer.scc_module != expected:
            yield Hit(
                entity("flow", flow.key),
                f"transfer uses SCC module {transfer.scc_module}, but {roles}: module "
                f"{expected} applies",
            )


@rule("TRANSFER-DEROGATION-SYSTEMATIC")
def transfer_derogation_systematic(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(check):
        mechanism = flow.mechanism
        if (
            mechanism is not None
            and not mechanism.repetitive_allowed
            and transfer.frequency in SYSTEMATIC
        ):
            yield Hit(
                entity("flow", flow.key),
                f"{transfer.frequency} transfer to {_to(graph, flow)} relies on "
                f"{_named(mechanism)}, a derogation meant for occasional transfers",
            )
