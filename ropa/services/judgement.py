"""The registry judged at a moment: one call gives the revision, document, graph, facts and
findings for a revision and a day.

Every face (API, CLI, viewer) and every output (findings, lineage, diagrams, workbooks, the
registry document and its diffs) reaches the registry through ``JudgementService.judged``, so
they all read the same facts. A revision is immutable, so its graph is built once, and its facts
and findings once per day; the heavy parts run in a worker thread, off the event loop.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from functools import cached_property

import anyio.to_thread

from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies
from ropa.facts import Facts, derive
from ropa.graph import RegistryGraph, build_graph, today
from ropa.rules import Finding, evaluate
from ropa.services.documents import DocumentService
from ropa.services.history import resolve_moment

KEPT_REVISIONS = 4
"""Past revisions kept built beside the current one (as_of queries come in bursts)."""


class _Revision:
    """One registry revision: its document, its graph, and its facts and findings per day."""

    def __init__(self, revision: int, document: m.RegistryDocument, vocab: Vocabularies) -> None:
        self.revision = revision
        self.document = document
        self.vocab = vocab
        self._lock = threading.Lock()
        self._graph: RegistryGraph | None = None
        self._days: dict[dt.date, tuple[Facts, list[Finding] | None]] = {}

    def graph(self) -> RegistryGraph:
        with self._lock:
            if self._graph is None:
                self._graph = build_graph(self.document, self.vocab)
            return self._graph

    def facts(self, day: dt.date) -> Facts:
        graph = self.graph()
        with self._lock:
            found = self._days.get(day)
            if found is None:
                found = self._days[day] = (derive(graph, day), None)
                _keep_last(self._days, 4)
            return found[0]

    def findings(self, day: dt.date) -> list[Finding]:
        facts = self.facts(day)
        with self._lock:
            cached = self._days.get(day)
            if cached is not None and cached[1] is not None:
                return cached[1]
        found = evaluate(facts)
        with self._lock:
            self._days[day] = (facts, found)
        return found


def _keep_last(days: dict[dt.date, tuple[Facts, list[Finding] | None]], size: int) -> None:
    while len(days) > size:
        days.pop(next(iter(days)))


class Judged:
    """The registry as it stood at ``revision``, judged on ``day``.

    ``document`` is at hand at once; ``graph``, ``facts`` and ``findings`` are built on first
    use and shared with every other view of the same revision and day.
    """

    def __init__(self, built: _Revision, day: dt.date) -> None:
        self._built = built
        self.revision = built.revision
        self.day = day
        self.document = built.document

    @cached_property
    def graph(self) -> RegistryGraph:
        return self._built.graph()

    @cached_property
    def facts(self) -> Facts:
        return self._built.facts(self.day)

    @cached_property
    def findings(self) -> list[Finding]:
        return self._built.findings(self.day)


def judge(document: m.RegistryDocument, vocabularies: Vocabularies, on: dt.date) -> Judged:
    """A registry document outside the store, judged on ``on`` (revision 0)."""
    return Judged(_Revision(0, document, vocabularies), on)


class JudgementService:
    def __init__(self, documents: DocumentService, vocabularies: Vocabularies) -> None:
        self.documents = documents
        self.vocab = vocabularies
        self._built: OrderedDict[int, _Revision] = OrderedDict()
        self._lock = anyio.Lock()

    async def moment(self, value: str | int, name: str = "as_of") -> int:
        """A revision number from a revision number or an ISO 8601 date or time."""
        if isinstance(value, int):
            return value
        return await resolve_moment(self.documents.repository, value, name)

    async def judged(
        self,
        as_of: str | int | None = None,
        on: dt.date | None = None,
        *,
        evaluate: bool = True,
    ) -> Judged:
        """The registry at ``as_of`` (default: now), judged on ``on``.

        ``on`` defaults to today, or for a past revision to the day it was made. With
        ``evaluate`` (the default) the graph, facts and findings are ready on return, built in
        a worker thread; without it only the document is read and the rest is built on use.
        """
        past = await self.moment(as_of) if as_of is not None else None
        built = await self._revision(past)
        day = on
        if day is None:
            moment = (
                await self.documents.repository.revision_moment(built.revision)
                if past is not None
                else None
            )
            day = moment.date() if moment is not None else today()
        judged = Judged(built, day)
        if evaluate:
            await anyio.to_thread.run_sync(lambda: judged.findings)
        return judged

    async def _revision(self, as_of: int | None) -> _Revision:
        async with self._lock:
            wanted = as_of if as_of is not None else await self.documents.repository.revision()
            found = self._built.get(wanted)
            if found is not None:
                self._built.move_to_end(wanted)
                return found
            # The current registry is read as it is; a past one is rebuilt from the audit trail.
            revision, document = await self.documents.snapshot(as_of=as_of)
            found = self._built[revision] = _Revision(revision, document, self.vocab)
            while len(self._built) > KEPT_REVISIONS + 1:
                self._built.popitem(last=False)
            return found
