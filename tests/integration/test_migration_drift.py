"""The drift check: the migrations and the table classes of ropa/store/tables.py must agree."""

from __future__ import annotations

import subprocess
import sys

import pytest
from piccolo.columns import Column, Integer, Text, Varchar
from piccolo.table import TABLE_REGISTRY, Table

from ropa.store import drift
from ropa.store.tables import TABLES, ApiToken, AuditEntry, RegistryState


def variant(table: type[Table], **columns: Column) -> type[Table]:
    """``table`` as a class of the same name and table with some columns added or replaced."""
    changed = type(table.__name__, (table,), dict(columns), tablename=table._meta.tablename)
    TABLE_REGISTRY.remove(changed)
    return changed


def tables_with(changed: type[Table]) -> list[type[Table]]:
    return [changed if t._meta.tablename == changed._meta.tablename else t for t in TABLES]


async def test_the_migrations_build_the_declared_tables() -> None:
    assert await drift.check() == []


def test_the_command_passes_on_the_repository() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ropa.store.drift"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "match" in done.stdout


async def test_a_column_no_migration_adds_is_caught() -> None:
    found = await drift.check(tables_with(variant(ApiToken, nickname=Varchar(length=20))))
    assert any("add_column" in line and "'nickname'" in line for line in found), found
    assert any(line.startswith("ropa_token.nickname: declared") for line in found), found


async def test_a_changed_column_class_is_caught() -> None:
    found = await drift.check(tables_with(variant(RegistryState, revision=Integer(default=0))))
    assert len(found) == 1
    assert "alter_column" in found[0] and "old_column_class=BigInt" in found[0]


async def test_a_changed_nullability_is_caught() -> None:
    found = await drift.check(tables_with(variant(AuditEntry, before=Text(default=""))))
    assert "ropa_audit.before: declared TEXT NOT NULL DEFAULT '', migrations make TEXT NULL" in (
        " ".join(found)
    ), found


async def test_a_table_no_class_declares_is_caught() -> None:
    found = await drift.check([t for t in TABLES if t is not ApiToken])
    assert "table ropa_token: made by the migrations, declared by no table class" in found
    assert any("drop_table" in line for line in found), found


def test_the_command_fails_naming_the_difference(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(drift, "TABLES", tables_with(variant(ApiToken, note=Varchar())))
    assert drift.main() == 1
    assert "ropa_token.note" in capsys.readouterr().err
