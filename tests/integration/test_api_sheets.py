"""POST /api/v1/registry/import-sheet on both engines: the normal import behind it, refusals as
4xx problems naming sheet and cell, and the ICO workbook round trip through the API."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from ropa.api.app import create_app
from ropa.domain import model as m
from ropa.render.document import dump_document
from ropa.services import Services
from ropa.settings import Settings
from tests.strategies import registries
from tests.unit.test_sheets import ODS_FORMULA, _ods, _xlsx, _zip
from tests.unit.test_sheets_roundtrip import assert_round_trip, sheet_safe

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sheets"
URL = "/api/v1/registry/import-sheet"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DAY = dt.date(2026, 3, 1)


async def _activities(client) -> list[str]:  # type: ignore[no-untyped-def]
    exported = await client.get("/api/v1/registry", params={"format": "json"})
    return sorted(a["key"] for a in exported.json()["activities"])


async def test_dry_run_reports_then_import_writes_all(client) -> None:
    raw = (FIXTURES / "ico-messy.xlsx").read_bytes()
    params = {"organisation": "acme", "organisation_name": "Acme Widgets Ltd"}
    dry = await client.post(
        URL, content=raw, headers={"content-type": XLSX}, params={**params, "dry_run": "true"}
    )
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["result"]["dry_run"] is True
    assert len(body["result"]["changes"]["activities"]["created"]) == 4
    assert body["sheet"]["cells"] == sum(body["sheet"]["outcomes"].values())
    assert {"sheet": "ROPA 2024", "cell": "P11"}.items() <= next(
        n for n in body["sheet"]["notes"] if n["cell"] == "P11"
    ).items()
    assert await _activities(client) == []  # nothing written

    done = await client.post(URL, content=raw, headers={"content-type": XLSX}, params=params)
    assert done.status_code == 200, done.text
    assert done.json()["result"]["revision"] == 1
    assert len(await _activities(client)) == 4
    again = await client.post(URL, content=raw, headers={"content-type": XLSX}, params=params)
    assert again.json()["result"]["revision"] is None  # the same sheet changes nothing


async def test_multipart_upload_with_a_csv_and_an_ods(client) -> None:
    csv_bytes = (FIXTURES / "itnet-seed.csv").read_bytes()
    response = await client.post(
        URL,
        files={"file": ("itnet.csv", csv_bytes, "text/csv")},
        params={"organisation": "itnet", "organisation_name": "iTNet Solutions"},
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["result"]["changes"]["activities"]["created"]) == 7
    ods = await client.post(
        URL, content=(FIXTURES / "cnil-registre.ods").read_bytes(), headers={"content-type": ODS}
    )
    assert ods.status_code == 200, ods.text
    assert len(await _activities(client)) == 11


async def test_a_mapping_file_in_the_form(client) -> None:
    raw = _xlsx({"A1": "Traitement interne", "B1": "Pourquoi", "A2": "Badges", "B2": "Accès"})
    mapping = (
        b"name: m\ntables:\n- rows: activities\n  columns:\n"
        b"    name: [Traitement interne]\n    purposes: [Pourquoi]\n"
    )
    response = await client.post(
        URL,
        files={"file": ("r.xlsx", raw, XLSX), "mapping": ("m.yaml", mapping, "application/yaml")},
        params={"organisation": "acme"},
    )
    assert response.status_code == 200, response.text
    assert await _activities(client) == ["badges"]


@pytest.mark.parametrize(
    ("raw", "media", "status", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048), XLSX, 422, "encrypted"),
        (b"", XLSX, 422, "empty"),
        (
            _xlsx({"A1": "Purpose", "B7": "=SUM(1,2)"}, "Register"),
            XLSX,
            422,
            "sheet 'Register', cell B7: holds a formula",
        ),
        (_ods(ODS_FORMULA), ODS, 422, "sheet 'Register', cell C4"),
        (
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<w/>",
                    "xl/vbaProject.bin": b"x",
                }
            ),
            XLSX,
            422,
            "macro-enabled",
        ),
        (b"", "application/vnd.ms-excel.sheet.macroEnabled.12", 422, "macro-enabled"),
        (
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<w/>",
                    "xl/worksheets/sheet1.xml": bytes(20 * 1024 * 1024),
                }
            ),
            XLSX,
            413,
            "zip bomb",
        ),
        (b"x" * (50 * 1024 * 1024 + 1), "text/csv", 413, "at most"),
        (b"%PDF-1.4", "application/pdf", 415, "not a spreadsheet"),
        (b"garbage", XLSX, 422, "not a readable xlsx"),
    ],
    ids=[
        "encrypted",
        "empty",
        "formula",
        "ods-formula",
        "macros",
        "xlsm",
        "zip-bomb",
        "too-large",
        "pdf",
        "garbage",
    ],
)
async def test_refused_files_are_4xx_problems(
    client, raw: bytes, media: str, status: int, words: str
) -> None:
    response = await client.post(URL, content=raw, headers={"content-type": media})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"]
    assert await _activities(client) == []


async def test_a_document_that_does_not_import_changes_nothing(client) -> None:
    response = await client.post(
        URL,
        content=(FIXTURES / "ico-messy.xlsx").read_bytes(),
        headers={"content-type": XLSX},
        params={"organisation": "not a key!"},
    )
    assert response.status_code == 422, response.text
    assert "organisation key 'not a key!'" in response.json()["detail"]
    assert await _activities(client) == []


async def test_needs_write_permission(anonymous) -> None:
    response = await anonymous.post(
        URL, content=b"a,b\n1,2\n", headers={"content-type": "text/csv"}
    )
    assert response.status_code == 401


async def _reset(services: Services) -> None:
    await services.engine.run_ddl("DELETE FROM ropa_entity")
    await services.engine.run_ddl("DELETE FROM ropa_entity_index")


@given(document=registries().map(sheet_safe), edition=st.sampled_from(["regulator", "internal"]))
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_ico_workbook_round_trip_through_the_api(
    services: Services, admin_token: str, document: m.RegistryDocument, edition: str
) -> None:
    """Export the workbook, import it into an empty store, export again: the same facts.

    Each step has a client of its own, and the store is emptied between clients: hypothesis
    runs examples outside the fixture's loop, and the service's connection pool belongs to the
    client that opened it."""
    organisation = document.organisations[0].key
    params = {"organisation": organisation, "edition": edition, "on": DAY.isoformat()}
    await _reset(services)
    async with _client(services, admin_token) as client:
        imported = await client.post(
            "/api/v1/registry/import",
            content=dump_document(document, "yaml"),
            headers={"content-type": "application/yaml"},
        )
        assert imported.status_code == 200, imported.text
        first = await client.get("/api/v1/exports/article30.xlsx", params=params)
        assert first.status_code == 200, first.text
    await _reset(services)
    async with _client(services, admin_token) as client:
        back = await client.post(URL, content=first.content, headers={"content-type": XLSX})
        assert back.status_code == 200, back.text
        key = back.json()["result"]["changes"]["organisations"]["created"][0]
        second = await client.get(
            "/api/v1/exports/article30.xlsx", params={**params, "organisation": key}
        )
        assert second.status_code == 200, second.text
    assert_round_trip(first.content, second.content)


@contextlib.asynccontextmanager
async def _client(services: Services, token: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_app(Settings(database_url="unused://", auto_migrate=False), services)
    async with AsyncTestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
