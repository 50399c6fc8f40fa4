"""The registry as DPV JSON-LD through the API and the CLI: export, import back, same registry."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import rdflib
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner, Result

from ropa.cli import app
from ropa.input.document import parse_document
from ropa.input.dpv import parse_dpv
from ropa.render.document import canonical, dump_document
from ropa.render.dpv import dump_dpv
from ropa.services import Services
from tests.factories import snapshot
from tests.strategies import registries

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
JSONLD = {"content-type": "application/ld+json"}
YAML = {"content-type": "application/yaml"}


async def _reset(services: Services) -> None:
    await services.engine.run_ddl("DELETE FROM ropa_entity")
    await services.engine.run_ddl("DELETE FROM ropa_entity_index")


async def test_export_then_import_gives_back_the_same_registry(client) -> None:
    imported = await client.post(
        "/api/v1/registry/import", content=EXAMPLE.read_bytes(), headers=YAML
    )
    assert imported.status_code == 200, imported.text
    before = await snapshot(client)

    exported = await client.get("/api/v1/registry", params={"format": "jsonld"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/ld+json")
    assert exported.headers["x-registry-revision"] == before[1]
    again = await client.get("/api/v1/registry", params={"format": "jsonld"})
    assert again.content == exported.content  # same registry, same bytes
    graph = rdflib.Graph().parse(data=exported.content, format="json-ld")
    assert len(graph) > 1000

    # Importing the export changes nothing: the registry is already what it says.
    back = await client.post("/api/v1/registry/import", content=exported.content, headers=JSONLD)
    assert back.status_code == 200, back.text
    assert back.json()["revision"] is None
    assert await snapshot(client) == before


async def test_import_of_dpv_into_an_empty_store(client) -> None:
    example = parse_document(EXAMPLE.read_bytes(), "yaml")
    exported = dump_dpv(example)
    dry = await client.post(
        "/api/v1/registry/import", content=exported, headers=JSONLD, params={"dry_run": True}
    )
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert dry.json()["changes"]["activities"]["created"]
    done = await client.post("/api/v1/registry/import", content=exported, headers=JSONLD)
    assert done.status_code == 200, done.text
    stored = await client.get("/api/v1/registry", params={"format": "json"})
    assert stored.content == dump_document(example, "json")


async def test_one_organisation_only(client) -> None:
    await client.post("/api/v1/registry/import", content=EXAMPLE.read_bytes(), headers=YAML)
    response = await client.get(
        "/api/v1/registry", params={"format": "jsonld", "organisation": "sprechwerk"}
    )
    assert response.status_code == 200
    assert 'filename="ropa-sprechwerk.jsonld"' in response.headers["content-disposition"]
    missing = await client.get(
        "/api/v1/registry", params={"format": "jsonld", "organisation": "nobody"}
    )
    assert missing.status_code == 404


async def test_bad_json_ld_is_a_clear_4xx_and_changes_nothing(client) -> None:
    await client.post("/api/v1/registry/import", content=EXAMPLE.read_bytes(), headers=YAML)
    before = await snapshot(client)
    remote = json.dumps({"@context": "https://example.invalid/ctx", "@graph": []}).encode()
    response = await client.post("/api/v1/registry/import", content=remote, headers=JSONLD)
    assert response.status_code == 400
    assert "remote contexts are not loaded" in response.text

    exported = json.loads(
        (await client.get("/api/v1/registry", params={"format": "jsonld"})).content
    )
    activity = next(n for n in exported["@graph"] if "ropa:Activity" in n["@type"])
    activity["dpv:hasRecipient"] = [{"@id": "https://ropa.invalid/registry/party/nobody"}]
    response = await client.post(
        "/api/v1/registry/import", content=json.dumps(exported).encode(), headers=JSONLD
    )
    assert response.status_code == 422, response.text
    assert "nobody" in response.text
    for body in (b"[1, 2", b'{"@context": 5}', b'{"@graph": [{"@id": 7}]}'):
        response = await client.post("/api/v1/registry/import", content=body, headers=JSONLD)
        assert response.status_code == 400, (body, response.text)
    for body in (b'"https://example.invalid/registry.jsonld"', b"null", b"7", b"[[1], {}]"):
        # pyld would read a string as the address of a document to fetch; the registry is one
        # object, as the export writes it
        response = await client.post("/api/v1/registry/import", content=body, headers=JSONLD)
        assert response.status_code == 400, (body, response.text)
        assert "send one JSON object with @context and @graph" in response.text
    assert await snapshot(client) == before


@given(document=registries())
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_generated_registries_survive_the_store_and_dpv(services: Services, document) -> None:
    """Import, export as DPV, import that into an empty store: the same registry."""
    await _reset(services)
    await services.documents.import_document(document)
    exported = await services.queries.dpv()
    await _reset(services)
    await services.documents.import_document(parse_dpv(exported.content))
    assert dump_document(await services.documents.export(), "json") == dump_document(
        canonical(document), "json"
    )


def test_cli_export_dpv_and_import_it_back(tmp_path: Path) -> None:
    database = ["--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}"]
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        # The CLI runs its own event loop: on a thread of its own, beside the async tests' loop.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(runner.invoke, app, list(args)).result()

    assert invoke("import", str(EXAMPLE), *database).exit_code == 0
    out = tmp_path / "registry.jsonld"
    result = invoke("export", "dpv", "-o", str(out), *database)
    assert result.exit_code == 0, result.output
    assert rdflib.Graph().parse(out, format="json-ld")

    other = ["--database-url", f"sqlite:///{tmp_path / 'other.sqlite'}"]
    result = invoke("import", str(out), *other)
    assert result.exit_code == 0, result.output
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    invoke("export", "document", "-o", str(first), *database)
    invoke("export", "document", "-o", str(second), *other)
    assert first.read_bytes() == second.read_bytes()
