"""`ropa import-sheet` against an embedded SQLite store: dry run, import, report, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ropa.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sheets"


@pytest.fixture
def database(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_dry_run_then_import_with_a_report(database: list[str], tmp_path: Path) -> None:
    sheet = str(FIXTURES / "cnil-registre.ods")
    code, output = run("import-sheet", sheet, "--dry-run", *database)
    assert code == 0, output
    assert "dry run: nothing written" in output
    assert "74 non-empty cells" in output
    report = tmp_path / "report.json"
    code, output = run("import-sheet", sheet, "--report", str(report), *database)
    assert code == 0, output
    assert "registry revision 1" in output
    written = json.loads(report.read_text())
    assert written["sheet"]["cells"] == 74
    assert len(written["result"]["changes"]["activities"]["created"]) == 4
    code, output = run("import-sheet", sheet, *database)
    assert "nothing changed" in output


def test_a_refused_file_exits_with_where_and_why(database: list[str], tmp_path: Path) -> None:
    from tests.unit.test_sheets import _xlsx

    bad = tmp_path / "record.xlsx"
    bad.write_bytes(_xlsx({"A1": "Purpose", "D9": "=A1"}, "Register"))
    code, output = run("import-sheet", str(bad), *database)
    assert code == 2
    assert "sheet 'Register', cell D9: holds a formula" in " ".join(output.split())
    macros = tmp_path / "record.xlsm"
    macros.write_bytes(bad.read_bytes())
    code, output = run("import-sheet", str(macros), *database)
    assert code == 2
    assert "macro-enabled" in output
