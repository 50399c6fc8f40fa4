"""Registry documents through the store: import, export, import again gives the same bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from ropa.input.document import parse_document
from ropa.render.document import canonical, dump_document
from ropa.services import Services
from tests.strategies import registries


async def _reset(services: Services) -> None:
    await services.engine.run_ddl("DELETE FROM ropa_entity")
    await services.engine.run_ddl("DELETE FROM ropa_entity_index")


@given(document=registries())
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_export_import_export_is_identical(services: Services, document) -> None:
    """Import into an empty store, export, import that into an empty store: same bytes."""
    await _reset(services)
    report = await services.documents.import_document(document)
    assert not report.dry_run
    first = dump_document(await services.documents.export(), "yaml")
    assert parse_document(first, "yaml") == canonical(document)

    await _reset(services)
    await services.documents.import_document(parse_document(first, "yaml"))
    second = dump_document(await services.documents.export(), "yaml")
    assert second == first
    again = await services.documents.import_document(parse_document(second, "yaml"))
    assert again.revision is None  # identical: nothing written, revision unchanged
    assert all(not (c.created or c.updated or c.deleted) for c in again.changes.values())


async def test_organisation_export_holds_only_that_organisation(services: Services) -> None:
    document = parse_document(
        b"organisations:\n  - {key: a, name: A}\n  - {key: b, name: B}\n"
        b"systems:\n  - {key: sa, organisation: a, name: SA}\n"
        b"  - {key: sb, organisation: b, name: SB}\n",
        "yaml",
    )
    await services.documents.import_document(document)
    only_a = await services.documents.export("a")
    assert [o.key for o in only_a.organisations] == ["a"]
    assert [s.key for s in only_a.systems] == ["sa"]
