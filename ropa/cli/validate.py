"""`ropa validate` judges the registry as a linter would; `ropa rules` explains the catalogue."""

from __future__ import annotations

import difflib
import enum
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console

from ropa.cli._common import (
    Column,
    DatabaseOption,
    FormatOption,
    OnOption,
    OutputFormat,
    console,
    emit,
    fail,
    judged,
    print_table,
    read_bytes,
)
from ropa.input.positions import source_map
from ropa.render import lint
from ropa.render.document import format_of
from ropa.rules import catalogue
from ropa.services.findings import report


class FailOn(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


class LintFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


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
    output: Annotated[
        LintFormat,
        typer.Option(
            "--format",
            help="text (FILE:LINE:COL lines), json, sarif (SARIF 2.1.0) or github (annotations).",
        ),
    ] = LintFormat.TEXT,
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    on: OnOption = None,
    as_of: Annotated[
        int | None,
        typer.Option("--as-of", min=1, help="Judge the store as it stood at this revision."),
    ] = None,
    remedies: Annotated[
        bool, typer.Option(help="In text, show each open finding's remedy on a second line.")
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Check the registry for completeness and legality, as a linter.

    Exit codes: 0 clean, 1 open findings at the --fail-on threshold, 2 a usage or document
    error.
    """
    if document is not None and as_of is not None:
        fail("--as-of judges the store at a revision; it does not apply to a document")
    judgement = judged(document, database, as_of=as_of, on=on.date() if on else None)
    result = report(
        judgement.facts,
        judgement.findings,
        revision=judgement.revision if document is None else None,
        organisation=organisation,
    )
    if document is None:
        located = lint.locate(result.findings, None, None)
    else:
        source = source_map(read_bytes(document), format_of(document.name))
        located = lint.locate(result.findings, str(document), source)

    if output is LintFormat.JSON:
        emit(lint.json_report(result, located))
    elif output is LintFormat.SARIF:
        emit(lint.sarif(located, catalogue()))
    elif output is LintFormat.GITHUB:
        for line in lint.github(located):
            print(line)
        for line in lint.summary(result):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    else:
        out = Console(highlight=False, soft_wrap=True)
        for text in lint.text_lines(located, remedies=remedies):
            out.print(text)
        for line in lint.summary(result):
            out.print(line, markup=False)

    failing = FAILING[fail_on]
    if any(not f.waived and str(f.severity) in failing for f in result.findings):
        raise typer.Exit(1)


def rules(
    rule_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[RULE-ID]",
            help="A rule to explain, e.g. ART30-1B-PURPOSE-MISSING; without it, the catalogue.",
        ),
    ] = None,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """List the rules ropa checks, or explain one: its article, severity, title and remedy."""
    known = catalogue()
    if rule_id is None:
        if output is OutputFormat.JSON:
            emit(list(known.values()))
            return
        print_table(
            [
                Column("rule", word=True),
                Column("severity", word=True),
                Column("article"),
                Column("title"),
            ],
            (
                (meta.id, str(meta.severity), meta.article, meta.title)
                for meta in sorted(known.values(), key=lambda r: (r.theme, r.id))
            ),
            title=f"{len(known)} rules",
        )
        return
    meta = known.get(rule_id.strip().upper())
    if meta is None:
        close = difflib.get_close_matches(rule_id.strip().upper(), known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `ropa rules` lists them"
        fail(f"no rule `{rule_id}`{hint}")
    if output is OutputFormat.JSON:
        emit(msgspec.to_builtins(meta))
        return
    out = Console(highlight=False)
    out.print(f"{meta.id}: {meta.title}", markup=False, soft_wrap=True)
    for label, value in (
        ("severity", str(meta.severity)),
        ("article", meta.article),
        ("theme", meta.theme),
        ("remedy", meta.remedy),
    ):
        out.print(f"  {label:<9}{value}", markup=False, soft_wrap=not out.is_terminal)
