"""Errors as RFC 9457 problem details, each naming the failing field's path where there is one."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from ropa.domain.validation import InvalidInput, Problem, humanise
from ropa.services.errors import ServiceError
from ropa.store.dialect import INTEGRITY_ERRORS

log = logging.getLogger("ropa.api")
MEDIA_TYPE = "application/problem+json"
_AT_PATH = re.compile(r" - at `(\$[^`]*)`")


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, with every problem found listed under ``errors``."""

    title: str
    status: int
    detail: str
    type: str = "about:blank"
    errors: list[Problem] = msgspec.field(default_factory=list)


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[Problem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    return Response(
        ProblemDetails(title=title, status=status, detail=detail, errors=errors or []),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _titles(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        408: "Request timeout",
        412: "Precondition failed",
        413: "Request body too large",
        415: "Unsupported media type",
        422: "Invalid input",
        428: "Precondition required",
        503: "Service unavailable",
    }.get(status, "Error")


def on_invalid_input(_: Request[Any, Any, Any], error: InvalidInput) -> Response[ProblemDetails]:
    count = len(error.problems)
    detail = error.problems[0].message if count == 1 else f"{count} problems found"
    if count == 1 and error.problems[0].path != "$":
        detail = f"{error.problems[0].path}: {detail}"
    return problem(error.status, _titles(error.status), detail, error.problems)


def on_service_error(_: Request[Any, Any, Any], error: ServiceError) -> Response[ProblemDetails]:
    return problem(error.status, error.title, error.detail, error.problems)


def on_http_exception(
    request: Request[Any, Any, Any], error: HTTPException
) -> Response[ProblemDetails]:
    problems: list[Problem] = []
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        for item in error.extra:
            if isinstance(item, dict):
                if item.get("key") in request.query_params and item.get("source") == "body":
                    # Litestar takes any name starting with "data" (data_subject,
                    # data_category) for the body
                    item = item | {"source": "query"}
                problems.append(_problem_from_litestar(item))
    detail = str(error.detail)
    if problems:
        detail = (
            f"{problems[0].path}: {problems[0].message}"
            if len(problems) == 1
            else f"{len(problems)} problems found"
        )
    status = error.status_code
    if status == 400 and problems and all(p.path.startswith("$") for p in problems):
        status = 422  # the body parsed, but a field's value does not fit the model
    return problem(status, _titles(status), detail, problems, dict(error.headers or {}))


def _problem_from_litestar(item: dict[str, Any]) -> Problem:
    message = humanise(str(item.get("message", "invalid value")))
    source = getattr(item.get("source"), "value", item.get("source"))
    key = item.get("key")
    found = _AT_PATH.search(message)
    if source in ("query", "path", "header", "cookie") and key:
        return Problem(f"{source}.{key}", _AT_PATH.sub("", message))
    if found:  # a field inside the body
        return Problem(found.group(1), _AT_PATH.sub("", message))
    if not key or key == "data":  # Litestar names the whole body `data`
        return Problem("$", message)
    if source == "body":  # a top-level field of the body
        return Problem(f"$.{key}", message)
    kind = source if source in ("path", "header", "cookie") else "query"
    return Problem(f"{kind}.{key}", message)


def on_integrity_error(_: Request[Any, Any, Any], error: Exception) -> Response[ProblemDetails]:
    return problem(409, "Conflict", f"the change conflicts with the stored registry: {error}")


def on_unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[ProblemDetails]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal server error",
        "the service failed to handle this request; nothing was changed",
    )


_DESCRIPTIONS = {
    400: "Malformed request: unparseable body or a bad query parameter.",
    401: "No token, or an unknown or revoked one.",
    403: "The token's role may not do this, or not for this organisation.",
    404: "No entity with that key.",
    409: "Conflicts with the registry: the key exists, or others still refer to the entity.",
    412: "If-Match names a version that is no longer current.",
    413: "The request body is larger than the service accepts.",
    415: "The body's media type is not one this operation reads.",
    422: "The body parsed but is invalid: every problem is listed with its path.",
    428: "If-Match is required for this change.",
    503: "A renderer the service needs is not available, the worker already runs as many "
    "renders as it may (see Retry-After), or the database connection was lost.",
}


def problem_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI descriptions of the problem responses an operation can give."""
    return {
        code: ResponseSpec(
            data_container=ProblemDetails,
            description=_DESCRIPTIONS[code],
            media_type=MEDIA_TYPE,
        )
        for code in sorted({400, 401, 403, *codes})
    }


def exception_handlers() -> dict[type[Exception] | int, Any]:
    handlers: dict[type[Exception] | int, Any] = {
        InvalidInput: on_invalid_input,
        ServiceError: on_service_error,
        HTTPException: on_http_exception,
        **dict.fromkeys(INTEGRITY_ERRORS, on_integrity_error),
        Exception: on_unexpected,
    }
    return handlers
