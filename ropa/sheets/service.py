"""A spreadsheet through the normal import: read it off the event loop, then import the
document it describes (a dry run, or all or nothing)."""

from __future__ import annotations

import functools

import anyio.to_thread
import msgspec

from ropa.services.documents import DocumentService, ImportReport
from ropa.sheets import Kind, Layout, read_sheet
from ropa.sheets.report import SheetReport


class SheetImportReport(msgspec.Struct, kw_only=True):
    sheet: SheetReport
    """What became of every non-empty cell of the spreadsheet."""
    result: ImportReport
    """What the import of the document the spreadsheet describes changed (or would change)."""


class SheetImporter:
    def __init__(self, documents: DocumentService) -> None:
        self.documents = documents

    async def import_sheet(
        self,
        raw: bytes,
        kind: Kind,
        *,
        mapping: Layout | None = None,
        organisation: str | None = None,
        organisation_name: str | None = None,
        dry_run: bool = False,
        actor: str = "anonymous",
    ) -> SheetImportReport:
        """SheetError when the file is refused; InvalidInput when the document it describes
        does not import (nothing is written then)."""
        read = functools.partial(
            read_sheet,
            raw,
            kind,
            self.documents.vocab,
            mapping=mapping,
            organisation=organisation,
            organisation_name=organisation_name,
        )
        found = await anyio.to_thread.run_sync(read)
        result = await self.documents.import_document(
            found.document, dry_run=dry_run, prune=False, actor=actor, via="import-sheet"
        )
        return SheetImportReport(sheet=found.report, result=result)
