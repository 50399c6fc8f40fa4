"""The privacy notice of an organisation, and a published notice checked against the registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Parameter, QueryParameter

from ropa.api.auth import needs, visible_organisation
from ropa.api.downloads import download
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.domain.validation import InvalidInput, Problem
from ropa.notice import build, reading, render, words
from ropa.render import lint
from ropa.services.errors import NotFound
from ropa.services.notice import NoticeService

Key = Annotated[str, Parameter(description="The organisation's key.", max_length=128)]
AsOf = Annotated[
    str | None,
    Parameter(
        description="As the registry stood at this revision number or ISO 8601 date or time.",
        max_length=40,
    ),
]
On = Annotated[dt.date | None, Parameter(description="Judge findings as on this day.")]
NOTICE_MEDIA = {"text/plain": "text", "text/markdown": "md", "text/html": "html"}


def _bad(where: str, message: str) -> InvalidInput:
    return InvalidInput([Problem(where, message)], 400)


@dataclass
class _NoticeOperation(Operation):
    """The notice answers in the media type of the format asked for."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            text = Schema(type=OpenAPIType.STRING)
            ok.content = {
                "text/html": OpenAPIMediaType(schema=text),
                "text/markdown": OpenAPIMediaType(schema=text),
                "application/pdf": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ),
            }


@get(
    "/organisations/{key:str}/notice",
    operation_id="render_notice",
    operation_class=_NoticeOperation,
    summary="The organisation's privacy notice",
    description="The Art 13/14 notice written from the registry: controller, representative and "
    "DPO; per purpose the basis and the legitimate interest; recipients; transfers with their "
    "safeguard; retention per category; rights; automated decisions; sources. Every statement "
    "names its registry entry (HTML `data-ref`, Markdown footnotes) and every open finding is "
    "marked where it leaves a gap. `language`: en, de or fr; `format`: html, md or pdf. A "
    "regulator token reads the notices of the organisations it is granted.",
    tags=["notice"],
    responses=problem_responses(400, 403, 404),
    opt=needs(Permission.READ_EXPORTS),
)
async def render_notice(
    request: Request[Any, Any, Any],
    notice_service: NamedDependency[NoticeService],
    key: Key,
    language: Annotated[str, Parameter(description="en, de or fr", max_length=8)] = "en",
    fmt: Annotated[
        str, QueryParameter(name="format", description="html, md or pdf", max_length=8)
    ] = "html",
    as_of: AsOf = None,
    on: On = None,
) -> Response[bytes]:
    organisation = visible_organisation(request, key) or key
    if language not in words.LANGUAGES:
        raise _bad(
            "query.language", f"unknown language; expected one of {', '.join(words.LANGUAGES)}"
        )
    if fmt not in render.FORMATS:
        raise _bad("query.format", f"unknown format; expected one of {', '.join(render.FORMATS)}")
    try:
        rendered = await notice_service.notice(organisation, language, fmt, as_of, on)
    except build.UnknownOrganisation as error:
        raise NotFound(f"no organisation `{organisation}` in the registry") from error
    return download(rendered, "attachment" if fmt == "pdf" else "inline")


@dataclass
class _CheckOperation(Operation):
    """The check reads its body raw: the published notice as text, Markdown or HTML."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING)
        self.request_body = RequestBody(
            content={media: OpenAPIMediaType(schema=text) for media in NOTICE_MEDIA},
            description="The published notice (UTF-8).",
            required=True,
        )


@post(
    "/organisations/{key:str}/notice-check",
    operation_id="check_notice",
    operation_class=_CheckOperation,
    summary="Check a published notice against the registry",
    description="What the registry holds that the notice does not disclose (recipients, "
    "countries and transfers, bases, retention, DPO contact, rights) and what it says that the "
    'registry contradicts ("we do not share" while processors receive data). Send the notice '
    "as text/plain, text/markdown or text/html in UTF-8 (without a media type, its content "
    "shows which); a notice longer than any published one (2,000 passages or 200,000 "
    "characters of text) is refused. `output`: json (default) or sarif.",
    tags=["notice"],
    status_code=200,
    responses=problem_responses(400, 403, 404, 413, 415),
    opt=needs(Permission.READ_FINDINGS),
)
async def check_notice(
    request: Request[Any, Any, Any],
    notice_service: NamedDependency[NoticeService],
    key: Key,
    output: Annotated[str, Parameter(description="json or sarif", max_length=8)] = "json",
    as_of: AsOf = None,
    on: On = None,
) -> dict[str, Any]:
    organisation = visible_organisation(request, key) or key
    if output not in ("json", "sarif"):
        raise _bad("query.output", "unknown output; expected json or sarif")
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media and media not in NOTICE_MEDIA:
        raise HTTPException(
            status_code=415,
            detail=f"send the notice as {', '.join(NOTICE_MEDIA)} (UTF-8), not {media}",
        )
    try:
        checked = await notice_service.check(
            organisation, await request.body(), NOTICE_MEDIA.get(media), as_of, on
        )
    except reading.UnreadableNotice as error:
        raise _bad("body", str(error)) from error
    except build.UnknownOrganisation as error:
        raise NotFound(f"no organisation `{organisation}` in the registry") from error
    if output == "sarif":
        return lint.sarif(checked.located("notice"), words.checks())
    return checked.as_json(revision=checked.revision)


def notice_router() -> Router:
    return Router(
        path="/",
        route_handlers=[render_notice, check_notice],
    )
