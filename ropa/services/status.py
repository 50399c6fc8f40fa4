"""The service's own health: which database it runs on and whether it answers."""

from __future__ import annotations

from ropa.store.repository import Repository


class StatusService:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.database = repository.dialect.name

    async def revision(self) -> int | None:
        """The registry revision, or None when the database does not answer."""
        try:
            return await self.repository.revision()
        except Exception:  # an unreachable database is reported, not raised
            return None
