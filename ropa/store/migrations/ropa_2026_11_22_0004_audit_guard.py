"""Lookups on the audit trail, and triggers that keep it append-only on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

from ropa.store.dialect import dialect_for

ID = "2026-11-22T18:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit trail lookups and append-only triggers"

INDEXES = (
    "CREATE INDEX ropa_audit_entity ON ropa_audit (kind, key, id)",
    "CREATE INDEX ropa_audit_revision ON ropa_audit (revision)",
    "CREATE INDEX ropa_audit_at ON ropa_audit (at)",
    "CREATE INDEX ropa_audit_actor ON ropa_audit (actor)",
)
SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER ropa_audit_no_{event.lower()} BEFORE {event} ON ropa_audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for event in ("UPDATE", "DELETE")
)
POSTGRES_GUARDS = (
    "CREATE FUNCTION ropa_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
    "CREATE TRIGGER ropa_audit_append_only BEFORE UPDATE OR DELETE ON ropa_audit "
    "FOR EACH ROW EXECUTE FUNCTION ropa_audit_append_only()",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def guard() -> None:
        engine = engine_finder()
        assert engine is not None
        guards = SQLITE_GUARDS if dialect_for(engine).name == "sqlite" else POSTGRES_GUARDS
        for statement in INDEXES + guards:
            await engine.run_ddl(statement)

    manager.add_raw(guard)
    return manager
