"""Service settings, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ropa.store.engine import database_url


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    auto_migrate: bool = field(
        default_factory=lambda: os.environ.get("ROPA_AUTO_MIGRATE", "").lower() in ("1", "true")
    )
    """Apply migrations when the service starts (the embedded SQLite default does)."""
    max_body_bytes: int = field(default_factory=lambda: _int("ROPA_MAX_BODY_BYTES", 1 << 20))
    pool_size: int = field(default_factory=lambda: _int("ROPA_POOL_SIZE", 10))
    """PostgreSQL connections per worker."""
    max_document_bytes: int = field(
        default_factory=lambda: _int("ROPA_MAX_DOCUMENT_BYTES", 256 << 20)
    )
    body_timeout: float = field(
        default_factory=lambda: float(os.environ.get("ROPA_BODY_TIMEOUT", 60))
    )
    """Seconds a request body may take to arrive in full (408 after)."""
    waiver_max_days: int = field(default_factory=lambda: _int("ROPA_WAIVER_MAX_DAYS", 365))
    """The longest a waiver created or changed through the API may run, in days from today."""
