"""Every catalogued rule has a table row that makes it fire and a near twin that keeps it silent."""

from __future__ import annotations

from types import ModuleType

from ropa.rules import catalogue
from tests.unit.rules import (
    test_article30,
    test_dpia,
    test_eprivacy,
    test_integrity,
    test_lawful_basis,
    test_parties,
    test_processors,
    test_retention,
    test_statements,
    test_transfers,
    test_vagueness,
    test_waivers,
)

THEMES: tuple[ModuleType, ...] = (
    test_article30,
    test_dpia,
    test_eprivacy,
    test_integrity,
    test_lawful_basis,
    test_parties,
    test_processors,
    test_retention,
    test_statements,
    test_transfers,
    test_vagueness,
    test_waivers,
)


def _rows() -> tuple[set[str], set[str]]:
    """Rules with a firing row, and rules with a silent row, across every theme's table."""
    fires: set[str] = set()
    silent: set[str] = set()
    for module in THEMES:
        fires |= {p.values[0] for p in getattr(module, "FIRES", ())}
        silent |= {p.values[0] for p in getattr(module, "SILENT", ())}
        for table in ("ROWS", "CASES"):
            for param in getattr(module, table, ()):
                rule, expected = param.values[0], param.values[-1]
                (fires if expected else silent).add(rule)
    return fires, silent


def test_every_rule_fires_on_a_row_and_is_silent_on_a_twin() -> None:
    fires, silent = _rows()
    rules = set(catalogue())
    assert rules - fires == set(), "rules without a row that makes them fire"
    assert rules - silent == set(), "rules without a near twin that keeps them silent"
