"""Processing on behalf of a controller (Art 28, 30(2)): the processor's own record."""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule


@rule("PROCESSOR-RECORD-NO-CONTRACT")
def processor_record_no_contract(check: Check) -> Iterator[Hit]:
    for record in check.facts.judged_processor_records:
        contract = record.contract
        if contract is not None and contract.reference.strip():
            continue
        who = record.controller.name.strip() or "the controller"
        missing = "no contract is recorded" if contract is None else "its contract has no reference"
        yield Hit(
            entity("processor_record", record.key),
            f"processing on behalf of {who} (`{record.key}`): {missing}",
        )


@rule("PROCESSOR-RECORD-MISSING", organisation=True)
def processor_record_missing(check: Check) -> Iterator[Hit]:
    for key, organisation in check.graph.organisations.items():
        if organisation.role not in (m.OrganisationRole.PROCESSOR, m.OrganisationRole.BOTH):
            continue
        if not check.facts.organisations[key].processor_records:
            yield Hit(
                entity("organisation", key),
                f"{organisation.name.strip() or key} acts as a {organisation.role} but keeps no "
                "record of the processing it carries out on behalf of controllers",
            )
