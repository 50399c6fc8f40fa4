"""The service's own health: which database it runs on and whether it answers."""

from __future__ import annotations

from piccolo.engine.base import Engine

from ropa.store.engine import is_sqlite
from ropa.store.repository import Repository


class StatusService:
    def __init__(self, repository: Repository, engine: Engine) -> None:
        self.repository = repository
        self.database = "sqlite" if is_sqlite(engine) else "postgresql"

    async def revision(self) -> int | None:
        """The registry revision, or None when the database does not answer."""
        try:
            return await self.repository.revision()
        except Exception:  # an unreachable database is reported, not raised
            return None
