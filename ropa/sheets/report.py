"""The import report: what became of every non-empty cell."""

from __future__ import annotations

from collections import Counter

import msgspec

from ropa.sheets.reader import Grid, cell_ref

OUTCOMES = ("mapped", "heading", "derived", "low_confidence", "kept_in_notes", "not_mapped")
"""``mapped``: read into the registry; ``heading``: a heading or title of the layout;
``derived``: a column ropa works out from other facts; ``low_confidence``: read, but by a guess
the keeper should check; ``kept_in_notes``: kept verbatim in an entry's notes;
``not_mapped``: read into nothing (listed with the reason)."""
REPORTED = frozenset({"low_confidence", "kept_in_notes", "not_mapped"})


class Note(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One cell the keeper should look at."""

    sheet: str
    cell: str
    text: str
    outcome: str
    action: str
    """What the import did with it, in words."""
    confidence: int | None = None


class TableFound(msgspec.Struct, kw_only=True):
    sheet: str
    layout: str
    rows: str
    """What each row became: activities, parties, transfers, retention, ..."""
    heading_row: int
    columns: dict[str, str]
    """Heading -> field it was read as."""


class SheetReport(msgspec.Struct, kw_only=True):
    tables: list[TableFound]
    cells: int
    """Non-empty cells in the file."""
    outcomes: dict[str, int]
    """How many cells had each outcome; they add up to ``cells``."""
    notes: list[Note]
    """Every cell not mapped, kept in notes or mapped with low confidence."""


class Ledger:
    """Records one outcome per non-empty cell; a later, worse outcome replaces an earlier one."""

    _RANK = {name: i for i, name in enumerate(OUTCOMES)}

    def __init__(self, grids: list[Grid]) -> None:
        self.grids = grids
        self.outcome: dict[tuple[str, int, int], str] = {}
        self.notes: dict[tuple[str, int, int], Note] = {}

    def mark(self, sheet: str, row: int, column: int, outcome: str) -> None:
        key = (sheet, row, column)
        old = self.outcome.get(key)
        if old is None or self._RANK[outcome] > self._RANK[old]:
            self.outcome[key] = outcome

    def note(
        self,
        sheet: str,
        row: int,
        column: int,
        text: str,
        outcome: str,
        action: str,
        confidence: float | None = None,
    ) -> None:
        self.mark(sheet, row, column, outcome)
        key = (sheet, row, column)
        if self.outcome[key] != outcome:
            return
        earlier = self.notes.get(key)
        if earlier is not None and earlier.outcome == outcome and action not in earlier.action:
            action = f"{earlier.action}; {action}"
            if earlier.confidence is not None and confidence is not None:
                confidence = min(confidence, earlier.confidence)
        self.notes[key] = Note(
            sheet=sheet,
            cell=cell_ref(row, column),
            text=text[:500],
            outcome=outcome,
            action=action,
            confidence=None if confidence is None else round(confidence),
        )

    def report(self, tables: list[TableFound]) -> SheetReport:
        counts: Counter[str] = Counter()
        notes = []
        for grid in self.grids:
            for r, c, text in grid.cells():
                key = (grid.name, r, c)
                outcome = self.outcome.get(key)
                if outcome is None:
                    outcome = "not_mapped"
                    self.note(grid.name, r, c, text, outcome, "outside every table recognised")
                counts[outcome] += 1
                if outcome in REPORTED:
                    notes.append(self.notes[key])
        return SheetReport(
            tables=tables,
            cells=sum(counts.values()),
            outcomes={name: counts[name] for name in OUTCOMES if counts[name]},
            notes=notes,
        )
