"""Running the service: serve, and demo (load the example registry, then serve)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import os
from pathlib import Path
from typing import Annotated

import typer

from ropa.auth.roles import Role
from ropa.cli._common import DatabaseOption, cli_actor, console, run
from ropa.domain.vocabulary import schema_dir
from ropa.input.document import parse_document
from ropa.services import Services
from ropa.services.documents import ImportReport
from ropa.store.engine import database_url, describe, make_engine

HostOption = Annotated[str, typer.Option(envvar="ROPA_HOST")]
PortOption = Annotated[int, typer.Option(envvar="ROPA_PORT")]


def _serve(
    host: str,
    port: int,
    workers: int,
    url: str,
    timeouts: tuple[float, float, int] = (10.0, 60.0, 5),
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


async def _migrate_quietly(url: str) -> None:
    from ropa.store.migrate import migrate

    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(make_engine(url))


def _announce(host: str, port: int, url: str) -> None:
    base = f"http://{host}:{port}"
    console.print(f"[bold]ropa[/bold] on {base}  (database: {describe(make_engine(url))})")
    console.print(f"  viewer        {base}/viewer/")
    console.print(f"  API docs      {base}/schema")
    console.print(f"  registry      {base}/api/v1/registry")
    console.print(f"  activities    {base}/api/v1/activities")
    console.print(f"  health        {base}/health")


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
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


def example_path() -> Path:
    for candidate in (
        schema_dir().parent / "examples",
        Path(__file__).parents[1] / "_data" / "examples",
    ):
        found = candidate / "softphone-provider.yaml"
        if found.is_file():
            return found
    raise FileNotFoundError("examples/softphone-provider.yaml not found")


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
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
        return report, await services.tokens.create(name, Role.DPO)

    report, token = run(work, url)
    created = sum(len(c.created) + len(c.updated) for c in report.changes.values())
    console.print(f"loaded {example.name}: {created} entries written")
    if serve_after:
        _announce(host, port, url)
        console.print(f"  token (dpo)   {token}", soft_wrap=True)
        console.print(  # one line, never wrapped, so that it copies and pastes
            f"  try           curl -H 'Authorization: Bearer {token}' "
            f"http://{host}:{port}/api/v1/findings",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        _serve(host, port, 1, url)
    else:
        console.print(f"token (dpo): {token}", soft_wrap=True)
