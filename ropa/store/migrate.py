"""Applying the Piccolo migrations in ``ropa/store/migrations`` to a given engine.

Piccolo's own runner finds its engine through the Piccolo configuration and a table class shared
by the whole process; this one takes the engine as an argument. It keeps Piccolo's ledger (the
``migration`` table, one row per migration applied), so a database migrated by either runner is
up to date for the other, and the ``piccolo migrations`` command line keeps working.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder

from ropa.store import migrations as migrations_package
from ropa.store.dialect import dialect_for
from ropa.store.piccolo_conf import engine_in_use
from ropa.store.tables import bind_table

APP_NAME = "ropa"


def migration_modules() -> list[ModuleType]:
    """The migration modules, oldest first (by their ID, as Piccolo orders them)."""
    modules = [
        importlib.import_module(f"{migrations_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(migrations_package.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda module: str(module.ID))


async def migrate(engine: Engine[Any]) -> str:
    """Bring the database behind ``engine`` up to date; returns a one-line summary."""
    await dialect_for(engine).prepare(engine)
    ledger = bind_table(Migration, engine)
    with engine_in_use(engine):
        # Piccolo's migration manager (and ropa's raw migrations) ask engine_finder for their
        # engine; make sure that is this one and not one named by a foreign PICCOLO_CONF.
        if engine_finder() is not engine:
            raise RuntimeError(
                "Piccolo finds its configuration elsewhere (PICCOLO_CONF); unset it or point it "
                "at ropa.store.piccolo_conf"
            )
        if not await ledger.table_exists():
            await ledger.create_table()
        done = set(await ledger.get_migrations_which_ran(app_name=APP_NAME))
        modules = migration_modules()
        pending = [module for module in modules if module.ID not in done]
        print(f"👍 {len(modules) - len(pending)} migrations already complete")
        if not pending:
            message = "🏁 No migrations need to be run"
            print(message)
            return message
        print(f"🚀 Running {len(pending)} migration(s):")
        for module in pending:
            manager = await module.forwards()
            if isinstance(manager, MigrationManager):
                await manager.run()
                print("ok! ✔️")
            await ledger.insert(ledger(name=module.ID, app_name=APP_NAME))
    return "Migration succeeded"
