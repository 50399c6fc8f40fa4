"""Importing a record kept as a spreadsheet (xlsx, ods, csv): the ICO template, a CNIL
register, ropa's own workbooks, or any sheet with a mapping file.

``read_sheet(raw, kind, vocab)`` gives the registry document the sheet describes and a report
of what became of every non-empty cell; the document then goes through the normal import (a
dry run first, all or nothing).
"""

from __future__ import annotations

from ropa.domain.vocabulary import Vocabularies
from ropa.sheets.build import SheetImport, build
from ropa.sheets.errors import SheetError, SheetTooLarge, UnsupportedSheet
from ropa.sheets.layouts import Layout, parse_layout
from ropa.sheets.reader import MAX_BYTES, Kind, kind_of, read_grids
from ropa.sheets.report import Note, SheetReport

__all__ = [
    "MAX_BYTES",
    "Kind",
    "Layout",
    "Note",
    "SheetError",
    "SheetImport",
    "SheetReport",
    "SheetTooLarge",
    "UnsupportedSheet",
    "kind_of",
    "parse_layout",
    "read_sheet",
]


def read_sheet(
    raw: bytes,
    kind: Kind,
    vocab: Vocabularies,
    *,
    mapping: Layout | None = None,
    organisation: str | None = None,
    organisation_name: str | None = None,
) -> SheetImport:
    """The registry document a spreadsheet describes, with the report; SheetError when the
    file is refused."""
    grids = read_grids(raw, kind)
    return build(
        grids,
        vocab,
        mapping=mapping,
        organisation=organisation,
        organisation_name=organisation_name,
    )
