"""Bearer-token authentication and the permission every route declares.

Each route handler names its permission in ``opt={"permission": ...}`` (or ``public`` for the
health check and the API documentation); the bearer-token middleware refuses a route that names
neither, so a new endpoint is closed until someone decides who may use it.

The permission is checked in the middleware, right after the token, rather than by a Litestar
guard: Litestar hands every guard a copy of the route handler, on every request, and that copy
cost more than the rest of the check and the token lookup together.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import Scope

from ropa.auth.roles import ORGANISATION_BOUND, Permission, allows
from ropa.auth.tokens import Principal

PUBLIC_PATHS = ("/health", "/schema", "/static", "/viewer")
"""Served without a token: they hold no registry data. Never add "/": it would match every path."""
SCHEME = "BearerToken"


def needs(permission: Permission) -> dict[str, Any]:
    """The ``opt`` a route handler declares its permission with."""
    return {"permission": permission}


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Who a request acts for (401 without a valid token), and whether its route lets them (403)."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = _authorization(connection.scope).partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "send `Authorization: Bearer <token>`; create one with `ropa token create`",
                headers={"WWW-Authenticate": 'Bearer realm="ropa"'},
            )
        principal = await connection.app.state.services.tokens.principal_for(token.strip())
        if principal is None:
            raise NotAuthorizedException(
                "unknown or revoked token",
                headers={"WWW-Authenticate": 'Bearer realm="ropa", error="invalid_token"'},
            )
        check_permission(principal, connection.route_handler)
        return AuthenticationResult(user=principal, auth=token)


def _authorization(scope: Scope) -> str:
    """The Authorization header, read from the scope (ASGI lower-cases header names)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return ""


def authentication() -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, exclude=[f"^{path}" for path in PUBLIC_PATHS])


def check_permission(principal: Principal, handler: BaseRouteHandler) -> None:
    """The route's declared permission against the token's role (paths in PUBLIC_PATHS and
    routes excluded from authentication never get here)."""
    if handler.opt.get("public"):
        return
    permission: Permission | None = handler.opt.get("permission")
    if permission is None:
        raise PermissionDeniedException("this endpoint declares no permission")
    if not allows(principal.role, permission):
        raise PermissionDeniedException(f"the {principal.role} role may not {permission}")


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal: Principal = connection.user
    return principal


def visible_organisation(
    connection: ASGIConnection[Any, Any, Any, Any], organisation: str | None
) -> str | None:
    """The organisation a request may look at: any for most roles; for a regulator, one it
    is granted (its only grant when it names none)."""
    principal = principal_of(connection)
    if principal.role not in ORGANISATION_BOUND:
        return organisation
    if organisation is None and len(principal.organisations) == 1:
        return next(iter(principal.organisations))
    if organisation is None:
        raise PermissionDeniedException(
            "name one of the organisations this token is granted: "
            + ", ".join(sorted(principal.organisations))
        )
    if not principal.may_see(organisation):
        raise PermissionDeniedException(f"this token is not granted organisation `{organisation}`")
    return organisation
