"""The registry document out: canonical, deterministic JSON and YAML encoding.

Parsing a document (strict JSON/YAML, duplicate keys, loading into the model) is in
`ropa.input.document`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import Any, Literal, cast

import msgspec
import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.representer import SafeRepresenter
from yaml.resolver import Resolver

from ropa.domain import model as m
from ropa.domain.kinds import KINDS

Format = Literal["json", "yaml"]


# Characters YAML treats as line breaks, or cannot print, inside plain or single-quoted text.
_NEEDS_ESCAPES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


# Plain scalars a YAML 1.2 reader takes for a number, boolean or null. PyYAML (YAML 1.1) leaves
# some of them unquoted (e.g. 1e+100, 0o17), which other tools would then read as non-text.
_YAML12_NON_STRING = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$"
)


def scalar_style(value: str) -> str | None:
    """How a text is written: double-quoted with escapes, single-quoted, or as the emitter
    likes (plain when it reads back as the same text)."""
    if _NEEDS_ESCAPES.search(value):
        return '"'
    if _YAML12_NON_STRING.match(value):
        return "'"
    return None


# libyaml escapes characters beyond the Basic Multilingual Plane (emoji) that PyYAML writes as
# they are, and cannot write a lone surrogate at all: a document with either is written by
# PyYAML's emitter, so that the output does not depend on whether libyaml is installed. The one
# other difference is where a long double-quoted line is folded; both read back the same.
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff\ud800-\udfff]")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_RESOLVER = Resolver()  # only its `resolve`, which keeps no state
_REPRESENTER = SafeRepresenter()  # for the few scalars that are not text
_TEXT = (True, True)  # plain or quoted, it reads as text
_QUOTED_TEXT = (False, True)  # only quoted does it read as text


class _NeedsPythonEmitter(Exception):
    """A text that libyaml would write differently from PyYAML, or not at all."""


def _emit(value: Any, emit: Callable[[Any], None], c_emitter: bool) -> None:
    """The events PyYAML's SafeRepresenter and Serializer would make of plain data (block
    style, no anchors), made and emitted directly: building the node tree first cost more than
    the emitting, in PyYAML's dispatch and in garbage collection over the whole tree."""
    kind = type(value)
    if kind is str:
        if c_emitter and _BEYOND_BMP.search(value):
            raise _NeedsPythonEmitter
        implicit = _TEXT
        for _, pattern in _IMPLICIT.get(value[:1], ()):
            if pattern.match(value):
                implicit = _QUOTED_TEXT
                break
        emit(ScalarEvent(None, _STR, implicit, value, style=scalar_style(value)))
    elif kind is dict:
        emit(MappingStartEvent(None, _MAP, True, flow_style=False))
        for key, item in value.items():
            _emit(key, emit, c_emitter)
            _emit(item, emit, c_emitter)
        emit(MappingEndEvent())
    elif kind is list:
        emit(SequenceStartEvent(None, _SEQ, True, flow_style=False))
        for item in value:
            _emit(item, emit, c_emitter)
        emit(SequenceEndEvent())
    else:
        node = cast(yaml.ScalarNode, _REPRESENTER.represent_data(value))
        plain = _resolve(node.value, (True, False)) == node.tag
        quoted = _resolve(node.value, (False, True)) == node.tag
        emit(ScalarEvent(None, node.tag, (plain, quoted), node.value, style=node.style))


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    return cast(str, _RESOLVER.resolve(yaml.ScalarNode, value, implicit))  # type: ignore[no-untyped-call]


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
    data = msgspec.to_builtins(document)
    if yaml.__with_libyaml__:
        with contextlib.suppress(_NeedsPythonEmitter):
            return _yaml(data, yaml.CSafeDumper)
    return _yaml(data, yaml.SafeDumper)


def _yaml(data: Any, dumper_class: type[yaml.SafeDumper] | type[yaml.CSafeDumper]) -> bytes:
    stream = io.BytesIO()
    dumper = dumper_class(
        stream, encoding="utf-8", allow_unicode=True, width=100, default_flow_style=False
    )
    emit = dumper.emit
    try:
        emit(StreamStartEvent(encoding="utf-8"))
        emit(DocumentStartEvent())
        _emit(data, emit, c_emitter=dumper_class is yaml.CSafeDumper)
        emit(DocumentEndEvent())
        emit(StreamEndEvent())
    finally:
        dumper.dispose()
    return stream.getvalue()


def format_of(name_or_type: str | None) -> Format:
    """``json`` or ``yaml`` from a file name or a media type (YAML when unsure of text)."""
    value = (name_or_type or "").lower()
    if value.endswith(".json") or "json" in value:
        return "json"
    return "yaml"
