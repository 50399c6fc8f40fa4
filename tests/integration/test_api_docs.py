"""The OpenAPI document and the interactive docs page, which must work with no internet."""

from __future__ import annotations

import re


async def test_openapi_is_3_1_with_ids_and_tags(client) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert len(operations) >= 40
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(op.get("tags") for op in operations)
    replace = spec["paths"]["/api/v1/activities/{key}"]["put"]
    assert {"412", "422", "428"} <= set(replace["responses"])
    body = spec["paths"]["/api/v1/registry/import"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/yaml", "application/ld+json"}
    export = spec["paths"]["/api/v1/registry"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/json", "application/yaml", "application/ld+json"}


async def test_docs_page_loads_only_local_assets(client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert "://" not in page.text.replace("http://testserver", ""), "no absolute URLs"
    assert urls, "the page should load the Swagger UI bundle"
    assert all(u.startswith("/") for u in urls), urls
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 500


async def test_health_reports_engine_and_revision(client) -> None:
    health = (await client.get("/health")).json()
    assert health["status"] == "ok"
    assert health["database"] in ("sqlite", "postgresql")
    assert health["revision"] == 0


async def test_service_starts_with_a_small_postgres_pool(services) -> None:
    """ROPA_POOL_SIZE below asyncpg's default minimum must not stop the service starting."""
    from litestar.testing import AsyncTestClient

    from ropa.api.app import create_app
    from ropa.settings import Settings

    app = create_app(Settings(database_url="unused://", pool_size=1), services)
    async with AsyncTestClient(app) as small:
        assert (await small.get("/health")).json()["status"] == "ok"
