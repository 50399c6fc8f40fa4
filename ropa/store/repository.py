"""Reading and writing entity rows. The only module that knows the tables' SQL shape.

Writes happen inside ``write_transaction``: it takes the registry-wide write lock first (BEGIN
IMMEDIATE on SQLite, a row lock on the revision row on PostgreSQL) and moves the revision, so
concurrent writers queue instead of interleaving, and every reference check made inside the
transaction sees the state the write will commit against.

A repository works on the engine it is given and on nothing else: its queries go through table
classes bound to that engine (``tables.bind``), and what differs between SQLite and PostgreSQL
it asks of the engine's dialect (``dialect.py``). Its frequent reads (one entity, a page, the
revision) are fixed SQL, run outside a transaction where ``reads.py`` says and inside one on
the transaction's connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from ropa.store.dialect import Dialect, dialect_for
from ropa.store.reads import Reader, Row
from ropa.store.tables import BoundTables, bind
from ropa.store.tokens import TokenStore

BATCH = 500
TOTALS_KEPT = 1024
"""List totals kept for the current revision (one per kind and set of filters)."""

_GET = "SELECT scope, body, version, updated_at FROM ropa_entity WHERE kind = {} AND key = {}"
_REVISION = "SELECT revision FROM ropa_registry WHERE id = 1"
_AT_REVISION = f"({_REVISION}) AS revision"
_TOTAL = ", (SELECT COUNT(*) FROM ropa_entity WHERE {}) AS total"
_CHANGES = (
    "SELECT kind, key, after FROM ropa_audit WHERE revision > {} AND revision <= {}"
    " ORDER BY id LIMIT {}"
)


class StoredEntity(msgspec.Struct, frozen=True, gc=False):
    """One stored row. A msgspec struct: a list page makes a hundred of them, and a frozen
    dataclass takes several times longer to make."""

    kind: str
    key: str
    scope: str
    body: str
    version: int
    updated_at: dt.datetime | None = None


class ListedEntity(msgspec.Struct, frozen=True, gc=False):
    """One entity of a list page: its key and its stored body (canonical JSON) as UTF-8 bytes,
    as the response sends it. Read as bytes, a page's hundred bodies are neither decoded by the
    driver nor encoded again for the response, which took longer than reading them."""

    key: str
    body: bytes


@dataclass(frozen=True, slots=True)
class NewRow:
    kind: str
    key: str
    scope: str
    body: str
    index: frozenset[tuple[str, str]]
    version: int = 1


@dataclass(frozen=True, slots=True)
class Write:
    """The write transaction under way: the revision it commits as, who makes it, and when."""

    revision: int
    actor: str
    via: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Change:
    """One entity's change, as the audit trail records it."""

    action: str
    kind: str
    key: str
    scope: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    revision: int
    at: dt.datetime
    actor: str
    via: str
    action: str
    kind: str
    key: str
    scope: str
    before: str | None
    after: str | None


class _Totals:
    """How many entities each list's filters match, at one registry revision.

    A total is remembered with the revision it was counted at, read by the same statement, so
    it is right for as long as the revision stays; every committed change moves the revision
    (``write_transaction``), and a total of another revision is counted again.
    """

    def __init__(self) -> None:
        self.revision: int | None = None
        self.counts: dict[tuple[object, ...], int] = {}

    def get(self, key: tuple[object, ...]) -> tuple[int, int] | None:
        """(revision, total) when a total is known."""
        total = self.counts.get(key)
        if total is None or self.revision is None:
            return None
        return self.revision, total

    def remember(self, revision: int, key: tuple[object, ...], total: int) -> None:
        if revision != self.revision:
            self.revision, self.counts = revision, {}
        if len(self.counts) >= TOTALS_KEPT:
            self.counts.clear()
        self.counts[key] = total


class Repository:
    """Entity rows, the audit trail and API tokens on one engine."""

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine
        self.dialect: Dialect = dialect_for(engine)
        self.tables: BoundTables = bind(engine)
        self.tokens = TokenStore(self.tables.token)
        self.reader: Reader = self.dialect.reader(engine)
        self._statements: dict[str, str] = {}
        self._totals = _Totals()

    def close(self) -> None:
        """Close the connections kept for reads (the engine's pool is closed with it)."""
        self.reader.close()

    async def _fetch(self, sql: str, args: Sequence[object]) -> Sequence[Row]:
        """The rows of a fixed statement (``{}`` for each parameter): on the current
        transaction's connection inside one, on the reader outside."""
        statement = self._statements.get(sql)
        if statement is None:
            statement = self._statements[sql] = self.dialect.statement(sql)
        transaction = self.engine.current_transaction.get()
        if transaction is not None:
            return await self.dialect.fetch_in(transaction.connection, statement, args)
        return await self.reader.fetch(statement, args)

    # --- transactions --------------------------------------------------------------------

    @asynccontextmanager
    async def write_transaction(
        self, actor: str = "anonymous", via: str = "api"
    ) -> AsyncIterator[Write]:
        """Serialise writers and yield the revision this transaction commits as."""
        state = self.tables.registry
        async with self.dialect.write_transaction(self.engine):
            rows = (
                await state.update({state.revision: state.revision + 1})
                .where(state.id == 1)
                .returning(state.revision)
            )
            if not rows:
                raise RuntimeError("registry state row missing: run `ropa migrate`")
            yield Write(int(rows[0]["revision"]), actor, via, _now())

    @asynccontextmanager
    async def read_transaction(self) -> AsyncIterator[None]:
        """A consistent snapshot for multi-query reads (exports, dry runs)."""
        async with self.dialect.read_transaction(self.engine):
            yield

    async def revision(self) -> int:
        rows = await self._fetch(_REVISION, ())
        return int(rows[0]["revision"]) if rows else 0

    # --- reads ---------------------------------------------------------------------------

    async def get(self, kind: str, key: str) -> StoredEntity | None:
        rows = await self._fetch(_GET, (kind, key))
        if not rows:
            return None
        row = rows[0]
        return StoredEntity(
            kind, key, row["scope"], row["body"], row["version"], _moment(row["updated_at"])
        )

    async def scopes(self, needed: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], str]:
        """(kind, key) -> scope for those of the given keys that exist."""
        entity = self.tables.entity
        return {
            (kind, r["key"]): r["scope"]
            async for kind, r in self._by_keys(needed, entity.key, entity.scope)
        }

    async def _by_keys(
        self, wanted: Mapping[str, Iterable[str]], *columns: Any
    ) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(kind, row) of the given columns for those of the given keys that exist, read in
        batches per kind."""
        entity = self.tables.entity
        for kind, keys in sorted(wanted.items()):
            chosen = sorted(set(keys))
            for start in range(0, len(chosen), BATCH):
                rows = await entity.select(*columns).where(
                    (entity.kind == kind) & entity.key.is_in(chosen[start : start + BATCH])
                )
                for row in rows:
                    yield kind, row

    async def page(
        self,
        kind: str,
        *,
        scope: str | None = None,
        matches: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> tuple[list[ListedEntity], int]:
        """One page in key order, and how many entities match in all.

        The statement that reads the page reads the registry revision too, so a total is
        counted once per revision (outside a transaction) and read from ``_totals`` after.
        """
        where = ["kind = {}"]
        args: list[object] = [kind]
        if scope is not None:
            where.append("scope = {}")
            args.append(scope)
        for field, value in sorted((matches or {}).items()):
            where.append(
                "key IN (SELECT key FROM ropa_entity_index"
                " WHERE kind = {} AND field = {} AND value = {})"
            )
            args.extend([kind, field, value])
        condition = " AND ".join(where)
        page_condition = condition
        page_args = [*args]
        if after is not None:
            page_condition += " AND key > {}"
            page_args.append(after)
        page_args.append(limit)
        remembered = self.engine.current_transaction.get() is None
        filters = (kind, scope, *sorted((matches or {}).items()))
        known = self._totals.get(filters) if remembered else None
        if known is not None:
            rows, state = await self._page_rows(page_condition, page_args, None, ())
            if int(state["revision"]) == known[0]:
                return _listed(rows), known[1]
        rows, state = await self._page_rows(page_condition, page_args, condition, args)
        total = int(state["total"])
        if remembered:
            self._totals.remember(int(state["revision"]), filters, total)
        return _listed(rows), total

    async def _page_rows(
        self,
        condition: str,
        args: Sequence[object],
        counted: str | None,
        count_args: Sequence[object],
    ) -> tuple[Sequence[Row], Row]:
        """A page's rows, and a row with the registry revision (and with ``counted``, how many
        entities that condition matches) read by the same statement: the page's first row, or
        for an empty page a second statement's."""
        total = _TOTAL.format(counted) if counted is not None else ""
        body = self.dialect.as_bytes("body")
        rows = await self._fetch(
            f"SELECT {_AT_REVISION}{total}, key, {body} AS body FROM ropa_entity"
            f" WHERE {condition} ORDER BY key LIMIT {{}}",
            [*count_args, *args],
        )
        state = (
            rows[0] if rows else (await self._fetch(f"SELECT {_AT_REVISION}{total}", count_args))[0]
        )
        if state["revision"] is None:
            raise RuntimeError("registry state row missing: run `ropa migrate`")
        return rows, state

    async def rows_of(self, wanted: Mapping[str, Iterable[str]]) -> list[StoredEntity]:
        """The stored rows of the given keys per kind, those that exist."""
        entity = self.tables.entity
        return [
            StoredEntity(kind, r["key"], r["scope"], r["body"], r["version"])
            async for kind, r in self._by_keys(
                wanted, entity.key, entity.scope, entity.body, entity.version
            )
        ]

    async def all_of(self, kinds: Iterable[str], scope: str | None = None) -> list[StoredEntity]:
        """Every entity of the given kinds (optionally of one scope), in key order."""
        entity = self.tables.entity
        query = entity.select(
            entity.kind, entity.key, entity.scope, entity.body, entity.version
        ).where(entity.kind.is_in(list(kinds)))
        if scope is not None:
            query = query.where(entity.scope == scope)
        rows = await query.order_by(entity.kind, entity.key)
        return [
            StoredEntity(r["kind"], r["key"], r["scope"], r["body"], r["version"]) for r in rows
        ]

    async def referrers(self, value: str, limit: int = 20) -> list[tuple[str, str, str]]:
        """(kind, key, field) of entities whose references include ``value`` (``target:key``)."""
        index = self.tables.index
        rows = (
            await index.select(index.kind, index.key, index.field)
            .where(index.value == value)
            .order_by(index.kind, index.key)
            .limit(limit)
        )
        return [(r["kind"], r["key"], r["field"]) for r in rows]

    # --- writes (inside write_transaction) -----------------------------------------------

    async def insert(self, rows: list[NewRow], write: Write) -> None:
        await self._bulk_insert(
            "ropa_entity",
            (
                "kind",
                "key",
                "scope",
                "body",
                "version",
                "created_at",
                "updated_at",
                "updated_revision",
            ),
            [
                (r.kind, r.key, r.scope, r.body, r.version, write.at, write.at, write.revision)
                for r in rows
            ],
        )
        await self._insert_index(rows)

    async def update(self, row: NewRow, write: Write, expected_version: int | None) -> int | None:
        """Replace a row's body; the new version, or None when the row or version is gone."""
        entity = self.tables.entity
        condition = (entity.kind == row.kind) & (entity.key == row.key)
        if expected_version is not None:
            condition &= entity.version == expected_version
        updated = (
            await entity.update(
                {
                    entity.body: row.body,
                    entity.scope: row.scope,
                    entity.version: entity.version + 1,
                    entity.updated_at: write.at,
                    entity.updated_revision: write.revision,
                }
            )
            .where(condition)
            .returning(entity.version)
        )
        if not updated:
            return None
        await self._delete_index(row.kind, [row.key])
        await self._insert_index([row])
        return int(updated[0]["version"])

    async def delete(self, kind: str, keys: list[str], expected_version: int | None = None) -> int:
        """Delete rows; how many went. With ``expected_version``, only that version goes."""
        entity = self.tables.entity
        deleted = 0
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            condition = (entity.kind == kind) & entity.key.is_in(batch)
            if expected_version is not None:
                condition &= entity.version == expected_version
            gone = await entity.delete().where(condition).returning(entity.key)
            deleted += len(gone)
            await self._delete_index(kind, [g["key"] for g in gone])
        return deleted

    async def record(self, write: Write, changes: list[Change]) -> None:
        """Append the changes to the audit trail, in the write's transaction."""
        await self._bulk_insert(
            "ropa_audit",
            ("revision", "at", "actor", "via", "action", "kind", "key", "scope", "before", "after"),
            [
                (
                    write.revision,
                    write.at,
                    write.actor,
                    write.via,
                    c.action,
                    c.kind,
                    c.key,
                    c.scope,
                    c.before,
                    c.after,
                )
                for c in changes
            ],
        )

    async def _insert_index(self, rows: list[NewRow]) -> None:
        await self._bulk_insert(
            "ropa_entity_index",
            ("kind", "key", "field", "value"),
            [(r.kind, r.key, field, value) for r in rows for field, value in sorted(r.index)],
        )

    async def _bulk_insert(
        self, table: str, columns: tuple[str, ...], records: list[tuple[object, ...]]
    ) -> None:
        """Many rows at once through the driver of the current transaction's connection.

        Building an ORM object per row made imports spend most of their time in Python; this
        is executemany on SQLite and COPY on PostgreSQL, inside the same transaction.
        """
        if not records:
            return
        transaction = self.engine.current_transaction.get()
        if transaction is None:
            raise RuntimeError("bulk writes happen inside write_transaction")
        await self.dialect.bulk_insert(transaction.connection, table, columns, records)

    async def _delete_index(self, kind: str, keys: list[str]) -> None:
        index = self.tables.index
        for start in range(0, len(keys), BATCH):
            await index.delete().where(
                (index.kind == kind) & index.key.is_in(keys[start : start + BATCH])
            )

    async def analyse(self) -> None:
        """Refresh the planner's statistics of the entity, index and audit tables (after a
        large import), on either engine."""
        for table in ("ropa_entity", "ropa_entity_index", "ropa_audit"):
            await self.engine.run_ddl(f"ANALYZE {table}")

    # --- history ---------------------------------------------------------------------------

    async def revision_at(self, moment: dt.datetime) -> int:
        """The registry revision in force at ``moment`` (0 before the first change)."""
        audit = self.tables.audit
        rows = await audit.raw(
            "SELECT MAX(revision) AS revision FROM ropa_audit WHERE at <= {}", moment
        )
        return int(rows[0]["revision"] or 0) if rows else 0

    async def revision_moment(self, revision: int) -> dt.datetime | None:
        """When ``revision`` was committed (None for revision 0 or one not yet made)."""
        audit = self.tables.audit
        rows = await audit.raw("SELECT MAX(at) AS at FROM ropa_audit WHERE revision = {}", revision)
        value = rows[0]["at"] if rows else None
        if isinstance(value, str):  # SQLite returns aggregates of timestamps as text
            value = dt.datetime.fromisoformat(value)
        return value

    async def as_of(
        self, revision: int, kinds: Iterable[str], scope: str | None = None
    ) -> list[StoredEntity]:
        """Every entity of the given kinds as it stood at ``revision``, in key order."""
        audit = self.tables.audit
        wanted = list(kinds)
        placeholders = ", ".join("{}" for _ in wanted)
        condition = f"a.after IS NOT NULL AND a.kind IN ({placeholders})"
        args: list[object] = [revision, *wanted]
        if scope is not None:
            condition += " AND a.scope = {}"
            args.append(scope)
        rows = await audit.raw(
            "SELECT a.kind, a.key, a.scope, a.after FROM ropa_audit a JOIN ("
            "SELECT kind, key, MAX(id) AS id FROM ropa_audit WHERE revision <= {}"
            " GROUP BY kind, key) latest ON a.id = latest.id"
            f" WHERE {condition} ORDER BY a.kind, a.key",
            *args,
        )
        return [StoredEntity(r["kind"], r["key"], r["scope"], r["after"], 0) for r in rows]

    async def changes(self, after: int, upto: int, limit: int) -> list[tuple[str, str, str | None]]:
        """(kind, key, body after or None when deleted) of each change committed after
        revision ``after`` up to ``upto``, in the order written; at most ``limit`` of them."""
        rows = await self._fetch(_CHANGES, (after, upto, limit))
        return [(r["kind"], r["key"], r["after"]) for r in rows]

    async def audit(
        self,
        *,
        kind: str | None = None,
        key: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        after_id: int | None = None,
        limit: int = 100,
        before_id: int | None = None,
        newest_first: bool = False,
    ) -> list[AuditRecord]:
        """Audit entries in the order they were written (or, ``newest_first``, the reverse)."""
        audit = self.tables.audit
        query = audit.select()
        for column, value in (
            (audit.kind, kind),
            (audit.key, key),
            (audit.actor, actor),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(audit.at >= since)
        if until is not None:
            query = query.where(audit.at <= until)
        if after_id is not None:
            query = query.where(audit.id > after_id)
        if before_id is not None:
            query = query.where(audit.id < before_id)
        rows = await query.order_by(audit.id, ascending=not newest_first).limit(limit)
        return [AuditRecord(**row) for row in rows]


def _moment(value: dt.datetime | str | None) -> dt.datetime | None:
    """A timestamp column's value: SQLite's reader gives the text Piccolo stored (UTC)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value


def _listed(rows: Sequence[Row]) -> list[ListedEntity]:
    return [ListedEntity(r["key"], r["body"]) for r in rows]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
