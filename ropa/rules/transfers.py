"""Transfers out of a regime's territory (Chapter V), judged on the derived transfer facts.

Every transfer the facts find is judged here the same way, whatever it comes from: a flow, a
party that holds data with no flow carrying it there (implied), or a processor record's
recorded transfer; and under each regime the organisation answers to (EU GDPR, UK GDPR).
Undeclared transfers, and missing, invalid or ill-fitting mechanisms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ropa.domain import model as m
from ropa.domain.vocabulary import AdequacyDecision, TransferMechanism
from ropa.facts import Regime, Role, TransferFacts, TransferKind, Zone
from ropa.graph import RegistryGraph
from ropa.rules.engine import Check, Hit, rule

US = "US"
DPF = "eu_us_dpf"
ADEQUACY = "adequacy_decision"
COMPELLING_INTERESTS = "derogation_compelling_legitimate_interests"
SYSTEMATIC = {m.TransferFrequency.RECURRING, m.TransferFrequency.CONTINUOUS}
DPF_CHECK_DAYS = 365
"""A DPF certification is renewed yearly: a check older than this is stale."""
SCC_MODULES = {
    (Role.CONTROLLER, Role.CONTROLLER): 1,
    (Role.CONTROLLER, Role.PROCESSOR): 2,
    (Role.PROCESSOR, Role.PROCESSOR): 3,
    (Role.PROCESSOR, Role.CONTROLLER): 4,
}
TERRITORY = {Regime.EU_GDPR: "the EEA", Regime.UK_GDPR: "the UK"}
REGIME_NAME = {Regime.EU_GDPR: "the EU GDPR", Regime.UK_GDPR: "the UK GDPR"}


# --- what the rules share ----------------------------------------------------------------


def _declared(check: Check) -> list[tuple[TransferFacts, m.Transfer]]:
    """Transfers to judge that carry a transfer record (an undeclared one has nothing more to
    judge): flows' and processor records'."""
    return check.facts.transfers_recorded


def _hit(found: TransferFacts, message: str) -> Hit:
    subject = (
        f"activity:{found.activity}"
        if found.activity is not None
        else f"processor_record:{found.processor_record}"
    )
    return Hit(found.entity, message, found.detail, subject)


def _country(graph: RegistryGraph, code: str) -> str:
    found = graph.vocab.countries.get(code)
    return f"{found.name} ({code})" if found else code


def _named(mechanism: TransferMechanism) -> str:
    return f"`{mechanism.key}` ({mechanism.title})"


def _to(graph: RegistryGraph, found: TransferFacts) -> str:
    """Who receives the data, as messages name it (with the regime when it is not the EU's)."""
    if found.kind == TransferKind.PROCESSOR_RECORD:
        who = found.importer.name if found.importer is not None else "an unnamed recipient"
        number = found.detail.split("-")[1]
        name = f"{who} (transfer {number} of processor record `{found.processor_record}`)"
    else:
        name = graph.name_of(found.target or "")
    return name + (" under the UK GDPR" if found.regime == Regime.UK_GDPR else "")


def _where(graph: RegistryGraph, found: TransferFacts) -> str:
    if found.international_organisation:
        return f"{found.international_organisation}, an international organisation"
    return _country(graph, found.destination) if found.destination else ""


def _relies_on_dpf(found: TransferFacts, transfer: m.Transfer) -> bool:
    return transfer.mechanism == DPF or (
        transfer.mechanism == ADEQUACY
        and found.destination == US
        and not found.international_organisation
    )


# --- undeclared transfers -------------------------------------------------------------------


@rule("ART30-1E-TRANSFER-UNDECLARED")
def transfer_undeclared(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found in check.facts.transfers_judged:
        if found.kind != TransferKind.FLOW or found.transfer is not None:
            continue
        where = _where(graph, found)
        if not where:
            continue
        yield _hit(
            found,
            f"sends data from {graph.name_of(found.source or '')} to {_to(graph, found)} "
            f"in {where}, outside {TERRITORY[found.regime]}, but records no transfer",
        )


@rule("ART30-1E-TRANSFER-UNMODELLED")
def transfer_unmodelled(check: Check) -> Iterator[Hit]:
    """A party outside the territory holds the data, but no flow (or recorded transfer)
    carries it there: a recipient without a flow, remote access or SaaS run from a third
    country, a sub-processor down a chain."""
    graph = check.graph
    for found in check.facts.transfers_judged:
        if found.kind != TransferKind.IMPLIED or found.importer is None:
            continue
        party = found.importer
        how = ", ".join(found.via)
        where = _where(graph, found)
        if found.activity is not None:
            whose = f"activity `{found.activity}`"
            missing = "no flow to it records a transfer"
        else:
            whose = f"processor record `{found.processor_record}`"
            missing = "the record lists no transfer to it"
        regime = " under the UK GDPR" if found.regime == Regime.UK_GDPR else ""
        yield _hit(
            found,
            f"{party.name} in {where}, outside {TERRITORY[found.regime]}, holds the data of "
            f"{whose} ({how}), but {missing}{regime}",
        )


# --- what a recorded transfer must say -------------------------------------------------------


@rule("ART30-1E-TRANSFER-DESTINATION-MISSING")
def transfer_destination_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        if transfer.destination_country or found.international_organisation:
            continue
        country = found.destination if found.kind == TransferKind.PROCESSOR_RECORD else None
        if found.kind == TransferKind.FLOW and found.target:
            country = graph.country_of(found.target)
        where = f" (the importer sits in {_country(graph, country)})" if country else ""
        yield _hit(
            found,
            f"transfer to {_to(graph, found)} names neither a destination country nor "
            f"an international organisation{where}",
        )


@rule("ART30-1E-ART49-SAFEGUARDS-UNDOCUMENTED")
def art49_safeguards_undocumented(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        if (
            transfer.mechanism == COMPELLING_INTERESTS
            and not transfer.derogation_documentation.strip()
        ):
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} relies on compelling legitimate "
                f"interests (`{COMPELLING_INTERESTS}`) without the documented assessment and "
                "safeguards",
            )


@rule("TRANSFER-MISSING-MECHANISM")
def transfer_missing_mechanism(check: Check) -> Iterator[Hit]:
    """Only declared transfers: an undeclared one is ART30-1E-TRANSFER-UNDECLARED's to report."""
    graph = check.graph
    for found, transfer in _declared(check):
        if transfer.mechanism:
            continue
        where = f" in {_country(graph, found.destination)}" if found.destination else ""
        yield _hit(
            found, f"transfer to {_to(graph, found)}{where} names no Art 45, 46 or 49 mechanism"
        )


# --- is the mechanism valid, and does it fit ---------------------------------------------------


@rule("TRANSFER-INVALID-MECHANISM")
def transfer_invalid_mechanism(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, _ in _declared(check):
        mechanism = found.mechanism
        if mechanism is None:
            continue
        day = found.day
        period = mechanism.period(found.regime)
        if found.mechanism_valid:
            # An invalidated tool always carries the date it fell; without one, it never held.
            if mechanism.family != "invalidated" or period.valid_until is not None:
                continue
            why = "has been invalidated"
        elif str(found.regime) not in mechanism.regimes:
            why = f"is not a transfer tool for exports under {REGIME_NAME[found.regime]}"
            if mechanism.key == "scc_2021" and found.regime == Regime.UK_GDPR:
                why += " without the UK Addendum (`uk_addendum`)"
        elif period.valid_from is not None and day < period.valid_from:
            why = f"is valid only from {period.valid_from.isoformat()}"
        elif period.valid_until is not None and day >= period.valid_until:
            why = f"stopped being valid on {period.valid_until.isoformat()}"
        else:
            fallen = _fallen_decision(graph, mechanism, found.regime, day)
            why = f"fell with {_period(fallen)}" if fallen is not None else "is not valid"
        yield _hit(
            found,
            f"transfer to {_to(graph, found)} relies on {_named(mechanism)}, which "
            f"{why}; judged on {day.isoformat()}",
        )


def _fallen_decision(
    graph: RegistryGraph, mechanism: TransferMechanism, regime: Regime, day: dt.date
) -> AdequacyDecision | None:
    """The adequacy decision a framework mechanism rests on, when it is not in force."""
    return next(
        (
            d
            for d in graph.vocab.adequacy_decisions.values()
            if d.framework == mechanism.key and d.regime == regime and not d.in_force_on(day)
        ),
        None,
    )


@rule("TRANSFER-PREDATES-MECHANISM")
def transfer_predates_mechanism(check: Check) -> Iterator[Hit]:
    """A transfer recorded as running since before its mechanism existed had no valid ground
    for that time (e.g. the 2021 SCCs relied on since 2019)."""
    graph = check.graph
    for found, transfer in _declared(check):
        mechanism = found.mechanism
        if mechanism is None or transfer.since is None:
            continue
        start = mechanism.period(found.regime).valid_from
        if start is not None and transfer.since < start:
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} is recorded since "
                f"{transfer.since.isoformat()}, but relies on {_named(mechanism)}, valid only "
                f"from {start.isoformat()}",
            )


@rule("TRANSFER-ADEQUACY-NOT-APPLICABLE")
def transfer_adequacy_not_applicable(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        where = _where(graph, found)
        if not where:
            continue  # ART30-1E-TRANSFER-DESTINATION-MISSING reports it
        if transfer.mechanism == DPF:
            if found.destination != US or found.international_organisation:
                yield _hit(
                    found,
                    f"transfer to {_to(graph, found)} relies on the EU-US Data Privacy "
                    f"Framework (`{DPF}`), which covers only the United States, but the data "
                    f"goes to {where}",
                )
            continue
        if found.zone in (Zone.EEA, Zone.DOMESTIC):
            continue  # inside the territory no adequacy decision is needed
        if found.decision is not None:
            continue
        known = "; ".join(_period(decision) for decision in found.decisions)
        under = "" if found.regime == Regime.EU_GDPR else f" under {REGIME_NAME[found.regime]}"
        yield _hit(
            found,
            f"transfer to {_to(graph, found)} relies on an adequacy decision "
            f"(`{ADEQUACY}`), but none is in force{under} for {where} on "
            f"{found.day.isoformat()}" + (f" ({known})" if known else ""),
        )


def _period(decision: AdequacyDecision) -> str:
    name = f"decision {decision.decision}" if decision.decision else f"`{decision.key}`"
    start = f" adopted {decision.adopted.isoformat()}" if decision.adopted else ""
    end = f", until {decision.valid_until.isoformat()}" if decision.valid_until else ""
    return name + start + end


@rule("TRANSFER-DPF-NOT-CERTIFIED")
def transfer_dpf_not_certified(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        if not _relies_on_dpf(found, transfer):
            continue
        importer = found.importer
        if importer is None:
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} relies on the EU-US Data Privacy "
                "Framework, but no importing party is recorded whose certification could be "
                "checked",
            )
        elif importer.dpf is None:
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} relies on the EU-US Data Privacy "
                f"Framework, but {importer.name} (party `{importer.key}`) has no recorded "
                "DPF certification",
            )
        elif not importer.dpf.certified:
            checked = (
                f" (checked {importer.dpf.checked_on.isoformat()})"
                if importer.dpf.checked_on
                else ""
            )
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} relies on the EU-US Data Privacy "
                f"Framework, but {importer.name} (party `{importer.key}`) is recorded as not "
                f"certified{checked}",
            )


@rule("TRANSFER-DPF-CHECK-STALE")
def transfer_dpf_check_stale(check: Check) -> Iterator[Hit]:
    """Certification is renewed yearly: a check more than a year old, or undated, proves
    nothing about today."""
    graph = check.graph
    for found, transfer in _declared(check):
        importer = found.importer
        if not _relies_on_dpf(found, transfer) or importer is None or importer.dpf is None:
            continue
        dpf = importer.dpf
        if not dpf.certified:
            continue  # TRANSFER-DPF-NOT-CERTIFIED reports it
        if dpf.checked_on is None:
            why = "records no date the DPF List was checked"
        elif (check.on - dpf.checked_on).days > DPF_CHECK_DAYS:
            why = (
                f"was last checked on the DPF List on {dpf.checked_on.isoformat()}, more than "
                f"a year before {check.on.isoformat()}"
            )
        else:
            continue
        yield _hit(
            found,
            f"transfer to {_to(graph, found)} relies on the EU-US Data Privacy Framework, "
            f"but the certification of {importer.name} (party `{importer.key}`) {why}",
        )


@rule("TRANSFER-DPF-HR-NOT-COVERED")
def transfer_dpf_hr_not_covered(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        importer = found.importer
        if (
            not found.hr_data
            or not _relies_on_dpf(found, transfer)
            or importer is None
            or importer.dpf is None
            or not importer.dpf.certified
            or importer.dpf.hr_data is True
        ):
            continue
        stated = "not covered" if importer.dpf.hr_data is False else "not recorded as covered"
        yield _hit(
            found,
            f"transfer of HR data to {_to(graph, found)} relies on the EU-US Data Privacy "
            f"Framework, but HR data is {stated} by the certification of {importer.name} "
            f"(party `{importer.key}`)",
        )


@rule("TRANSFER-ADEQUACY-SCOPE")
def transfer_adequacy_scope(check: Check) -> Iterator[Hit]:
    """Partial decisions that a certification cannot settle (the DPF is checked on its own)."""
    graph = check.graph
    for found, transfer in _declared(check):
        if transfer.mechanism not in (ADEQUACY, DPF):
            continue
        country = found.destination
        if not country or (transfer.mechanism == DPF and country != US):
            continue
        decision = found.decision
        if decision is None or decision.scope != "partial" or decision.requires_certification:
            continue
        name = f"decision {decision.decision}" if decision.decision else f"`{decision.key}`"
        yield _hit(
            found,
            f"transfer to {_to(graph, found)} in {_country(graph, country)} relies on "
            f"adequacy {name}, which covers only part of the country: "
            f'"{decision.scope_note}"',
        )


@rule("TRANSFER-TIA-MISSING")
def transfer_tia_missing(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        mechanism = found.mechanism
        if mechanism is not None and mechanism.requires_tia and not transfer.tia_reference.strip():
            where = f" in {_country(graph, found.destination)}" if found.destination else ""
            yield _hit(
                found,
                f"transfer to {_to(graph, found)}{where} relies on {_named(mechanism)} "
                "without a transfer impact assessment",
            )


@rule("TRANSFER-SCC-MODULE-MISMATCH")
def transfer_scc_module_mismatch(check: Check) -> Iterator[Hit]:
    graph = check.graph
    for found, transfer in _declared(check):
        mechanism = found.mechanism
        if mechanism is None or not mechanism.has_scc_modules:
            continue
        exporter, importer = found.exporter_role, found.importer_role
        expected = SCC_MODULES.get((exporter, importer)) if exporter and importer else None
        sender = graph.name_of(found.source) if found.source else "the processor"
        roles = f"{sender} ({exporter}) sends to {_to(graph, found)} ({importer})"
        if transfer.scc_module is None:
            hint = f"; {roles}, so module {expected} applies" if expected else ""
            yield _hit(
                found,
                f"transfer relies on {_named(mechanism)} without naming the SCC module{hint}",
            )
        elif expected is not None and transfer.scc_module != expected:
            yield _hit(
                found,
                f"transfer uses SCC module {transfer.scc_module}, but {roles}: module "
                f"{expected} applies",
            )


# --- Art 49 derogations ---------------------------------------------------------------------


@rule("TRANSFER-DEROGATION-SYSTEMATIC")
def transfer_derogation_systematic(check: Check) -> Iterator[Hit]:
    """Art 49(1)(a)-(g) used for recurring transfers; an unstated frequency is not systematic.
    The second subparagraph is TRANSFER-ART49-2-REPETITIVE's."""
    graph = check.graph
    for found, transfer in _declared(check):
        mechanism = found.mechanism
        if (
            mechanism is not None
            and mechanism.key != COMPELLING_INTERESTS
            and not mechanism.repetitive_allowed
            and transfer.frequency in SYSTEMATIC
        ):
            yield _hit(
                found,
                f"{transfer.frequency} transfer to {_to(graph, found)} relies on "
                f"{_named(mechanism)}, a derogation meant for occasional transfers",
            )


@rule("TRANSFER-ART49-2-REPETITIVE")
def transfer_art49_2_repetitive(check: Check) -> Iterator[Hit]:
    """The second subparagraph of Art 49(1) is available only for a transfer that is not
    repetitive: a recurring or continuous one has no ground at all."""
    graph = check.graph
    for found, transfer in _declared(check):
        if transfer.mechanism == COMPELLING_INTERESTS and transfer.frequency in SYSTEMATIC:
            yield _hit(
                found,
                f"{transfer.frequency} transfer to {_to(graph, found)} relies on compelling "
                f"legitimate interests (`{COMPELLING_INTERESTS}`), which Art 49(1) allows only "
                "for a transfer that is not repetitive",
            )


EXPIRY_HORIZON = dt.timedelta(days=365)


@rule("TRANSFER-DECISION-EXPIRING")
def transfer_decision_expiring(check: Check) -> Iterator[Hit]:
    """A transfer that rests on an adequacy decision (or the framework that is one) ending within
    a year of the day judged."""
    graph = check.graph
    for found, _transfer in _declared(check):
        decision = found.decision
        if found.mechanism is None or found.mechanism.family not in {"adequacy", "dpf"}:
            continue
        if decision is None or decision.valid_until is None:
            continue
        if found.day < decision.valid_until <= found.day + EXPIRY_HORIZON:
            instrument = f" ({decision.decision})" if decision.decision else ""
            yield _hit(
                found,
                f"transfer to {_to(graph, found)} relies on the adequacy decision{instrument}, "
                f"which ends on {decision.valid_until.isoformat()}",
            )
