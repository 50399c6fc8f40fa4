"""Test fixtures: every store and API test runs on SQLite and on PostgreSQL.

Tests live in three folders, each marked by its folder (so ``pytest -m unit`` selects
tests/unit, and so on): unit (no store, no server), integration (store, API app, CLI on a store;
both engines), browser (the viewer in Chromium). Runs on PostgreSQL are also marked ``postgres``.

PostgreSQL is found at ROPA_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
each run creates a database of its own there and drops it afterwards. Where it is unreachable
the PostgreSQL half is skipped and the summary says so plainly, unless ROPA_REQUIRE_POSTGRES=1
(as in CI), which turns that into a failure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

import ropa.store  # noqa: F401 - sets PICCOLO_CONF before Piccolo looks for it
from ropa.api.app import create_app
from ropa.auth.roles import Role
from ropa.services import Services, build_services
from ropa.settings import Settings
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate

TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "integration", "browser")
POSTGRES_URL = os.environ.get("ROPA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("ROPA_REQUIRE_POSTGRES", "") == "1"
ENGINES = ("sqlite", "postgres")
# Counted from test reports, which reach the controlling process under pytest-xdist too.
_postgres_runs = {"passed": 0, "skipped": 0}


T = TypeVar("T")


def run_blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous code, on a thread of its own: a worker's
    thread may already hold a running event loop (pytest-asyncio's, between async tests)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _quiet_migrate(engine: Engine) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(engine)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "ropa.sqlite"
    run_blocking(_quiet_migrate(make_engine(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A migrated PostgreSQL database of this run's own, or None when unreachable."""
    name = f"ropa_test_{uuid.uuid4().hex[:10]}"

    async def create() -> str:
        admin = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = _with_database(POSTGRES_URL, name)
        await _quiet_migrate(make_engine(url))
        return url

    async def drop() -> None:
        admin = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    try:
        url = run_blocking(create())
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        if REQUIRE_POSTGRES:
            pytest.exit(
                f"PostgreSQL is required (ROPA_REQUIRE_POSTGRES=1) but {POSTGRES_URL} is "
                f"unreachable: {error}",
                returncode=3,
            )
        yield None
        return
    yield url
    run_blocking(drop())


async def _reset_postgres(engine: Engine) -> None:
    await engine.run_ddl("TRUNCATE ropa_entity, ropa_entity_index, ropa_audit, ropa_token")
    await engine.run_ddl("UPDATE ropa_registry SET revision = 0")


@pytest.fixture(params=ENGINES)
async def engine(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    postgres_url: str | None,
    tmp_path: Path,
) -> AsyncIterator[Engine]:
    """An empty, migrated store on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "ropa.sqlite"
        shutil.copy(sqlite_template, path)
        yield make_engine(f"sqlite:///{path}")
        return
    if postgres_url is None:
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: PostgreSQL run skipped")
    pg = make_engine(postgres_url)
    assert isinstance(pg, PostgresEngine)
    await _reset_postgres(pg)
    yield pg


@pytest.fixture
def services(engine: Engine) -> Services:
    return build_services(engine)


@pytest.fixture
async def admin_token(services: Services) -> str:
    """Made before the client starts: on PostgreSQL its pool then lives in the client's loop,
    so tests reach the store through the API (or with ``in_pool=False``) from here on."""
    return await services.tokens.create("test-admin", Role.ADMIN)


@pytest.fixture
async def anonymous(services: Services, admin_token: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A client of the service that sends no token."""
    app = create_app(Settings(database_url="unused://", auto_migrate=False), services)
    async with AsyncTestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(anonymous: AsyncTestClient, admin_token: str) -> AsyncTestClient:  # type: ignore[type-arg]
    """A client of the service holding an admin token."""
    anonymous.headers["Authorization"] = f"Bearer {admin_token}"
    return anonymous


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its folder, and the PostgreSQL runs as ``postgres``; tests marked
    ``long`` go first, so that parallel workers share the rest while they run."""
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        layer = parts[0] if len(parts) > 1 else None
        if layer not in LAYERS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests belong in one of tests/{{{','.join(LAYERS)}}}/"
            )
        item.add_marker(getattr(pytest.mark, layer))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "postgres":
            item.add_marker(pytest.mark.postgres)
    items.sort(
        key=lambda item: (
            item.get_closest_marker("long") is None,
            item.get_closest_marker("alone") is None,  # before a browser can disturb the loop
        )
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.when == "call" and report.passed:
        _postgres_runs["passed"] += 1
    elif report.when == "setup" and report.skipped:
        _postgres_runs["skipped"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_runs["skipped"] and not _postgres_runs["passed"]:
        terminalreporter.write_line(
            f"PostgreSQL run SKIPPED: {POSTGRES_URL} unreachable. "
            "Only SQLite was tested; set ROPA_REQUIRE_POSTGRES=1 to make this a failure.",
            yellow=True,
            bold=True,
        )
    elif _postgres_runs["passed"]:
        terminalreporter.write_line(
            f"Store and API tests ran on SQLite and on PostgreSQL "
            f"({_postgres_runs['passed']} PostgreSQL test runs passed).",
            green=True,
        )
