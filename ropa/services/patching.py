"""JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902) over plain JSON data."""

from __future__ import annotations

from typing import Any

MERGE_PATCH = "application/merge-patch+json"


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` applied as RFC 7396 says: objects merge member by member, a
    null member removes that member, anything else (arrays included) replaces the target."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def json_patch(
    before: Any, after: Any, parts: list[str | int] | None = None
) -> list[dict[str, Any]]:
    """The RFC 6902 operations that turn ``before`` into ``after``: member by member for
    objects, a whole ``replace`` for a changed array or value (short and easy to read)."""
    parts = parts or []
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        operations: list[dict[str, Any]] = []
        for name in before:
            if name not in after:
                operations.append({"op": "remove", "path": _pointer([*parts, name])})
        for name, value in after.items():
            if name not in before:
                operations.append({"op": "add", "path": _pointer([*parts, name]), "value": value})
            else:
                operations += json_patch(before[name], value, [*parts, name])
        return operations
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
        and all(isinstance(x, dict) for x in before + after)
    ):
        operations = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            operations += json_patch(old, new, [*parts, index])
        return operations
    return [{"op": "replace", "path": _pointer(parts), "value": after}]
