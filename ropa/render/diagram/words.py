"""Transfers in words, for the diagrams and the map: mechanism titles and destination names.

Both read the vocabularies (``schema/vocabulary/transfer_mechanisms.yaml``, ``countries.yaml``)
through the derived facts, so an edge label and a map row say the same thing.
"""

from __future__ import annotations

import re

from ropa.facts import Facts, FlowFacts
from ropa.facts.geography import country_name

_DECISION = re.compile(r"\s*\((?:Decision|Decisions)\s+([^)]*)\)\s*$")


def mechanism_title(facts: Facts, flow: FlowFacts) -> str:
    """A transfer's mechanism in words: the vocabulary's title without the decision's number
    ("EU-US Data Privacy Framework"), the SCC year and module kept ("Standard contractual
    clauses (2021), module 2"); "undeclared transfer" or "no mechanism recorded" otherwise."""
    transfer = flow.transfer
    if transfer is None:
        return "undeclared transfer" if flow.leaves_eea else ""
    key = transfer.mechanism
    if not key:
        return "no mechanism recorded"
    entry = facts.graph.vocab.transfer_mechanisms.get(key)
    if entry is None:
        text = key
    else:
        text = entry.title
        found = _DECISION.search(text)
        if found:
            year = re.search(r"(\d{4})", found.group(1))
            keep_year = entry.has_scc_modules and year is not None
            text = text[: found.start()] + (f" ({year.group(1)})" if keep_year and year else "")
    if transfer.scc_module is not None:
        text += f", module {transfer.scc_module}"
    return text


def destination_name(facts: Facts, flow: FlowFacts) -> str:
    """Where a transfer goes in words: an international organisation by its name, wherever it
    sits (the derived facts judge it so), else the destination country's name; "" if unknown."""
    if flow.international_organisation:
        return flow.international_organisation
    return country_name(facts.graph.vocab, flow.destination)
