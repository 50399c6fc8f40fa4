"""The OpenAPI document made to say what the service does, where the framework leaves it out.

- Bodies decoded into structs that forbid unknown fields say ``additionalProperties: false``
  (the service answers 422 for a field it does not know).
- Routes served without a token (``/health`` and the like) say ``security: []``.

Applied once to the generated document when the app is built; a test (schemathesis, every
check) holds the document and the behaviour together.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import OpenAPI, Reference, Schema

from ropa.api.auth import PUBLIC_PATHS
from ropa.api.tokens import NewToken
from ropa.domain import model as m


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
    for path, item in (document.paths or {}).items():
        if not path.startswith(PUBLIC_PATHS):
            continue
        for operation in (item.get, item.head, item.post, item.put, item.delete):
            if operation is not None:
                operation.security = []


def _base_name(component: str) -> str:
    """``Activity`` for ``Activity`` and for names Litestar qualifies (``ropa_domain_...``)."""
    return component.rsplit("_", 1)[-1] if "_" in component else component


__all__ = ["Reference", "tighten"]
