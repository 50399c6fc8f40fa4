"""The architects' interactive map: one call that gives the map of the registry as judged.

It reads the registry through the judgement service, as the diagrams do, so the map and the
Graphviz downloads draw from the same revision, facts and findings.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import anyio.to_thread

from ropa.render.diagram import UnknownEntity
from ropa.render.map import DataMap, build_map
from ropa.services.errors import NotFound
from ropa.services.judgement import JudgementService

KEPT = 16


class MapService:
    def __init__(self, judgement: JudgementService) -> None:
        self.judgement = judgement
        self._cache: OrderedDict[tuple[object, ...], DataMap] = OrderedDict()
        self._lock = threading.Lock()

    async def map(
        self,
        *,
        organisation: str | None = None,
        as_of: str | int | None = None,
        on: dt.date | None = None,
    ) -> DataMap:
        """The map of one organisation (or of all), built once per revision, day and scope."""
        judged = await self.judgement.judged(as_of, on)
        key = (judged.revision, judged.day, organisation)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found

        def make() -> DataMap:
            return build_map(
                judged.facts,
                judged.findings,
                organisation=organisation,
                revision=judged.revision,
            )

        try:
            built = await anyio.to_thread.run_sync(make)
        except UnknownEntity as error:
            raise NotFound(str(error)) from error
        with self._lock:
            self._cache[key] = built
            while len(self._cache) > KEPT:
                self._cache.popitem(last=False)
        return built
