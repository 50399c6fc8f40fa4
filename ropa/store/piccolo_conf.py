"""Piccolo configuration, for Piccolo's migration machinery and its command line.

No engine is made when this module is imported. ``DB`` is looked up when Piccolo asks for it:
inside ``ropa.store.migrate.migrate`` it is the engine that call was given (held in a context
variable, so migrations of two engines at once stay apart); elsewhere, as for the ``piccolo``
command line, it is the engine DATABASE_URL names, made on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

APP_REGISTRY = AppRegistry(apps=["ropa.store.piccolo_app"])

_current: ContextVar[Engine[Any] | None] = ContextVar("ropa_piccolo_engine", default=None)
_configured: list[Engine[Any]] = []


@contextmanager
def engine_in_use(engine: Engine[Any]) -> Iterator[None]:
    """Make ``engine`` the one Piccolo finds, in this context only."""
    token = _current.set(engine)
    try:
        yield
    finally:
        _current.reset(token)


def __getattr__(name: str) -> Engine[Any]:
    if name != "DB":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    engine = _current.get()
    if engine is not None:
        return engine
    if not _configured:
        from ropa.store.engine import make_engine

        _configured.append(make_engine())
    return _configured[0]
