"""Organisation-wide statements the record contradicts ("we do not share your data" while
processors receive it; "we do not transfer data outside the EEA" while transfers exist).

Denial phrases are data (``schema/vocabulary/statement_phrases.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ropa.domain import model as m
from ropa.rules import wording
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule

PROCESSORS = {m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR}
LIMIT = 5


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LIMIT])
    return shown + (f" and {len(names) - LIMIT} more" if len(names) > LIMIT else "")


@rule("STATEMENT-CONTRADICTS-RECORD", organisation=True)
def statement_contradicts_record(check: Check) -> Iterator[Hit]:
    facts = check.facts
    graph = check.graph
    for key, organisation in graph.organisations.items():
        said = organisation.statements
        if said is None:
            continue
        own = set(facts.organisations[key].activities)
        scope = wording.sharing_denial(said.sharing)
        if scope is not None:
            receiving = [
                party
                for party_key, party in graph.parties.items()
                if any(a in own for a in facts.receivers.get(party_key, ()))
                and (scope == "anyone" or party.role not in PROCESSORS)
            ]
            if receiving:
                whom = "anyone" if scope == "anyone" else "third parties"
                yield Hit(
                    entity("organisation", key),
                    f'the sharing statement "{said.sharing.strip()}" says data goes to no '
                    f"{whom}, but the record shows it going to "
                    + _listed([f"{p.name} (`{p.key}`)" for p in receiving]),
                    detail="sharing",
                )
        denial = wording.transfer_denial(said.transfers)
        if denial is not None:
            transfers = [
                flow.key
                for flow in facts.judged_flows
                if flow.flow.activity in own and flow.is_transfer
            ]
            if transfers:
                yield Hit(
                    entity("organisation", key),
                    f'the transfer statement "{said.transfers.strip()}" denies transfers outside '
                    "the EEA, but the record shows them on flow "
                    + _listed([f"`{f}`" for f in transfers]),
                    detail="transfers",
                )


@rule("TRANSFER-STATEMENT-UNSAFEGUARDED")
def transfer_statement_unsafeguarded(check: Check) -> Iterator[Hit]:
    """A statement such as "your data may be transferred across borders": judged once on the
    organisation, and on each activity that relies on it for its transfers."""
    graph = check.graph
    unsafeguarded: set[str] = set()
    for key, organisation in graph.organisations.items():
        said = organisation.statements
        if said is None or not wording.admits_transfers_without_safeguard(said.transfers):
            continue
        unsafeguarded.add(key)
        yield Hit(
            entity("organisation", key),
            f'the transfer statement "{said.transfers.strip()}" admits transfers abroad but names '
            "no safeguard (adequacy decision, standard contractual clauses, binding corporate "
            "rules or an Art 49 derogation) and no country",
        )
    for activity in check.facts.judged_activities:
        if activity.organisation not in unsafeguarded:
            continue
        if check.facts.statements[entity("activity", activity.key)].transfers.inherited:
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} relies on the organisation-wide transfer statement, which names "
                "neither the countries nor a safeguard",
            )
