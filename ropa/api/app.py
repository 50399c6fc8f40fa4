"""The Litestar application, assembled in one factory."""

from __future__ import annotations

import contextlib
import gc
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import swagger_ui_bundle
from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.static_files import create_static_files_router

from ropa.api.allow import allow_every_method
from ropa.api.auth import SCHEME, authentication
from ropa.api.compression import compression_config
from ropa.api.contract import tighten
from ropa.api.dependencies import dependencies, waiver_dependency
from ropa.api.entities import entity_router
from ropa.api.examples import ExampleJsonRenderPlugin
from ropa.api.exports import exports_router
from ropa.api.findings import findings_router
from ropa.api.history import diff_registry, list_audit
from ropa.api.inbound import check_inbound
from ropa.api.map import map_router
from ropa.api.notice import notice_router
from ropa.api.problems import exception_handlers
from ropa.api.recovery import connection_lost_handlers, recovery
from ropa.api.registry import registry_router
from ropa.api.sheets import sheets_router
from ropa.api.system import health, vocabularies
from ropa.api.timeouts import body_deadline
from ropa.api.tokens import tokens_router
from ropa.api.waivers import create_waiver_handler
from ropa.domain.kinds import KINDS
from ropa.services import Services, build_services
from ropa.services.import_gate import ImportGate
from ropa.services.offload import share_the_interpreter
from ropa.services.waivers import WaiverService
from ropa.settings import Settings
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate
from ropa.web import web_router

API_PREFIX = "/api/v1"
SWAGGER_ASSETS = "/static/swagger"
VERSION = "0.1.0"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ropa",
        version=VERSION,
        description="A registry of processing activities (GDPR Article 30) kept as a data-flow "
        "graph. Every entity is addressed by the stable key its keeper chose. Errors are "
        "RFC 9457 problem details naming the failing field. Writes to an existing entity need "
        "If-Match with the ETag last read.",
        path="/schema",
        security=[{SCHEME: []}],
        components=Components(
            security_schemes={
                SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A token from `ropa token create` (shown once when created).",
                )
            }
        ),
        tags=[Tag(name=spec.collection.replace("_", " ")) for spec in KINDS.values()],
        render_plugins=[
            ExampleJsonRenderPlugin(),
            SwaggerRenderPlugin(
                path=["/", "/swagger"],
                js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
            ),
        ],
    )


def create_app(settings: Settings | None = None, services: Services | None = None) -> Litestar:
    """The service; ``services`` lets tests bring their own engine."""
    settings = settings or Settings()
    share_the_interpreter()
    services = services or build_services(make_engine(settings.database_url))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = services.engine
        if settings.auto_migrate:
            with contextlib.redirect_stdout(io.StringIO()):
                await migrate(engine)
        dialect = services.repository.dialect
        await dialect.open_pool(engine, settings.pool_size)
        # Everything alive now (modules, the app, vocabularies) lives as long as the worker:
        # kept out of the collector's full passes, which then scan only what requests build
        # and answer sooner to the event loop waiting on them.
        gc.freeze()
        try:
            yield
        finally:
            await dialect.close_pool(engine)
            services.repository.close()

    waivers = WaiverService(services.entities, services.judgement, settings.waiver_max_days)
    services.entities.policies["waiver"] = waivers.policy
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            *(
                entity_router(spec, create_waiver_handler if spec.name == "waiver" else None)
                for spec in KINDS.values()
            ),
            registry_router(settings.max_document_bytes),
            sheets_router(),
            findings_router(),
            tokens_router(),
            exports_router(),
            map_router(),
            notice_router(),
        ],
    )
    assets = create_static_files_router(
        path=SWAGGER_ASSETS,
        directories=[Path(swagger_ui_bundle.swagger_ui_path)],
        include_in_schema=False,
    )
    app = Litestar(
        route_handlers=[api, list_audit, diff_registry, health, vocabularies, assets, web_router()],
        lifespan=[lifespan],
        dependencies=dependencies(services) | {"waiver_service": waiver_dependency(waivers)},
        before_request=check_inbound,
        middleware=[recovery(), body_deadline(settings.body_timeout), authentication()],
        exception_handlers=exception_handlers() | connection_lost_handlers(),
        openapi_config=openapi_config(),
        compression_config=compression_config(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
    tighten(app)
    allow_every_method(app)
    app.state.services = services
    app.state.import_gate = ImportGate()
    app.state.settings = settings
    return app
