"""`ropa notice` writes an organisation's privacy notice from the registry; `ropa notice-check`
checks a published notice against it, as `ropa validate` checks the registry."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ropa.cli._common import DatabaseOption, OnOption, console, emit, fail, judged, read_bytes
from ropa.cli.validate import FAILING, FailOn, LintFormat
from ropa.notice import build, reading, render, words
from ropa.render import lint
from ropa.services.notice import checked

DocumentOption = Annotated[
    Path | None,
    typer.Option("--document", help="Use this registry document instead of the store."),
]
OrganisationOption = Annotated[
    str | None, typer.Option(help="The organisation (needed when there are several).")
]
AsOfOption = Annotated[
    int | None, typer.Option("--as-of", min=1, help="The store as it stood at this revision.")
]


def notice(
    organisation: OrganisationOption = None,
    language: Annotated[str, typer.Option(help="en, de or fr.")] = "en",
    fmt: Annotated[str, typer.Option("--format", help="md, html or pdf.")] = "md",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    document: DocumentOption = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write the Art 13/14 privacy notice from the registry; each gap is marked in it."""
    if fmt not in render.FORMATS:
        fail(f"unknown format {fmt!r}; expected one of {', '.join(render.FORMATS)}")
    if language not in words.LANGUAGES:
        fail(f"unknown language {language!r}; expected one of {', '.join(words.LANGUAGES)}")
    if fmt == "pdf" and output is None and sys.stdout.isatty():
        fail("a PDF goes to a file: name one with --output")
    judgement = judged(document, database, as_of=as_of, on=on.date() if on else None)
    try:
        written = build.build_notice(
            judgement.facts,
            judgement.findings,
            organisation,
            language,
            judgement.revision if document is None else None,
        )
    except build.UnknownOrganisation as error:
        fail(str(error))
    content = render.render(written, fmt)
    if output is None:
        sys.stdout.buffer.write(content)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(content)
    console.print(f"wrote {output} ({len(content):,} bytes)", markup=False, highlight=False)


def notice_check(
    file: Annotated[Path, typer.Argument(help="The published notice: text, Markdown or HTML.")],
    organisation: OrganisationOption = None,
    notice_format: Annotated[
        str | None,
        typer.Option("--notice-format", help="text, md or html (default: by name and content)."),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option(help="Exit 1 when gaps at or above this severity are found.")
    ] = FailOn.ERROR,
    output: Annotated[
        LintFormat, typer.Option("--format", help="text, json, sarif (SARIF 2.1.0) or github.")
    ] = LintFormat.TEXT,
    document: DocumentOption = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
) -> None:
    """Check a published notice against the registry: what it does not disclose, and what it
    says that the registry contradicts.

    Exit codes: 0 clean, 1 gaps at the --fail-on threshold, 2 a usage or input error.
    """
    try:
        read = reading.read_published(read_bytes(file), notice_format, file.name)
    except reading.UnreadableNotice as error:
        fail(f"{file}: {error}")
    judgement = judged(document, database, as_of=as_of, on=on.date() if on else None)
    try:
        result = checked(read, judgement.facts, organisation)
    except build.UnknownOrganisation as error:
        fail(str(error))
    found = result.findings
    located = result.located(str(file))
    if output is LintFormat.SARIF:
        emit(lint.sarif(located, words.checks()))
    elif output is LintFormat.JSON:
        emit(result.as_json(file=str(file)))
    elif output is LintFormat.GITHUB:
        for line in lint.github(located):
            print(line)
    else:
        out = Console(highlight=False, soft_wrap=True)
        for printed in lint.text_lines(located):
            out.print(printed)
        out.print(f"{len(found)} gaps in {file} against `{result.organisation}`", markup=False)
    failing = FAILING[fail_on]
    if any(str(f.severity) in failing for f in found):
        raise typer.Exit(1)
