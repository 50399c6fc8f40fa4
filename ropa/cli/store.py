"""Store commands: migrate, import a registry document, export it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from ropa.cli._common import (
    Column,
    DatabaseOption,
    cli_actor,
    console,
    print_table,
    progress,
    read_bytes,
    run,
)
from ropa.input.document import parse_document
from ropa.input.dpv import is_jsonld, parse_dpv
from ropa.render.document import Format, dump_document, format_of
from ropa.services import Services
from ropa.services.documents import ImportReport
from ropa.store.engine import database_url, describe, make_engine


def migrate(database: DatabaseOption = None) -> None:
    """Create or upgrade the database tables."""
    from ropa.store.migrate import migrate as run_migrations

    engine = make_engine(database or database_url())
    message = asyncio.run(run_migrations(engine))
    console.print(message.strip() or "up to date")
    console.print(f"database: {describe(engine)}")


def print_report(report: ImportReport) -> None:
    print_table(
        [Column("collection", word=True)]
        + [Column(name, word=True, justify="right") for name in ("created", "updated")]
        + [Column(name, word=True, justify="right") for name in ("deleted", "unchanged")],
        (
            (
                collection,
                str(len(changes.created)),
                str(len(changes.updated)),
                str(len(changes.deleted)),
                str(changes.unchanged),
            )
            for collection, changes in report.changes.items()
            if changes.created or changes.updated or changes.deleted or changes.unchanged
        ),
        title="dry run: nothing written" if report.dry_run else "import",
        out=console,
    )
    if report.revision is not None:
        console.print(f"registry revision {report.revision}")
    elif not report.dry_run:
        console.print("the store already matches the document: nothing changed")


def import_document(
    path: Annotated[
        Path,
        typer.Argument(
            help="Registry document (.yaml, .yml or .json), or DPV JSON-LD (.jsonld); - for stdin."
        ),
    ],
    dry_run: Annotated[bool, typer.Option(help="Report what would change; write nothing.")] = False,
    prune: Annotated[
        bool, typer.Option(help="Delete what the document's organisations no longer list.")
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Import a registry document, all or nothing."""
    raw = read_bytes(path)
    fmt: Format = format_of(path.name)

    async def work(services: Services) -> ImportReport:
        with progress("importing") as update:
            update("parsing", 0, 1)
            document = parse_dpv(raw) if is_jsonld(path.name) else parse_document(raw, fmt)
            return await services.documents.import_document(
                document, dry_run=dry_run, prune=prune, progress=update, actor=cli_actor()
            )

    print_report(run(work, database))


def export_document(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's part of the registry.")
    ] = None,
    format: Annotated[
        str | None, typer.Option(help="yaml or json (default: from the file name, else yaml).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Export the registry document (YAML or JSON)."""
    fmt: Format = (
        "json" if (format or format_of(output.name if output else None)) == "json" else "yaml"
    )

    async def work(services: Services) -> bytes:
        with progress("exporting") as update:
            update("reading", 0, 1)
            document = await services.documents.export(organisation)
            update("writing", 1, 1)
            return dump_document(document, fmt)

    text = run(work, database)
    if output is None:
        sys.stdout.buffer.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(text)
        console.print(f"wrote {output} ({len(text):,} bytes)")
