"""Where things are in a registry document's source: line and column of each entry and value.

A linter points at lines, not at JSON paths. ``source_map`` reads YAML or JSON text once and
records where every value starts (keyed by the same ``$.systems[0].organisation`` paths that
problems carry) and where each entity's entry starts (keyed ``kind:key``, as findings name
their entity). It never raises: text that does not parse yields what was read before the error.
"""

from __future__ import annotations

import contextlib
import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # not in typeshed
from typing import Any, Literal, cast

import yaml

from ropa.domain.kinds import KINDS
from ropa.input import strict_yaml

Format = Literal["json", "yaml"]
_LAST_STEP = re.compile(r"(\.[^.\[]*|\[\d+\])$")
_ENTITY_KEY = re.compile(r"^\$\.(\w+)\[(\d+)\]\.key$")
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()  # only its `resolve`, which keeps no state


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag a plain scalar reads as (``tag:yaml.org,2002:str`` for text)."""
    return cast(str, _RESOLVER.resolve(yaml.ScalarNode, value, implicit))  # type: ignore[no-untyped-call]


_SKIP: Any = object()
_JSON_LITERAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A place in the source text, both counted from 1."""

    line: int
    column: int


@dataclass(slots=True)
class SourceMap:
    paths: dict[str, Position] = field(default_factory=dict)
    """Where the value at each JSON path starts (for a mapping entry: where its key starts)."""
    entities: dict[str, Position] = field(default_factory=dict)
    """Where the entry of each entity, ``kind:key``, starts."""

    def path(self, path: str) -> Position | None:
        """The position of ``path``, or of its nearest ancestor the source has."""
        while True:
            if path in self.paths:
                return self.paths[path]
            shorter = _LAST_STEP.sub("", path)
            if shorter == path or not shorter:
                return None
            path = shorter

    def entity(self, entity: str) -> Position | None:
        return self.entities.get(entity)


def source_map(raw: bytes | str, fmt: Format) -> SourceMap:
    """Positions of the values and entity entries in a registry document's text."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        return SourceMap()
    if fmt == "yaml":
        return _yaml_source(text)
    paths = _json_paths(text)
    return SourceMap(paths=paths, entities=_entities(text, paths))


def error_position(error: BaseException | None) -> Position | None:
    """Where a YAML or JSON syntax error was found, when the parser says."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            return Position(mark.line + 1, mark.column + 1)
    if isinstance(error, json.JSONDecodeError):
        return Position(error.lineno, error.colno)
    return None


# --- YAML ------------------------------------------------------------------------------------


def _yaml_source(text: str) -> SourceMap:
    """Where each value and entity entry is, from libyaml's events (one pass, no data built).

    Values under a key that is a list or a mapping are left out; entities are named only when
    the whole text parses (as YAML: whether the document is valid is another matter).
    """
    walker = _YamlWalker()
    try:
        text_bytes = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in text given as str
        return SourceMap()
    events = strict_yaml.PARSER(text_bytes)
    try:
        walker.walk(events.get_event)
    except yaml.YAMLError:
        return SourceMap(paths=walker.paths)
    finally:
        events.dispose()
    return SourceMap(paths=walker.paths, entities=walker.entities())


class _YamlWalker:
    """Notes the path and position of every node as the events come."""

    def __init__(self) -> None:
        self.paths: dict[str, Position] = {}
        self.keys: dict[tuple[str, int], str] = {}
        """The text of each ``$.collection[i].key`` that reads as text."""

    def walk(self, get: Callable[[], Any]) -> None:
        # One frame per open collection: [its path, whether it is a mapping, state]. The state
        # of a list is the next index; of a mapping, None while a key is expected, then the
        # path of the value to come (_SKIP after a key that is a list or a mapping).
        stack: list[list[Any]] = []
        skip = 0  # collections still open inside a node being skipped
        while True:
            event = get()
            if isinstance(event, yaml.StreamEndEvent):
                return
            if skip:
                if isinstance(event, yaml.CollectionStartEvent):
                    skip += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    skip -= 1
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue  # stream and document start and end
            starts = isinstance(event, yaml.CollectionStartEvent)
            mark: Any = event.start_mark
            at = Position(mark.line + 1, mark.column + 1)
            if not stack:
                path = "$"
                self.paths.setdefault(path, Position(1, 1))
            elif not stack[-1][1]:  # an item of a list
                frame = stack[-1]
                path = f"{frame[0]}[{frame[2]}]"
                frame[2] += 1
                self.paths.setdefault(path, at)
            else:
                frame = stack[-1]
                if frame[2] is None:  # a key
                    if isinstance(event, yaml.ScalarEvent):
                        child = f"{frame[0]}.{event.value}"
                        frame[2] = child
                        self.paths.setdefault(child, at)
                    else:  # a list or a mapping as a key: neither it nor its value is noted
                        frame[2] = _SKIP
                        skip = 1 if starts else 0
                    continue
                path, frame[2] = frame[2], None
                if path is _SKIP:
                    skip = 1 if starts else 0
                    continue
                if len(stack) == 3 and isinstance(event, yaml.ScalarEvent):
                    self._entity_key(path, event)
            if starts:
                mapping = isinstance(event, yaml.MappingStartEvent)
                stack.append([path, mapping, None if mapping else 0])

    def _entity_key(self, path: str, event: yaml.ScalarEvent) -> None:
        found = _ENTITY_KEY.match(path)
        if found is None or event.tag not in (None, "!", "tag:yaml.org,2002:str"):
            return
        if event.implicit[0] and _resolve(event.value, event.implicit) != _STR:
            return  # `key: 12` is a number, not a key
        self.keys[(found.group(1), int(found.group(2)))] = event.value

    def entities(self) -> dict[str, Position]:
        entities: dict[str, Position] = {}
        for spec in KINDS.values():
            index = 0
            while (at := self.paths.get(f"$.{spec.collection}[{index}]")) is not None:
                key = self.keys.get((spec.collection, index))
                if key is not None:
                    entities.setdefault(f"{spec.name}:{key}", at)
                index += 1
        return entities


# --- JSON ------------------------------------------------------------------------------------


class _JsonWalker:
    """A small JSON reader that notes where each value (and each member's key) starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[str, int] = {}

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in " \t\r\n":
            i += 1
        return i

    def value(self, i: int, path: str) -> int:
        i = self.skip(i)
        self.offsets.setdefault(path, i)
        char = self.text[i]
        if char == "{":
            return self.members(i + 1, path)
        if char == "[":
            return self.items(i + 1, path)
        if char == '"':
            return cast(int, scanstring(self.text, i + 1)[1])
        literal = _JSON_LITERAL.match(self.text, i)
        if literal is None:
            raise ValueError(f"unexpected {char!r} at {i}")
        return literal.end()

    def members(self, i: int, path: str) -> int:
        i = self.skip(i)
        if self.text[i] == "}":
            return i + 1
        while True:
            i = self.skip(i)
            start = i
            key, i = scanstring(self.text, i + 1)
            child = f"{path}.{key}"
            self.offsets.setdefault(child, start)
            i = self.skip(i)
            if self.text[i] != ":":
                raise ValueError(f"expected ':' at {i}")
            i = self.skip(self.value(i + 1, child))
            if self.text[i] == "}":
                return i + 1
            if self.text[i] != ",":
                raise ValueError(f"expected ',' at {i}")
            i += 1

    def items(self, i: int, path: str) -> int:
        i = self.skip(i)
        if self.text[i] == "]":
            return i + 1
        index = 0
        while True:
            i = self.skip(self.value(i, f"{path}[{index}]"))
            if self.text[i] == "]":
                return i + 1
            if self.text[i] != ",":
                raise ValueError(f"expected ',' at {i}")
            i += 1
            index += 1


def _json_paths(text: str) -> dict[str, Position]:
    walker = _JsonWalker(text)
    with contextlib.suppress(ValueError, IndexError):  # keep what was read before an error
        walker.value(0, "$")
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def position(offset: int) -> Position:
        line = bisect_right(starts, offset)
        return Position(line, offset - starts[line - 1] + 1)

    return {path: position(offset) for path, offset in walker.offsets.items()}


# --- entities --------------------------------------------------------------------------------


def _entities(text: str, paths: dict[str, Position]) -> dict[str, Position]:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    entities: dict[str, Position] = {}
    for spec in KINDS.values():
        entries = data.get(spec.collection)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            key = entry.get("key") if isinstance(entry, dict) else None
            at = paths.get(f"$.{spec.collection}[{index}]")
            if isinstance(key, str) and at is not None:
                entities.setdefault(f"{spec.name}:{key}", at)
    return entities
