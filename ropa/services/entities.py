"""Create, read, replace and delete one entity: the operations behind every CRUD face."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS, index_entries, index_value
from ropa.domain.structure import in_document_order, salvage, structure_problems, under
from ropa.domain.validation import (
    InvalidInput,
    Problem,
    a_label,
    intrinsic_problems,
    label,
    needed_keys,
    reference_problems,
)
from ropa.domain.vocabulary import Vocabularies
from ropa.services.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from ropa.services.patching import merge_patch
from ropa.store.repository import Change, ListedEntity, NewRow, Repository, StoredEntity

MAX_PAGE = 1000
_encoder = msgspec.json.Encoder()
Policy = Callable[[m.Entity], list[Problem]]
"""A face's own check on an entity it writes (e.g. the longest a waiver may run)."""


def encode(entity: m.Entity) -> str:
    """The canonical JSON body of an entity: fixed field order, defaults left out."""
    return _encoder.encode(entity).decode()


def decode(kind: str, body: str | bytes) -> m.Entity:
    entity: m.Entity = msgspec.json.decode(body, type=KINDS[kind].type)
    return entity


@dataclass(frozen=True, slots=True)
class Page:
    items: list[ListedEntity]
    total: int
    next_after: str | None


class EntityService:
    """Entity CRUD over a repository, with validation and optimistic concurrency."""

    def __init__(self, repository: Repository, vocabularies: Vocabularies) -> None:
        self.repository = repository
        self.vocab = vocabularies
        self.policies: dict[str, Policy] = {}
        """Per kind, a check the face adds on create, replace and patch (not on import)."""

    async def problems(self, entity: m.Entity) -> list[Problem]:
        """Everything wrong with an entity that is structurally sound: what it says itself,
        what it refers to, and the face's policy for its kind; in one list."""
        known = await self.repository.scopes(needed_keys(entity))
        return self._problems(entity, known)

    def _problems(self, entity: m.Entity, known: Mapping[tuple[str, str], str]) -> list[Problem]:
        found = intrinsic_problems(entity, self.vocab)
        found += reference_problems(entity, self.vocab, known)
        policy = self.policies.get(entity.kind)
        if policy is not None:
            found += policy(entity)
        return found

    async def typed(self, kind: str, data: Any) -> m.Entity:
        """The entity plain data describes, or InvalidInput listing every structural and
        semantic problem together, in the order of the data."""
        entity_type = KINDS[kind].type
        structural = structure_problems(data, entity_type)
        if not structural:
            entity: m.Entity = msgspec.convert(data, entity_type)
            return entity
        problems = list(structural)
        rescued = salvage(data, entity_type)
        if isinstance(rescued, m.Entity):
            broken = [p.path for p in structural]
            problems += [p for p in await self.problems(rescued) if not under(p.path, broken)]
        raise InvalidInput(in_document_order(problems, data))

    async def get(self, kind: str, key: str) -> StoredEntity:
        stored = await self.repository.get(kind, key)
        if stored is None:
            raise NotFound(f"no {label(kind)} with key `{key}`")
        return stored

    async def list(
        self,
        kind: str,
        *,
        organisation: str | None = None,
        filters: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Page:
        spec = KINDS[kind]
        matches: dict[str, str] = {}
        for field, value in (filters or {}).items():
            if field not in spec.filters or field == "organisation":
                raise InvalidInput([Problem(f"query.{field}", f"cannot filter {kind} by {field}")])
            matches[field] = index_value(field, value)
        limit = max(1, min(limit, MAX_PAGE))
        items, total = await self.repository.page(
            kind,
            scope=organisation,
            matches=matches,
            after=after,
            limit=limit,
        )
        next_after = items[-1].key if len(items) == limit else None
        return Page(items, total, next_after)

    async def create(self, entity: m.Entity, actor: str = "anonymous") -> StoredEntity:
        async with self.repository.write_transaction(actor) as write:
            if await self.repository.get(entity.kind, entity.key) is not None:
                raise Conflict(f"{a_label(entity.kind)} with key `{entity.key}` already exists")
            row = await self._checked_row(entity)
            await self.repository.insert([row], write)
            await self.repository.record(
                write, [Change("create", row.kind, row.key, row.scope, None, row.body)]
            )
        return StoredEntity(entity.kind, entity.key, row.scope, row.body, 1)

    async def replace(
        self,
        kind: str,
        key: str,
        entity: m.Entity,
        if_match: int | None,
        actor: str = "anonymous",
    ) -> StoredEntity:
        if entity.key != key:
            raise InvalidInput(
                [Problem("$.key", f"the body's key `{entity.key}` differs from the URL's `{key}`")]
            )
        async with self.repository.write_transaction(actor) as write:
            current = await self._current(kind, key, if_match)
            return await self._replace(write, current, entity)

    async def patch(
        self,
        kind: str,
        key: str,
        patch: Any,
        if_match: int | None,
        actor: str = "anonymous",
    ) -> StoredEntity:
        """Apply a JSON Merge Patch (RFC 7396) to the stored entity; its key stays."""
        if not isinstance(patch, dict):
            raise InvalidInput([Problem("$", "a merge patch for an entity is a JSON object")])
        if "key" in patch and patch["key"] != key:
            raise InvalidInput(
                [Problem("$.key", f"the key cannot change (`{key}`); create a new entity instead")]
            )
        async with self.repository.write_transaction(actor) as write:
            current = await self._current(kind, key, if_match)
            merged = merge_patch(msgspec.json.decode(current.body), patch)
            entity = await self.typed(kind, merged)
            if encode(entity) == current.body:
                return current
            return await self._replace(write, current, entity)

    async def _replace(self, write: Any, current: StoredEntity, entity: m.Entity) -> StoredEntity:
        kind, key = current.kind, current.key
        row = await self._checked_row(entity)
        if row.scope != current.scope and kind != "organisation":
            raise InvalidInput(
                [
                    Problem(
                        "$.organisation",
                        f"an entity cannot move from organisation `{current.scope}`"
                        f" to `{row.scope}`; delete it and create it anew",
                    )
                ]
            )
        version = await self.repository.update(row, write, current.version)
        if version is None:  # pragma: no cover - the write lock makes this unreachable
            raise PreconditionFailed(f"{label(kind)} `{key}` changed meanwhile")
        await self.repository.record(
            write, [Change("update", kind, key, row.scope, current.body, row.body)]
        )
        return StoredEntity(kind, key, row.scope, row.body, version)

    async def delete(
        self, kind: str, key: str, if_match: int | None, actor: str = "anonymous"
    ) -> None:
        async with self.repository.write_transaction(actor) as write:
            current = await self._current(kind, key, if_match)
            # References to a term are indexed under its vocabulary, like built-in terms.
            target = current.scope if kind == "term" else kind
            referrers = await self.repository.referrers(f"{target}:{key}")
            if referrers:
                names = ", ".join(f"{label(k)} `{rk}` ({field})" for k, rk, field in referrers)
                raise Conflict(
                    f"{label(kind)} `{key}` is still referred to by {names}",
                    [
                        Problem(f"{k}:{rk}", f"refers to it in `{field}`")
                        for k, rk, field in referrers
                    ],
                )
            await self.repository.delete(kind, [key], current.version)
            await self.repository.record(
                write, [Change("delete", kind, key, current.scope, current.body, None)]
            )

    # --- helpers -------------------------------------------------------------------------

    async def _current(self, kind: str, key: str, if_match: int | None) -> StoredEntity:
        current = await self.get(kind, key)
        if if_match is None:
            raise PreconditionRequired(
                "send If-Match with the ETag of the version you read, or `*`"
            )
        if if_match >= 0 and if_match != current.version:
            raise PreconditionFailed(
                f"{label(kind)} `{key}` is at version {current.version}, not {if_match}:"
                " read it again and re-apply your change"
            )
        return current

    async def _checked_row(self, entity: m.Entity) -> NewRow:
        known = await self.repository.scopes(needed_keys(entity))
        problems = self._problems(entity, known)
        if problems:
            data = msgspec.to_builtins(entity)
            raise InvalidInput(in_document_order(problems, data))
        return new_row(entity, known)


def new_row(entity: m.Entity, known: Mapping[tuple[str, str], str]) -> NewRow:
    """The row for an entity whose references have been checked against ``known``."""
    return NewRow(
        kind=entity.kind,
        key=entity.key,
        scope=scope_of(entity, known),
        body=encode(entity),
        index=frozenset(index_entries(entity)),
    )


def scope_of(entity: m.Entity, known: Mapping[tuple[str, str], str]) -> str:
    """The organisation an entity belongs to; for a term, its vocabulary."""
    if isinstance(entity, m.Organisation):
        return entity.key
    if isinstance(entity, m.Term):
        return str(entity.vocabulary)
    if isinstance(entity, m.Flow):
        return known.get(("activity", entity.activity), "")
    organisation: str = getattr(entity, "organisation")  # noqa: B009
    return organisation
