"""`ropa import-sheet`: a record kept as a spreadsheet, through the normal import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import msgspec
import typer

from ropa.cli._common import (
    Column,
    DatabaseOption,
    cli_actor,
    console,
    fail,
    print_table,
    read_bytes,
    run,
)
from ropa.cli.store import print_report
from ropa.services import Services
from ropa.sheets import SheetError, kind_of, parse_layout
from ropa.sheets.service import SheetImporter, SheetImportReport


def import_sheet(
    path: Annotated[Path, typer.Argument(help="The spreadsheet: .xlsx, .ods or .csv.")],
    dry_run: Annotated[bool, typer.Option(help="Report what would change; write nothing.")] = False,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A layout file for a sheet no built-in layout knows (see "
            "schema/sheet-layouts/ico.yaml)."
        ),
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="The organisation's key (default: from the sheet).")
    ] = None,
    organisation_name: Annotated[
        str | None, typer.Option(help="The organisation's name (default: from the sheet).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the full cell report here as JSON.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Import a record kept as a spreadsheet (ICO template, CNIL register, ropa's workbook)."""
    raw = read_bytes(path)
    try:
        kind = kind_of(path.name)
        layout = parse_layout(read_bytes(mapping), mapping.name) if mapping else None
    except SheetError as error:
        fail(str(error))

    async def work(services: Services) -> SheetImportReport:
        return await SheetImporter(services.documents).import_sheet(
            raw,
            kind,
            mapping=layout,
            organisation=organisation,
            organisation_name=organisation_name,
            dry_run=dry_run,
            actor=cli_actor(),
        )

    try:
        found = run(work, database)
    except SheetError as error:
        fail(f"{path}: {error}")
    sheet = found.sheet
    counts = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in sheet.outcomes.items()
    )
    console.print(f"{sheet.cells} non-empty cells: {counts}")
    if sheet.notes:
        print_table(
            [Column("sheet"), Column("cell"), Column("text"), Column("what was done")],
            ((n.sheet, n.cell, n.text[:80], n.action) for n in sheet.notes),
            title="cells to check",
            out=console,
        )
    if report is not None:
        report.write_bytes(msgspec.json.format(msgspec.json.encode(found), indent=2))
        console.print(f"wrote {report}")
    print_report(found.result)
