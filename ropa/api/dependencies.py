"""The services handlers receive, by parameter name, through Litestar's dependency injection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.di import Provide

from ropa.services import Services


def _constant(value: Any) -> Callable[[], Any]:
    def provide() -> Any:
        return value

    return provide


def dependencies(services: Services) -> dict[str, Provide]:
    """Each service under a name no query parameter uses (``status`` is an activity filter)."""
    provided = {
        "entity_service": services.entities,
        "document_service": services.documents,
        "query_service": services.queries,
        "export_service": services.exports,
        "status_service": services.status,
        "builtin_vocabularies": services.vocabularies,
        "token_service": services.tokens,
        "map_service": services.map,
        "notice_service": services.notice,
    }
    return {
        name: Provide(_constant(value), use_cache=True, sync_to_thread=False)
        for name, value in provided.items()
    }


def waiver_dependency(waivers: Any) -> Provide:
    """The waiver service, built by the app from its settings (the longest term allowed)."""
    return Provide(_constant(waivers), use_cache=True, sync_to_thread=False)
