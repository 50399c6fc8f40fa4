"""The baseline: a bare Litestar app returning a small JSON object, served like ropa.

    uvicorn bench.bare_app:create_app --factory

Its handler is async, like ropa's, and it has no middleware, database or OpenAPI work.
"""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello")
async def hello() -> dict[str, str]:
    return {"status": "ok", "service": "bare"}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello, health], debug=False)
