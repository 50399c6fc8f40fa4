"""The catalogue and the domain reference's rule table (§9.1) agree, rule by rule.

Every rule of the table is catalogued under its id or listed in schema/rule-reference.yaml
with the reason it is not; every catalogued rule the table does not name is listed there with
what it rests on; where both name a rule, they give it the same severity.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ropa.domain.vocabulary import schema_dir
from ropa.rules import catalogue

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "domain" / "gdpr-article-30.md"
SEVERITY = {"E": "error", "W": "warning", "I": "info"}


def _table() -> dict[str, tuple[str, str]]:
    """Rule id -> (severity, alias) from the reference's §9.1 table."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index("### 9.1 Rules") : text.index("### 9.2")]
    rows = re.findall(r"^\| ([A-Z0-9-]+)(?: \(([A-Z0-9-]+)\))? \| ([EWI]) \|", section, re.M)
    assert len(rows) > 50, "the reference's rule table was not found"
    return {rule: (SEVERITY[severity], alias) for rule, alias, severity in rows}


def _mapping() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = yaml.safe_load(
        (schema_dir() / "rule-reference.yaml").read_text(encoding="utf-8")
    )
    return loaded


pytestmark = pytest.mark.skipif(
    not REFERENCE.exists(), reason=f"the domain reference is not beside the checkout ({REFERENCE})"
)


def test_every_rule_of_the_reference_is_catalogued_or_explained() -> None:
    catalogued = set(catalogue())
    table = _table()
    missing = {
        rule
        for rule, (_, alias) in table.items()
        if rule not in catalogued and alias not in catalogued
    }
    assert missing == set(_mapping()["not_catalogued"])


def test_every_catalogued_rule_beyond_the_table_says_what_it_rests_on() -> None:
    table = _table()
    named = set(table) | {alias for _, alias in table.values() if alias}
    beyond = {rule for rule in catalogue() if rule not in named}
    explained = _mapping()["beyond_the_table"]
    assert beyond == set(explained)
    assert all(reason.strip() for reason in explained.values())


def test_severities_agree_where_both_name_a_rule() -> None:
    rules = catalogue()
    differ = {
        rule: (severity, str(rules[rule].severity))
        for rule, (severity, _) in _table().items()
        if rule in rules and str(rules[rule].severity) != severity
    }
    assert differ == {}
