"""Entity versions as HTTP entity tags."""

from __future__ import annotations

import re

from ropa.domain.validation import Problem
from ropa.services.errors import ServiceError

ANY_VERSION = -1
_TAG = re.compile(r'^"v(\d{1,18})"$')
_UNQUOTED = re.compile(r"^v?(\d{1,18})$")
_WEAK = re.compile(r'^W/"v?(\d{1,18})"$')
_PATH = "header.If-Match"


class MalformedIfMatch(ServiceError):
    """An If-Match that is no strong entity tag: the fix is in how it is written."""

    status = 400
    title = "Bad request"


def etag(version: int) -> str:
    return f'"v{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names: None when absent, ANY_VERSION for ``*``.

    Entity tags are quoted (RFC 9110, section 8.8.3) and If-Match compares them strongly, so an
    unquoted or weak tag is a malformed request, answered with the form that works.
    """
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return ANY_VERSION
    found = _TAG.match(value)
    if found:
        return int(found.group(1))
    unquoted, weak = _UNQUOTED.match(value), _WEAK.match(value)
    if unquoted or weak:
        version = (unquoted or weak).group(1)  # type: ignore[union-attr]
        why = "a weak entity tag (W/) never matches" if weak else "an entity tag is quoted"
        message = f'{why}: send `If-Match: "v{version}"`, as the ETag header gave it'
    else:
        message = 'send the ETag a read returned, quoted, e.g. `If-Match: "v3"`, or `*`'
    raise MalformedIfMatch(
        f"If-Match `{value[:80]}` is not an entity tag: {message}", [Problem(_PATH, message)]
    )
