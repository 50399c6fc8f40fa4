"""One table row: its cells by field, and the ledger entries for what became of them."""

from __future__ import annotations

from ropa.sheets.fields import DERIVED
from ropa.sheets.layouts import MATCH, Match
from ropa.sheets.reader import cell_ref
from ropa.sheets.report import Ledger


class Row:
    """The cells of row ``r`` of a recognised table, by the field each column was read as."""

    def __init__(self, match: Match, r: int, ledger: Ledger) -> None:
        self.match = match
        self.r = r
        self.ledger = ledger
        self.sheet = match.grid.name
        cells = match.grid.rows[r]
        self.fields: dict[str, tuple[int, str]] = {}
        self.others: list[tuple[int, str]] = []
        self.read: set[str] = set()
        mapped = {c.index: c for c in match.columns}
        for index, text in enumerate(cells):
            if not text.strip():
                continue
            column = mapped.get(index)
            if column is None:
                self.others.append((index, text))
            elif column.field == DERIVED:
                ledger.mark(self.sheet, r, index, "derived")
            else:
                self.fields[column.field] = (index, text)

    def has(self, field: str) -> bool:
        return field in self.fields

    def text(self, field: str) -> str:
        """The cell's text (marked as read), or ''."""
        found = self.fields.get(field)
        if found is None:
            return ""
        self.read.add(field)
        self.ledger.mark(self.sheet, self.r, found[0], "mapped")
        return found[1].strip()

    def ref(self, field: str) -> str:
        found = self.fields.get(field)
        return cell_ref(self.r, found[0]) if found else ""

    def doubt(self, field: str, confidence: float, action: str) -> None:
        """Report a value read from the field's cell by a guess under ``MATCH``."""
        found = self.fields.get(field)
        if found is not None and confidence < MATCH:
            self.ledger.note(
                self.sheet, self.r, found[0], found[1], "low_confidence", action, confidence
            )

    def keep(self, field: str, notes: list[str], why: str) -> None:
        """Keep the field's text verbatim in the entry's notes."""
        found = self.fields.get(field)
        self.read.add(field)
        if found is None:
            return
        heading = next((c.heading for c in self.match.columns if c.index == found[0]), field)
        notes.append(f"{heading}: {found[1].strip()}")
        self.ledger.note(self.sheet, self.r, found[0], found[1], "kept_in_notes", why)

    def skip(self, field: str, why: str) -> None:
        found = self.fields.get(field)
        self.read.add(field)
        if found is not None:
            self.ledger.note(self.sheet, self.r, found[0], found[1], "not_mapped", why)

    def derived(self, field: str) -> None:
        found = self.fields.get(field)
        self.read.add(field)
        if found is not None:
            self.ledger.mark(self.sheet, self.r, found[0], "derived")

    def close(self) -> None:
        """Cells of fields the reader did not use: saying nothing counts as read; anything
        else is reported."""
        from ropa.sheets.text import nothing

        for field, (index, text) in self.fields.items():
            if field in self.read:
                continue
            if nothing(text) is not None:
                self.ledger.mark(self.sheet, self.r, index, "mapped")
            else:
                self.ledger.note(
                    self.sheet,
                    self.r,
                    index,
                    text,
                    "not_mapped",
                    f"read as {field}, which this row cannot use",
                )

    def keep_others(self, notes: list[str]) -> None:
        """Columns of no field: kept in the entry's notes under their heading."""
        header = self.match.grid.rows[self.match.header] if self.match.header >= 0 else []
        for index, text in self.others:
            heading = header[index].strip() if index < len(header) else ""
            notes.append(f"{heading or cell_ref(self.match.header, index)}: {text.strip()}")
            self.ledger.note(
                self.sheet,
                self.r,
                index,
                text,
                "kept_in_notes",
                "column of no known heading: kept in the entry's notes",
            )
