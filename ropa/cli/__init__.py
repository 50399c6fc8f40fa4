"""The `ropa` command line: the typer app, assembled from one module per command group.

Each command is thin: it parses its options, makes one service call and prints. What they
share (running against the store, judging a registry, output helpers) is in ``_common``.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

import typer

from ropa.cli import exports, notice, queries, schema, serve, sheets, store, tokens, validate

# Rich help and error panels on a terminal; plain text, no box drawing, when piped.
MARKUP: Literal["rich"] | None = "rich" if sys.stderr.isatty() else None

app = typer.Typer(
    help="ropa: a registry of processing activities (GDPR Article 30) kept as a data-flow graph.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=MARKUP,
)

app.command()(store.migrate)
app.command("import")(store.import_document)
app.command("import-sheet")(sheets.import_sheet)

export_app = typer.Typer(
    help="Export the registry document, the Article 30 workbook, a diagram or DPV JSON-LD.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP,
)
export_app.command("document")(store.export_document)
export_app.command("xlsx")(exports.export_xlsx)
export_app.command("pdf")(exports.export_pdf)
export_app.command("diagram")(exports.export_diagram)
export_app.command("dpv")(exports.export_dpv)
app.add_typer(export_app, name="export")

app.command()(serve.serve)
app.command()(serve.demo)
app.command()(schema.schema)
app.command()(validate.validate)
app.command()(validate.rules)
app.command()(notice.notice)
app.command("notice-check")(notice.notice_check)
app.command()(queries.lineage)
app.command()(queries.impact)
app.command()(queries.erasure)

token_app = typer.Typer(
    help="Create, list and revoke API tokens.", no_args_is_help=True, rich_markup_mode=MARKUP
)
token_app.command("create")(tokens.token_create)
token_app.command("list")(tokens.token_list)
token_app.command("revoke")(tokens.token_revoke)
app.add_typer(token_app, name="token")


def main() -> Any:  # pragma: no cover - console-script entry
    return app()


__all__ = ["app", "main"]
