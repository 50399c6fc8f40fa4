"""`python -m ropa`: the same as the `ropa` command."""

from ropa.cli import app

app()
