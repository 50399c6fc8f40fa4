"""YAML text to plain data, built straight from libyaml's parser events with strict checks.

PyYAML's loaders compose a tree of nodes and then construct the data from it, both in Python:
47 s and 1.4 GB for a 10,000-activity registry. Here libyaml's C parser produces the events
and one loop builds the dicts and lists from them, refusing as it goes:

- a key given twice in one mapping (naming where both are);
- a key that is a list or a mapping;
- anchors and aliases (nothing is shared, so nothing can expand: the data stays proportional to
  the text, whose size the caller bounds);
- explicit tags beyond YAML's core schema (str, int, float, bool, null, seq, map);
- lists and mappings nested deeper than `MAX_DEPTH` (nothing here recurses, but what reads
  the data next may).

Plain scalars resolve as PyYAML's SafeLoader resolves them (YAML 1.1: ``yes`` is true,
``2024-01-01`` a date), so a document accepted here reads as the same data as with
``yaml.safe_load``. Without libyaml the same loop runs on PyYAML's Python parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from ropa.input.limits import MAX_DEPTH


class PyParser(Reader, Scanner, Parser):
    """PyYAML's own event parser, for when libyaml is missing (and to compare with it)."""

    def __init__(self, stream: bytes) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


EventParser = Callable[[bytes], Any]
"""A class whose instances give ``get_event()`` and ``dispose()`` over the bytes given."""

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    PARSER: EventParser = CParser
else:  # pragma: no cover - the wheels ship libyaml
    PARSER = PyParser


class Refused(MarkedYAMLError):
    """Well-formed YAML that a registry document may not contain (its mark says where)."""


class NestedTooDeep(YAMLError):
    """Lists and mappings nested deeper than the limit."""

    def __init__(self, limit: int, mark: Any) -> None:
        super().__init__(f"nested deeper than {limit} levels")
        self.limit = limit
        self.mark = mark


_TAG = "tag:yaml.org,2002:"
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = SafeConstructor()  # stateless for scalars; one for every thread
_SCALARS: dict[str, Callable[[Any, ScalarNode], Any]] = {
    _TAG + name: SafeConstructor.yaml_constructors[_TAG + name]
    for name in ("null", "bool", "int", "float", "timestamp")
}
_EXPLICIT_SCALARS = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))
_NOT_ACCEPTED = {
    _TAG + "merge": "YAML merge keys (`<<`) are not accepted: write the entries out in full",
    _TAG + "value": "the YAML value key (`=`) is not accepted",
}
_BAD_ESCAPE = "found invalid Unicode character escape code"
_NO_KEY: Any = object()  # in a mapping: the next scalar or collection is a key


def load(raw: bytes, parser: EventParser = PARSER) -> Any:
    """The data of a single-document YAML text (None when it is empty).

    Raises a `yaml.YAMLError`: `Refused` or another `MarkedYAMLError` (with where it was
    found) or `NestedTooDeep`. The text must be UTF-8; check that first.
    """
    try:
        return _load(raw, parser)
    except yaml.scanner.ScannerError as error:
        # libyaml refuses the escape of a lone surrogate (``"\\uD800"``), which PyYAML reads
        # and ropa's YAML export writes for text that has one: read such a text with PyYAML.
        if parser is PyParser or error.problem != _BAD_ESCAPE:
            raise
        return _load(raw, PyParser)


def _load(raw: bytes, parser: EventParser) -> Any:
    events = parser(raw)
    try:
        return _stream(events.get_event)
    except ValueError as error:  # PyYAML's scanner on an escape beyond U+10FFFF
        raise YAMLError(f"an escape is not a character: {error}") from None
    finally:
        events.dispose()


def _stream(get: Callable[[], Any]) -> Any:
    get()  # StreamStartEvent
    start = get()
    if isinstance(start, StreamEndEvent):
        return None
    data = _document(get)
    get()  # DocumentEndEvent
    after = get()
    if not isinstance(after, StreamEndEvent):
        raise yaml.composer.ComposerError(
            "expected a single document in the stream",
            start.start_mark,
            "but found another document",
            after.start_mark,
        )
    return data


def _document(get: Callable[[], Any]) -> Any:
    """The data of one document's node, read up to (not including) its DocumentEndEvent."""
    root: Any = None
    container: Any = None  # the dict or list being filled; None before the root
    keys: dict[Any, Any] | None = None  # for a mapping: where each of its keys was given
    key: Any = _NO_KEY
    stack: list[tuple[Any, dict[Any, Any] | None, Any]] = []
    plain_keys: dict[str, Any] = {}  # a plain key's text -> its value, one object per key name
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.tag is not None or event.anchor is not None:
                value = _scalar(event)
            elif event.style:  # quoted, or a block scalar: text (plain is '' in libyaml, None)
                value = event.value
            elif keys is not None and key is _NO_KEY:  # a plain key
                value = plain_keys.get(event.value, _NO_KEY)
                if value is _NO_KEY:
                    value = plain_keys[event.value] = _scalar(event)
            else:  # a plain value: text, unless it reads as YAML 1.1's null, bool, number, date
                value = event.value
                resolvers = _IMPLICIT.get(value[:1])
                if resolvers is not None:
                    value = _plain(value, resolvers, event)
            if keys is not None:
                if key is _NO_KEY:
                    if value in keys:
                        raise _duplicate(value, keys[value], event.start_mark)
                    keys[value] = event.start_mark
                    key = value
                else:
                    container[key] = value
                    key = _NO_KEY
            elif container is not None:
                container.append(value)
            else:
                return value
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            _check_collection(event)
            if len(stack) >= MAX_DEPTH:
                raise NestedTooDeep(MAX_DEPTH, event.start_mark)
            new: Any = {} if kind is MappingStartEvent else []
            if keys is not None:
                if key is _NO_KEY:
                    raise Refused(
                        None,
                        None,
                        "found a key that is a list or a mapping; keys must be plain text",
                        event.start_mark,
                    )
                container[key] = new
                key = _NO_KEY
            elif container is not None:
                container.append(new)
            else:
                root = new
            stack.append((container, keys, key))
            container = new
            keys = {} if kind is MappingStartEvent else None
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            container, keys, key = stack.pop()
            if not stack:
                return root
        elif kind is AliasEvent:
            raise _anchored(event)
        else:  # pragma: no cover - the parser gives nothing else inside a document
            raise Refused(None, None, f"unexpected {kind.__name__}", event.start_mark)


def _scalar(event: Any) -> Any:
    if event.anchor is not None:
        raise _anchored(event)
    tag = event.tag
    value: str = event.value
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value  # quoted, or a block scalar: text
        for resolved, pattern in _IMPLICIT.get(value[:1], ()):
            if pattern.match(value):
                return _construct(resolved, event)
        return value
    if tag == _TAG + "str":
        return value
    if tag in _EXPLICIT_SCALARS:
        return _construct(tag, event)
    raise _tag_refused(tag, event)


def _plain(value: str, resolvers: list[tuple[str, re.Pattern[str]]], event: Any) -> Any:
    for resolved, pattern in resolvers:
        if pattern.match(value):
            return _construct(resolved, event)
    return value


def _construct(tag: str, event: Any) -> Any:
    constructor = _SCALARS.get(tag)
    if constructor is None:
        raise Refused(
            None,
            None,
            _NOT_ACCEPTED.get(tag, f"the YAML type {tag} is not accepted"),
            event.start_mark,
        )
    try:
        return constructor(_CONSTRUCTOR, ScalarNode(tag, event.value))
    except (ValueError, KeyError, IndexError, OverflowError):  # `!!int x`, `!!bool maybe`
        raise Refused(
            None, None, f"`{event.value}` is not a valid {tag.removeprefix(_TAG)}", event.start_mark
        ) from None


def _check_collection(event: Any) -> None:
    if event.anchor is not None:
        raise _anchored(event)
    tag = event.tag
    if tag is None or tag == "!":
        return
    mapping = isinstance(event, MappingStartEvent)
    if tag == _TAG + ("map" if mapping else "seq"):
        return
    if tag == _TAG + ("seq" if mapping else "map"):
        shown = "a mapping" if mapping else "a list"
        raise Refused(None, None, f"the tag {_shown(tag)} does not fit {shown}", event.start_mark)
    raise _tag_refused(tag, event)


def _shown(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _tag_refused(tag: str, event: Any) -> Refused:
    return Refused(
        None,
        None,
        f"the YAML tag {_shown(tag)} is not accepted; the tags a document may use are "
        "!!str, !!int, !!float, !!bool, !!null, !!seq and !!map",
        event.start_mark,
    )


def _anchored(event: Any) -> Refused:
    return Refused(
        None,
        None,
        "YAML anchors and aliases are not accepted: write each value out in full",
        event.start_mark,
    )


def _duplicate(key: Any, first: Any, again: Any) -> Refused:
    return Refused(
        None,
        None,
        f"duplicate key {key!r}: given at line {first.line + 1}, column {first.column + 1} "
        f"and again at line {again.line + 1}, column {again.column + 1}",
        again,
    )


def describe(error: YAMLError) -> str:
    """The error on one line, with its positions as ``line L, column C``."""
    if isinstance(error, NestedTooDeep):
        return str(error)
    if isinstance(error, yaml.reader.ReaderError) and isinstance(error.character, int):
        return (
            f"character #x{error.character:04x} at offset {error.position} is not accepted: "
            f"{error.reason}"
        )
    if not isinstance(error, MarkedYAMLError):
        return " ".join(str(error).split())
    parts = []
    for text, mark in ((error.context, error.context_mark), (error.problem, error.problem_mark)):
        if text and mark is not None and f"line {mark.line + 1}," not in text:
            parts.append(f"{text} (line {mark.line + 1}, column {mark.column + 1})")
        elif text:
            parts.append(text)
    return "; ".join(parts)
