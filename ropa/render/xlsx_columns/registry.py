"""The registries profiles name: row sources, column extractors, contact lines, notes, lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
)

Extractor = Callable[[Context, Any], str]
RowSource = Callable[[Context, "m.Activity | None"], Iterable[Any]]

ROWS: dict[str, RowSource] = {}
COLUMNS: dict[str, dict[str, Extractor]] = defaultdict(dict)
CONTACTS: dict[str, Callable[[Context], tuple[str, str, str, str]]] = {}
NOTES: dict[str, Callable[[Context], str]] = {}
LISTS: dict[str, Callable[[Context], list[str]]] = {}

ACTIVITY_BOUND = ("transfers", "transfer_groups", "retention")
"""Row sources whose rows carry an ``activity``: they may name any activity extractor too."""
ALIASES = {"transfer_groups": "transfers"}
"""Row sources whose rows are of another source's kind, and take its columns."""


def rows(name: str) -> Callable[[RowSource], RowSource]:
    def register(function: RowSource) -> RowSource:
        ROWS[name] = function
        return function

    return register


def column(source: str, name: str | None = None) -> Callable[[Extractor], Extractor]:
    def register(function: Extractor) -> Extractor:
        COLUMNS[source][name or function.__name__.removeprefix("_")] = function
        return function

    return register


def extractor(source: str, name: str) -> Extractor | None:
    """The extractor a profile names for a column of rows from ``source`` (None if unknown)."""
    found = COLUMNS.get(ALIASES.get(source, source), {}).get(name)
    if found is None and source in ACTIVITY_BOUND:
        of_activity = COLUMNS["activities"].get(name)
        if of_activity is not None:
            return lambda ctx, row: of_activity(ctx, row.activity)
    return found


def extractor_names(source: str) -> list[str]:
    names = set(COLUMNS.get(ALIASES.get(source, source), {}))
    if source in ACTIVITY_BOUND:
        names |= set(COLUMNS["activities"])
    return sorted(names)
