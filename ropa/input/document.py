"""The registry document in: strict JSON/YAML parsing and loading into the model.

Parsing is strict where the libraries are lenient: a mapping key given twice, a YAML alias or
a value of the wrong type is an error with its path, never a silent last-one-wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator
from typing import Any, TypeVar

import msgspec
import yaml

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.structure import structure_problems
from ropa.domain.validation import InvalidInput, Problem, humanise
from ropa.input.limits import MAX_DEPTH, check_json_depth, not_utf8, too_deep
from ropa.render.document import Format

T = TypeVar("T")
_PATH = re.compile(r" - at `(\$[^`]*)`$")


class _TooDeep(yaml.YAMLError):
    """Raised by the loader when collections nest deeper than `MAX_DEPTH`."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, keys that are collections, aliases (no
    billion-laughs expansion) and nesting deeper than `MAX_DEPTH` (the composer recurses)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # unannotated in the stubs
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not accepted", event.start_mark
            )
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
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that is a list or a mapping; keys must be plain text",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):  # pragma: no cover - scalars always are
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that cannot be a key",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(error) from None


def load_data(raw: bytes | str, fmt: Format) -> Any:
    """Plain data from JSON or YAML text; InvalidInput (400) when it does not parse, is not
    UTF-8, or nests deeper than `MAX_DEPTH`."""
    if fmt == "json":
        check_json_depth(raw)
    text = _text(raw)
    try:
        if fmt == "json":
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return yaml.load(text, Loader=_StrictLoader)
    except _TooDeep:
        raise too_deep() from None
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidInput([Problem("$", f"not valid {fmt.upper()}: {error}")], 400) from error


def reject_duplicate_json_keys(raw: bytes) -> None:
    """InvalidInput (400) when a JSON body is not UTF-8, nests deeper than `MAX_DEPTH`, is
    malformed or repeats a key in an object."""
    check_json_depth(raw)
    text = _text(raw)
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except ValueError as error:
        raise InvalidInput([Problem("$", f"not valid JSON: {error}")], 400) from error


def convert(data: Any, type_: type[T]) -> T:
    """Typed value from plain data; InvalidInput with the failing path when it does not fit."""
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as error:
        every = structure_problems(data, type_)  # all of them, not only the first
        if every:
            raise InvalidInput(every) from error
        raise invalid(error) from error


def invalid(error: msgspec.ValidationError) -> InvalidInput:
    """InvalidInput (422) naming the path msgspec reports for a value that does not fit."""
    message = str(error)
    found = _PATH.search(message)
    path = found.group(1) if found else "$"
    return InvalidInput([Problem(path, humanise(_PATH.sub("", message)))])


def decode_json_strictly(raw: bytes, type_: type[T]) -> T:
    """A typed value from a JSON body with no type coercion (``0`` is not ``false``);
    InvalidInput (422) with the failing path when it does not fit, (400) when it does not
    parse."""
    try:
        return msgspec.json.decode(raw, type=type_, strict=True)
    except msgspec.ValidationError as error:
        raise invalid(error) from error
    except msgspec.DecodeError as error:
        raise InvalidInput([Problem("$", f"not valid JSON: {error}")], 400) from error


def parse_document(raw: bytes | str, fmt: Format) -> m.RegistryDocument:
    """A registry document from JSON or YAML, with entity keys unique per collection."""
    data = load_data(raw, fmt)
    if not isinstance(data, dict):
        raise InvalidInput([Problem("$", "a registry document is a mapping of collections")])
    document = convert(data, m.RegistryDocument)
    problems = list(_duplicate_keys(document))
    if document.ropa != m.FORMAT_VERSION:
        problems.append(
            Problem("$.ropa", f"unsupported document format `{document.ropa}`; expected `1`")
        )
    if problems:
        raise InvalidInput(problems)
    return document


def _duplicate_keys(document: m.RegistryDocument) -> Iterator[Problem]:
    for spec in KINDS.values():
        first: dict[str, int] = {}
        for i, entity in enumerate(getattr(document, spec.collection)):
            if entity.key in first:
                yield Problem(
                    f"$.{spec.collection}[{i}].key",
                    f"key `{entity.key}` is already used by {spec.collection}[{first[entity.key]}]",
                )
            else:
                first[entity.key] = i
