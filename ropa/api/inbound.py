"""Checks every request passes before its handler runs, whatever the handler is.

- No query or path parameter holds a NUL character (`ropa.api.params.reject_nul`).
- A JSON body is UTF-8, nests no deeper than `ropa.input.limits.MAX_DEPTH`, repeats no key in
  an object (the decoders would silently keep the last one), and fits the handler's body type
  without coercion: ``"criminal": 0`` is not a boolean, ``"1"`` is not a number. The
  framework's own decoding is lenient about types; this one is what the schema says.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from ropa.api.bodies import check_body
from ropa.api.params import reject_nul
from ropa.input.document import decode_json_strictly, reject_duplicate_json_keys

_WRITES = frozenset({"POST", "PUT", "PATCH"})


async def check_inbound(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook: 400/422 problems for malformed input."""
    reject_nul(request)
    if request.method not in _WRITES or "json" not in request.headers.get("content-type", ""):
        return
    if request.url.path.endswith("/registry/import"):
        return  # the document parser checks its own input, off the event loop
    raw = await request.body()
    reject_duplicate_json_keys(raw)
    await check_body(request, raw)  # every structural problem at once, with suggestions
    body = request.route_handler.parsed_fn_signature.parameters.get("data")
    if body is not None and isinstance(body.annotation, type):
        decode_json_strictly(raw, body.annotation)
