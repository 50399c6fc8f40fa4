"""The registry document: export, and all-or-nothing import with a dry run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import Parameter

from ropa.api.auth import needs, principal_of
from ropa.api.problems import ProblemDetails, problem, problem_responses
from ropa.auth.roles import Permission
from ropa.domain.model import RegistryDocument
from ropa.input.dpv import is_jsonld
from ropa.render.document import format_of
from ropa.services.documents import DocumentService, ImportReport
from ropa.services.import_gate import ImportBusy, ImportGate
from ropa.services.intake import read_document, read_dpv_document
from ropa.services.offload import encode_off_loop
from ropa.services.queries import QueryService

MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}
JSONLD = "application/ld+json"
_JSONLD_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="The registry in the W3C Data Privacy Vocabulary (DPV), as JSON-LD: "
    "see docs/dpv.md.",
)


@dataclass
class _ExportOperation(Operation):
    """The export answers in YAML or JSON, as asked: both are registry documents."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and not isinstance(ok, Reference):
            schema = Reference(ref="#/components/schemas/RegistryDocument")
            ok.content = {media: OpenAPIMediaType(schema=schema) for media in MEDIA_TYPES.values()}
            ok.content[JSONLD] = OpenAPIMediaType(schema=_JSONLD_SCHEMA)


@get(
    "/",
    operation_id="export_registry",
    operation_class=_ExportOperation,
    summary="Export the registry document",
    description="The whole registry, or one organisation with the vocabulary terms, as YAML "
    "or JSON, or as JSON-LD in the W3C Data Privacy Vocabulary (`jsonld`). The same registry "
    "always gives the same bytes.",
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_REGISTRY),
)
async def export_registry(
    query_service: NamedDependency[QueryService],
    organisation: Annotated[
        str | None, Parameter(description="Only this organisation.", max_length=128)
    ] = None,
    format: Annotated[
        Literal["json", "yaml", "jsonld"], Parameter(description="Document format.")
    ] = "yaml",
    as_of: Annotated[
        str | None,
        Parameter(
            description="The registry as it stood at this revision number or ISO 8601 "
            "date or time, rebuilt from the audit trail.",
            max_length=40,
        ),
    ] = None,
) -> Response[RegistryDocument]:
    if format == "jsonld":
        rendered = await query_service.dpv(organisation, as_of)
        revision, content, media_type = rendered.revision, rendered.content, JSONLD
    else:
        revision, document = await query_service.document(organisation, as_of)
        content, media_type = await encode_off_loop(document, format), MEDIA_TYPES[format]
    name = f"ropa-{organisation or 'registry'}.{format}"
    return Response(
        content=cast(Any, content),  # the document, encoded
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "X-Registry-Revision": str(revision),
        },
    )


@dataclass
class _ImportOperation(Operation):
    """The import reads its body raw (YAML or JSON); this describes it as a registry document."""

    def __post_init__(self) -> None:
        schema = Reference(ref="#/components/schemas/RegistryDocument")
        self.request_body = RequestBody(
            content={
                **{media: OpenAPIMediaType(schema=schema) for media in MEDIA_TYPES.values()},
                JSONLD: OpenAPIMediaType(schema=_JSONLD_SCHEMA),
            },
            description="A registry document, or the registry as DPV JSON-LD.",
            required=True,
        )


async def import_registry(
    request: Request[Any, Any, Any],
    document_service: NamedDependency[DocumentService],
    dry_run: Annotated[bool, Parameter(description="Report what would change.")] = False,
    prune: Annotated[
        bool, Parameter(description="Delete what the document's organisations no longer list.")
    ] = True,
) -> ImportReport:
    gate: ImportGate = request.app.state.import_gate
    async with gate.turn():  # the body is read only once it is this import's turn
        kind, body = request.headers.get("content-type"), await request.body()
        if is_jsonld(kind):
            document = await read_dpv_document(body)
        else:
            document = await read_document(body, format_of(kind), document_service, prune=prune)
        return await document_service.import_document(
            document, dry_run=dry_run, prune=prune, actor=principal_of(request).actor
        )


def on_import_busy(_: Request[Any, Any, Any], error: ImportBusy) -> Response[ProblemDetails]:
    return problem(
        503, "Service unavailable", str(error), headers={"Retry-After": str(error.retry_after)}
    )


def registry_router(max_document_bytes: int) -> Router:
    importer = post(
        "/import",
        operation_id="import_registry",
        summary="Import a registry document",
        description="Upsert by key, all or nothing: one bad entry changes nothing and every "
        "problem is listed with its path. With `prune`, entities of the document's "
        "organisations that the document no longer lists are deleted. `dry_run` reports "
        "without writing. Send YAML (application/yaml), JSON (application/json), or the "
        "DPV JSON-LD that the export writes (application/ld+json).",
        status_code=200,
        request_max_body_size=max_document_bytes,
        responses=problem_responses(400, 409, 413, 422, 503),
        operation_class=_ImportOperation,
        opt=needs(Permission.WRITE_REGISTRY),
    )(import_registry)
    return Router(
        path="/registry",
        route_handlers=[export_registry, importer],
        tags=["registry"],
        exception_handlers={ImportBusy: on_import_busy},
    )
