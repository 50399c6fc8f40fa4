"""CRUD routes for every entity kind, generated from the kind registry.

Each kind gets the same five operations with its own typed body, filters and operation ids, so
the OpenAPI document describes every resource precisely while the behaviour is written once.
Stored bodies are canonical JSON already, so reads send them without decoding.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

import msgspec
from litestar import Request, Response, Router, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import HeaderParameter, JSONBody, Parameter, RawBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ropa.api.auth import needs, principal_of
from ropa.api.etags import etag, parse_if_match
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.domain.kinds import FILTER_TARGETS, KindSpec
from ropa.domain.model import KEY_PATTERN
from ropa.domain.validation import InvalidInput, Problem, a_label
from ropa.services.entities import MAX_PAGE, EntityService
from ropa.services.patching import MERGE_PATCH
from ropa.store.repository import StoredEntity

JSON = "application/json"
_FILTER_HELP = {
    "source": "A node written `system:<key>` or `party:<key>`.",
    "target": "A node written `system:<key>` or `party:<key>`.",
}


def _entity_response(stored: StoredEntity, status: int = 200) -> Response[Any]:
    return Response(
        content=stored.body.encode(),
        status_code=status,
        media_type=JSON,
        headers={"ETag": etag(stored.version)},
    )


def _page_type(spec: KindSpec) -> type[msgspec.Struct]:
    return msgspec.defstruct(
        f"{spec.type.__name__}Page",
        [
            ("items", list[spec.type]),  # type: ignore[name-defined]
            ("total", int),
            ("next_after", str | None),
        ],
        kw_only=True,
    )


def _with_signature(fn: Any, parameters: list[inspect.Parameter], returns: Any, name: str) -> Any:
    """Give a generic handler the typed signature Litestar reads for parsing and OpenAPI."""
    fn.__signature__ = inspect.Signature(parameters, return_annotation=returns)
    fn.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    fn.__name__ = fn.__qualname__ = name
    return fn


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


KeyPath = Annotated[
    str, Parameter(description="The entity's key.", pattern=KEY_PATTERN, max_length=128)
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description="The ETag of the version this change was based on, or `*`. Required: "
        "without it the answer is 428.",
        required=True,
    ),
]


PATCH_MEDIA_TYPES = (MERGE_PATCH, JSON)


@dataclass
class _PatchOperation(Operation):
    """The patch reads its body raw; this describes it as a merge patch of the entity."""

    def __post_init__(self) -> None:
        kind = (self.operation_id or "").removeprefix("patch_")
        name = next((s.type.__name__ for s in _SPECS if s.name == kind), "")
        schema = Schema(
            type=OpenAPIType.OBJECT,
            description=f"A JSON Merge Patch (RFC 7396) of {a_label(kind)}: only the fields "
            "to change; `null` removes a field (back to its default). Fields are those of "
            f"[{name}](#/components/schemas/{name}).",
        )
        self.request_body = RequestBody(
            content={media: OpenAPIMediaType(schema=schema) for media in PATCH_MEDIA_TYPES},
            description="The fields to change.",
            required=True,
        )


_SPECS: list[KindSpec] = []


def entity_router(
    spec: KindSpec, create_handler: Callable[[], HTTPRouteHandler] | None = None
) -> Router:
    """The CRUD routes of one kind; ``create_handler`` replaces the generic create."""
    _SPECS.append(spec)
    entity_type: Any = spec.type  # Any: applied in annotations built at runtime
    page_type: Any = _page_type(spec)
    tag = spec.collection.replace("_", " ")
    filters = [f for f in spec.filters if f != "organisation"]
    scoped = "organisation" in spec.filters

    async def list_entities(
        entity_service: NamedDependency[EntityService], **query: Any
    ) -> Response[Any]:
        chosen = {f: query[f] for f in filters if query.get(f) is not None}
        page = await entity_service.list(
            spec.name,
            organisation=query.get("organisation"),
            filters=chosen,
            after=query.get("after"),
            limit=query["limit"],
        )
        body = b"".join(
            (
                b'{"items":[',
                b",".join([item.body for item in page.items]),
                b'],"total":',
                str(page.total).encode(),
                b',"next_after":',
                msgspec.json.encode(page.next_after),
                b"}",
            )
        )
        return Response(content=body, media_type=JSON)

    list_params = [_param("entity_service", NamedDependency[EntityService])]
    if scoped:
        list_params.append(
            _param(
                "organisation",
                Annotated[
                    str | None,
                    Parameter(description="Only entities of this organisation.", max_length=128),
                ],
                None,
            )
        )
    for name in filters:
        target = FILTER_TARGETS.get(name)
        help_text = _FILTER_HELP.get(
            name,
            f"Only entries that refer to this {target.replace('_', ' ')}."
            if target
            else f"Only entries with this {name}.",
        )
        list_params.append(
            _param(
                name,
                Annotated[str | None, Parameter(description=help_text, max_length=200)],
                None,
            )
        )
    list_params += [
        _param(
            "after",
            Annotated[
                str | None,
                Parameter(
                    description="Continue after this key (the previous page's `next_after`).",
                    max_length=128,
                ),
            ],
            None,
        ),
        _param(
            "limit",
            Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page size.")],
            100,
        ),
    ]
    list_handler = get(
        "/",
        operation_id=f"list_{spec.collection}",
        summary=f"List {tag}",
        description=f"{tag.capitalize()} in key order, one page at a time.",
        responses=problem_responses(400),
        opt=needs(Permission.READ_REGISTRY),
    )(_with_signature(list_entities, list_params, Response[page_type], f"list_{spec.collection}"))

    async def create_entity(
        request: Request[Any, Any, Any], entity_service: NamedDependency[EntityService], data: Any
    ) -> Response[Any]:
        stored = await entity_service.create(data, principal_of(request).actor)
        response = _entity_response(stored, HTTP_201_CREATED)
        response.headers["Location"] = f"/api/v1/{spec.path}/{stored.key}"
        return response

    creator = (
        create_handler()
        if create_handler is not None
        else post(
            "/",
            operation_id=f"create_{spec.name}",
            summary=f"Create {a_label(spec.name)}",
            status_code=HTTP_201_CREATED,
            responses=problem_responses(400, 409, 413, 422),
            opt=needs(Permission.WRITE_REGISTRY) | {"entity_kind": spec.name},
        )(
            _with_signature(
                create_entity,
                [
                    _param("request", Request),
                    _param("entity_service", NamedDependency[EntityService]),
                    _param("data", cast(Any, JSONBody)[entity_type]),
                ],
                Response[entity_type],
                f"create_{spec.name}",
            )
        )
    )

    async def get_entity(entity_service: NamedDependency[EntityService], key: str) -> Response[Any]:
        return _entity_response(await entity_service.get(spec.name, key))

    get_handler = get(
        "/{key:str}",
        operation_id=f"get_{spec.name}",
        summary=f"Get {a_label(spec.name)}",
        responses=problem_responses(400, 404),
        opt=needs(Permission.READ_REGISTRY),
    )(
        _with_signature(
            get_entity,
            [_param("entity_service", NamedDependency[EntityService]), _param("key", KeyPath)],
            Response[entity_type],
            f"get_{spec.name}",
        )
    )

    async def replace_entity(
        request: Request[Any, Any, Any],
        entity_service: NamedDependency[EntityService],
        key: str,
        data: Any,
        if_match: str | None,
    ) -> Response[Any]:
        stored = await entity_service.replace(
            spec.name, key, data, parse_if_match(if_match), principal_of(request).actor
        )
        return _entity_response(stored)

    replace_handler = put(
        "/{key:str}",
        operation_id=f"replace_{spec.name}",
        summary=f"Replace {a_label(spec.name)}",
        description="Needs If-Match with the ETag last read; a stale one gets 412.",
        responses=problem_responses(400, 404, 409, 412, 413, 422, 428),
        opt=needs(Permission.WRITE_REGISTRY) | {"entity_kind": spec.name},
    )(
        _with_signature(
            replace_entity,
            [
                _param("request", Request),
                _param("entity_service", NamedDependency[EntityService]),
                _param("key", KeyPath),
                _param("data", cast(Any, JSONBody)[entity_type]),
                _param("if_match", IfMatch, None),
            ],
            Response[entity_type],
            f"replace_{spec.name}",
        )
    )

    async def patch_entity(
        request: Request[Any, Any, Any],
        entity_service: NamedDependency[EntityService],
        key: str,
        body: bytes,
        if_match: str | None,
    ) -> Response[Any]:
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media not in PATCH_MEDIA_TYPES:
            raise HTTPException(
                status_code=415,
                detail=f"send the patch as `Content-Type: {MERGE_PATCH}` (or {JSON})",
            )
        try:
            data = json.loads(body)
        except ValueError as error:
            raise InvalidInput([Problem("$", f"not valid JSON: {error}")], 400) from error
        stored = await entity_service.patch(
            spec.name, key, data, parse_if_match(if_match), principal_of(request).actor
        )
        return _entity_response(stored)

    patch_handler = patch(
        "/{key:str}",
        operation_id=f"patch_{spec.name}",
        operation_class=_PatchOperation,
        summary=f"Change fields of {a_label(spec.name)}",
        description="A JSON Merge Patch (RFC 7396, `application/merge-patch+json`; "
        "`application/json` is accepted too): only the fields to change, `null` to remove one. "
        "Needs If-Match with the ETag last read; a stale one gets 412.",
        responses=problem_responses(400, 404, 409, 412, 413, 415, 422, 428),
        opt=needs(Permission.WRITE_REGISTRY),
    )(
        _with_signature(
            patch_entity,
            [
                _param("request", Request),
                _param("entity_service", NamedDependency[EntityService]),
                _param("key", KeyPath),
                _param("body", RawBody),
                _param("if_match", IfMatch, None),
            ],
            Response[entity_type],
            f"patch_{spec.name}",
        )
    )

    async def delete_entity(
        request: Request[Any, Any, Any],
        entity_service: NamedDependency[EntityService],
        key: str,
        if_match: str | None,
    ) -> None:
        await entity_service.delete(
            spec.name, key, parse_if_match(if_match), principal_of(request).actor
        )

    delete_handler = delete(
        "/{key:str}",
        operation_id=f"delete_{spec.name}",
        summary=f"Delete {a_label(spec.name)}",
        description="Needs If-Match; refused with 409 while other entries refer to it.",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(400, 404, 409, 412, 428),
        opt=needs(Permission.WRITE_REGISTRY),
    )(
        _with_signature(
            delete_entity,
            [
                _param("request", Request),
                _param("entity_service", NamedDependency[EntityService]),
                _param("key", KeyPath),
                _param("if_match", IfMatch, None),
            ],
            None,
            f"delete_{spec.name}",
        )
    )

    return Router(
        path=f"/{spec.path}",
        route_handlers=[
            list_handler,
            creator,
            get_handler,
            replace_handler,
            patch_handler,
            delete_handler,
        ],
        tags=[tag],
    )
