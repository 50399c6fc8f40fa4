"""The web pages: the architects' viewer at /viewer/ and the records page at /records/, static
pages that read the API with a bearer token.

The pages hold no registry data and need no token: they are HTML, CSS and ES modules served
from ``static/`` (nothing from a CDN, no build step). Everything they show comes from the API,
fetched by the browser with the token the reader enters, so the API's permissions apply. The
records page lists the organisations a token may read, with their Article 30 record in every
profile and the editions the token may have; its assets are served with the viewer's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.enums import MediaType, ScopeType
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
VIEWER_PATH = "/viewer"
RECORDS_PATH = "/records"
RECORDS_PAGE = STATIC_DIR / "records.html"
PAGE_PATHS = (VIEWER_PATH, RECORDS_PATH)
"""Pages whose relative URLs need the trailing slash."""
PUBLIC: dict[str, Any] = {"public": True, "exclude_from_auth": True}
"""Served without a token: ``public`` passes the permission check, ``exclude_from_auth`` the
bearer-token middleware (the page asks for the token itself and sends it with every call)."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # presentation attributes of the inlined diagrams
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


@get("/", include_in_schema=False, opt=PUBLIC, name="viewer-home")
async def home() -> Redirect:
    """The service's root opens the viewer."""
    return Redirect(f"{VIEWER_PATH}/")


@get(
    f"{RECORDS_PATH}/",
    include_in_schema=False,
    opt=PUBLIC,
    name="records-page",
    cache_control=CacheControlHeader(no_cache=True),
)
async def records_page() -> Response[bytes]:
    """The regulators' page of records (``static/records.html``)."""
    return Response(RECORDS_PAGE.read_bytes(), media_type=MediaType.HTML)


def _page_headers(app: ASGIApp) -> ASGIApp:
    """Security headers on every page response, and ``/viewer`` and ``/records`` sent to
    ``/viewer/`` and ``/records/`` so that the pages' relative URLs resolve inside them."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if scope["path"] in PAGE_PATHS and not raw_path.endswith(b"/"):
            query = scope.get("query_string", b"")
            location = f"{scope.get('root_path', '')}{scope['path']}/".encode()
            if query:
                location += b"?" + query
            await send(
                {
                    "type": "http.response.start",
                    "status": 308,
                    "headers": [(b"location", location), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in PAGE_HEADERS:
                    headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def web_router() -> Router:
    """The pages' routes: ``/`` redirecting to ``/viewer/``, the records page, and the pages'
    static files."""
    static = create_static_files_router(
        path=VIEWER_PATH,
        directories=[STATIC_DIR],
        html_mode=True,
        name="viewer",
        opt=PUBLIC,
        include_in_schema=False,
        cache_control=CacheControlHeader(no_cache=True),
    )
    return Router(
        path="/",
        route_handlers=[home, records_page, static],
        middleware=[_page_headers],
        include_in_schema=False,
    )


__all__ = ["RECORDS_PATH", "STATIC_DIR", "VIEWER_PATH", "web_router"]
