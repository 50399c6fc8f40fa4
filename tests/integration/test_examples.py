"""The shipped example and the seed-policy registries load, and round-trip to identical bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ropa.input.document import parse_document
from ropa.render.document import dump_document
from ropa.services import Services

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "examples" / "softphone-provider.yaml", *(ROOT / "tests/fixtures/seeds").glob("*.yaml")]
)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
async def test_document_imports_exports_and_reimports_identically(
    services: Services, path: Path
) -> None:
    report = await services.documents.import_document(parse_document(path.read_bytes(), "yaml"))
    assert report.revision == 1
    first = dump_document(await services.documents.export(), "yaml")

    await services.engine.run_ddl("DELETE FROM ropa_entity")
    await services.engine.run_ddl("DELETE FROM ropa_entity_index")
    await services.documents.import_document(parse_document(first, "yaml"))
    assert dump_document(await services.documents.export(), "yaml") == first


async def test_example_covers_a_softphone_providers_processing(services: Services) -> None:
    document = parse_document((ROOT / "examples/softphone-provider.yaml").read_bytes(), "yaml")
    categories = {c for a in document.activities for c in a.data_categories}
    for needed in ("push_token", "call_recordings", "dispatchable_location", "debug_logs"):
        assert needed in categories
    roles = {p.role for p in document.parties}
    assert {"processor", "sub_processor", "authority"} <= {str(r) for r in roles}
    transfers = [f for f in document.flows if f.transfer is not None]
    assert {f.transfer.destination_country for f in transfers} >= {"US"}
    assert any(f.transfer.mechanism is None for f in transfers), "the example keeps a gap"
    assert len(document.activities) >= 8 and len(document.flows) >= 25


def test_example_header_declares_exactly_the_validators_findings() -> None:
    """The numbered "GAPS LEFT ON PURPOSE" list names each gap's finding ids; together they are
    exactly what the validator reports on the example."""
    import datetime as dt

    from ropa.domain.vocabulary import builtin
    from ropa.facts import derive
    from ropa.graph import build_graph
    from ropa.rules import evaluate
    from tests.unit.rules.test_registries import declared_gaps

    path = ROOT / "examples/softphone-provider.yaml"
    graph = build_graph(parse_document(path.read_bytes(), "yaml"), builtin())
    found = {f.id for f in evaluate(derive(graph, dt.date(2026, 11, 22)))}
    assert found == set().union(*declared_gaps(path).values())
