"""Graph build, full rule run and lineage queries on synthetic registries, beside networkx alone.

    python -m bench.graph_rules [--sizes 1000 10000 50000] [--repeat 3]

The baseline is networkx alone building the same graph: the same nodes and keyed edges with
the same attributes, prepared beforehand, handed to ``add_nodes_from``/``add_edges_from`` in
the same run. Validation (graph build, derived facts and every rule) is judged against it, never
against a fixed number.

ropa's graph build makes the registry's lookups; the networkx graph itself is built from them
only when a diagram or the map first asks (``RegistryGraph.graph``), so validation does not
include it. The "networkx on first use" column times that step on its own (element lists and
networkx), for whoever adds it to the build.

Both sides run under the same garbage-collector policy: ropa pauses Python's cyclic collector
while it builds a graph, its facts and its findings (``ropa.graph.bulk``), so the baseline is
timed inside the same pause. Otherwise a full collection that the larger allocation of a build
happens to trigger would be charged to one side only.

Times are this process's CPU time (every step is single-threaded), so that other jobs on a
shared machine do not land in one column and not another. Each column is the best of its
repeats; "x networkx, paired" instead times networkx alone and validation back to back, once
per repeat, and gives the median of those pairs' ratios, so that both sides of each ratio share
the machine's state at that moment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies, builtin
from ropa.facts import derive
from ropa.graph import Edge, Node, RegistryGraph, assemble, build_graph, bulk, graph_elements
from ropa.lineage import category_lineage, party_impact
from ropa.rules import evaluate

ON = dt.date(2026, 11, 22)


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        if isinstance(run, _Prepared):
            run.prepare()
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def _bare(nodes: list[Node], edges: list[Edge]) -> object:
    with bulk():
        return assemble(nodes, edges)


def _first_use(document: m.RegistryDocument, vocab: Vocabularies) -> Callable[[], object]:
    """The networkx graph of a fresh build, asked for the first time (the build not timed)."""
    graphs: list[RegistryGraph] = []

    def prepare() -> None:
        graphs.append(build_graph(document, vocab))

    def run() -> object:
        return graphs.pop().graph

    return _Prepared(prepare, run)


def _paired(
    document: m.RegistryDocument,
    vocab: Vocabularies,
    nodes: list[Node],
    edges: list[Edge],
    repeat: int,
) -> float:
    """Validation over networkx alone, each pair timed back to back: the median of the pairs'
    ratios. On a shared machine the best of each column can come from different moments; a
    pair shares its moment."""
    ratios = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        _bare(nodes, edges)
        bare = time.process_time() - start
        gc.collect()
        start = time.process_time()
        evaluate(derive(build_graph(document, vocab), ON))
        ratios.append((time.process_time() - start) / bare)
    return statistics.median(ratios)


class _Prepared:
    """A step timed after an untimed preparation."""

    def __init__(self, prepare: Callable[[], None], run: Callable[[], object]) -> None:
        self.prepare = prepare
        self.run = run

    def __call__(self) -> object:
        return self.run()


def measure(activities: int, repeat: int) -> dict[str, float | int]:
    document = generate(activities)
    vocab = builtin()
    nodes, edges = graph_elements(document)
    graph = build_graph(document, vocab)
    facts = derive(graph, ON)
    findings = evaluate(facts)
    category = max(
        graph.categories, key=lambda c: sum(c in f.data_categories for f in document.flows[:2000])
    )
    party = document.parties[0].key
    return {
        "activities": len(document.activities),
        "systems": len(document.systems),
        "flows": len(document.flows),
        "findings": len(findings),
        "bare": _best(lambda: _bare(nodes, edges), repeat),
        "build": _best(lambda: build_graph(document, vocab), repeat),
        "networkx": _best(_first_use(document, vocab), repeat),
        "facts": _best(lambda: derive(graph, ON), repeat),
        "rules": _best(lambda: evaluate(facts), repeat),
        "lineage": _best(lambda: category_lineage(facts, category), repeat),
        "impact": _best(lambda: party_impact(facts, party), repeat),
        "paired": _paired(document, vocab, nodes, edges, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = Table(title="graph, rules and lineage (CPU seconds, best of repeats)")
    for column in (
        "activities",
        "systems",
        "flows",
        "findings",
        "networkx alone",
        "graph build",
        "derived facts",
        "full rule run",
        "validation (build+facts+rules)",
        "x networkx",
        "x networkx, paired (median)",
        "facts+rules x networkx",
        "networkx on first use",
        "lineage",
        "impact",
    ):
        table.add_column(column, justify="right")
    for size in args.sizes:
        r = measure(size, args.repeat)
        validation = float(r["build"]) + float(r["facts"]) + float(r["rules"])
        table.add_row(
            f"{r['activities']:,}",
            f"{r['systems']:,}",
            f"{r['flows']:,}",
            f"{r['findings']:,}",
            f"{r['bare']:.3f}",
            f"{r['build']:.3f}",
            f"{r['facts']:.3f}",
            f"{r['rules']:.3f}",
            f"{validation:.3f}",
            f"{validation / float(r['bare']):.1f}",
            f"{r['paired']:.1f}",
            f"{(float(r['facts']) + float(r['rules'])) / float(r['bare']):.1f}",
            f"{r['networkx']:.3f}",
            f"{r['lineage']:.4f}",
            f"{r['impact']:.4f}",
        )
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
