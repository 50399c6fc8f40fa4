"""Limits on what a document or body may be, checked before the parsers recurse into it.

The JSON and YAML parsers recurse once per nesting level, so a body of a thousand ``[`` would
end in a RecursionError deep in a library. A registry document is a few levels deep (document,
collection, entity, field, item); anything nested deeper than `MAX_DEPTH` is refused up front,
with a message that states the limit.
"""

from __future__ import annotations

import re
from itertools import accumulate

from ropa.domain.validation import InvalidInput, Problem

MAX_DEPTH = 64
"""The deepest nesting of lists and mappings a document or body may have."""

_ESCAPED = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_STRUCTURE = frozenset(b'"[]{}')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in _STRUCTURE)
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def too_deep(limit: int = MAX_DEPTH) -> InvalidInput:
    """The 400 for a body nested deeper than ``limit``."""
    return InvalidInput(
        [
            Problem(
                "$",
                f"nested deeper than {limit} levels of lists and mappings; "
                "the service accepts at most that many",
            )
        ],
        400,
    )


def not_utf8(error: UnicodeDecodeError) -> InvalidInput:
    """The 400 for a body that is not UTF-8 text."""
    return InvalidInput(
        [
            Problem(
                "$",
                f"not UTF-8 text: byte 0x{error.object[error.start]:02x} at offset {error.start} "
                "cannot be decoded; send the document encoded as UTF-8",
            )
        ],
        400,
    )


def json_depth(raw: bytes | str) -> int:
    """How deeply lists and objects nest in JSON text (brackets inside strings do not count).

    Runs at C speed over the text (a regular expression removes escapes and strings, a
    translation keeps the brackets), so it costs little beside the parse it protects.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") == 0:
        return 0
    structure = _STRING.sub(b"", _ESCAPED.sub(b"", data).translate(None, _NOT_STRUCTURE))
    return max(accumulate(map(_STEP.__getitem__, structure)), default=0)


def check_json_depth(raw: bytes | str, limit: int = MAX_DEPTH) -> None:
    """InvalidInput (400) when JSON text nests deeper than ``limit``."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:
        return  # cannot nest deeper than it has brackets
    if json_depth(data) > limit:
        raise too_deep(limit)
