"""Export commands for regulators and architects: the Article 30 workbook and diagrams."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ropa.cli._common import DatabaseOption, OnOption, console, run
from ropa.render import xlsx
from ropa.render.dot import DiagramError
from ropa.services import Services
from ropa.services.errors import ServiceError
from ropa.services.exports import Rendered

OUT = Path("exports/out")

OutputOption = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="File to write (default: exports/out/<name>)."),
]


def write_file(output: Path | None, rendered: Rendered) -> None:
    target = output or OUT / rendered.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rendered.content)
    console.print(f"wrote {target} ({len(rendered.content):,} bytes, revision {rendered.revision})")


def export_xlsx(
    organisation: Annotated[
        str | None, typer.Option(help="The organisation (needed when there are several).")
    ] = None,
    profile: Annotated[str, typer.Option(help="Column layout: ico or cnil.")] = "ico",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export the Article 30 workbook for a regulator."""

    async def work(services: Services) -> Rendered:
        try:
            return await services.exports.workbook(
                organisation=organisation, profile=profile, on=on.date() if on else None
            )
        except xlsx.WorkbookError as error:
            raise ServiceError(str(error)) from error

    write_file(output, run(work, database))


def export_diagram(
    view: Annotated[str, typer.Argument(help="organisation, activity, category, party, transfers")],
    fmt: Annotated[str, typer.Option("--format", help="svg, png, pdf or dot.")] = "svg",
    organisation: Annotated[str | None, typer.Option()] = None,
    activity: Annotated[str | None, typer.Option(help="For the activity view.")] = None,
    category: Annotated[str | None, typer.Option(help="For the category view.")] = None,
    party: Annotated[str | None, typer.Option(help="For the party view.")] = None,
    detail: Annotated[str, typer.Option(help="full, party or cluster.")] = "full",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export a data-flow diagram for architects."""

    async def work(services: Services) -> Rendered:
        try:
            return await services.exports.diagram(
                view,
                fmt,
                organisation=organisation,
                activity=activity,
                category=category,
                party=party,
                detail=detail,
                on=on.date() if on else None,
            )
        except (DiagramError, ValueError, LookupError) as error:
            raise ServiceError(str(error)) from error

    write_file(output, run(work, database))
