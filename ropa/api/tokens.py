"""Token management for admins: create (shown once), list, revoke."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ropa.api.auth import needs
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission, Role
from ropa.auth.tokens import TokenService


class NewToken(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: Role
    organisations: list[Annotated[str, msgspec.Meta(max_length=128)]] = []


class IssuedToken(msgspec.Struct, kw_only=True):
    name: str
    role: Role
    organisations: list[str]
    token: str
    """Shown this once; only its hash is kept."""


class TokenSummary(msgspec.Struct, kw_only=True):
    name: str
    role: Role
    organisations: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@post(
    "/",
    operation_id="create_token",
    summary="Create a token",
    status_code=HTTP_201_CREATED,
    responses=problem_responses(400, 409, 422),
    opt=needs(Permission.MANAGE_TOKENS),
)
async def create(
    token_service: NamedDependency[TokenService], data: JSONBody[NewToken]
) -> IssuedToken:
    token = await token_service.create(data.name, data.role, data.organisations)
    return IssuedToken(
        name=data.name, role=data.role, organisations=sorted(set(data.organisations)), token=token
    )


@get(
    "/",
    operation_id="list_tokens",
    summary="List tokens (never the tokens themselves)",
    responses=problem_responses(),
    opt=needs(Permission.MANAGE_TOKENS),
)
async def index(token_service: NamedDependency[TokenService]) -> list[TokenSummary]:
    return [
        msgspec.convert(t, TokenSummary, from_attributes=True)
        for t in await token_service.all_tokens()
    ]


@delete(
    "/{name:str}",
    operation_id="revoke_token",
    summary="Revoke a token",
    status_code=HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
    opt=needs(Permission.MANAGE_TOKENS),
)
async def revoke(
    token_service: NamedDependency[TokenService],
    name: Annotated[str, Parameter(max_length=100)],
) -> None:
    await token_service.revoke(name)


def tokens_router() -> Router:
    return Router(path="/tokens", route_handlers=[create, index, revoke], tags=["tokens"])
