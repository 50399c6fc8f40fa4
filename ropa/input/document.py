"""The registry document in: strict JSON/YAML parsing and loading into the model.

Parsing is strict where the libraries are lenient: a mapping key given twice, a YAML alias or
a value of the wrong type is an error with its path, never a silent last-one-wins. YAML is read
by `ropa.input.strict_yaml` (libyaml's events, checked as they come).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import msgspec
import yaml

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.structure import structure_problems
from ropa.domain.validation import InvalidInput, Problem, humanise
from ropa.input import strict_yaml
from ropa.input.limits import check_json_depth, not_utf8, too_deep
from ropa.render.document import Format

T = TypeVar("T")
_PATH = re.compile(r" - at `(\$[^`]*)`$")


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


def _utf8(raw: bytes | str) -> bytes:
    """The text as UTF-8 bytes, checked (libyaml would take UTF-16 too, and say less)."""
    if isinstance(raw, str):
        try:
            return raw.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate
            raise InvalidInput([Problem("$", f"not valid text: {error.reason}")], 400) from None
    if not raw.isascii():
        _text(raw)
    return raw


def load_data(raw: bytes | str, fmt: Format) -> Any:
    """Plain data from JSON or YAML text; InvalidInput (400) when it does not parse, is not
    UTF-8, nests deeper than `MAX_DEPTH`, or (YAML) repeats a key, has a key that is a list
    or a mapping, an anchor, an alias or a tag beyond the core schema."""
    if fmt == "yaml":
        text = _utf8(raw)
        try:
            return strict_yaml.load(text)
        except strict_yaml.NestedTooDeep:
            raise too_deep() from None
        except yaml.YAMLError as error:
            problem = Problem("$", f"not valid YAML: {strict_yaml.describe(error)}")
            raise InvalidInput([problem], 400) from error
    check_json_depth(raw)
    try:
        return json.loads(_text(raw), object_pairs_hook=_no_duplicates)
    except ValueError as error:
        raise InvalidInput([Problem("$", f"not valid JSON: {error}")], 400) from error


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
