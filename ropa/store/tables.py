"""Piccolo tables.

Every entity is one row holding its canonical JSON body; the values lists are filtered by and
the references between entities live in ``ropa_entity_index``, written in the same transaction.
A single ``ropa_registry`` row carries the registry revision, moved by every committed change.

The classes here declare the tables and are bound to no engine; ``bind`` makes subclasses of
them whose queries run on one given engine, so two stores in one process never share one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from piccolo.columns import BigInt, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.engine.base import Engine
from piccolo.table import TABLE_REGISTRY, Table


class RegistryState(Table, tablename="ropa_registry"):
    id: Serial  # made by Piccolo: the primary key
    revision = BigInt(default=0)


class EntityRow(Table, tablename="ropa_entity"):
    """(kind, key) is unique: a unique index made by migration 0002 (works on both engines)."""

    kind = Varchar(length=32)
    key = Varchar(length=128)
    scope = Varchar(length=128, default="", index=True)
    body = Text()
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    updated_revision = BigInt(default=0)


class EntityIndex(Table, tablename="ropa_entity_index"):
    kind = Varchar(length=32)
    key = Varchar(length=128)
    field = Varchar(length=64)
    value = Varchar(length=160)


class AuditEntry(Table, tablename="ropa_audit"):
    """Append-only: every committed change with who made it and the body before and after.

    Triggers made by migration 0003 refuse UPDATE and DELETE on this table on both engines.
    """

    id: Serial  # made by Piccolo: the primary key
    revision = BigInt()
    at = Timestamptz()
    actor = Varchar(length=200)
    via = Varchar(length=16)
    action = Varchar(length=16)
    kind = Varchar(length=32)
    key = Varchar(length=128)
    scope = Varchar(length=128, default="")
    before = Text(null=True, default=None)
    after = Text(null=True, default=None)


class ApiToken(Table, tablename="ropa_token"):
    """A bearer token: only its SHA-256 hash is kept; the token itself is shown once."""

    id: Serial  # made by Piccolo: the primary key
    name = Varchar(length=100, unique=True)
    role = Varchar(length=16)
    organisations = Text(default="")
    """For regulators: the organisations granted, comma-separated."""
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


TABLES: tuple[type[Table], ...] = (RegistryState, EntityRow, EntityIndex, AuditEntry, ApiToken)


T = TypeVar("T", bound=Table)


@dataclass(frozen=True, slots=True)
class BoundTables:
    """The tables, each bound to one engine: every query made through them runs there."""

    engine: Engine[Any]
    registry: type[RegistryState]
    entity: type[EntityRow]
    index: type[EntityIndex]
    audit: type[AuditEntry]
    token: type[ApiToken]


def bind_table(table: type[T], engine: Engine[Any]) -> type[T]:
    """A subclass of ``table`` with the same name and columns whose queries run on ``engine``."""
    bound = type(table.__name__, (table,), {}, tablename=table._meta.tablename, db=engine)
    # Piccolo lists every Table subclass for its test runner, which rebinds them all to the
    # configured engine; a bound copy must keep its own, and must not be kept alive by the list.
    TABLE_REGISTRY.remove(bound)
    return cast(type[T], bound)


def bind(engine: Engine[Any]) -> BoundTables:
    return BoundTables(
        engine=engine,
        registry=bind_table(RegistryState, engine),
        entity=bind_table(EntityRow, engine),
        index=bind_table(EntityIndex, engine),
        audit=bind_table(AuditEntry, engine),
        token=bind_table(ApiToken, engine),
    )
