"""The registry judged at a moment: one call gives the revision, document, graph, facts and
findings for a revision and a day.

Every face (API, CLI, viewer) and every output (findings, lineage, diagrams, workbooks, the
registry document and its diffs) reaches the registry through ``JudgementService.judged``, so
they all read the same facts. A revision is immutable, so its graph is built once, and its facts
and findings once per day; the heavy parts run in a worker thread, off the event loop.

The current revision is judged incrementally when it can be: each worker's service reads the
audit trail since the newest revision it holds (whichever worker wrote), and steps that
revision's findings forward (``ropa.services.incremental``); lineage, diagrams and exports get
the stepped graph and derive the new revision's facts in full when they ask for them.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from functools import cached_property

import anyio.to_thread

from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies
from ropa.facts import Facts, derive
from ropa.graph import RegistryGraph, build_graph, today
from ropa.rules import Finding
from ropa.rules.engine import Owned, evaluate_by_rule, in_order
from ropa.services import incremental
from ropa.services.documents import DocumentService
from ropa.services.history import resolve_moment
from ropa.services.incremental import State, seed

log = logging.getLogger(__name__)

KEPT_REVISIONS = 4
"""Past revisions kept built beside the current one (as_of queries come in bursts)."""


class _Revision:
    """One registry revision: its document, its graph, and its facts and findings per day."""

    def __init__(
        self,
        revision: int,
        document: m.RegistryDocument,
        vocab: Vocabularies,
        graph: RegistryGraph | None = None,
    ) -> None:
        self.revision = revision
        self.document = document
        self.vocab = vocab
        self._lock = threading.Lock()
        self._graph = graph
        self._days: dict[dt.date, tuple[Facts | None, list[Finding] | None]] = {}
        self.state: State | None = None
        """What incremental judgement needs to step to the next revision (newest only)."""
        self._by_rule: tuple[dt.date, dict[str, list[Owned]]] | None = None

    def graph(self) -> RegistryGraph:
        with self._lock:
            if self._graph is None:
                self._graph = build_graph(self.document, self.vocab)
            return self._graph

    def facts(self, day: dt.date) -> Facts:
        graph = self.graph()
        with self._lock:
            found = self._days.get(day)
            if found is None or found[0] is None:
                facts = derive(graph, day)
                self._days[day] = (facts, found[1] if found is not None else None)
                _keep_last(self._days, 4)
                return facts
            return found[0]

    def findings(self, day: dt.date) -> list[Finding]:
        with self._lock:
            cached = self._days.get(day)
            if cached is not None and cached[1] is not None:
                return cached[1]
        facts = self.facts(day)
        by_rule = evaluate_by_rule(facts)
        found = in_order(by_rule)
        with self._lock:
            self._days[day] = (facts, found)
            self._by_rule = (day, by_rule)
        return found

    def judged_in_full(self, day: dt.date) -> bool:
        return self._by_rule is not None and self._by_rule[0] == day

    def seed(self, day: dt.date) -> State:
        """The incremental state of this revision on ``day`` (judged in full on that day)."""
        if self.state is not None and self.state.day == day:
            return self.state
        found = self.findings(day)
        assert self._by_rule is not None
        return seed(self.facts(day), self._by_rule[1], found)

    def prepare(self, day: dt.date) -> None:
        """Keep the incremental state of this revision (judged in full on ``day``)."""
        if self.state is None and self.judged_in_full(day):
            self.state = self.seed(day)

    def stepped(self, day: dt.date, findings: list[Finding], state: State) -> None:
        """Findings worked out incrementally for ``day``; facts are derived in full if asked."""
        with self._lock:
            self._days[day] = (None, findings)
            self.state = state


def _keep_last(days: dict[dt.date, tuple[Facts | None, list[Finding] | None]], size: int) -> None:
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
        self.steps = 0
        """Revisions judged incrementally from the previous one (for tests and benches)."""

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
        The current registry is judged from the previous revision's findings where the audit
        trail shows a small change (``ropa.services.incremental``).
        """
        past = await self.moment(as_of) if as_of is not None else None
        if past is None:
            day = on or today()
            built = await self._current(day if evaluate else None)
        else:
            built = await self._revision(past)
            if on is None:
                moment = await self.documents.repository.revision_moment(built.revision)
                day = moment.date() if moment is not None else today()
            else:
                day = on
        judged = Judged(built, day)
        if evaluate:
            await anyio.to_thread.run_sync(lambda: judged.findings)
            if past is None and built.state is None:
                # ready for the next write: the first step need not index the registry
                await anyio.to_thread.run_sync(built.prepare, day)
        return judged

    async def _current(self, day: dt.date | None) -> _Revision:
        """The current revision; stepped from the newest one built when it can be."""
        async with self._lock:
            repository = self.documents.repository
            wanted = await repository.revision()
            found = self._built.get(wanted)
            if found is not None:
                self._built.move_to_end(wanted)
                return found
            previous = self._newest()
            if day is not None and previous is not None and previous.revision < wanted:
                changes = await repository.changes(
                    previous.revision, wanted, incremental.MAX_CHANGES + 1
                )
                stepped = await anyio.to_thread.run_sync(self._step, previous, changes, day)
                if stepped is not None:
                    return self._keep(wanted, stepped)
            return await self._read(None)

    def _newest(self) -> _Revision | None:
        return self._built[max(self._built)] if self._built else None

    def _step(
        self, previous: _Revision, changes: list[incremental.Change], day: dt.date
    ) -> _Revision | None:
        if len(changes) > incremental.MAX_CHANGES:
            return None
        if previous.state is None and not previous.judged_in_full(day):
            return None
        state = previous.seed(day)
        previous.state = None  # a state steps once: it moves on to the next revision
        try:
            stepped = incremental.step(state, changes, self.vocab)
        except incremental.TooWide:
            return None
        except Exception:  # judging in full is always right; say so, and carry on
            log.exception("incremental judgement failed; judging revision in full")
            return None
        built = _Revision(0, stepped.document, self.vocab, stepped.graph)
        built.stepped(day, stepped.findings, stepped.state)
        self.steps += 1
        return built

    def _keep(self, revision: int, built: _Revision) -> _Revision:
        built.revision = revision
        self._built[revision] = built
        while len(self._built) > KEPT_REVISIONS + 1:
            self._built.popitem(last=False)
        return built

    async def _read(self, as_of: int | None) -> _Revision:
        # The current registry is read as it is; a past one is rebuilt from the audit trail.
        revision, document = await self.documents.snapshot(as_of=as_of)
        found = self._built.get(revision)
        if found is not None:
            return found
        return self._keep(revision, _Revision(revision, document, self.vocab))

    async def _revision(self, as_of: int) -> _Revision:
        async with self._lock:
            found = self._built.get(as_of)
            if found is not None:
                self._built.move_to_end(as_of)
                return found
            return await self._read(as_of)
