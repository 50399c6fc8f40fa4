"""Entity versions as HTTP entity tags."""

from __future__ import annotations

import re

from ropa.services.errors import PreconditionFailed

ANY_VERSION = -1
_TAG = re.compile(r'^(?:W/)?"v(\d{1,18})"$')


def etag(version: int) -> str:
    return f'"v{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names: None when absent, ANY_VERSION for ``*``."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return ANY_VERSION
    found = _TAG.match(value)
    if not found:
        raise PreconditionFailed(
            f'If-Match `{value[:80]}` matches no version: send the ETag a read returned, e.g. "v3"'
        )
    return int(found.group(1))
