"""Questions put to the graph: lineage of a data category, breach impact, erasure."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ropa.cli._common import (
    DatabaseOption,
    DocumentOption,
    FormatOption,
    OutputFormat,
    console,
    emit,
    judged,
)
from ropa.lineage import category_lineage, erasure_parties, party_impact

OrganisationOption = Annotated[str | None, typer.Option(help="Only this organisation.")]


def lineage(
    category: Annotated[str, typer.Argument(help="A data category, e.g. push_token.")],
    organisation: OrganisationOption = None,
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """Where a data category goes: systems and parties reached, countries, mechanisms."""
    graph = judged(document, database).graph
    if category not in graph.categories:
        console.print(f"no data category `{category}`")
        raise typer.Exit(2)
    result = category_lineage(graph, category, organisation)
    if output is OutputFormat.JSON:
        emit(result)
        return
    table = Table(title=f"{result.label} ({category}), declared by {len(result.declared_by)}")
    for column in ("node", "name", "country", "mechanisms", "activities"):
        table.add_column(column, overflow="fold")
    for entry in result.reached:
        country = (entry.country or "?") + (" (outside EEA)" if entry.outside_eea else "")
        table.add_row(
            entry.node,
            entry.name,
            country,
            ", ".join(entry.mechanisms),
            ", ".join(entry.activities),
        )
    Console().print(table)


def impact(
    party: Annotated[str, typer.Argument(help="The key of the breached party.")],
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """What a breach at a party exposes (Art 33 triage)."""
    graph = judged(document, database).graph
    if party not in graph.parties:
        console.print(f"no party with key `{party}`")
        raise typer.Exit(2)
    result = party_impact(graph, party)
    if output is OutputFormat.JSON:
        emit(result)
        return
    out = Console()
    out.print(f"[bold]{result.name}[/bold] ({party}): breach exposes")
    for name in (
        "activities",
        "data_categories",
        "special_categories",
        "data_subjects",
        "countries",
        "exposed_nodes",
    ):
        values = getattr(result, name)
        out.print(f"  {name.replace('_', ' ')}: {', '.join(values) or '-'}")


def erasure(
    data_subject: Annotated[str, typer.Argument(help="A data-subject category, e.g. app_users.")],
    organisation: OrganisationOption = None,
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """Which parties must act on an erasure request from a category of data subjects."""
    graph = judged(document, database).graph
    if data_subject not in graph.subject_categories:
        console.print(f"no data-subject category `{data_subject}`")
        raise typer.Exit(2)
    result = erasure_parties(graph, data_subject, organisation)
    if output is OutputFormat.JSON:
        emit(result)
        return
    table = Table(title=f"erasure for {data_subject}: {len(result.activities)} activities")
    for column in ("party", "name", "role", "country", "contact", "via", "activities"):
        table.add_column(column, overflow="fold")
    for entry in result.parties:
        table.add_row(
            entry.party,
            entry.name,
            entry.role or "?",
            entry.country or "?",
            entry.email,
            entry.via,
            ", ".join(entry.activities),
        )
    Console().print(table)
