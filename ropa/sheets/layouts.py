"""Layouts as data (``schema/sheet-layouts/*.yaml``), and recognising one from a sheet's headings.

Headings match loosely: case, accents, punctuation and word order aside, through rapidfuzz's
token-set ratio, so "Purposes of the processing" still finds "Purpose of processing". Each column
goes to at most one field and each field takes at most one column, best scores first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec
import yaml
from rapidfuzz import fuzz, process

from ropa.domain.vocabulary import schema_dir
from ropa.sheets.errors import SheetError
from ropa.sheets.fields import CONTACT_ROLES, DERIVED, FIELDS, IDENTIFYING
from ropa.sheets.reader import Grid

MATCH = 88.0
"""A heading scoring this much (of 100) is taken as the field's without a word in the report."""
LOW = 72.0
"""From this score up to ``MATCH`` a heading is taken, and reported as a low-confidence match."""
SCAN_ROWS = 40
"""How far down a sheet its heading row is looked for (notes above the table are skipped)."""


class TableLayout(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    rows: Literal[
        "organisation",
        "activities",
        "processor_records",
        "transfers",
        "parties",
        "retention",
        "ignored",
    ]
    form: Literal["table", "labels"] = "table"
    sheets: list[str] = []
    columns: dict[str, list[str]]
    contact_block: dict[str, list[str]] = {}


class Layout(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    name: str
    title: str = ""
    language: str = "en"
    tables: list[TableLayout]


def layouts_dir() -> Path:
    return schema_dir() / "sheet-layouts"


def parse_layout(raw: bytes | str, source: str = "mapping") -> Layout:
    """A layout from YAML text; SheetError naming what is wrong."""
    try:
        layout = msgspec.convert(yaml.safe_load(raw), Layout)
    except (yaml.YAMLError, msgspec.ValidationError) as error:
        raise SheetError(f"{source}: not a sheet layout: {error}") from None
    for table in layout.tables:
        unknown = sorted(set(table.columns) - FIELDS[table.rows] - {DERIVED})
        if unknown:
            known = ", ".join(sorted(FIELDS[table.rows]))
            raise SheetError(
                f"{source}: rows of {table.rows} have no field {', '.join(unknown)}; known: {known}"
            )
        roles = sorted(set(table.contact_block) - CONTACT_ROLES)
        if roles:
            raise SheetError(f"{source}: unknown contact_block rows {', '.join(roles)}")
    return layout


@functools.cache
def builtin_layouts() -> tuple[Layout, ...]:
    folder = layouts_dir()
    return tuple(
        parse_layout(path.read_bytes(), path.name)
        for path in sorted(folder.glob("*.yaml"))
        if not path.name.startswith("_")
    )


@functools.lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """Lower case, no accents or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^\w]+", " ", plain).strip()


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    field: str
    heading: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """A table recognised on a grid: its layout, the heading row and each column's field."""

    layout: Layout
    table: TableLayout
    grid: Grid
    header: int
    """Zero-based heading row (for ``labels`` form: -1)."""
    columns: tuple[Column, ...]
    score: float

    def field_columns(self) -> dict[str, Column]:
        return {c.field: c for c in self.columns}


MAX_HEADING = 300
"""Longer text is no heading: it is not scored."""


def score(heading: str, alias: str) -> float:
    if len(heading) > MAX_HEADING:
        return 0.0
    a, b = norm(heading), norm(alias)
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    # token_set_ratio favours a heading whose words all appear in the alias; length decides
    # ties, so "Country" does not take "Country code".
    ratio = fuzz.ratio(a, b)
    tokens = fuzz.token_set_ratio(a, b) - 6 * abs(len(a.split()) - len(b.split()))
    return max(float(ratio), float(tokens))


_ALIASES: dict[int, tuple[TableLayout, list[str], list[str]]] = {}


def _aliases(table: TableLayout) -> tuple[list[str], list[str]]:
    """The table's headings, normalised, and the field each one names."""
    found = _ALIASES.get(id(table))
    if found is None or found[0] is not table:
        pairs = [(norm(a), name) for name, aliases in table.columns.items() for a in aliases]
        found = _ALIASES[id(table)] = (table, [p[0] for p in pairs], [p[1] for p in pairs])
    return found[1], found[2]


def assign(headings: list[tuple[int, str]], table: TableLayout) -> list[Column]:
    """Each heading to at most one field, and each field to one heading, best scores first."""
    normed, fields = _aliases(table)
    candidates: list[tuple[float, int, str, str]] = []
    for index, heading in headings:
        key = norm(heading)
        if not key or len(heading) > MAX_HEADING:
            continue
        # rapidfuzz finds the aliases near enough in C; only those are scored exactly.
        near = {
            i
            for _, _, i in process.extract(
                key, normed, scorer=fuzz.ratio, score_cutoff=LOW, limit=None
            )
        }
        near |= {
            i
            for _, _, i in process.extract(
                key, normed, scorer=fuzz.token_set_ratio, score_cutoff=LOW, limit=None
            )
        }
        best: dict[str, float] = {}
        for i in near:
            found = score(heading, normed[i])
            if found >= LOW and found > best.get(fields[i], 0.0):
                best[fields[i]] = found
        candidates.extend((found, index, name, heading) for name, found in best.items())
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken_columns: set[int] = set()
    taken_fields: set[str] = set()
    columns: list[Column] = []
    for value, index, field_name, heading in candidates:
        if index in taken_columns or (field_name in taken_fields and field_name != DERIVED):
            continue
        taken_columns.add(index)
        taken_fields.add(field_name)
        columns.append(Column(index, field_name, heading, value))
    return sorted(columns, key=lambda c: c.index)


def _table_fit(grid: Grid, layout: Layout, table: TableLayout) -> Match | None:
    hint = max((score(grid.name, s) for s in table.sheets), default=0.0) >= MATCH
    if table.form == "labels":
        headings = [
            (r, row[0])
            for r, row in enumerate(grid.rows[:SCAN_ROWS])
            if row and row[0].strip() and len(row[0]) <= MAX_HEADING
        ]
        columns = assign(headings, table)
        useful = [c for c in columns if c.field != DERIVED]
        if not useful or not hint:
            return None
        return Match(layout, table, grid, -1, tuple(columns), len(columns) + 5.0)
    best: Match | None = None
    for r, row in enumerate(grid.rows[:SCAN_ROWS]):
        headings = [
            (c, text) for c, text in enumerate(row) if text.strip() and len(text) <= MAX_HEADING
        ]
        if len(headings) < 2:
            continue
        columns = assign(headings, table)
        fields = {c.field for c in columns}
        needed = IDENTIFYING.get(table.rows, ())
        if len(columns) < 2 or (needed and not fields.intersection(needed)):
            continue
        total = sum(c.score for c in columns) / 100 + (3.0 if hint else 0.0)
        total -= 0.5 * (len(headings) - len(columns))
        if best is None or total > best.score:
            best = Match(layout, table, grid, r, tuple(columns), total)
    return best


def recognise(grid: Grid, layouts: tuple[Layout, ...]) -> Match | None:
    """The table of any layout that fits the grid best, or None."""
    best: Match | None = None
    for layout in layouts:
        for table in layout.tables:
            found = _table_fit(grid, layout, table)
            if found is not None and (best is None or found.score > best.score):
                best = found
    return best
