"""The OpenAPI document made to say what the service does, where the framework leaves it out.

- Bodies decoded into structs that forbid unknown fields say ``additionalProperties: false``
  (the service answers 422 for a field it does not know).
- Routes served without a token (``/health`` and the like) say ``security: []``.
- Structs encoded as arrays (the map's rows: ``array_like``) are described as arrays, their
  fields as ``prefixItems`` in order.

Applied once to the generated document when the app is built; a test (schemathesis, every
check) holds the document and the behaviour together.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import OpenAPI, OpenAPIType, Reference, Schema

from ropa.api.auth import PUBLIC_PATHS
from ropa.api.tokens import NewToken
from ropa.domain import model as m
from ropa.render import map as data_map


def _strict_struct_names() -> set[str]:
    types: list[type[Any]] = [NewToken, *_structs_of(m)]
    return {t.__name__ for t in types if t.__struct_config__.forbid_unknown_fields}


def _structs_of(module: Any) -> list[type[msgspec.Struct]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, msgspec.Struct)
    ]


def tighten(app: Litestar) -> None:
    """Bring ``app``'s OpenAPI document in line with its behaviour (see the module notes)."""
    document: OpenAPI = app.openapi_schema
    strict = _strict_struct_names()
    schemas = (document.components.schemas or {}) if document.components else {}
    for name, schema in schemas.items():
        if isinstance(schema, Schema) and _base_name(name) in strict and schema.properties:
            schema.additional_properties = False
    rows = {t.__name__ for t in _structs_of(data_map) if t.__struct_config__.array_like}
    for name, schema in schemas.items():
        if isinstance(schema, Schema) and _base_name(name) in rows and schema.properties:
            _as_row(schema)
    for path, item in (document.paths or {}).items():
        if not path.startswith(PUBLIC_PATHS):
            continue
        for operation in (item.get, item.head, item.post, item.put, item.delete):
            if operation is not None:
                operation.security = []


def _as_row(schema: Schema) -> None:
    """An object schema rewritten as the array msgspec writes: fields in order, trailing
    fields left at their default omitted."""
    fields = list((schema.properties or {}).values())
    required = set(schema.required or ())
    names = list((schema.properties or {}).keys())
    schema.type = OpenAPIType.ARRAY
    schema.prefix_items = fields
    schema.min_items = max((i + 1 for i, n in enumerate(names) if n in required), default=0)
    schema.max_items = len(fields)
    schema.properties = None
    schema.required = None
    schema.additional_properties = None


def _base_name(component: str) -> str:
    """``Activity`` for ``Activity`` and for names Litestar qualifies (``ropa_domain_...``)."""
    return component.rsplit("_", 1)[-1] if "_" in component else component


__all__ = ["Reference", "tighten"]
