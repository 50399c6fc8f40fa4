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
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # not in typeshed
from typing import Any, Literal, cast

import yaml

from ropa.domain.kinds import KINDS

Format = Literal["json", "yaml"]
_LAST_STEP = re.compile(r"(\.[^.\[]*|\[\d+\])$")
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
    paths = _json_paths(text) if fmt == "json" else _yaml_paths(text)
    return SourceMap(paths=paths, entities=_entities(text, fmt, paths))


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


def _yaml_paths(text: str) -> dict[str, Position]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    paths: dict[str, Position] = {}
    if root is not None:
        _walk_yaml(root, "$", paths, Position(1, 1))
    return paths


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _walk_yaml(node: yaml.Node, path: str, paths: dict[str, Position], at: Position) -> None:
    paths.setdefault(path, at)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _walk_yaml(value_node, f"{path}.{key_node.value}", paths, _mark(key_node))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk_yaml(item, f"{path}[{index}]", paths, _mark(item))


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


def _entities(text: str, fmt: Format, paths: dict[str, Position]) -> dict[str, Position]:
    try:
        data: Any = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
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
