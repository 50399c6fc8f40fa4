"""The `ropa` command line: serve, migrate, import, export, validate, queries, tokens, demo."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import getpass
import io
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ropa.auth.roles import Role
from ropa.auth.tokens import TokenInfo, create_token, list_tokens, revoke_token
from ropa.domain.schema import registry_schema_path, registry_schema_text
from ropa.domain.validation import InvalidInput
from ropa.domain.vocabulary import builtin, schema_dir
from ropa.graph import RegistryGraph, build_graph, today
from ropa.input.document import parse_document
from ropa.lineage import category_lineage, erasure_parties, party_impact
from ropa.render import xlsx
from ropa.render.document import Format, dump_document, format_of
from ropa.render.dot import DiagramError
from ropa.rules import evaluate
from ropa.services import Services, build_services
from ropa.services.documents import ImportReport, document_problems
from ropa.services.errors import ServiceError
from ropa.services.exports import Rendered
from ropa.services.findings import FindingsReport, report
from ropa.store.engine import database_url, describe, make_engine
from ropa.store.migrate import migrate as run_migrations

app = typer.Typer(
    help="ropa: a registry of processing activities (GDPR Article 30) kept as a data-flow graph.",
    no_args_is_help=True,
    add_completion=False,
)
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


def _run(work: Callable[[Services], Awaitable[T]], url: str | None) -> T:
    """Run ``work`` against the store, reporting service errors as a clean exit 1."""

    async def main() -> T:
        engine = make_engine(url or database_url())
        with contextlib.redirect_stdout(io.StringIO()):
            await run_migrations(engine)
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
def _progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(phase: str, done: int, total: int) -> None:
            progress.update(task, description=f"{label}: {phase}", completed=done, total=total)

        yield update


@app.command()
def migrate(database: DatabaseOption = None) -> None:
    """Create or upgrade the database tables."""
    engine = make_engine(database or database_url())
    message = asyncio.run(run_migrations(engine))
    console.print(message.strip() or "up to date")
    console.print(f"database: {describe(engine)}")


def _print_report(report: ImportReport) -> None:
    table = Table(title="dry run: nothing written" if report.dry_run else "import")
    for column in ("collection", "created", "updated", "deleted", "unchanged"):
        table.add_column(column, justify="left" if column == "collection" else "right")
    for collection, changes in report.changes.items():
        if changes.created or changes.updated or changes.deleted or changes.unchanged:
            table.add_row(
                collection,
                str(len(changes.created)),
                str(len(changes.updated)),
                str(len(changes.deleted)),
                str(changes.unchanged),
            )
    console.print(table)
    if report.revision is not None:
        console.print(f"registry revision {report.revision}")
    elif not report.dry_run:
        console.print("the store already matches the document: nothing changed")


@app.command("import")
def import_command(
    path: Annotated[
        Path, typer.Argument(help="Registry document (.yaml, .yml or .json); - for stdin.")
    ],
    dry_run: Annotated[bool, typer.Option(help="Report what would change; write nothing.")] = False,
    prune: Annotated[
        bool, typer.Option(help="Delete what the document's organisations no longer list.")
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Import a registry document, all or nothing."""
    raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    fmt: Format = format_of(path.name)

    async def work(services: Services) -> ImportReport:
        with _progress("importing") as progress:
            progress("parsing", 0, 1)
            document = parse_document(raw, fmt)
            return await services.documents.import_document(
                document, dry_run=dry_run, prune=prune, progress=progress, actor=cli_actor()
            )

    _print_report(_run(work, database))


export_app = typer.Typer(
    help="Export the registry document, the Article 30 workbook or a diagram.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")
OUT = Path("exports/out")


@export_app.command("document")
def export_document(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's part of the registry.")
    ] = None,
    format: Annotated[
        str | None, typer.Option(help="yaml or json (default: from the file name, else yaml).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Export the registry document (YAML or JSON)."""
    fmt: Format = (
        "json" if (format or format_of(output.name if output else None)) == "json" else "yaml"
    )

    async def work(services: Services) -> bytes:
        with _progress("exporting") as progress:
            progress("reading", 0, 1)
            document = await services.documents.export(organisation)
            progress("writing", 1, 1)
            return dump_document(document, fmt)

    text = _run(work, database)
    if output is None:
        sys.stdout.buffer.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(text)
        console.print(f"wrote {output} ({len(text):,} bytes)")


def cli_actor() -> str:
    """How the audit trail names a change made from this command line."""
    return f"{getpass.getuser()} (cli)"


def _write_file(output: Path | None, rendered: Rendered) -> None:
    target = output or OUT / rendered.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rendered.content)
    console.print(f"wrote {target} ({len(rendered.content):,} bytes, revision {rendered.revision})")


OutputOption = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="File to write (default: exports/out/<name>)."),
]
OnOption = Annotated[
    dt.datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Judge findings as on this day (default: today)."),
]


@export_app.command("xlsx")
def export_xlsx(
    organisation: Annotated[
        str | None, typer.Option(help="The organisation (needed when there are several).")
    ] = None,
    profile: Annotated[str, typer.Option(help="Column layout: ico or cnil.")] = "ico",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export the Article 30 workbook for a regulator."""

    async def work(services: Services) -> Rendered:
        try:
            return await services.exports.workbook(
                organisation=organisation, profile=profile, on=on.date() if on else None
            )
        except xlsx.WorkbookError as error:
            raise ServiceError(str(error)) from error

    _write_file(output, _run(work, database))


@export_app.command("diagram")
def export_diagram(
    view: Annotated[str, typer.Argument(help="organisation, activity, category, party, transfers")],
    fmt: Annotated[str, typer.Option("--format", help="svg, png, pdf or dot.")] = "svg",
    organisation: Annotated[str | None, typer.Option()] = None,
    activity: Annotated[str | None, typer.Option(help="For the activity view.")] = None,
    category: Annotated[str | None, typer.Option(help="For the category view.")] = None,
    party: Annotated[str | None, typer.Option(help="For the party view.")] = None,
    detail: Annotated[str, typer.Option(help="full, party or cluster.")] = "full",
    output: OutputOption = None,
    on: OnOption = None,
    database: DatabaseOption = None,
) -> None:
    """Export a data-flow diagram for architects."""

    async def work(services: Services) -> Rendered:
        try:
            return await services.exports.diagram(
                view,
                fmt,
                organisation=organisation,
                activity=activity,
                category=category,
                party=party,
                detail=detail,
                on=on.date() if on else None,
            )
        except (DiagramError, ValueError, LookupError) as error:
            raise ServiceError(str(error)) from error

    _write_file(output, _run(work, database))


def _serve(
    host: str, port: int, workers: int, url: str, timeouts: tuple[float, float, int]
) -> None:
    import uvicorn

    from ropa.api.timeouts import HTTP_PROTOCOL

    header_timeout, body_timeout, keep_alive = timeouts
    os.environ["DATABASE_URL"] = url
    os.environ["ROPA_AUTO_MIGRATE"] = "0"  # migrated once, here, before the workers start
    os.environ["ROPA_HEADER_TIMEOUT"] = str(header_timeout)  # read by every worker
    os.environ["ROPA_BODY_TIMEOUT"] = str(body_timeout)
    uvicorn.run(
        "ropa.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        http=HTTP_PROTOCOL,
        timeout_keep_alive=keep_alive,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="ROPA_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="ROPA_PORT")] = 8000,
    workers: Annotated[int, typer.Option(envvar="ROPA_WORKERS", min=1, max=64)] = 1,
    database: DatabaseOption = None,
    header_timeout: Annotated[
        float,
        typer.Option(
            envvar="ROPA_HEADER_TIMEOUT",
            min=0.1,
            help="Seconds a client may take to send a request's headers; then the "
            "connection is closed.",
        ),
    ] = 10.0,
    body_timeout: Annotated[
        float,
        typer.Option(
            envvar="ROPA_BODY_TIMEOUT",
            min=0.1,
            help="Seconds a request body may take to arrive in full; then 408.",
        ),
    ] = 60.0,
    keep_alive: Annotated[
        int,
        typer.Option(
            envvar="ROPA_KEEP_ALIVE", min=1, help="Seconds an idle connection is kept open."
        ),
    ] = 5,
) -> None:
    """Run the HTTP service (migrating the database first)."""
    url = database or database_url()
    asyncio.run(_migrate_quietly(url))
    _announce(host, port, url)
    _serve(host, port, workers, url, (header_timeout, body_timeout, keep_alive))


async def _migrate_quietly(url: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        await run_migrations(make_engine(url))


def _announce(host: str, port: int, url: str) -> None:
    base = f"http://{host}:{port}"
    console.print(f"[bold]ropa[/bold] on {base}  (database: {describe(make_engine(url))})")
    console.print(f"  viewer        {base}/viewer/")
    console.print(f"  API docs      {base}/schema")
    console.print(f"  registry      {base}/api/v1/registry")
    console.print(f"  activities    {base}/api/v1/activities")
    console.print(f"  health        {base}/health")


def example_path() -> Path:
    for candidate in (
        schema_dir().parent / "examples",
        Path(__file__).parent / "_data" / "examples",
    ):
        found = candidate / "softphone-provider.yaml"
        if found.is_file():
            return found
    raise FileNotFoundError("examples/softphone-provider.yaml not found")


@app.command()
def demo(
    host: Annotated[str, typer.Option(envvar="ROPA_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="ROPA_PORT")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the service after loading.")
    ] = True,
    database: DatabaseOption = None,
) -> None:
    """Load the example softphone provider into the store and start the service."""
    url = database or database_url()
    example = example_path()
    document = parse_document(example.read_bytes(), "yaml")

    async def work(services: Services) -> tuple[ImportReport, str]:
        report = await services.documents.import_document(document, actor=cli_actor())
        name = f"demo-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
        return report, await create_token(name, Role.DPO)

    report, token = _run(work, url)
    created = sum(len(c.created) + len(c.updated) for c in report.changes.values())
    console.print(f"loaded {example.name}: {created} entries written")
    if serve_after:
        _announce(host, port, url)
        console.print(f"  token (dpo)   {token}")
        console.print(
            f"  try           curl -H 'Authorization: Bearer {token}' "
            f"http://{host}:{port}/api/v1/findings"
        )
        _serve(host, port, 1, url)
    else:
        console.print(f"token (dpo): {token}")


@app.command()
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


# --- validation and queries over the graph -------------------------------------------------


class FailOn(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


class OutputFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


DocumentOption = Annotated[
    Path | None,
    typer.Option(
        "--document",
        help="Judge this registry document instead of the store (no server, no database).",
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]
_FAILING = {
    FailOn.ERROR: {"error"},
    FailOn.WARNING: {"error", "warning"},
    FailOn.INFO: {"error", "warning", "info"},
    FailOn.NEVER: set(),
}


def _graph_of_document(path: Path) -> RegistryGraph:
    vocab = builtin()
    try:
        document = parse_document(path.read_bytes(), format_of(path.name))
        problems = document_problems(document, vocab)
    except InvalidInput as error:
        problems = error.problems
    if problems:
        for problem in problems[:200]:
            console.print(f"[red]{problem.path}[/red]: {problem.message}", highlight=False)
        console.print(f"[bold red]{path}[/bold red]: not a valid registry document")
        raise typer.Exit(2)
    return build_graph(document, vocab)


def _graph(document: Path | None, database: str | None) -> tuple[int | None, RegistryGraph]:
    if document is not None:
        return None, _graph_of_document(document)

    async def work(services: Services) -> tuple[int, RegistryGraph]:
        return await services.findings.graph()

    revision, graph = _run(work, database)
    return revision, graph


def _emit(value: Any) -> None:
    sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n")


@app.command()
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
    on: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Judge as on this day (default: today)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Check the registry for completeness and legality; exit 1 on findings at the threshold."""
    revision, graph = _graph(document, database)
    day = on.date() if on else today()
    result = report(
        graph, evaluate(graph, day), on=day, revision=revision, organisation=organisation
    )
    if output is OutputFormat.JSON:
        _emit(result)
    else:
        _print_findings(result)
    failing = _FAILING[fail_on]
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


@app.command()
def lineage(
    category: Annotated[str, typer.Argument(help="A data category, e.g. push_token.")],
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """Where a data category goes: systems and parties reached, countries, mechanisms."""
    _, graph = _graph(document, database)
    if category not in graph.categories:
        console.print(f"no data category `{category}`")
        raise typer.Exit(2)
    result = category_lineage(graph, category, organisation)
    if output is OutputFormat.JSON:
        _emit(result)
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


@app.command()
def impact(
    party: Annotated[str, typer.Argument(help="The key of the breached party.")],
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """What a breach at a party exposes (Art 33 triage)."""
    _, graph = _graph(document, database)
    if party not in graph.parties:
        console.print(f"no party with key `{party}`")
        raise typer.Exit(2)
    result = party_impact(graph, party)
    if output is OutputFormat.JSON:
        _emit(result)
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


@app.command()
def erasure(
    data_subject: Annotated[str, typer.Argument(help="A data-subject category, e.g. app_users.")],
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    document: DocumentOption = None,
    output: FormatOption = OutputFormat.TEXT,
    database: DatabaseOption = None,
) -> None:
    """Which parties must act on an erasure request from a category of data subjects."""
    _, graph = _graph(document, database)
    if data_subject not in graph.subject_categories:
        console.print(f"no data-subject category `{data_subject}`")
        raise typer.Exit(2)
    result = erasure_parties(graph, data_subject, organisation)
    if output is OutputFormat.JSON:
        _emit(result)
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


# --- tokens ----------------------------------------------------------------------------------

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what the token is for, e.g. alice.")],
    role: Annotated[Role, typer.Option(help="admin, dpo, architect or regulator.")],
    organisation: Annotated[
        list[str] | None,
        typer.Option(help="For a regulator: an organisation it may see (repeatable)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create a token; it is printed once and only its hash is kept."""

    async def work(services: Services) -> str:
        return await create_token(name, role, organisation or [])

    token = _run(work, database)
    console.print(f"token for {name} ({role}); shown only now:")
    print(token)


@token_app.command("list")
def token_list(database: DatabaseOption = None) -> None:
    """List tokens (their names and roles, never the tokens)."""

    async def work(services: Services) -> list[TokenInfo]:
        return await list_tokens()

    table = Table()
    for column in ("name", "role", "organisations", "created", "revoked"):
        table.add_column(column)
    for info in _run(work, database):
        table.add_row(
            info.name,
            str(info.role),
            ", ".join(info.organisations),
            info.created_at.isoformat(timespec="seconds"),
            info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "",
        )
    Console().print(table)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a token: requests with it get 401 from now on."""

    async def work(services: Services) -> None:
        await revoke_token(name)

    _run(work, database)
    console.print(f"revoked {name}")


def main() -> Any:  # pragma: no cover - console-script entry
    return app()
