"""Health and the built-in vocabularies."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from ropa.api.auth import needs
from ropa.api.entities import services_of
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.domain.vocabulary import Vocabularies
from ropa.store.engine import is_sqlite


class Health(msgspec.Struct):
    status: str
    database: str
    revision: int | None


@get(
    "/health",
    operation_id="health",
    summary="Service health",
    tags=["service"],
    opt={"public": True},
    security=[],
)
async def health(request: Request[Any, Any, Any]) -> Response[Health]:
    services = services_of(request)
    database = "sqlite" if is_sqlite(services.engine) else "postgresql"
    try:
        revision = await services.repository.revision()
    except Exception:  # the database is unreachable: report it rather than fail
        return Response(
            Health("unavailable", database, None), status_code=HTTP_503_SERVICE_UNAVAILABLE
        )
    return Response(Health("ok", database, revision))


@get(
    "/api/v1/vocabularies",
    operation_id="get_vocabularies",
    summary="Built-in vocabularies",
    description="Countries, lawful bases, Art 9 conditions, dated transfer mechanisms and "
    "adequacy decisions, data and data-subject categories, DPIA criteria. Terms added by the "
    "registry keeper are under /api/v1/terms.",
    tags=["vocabulary"],
    opt=needs(Permission.READ_VOCABULARY),
    responses=problem_responses(),
)
async def vocabularies(request: Request[Any, Any, Any]) -> Vocabularies:
    return services_of(request).vocabularies
