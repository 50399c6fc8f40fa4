"""Importing a record kept as a spreadsheet: POST /api/v1/registry/import-sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, Router, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter

from ropa.api.auth import needs, principal_of
from ropa.api.problems import ProblemDetails, problem, problem_responses
from ropa.auth.roles import Permission
from ropa.services.documents import DocumentService
from ropa.services.import_gate import ImportGate
from ropa.sheets import MAX_BYTES, SheetError, kind_of, parse_layout
from ropa.sheets.reader import MEDIA_TYPES
from ropa.sheets.service import SheetImporter, SheetImportReport

MULTIPART = "multipart/form-data"
EXAMPLE_CSV = (
    "Processing activity,Purpose of processing,Categories of individuals,"
    "Categories of personal data,Lawful basis,Retention schedule\n"
    "Newsletter,Monthly product newsletter,Customers,Email address,Consent,"
    "2 years after the last newsletter opened\n"
)
"""A small hand-kept sheet, the request example."""


@dataclass
class _SheetOperation(Operation):
    """The body is the spreadsheet itself, or a form with the file (and a mapping file)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        form = Schema(
            type=OpenAPIType.OBJECT,
            properties={"file": binary, "mapping": binary},
            required=["file"],
        )
        content = {"text/csv": OpenAPIMediaType(schema=binary, example=EXAMPLE_CSV)}
        content |= {
            media: OpenAPIMediaType(schema=binary) for media in MEDIA_TYPES if media not in content
        }
        content[MULTIPART] = OpenAPIMediaType(schema=form)
        self.request_body = RequestBody(
            content=content,
            required=True,
            description="An xlsx, ods or csv file, as the body or as the form field `file`; "
            "a layout file for other sheets as the form field `mapping`.",
        )


async def _upload(request: Request[Any, Any, Any]) -> tuple[bytes, str, bytes | None]:
    """The file's bytes, its name or media type, and the mapping file's bytes (if any)."""
    media = request.headers.get("content-type", "")
    if not media.startswith(MULTIPART):
        return await request.body(), media, None
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise SheetError("the form has no file field `file`")
    mapping = form.get("mapping")
    layout = await mapping.read() if isinstance(mapping, UploadFile) else None
    return await upload.read(), upload.filename or upload.content_type, layout


async def import_sheet(
    request: Request[Any, Any, Any],
    sheet_importer: NamedDependency[SheetImporter],
    dry_run: Annotated[bool, Parameter(description="Report what would change.")] = False,
    organisation: Annotated[
        str | None,
        Parameter(description="The organisation's key (default: from the sheet).", max_length=128),
    ] = None,
    organisation_name: Annotated[
        str | None,
        Parameter(description="The organisation's name (default: from the sheet).", max_length=500),
    ] = None,
) -> SheetImportReport:
    gate: ImportGate = request.app.state.import_gate
    async with gate.turn():
        raw, name, mapping = await _upload(request)
        kind = kind_of(name)
        layout = parse_layout(mapping, "mapping") if mapping else None
        return await sheet_importer.import_sheet(
            raw,
            kind,
            mapping=layout,
            organisation=organisation,
            organisation_name=organisation_name,
            dry_run=dry_run,
            actor=principal_of(request).actor,
        )


def on_sheet_error(_: Request[Any, Any, Any], error: SheetError) -> Response[ProblemDetails]:
    titles = {413: "Request body too large", 415: "Unsupported media type"}
    return problem(error.status, titles.get(error.status, "Unreadable spreadsheet"), str(error))


def _importer(document_service: NamedDependency[DocumentService]) -> SheetImporter:
    return SheetImporter(document_service)


def sheets_router() -> Router:
    handler = post(
        "/import-sheet",
        operation_id="import_sheet",
        summary="Import a record kept as a spreadsheet",
        description="An xlsx, ods or csv record (the ICO template, a CNIL register, ropa's own "
        "workbook, or any sheet with a `mapping` layout) read into a registry document, "
        "which is then imported all or nothing, as `/registry/import` does (`dry_run` "
        "reports without writing). The answer lists every cell not mapped, kept in notes or "
        "read by a guess, with its sheet and cell. A refused file (encrypted, macros, "
        "formulas, empty, too large) is a 4xx naming the sheet and cell.",
        status_code=200,
        request_max_body_size=MAX_BYTES + 1024 * 1024,
        responses=problem_responses(409, 413, 415, 422, 503),
        operation_class=_SheetOperation,
        opt=needs(Permission.WRITE_REGISTRY),
    )(import_sheet)
    return Router(
        path="/registry",
        route_handlers=[handler],
        tags=["registry"],
        dependencies={"sheet_importer": Provide(_importer, sync_to_thread=False)},
        exception_handlers={SheetError: on_sheet_error},
    )
