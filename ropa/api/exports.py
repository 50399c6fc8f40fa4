"""Files for regulators and architects: the Article 30 workbook and data-flow diagrams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, Schema
from litestar.openapi.spec import OpenAPIResponse as Response_
from litestar.params import Parameter

from ropa.api.auth import needs, principal_of, visible_organisation
from ropa.api.disconnect import client_gone
from ropa.api.downloads import download
from ropa.api.problems import ProblemDetails, problem, problem_responses
from ropa.auth.roles import ORGANISATION_BOUND, Permission
from ropa.domain.validation import InvalidInput, Problem
from ropa.render import diagram as diagrams
from ropa.render import dot as dot_format
from ropa.render import xlsx
from ropa.services.errors import NotFound, ServiceError
from ropa.services.exports import DIAGRAM_MEDIA_TYPES, ExportService
from ropa.services.render_limits import Busy, ClientGone

Key = Annotated[str | None, Parameter(max_length=128)]
AsOf = Annotated[
    str | None,
    Parameter(
        description="As the registry stood at this revision number or ISO 8601 date or time.",
        max_length=40,
    ),
]
On = Annotated[
    dt.date | None,
    Parameter(description="Judge findings as on this day (default: today, or the day of as_of)."),
]


class RendererUnavailable(ServiceError):
    status = 503
    title = "Service unavailable"


Profile = Annotated[
    str, Parameter(description="Layout: ico, cnil or de (see GET /exports/records).", max_length=64)
]
Edition = Annotated[
    str,
    Parameter(
        description="`regulator` (default: names, no keys, findings or waivers) or `internal` "
        "(the DPO's review copy, with them). A regulator token gets the regulator edition only.",
        max_length=16,
    ),
]


def _check_record_request(request: Request[Any, Any, Any], profile: str, edition: str) -> None:
    if edition not in xlsx.EDITIONS:
        raise InvalidInput(
            [
                Problem(
                    "query.edition", f"unknown edition; expected one of {', '.join(xlsx.EDITIONS)}"
                )
            ],
            400,
        )
    if edition != "regulator" and principal_of(request).role in ORGANISATION_BOUND:
        raise PermissionDeniedException("a regulator token gets the regulator edition only")
    if profile not in xlsx.profiles():
        raise InvalidInput(
            [
                Problem(
                    "query.profile",
                    f"unknown profile; expected one of {', '.join(xlsx.profiles())}",
                )
            ],
            400,
        )


async def _record(
    request: Request[Any, Any, Any],
    export_service: ExportService,
    fmt: str,
    organisation: str | None,
    profile: str,
    edition: str,
    as_of: str | None,
    on: dt.date | None,
) -> Response[bytes]:
    organisation = visible_organisation(request, organisation)
    _check_record_request(request, profile, edition)
    render = export_service.workbook if fmt == "xlsx" else export_service.record_pdf
    try:
        rendered = await render(
            organisation=organisation,
            profile=profile,
            as_of=as_of,
            on=on,
            edition=edition,
            gone=client_gone(request),
        )
    except xlsx.UnknownOrganisation as error:
        # The renderer's message lists the registry's organisations: not for every token.
        detail = (
            f"no organisation `{organisation}` in the registry"
            if organisation is not None
            else "the registry holds several organisations: name one"
        )
        raise NotFound(detail) from error
    return download(rendered)


@dataclass
class _DiagramOperation(Operation):
    """A diagram answers in the media type of the format its name asks for."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, Response_):
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            media_types = DIAGRAM_MEDIA_TYPES.values()
            ok.content = {media: OpenAPIMediaType(schema=binary) for media in media_types}


@get(
    "/exports/article30.xlsx",
    operation_id="export_article30_workbook",
    summary="The Article 30 workbook",
    description="One organisation's record of processing activities as an xlsx workbook in a "
    "regulator's layout (`profile`: ico, cnil or de), printable as it is (A4 landscape, "
    "headings repeated, page x of y). `edition=regulator` (the default) carries names and no "
    "keys, findings or waivers; `edition=internal` adds them for the DPO. The same registry "
    "revision and day always give the same bytes.",
    tags=["exports"],
    responses=problem_responses(400, 403, 404),
    opt=needs(Permission.READ_EXPORTS),
    media_type=xlsx.MEDIA_TYPE,
)
async def article30_workbook(
    request: Request[Any, Any, Any],
    export_service: NamedDependency[ExportService],
    organisation: Key = None,
    profile: Profile = "ico",
    edition: Edition = "regulator",
    as_of: AsOf = None,
    on: On = None,
) -> Response[bytes]:
    return await _record(request, export_service, "xlsx", organisation, profile, edition, as_of, on)


@get(
    "/exports/article30.pdf",
    operation_id="export_article30_pdf",
    summary="The Article 30 record as a PDF",
    description="The same record as the workbook, laid out by the same profile, as an A4 "
    "landscape PDF (for authorities that ask for a document). Same parameters and editions as "
    "the workbook; the same registry revision and day always give the same bytes.",
    tags=["exports"],
    responses=problem_responses(400, 403, 404),
    opt=needs(Permission.READ_EXPORTS),
    media_type="application/pdf",
)
async def article30_pdf(
    request: Request[Any, Any, Any],
    export_service: NamedDependency[ExportService],
    organisation: Key = None,
    profile: Profile = "ico",
    edition: Edition = "regulator",
    as_of: AsOf = None,
    on: On = None,
) -> Response[bytes]:
    return await _record(request, export_service, "pdf", organisation, profile, edition, as_of, on)


@get(
    "/exports/records",
    operation_id="list_article30_records",
    summary="The records this token may download",
    description="The organisations whose record this token may download (a regulator token: "
    "the organisations it is granted that the registry holds), with the profiles and editions "
    "on offer.",
    tags=["exports"],
    responses=problem_responses(),
    opt=needs(Permission.READ_EXPORTS),
)
async def list_records(
    request: Request[Any, Any, Any], export_service: NamedDependency[ExportService]
) -> dict[str, Any]:
    principal = principal_of(request)
    visible = principal.organisations if principal.role in ORGANISATION_BOUND else None
    return await export_service.records_index(visible)


@get(
    "/diagrams/{name:str}",
    operation_id="render_diagram",
    operation_class=_DiagramOperation,
    summary="A data-flow diagram",
    description="`name` is `<view>.<format>`: views organisation, activity (needs `activity`), "
    "category (needs `category`), party (needs `party`), transfers; formats svg, png, pdf, dot. "
    "`detail` collapses large registries: full, party or cluster.",
    tags=["diagrams"],
    responses=problem_responses(400, 404, 503),
    opt=needs(Permission.READ_DIAGRAMS),
)
async def render_diagram(
    request: Request[Any, Any, Any],
    export_service: NamedDependency[ExportService],
    name: Annotated[str, Parameter(description="e.g. organisation.svg", max_length=40)],
    organisation: Key = None,
    activity: Key = None,
    category: Key = None,
    party: Key = None,
    detail: Annotated[str, Parameter(description="full, party or cluster", max_length=16)] = "full",
    max_labels: Annotated[
        int, Parameter(ge=0, le=50, description="Categories named on an edge before a count.")
    ] = 3,
    as_of: AsOf = None,
    on: On = None,
) -> Response[bytes]:
    view, _, fmt = name.partition(".")
    try:
        rendered = await export_service.diagram(
            view,
            fmt,
            organisation=organisation,
            activity=activity,
            category=category,
            party=party,
            detail=detail,
            max_labels=max_labels,
            as_of=as_of,
            on=on,
            gone=client_gone(request),
        )
    except (diagrams.UnknownView, dot_format.UnknownFormat) as error:
        raise InvalidInput([Problem("path.name", str(error))], 400) from error
    except diagrams.UnknownDetail as error:
        raise InvalidInput([Problem("query.detail", str(error))], 400) from error
    except diagrams.MissingArgument as error:
        raise InvalidInput([Problem("query", str(error))], 400) from error
    except diagrams.UnknownEntity as error:
        raise NotFound(str(error)) from error
    except (dot_format.RendererUnavailable, dot_format.RenderFailed) as error:
        raise RendererUnavailable(f"the diagram could not be rendered: {error}") from error
    return download(rendered, "inline")


def on_busy(_: Request[Any, Any, Any], error: Busy) -> Response[ProblemDetails]:
    """503 with Retry-After when the worker already runs as many renders as it may."""
    return problem(
        503, "Service unavailable", str(error), headers={"Retry-After": str(error.retry_after)}
    )


def on_client_gone(_: Request[Any, Any, Any], error: ClientGone) -> Response[bytes]:
    """The client left before its file was ready; nobody reads this answer."""
    return Response(b"", status_code=499, media_type="text/plain")


def exports_router() -> Router:
    return Router(
        path="/",
        route_handlers=[article30_workbook, article30_pdf, list_records, render_diagram],
        exception_handlers={Busy: on_busy, ClientGone: on_client_gone},
    )
