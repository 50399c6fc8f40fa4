"""Every structural problem of a body or document at once, in document order.

msgspec stops at the first value that does not fit the model; a registry keeper fixing a body
wants all of them. This walks plain data (parsed JSON or YAML) against a model type and reports
each misfit with its path: unknown fields (with the closest field name), missing fields, wrong
types, and enum values with the allowed ones. ``salvage`` then builds the entity with the misfit
parts replaced, so the semantic checks can report what else is wrong in the same answer.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from ropa.domain import model as m
from ropa.domain.suggest import allowed, did_you_mean
from ropa.domain.validation import InvalidInput, Problem, humanise

_AT = re.compile(r" - at `\$([^`]*)`$")
_SEGMENT = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_DROP = object()


def _unwrap(annotation: Any) -> tuple[Any, list[msgspec.Meta]]:
    """The bare type of an annotation and the Meta constraints on it."""
    metas: list[msgspec.Meta] = []
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metas += [x for x in extra if isinstance(x, msgspec.Meta)]
    return annotation, metas


def _options(annotation: Any) -> tuple[list[Any], bool]:
    """The non-None members of a union (or the type itself), and whether None is allowed."""
    bare, _ = _unwrap(annotation)
    if get_origin(bare) in (Union, types.UnionType):
        members = list(get_args(bare))
        return [a for a in members if a is not type(None)], type(None) in members
    return [annotation], False


def _is_struct(annotation: Any) -> bool:
    bare, _ = _unwrap(annotation)
    return isinstance(bare, type) and issubclass(bare, msgspec.Struct)


def _is_list(annotation: Any) -> bool:
    return get_origin(_unwrap(annotation)[0]) is list


def _enum(annotation: Any) -> type[enum.Enum] | None:
    bare, _ = _unwrap(annotation)
    return bare if isinstance(bare, type) and issubclass(bare, enum.Enum) else None


def _fields(struct: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    return {f.encode_name: f for f in msgspec.structs.fields(struct)}


def _fits(value: Any, annotation: Any) -> str | None:
    """None when the value converts to the annotation; else msgspec's message."""
    try:
        msgspec.convert(value, annotation)
    except msgspec.ValidationError as error:
        return str(error)
    return None


def structure_problems(data: Any, annotation: Any, path: str = "$") -> list[Problem]:
    """Every place where ``data`` does not fit ``annotation``, in the data's own order."""
    return list(_walk(data, annotation, path))


def _walk(value: Any, annotation: Any, path: str) -> Iterator[Problem]:
    message = _fits(value, annotation)
    if message is None:
        return
    members, nullable = _options(annotation)
    if value is None and not nullable:
        yield Problem(path, "a value is required here, not null")
        return
    if len(members) == 1:
        target = members[0]
        if _is_struct(target) and isinstance(value, dict):
            yield from _walk_struct(value, _unwrap(target)[0], path)
            return
        if _is_list(target) and isinstance(value, list):
            yield from _walk_list(value, target, path)
            return
        kind = _enum(target)
        if kind is not None and isinstance(value, str):
            choices = [str(member.value) for member in kind]
            guess = did_you_mean(value, choices)
            yield Problem(
                path,
                f"`{value}` is not a valid value; {allowed(choices)}"
                + (f"; {guess}" if guess else ""),
            )
            return
    found = _AT.search(message)
    inner = found.group(1) if found else ""
    yield Problem(path + inner, _plain(humanise(_AT.sub("", message))))


_PLAIN = {
    "Invalid RFC3339 encoded date": "not a date: write it as YYYY-MM-DD, e.g. 2026-11-30",
    "Invalid RFC3339 encoded datetime": "not a time: write it as ISO 8601, e.g. 2026-11-30T09:00Z",
}


def _plain(message: str) -> str:
    return _PLAIN.get(message, message)


def _walk_struct(
    value: dict[str, Any], struct: type[msgspec.Struct], path: str
) -> Iterator[Problem]:
    fields = _fields(struct)
    for name, item in value.items():
        field = fields.get(name) if isinstance(name, str) else None
        if field is None:
            suggestion = did_you_mean(str(name), fields)
            known = suggestion or "not a field of " + _struct_label(struct)
            yield Problem(f"{path}.{name}", f"unknown field `{name}`; {known}")
            continue
        yield from _walk(item, field.type, f"{path}.{name}")
    for name, field in fields.items():
        if name not in value and _required(field):
            yield Problem(f"{path}.{name}", f"`{name}` is required")


def _walk_list(value: list[Any], annotation: Any, path: str) -> Iterator[Problem]:
    bare, metas = _unwrap(annotation)
    (item_type,) = get_args(bare)
    limit = next((x.max_length for x in metas if x.max_length is not None), None)
    if limit is not None and len(value) > limit:
        yield Problem(path, f"at most {limit} items are allowed, not {len(value)}")
    for index, item in enumerate(value):
        yield from _walk(item, item_type, f"{path}[{index}]")


def _required(field: msgspec.structs.FieldInfo) -> bool:
    return field.default is msgspec.NODEFAULT and field.default_factory is msgspec.NODEFAULT


def _struct_label(struct: type[msgspec.Struct]) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", struct.__name__).lower()
    return f"an {words}" if words[0] in "aeiou" else f"a {words}"


# --- salvage: the entity with its misfit parts replaced -----------------------------------


def salvage(data: Any, annotation: Any) -> Any:
    """``data`` converted to ``annotation`` after misfit values are dropped or stood in for;
    None when even that fails. Only for finding further problems: never stored."""
    repaired = _repair(data, annotation)
    if repaired is _DROP:
        return None
    try:
        return msgspec.convert(repaired, annotation)
    except msgspec.ValidationError:
        return None


def _repair(value: Any, annotation: Any) -> Any:
    if _fits(value, annotation) is None:
        return value
    members, nullable = _options(annotation)
    if len(members) == 1:
        target = members[0]
        if _is_struct(target) and isinstance(value, dict):
            struct = _unwrap(target)[0]
            repaired: dict[str, Any] = {}
            for name, field in _fields(struct).items():
                item = _repair(value[name], field.type) if name in value else _DROP
                if item is _DROP and _required(field):
                    item = _stand_in(field.type)
                if item is not _DROP:
                    repaired[name] = item
            return repaired
        if _is_list(target) and isinstance(value, list):
            bare, metas = _unwrap(target)
            (item_type,) = get_args(bare)
            items = [_repair(item, item_type) for item in value]
            if _is_struct(item_type):  # a stand-in keeps the later entries' indices
                items = [_stand_in(item_type) if item is _DROP else item for item in items]
            limit = next((x.max_length for x in metas if x.max_length is not None), None)
            return [item for item in items if item is not _DROP][:limit]
    return None if nullable else _DROP


_STAND_INS = {
    m.KEY_PATTERN: "unnamed",
    m.NODE_PATTERN: "system:unnamed",
    m.DURATION_PATTERN: "P1D",
    m.COUNTRY_PATTERN: "ZZ",
    m.JURISDICTION_PATTERN: "EU",
    m.FINDING_PATTERN: "UNNAMED@unnamed",
}


def _stand_in(annotation: Any) -> Any:
    """A value of the annotation's type for a required field that is missing or misfit."""
    members, nullable = _options(annotation)
    if nullable:
        return None
    bare, metas = _unwrap(members[0])
    kind = _enum(bare)
    if kind is not None:
        return next(iter(kind)).value
    if _is_struct(bare):
        return _repair({}, bare)
    if get_origin(bare) is list:
        return []
    if bare is bool:
        return False
    if bare is int:
        return next((x.ge for x in metas if x.ge is not None), 0)
    if bare is dt.date:
        return "2000-01-01"
    pattern = next((x.pattern for x in metas if x.pattern), None)
    return _STAND_INS.get(pattern or "", "x")


# --- order ----------------------------------------------------------------------------------


def position(data: Any, path: str) -> tuple[int, ...]:
    """Where a path lies in the data, as a sort key: document order, a missing field after its
    present siblings, anything outside the data (query, header) first."""
    if not path.startswith("$"):
        return (-1,)
    key: list[int] = [0]
    node = data
    for name, index in _SEGMENT.findall(path[1:]):
        if index:
            position_ = int(index)
            key.append(position_)
            node = node[position_] if isinstance(node, list) and position_ < len(node) else None
        elif isinstance(node, dict):
            names = list(node)
            key.append(names.index(name) if name in node else len(names))
            node = node.get(name)
        else:
            key.append(0)
            node = None
    return tuple(key)


def in_document_order(problems: Iterable[Problem], data: Any) -> list[Problem]:
    """Problems sorted by where they lie in the data; duplicates left out."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: position(data, p.path))


def under(path: str, broken: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``broken`` or lies inside one of them."""
    return any(path == b or path.startswith((b + ".", b + "[")) for b in broken)


def checked(data: Any, annotation: Any, semantic: Any = None) -> Any:
    """The typed value of ``data``, or InvalidInput with every structural problem and, from the
    salvaged value, every semantic one (``semantic(value) -> list[Problem]``) that does not lie
    inside a structural one, in document order."""
    structural = structure_problems(data, annotation)
    if not structural:
        return msgspec.convert(data, annotation)
    problems = list(structural)
    if semantic is not None:
        rescued = salvage(data, annotation)
        if rescued is not None:
            broken = [p.path for p in structural]
            problems += [p for p in semantic(rescued) if not under(p.path, broken)]
    raise InvalidInput(in_document_order(problems, data))
