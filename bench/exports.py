"""Workbook and diagram rendering on synthetic registries, beside bare baselines in the same run.

    python -m bench.exports [--activities 10000] [--repeat 3]

- Workbook: ropa's Article 30 workbook (ICO profile) of one organisation, beside a bare openpyxl
  write-only loop writing the same number of cells (same rows x columns, short strings).
- Diagrams: DOT generation of the whole-organisation view (2,000 systems at 10,000 activities)
  at each detail level, and SVG rendering with Graphviz of the activity view and of the
  whole-organisation view at the collapsed levels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Callable

from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from bench.synthetic import generate
from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import build_graph
from ropa.render import diagram, dot, xlsx
from ropa.rules import evaluate

ON = dt.date(2026, 11, 22)


def _best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _cells(content: bytes) -> int:
    """Cells the workbook holds: counted from its sheets' XML, as written."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(
            archive.read(name).count(b"<c ")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


def bare_loop(cells: int, columns: int = 30) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    rows, rest = divmod(cells, columns)
    row = [f"value {i}" for i in range(columns)]
    for _ in range(rows):
        sheet.append(row)
    if rest:
        sheet.append(row[:rest])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    document = generate(args.activities, organisations=1)
    graph = build_graph(document, builtin())
    facts = derive(graph, ON)
    found = evaluate(facts)
    organisation = max(
        graph.organisations, key=lambda o: sum(a.organisation == o for a in document.activities)
    )
    activities = sum(a.organisation == organisation for a in document.activities)

    def render_workbook() -> bytes:
        return xlsx.workbook(facts, found, organisation=organisation, revision=1)

    ropa_s, content = _best(render_workbook, args.repeat)
    assert isinstance(content, bytes)
    cells = _cells(content)
    bare_s, _ = _best(lambda: bare_loop(cells), args.repeat)
    table = Table(
        title=f"Article 30 workbook, organisation {organisation} ({activities:,} activities)"
    )
    for column in ("what", "cells", "seconds", "x bare", "peak MB (tracemalloc)", "bytes"):
        table.add_column(column, justify="right")
    table.add_row(
        "bare openpyxl write-only loop",
        f"{cells:,}",
        f"{bare_s:.2f}",
        "1.0",
        f"{_peak_mb(lambda: bare_loop(cells)):.0f}",
        "",
    )
    table.add_row(
        "ropa workbook (ico)",
        f"{cells:,}",
        f"{ropa_s:.2f}",
        f"{ropa_s / bare_s:.2f}",
        f"{_peak_mb(render_workbook):.0f}",
        f"{len(content):,}",
    )
    console = Console(width=160)
    console.print(table)

    systems = sum(s.organisation == organisation for s in document.systems)
    diagrams = Table(title=f"Diagrams, organisation {organisation} ({systems:,} systems)")
    for column in ("view", "detail", "DOT s", "DOT bytes", "SVG s"):
        diagrams.add_column(column, justify="right")
    first_activity = next(a.key for a in document.activities if a.organisation == organisation)
    for view, detail, kwargs in (
        ("activity", "full", {"activity": first_activity}),
        ("organisation", "cluster", {}),
        ("organisation", "party", {}),
        ("organisation", "full", {}),
    ):
        dot_s, text = _best(
            lambda view=view, detail=detail, kwargs=kwargs: diagram.dot(
                facts, found, view, organisation=organisation, detail=detail, **kwargs
            ),
            args.repeat,
        )
        assert isinstance(text, str)
        svg = "skipped"
        if detail != "full" or view == "activity":
            svg_s, _ = _best(lambda text=text: dot.render(text, "svg", timeout=600), 1)
            svg = f"{svg_s:.2f}"
        diagrams.add_row(view, detail, f"{dot_s:.3f}", f"{len(text):,}", svg)
    console.print(diagrams)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
