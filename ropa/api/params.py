"""Query and path parameters checked the same way everywhere: bounded, strict, free of NUL.

- `reject_nul`: PostgreSQL cannot hold a NUL character in text, so a parameter carrying one
  would fail inside the driver; it is refused first, naming the parameter, on both engines.
- `Since`, `Until` and `instant`: a date or date-time parameter parsed strictly (``0.5`` is not a
  moment, as a lenient decoder would take it), and brought into the range every engine can
  store: a moment before the year 1 or after 9999 in UTC is the first or last one there is.
- `MAX_AUDIT_ID`: the largest id a PostgreSQL ``serial`` column holds; the audit cursor is
  bounded by it in the schema and in code.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar.connection import ASGIConnection
from litestar.params import Parameter

from ropa.domain.validation import InvalidInput, Problem
from ropa.input.moments import INSTANT_PATTERN, parse_instant, to_utc

MAX_AUDIT_ID = 2**31 - 1
"""Audit entry ids are PostgreSQL ``serial`` values: no id is larger."""


def _instant(description: str) -> Any:
    return Parameter(
        description=f"{description} An ISO 8601 date or date-time (UTC if no zone).",
        max_length=40,
        pattern=INSTANT_PATTERN,
        schema_extra={"format": "date-time"},
    )


Since = Annotated[str | None, _instant("At or after.")]
"""A lower bound in time, parsed with `instant`."""
Until = Annotated[str | None, _instant("At or before.")]
"""An upper bound in time, parsed with `instant`."""


def instant(value: str | None, name: str) -> dt.datetime | None:
    """The UTC moment a parameter names, clamped to the years 1 to 9999; 400 naming it if not
    an ISO 8601 date or date-time. A bare date means its start."""
    if value is None:
        return None
    try:
        return to_utc(parse_instant(value))
    except ValueError:
        raise InvalidInput(
            [Problem(f"query.{name}", "give an ISO 8601 date or date-time")], 400
        ) from None


def reject_nul(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """InvalidInput (400) naming the first query or path parameter that holds a NUL."""
    scope = connection.scope
    query: bytes = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query and "\x00" not in scope["path"]:
        return  # nothing to name: a NUL reaches a parameter only through one of these
    for name, value in connection.query_params.multi_items():
        if "\x00" in name or "\x00" in str(value):
            raise _nul(f"query.{name.replace(chr(0), '?')}")
    for name, value in (connection.path_params or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise _nul(f"path.{name}")


def _nul(where: str) -> InvalidInput:
    return InvalidInput(
        [Problem(where, "contains a NUL character (U+0000), which no parameter may hold")], 400
    )
