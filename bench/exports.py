"""Workbook and diagram rendering on synthetic registries, beside bare baselines in the same run.

    python -m bench.exports [--activities 10000] [--repeat 3]

- Workbook: ropa's Article 30 workbook (ICO profile, regulator edition) of one organisation,
  timed (wall and CPU time, best of ``--repeat``) beside two bare openpyxl write-only loops:

  - **same cells** (the target's baseline): the workbook's own cells, read back from ropa's
    workbook with openpyxl before timing. Each sheet under its name, each row with its cells
    in their columns: the same text values, plain where ropa's are plain (the workbook's
    default format) and, where ropa styles a cell, a ``WriteOnlyCell`` given the same font,
    fill, border, alignment, number format, protection and quote prefix (style objects
    prepared once per distinct style); the same row heights (one ``RowDimension`` per distinct
    height, prepared once). The bench checks that each sheet's ``sheetData`` (every row and
    cell, as XML) is byte for byte the workbook's. Not in it: column widths, frozen panes,
    print set-up, merged cells and the autofilter (a few elements per sheet), ropa's patch of
    the default format and its deterministic zip.
  - **short strings**: as many cells as the workbook holds, 30 to a row, each "value N", no
    styles or heights (the baseline of issues 4 and 12's first runs).
- Diagrams: DOT generation of the whole-organisation view (2,000 systems at 10,000 activities)
  at each detail level, and SVG rendering with Graphviz of the activity view and of the
  whole-organisation view at the collapsed levels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import re
import resource
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.dimensions import RowDimension
from rich.console import Console
from rich.table import Table

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import Facts, derive
from ropa.graph import build_graph
from ropa.render import diagram, dot, xlsx
from ropa.rules import Finding, evaluate

ON = dt.date(2026, 11, 22)


def _best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _best_both(run: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Best wall time and best CPU time (``time.process_time``) of ``repeat`` runs."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall, cpu, result


def _peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _sheet_data(content: bytes) -> list[bytes]:
    """Each sheet's cells and rows as written (its ``sheetData`` element)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            archive.read(name).partition(b"<sheetData")[2].partition(b"</sheetData>")[0]
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        ]


def _cells(content: bytes) -> int:
    """Cells the workbook holds: counted from its sheets' XML, as written."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(
            archive.read(name).count(b"<c ")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


_STYLE_PARTS = ("font", "fill", "border", "alignment", "number_format", "protection")
_ROW_HEIGHT = re.compile(rb'<row r="(\d+)"[^>]*? ht="([0-9.]+)"')


@dataclass
class SheetCells:
    """One sheet's cells as the workbook holds them: per row, each column's text (or None),
    with the index of its style in ``SameCells.styles`` (0: unstyled)."""

    title: str
    rows: list[list[tuple[str | None, int] | None]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)


@dataclass
class SameCells:
    sheets: list[SheetCells]
    styles: list[dict[str, Any]]
    """Per distinct style: the style objects to give a cell (index 0: none)."""


def read_cells(content: bytes) -> SameCells:
    """The cells of a workbook, read back with openpyxl, ready for ``same_cells_loop``."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    styles: list[dict[str, Any]] = [{}]
    style_index: dict[int, int] = {0: 0}
    sheets = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for number, ws in enumerate(book.worksheets, 1):
            sheet = SheetCells(ws.title)
            xml = archive.read(f"xl/worksheets/sheet{number}.xml")
            sheet.heights = {int(r): float(h) for r, h in _ROW_HEIGHT.findall(xml)}
            for row in ws.iter_rows():
                cells: list[tuple[str | None, int] | None] = []
                for cell in row:
                    style_id = getattr(cell, "_style_id", 0)
                    if cell.value is None and not style_id:
                        cells.append(None)
                        continue
                    if style_id not in style_index:
                        style_index[style_id] = len(styles)
                        parts = {name: getattr(cell, name) for name in _STYLE_PARTS}
                        quote = cell.style_array.quotePrefix  # type: ignore[union-attr]  # read-only cells have it
                        parts["quotePrefix"] = bool(quote)
                        styles.append(parts)
                    value = cell.value
                    assert value is None or isinstance(value, str), value
                    cells.append((value, style_index[style_id]))
                while cells and cells[-1] is None:
                    cells.pop()
                sheet.rows.append(cells)
            sheets.append(sheet)
    book.close()
    return SameCells(sheets, styles)


def same_cells_loop(same: SameCells) -> bytes:
    """The workbook's cells written with openpyxl write-only and nothing of ropa's."""
    book = Workbook(write_only=True)
    for sheet in same.sheets:
        ws = book.create_sheet(sheet.title)
        dimensions = {h: RowDimension(ws, ht=h) for h in set(sheet.heights.values())}
        styles = same.styles
        for number, row in enumerate(sheet.rows, 1):
            height = sheet.heights.get(number)
            if height is not None:
                ws.row_dimensions[number] = dimensions[height]
            values: list[Any] = []
            for entry in row:
                if entry is None:
                    values.append(None)
                    continue
                value, style = entry
                if not style:
                    values.append(value)
                    continue
                cell = WriteOnlyCell(ws, value)
                for name, part in styles[style].items():
                    setattr(cell, name, part)
                if value is not None:
                    cell.data_type = "s"  # quote-prefixed text stays text
                values.append(cell)
            ws.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
    parser.add_argument(
        "--no-diagrams", action="store_true", help="time the workbook only, not the diagrams"
    )
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

    content = render_workbook()
    cells = _cells(content)
    same = read_cells(content)
    assert _sheet_data(same_cells_loop(same)) == _sheet_data(content), "not the same cells"
    # Interleaved, so that a change in the machine's load falls on all three alike.
    timed: dict[str, tuple[float, float]] = {}
    runs: dict[str, Callable[[], object]] = {
        "same": lambda: same_cells_loop(same),
        "short": lambda: bare_loop(cells),
        "ropa": render_workbook,
    }
    for _ in range(args.repeat):
        for name, run in runs.items():
            wall, cpu, _ = _best_both(run, 1)
            best = timed.get(name, (float("inf"), float("inf")))
            timed[name] = (min(best[0], wall), min(best[1], cpu))
    same_wall, same_cpu = timed["same"]
    table = Table(
        title=f"Article 30 workbook, organisation {organisation} ({activities:,} activities), "
        f"best of {args.repeat}"
    )
    for column in (
        "what",
        "cells",
        "wall s",
        "CPU s",
        "x same cells (wall)",
        "x same cells (CPU)",
        "peak MB (tracemalloc)",
        "bytes",
    ):
        table.add_column(column, justify="right")
    for name, label, run in (
        ("same", "bare openpyxl loop, same cells", runs["same"]),
        ("short", "bare openpyxl loop, short strings", runs["short"]),
        ("ropa", "ropa workbook (ico, regulator edition)", runs["ropa"]),
    ):
        wall, cpu = timed[name]
        table.add_row(
            label,
            f"{cells:,}",
            f"{wall:.2f}",
            f"{cpu:.2f}",
            f"{wall / same_wall:.2f}",
            f"{cpu / same_cpu:.2f}",
            f"{_peak_mb(run):.0f}",
            f"{len(content):,}" if name == "ropa" else "",
        )
    short_wall, short_cpu = timed["short"]
    ropa_wall, ropa_cpu = timed["ropa"]
    summary = (
        f"ropa / short strings: {ropa_wall / short_wall:.2f}x wall, {ropa_cpu / short_cpu:.2f}x CPU"
    )
    console = Console(width=160)
    console.print(table)
    console.print(summary)
    if not args.no_diagrams:
        _diagrams(console, document, facts, found, organisation, args.repeat)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def _diagrams(
    console: Console,
    document: m.RegistryDocument,
    facts: Facts,
    found: list[Finding],
    organisation: str,
    repeat: int,
) -> None:
    """DOT text of the organisation at each detail level, and SVG where Graphviz copes."""
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
            repeat,
        )
        assert isinstance(text, str)
        svg = "skipped"
        if detail != "full" or view == "activity":
            svg_s, _ = _best(lambda text=text: dot.render(text, "svg", timeout=600), 1)
            svg = f"{svg_s:.2f}"
        diagrams.add_row(view, detail, f"{dot_s:.3f}", f"{len(text):,}", svg)
    console.print(diagrams)


if __name__ == "__main__":
    main()
