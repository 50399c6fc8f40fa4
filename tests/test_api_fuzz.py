"""Schemathesis against the service's own OpenAPI document, in process.

Every operation is first called with its documented examples (taken from the example registry,
the examples phase), then gets the coverage cases and ``CASES_PER_OPERATION`` generated cases
(fixed here, derandomised so CI runs the same cases). Each response must not be a
server error, must have a documented status code and content type, and must match its schema.
The store holds the example registry; requests carry an admin token.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ropa.api.app import create_app
from ropa.auth.roles import Role
from ropa.render.document import parse_document
from ropa.services import build_services
from ropa.settings import Settings
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate

CASES_PER_OPERATION = 40
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "softphone-provider.yaml"


def _service() -> tuple[object, str]:
    path = Path(tempfile.mkdtemp()) / "fuzz.sqlite"
    services = build_services(make_engine(f"sqlite:///{path}"))

    async def prepare() -> str:
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate(services.engine)
        await services.documents.import_document(parse_document(EXAMPLE.read_bytes(), "yaml"))
        return await services.tokens.create("fuzz", Role.ADMIN)

    token = asyncio.run(prepare())
    return create_app(Settings(database_url=f"sqlite:///{path}"), services), token


APP, TOKEN = _service()
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", APP)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@schema.parametrize()
@settings(
    max_examples=CASES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
