"""The service with the architects' viewer, for the browser tests.

Until ``create_app`` mounts the viewer itself, this adds ``ropa.web.web_router()`` to the app it
builds; once it does, the app is served as it is. Run with
``uvicorn --app-dir tests/browser web_server:create_app --factory``.
"""

from __future__ import annotations

from litestar import Litestar

from ropa.api.app import create_app as create_service
from ropa.web import VIEWER_PATH, web_router


def create_app() -> Litestar:
    app = create_service()
    if not any(route.path.startswith(VIEWER_PATH) for route in app.routes):
        app.register(web_router())
    return app
