"""Registry documents: export the store, and import a document all-or-nothing.

An import is an upsert by key. With ``prune`` (the default) it also deletes what the
document's organisations hold in the store but the document no longer lists, so a document
kept in git is the source of truth for the organisations it contains; other organisations and
vocabulary terms are left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import anyio.to_thread
import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.structure import in_document_order
from ropa.domain.validation import (
    InvalidInput,
    Problem,
    intrinsic_problems,
    needed_keys,
    reference_problems,
)
from ropa.domain.vocabulary import Vocabularies
from ropa.services.entities import decode, new_row, scope_of
from ropa.services.errors import NotFound
from ropa.services.history import AuditPage, audit_page
from ropa.store.repository import Change, NewRow, Repository, StoredEntity, Write

Progress = Callable[[str, int, int], None]
"""Called with a phase name, the work done so far and the work in all."""


class KindChanges(msgspec.Struct, kw_only=True, omit_defaults=True):
    created: list[str] = msgspec.field(default_factory=list)
    updated: list[str] = msgspec.field(default_factory=list)
    deleted: list[str] = msgspec.field(default_factory=list)
    unchanged: int = 0


class ImportReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    revision: int | None
    """The registry revision the import committed as; null for a dry run or no change."""
    changes: dict[str, KindChanges]
    """Per collection: keys created, updated and deleted, and how many stayed as they were."""

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.deleted for c in self.changes.values())


def _entities(document: m.RegistryDocument) -> list[tuple[str, m.Entity]]:
    """(JSON path, entity) for every entity, in dependency order."""
    return [
        (f"$.{spec.collection}[{i}]", entity)
        for spec in KINDS.values()
        for i, entity in enumerate(getattr(document, spec.collection))
    ]


def document_problems(document: m.RegistryDocument, vocabularies: Vocabularies) -> list[Problem]:
    """Everything that would stop the document importing into an empty store."""
    entities = _entities(document)
    problems = [
        problem
        for path, entity in entities
        for problem in intrinsic_problems(entity, vocabularies, prefix=path)
    ]
    known: dict[tuple[str, str], str] = {}
    for _, entity in entities:
        known[(entity.kind, entity.key)] = scope_of(entity, known)
    for path, entity in entities:
        problems.extend(reference_problems(entity, vocabularies, known, prefix=path))
    return problems


def _assemble(rows: list[StoredEntity]) -> m.RegistryDocument:
    collections: dict[str, list[m.Entity]] = {spec.collection: [] for spec in KINDS.values()}
    for row in rows:
        collections[KINDS[row.kind].collection].append(decode(row.kind, row.body))
    for entities in collections.values():
        entities.sort(key=lambda e: e.key)
    return m.RegistryDocument(**collections)  # type: ignore[arg-type]


ANALYSE_FROM = 1_000
"""Changed rows from which an import refreshes the planner's statistics (ANALYZE)."""


class DocumentService:
    def __init__(self, repository: Repository, vocabularies: Vocabularies) -> None:
        self.repository = repository
        self.vocab = vocabularies

    async def audit(
        self,
        *,
        kind: str | None = None,
        key: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        after: int | None = None,
        limit: int = 100,
        before: int | None = None,
    ) -> AuditPage:
        """One page of the audit trail, newest first, filtered; ``before`` and ``after`` are
        entry ids the page lies between (``before`` pages back, ``after`` asks what is new)."""
        records = await self.repository.audit(
            kind=kind,
            key=key,
            actor=actor,
            since=since,
            until=until,
            after_id=after,
            before_id=before,
            limit=limit,
            newest_first=True,
        )
        return audit_page(records, limit)

    async def export(
        self, organisation: str | None = None, as_of: int | None = None
    ) -> m.RegistryDocument:
        """The whole registry, or one organisation with the vocabulary terms it may use."""
        return (await self.snapshot(organisation, as_of))[1]

    async def snapshot(
        self, organisation: str | None = None, as_of: int | None = None
    ) -> tuple[int, m.RegistryDocument]:
        """The registry revision and the document, read in one consistent transaction.

        With ``as_of``, the registry as it stood at that revision, rebuilt from the audit trail.
        """
        async with self.repository.read_transaction():
            revision = await self.repository.revision()
            if as_of is not None:
                if as_of > revision:
                    raise NotFound(
                        f"revision {as_of} is in the future: the registry is at {revision}"
                    )
                revision = as_of
            scoped = [k for k in KINDS if k != "term"]
            if as_of is None:
                if organisation is None:
                    rows = await self.repository.all_of(KINDS)
                else:
                    rows = await self.repository.all_of(["term"]) + await self.repository.all_of(
                        scoped, scope=organisation
                    )
            elif organisation is None:
                rows = await self.repository.as_of(as_of, KINDS)
            else:
                rows = await self.repository.as_of(as_of, ["term"]) + await self.repository.as_of(
                    as_of, scoped, scope=organisation
                )
            if organisation is not None and not any(
                r.kind == "organisation" and r.key == organisation for r in rows
            ):
                raise NotFound(f"no organisation with key `{organisation}`")
        # Decoding thousands of bodies is CPU work: off the event loop.
        return revision, await anyio.to_thread.run_sync(_assemble, rows)

    async def import_document(
        self,
        document: m.RegistryDocument,
        *,
        dry_run: bool = False,
        prune: bool = True,
        progress: Progress | None = None,
        actor: str = "anonymous",
        via: str = "import",
    ) -> ImportReport:
        entities = _entities(document)
        intrinsic = await anyio.to_thread.run_sync(self._intrinsic_problems, entities)
        transaction: AbstractAsyncContextManager[object] = (
            self.repository.read_transaction()
            if dry_run
            else self.repository.write_transaction(actor, via)
        )
        try:
            async with transaction as write:
                plan = await self._plan(document, entities, prune, intrinsic)
                if dry_run:
                    return ImportReport(dry_run=True, revision=None, changes=plan.report())
                if not plan.changed:
                    raise _NothingToDo(plan.report())  # rolls back the revision it took
                assert isinstance(write, Write)
                await self._apply(plan, write, progress)
                report = ImportReport(dry_run=False, revision=write.revision, changes=plan.report())
        except _NothingToDo as nothing:
            return ImportReport(dry_run=False, revision=None, changes=nothing.changes)
        if plan.size >= ANALYSE_FROM:
            # A large import changes the tables' statistics: without fresh ones the planner
            # picks slow plans for filtered lists until autovacuum gets round to it.
            await self.repository.analyse()
        return report

    def _intrinsic_problems(self, entities: list[tuple[str, m.Entity]]) -> list[Problem]:
        return [
            problem
            for path, entity in entities
            for problem in intrinsic_problems(entity, self.vocab, prefix=path)
        ]

    async def _plan(
        self,
        document: m.RegistryDocument,
        entities: list[tuple[str, m.Entity]],
        prune: bool,
        intrinsic: list[Problem] | None = None,
    ) -> _Plan:
        """What the import would change; InvalidInput with every problem of the document (what
        entries say themselves, and what they refer to), in document order."""
        stored, known = await self._stored(entities, prune)
        in_document = {(e.kind, e.key) for _, e in entities}
        organisations = {o.key for o in document.organisations}
        pruned = sorted(
            key
            for key, row in stored.items()
            if prune and key[0] != "term" and row.scope in organisations and key not in in_document
        )
        for key in pruned:
            del known[key]
        problems: list[Problem] = list(intrinsic or [])
        rows: list[tuple[str, NewRow]] = []
        for path, entity in entities:  # dependency order: a flow's activity is known first
            scope = scope_of(entity, known)
            previous = stored.get((entity.kind, entity.key))
            if previous is not None and previous.scope != scope and entity.kind != "term":
                problems.append(
                    Problem(
                        f"{path}.organisation",
                        f"`{entity.key}` belongs to organisation `{previous.scope}` in the store;"
                        " an entity cannot move between organisations",
                    )
                )
            known[(entity.kind, entity.key)] = scope
        for path, entity in entities:
            problems.extend(reference_problems(entity, self.vocab, known, prefix=path))
            rows.append((path, new_row(entity, known)))
        if problems:
            raise InvalidInput(in_document_order(problems, msgspec.to_builtins(document)))
        plan = _Plan()
        for key in pruned:
            plan.deleted.append(key)
            plan.before[key] = stored[key]
        for _, row in rows:
            previous = stored.get((row.kind, row.key))
            if previous is None:
                plan.created.append(row)
            elif previous.body != row.body:
                plan.updated.append(dataclasses.replace(row, version=previous.version + 1))
                plan.before[(row.kind, row.key)] = previous
            else:
                plan.unchanged[row.kind] = plan.unchanged.get(row.kind, 0) + 1
        return plan

    async def _stored(
        self, entities: list[tuple[str, m.Entity]], prune: bool
    ) -> tuple[dict[tuple[str, str], StoredEntity], dict[tuple[str, str], str]]:
        """The stored rows the plan compares against, and the scope of every key it may look up.

        A pruning import needs the whole store (what the document leaves out is deleted). One
        that does not reads only the document's own rows and the scopes of what they refer to,
        so adding one system to a large registry costs what the system costs.
        """
        if prune:
            stored = {(r.kind, r.key): r for r in await self.repository.all_of(KINDS)}
            return stored, {key: row.scope for key, row in stored.items()}
        own: dict[str, set[str]] = {}
        referred: dict[str, set[str]] = {}
        for _, entity in entities:
            own.setdefault(entity.kind, set()).add(entity.key)
            for kind, keys in needed_keys(entity).items():
                referred.setdefault(kind, set()).update(keys)
        rows = await self.repository.rows_of(own)
        stored = {(r.kind, r.key): r for r in rows}
        known = await self.repository.scopes(referred)
        known.update((key, row.scope) for key, row in stored.items())
        return stored, known

    async def _apply(self, plan: _Plan, write: Write, progress: Progress | None) -> None:
        total = len(plan.deleted) + 2 * len(plan.updated) + len(plan.created)
        done = 0

        def step(phase: str, amount: int) -> None:
            nonlocal done
            done += amount
            if progress:
                progress(phase, done, total)

        # Deletions run against the dependency order; an update is a delete and an insert.
        by_kind: dict[str, list[str]] = {}
        for kind, key in plan.deleted + [(r.kind, r.key) for r in plan.updated]:
            by_kind.setdefault(kind, []).append(key)
        for kind in reversed(KINDS):
            if by_kind.get(kind):
                await self.repository.delete(kind, by_kind[kind])
                step("deleting", len(by_kind[kind]))
        rows = sorted(plan.updated + plan.created, key=lambda r: list(KINDS).index(r.kind))
        for start in range(0, len(rows), 2_000):
            batch = rows[start : start + 2_000]
            await self.repository.insert(batch, write)
            step("writing", len(batch))
        await self.repository.record(write, plan.changes())


class _Plan:
    def __init__(self) -> None:
        self.created: list[NewRow] = []
        self.updated: list[NewRow] = []
        self.deleted: list[tuple[str, str]] = []
        self.unchanged: dict[str, int] = {}
        self.before: dict[tuple[str, str], StoredEntity] = {}

    def changes(self) -> list[Change]:
        """The plan as audit-trail entries."""
        changes = [Change("create", r.kind, r.key, r.scope, None, r.body) for r in self.created]
        for row in self.updated:
            before = self.before[(row.kind, row.key)]
            changes.append(Change("update", row.kind, row.key, row.scope, before.body, row.body))
        for kind, key in self.deleted:
            before = self.before[(kind, key)]
            changes.append(Change("delete", kind, key, before.scope, before.body, None))
        return changes

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    @property
    def size(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)

    def report(self) -> dict[str, KindChanges]:
        changes = {spec.collection: KindChanges() for spec in KINDS.values()}
        for row in self.created:
            changes[KINDS[row.kind].collection].created.append(row.key)
        for row in self.updated:
            changes[KINDS[row.kind].collection].updated.append(row.key)
        for kind, key in self.deleted:
            changes[KINDS[kind].collection].deleted.append(key)
        for kind, count in self.unchanged.items():
            changes[KINDS[kind].collection].unchanged = count
        return changes


class _NothingToDo(Exception):
    """Raised inside the write transaction to roll back an import that changes nothing."""

    def __init__(self, changes: dict[str, KindChanges]) -> None:
        super().__init__("nothing to change")
        self.changes = changes


__all__ = ["DocumentService", "ImportReport", "KindChanges", "document_problems"]
