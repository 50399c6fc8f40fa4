"""Failures a service reports to its caller; every face maps them onto its own form."""

from __future__ import annotations

from ropa.domain.validation import InvalidInput, Problem

__all__ = [
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "ServiceError",
]


class ServiceError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class PreconditionFailed(ServiceError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(ServiceError):
    status = 428
    title = "Precondition required"
