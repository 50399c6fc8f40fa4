"""API tokens: create, list, revoke."""

from __future__ import annotations

from typing import Annotated

import typer

from ropa.auth.roles import Role
from ropa.auth.tokens import TokenInfo
from ropa.cli._common import Column, DatabaseOption, console, print_table, run
from ropa.services import Services


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
        return await services.tokens.create(name, role, organisation or [])

    token = run(work, database)
    console.print(f"token for {name} ({role}); shown only now:")
    print(token)


def token_list(database: DatabaseOption = None) -> None:
    """List tokens (their names and roles, never the tokens)."""

    async def work(services: Services) -> list[TokenInfo]:
        return await services.tokens.all_tokens()

    print_table(
        [
            Column("name", word=True),
            Column("role", word=True),
            Column("organisations"),
            Column("created", word=True),
            Column("revoked", word=True),
        ],
        (
            (
                info.name,
                str(info.role),
                ", ".join(info.organisations),
                info.created_at.isoformat(timespec="seconds"),
                info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "",
            )
            for info in run(work, database)
        ),
    )


def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a token: requests with it get 401 from now on."""

    async def work(services: Services) -> None:
        await services.tokens.revoke(name)

    run(work, database)
    console.print(f"revoked {name}")
