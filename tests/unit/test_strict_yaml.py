"""The strict YAML reader: the same data as PyYAML's safe loader, the same hostile inputs refused.

The reference is the loader ropa used before it read libyaml's events: PyYAML's SafeLoader with
the duplicate-key, complex-key, alias and depth checks in its composer and constructor
(`_ReferenceLoader` below, kept as it was). Each property runs on libyaml's parser and on
PyYAML's Python parser.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.validation import InvalidInput
from ropa.input import strict_yaml
from ropa.input.document import load_data
from ropa.input.limits import MAX_DEPTH
from ropa.input.positions import Position, source_map
from ropa.render.document import dump_document
from tests.strategies import registries

PARSERS = pytest.mark.parametrize(
    "parser", [strict_yaml.PARSER, strict_yaml.PyParser], ids=["libyaml", "python"]
)


class _TooDeep(yaml.YAMLError):
    pass


class _ReferenceLoader(yaml.SafeLoader):
    """The strict loader as it was: SafeLoader refusing duplicate keys, keys that are
    collections, aliases and nesting deeper than `MAX_DEPTH`."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(None, None, "alias", event.start_mark)
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep()
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(None, None, "complex key", None)
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable) or key in seen:
                raise yaml.constructor.ConstructorError(None, None, "duplicate", None)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# What the reference raised: a ValueError or TypeError became a 400; a KeyError (`!!bool maybe`)
# or an IndexError (`!!int ''`) escaped as a 500.
REFERENCE_REFUSES = (yaml.YAMLError, ValueError, TypeError, KeyError, IndexError)


def _reference(text: bytes) -> Any:
    return yaml.load(text, Loader=_ReferenceLoader)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the types the same all the way down (1 is not True, 1.0 is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            _same(k, j) and _same(a[k], b[j]) for k, j in zip(a, b, strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


# --- the same data ---------------------------------------------------------------------------


@PARSERS
@given(document=registries())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_registry_reads_as_the_safe_loader_reads_it(parser: Any, document: m.RegistryDocument):
    text = dump_document(document, "yaml")
    assert _same(strict_yaml.load(text, parser), yaml.safe_load(text))


# Words YAML 1.1 reads as something other than text, and some it reads as text.
TRICKY = [
    "yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "NULL", "", "0", "-0",
    "012", "0o17", "0x1F", "0b101", "1_000", "+12", "1:30", "190:20:30", "1e3", "1.5e-3", ".5",
    "-.inf", ".NaN", "2024-01-01", "2024-01-01 10:00:00", "2001-12-14t21:59:43.10-05:00",
    "1.0", "6.8523015e+5", "685.230_15e+03", "a b", "über", "-", ".", "x:y", "yes!", "Null?",
]  # fmt: skip
scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=12),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
)
keys = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8), st.integers(-99, 99), st.none())
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@PARSERS
@given(value=data, flow=st.sampled_from([None, True, False]), unicode=st.booleans())
@settings(max_examples=200, deadline=None)
def test_any_safe_dump_reads_back_as_the_safe_loader_reads_it(
    parser: Any, value: Any, flow: bool | None, unicode: bool
) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=unicode).encode()
    assert _same(strict_yaml.load(text, parser), yaml.safe_load(text))


@PARSERS
@given(
    words=st.lists(st.sampled_from(TRICKY), min_size=1, max_size=6),
    quote=st.sampled_from(["", "'", '"']),
)
def test_plain_and_quoted_words_read_as_the_safe_loader_reads_them(
    parser: Any, words: list[str], quote: str
) -> None:
    text = "".join(f"k{i}: {quote}{w}{quote}\n" for i, w in enumerate(words)).encode()
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:  # `k: -` is no scalar
        with pytest.raises(yaml.YAMLError):
            strict_yaml.load(text, parser)
        return
    assert _same(strict_yaml.load(text, parser), expected)


def test_core_schema_tags_read_as_their_types() -> None:
    text = b"a: !!str 3\nb: !!int '3'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\nf: ! 3\n"
    assert strict_yaml.load(text) == {"a": "3", "b": 3, "c": 1.0, "d": True, "e": None, "f": 3}
    assert strict_yaml.load(b"!!map {a: !!seq [1]}") == {"a": [1]}
    assert strict_yaml.load(b"") is None and strict_yaml.load(b"---\n") is None
    assert strict_yaml.load(b"2024-01-01: x\n") == {dt.date(2024, 1, 1): "x"}
    assert strict_yaml.load("\ufeffa: 1\n".encode()) == {"a": 1}


def test_a_lone_surrogate_that_the_export_escapes_reads_back() -> None:
    document = m.RegistryDocument(organisations=[m.Organisation(key="o", name="a\ud800b")])
    text = dump_document(document, "yaml")
    assert load_data(text, "yaml")["organisations"][0]["name"] == "a\ud800b"


# --- the same hostile inputs refused ---------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
HOSTILE = [
    ("organisations:\n  - key: a\n    name: A\n    name: B\n", "duplicate key 'name'"),
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'"),
    ("1: x\n1.0: y\n", "duplicate key"),
    ("1: x\ntrue: y\n", "duplicate key"),
    ("{a: 1, a: 2}", "duplicate key"),
    ("? [a, b]\n: 1\n", "keys must be plain text"),
    ("? {a: 1}\n: 1\n", "keys must be plain text"),
    ("organisations:\n  - ? [key]\n    : o\n", "keys must be plain text"),
    ("ropa: '1'\norganisations: []\n? [x]\n: y\n", "keys must be plain text"),
    ("a: &x [1]\nb: *x\n", "aliases are not accepted"),
    (BILLION_LAUGHS, "aliases are not accepted"),
    ("a: !!python/object/apply:os.system [echo]\n", "!!python/object/apply:os.system"),
    ("a: !!python/name:os.system\n", "is not accepted"),
    ("a: !foo x\n", "!foo is not accepted"),
    ("a: 1\n---\nb: 2\n", "expected a single document"),
    ("a: [1, 2\n", "flow sequence"),
    ("a: \x01\n", "#x0001"),
    ("<<: {a: 1}\nb: 2\n", "merge keys"),
    ("a: =\n", "value key"),
    ("a: !!int x\n", "not a valid int"),
    ("a: !!bool maybe\n", "not a valid bool"),
    ("a: !!int ''\n", "not a valid int"),
    ("a: 2024-13-01\n", "not a valid timestamp"),
    ('a: "\\U00110000"\n', "escape"),
    ("a: !!map [1]\n", "does not fit a list"),
]


@PARSERS
@pytest.mark.parametrize(("text", "words"), HOSTILE)
def test_hostile_input_is_refused_by_both(parser: Any, text: str, words: str) -> None:
    with pytest.raises(REFERENCE_REFUSES):
        _reference(text.encode())
    with pytest.raises(yaml.YAMLError) as caught:
        strict_yaml.load(text.encode(), parser)
    assert words in strict_yaml.describe(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        "".join(f"{'  ' * i}a:\n" for i in range(500)) + f"{'  ' * 500}b: 1\n",
        "".join(f"{'  ' * i}-\n" for i in range(300)) + f"{'  ' * 300}- 1\n",
        "[" * 200_000,  # refused at the limit, long before the parser reaches the end
    ],
)
@PARSERS
def test_nesting_beyond_the_limit_is_refused_by_both(parser: Any, text: str) -> None:
    if len(text) < 10_000:
        with pytest.raises(_TooDeep):
            _reference(text.encode())
    with pytest.raises(strict_yaml.NestedTooDeep):
        strict_yaml.load(text.encode(), parser)


@PARSERS
def test_nesting_up_to_the_limit_is_read(parser: Any) -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    value = strict_yaml.load(text.encode(), parser)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &x 1\n", "anchors and aliases are not accepted"),
        ("a: !!binary aGVsbG8=\n", "!!binary is not accepted"),
        ("a: !!set {x, y}\n", "!!set is not accepted"),
        ("a: !!omap [x: 1]\n", "!!omap is not accepted"),
        ("a: !!timestamp 2020-01-01\n", "!!timestamp is not accepted"),
    ],
)
def test_what_safe_yaml_allows_beyond_the_core_schema_is_refused(text: str, words: str) -> None:
    _reference(text.encode())  # accepted before
    with pytest.raises(strict_yaml.Refused) as caught:
        strict_yaml.load(text.encode())
    assert words in strict_yaml.describe(caught.value)


def test_a_duplicate_key_names_where_both_are() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_data(b"organisations:\n  - key: a\n    name: A\n\n    name: B\n", "yaml")
    (problem,) = caught.value.problems
    assert "line 3, column 5 and again at line 5, column 5" in problem.message
    assert caught.value.status == 400


SNIPPETS = [
    "&a ", "*a", "!!binary ", "!!str ", "!!int ", "!x ", "? ", "[", "]", "{", "}", ": ", "- ",
    "\n", "  ", "<<: ", "---\n", "...\n", "'", '"', "#", "|\n", ">\n", "\t", ",", "yes", "0x1F",
    "key: a\n", "name: b\n", "%YAML 1.1\n", "\\", "\\uD800", "\x85", "\u2028",
]  # fmt: skip
# (Not a byte order mark: in the middle of a text the two parsers disagree on what it is.)


def _outcome(raw: bytes, parser: Any) -> tuple[str, Any]:
    try:
        return "read", strict_yaml.load(raw, parser)
    except (strict_yaml.Refused, strict_yaml.NestedTooDeep) as error:
        return "refused", error.problem if isinstance(error, strict_yaml.Refused) else error.limit
    except yaml.YAMLError as error:
        return "not YAML", str(error)


@given(
    document=registries(),
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS)), min_size=1, max_size=4),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mangled_documents_are_refused_when_the_reference_refuses_them(
    document: m.RegistryDocument, edits: list[tuple[float, str]]
) -> None:
    text = dump_document(document, "yaml").decode()
    for where, snippet in edits:
        at = int(where * len(text))
        text = text[:at] + snippet + text[at:]
    raw = text.encode("utf-8", "surrogatepass")
    assume(b"\xed" not in raw)  # a lone surrogate in the text itself is not UTF-8
    python, libyaml = _outcome(raw, strict_yaml.PyParser), _outcome(raw, strict_yaml.PARSER)
    # On PyYAML's parser, what the reference refused is refused, what it read reads the same
    # (or is refused for what the core schema leaves out).
    try:
        expected = _reference(raw)
    except REFERENCE_REFUSES:
        assert python[0] != "read"
    else:
        if python[0] == "refused":
            words = ("anchors", "tag", "merge", "not a valid")
            assert any(w in python[1] for w in words), python
        else:
            assert python[0] == "read" and _same(python[1], expected)
    # libyaml's grammar is the YAML specification's: it reads some texts PyYAML's parser does
    # not (a tab inside plain text, `[a? b]`), and vice versa, so one parser may stop at a
    # syntax error before or after the other meets what the strict checks refuse. Those checks
    # are the same on both.
    assert {python[0], libyaml[0]} != {"read", "refused"}, (python, libyaml)
    if python[0] == libyaml[0] == "refused":
        assert python == libyaml
    elif python[0] == libyaml[0] == "read":
        assert _same(libyaml[1], python[1])


# --- positions from the same events ----------------------------------------------------------


@given(document=registries())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_positions_point_at_each_entity_and_field(document: m.RegistryDocument) -> None:
    text = dump_document(document, "yaml")
    lines = text.decode().split("\n")
    source = source_map(text, "yaml")
    expected = {
        f"{spec.name}:{entity.key}"
        for spec in KINDS.values()
        for entity in getattr(document, spec.collection)
    }
    assert set(source.entities) == expected
    for entity, at in source.entities.items():
        assert lines[at.line - 1][at.column - 1 :].startswith("key: "), entity
    for path, at in source.paths.items():
        field = path.rpartition(".")[2]
        if path != "$" and not field.endswith("]"):
            assert lines[at.line - 1][at.column - 1 :].startswith(f"{field}:"), path


def test_positions_skip_what_is_under_a_key_that_is_a_collection() -> None:
    text = "systems:\n  - ? [a]\n    : {b: 1}\n    key: s\n  - key: t\n    <<: x\n"
    source = source_map(text, "yaml")
    assert source.entities == {"system:s": Position(2, 5), "system:t": Position(5, 5)}
    assert source.path("$.systems[0].key") == Position(4, 5)
    assert not any("b" in path for path in source.paths)
