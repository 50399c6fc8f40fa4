"""Spreadsheet import of a 10,000-row sheet, beside openpyxl's read-only load of the same file.

    python -m bench.sheets [--activities 10000] [--repeat 1]

The sheet is ropa's own ICO workbook (regulator edition) of the synthetic one-organisation
registry with that many activities: its controller record has one row per activity, and the
transfers, recipients and retention sheets come with it. Both figures are taken in the same run:

- baseline: ``openpyxl.load_workbook(read_only=True)`` and a pass over every cell's value;
- ropa: ``read_sheet`` (the same read-only pass with the refusal checks, layout recognition,
  text to model and the report), giving the registry document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io

from openpyxl import load_workbook
from rich.console import Console
from rich.table import Table

from bench.exports import _best
from bench.synthetic import generate
from ropa.domain.vocabulary import builtin
from ropa.render import xlsx
from ropa.services.judgement import judge
from ropa.sheets import read_sheet

ON = dt.date(2026, 11, 22)


def _openpyxl_pass(raw: bytes) -> int:
    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for value in row if value is not None)
    book.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    vocab = builtin()
    document = generate(args.activities, organisations=1)
    judged = judge(document, vocab, ON)
    raw = xlsx.workbook(judged.facts, judged.findings, organisation=document.organisations[0].key)
    bare, cells = _best(lambda: _openpyxl_pass(raw), args.repeat)
    ours, found = _best(lambda: read_sheet(raw, "xlsx", vocab), args.repeat)
    imported = found.document  # type: ignore[attr-defined]
    report = found.report  # type: ignore[attr-defined]
    table = Table(
        title=f"import-sheet of a {args.activities:,}-row ICO workbook ({len(raw):,} bytes)"
    )
    for column in ("what", "non-empty cells", "seconds", "x openpyxl"):
        table.add_column(column, justify="left" if column == "what" else "right")
    table.add_row("openpyxl read-only load and pass", f"{cells:,}", f"{bare:.2f}", "1.0")
    table.add_row("ropa read_sheet (to a registry document)", f"{report.cells:,}", f"{ours:.2f}",
                  f"{ours / bare:.2f}")  # fmt: skip
    Console().print(table)
    Console().print(
        f"activities {len(imported.activities):,}, parties {len(imported.parties):,}, "
        f"systems {len(imported.systems):,}, flows {len(imported.flows):,}; "
        f"outcomes {report.outcomes}"
    )


if __name__ == "__main__":
    main()
