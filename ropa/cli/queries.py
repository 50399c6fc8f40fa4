"""Questions put to the graph: lineage of a data category, breach impact, erasure."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ropa.cli._common import (
    Column,
    DatabaseOption,
    DocumentOption,
    FormatOption,
    OutputFormat,
    emit,
    fail,
    judged,
    print_table,
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
    facts = judged(document, database).facts
    if category not in facts.graph.categories:
        fail(f"no data category `{category}`")
    result = category_lineage(facts, category, organisation)
    if output is OutputFormat.JSON:
        emit(result)
        return
    print_table(
        [
            Column("node", word=True),
            Column("name"),
            Column("country"),
            Column("mechanisms"),
            Column("activities"),
        ],
        (
            (
                entry.node,
                entry.name,
                (entry.country or "?") + (" (outside EEA)" if entry.outside_eea else ""),
                ", ".join(entry.mechanisms),
                ", ".join(entry.activities),
            )
            for entry in result.reached
        ),
        title=f"{result.label} ({category}), declared by {len(result.declared_by)}",
    )


def impact(
    party: Annotated[str, typer.Argument(help="The key of the breached party.")],
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """What a breach at a party exposes (Art 33 triage)."""
    facts = judged(document, database).facts
    if party not in facts.graph.parties:
        fail(f"no party with key `{party}`")
    result = party_impact(facts, party)
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
    facts = judged(document, database).facts
    if data_subject not in facts.graph.subject_categories:
        fail(f"no data-subject category `{data_subject}`")
    result = erasure_parties(facts, data_subject, organisation)
    if output is OutputFormat.JSON:
        emit(result)
        return
    print_table(
        [
            Column("party", word=True),
            Column("name"),
            Column("role", word=True),
            Column("country", word=True),
            Column("contact", word=True),
            Column("via"),
            Column("activities"),
        ],
        (
            (
                entry.party,
                entry.name,
                entry.role or "?",
                entry.country or "?",
                entry.email,
                entry.via,
                ", ".join(entry.activities),
            )
            for entry in result.parties
        ),
        title=f"erasure for {data_subject}: {len(result.activities)} activities",
    )
