"""The ``Allow`` header of OPTIONS answers names every method of the resource.

Litestar answers OPTIONS from the route object a path had when its first handler was
registered; handlers added to the same path later (a collection's GET and POST come from
different routers) are missing from that ``Allow``. The app's routes know them all.
"""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

_PARAMETER = re.compile(r"\{(\w+):[^}]+\}")


def allow_every_method(app: Litestar) -> None:
    """Correct ``Allow`` on every OPTIONS answer of ``app`` from its routes."""
    allowed: dict[str, bytes] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods = ", ".join(sorted(route.methods)).encode()
            allowed[route.path] = methods
            allowed[_PARAMETER.sub(r"{\1}", route.path)] = methods  # as routing names it

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        methods = allowed.get(str(scope.get("path_template", "")))
        if methods is None:
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        headers.append((b"allow", methods))
        message["headers"] = headers

    app.before_send.append(before_send)
