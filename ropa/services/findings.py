"""Findings for the store: the graph and its findings cached by registry revision."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterable

import anyio.to_thread
import msgspec

from ropa.domain.vocabulary import Vocabularies
from ropa.graph import RegistryGraph, build_graph
from ropa.rules import Finding, Severity, evaluate
from ropa.rules.completeness import Scores, completeness
from ropa.services.documents import DocumentService


class FindingsReport(msgspec.Struct, kw_only=True):
    revision: int | None
    """The registry revision judged; null for a registry document outside the store."""
    on: dt.date
    """The day the registry was judged on (waiver expiry, review age, mechanism validity)."""
    counts: dict[str, int]
    """Open findings per severity, and how many are waived."""
    scores: Scores
    findings: list[Finding]


def report(
    graph: RegistryGraph,
    findings: list[Finding],
    *,
    on: dt.date,
    revision: int | None,
    organisation: str | None = None,
    activity: str | None = None,
    severity: Severity | None = None,
    rule: str | None = None,
    include_waived: bool = True,
) -> FindingsReport:
    selected = [
        f
        for f in findings
        if (organisation is None or f.organisation == organisation)
        and (activity is None or f.activity == activity)
        and (severity is None or f.severity == severity)
        and (rule is None or f.rule == rule)
        and (include_waived or not f.waived)
    ]
    scores = completeness(graph, findings)
    if organisation is not None:
        scores = Scores(
            organisations={k: v for k, v in scores.organisations.items() if k == organisation},
            activities={
                k: v
                for k, v in scores.activities.items()
                if graph.activities[k].organisation == organisation
            },
        )
    return FindingsReport(
        revision=revision,
        on=on,
        counts=count(selected),
        scores=scores,
        findings=selected,
    )


def count(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(str(f.severity) for f in findings if not f.waived)
    waived = sum(1 for f in findings if f.waived)
    return {str(s): counts.get(str(s), 0) for s in Severity} | {"waived": waived}


class FindingsService:
    """Builds the graph once per registry revision and the findings once per revision and day."""

    def __init__(self, documents: DocumentService, vocabularies: Vocabularies) -> None:
        self.documents = documents
        self.vocab = vocabularies
        self._graph: tuple[int, RegistryGraph] | None = None
        self._findings: tuple[int, dt.date, list[Finding]] | None = None
        self._lock = asyncio.Lock()

    async def graph(self) -> tuple[int, RegistryGraph]:
        async with self._lock:
            current = await self.documents.repository.revision()
            if self._graph is None or self._graph[0] != current:
                revision, document = await self.documents.snapshot()
                graph = await anyio.to_thread.run_sync(build_graph, document, self.vocab)
                self._graph = (revision, graph)
            return self._graph

    async def graph_as_of(self, revision: int) -> tuple[int, RegistryGraph]:
        """The graph of the registry as it stood at a past revision (not cached)."""
        revision, document = await self.documents.snapshot(as_of=revision)
        return revision, await anyio.to_thread.run_sync(build_graph, document, self.vocab)

    async def findings(self, on: dt.date) -> tuple[int, RegistryGraph, list[Finding]]:
        revision, graph = await self.graph()
        cached = self._findings
        if cached is None or cached[:2] != (revision, on):
            cached = (revision, on, await anyio.to_thread.run_sync(evaluate, graph, on))
            self._findings = cached
        return revision, graph, cached[2]
