"""`ropa validate`: judge the registry (the store or a document) and report its findings."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ropa.cli._common import DatabaseOption, FormatOption, OnOption, OutputFormat, emit, judged
from ropa.services.findings import FindingsReport, report


class FailOn(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


FAILING = {
    FailOn.ERROR: {"error"},
    FailOn.WARNING: {"error", "warning"},
    FailOn.INFO: {"error", "warning", "info"},
    FailOn.NEVER: set(),
}


def validate(
    document: Annotated[
        Path | None,
        typer.Argument(help="A registry document to judge; without it, the store is judged."),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option(help="Exit 1 when open findings at or above this severity exist.")
    ] = FailOn.ERROR,
    output: FormatOption = OutputFormat.TEXT,
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Check the registry for completeness and legality; exit 1 on findings at the threshold."""
    judgement = judged(document, database, on=on.date() if on else None)
    result = report(
        judgement.graph,
        judgement.findings,
        on=judgement.day,
        revision=judgement.revision,
        organisation=organisation,
    )
    if output is OutputFormat.JSON:
        emit(result)
    else:
        _print_findings(result)
    failing = FAILING[fail_on]
    if any(not f.waived and str(f.severity) in failing for f in result.findings):
        raise typer.Exit(1)


def _print_findings(result: FindingsReport) -> None:
    out = Console()
    table = Table(show_lines=False, title=f"findings on {result.on.isoformat()}")
    for column in ("severity", "rule", "entity", "message"):
        table.add_column(column, overflow="fold")
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    for finding in result.findings:
        severity = str(finding.severity)
        label = f"[{colours[severity]}]{severity}[/]"
        message = finding.message
        if finding.waiver is not None:
            state = "expired" if finding.waiver.expired else "waived"
            message += (
                f" ({state} {finding.waiver.expires_on.isoformat()}: {finding.waiver.reason})"
            )
            if finding.waived:
                label = f"[dim]{severity} (waived)[/]"
        table.add_row(label, finding.rule, finding.entity, message)
    out.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items())
    out.print(f"{len(result.findings)} findings: {counts}")
    for key, score in sorted(result.scores.organisations.items()):
        out.print(f"completeness of {key}: {score.score}%")
