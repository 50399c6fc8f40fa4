"""Health and the built-in vocabularies."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from ropa.api.auth import needs
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.domain.vocabulary import Vocabularies
from ropa.services.status import StatusService


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
async def health(status_service: NamedDependency[StatusService]) -> Response[Health]:
    revision = await status_service.revision()
    if revision is None:  # the database is unreachable: report it rather than fail
        return Response(
            Health("unavailable", status_service.database, None),
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
        )
    return Response(Health("ok", status_service.database, revision))


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
async def vocabularies(builtin_vocabularies: NamedDependency[Vocabularies]) -> Vocabularies:
    return builtin_vocabularies
