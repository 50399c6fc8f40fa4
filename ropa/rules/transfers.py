"""Transfers outside the EEA, computed from the graph.

Undeclared transfers, and missing, invalid or ill-fitting mechanisms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
from ropa.graph import RegistryGraph
from ropa.rules.common import entity, judged_flows, outside_eea
from ropa.rules.engine import Check, Hit, rule

US = "US"
DPF = "eu_us_dpf"
ADEQUACY = "adequacy_decision"
COMPELLING_INTERESTS = "derogation_compelling_legitimate_interests"
SYSTEMATIC = {m.TransferFrequency.RECURRING, m.TransferFrequency.CONTINUOUS}

CONTROLLER = "controller"
PROCESSOR = "processor"
_ROLES = {
    m.PartyRole.PROCESSOR: PROCESSOR,
    m.PartyRole.SUB_PROCESSOR: PROCESSOR,
    m.PartyRole.INDEPENDENT_CONTROLLER: CONTROLLER,
    m.PartyRole.JOINT_CONTROLLER: CONTROLLER,
    m.PartyRole.AUTHORITY: CONTROLLER,
}
PROCESSOR_ROLES = {m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR}
SCC_MODULES = {
    (CONTROLLER, CONTROLLER): 1,
    (CONTROLLER, PROCESSOR): 2,
    (PROCESSOR, PROCESSOR): 3,
    (PROCESSOR, CONTROLLER): 4,
}


# --- what the rules share ----------------------------------------------------------------


def _judged_flows(graph: RegistryGraph) -> list[m.Flow]:
    """Flows of activities that are not retired."""
    return judged_flows(graph)


def _declared(graph: RegistryGraph) -> Iterator[tuple[m.Flow, m.Transfer]]:
    """Judged flows that carry a transfer object (an undeclared one has nothing more to judge)."""
    for flow in _judged_flows(graph):
        if flow.transfer is not None:
            yield flow, flow.transfer


def _mechanism(graph: RegistryGraph, transfer: m.Transfer) -> TransferMechanism | None:
    return graph.vocab.transfer_mechanisms.get(transfer.mechanism or "")


def _day(check: Check, transfer: m.Transfer) -> dt.date:
    """Transfers are ongoing: judged on the check's day, or from when they start if later."""
    if transfer.since is not None and transfer.since > check.on:
        return transfer.since
    return check.on


def _destination(graph: RegistryGraph, flow: m.Flow, transfer: m.Transfer) -> str | None:
    """The destination country: the declared one, else the target's unless the transfer names
    an international organisation instead."""
    if transfer.destination_country or transfer.international_organisation.strip():
        return transfer.destination_country
    return graph.country_of(flow.target)


def _country(graph: RegistryGraph, code: str) -> str:
    found = graph.vocab.countries.get(code)
    return f"{found.name} ({code})" if found else code


def _named(mechanism: TransferMechanism) -> str:
    return f"`{mechanism.key}` ({mechanism.title})"


def _decisions(
    graph: RegistryGraph, country: str | None, organisation: str = ""
) -> list[AdequacyDecision]:
    """Adequacy decisions for a country, or for an international organisation by name."""
    wanted = organisation.strip().casefold()
    return [
        decision
        for decision in graph.vocab.adequacy_decisions.values()
        if (country and decision.country == country)
        or (not country and wanted and (decision.organisation or "").casefold() == wanted)
    ]


def _in_force(decisions: list[AdequacyDecision], day: dt.date) -> AdequacyDecision | None:
    return next((decision for decision in decisions if decision.in_force_on(day)), None)


def _importer(graph: RegistryGraph, node: str) -> m.Party | None:
    """The party that receives the data: the target party, or the operator of a target system."""
    endpoint = graph.endpoint(node)
    if isinstance(endpoint, m.System):
        return graph.parties.get(endpoint.operator or "")
    return endpoint


def _exporter_role(graph: RegistryGraph, flow: m.Flow) -> str | None:
    """Controller for the organisation's own systems; a sending party's role otherwise.

    One exception: a system run by a processor that sends to a sub-processor that processor
    engaged (a SaaS mailing through its own vendor) is the processor exporting, module 3.
    """
    endpoint = graph.endpoint(flow.source)
    if isinstance(endpoint, m.System):
        operator = graph.parties.get(endpoint.operator or "")
        importer = _importer(graph, flow.target)
        if (
            operator is not None
            and operator.role in PROCESSOR_ROLES
            and importer is not None
            and importer.sub_processor_of == operator.key
        ):
            return PROCESSOR
        return CONTROLLER
    return _ROLES.get(endpoint.role) if endpoint is not None and endpoint.role else None


def _importer_role(graph: RegistryGraph, node: str) -> str | None:
    party = _importer(graph, node)
    return _ROLES.get(party.role) if party is not None and party.role else None


# --- rules --------------------------------------------------------------------------------


@rule("ART30-1E-TRANSFER-UNDECLARED")
def transfer_undeclared(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow in _judged_flows(graph):
        country = graph.country_of(flow.target)
        if flow.transfer is None and country and outside_eea(graph, country):
            yield Hit(
                entity("flow", flow.key),
                f"sends data from {graph.name_of(flow.source)} to {graph.name_of(flow.target)} "
                f"in {_country(graph, country)}, outside the EEA, but records no transfer",
            )


@rule("ART30-1E-TRANSFER-DESTINATION-MISSING")
def transfer_destination_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        if transfer.destination_country or transfer.international_organisation.strip():
            continue
        country = graph.country_of(flow.target)
        where = f" (the target sits in {_country(graph, country)})" if country else ""
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {graph.name_of(flow.target)} names neither a destination country nor "
            f"an international organisation{where}",
        )


@rule("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED")
def art49_safeguards_undocumented(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        if (
            transfer.mechanism == COMPELLING_INTERESTS
            and not transfer.derogation_documentation.strip()
        ):
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {graph.name_of(flow.target)} relies on compelling legitimate "
                f"interests (`{COMPELLING_INTERESTS}`) without the documented assessment and "
                "safeguards",
            )


@rule("TRANSFER-MISSING-MECHANISM")
def transfer_missing_mechanism(check: Check) -> Iterator[Hit]:
    """Only declared transfers: an undeclared one is ART30-1E-TRANSFER-UNDECLARED's to report."""
    graph = check.graph
    for flow, transfer in _declared(graph):
        if transfer.mechanism:
            continue
        country = _destination(graph, flow, transfer)
        where = f" in {_country(graph, country)}" if country else ""
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {graph.name_of(flow.target)}{where} names no Art 45, 46 or 49 mechanism",
        )


@rule("TRANSFER-INVALID-MECHANISM")
def transfer_invalid_mechanism(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        mechanism = _mechanism(graph, transfer)
        if mechanism is None:
            continue
        day = _day(check, transfer)
        if mechanism.valid_on(day):
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
            f"transfer to {graph.name_of(flow.target)} relies on {_named(mechanism)}, which "
            f"{why}; judged on {day.isoformat()}",
        )


@rule("TRANSFER-ADEQUACY-NOT-APPLICABLE")
def transfer_adequacy_not_applicable(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        country = _destination(graph, flow, transfer)
        organisation = "" if country else transfer.international_organisation.strip()
        where = _country(graph, country) if country else organisation
        if not where:
            continue  # ART30-1E-TRANSFER-DESTINATION-MISSING reports it
        if transfer.mechanism == DPF:
            if country != US:
                yield Hit(
                    entity("flow", flow.key),
                    f"transfer to {graph.name_of(flow.target)} relies on the EU-US Data Privacy "
                    f"Framework (`{DPF}`), which covers only the United States, but the data goes "
                    f"to {where}",
                )
            continue
        if country and graph.vocab.is_eea(country):
            continue  # inside the EEA no adequacy decision is needed
        day = _day(check, transfer)
        decisions = _decisions(graph, country, organisation)
        if _in_force(decisions, day) is not None:
            continue
        known = "; ".join(_period(decision) for decision in decisions)
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {graph.name_of(flow.target)} relies on an adequacy decision "
            f"(`{ADEQUACY}`), but none is in force for {where} on {day.isoformat()}"
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
    for flow, transfer in _declared(graph):
        if not (
            transfer.mechanism == DPF
            or (transfer.mechanism == ADEQUACY and _destination(graph, flow, transfer) == US)
        ):
            continue
        importer = _importer(graph, flow.target)
        if importer is None:
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {graph.name_of(flow.target)} relies on the EU-US Data Privacy "
                "Framework, but no importing party is recorded whose certification could be "
                "checked",
            )
        elif importer.dpf is None:
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {graph.name_of(flow.target)} relies on the EU-US Data Privacy "
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
                f"transfer to {graph.name_of(flow.target)} relies on the EU-US Data Privacy "
                f"Framework, but {importer.name} (party `{importer.key}`) is recorded as not "
                f"certified{checked}",
            )


@rule("TRANSFER-ADEQUACY-SCOPE")
def transfer_adequacy_scope(check: Check) -> Iterator[Hit]:
    """Partial decisions that a certification cannot settle (the DPF is checked on its own)."""
    graph = check.graph
    for flow, transfer in _declared(graph):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        country = _destination(graph, flow, transfer)
        if not country or (transfer.mechanism == DPF and country != US):
            continue
        decision = _in_force(_decisions(graph, country), _day(check, transfer))
        if decision is None or decision.scope != "partial" or decision.requires_certification:
            continue
        name = f"decision {decision.decision}" if decision.decision else "decision"
        yield Hit(
            entity("flow", flow.key),
            f"transfer to {graph.name_of(flow.target)} in {_country(graph, country)} relies on "
            f"adequacy {name}, which covers only part of the country: "
            f'"{decision.scope_note}"',
        )


@rule("TRANSFER-TIA-MISSING")
def transfer_tia_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        mechanism = _mechanism(graph, transfer)
        if mechanism is not None and mechanism.requires_tia and not transfer.tia_reference.strip():
            country = _destination(graph, flow, transfer)
            where = f" in {_country(graph, country)}" if country else ""
            yield Hit(
                entity("flow", flow.key),
                f"transfer to {graph.name_of(flow.target)}{where} relies on {_named(mechanism)} "
                "without a transfer impact assessment",
            )


@rule("TRANSFER-SCC-MODULE-MISMATCH")
def transfer_scc_module_mismatch(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for flow, transfer in _declared(graph):
        mechanism = _mechanism(graph, transfer)
        if mechanism is None or not mechanism.has_scc_modules:
            continue
        exporter = _exporter_role(graph, flow)
        importer = _importer_role(graph, flow.target)
        expected = SCC_MODULES.get((exporter or "", importer or ""))
        roles = (
            f"{graph.name_of(flow.source)} ({exporter}) sends to "
            f"{graph.name_of(flow.target)} ({importer})"
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
    for flow, transfer in _declared(graph):
        mechanism = _mechanism(graph, transfer)
        if (
            mechanism is not None
            and not mechanism.repetitive_allowed
            and transfer.frequency in SYSTEMATIC
        ):
            yield Hit(
                entity("flow", flow.key),
                f"{transfer.frequency} transfer to {graph.name_of(flow.target)} relies on "
                f"{_named(mechanism)}, a derogation meant for occasional transfers",
            )
