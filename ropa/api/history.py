"""The audit trail and the differences between two moments of the registry."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter

from ropa.api.auth import needs
from ropa.api.params import MAX_AUDIT_ID, Since, Until, instant
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.services.documents import DocumentService
from ropa.services.history import AuditPage, RegistryDiff
from ropa.services.queries import QueryService

Moment = Annotated[
    str,
    Parameter(
        description="A registry revision number, or an ISO 8601 date or time (UTC if no zone).",
        max_length=40,
    ),
]


@get(
    "/api/v1/audit",
    operation_id="list_audit",
    summary="The audit trail",
    description="Every committed change, newest first: who, when, which entity (with its "
    "organisation, or for a vocabulary term its vocabulary), and its body before and after. "
    "Page back with `before` set to the page's `next_before` (the `Link: rel=next` header "
    "holds the whole URL). Append-only: there is no way to change it.",
    tags=["history"],
    responses=problem_responses(400),
    opt=needs(Permission.READ_AUDIT),
)
async def list_audit(
    request: Request[Any, Any, Any],
    document_service: NamedDependency[DocumentService],
    kind: Annotated[str | None, Parameter(description="Entity kind.", max_length=32)] = None,
    key: Annotated[str | None, Parameter(description="Entity key.", max_length=128)] = None,
    actor: Annotated[str | None, Parameter(description="Who made it.", max_length=200)] = None,
    since: Since = None,
    until: Until = None,
    after: Annotated[
        int | None,
        Parameter(description="Only entries newer than this entry id.", ge=0, le=MAX_AUDIT_ID),
    ] = None,
    before: Annotated[
        int | None,
        Parameter(
            description="Only entries older than this entry id (the previous page's "
            "`next_before`).",
            ge=0,
            le=MAX_AUDIT_ID,
        ),
    ] = None,
    limit: Annotated[int, Parameter(ge=1, le=1000, description="Page size.")] = 100,
) -> Response[AuditPage]:
    page = await document_service.audit(
        kind=kind,
        key=key,
        actor=actor,
        since=instant(since, "since"),
        until=instant(until, "until"),
        after=after,
        before=before,
        limit=limit,
    )
    headers = {}
    if page.next_before is not None:
        query = {k: v for k, v in request.query_params.items() if k != "before"}
        query["before"] = str(page.next_before)
        headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return Response(page, headers=headers)


@get(
    "/api/v1/registry/diff",
    operation_id="diff_registry",
    summary="What changed between two moments",
    description="Entities created (with their body), updated (with the fields that changed and "
    "a JSON Patch, RFC 6902, from the old body to the new) and deleted (with their last body) "
    "between two revisions or times; `to` defaults to now.",
    tags=["history"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_AUDIT),
)
async def diff_registry(
    query_service: NamedDependency[QueryService],
    from_: Annotated[
        str, QueryParameter(name="from", description="The earlier moment.", max_length=40)
    ],
    to: Annotated[str | None, Parameter(description="The later moment.", max_length=40)] = None,
    organisation: Annotated[
        str | None, Parameter(description="Only this organisation.", max_length=128)
    ] = None,
) -> RegistryDiff:
    return await query_service.diff(from_, to, organisation)
