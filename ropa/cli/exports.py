"""Export commands for regulators and architects: the Article 30 workbook, diagrams, and the
registry as DPV JSON-LD for other tools."""

from __future__ import annotations

import datetime as dt
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


OrganisationOption = Annotated[
    str | None, typer.Option(help="The organisation (needed when there are several).")
]
ProfileOption = Annotated[str, typer.Option(help="Layout: ico, cnil or de.")]
EditionOption = Annotated[
    str,
    typer.Option(
        help="regulator (names, no keys, findings or waivers) or internal (the DPO's copy)."
    ),
]


def _export_record(
    fmt: str,
    organisation: str | None,
    profile: str,
    edition: str,
    output: Path | None,
    on: dt.datetime | None,
    database: str | None,
) -> None:
    day = on.date() if on is not None else None

    async def work(services: Services) -> Rendered:
        render = services.exports.workbook if fmt == "xlsx" else services.exports.record_pdf
        try:
            return await render(organisation=organisation, profile=profile, on=day, edition=edition)
        except xlsx.WorkbookError as error:
            raise ServiceError(str(error)) from error

    write_file(output, run(work, database))


def export_xlsx(
    organisation: OrganisationOption = None,
    profile: ProfileOption = "ico",
    edition: EditionOption = "regulator",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export the Article 30 workbook for a regulator (or, --edition internal, for the DPO)."""
    _export_record("xlsx", organisation, profile, edition, output, on, database)


def export_pdf(
    organisation: OrganisationOption = None,
    profile: ProfileOption = "ico",
    edition: EditionOption = "regulator",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export the Article 30 record as a PDF, laid out by the same profile as the workbook."""
    _export_record("pdf", organisation, profile, edition, output, on, database)


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


def export_dpv(
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's part of the registry.")
    ] = None,
    output: OutputOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export the registry as JSON-LD in the W3C Data Privacy Vocabulary (DPV), for other tools."""

    async def work(services: Services) -> Rendered:
        return await services.queries.dpv(organisation)

    write_file(output, run(work, database))
