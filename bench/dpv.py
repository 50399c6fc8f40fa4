"""DPV JSON-LD export of a synthetic registry, beside the JSON registry document of the same
registry in the same run; and reading the DPV export back, beside parsing the JSON document.

    python -m bench.dpv [--activities 10000] [--repeat 3]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from bench.exports import _best
from bench.synthetic import generate
from ropa.input.document import parse_document
from ropa.input.dpv import parse_dpv
from ropa.render.document import canonical, dump_document
from ropa.render.dpv import dump_dpv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    document = generate(args.activities)

    json_s, json_bytes = _best(lambda: dump_document(document, "json"), args.repeat)
    dpv_s, dpv_bytes = _best(lambda: dump_dpv(document), args.repeat)
    assert isinstance(json_bytes, bytes) and isinstance(dpv_bytes, bytes)
    read_json_s, _ = _best(lambda: parse_document(json_bytes, "json"), args.repeat)
    read_dpv_s, back = _best(lambda: parse_dpv(dpv_bytes), args.repeat)
    assert back == canonical(document), "the DPV export did not read back the same"

    counts = ", ".join(
        f"{len(getattr(document, name)):,} {name}"
        for name in ("activities", "systems", "parties", "flows")
    )
    table = Table(title=f"DPV JSON-LD beside the JSON registry document ({counts})")
    for column in ("what", "seconds", "x JSON document", "bytes"):
        table.add_column(column, justify="right")
    table.add_row("export: JSON registry document", f"{json_s:.2f}", "1.0", f"{len(json_bytes):,}")
    table.add_row(
        "export: DPV JSON-LD", f"{dpv_s:.2f}", f"{dpv_s / json_s:.2f}", f"{len(dpv_bytes):,}"
    )
    table.add_row("read: JSON registry document", f"{read_json_s:.2f}", "1.0", "")
    table.add_row(
        "read: DPV JSON-LD (pyld expansion)",
        f"{read_dpv_s:.2f}",
        f"{read_dpv_s / read_json_s:.2f}",
        "",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
