"""`ropa schema`: the registry document's JSON Schema, generated from the model."""

from __future__ import annotations

from typing import Annotated

import typer

from ropa.cli._common import console
from ropa.domain.schema import registry_schema_path, registry_schema_text


def schema(
    check: Annotated[
        bool, typer.Option(help="Exit 1 when schema/registry.schema.json is out of date.")
    ] = False,
) -> None:
    """Write schema/registry.schema.json from the model."""
    path = registry_schema_path()
    text = registry_schema_text()
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            console.print(f"{path} is out of date: run `ropa schema`")
            raise typer.Exit(1)
        console.print(f"{path} is up to date")
        return
    path.write_text(text, encoding="utf-8")
    console.print(f"wrote {path}")
