"""What every command group shares: options, running against the store, judging, output."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import getpass
import io
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar

import msgspec
import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ropa.domain import model as m
from ropa.domain.validation import InvalidInput, Problem
from ropa.domain.vocabulary import builtin
from ropa.graph import today
from ropa.input.document import parse_document
from ropa.input.positions import Position, SourceMap, error_position, source_map
from ropa.render.document import format_of
from ropa.services import Services, build_services
from ropa.services.documents import document_problems
from ropa.services.errors import ServiceError
from ropa.services.judgement import Judged, judge
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
    if document is not None:
        if as_of is not None:
            fail("a revision (--as-of) applies to the store, not to a document")
        return judge(_load_document(document), builtin(), on or today())

    async def work(services: Services) -> Judged:
        return await services.judgement.judged(as_of, on)

    return run(work, database)


_STDIN: list[tuple[Any, bytes]] = []  # (the stream, what it held): read once per stream


def read_bytes(path: Path) -> bytes:
    """The bytes of a file named on the command line (``-`` for stdin); exit 2 when unreadable.

    Standard input is read once and kept, so that it can be judged and then located in.
    """
    if str(path) == "-":
        stream = sys.stdin.buffer
        if not _STDIN or _STDIN[0][0] is not stream:
            _STDIN[:] = [(stream, stream.read())]
        return _STDIN[0][1]
    try:
        return path.read_bytes()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")


def _load_document(path: Path) -> m.RegistryDocument:
    """The registry document in ``path``; its problems, one line each, and exit 2 if invalid."""
    raw = read_bytes(path)
    fmt = format_of(path.name)
    vocab = builtin()
    document: m.RegistryDocument | None = None
    syntax: BaseException | None = None
    try:
        document = parse_document(raw, fmt)
        problems = document_problems(document, vocab)
    except InvalidInput as error:
        problems, syntax = error.problems, error.__cause__
    except UnicodeDecodeError as error:
        fail(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})")
    if not problems and document is not None:
        return document
    source = source_map(raw, fmt)
    placed = sorted(
        ((_problem_position(p, source, syntax), p) for p in problems),
        key=lambda pair: (pair[0], pair[1].path),
    )
    for at, problem in placed[:200]:
        message = _problem_message(problem, syntax)
        console.print(
            f"{path}:{at.line}:{at.column}: error {problem.path} {message}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if len(placed) > 200:
        console.print(f"... and {len(placed) - 200} more problems", soft_wrap=True)
    fail(f"{path}: not a valid registry document ({len(problems)} problem(s))")


def _problem_position(
    problem: Problem, source: SourceMap, syntax: BaseException | None
) -> Position:
    if problem.path == "$" and (at := error_position(syntax)) is not None:
        return at
    return source.path(problem.path) or Position(1, 1)


def _problem_message(problem: Problem, syntax: BaseException | None) -> str:
    """The problem's message on one line; for a syntax error, without the parser's excerpt."""
    if problem.path == "$" and isinstance(syntax, yaml.MarkedYAMLError):
        parts = [part for part in (syntax.context, syntax.problem) if part]
        return "not valid YAML: " + ", ".join(parts)
    if problem.path == "$" and isinstance(syntax, json.JSONDecodeError):
        return f"not valid JSON: {syntax.msg}"
    return " ".join(problem.message.split())


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with a one-line message on stderr (exit 2: a usage or document error)."""
    console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


# --- tables: width-aware on a terminal, plain columns when piped -----------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    word: bool = False
    """An id, key or other single word: never wrapped or cut, other columns give way."""
    justify: Literal["left", "right"] = "left"


def print_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    out: Console | None = None,
) -> None:
    """A rich table on a terminal; aligned plain text, no box drawing, when piped."""
    out = out or Console()
    rows = [list(row) for row in rows]
    if out.is_terminal:
        table = Table(title=title)
        for i, column in enumerate(columns):
            widest = max((len(row[i]) for row in rows), default=0)
            table.add_column(
                column.name,
                justify=column.justify,
                no_wrap=column.word,
                min_width=max(len(column.name), widest) if column.word else None,
                overflow="fold",
            )
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    widths = [max([len(c.name)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    lines = [[c.name for c in columns], *rows]
    if title:
        out.print(title, markup=False, highlight=False, soft_wrap=True)
    for line in lines:
        cells = [
            cell.rjust(width) if column.justify == "right" else cell.ljust(width)
            for cell, width, column in zip(line, widths, columns, strict=True)
        ]
        out.print("  ".join(cells).rstrip(), markup=False, highlight=False, soft_wrap=True)
