"""The registry's past: moments named by revision or time, audit entries, and differences."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.validation import InvalidInput, Problem
from ropa.input.moments import FIRST, LAST, end_of_day, is_date, parse_instant, to_utc
from ropa.services.patching import json_patch
from ropa.store.repository import AuditRecord, Repository

_REVISION = re.compile(r"^\d{1,18}$")


async def resolve_moment(repository: Repository, value: str, name: str = "as_of") -> int:
    """A registry revision from ``value``: a revision number, or an ISO 8601 date or time."""
    text = value.strip()
    if _REVISION.match(text):
        return int(text)
    try:
        moment = parse_instant(text)
    except ValueError:
        raise InvalidInput(
            [Problem(f"query.{name}", "give a revision number or an ISO 8601 date or time")],
            400,
        ) from None
    if is_date(text):  # a date: the registry as it stood at the end of that day
        moment = end_of_day(moment)
    moment = to_utc(moment)
    if moment == FIRST:
        return 0  # before the calendar in UTC: nothing had happened yet
    if moment == LAST:
        return await repository.revision()  # after it: everything has
    return await repository.revision_at(moment)


class AuditItem(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int
    revision: int
    at: dt.datetime
    actor: str
    via: str
    action: str
    kind: str
    key: str
    organisation: str | None = None
    """The organisation the entity belongs to; absent for a vocabulary term."""
    vocabulary: str | None = None
    """For a vocabulary term (kind `term`): the vocabulary it extends, e.g. `data_category`."""
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(msgspec.Struct, kw_only=True):
    items: list[AuditItem]
    """Newest first."""
    next_before: int | None
    """The `before` that gives the next (older) page; null on the last page."""


def audit_page(records: list[AuditRecord], limit: int) -> AuditPage:
    items = [
        AuditItem(
            id=r.id,
            revision=r.revision,
            at=r.at,
            actor=r.actor,
            via=r.via,
            action=r.action,
            kind=r.kind,
            key=r.key,
            organisation=None if r.kind == "term" else r.scope,
            vocabulary=r.scope if r.kind == "term" else None,
            before=msgspec.json.decode(r.before) if r.before else None,
            after=msgspec.json.decode(r.after) if r.after else None,
        )
        for r in records
    ]
    return AuditPage(items=items, next_before=items[-1].id if len(items) == limit else None)


class PatchOperation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One RFC 6902 operation, relative to the entity's body."""

    op: str
    """`add`, `remove` or `replace`."""
    path: str
    """A JSON Pointer into the entity, e.g. `/transfer/mechanism`."""
    value: Any | msgspec.UnsetType = msgspec.UNSET
    """The new value (not for `remove`)."""


class EntityChange(msgspec.Struct, kw_only=True, omit_defaults=True):
    collection: str
    key: str
    change: str
    """created, updated or deleted."""
    fields: list[str]
    """Top-level fields that differ (all of them for a created or deleted entity)."""
    patch: list[PatchOperation] = msgspec.field(default_factory=list)
    """For an updated entity: the JSON Patch (RFC 6902) that turns its old body into its new."""
    before: dict[str, Any] | None = None
    """For a deleted entity: its last body."""
    after: dict[str, Any] | None = None
    """For a created entity: its body."""


class RegistryDiff(msgspec.Struct, kw_only=True):
    from_revision: int
    to_revision: int
    changes: list[EntityChange]


def diff_documents(
    before: m.RegistryDocument, after: m.RegistryDocument, from_revision: int, to_revision: int
) -> RegistryDiff:
    changes: list[EntityChange] = []
    for spec in KINDS.values():
        old = {e.key: msgspec.to_builtins(e) for e in getattr(before, spec.collection)}
        new = {e.key: msgspec.to_builtins(e) for e in getattr(after, spec.collection)}
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key), new.get(key)
            if a == b:
                continue
            change = "created" if a is None else "deleted" if b is None else "updated"
            fields = sorted(
                f
                for f in (a or {}).keys() | (b or {}).keys()
                if (a or {}).get(f) != (b or {}).get(f)
            )
            changes.append(
                EntityChange(
                    collection=spec.collection,
                    key=key,
                    change=change,
                    fields=fields,
                    patch=[
                        msgspec.convert(operation, PatchOperation) for operation in json_patch(a, b)
                    ]
                    if change == "updated"
                    else [],
                    before=a if change == "deleted" else None,
                    after=b if change == "created" else None,
                )
            )
    return RegistryDiff(from_revision=from_revision, to_revision=to_revision, changes=changes)
