"""What every command group shares: options, running against the store, judging, output."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import functools
import getpass
import io
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ropa.domain import model as m
from ropa.domain.validation import InvalidInput
from ropa.domain.vocabulary import builtin
from ropa.graph import RegistryGraph, build_graph, today
from ropa.render.document import format_of, parse_document
from ropa.rules import Finding, evaluate
from ropa.services import Services, build_services
from ropa.services.documents import document_problems
from ropa.services.errors import ServiceError
from ropa.store.engine import database_url, make_engine

console = Console(stderr=True)
T = TypeVar("T")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="sqlite:///path or postgresql://user@host:port/db (default: data/ropa.sqlite).",
    ),
]
OnOption = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Judge findings as on this day (default: today)."),
]
DocumentOption = Annotated[
    Path | None,
    typer.Option(
        "--document",
        help="Judge this registry document instead of the store (no server, no database).",
    ),
]


class OutputFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]


def cli_actor() -> str:
    """How the audit trail names a change made from this command line."""
    return f"{getpass.getuser()} (cli)"


def run(work: Callable[[Services], Awaitable[T]], url: str | None) -> T:
    """Run ``work`` against the store, reporting service errors as a clean exit 1."""

    async def main() -> T:
        # Imported here: the Piccolo configuration opens the default engine when imported,
        # and commands that judge a document must not touch (or create) a store.
        from ropa.store.migrate import migrate

        engine = make_engine(url or database_url())
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate(engine)
        return await work(build_services(engine))

    try:
        return asyncio.run(main())
    except InvalidInput as error:
        for problem in error.problems[:200]:
            console.print(f"[red]{problem.path}[/red]: {problem.message}", highlight=False)
        if len(error.problems) > 200:
            console.print(f"... and {len(error.problems) - 200} more problems")
        console.print(
            f"[bold red]rejected[/bold red]: {len(error.problems)} problem(s); nothing changed"
        )
        raise typer.Exit(1) from error
    except ServiceError as error:
        console.print(f"[bold red]{error.title}[/bold red]: {error.detail}", highlight=False)
        raise typer.Exit(1) from error


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(phase: str, done: int, total: int) -> None:
            bar.update(task, description=f"{label}: {phase}", completed=done, total=total)

        yield update


def emit(value: Any) -> None:
    """Write ``value`` as indented JSON to stdout."""
    sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n")


# --- judging: the graph and its findings, for the store or for a document ------------------


class Judged:
    """A registry judged on a day: its graph, and its findings (worked out when first read)."""

    def __init__(self, revision: int | None, day: dt.date, graph: RegistryGraph) -> None:
        self.revision = revision
        """The registry revision judged; None for a document outside the store."""
        self.day = day
        self.graph = graph

    @functools.cached_property
    def findings(self) -> list[Finding]:
        return evaluate(self.graph, self.day)


def judged(
    document: Path | None,
    database: str | None,
    as_of: int | None = None,
    on: dt.date | None = None,
) -> Judged:
    """The one way the commands judge a registry: a document's, or the store's at a revision.

    A document is judged with no store (nothing is opened or created); an invalid one ends
    the command with exit 2 after listing its problems.
    """
    day = on or today()
    if document is not None:
        if as_of is not None:
            raise typer.BadParameter("a revision applies to the store, not to a document")
        parsed = _load_document(document)
        return Judged(None, day, build_graph(parsed, builtin()))

    async def work(services: Services) -> Judged:
        if as_of is None:
            revision, graph = await services.findings.graph()
        else:
            revision, graph = await services.findings.graph_as_of(as_of)
        return Judged(revision, day, graph)

    return run(work, database)


def _load_document(path: Path) -> m.RegistryDocument:
    vocab = builtin()
    document: m.RegistryDocument | None = None
    try:
        document = parse_document(path.read_bytes(), format_of(path.name))
        problems = document_problems(document, vocab)
    except InvalidInput as error:
        problems = error.problems
    if problems or document is None:
        for problem in problems[:200]:
            console.print(f"[red]{problem.path}[/red]: {problem.message}", highlight=False)
        console.print(f"[bold red]{path}[/bold red]: not a valid registry document")
        raise typer.Exit(2)
    return document
