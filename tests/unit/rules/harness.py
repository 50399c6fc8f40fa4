"""Building registries for rule tests: the clean baseline, changed in one place."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import build_graph
from ropa.input.document import convert
from ropa.rules import Finding, evaluate

ON = dt.date(2026, 11, 22)
CLEAN = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "fixtures" / "clean-registry.yaml").read_text()
)
Change = Callable[[dict[str, Any]], None]


def clean() -> dict[str, Any]:
    """A fresh copy of the clean registry as plain data, ready to change."""
    return copy.deepcopy(CLEAN)


def document(data: dict[str, Any]) -> m.RegistryDocument:
    return convert(data, m.RegistryDocument)


def findings(data: dict[str, Any], rule: str | None = None, on: dt.date = ON) -> list[Finding]:
    graph = build_graph(document(data), builtin())
    return evaluate(derive(graph, on), [rule] if rule else None)


def changed(*changes: Change) -> dict[str, Any]:
    data = clean()
    for change in changes:
        change(data)
    return data


def item(data: dict[str, Any], collection: str, key: str) -> dict[str, Any]:
    """The entry with this key in a collection of the plain registry data."""
    return next(e for e in data[collection] if e["key"] == key)
