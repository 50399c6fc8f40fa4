"""The architects' web page: one static page at /viewer/ that reads the API with a bearer token.

The page itself holds no registry data and needs no token: it is HTML, CSS and ES modules served
from ``static/`` (nothing from a CDN, no build step). Everything it shows comes from the API,
fetched by the browser with the token the architect enters, so the API's permissions apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router, get
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
VIEWER_PATH = "/viewer"
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


def _page_headers(app: ASGIApp) -> ASGIApp:
    """Security headers on every page response, and ``/viewer`` sent to ``/viewer/`` so that
    the page's relative URLs resolve inside it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if scope["path"] == VIEWER_PATH and not raw_path.endswith(b"/"):
            query = scope.get("query_string", b"")
            location = f"{scope.get('root_path', '')}{VIEWER_PATH}/".encode()
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
    """The viewer's routes: ``/`` redirecting to ``/viewer/``, and the page's static files."""
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
        route_handlers=[home, static],
        middleware=[_page_headers],
        include_in_schema=False,
    )


__all__ = ["STATIC_DIR", "VIEWER_PATH", "web_router"]
