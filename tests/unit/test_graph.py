"""The registry graph: lookups built with the graph, the networkx graph built on first use."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from ropa.domain.vocabulary import builtin
from ropa.graph import assemble, build_graph, graph_elements
from ropa.input.document import parse_document

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"


def test_networkx_graph_is_built_on_first_use_and_kept() -> None:
    document = parse_document(EXAMPLE.read_bytes(), "yaml")
    graph = build_graph(document, builtin())
    assert graph._nx is None  # validation reads the lookups only
    first = graph.graph
    assert graph.graph is first
    expected = assemble(*graph_elements(document))
    assert nx.utils.graphs_equal(first, expected)
    assert sorted(first.edges(keys=True, data="kind")) == sorted(
        expected.edges(keys=True, data="kind")
    )
