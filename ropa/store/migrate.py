"""Applying Piccolo migrations to the configured engine."""

from __future__ import annotations

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from ropa.store import piccolo_conf


async def migrate(engine: Engine) -> str:
    """Bring the database up to date; returns Piccolo's summary."""
    # Migrations find their engine through the Piccolo conf; Piccolo's own table caches it.
    piccolo_conf.DB = engine
    Migration._meta._db = engine
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers carry on while a writer holds the lock; it persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    result = await run_forwards(app_name="ropa", migration_id="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    return result.message
