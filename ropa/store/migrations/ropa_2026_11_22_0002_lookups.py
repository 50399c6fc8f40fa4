"""Uniqueness of (kind, key), lookups the ORM cannot declare, and the registry-revision row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-22T18:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Entity index lookups and the registry revision row"

STATEMENTS = (
    "CREATE UNIQUE INDEX ropa_entity_kind_key ON ropa_entity (kind, key)",
    "CREATE INDEX ropa_entity_index_lookup ON ropa_entity_index (kind, field, value)",
    "CREATE INDEX ropa_entity_index_value ON ropa_entity_index (value)",
    "CREATE INDEX ropa_entity_index_entity ON ropa_entity_index (kind, key)",
    "CREATE INDEX ropa_entity_kind_scope ON ropa_entity (kind, scope, key)",
    "INSERT INTO ropa_registry (id, revision) VALUES (1, 0)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def create_lookups() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_lookups)
    return manager
