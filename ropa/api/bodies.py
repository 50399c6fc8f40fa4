"""Request bodies checked whole before Litestar decodes them.

Litestar's decoder stops at the first value that does not fit; a route that declares
``opt={"entity_kind": ...}`` (or ``opt={"body_type": ...}``) has its JSON body checked here
instead, so the answer lists every structural and semantic problem together, in body order.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from ropa.domain.structure import in_document_order, structure_problems
from ropa.domain.validation import InvalidInput


async def check_body(request: Request[Any, Any, Any], body: bytes) -> None:
    """Raise InvalidInput with every problem of a JSON body the route declares a type for."""
    opt = request.route_handler.opt
    kind = opt.get("entity_kind")
    body_type = opt.get("body_type")
    if kind is None and body_type is None:
        return
    data = json.loads(body)  # well-formed: checked for duplicate keys just before
    if kind is not None:
        await request.app.state.services.entities.typed(kind, data)
        return
    if body_type is not None:
        problems = structure_problems(data, body_type)
        if problems:
            raise InvalidInput(in_document_order(problems, data))
