"""Registry documents: strict parsing, canonical output, and round trips through the store."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from ropa.domain import model as m
from ropa.domain.validation import InvalidInput
from ropa.render.document import canonical, dump_document, parse_document
from ropa.services import Services
from tests.strategies import registries

MINIMAL = b"organisations:\n  - key: acme\n    name: Acme\n"


def _problems(raw: bytes | str, fmt: str = "yaml") -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_document(raw, fmt)  # type: ignore[arg-type]
    return [(p.path, p.message) for p in caught.value.problems]


def test_minimal_document_parses() -> None:
    document = parse_document(MINIMAL, "yaml")
    assert document.organisations[0].name == "Acme"


@pytest.mark.parametrize(
    ("raw", "fmt", "path", "words"),
    [
        (b"organisations:\n  - key: a\n    name: A\n    name: B\n", "yaml", "$", "duplicate key"),
        (b'{"organisations": [], "organisations": []}', "json", "$", "duplicate key"),
        (b"a: &x [1]\nb: *x\n", "yaml", "$", "aliases are not accepted"),
        (b"organisations: [\n", "yaml", "$", "not valid YAML"),
        (b"{", "json", "$", "not valid JSON"),
        (b"- 1\n- 2\n", "yaml", "$", "a mapping of collections"),
        (b"organisations:\n  - key: a\n    name: 7\n", "yaml", "$.organisations[0].name", "str"),
        (b"organisations:\n  - key: a\n", "yaml", "$.organisations[0].name", "is required"),
        (b"animals: []\n", "yaml", "$.animals", "unknown field `animals`"),
        (b"ropa: '2'\n", "yaml", "$.ropa", "unsupported document format"),
        (
            b"organisations:\n  - {key: a, name: A}\n  - {key: a, name: B}\n",
            "yaml",
            "$.organisations[1].key",
            "already used by organisations[0]",
        ),
    ],
)
def test_bad_documents_are_refused_with_a_path(raw: bytes, fmt: str, path: str, words: str) -> None:
    problems = _problems(raw, fmt)
    assert any(p == path and words in msg for p, msg in problems), problems


def test_output_is_canonical_whatever_the_input_order() -> None:
    shuffled = parse_document(
        b"systems:\n"
        b"  - {key: b, organisation: o, name: B}\n"
        b"  - {key: a, organisation: o, name: A}\n"
        b"organisations:\n  - {key: o, name: O}\n",
        "yaml",
    )
    text = dump_document(shuffled, "yaml").decode()
    assert text.index("organisations:") < text.index("systems:")
    assert text.index("key: a") < text.index("key: b")
    assert dump_document(shuffled, "json") == dump_document(canonical(shuffled), "json")


@pytest.mark.parametrize(
    "text", ["1e+100", "0o17", "0x1F", ".5", "-.inf", ".NaN", "true", "NULL", "~", "12", "1.0"]
)
def test_text_that_looks_like_a_number_is_quoted_for_any_yaml_reader(text: str) -> None:
    document = m.RegistryDocument(organisations=[m.Organisation(key="o", name=text)])
    dumped = dump_document(document, "yaml").decode()
    assert f"name: '{text}'" in dumped or f'name: "{text}"' in dumped
    assert parse_document(dumped, "yaml").organisations[0].name == text


@given(registries())
@settings(max_examples=40, deadline=None)
def test_any_registry_survives_both_formats(document: m.RegistryDocument) -> None:
    for fmt in ("yaml", "json"):
        text = dump_document(document, fmt)  # type: ignore[arg-type]
        assert parse_document(text, fmt) == canonical(document)  # type: ignore[arg-type]


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


def test_document_encoding_is_stable_for_model_defaults() -> None:
    activity = m.Activity(key="x", organisation="o", name="X")
    assert msgspec.json.encode(activity) == b'{"key":"x","organisation":"o","name":"X"}'


def test_every_structural_problem_at_once_in_document_order() -> None:
    raw = (
        b"organisations:\n  - key: acme\n    name: Acme\n    role: Controller\n"
        b"parties:\n  - key: p\n    organisation: acme\n    nmae: P\n"
        b"flows:\n  - key: f\n    activity: a\n    source: system:s\n    target: party:p\n"
        b"    transfer: {since: '2026-11-31'}\n"
    )
    problems = _problems(raw)
    assert [path for path, _ in problems] == [
        "$.organisations[0].role",
        "$.parties[0].nmae",
        "$.parties[0].name",
        "$.flows[0].transfer.since",
    ]
    messages = dict(problems)
    assert "did you mean `controller`?" in messages["$.organisations[0].role"]
    assert "`processor`" in messages["$.organisations[0].role"]  # the allowed values
    assert "did you mean `name`?" in messages["$.parties[0].nmae"]
