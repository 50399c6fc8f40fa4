"""Registry documents: strict parsing, canonical output, round trips between the formats.

Round trips through the store are in tests/integration/test_documents_store.py."""

from __future__ import annotations

import msgspec
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ropa.domain import model as m
from ropa.domain.validation import InvalidInput
from ropa.input.document import parse_document
from ropa.render.document import canonical, dump_document, scalar_style
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


# --- the YAML writer: libyaml's emitter, byte for byte what PyYAML's representer wrote -------


class _ReferenceDumper(yaml.SafeDumper):
    """How the YAML export was written before: PyYAML's representer and emitter."""


_ReferenceDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style=scalar_style(value)
    ),
)


def _reference_yaml(document: m.RegistryDocument) -> bytes:
    text = yaml.dump(
        msgspec.to_builtins(canonical(document)),
        Dumper=_ReferenceDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return text.encode("utf-8")


# Any character (lone surrogates, controls, emoji included), and long lines that fold.
any_text = st.text(st.characters(exclude_categories=()), max_size=40) | st.text(
    st.sampled_from("ab \n\t'\"é"), min_size=90, max_size=220
)


def _with_names(names: list[str]) -> m.RegistryDocument:
    return m.RegistryDocument(
        organisations=[m.Organisation(key=f"o{i}", name=n) for i, n in enumerate(names)]
    )


@given(registries())
@settings(max_examples=40, deadline=None)
def test_yaml_is_written_as_before(document: m.RegistryDocument) -> None:
    assert dump_document(document, "yaml") == _reference_yaml(document)


@given(st.lists(any_text.filter(bool), min_size=1, max_size=4))
@example(["lone \ud800 surrogate", "emoji \U0001f600", "a" * 60 + "\n" + "b " * 40])
@settings(max_examples=300, deadline=None)
def test_any_text_is_written_deterministically_and_reads_back(names: list[str]) -> None:
    document = _with_names(names)
    text = dump_document(document, "yaml")
    assert text == dump_document(document, "yaml")
    assert [o.name for o in parse_document(text, "yaml").organisations] == names
    if not any("\n" in n and len(n) > 60 for n in names):  # libyaml folds long lines its way
        assert text == _reference_yaml(document)
