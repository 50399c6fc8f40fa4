"""`ropa validate` and the query commands on a registry document, with no server or store."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from ropa.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = FIXTURES / "clean-registry.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(CLEAN.read_text())
    change(data)
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _no_purpose(data: dict) -> None:
    data["activities"][0]["purposes"] = []


def test_clean_document_exits_0() -> None:
    code, output = run("validate", str(CLEAN), "--on", "2026-11-22", "--fail-on", "info")
    assert code == 0, output
    assert "0 findings" in output


def _vague_purpose(data: dict) -> None:
    data["activities"][0]["purposes"] = ["Analytics"]


def test_warning_fails_only_from_the_warning_threshold(tmp_path: Path) -> None:
    path = _with(tmp_path, _vague_purpose)
    assert run("validate", str(path), "--on", "2026-11-22")[0] == 0
    code, output = run("validate", str(path), "--on", "2026-11-22", "--fail-on", "warning")
    assert code == 1
    assert "ART30-1B-PURPOSE-VAGUE" in output
    assert run("validate", str(path), "--on", "2026-11-22", "--fail-on", "never")[0] == 0


def test_error_fails_by_default_and_json_lists_it(tmp_path: Path) -> None:
    path = _with(tmp_path, _no_purpose)
    code, output = run("validate", str(path), "--on", "2026-11-22", "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert "ART30-1B-PURPOSE-MISSING@activity:push" in {f["id"] for f in report["findings"]}
    assert report["counts"]["error"] >= 1


def test_invalid_document_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("systems:\n  - {key: s, organisation: ghost, name: S}\n")
    code, output = run("validate", str(path))
    assert code == 2
    assert "$.systems[0].organisation" in output


def test_query_commands_on_a_document() -> None:
    code, output = run("lineage", "push_token", "--document", str(CLEAN), "--format", "json")
    assert code == 0
    assert {r["node"] for r in json.loads(output)["reached"]} >= {"party:fcm"}
    code, output = run("impact", "fcm", "--document", str(CLEAN), "--format", "json")
    assert json.loads(output)["countries"] == ["US"]
    code, output = run("erasure", "app_users", "--document", str(CLEAN))
    assert code == 0 and "hoster" in output
    assert run("impact", "nobody", "--document", str(CLEAN))[0] == 2
