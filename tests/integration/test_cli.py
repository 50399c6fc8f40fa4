"""The command line, against an embedded SQLite store (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ropa.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"


@pytest.fixture
def database(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'cli.sqlite'}"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_migrate_then_dry_run_writes_nothing(database: list[str], tmp_path: Path) -> None:
    assert run("migrate", *database)[0] == 0
    code, output = run("import", str(EXAMPLE), "--dry-run", *database)
    assert code == 0, output
    assert "dry run" in output
    exported = tmp_path / "out.yaml"
    assert run("export", "document", "-o", str(exported), *database)[0] == 0
    assert yaml.safe_load(exported.read_text())["organisations"] == []


def test_import_export_round_trip(database: list[str], tmp_path: Path) -> None:
    code, output = run("import", str(EXAMPLE), *database)
    assert code == 0, output
    assert "registry revision 1" in output
    first = tmp_path / "first.json"
    assert run("export", "document", "-o", str(first), *database)[0] == 0
    code, output = run("import", str(first), *database)
    assert code == 0
    assert "nothing changed" in output
    second = tmp_path / "second.json"
    run("export", "document", "-o", str(second), "--organisation", "sprechwerk", *database)
    assert first.read_bytes() == second.read_bytes()


def test_bad_document_exits_1_listing_problems(database: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "organisations:\n  - {key: a, name: A}\n"
        "systems:\n  - {key: s, organisation: nobody, name: S}\n"
        "  - {key: t, organisation: a, name: T, hosting_country: ZZ}\n"
    )
    code, output = run("import", str(bad), *database)
    assert code == 1
    assert "$.systems[0].organisation" in output
    assert "$.systems[1].hosting_country" in output
    assert "nothing changed" in output


def test_schema_check_passes_on_the_committed_schema() -> None:
    code, output = run("schema", "--check")
    assert code == 0, output


def test_demo_loads_the_example_and_prints_a_working_token(database: list[str]) -> None:
    code, output = run("demo", "--no-serve", *database)
    assert code == 0, output
    token = output.split("token (dpo): ")[1].split()[0]
    assert token.startswith("ropa_")
    code, listing = run("token", "list", *database)
    assert code == 0 and "demo-" in listing and token not in listing


def test_token_create_and_revoke(database: list[str]) -> None:
    code, output = run("token", "create", "--name", "alice", "--role", "architect", *database)
    assert code == 0 and "ropa_" in output
    assert run("token", "create", "--name", "alice", "--role", "dpo", *database)[0] == 1
    assert run("token", "create", "--name", "cnil", "--role", "regulator", *database)[0] == 1
    code, output = run(
        "token",
        "create",
        "--name",
        "cnil",
        "--role",
        "regulator",
        "--organisation",
        "sprechwerk",
        *database,
    )
    assert code == 0
    assert run("token", "revoke", "alice", *database)[0] == 0
    assert run("token", "revoke", "alice", *database)[0] == 1
