"""The registry document in and out: strict JSON/YAML parsing and canonical encoding.

Parsing is strict where the libraries are lenient: a mapping key given twice, a YAML alias or
a value of the wrong type is an error with its path, never a silent last-one-wins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal, TypeVar

import msgspec
import yaml

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.structure import structure_problems
from ropa.domain.validation import InvalidInput, Problem, humanise

Format = Literal["json", "yaml"]
T = TypeVar("T")
_PATH = re.compile(r" - at `(\$[^`]*)`$")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and aliases (no billion-laughs expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that escapes what YAML would otherwise read back differently."""


# Characters YAML treats as line breaks, or cannot print, inside plain or single-quoted text.
_NEEDS_ESCAPES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


# Plain scalars a YAML 1.2 reader takes for a number, boolean or null. PyYAML (YAML 1.1) leaves
# some of them unquoted (e.g. 1e+100, 0o17), which other tools would then read as non-text.
_YAML12_NON_STRING = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if _NEEDS_ESCAPES.search(value):
        style = '"'
    elif _YAML12_NON_STRING.match(value):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def load_data(raw: bytes | str, fmt: Format) -> Any:
    """Plain data from JSON or YAML text; InvalidInput (400) when it does not parse."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        if fmt == "json":
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return yaml.load(text, Loader=_StrictLoader)
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidInput([Problem("$", f"not valid {fmt.upper()}: {error}")], 400) from error


def reject_duplicate_json_keys(raw: bytes) -> None:
    """InvalidInput (400) when a JSON body is malformed or repeats a key in an object."""
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates)
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
        message = str(error)
        found = _PATH.search(message)
        path = found.group(1) if found else "$"
        raise InvalidInput([Problem(path, humanise(_PATH.sub("", message)))]) from error


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


def canonical(document: m.RegistryDocument) -> m.RegistryDocument:
    """The same document with every collection in key order."""
    return msgspec.structs.replace(
        document,
        **{
            spec.collection: sorted(getattr(document, spec.collection), key=lambda e: e.key)
            for spec in KINDS.values()
        },
    )


def dump_document(document: m.RegistryDocument, fmt: Format) -> bytes:
    """Deterministic text: collections in key order, fields in model order, defaults left out."""
    document = canonical(document)
    if fmt == "json":
        return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    text = yaml.dump(
        msgspec.to_builtins(document),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return text.encode("utf-8")


def format_of(name_or_type: str | None) -> Format:
    """``json`` or ``yaml`` from a file name or a media type (YAML when unsure of text)."""
    value = (name_or_type or "").lower()
    if value.endswith(".json") or "json" in value:
        return "json"
    return "yaml"
