"""Choosing the database: a SQLite file by default, PostgreSQL when DATABASE_URL says so.

Engines are made here and handed to whoever needs them (``Repository``, ``migrate``); no
module opens one when it is imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from ropa.store.dialect import dialect_for
from ropa.store.resilience import ResilientPostgresEngine

DEFAULT_DATA_DIR = Path("data")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    data_dir = Path(os.environ.get("ROPA_DATA_DIR", DEFAULT_DATA_DIR))
    return f"sqlite:///{data_dir / 'ropa.sqlite'}"


def engine_kind(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a database URL; ValueError for anything else."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def make_engine(url: str | None = None) -> Engine[Any]:
    """An engine for ``url``: ``sqlite:///path`` or ``postgresql://user@host:port/db``."""
    url = url or database_url()
    if engine_kind(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: writers queue behind BEGIN IMMEDIATE instead of failing.
        return SQLiteEngine(path=str(path), timeout=30)
    return ResilientPostgresEngine(config={"dsn": url})


def is_sqlite(engine: Engine[Any]) -> bool:
    return dialect_for(engine).name == "sqlite"


def describe(engine: Engine[Any]) -> str:
    return dialect_for(engine).describe(engine)
