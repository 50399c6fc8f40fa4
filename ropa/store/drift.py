"""Do the migrations build the tables ``tables.py`` declares?

Two comparisons, both of which must come out empty:

- Piccolo's own: the schema the migrations describe (replayed as ``piccolo migrations new
  --auto`` does) against the table classes; any statement a new auto migration would need is a
  difference. This sees column classes and parameters (BigInt against Integer, lengths).
- The built one: every migration applied to a fresh SQLite database, the declared tables created
  in another, compared column by column: name, type, NOT NULL, default, primary key,
  single-column uniqueness, and the single-column indexes a column declares. This sees what the
  migrations really do, raw SQL included. Indexes and triggers the migrations add in raw SQL
  (which the table classes cannot declare) are not differences.

    python -m ropa.store.drift        # exits 1 and names each difference

Run by scripts/test.sh beside ``ropa schema --check``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piccolo.apps.migrations.auto import DiffableTable, SchemaDiffer, SchemaSnapshot
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Serial
from piccolo.engine.base import Engine
from piccolo.table import Table

from ropa.store.engine import make_engine
from ropa.store.migrate import migrate, migration_modules
from ropa.store.tables import TABLES, bind_table

LEDGER = "migration"
"""Piccolo's table of applied migrations: made by the runner, declared by no ropa table."""


@dataclass(frozen=True, slots=True)
class ColumnShape:
    type: str
    not_null: bool
    default: str | None
    primary_key: bool
    unique: bool
    indexed: bool

    def describe(self) -> str:
        parts = [self.type, "NOT NULL" if self.not_null else "NULL"]
        parts.append(f"DEFAULT {self.default}" if self.default is not None else "no default")
        parts += [
            flag
            for flag, on in (
                ("PRIMARY KEY", self.primary_key),
                ("UNIQUE", self.unique),
                ("INDEXED", self.indexed),
            )
            if on
        ]
        return " ".join(parts)


Schema = dict[str, dict[str, ColumnShape]]


async def read_schema(engine: Engine[Any]) -> Schema:
    """Every table of a SQLite database with its columns' shapes."""
    tables = await engine.run_ddl(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    schema: Schema = {}
    for table in sorted(row["name"] for row in tables):
        single: dict[str, set[bool]] = {}
        for index in await engine.run_ddl(f"PRAGMA index_list('{table}')"):
            columns = await engine.run_ddl(f"PRAGMA index_info('{index['name']}')")
            if len(columns) == 1:
                single.setdefault(columns[0]["name"], set()).add(bool(index["unique"]))
        schema[table] = {
            column["name"]: ColumnShape(
                type=str(column["type"]).upper(),
                not_null=bool(column["notnull"]),
                default=column["dflt_value"],
                primary_key=bool(column["pk"]),
                unique=True in single.get(column["name"], set()) and not column["pk"],
                indexed=False in single.get(column["name"], set()),
            )
            for column in await engine.run_ddl(f"PRAGMA table_info('{table}')")
        }
    return schema


async def migrated_schema(folder: Path) -> Schema:
    engine = make_engine(f"sqlite:///{folder / 'migrated.sqlite'}")
    with contextlib.redirect_stdout(io.StringIO()):
        await migrate(engine)
    return await read_schema(engine)


async def declared_schema(folder: Path, tables: Sequence[type[Table]]) -> Schema:
    engine = make_engine(f"sqlite:///{folder / 'declared.sqlite'}")
    for table in tables:
        await bind_table(table, engine).create_table()
    return await read_schema(engine)


def differences(declared: Schema, migrated: Schema) -> list[str]:
    """What the migrations build differently from the declarations, one line per difference."""
    found: list[str] = []
    for table in sorted(declared.keys() - migrated.keys()):
        found.append(f"table {table}: declared in tables.py, made by no migration")
    for table in sorted(migrated.keys() - declared.keys() - {LEDGER}):
        found.append(f"table {table}: made by the migrations, declared by no table class")
    for table in sorted(declared.keys() & migrated.keys()):
        want, have = declared[table], migrated[table]
        for column in sorted(want.keys() - have.keys()):
            found.append(
                f"{table}.{column}: declared ({want[column].describe()}), made by no migration"
            )
        for column in sorted(have.keys() - want.keys()):
            found.append(
                f"{table}.{column}: made by the migrations ({have[column].describe()}), "
                "declared by no column"
            )
        for column in sorted(want.keys() & have.keys()):
            declared_shape, migrated_shape = want[column], have[column]
            # Raw-SQL migrations may index a column its declaration does not mark as indexed.
            if declared_shape == migrated_shape or (
                migrated_shape.indexed
                and not declared_shape.indexed
                and declared_shape == _with_index(migrated_shape, False)
            ):
                continue
            found.append(
                f"{table}.{column}: declared {declared_shape.describe()}, "
                f"migrations make {migrated_shape.describe()}"
            )
    return found


def _with_index(shape: ColumnShape, indexed: bool) -> ColumnShape:
    return ColumnShape(
        shape.type, shape.not_null, shape.default, shape.primary_key, shape.unique, indexed
    )


async def piccolo_differences(tables: Sequence[type[Table]]) -> list[str]:
    """The statements a new Piccolo auto migration would hold, one line each."""
    managers = [
        manager
        for manager in [await module.forwards() for module in migration_modules()]
        if isinstance(manager, MigrationManager)
    ]
    current = [
        DiffableTable(
            class_name=table.__name__,
            tablename=table._meta.tablename,
            # A table class derived from another lists the inherited ``id`` among its own
            # columns; the default primary key is never a migration's business.
            columns=[
                column
                for column in table._meta.non_default_columns
                if not (column._meta.primary_key and isinstance(column, Serial))
            ],
            constraints=table._meta.constraints,
            schema=table._meta.schema,
        )
        for table in tables
    ]
    with contextlib.redirect_stdout(io.StringIO()):  # the differ prints a summary table
        snapshot = SchemaSnapshot(managers).get_snapshot()
        statements = SchemaDiffer(
            schema=current, schema_snapshot=snapshot, auto_input="n"
        ).get_alter_statements()
    return [
        "a new migration would need: " + _shorten(statement.removeprefix("manager."))
        for group in statements
        for statement in group.statements
    ]


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


async def check(tables: Sequence[type[Table]] | None = None) -> list[str]:
    """The differences between the migrations and ``tables`` (ropa's tables by default)."""
    tables = TABLES if tables is None else tables
    found = await piccolo_differences(tables)
    with tempfile.TemporaryDirectory(prefix="ropa-drift-") as folder:
        migrated = await migrated_schema(Path(folder))
        declared = await declared_schema(Path(folder), tables)
    return found + differences(declared, migrated)


def main() -> int:
    found = asyncio.run(check())
    if found:
        print(
            f"migrations and ropa/store/tables.py differ ({len(found)}):",
            *(f"  {line}" for line in found),
            "write a migration for the change (or correct the table class)",
            sep="\n",
            file=sys.stderr,
        )
        return 1
    print(f"migrations match ropa/store/tables.py ({len(TABLES)} tables)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
