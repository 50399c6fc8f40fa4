"""`ropa validate` as a linter: positions, formats (text, JSON, SARIF, GitHub), exit codes,
plain output when piped, `ropa rules`, and no store for a document."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from ropa.cli import app
from ropa.input.positions import Position, source_map
from ropa.rules import catalogue

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CLEAN = FIXTURES / "clean-registry.yaml"
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
SARIF_SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
ON = ("--on", "2026-11-22")
BOXES = set("┏┓┗┛━┃│─┼╭╮╰╯┡┩╇")
LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) "
    r"(?P<rule>[A-Z0-9-]+) (?P<message>.+) \[(?P<id>[A-Z0-9-]+@[a-z_]+:[^\]]+)\]"
)
Change = Callable[[dict[str, Any]], None]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def streams(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _entry(data: dict[str, Any], collection: str, key: str) -> dict[str, Any]:
    return next(e for e in data[collection] if e["key"] == key)


def _no_purpose(data: dict[str, Any]) -> None:
    _entry(data, "activities", "push")["purposes"] = []


def _stale(data: dict[str, Any]) -> None:
    _entry(data, "activities", "push")["last_reviewed"] = "2024-01-01"


def _unused_system(data: dict[str, Any]) -> None:
    data["systems"].append(
        {"key": "attic", "organisation": "acme", "name": "Old server", "type": "server"}
    )


def _waived(expires: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        _stale(data)
        data["waivers"] = [
            {
                "key": "w1",
                "organisation": "acme",
                "finding": "RECORD-STALE@activity:push",
                "reason": "Review scheduled with the new release",
                "accepted_by": "Dana Schmidt",
                "accepted_on": "2026-11-01",
                "expires_on": expires,
            }
        ]

    return change


def _document(tmp_path: Path, *changes: Change, fmt: str = "yaml") -> Path:
    data = yaml.safe_load(CLEAN.read_text())
    for change in changes:
        change(data)
    path = tmp_path / f"registry.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data, indent=2, default=str))
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _finding_lines(output: str) -> list[re.Match[str]]:
    return [m for m in map(LINE.match, output.splitlines()) if m]


# --- positions -------------------------------------------------------------------------------


def test_yaml_positions_point_at_each_entry_and_value() -> None:
    text = CLEAN.read_text()
    lines = text.splitlines()
    source = source_map(text, "yaml")
    at = source.entity("activity:push")
    assert at is not None
    assert lines[at.line - 1].strip() == "- key: push"
    assert lines[at.line - 1][at.column - 1 :].startswith("key: push")
    value = source.path("$.systems[0].organisation")
    assert value is not None and lines[value.line - 1].strip() == "organisation: acme"
    # A path the source lacks falls back to its nearest ancestor.
    assert source.path("$.systems[0].no_such_field[3]") == source.entity("system:app")


def test_json_positions_point_at_each_entry(tmp_path: Path) -> None:
    path = _document(tmp_path, fmt="json")
    text = path.read_text()
    lines = text.splitlines()
    source = source_map(text, "json")
    for entity in ("organisation:acme", "party:fcm", "system:relay", "activity:push"):
        at = source.entity(entity)
        assert at is not None, entity
        assert lines[at.line - 1][at.column - 1] == "{"
        assert lines[at.line].strip() == f'"key": "{entity.partition(":")[2]}",'
    at = source.path("$.systems[0].organisation")
    assert at is not None and lines[at.line - 1].strip() == '"organisation": "acme",'


def test_positions_survive_broken_text() -> None:
    source = source_map("systems:\n  - {key: s, name: S\n", "yaml")
    assert source.entities == {}
    partial = source_map('{"systems": [{"key": "s"}, {"key": ', "json")
    assert partial.path("$.systems[0].key") == Position(1, 15)
    assert source_map(b"\xff\xfe", "json").paths == {}


# --- text: one line per finding, in document order -------------------------------------------


def test_text_is_one_line_per_finding_with_the_entrys_line(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose, _stale, _unused_system)
    code, output = run("validate", str(path), *ON)
    assert code == 1
    found = _finding_lines(output)
    assert {m["id"] for m in found} >= {
        "ART30-1B-PURPOSE-MISSING@activity:push",
        "RECORD-STALE@activity:push",
        "SYSTEM-UNUSED@system:attic",
    }
    lines = path.read_text().splitlines()
    for match in found:
        assert match["file"] == str(path)
        kind, _, key = match["id"].split("@")[1].partition(":")
        assert lines[int(match["line"]) - 1].strip() == f"- key: {key.split('/')[0]}", kind
    # Document order: the systems come before the activities in this document.
    places = [(int(m["line"]), int(m["col"])) for m in found]
    assert places == sorted(places)
    assert found[-1]["id"].endswith("@activity:push")


def test_text_shows_the_remedy_on_an_indented_second_line(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose)
    code, output = run("validate", str(path), *ON)
    assert code == 1
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if LINE.match(line))
    remedy = catalogue()["ART30-1B-PURPOSE-MISSING"].remedy
    assert lines[first + 1] == f"    remedy: {remedy}"
    _, output = run("validate", str(path), *ON, "--no-remedies")
    assert "remedy:" not in output


def test_json_document_gets_json_line_numbers(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose, fmt="json")
    code, output = run("validate", str(path), *ON)
    assert code == 1
    (match,) = _finding_lines(output)
    line = int(match["line"])
    text = path.read_text().splitlines()
    assert text[line - 1].strip() == "{" and text[line].strip() == '"key": "push",'


def test_ids_and_keys_are_never_broken_and_piped_output_draws_no_boxes(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose, _stale, _unused_system)
    code, output = run("validate", str(path), *ON, "--fail-on", "never")
    assert code == 0
    assert not BOXES & set(output)
    finding_lines = [line for line in output.splitlines() if "@" in line]
    assert len(finding_lines) == len(_finding_lines(output)) == 3  # none wrapped onto two lines
    for command in (
        ("rules",),
        ("lineage", "push_token", "--document", str(CLEAN)),
        ("erasure", "app_users", "--document", str(CLEAN)),
        ("impact", "fcm", "--document", str(CLEAN)),
    ):
        code, output = run(*command)
        assert code == 0, output
        assert not BOXES & set(output), command
    code, output = run("rules")
    for rule_id in catalogue():
        assert re.search(rf"^{re.escape(rule_id)}\s", output, re.MULTILINE), rule_id


def test_a_waiver_reads_as_an_expiry(tmp_path: Path) -> None:
    path = _document(tmp_path, _waived("2027-06-30"))
    code, output = run("validate", str(path), *ON, "--fail-on", "info")
    assert code == 0
    assert "(waived until 2027-06-30: Review scheduled with the new release)" in output
    assert "[RECORD-STALE@activity:push]" in output
    path = _document(tmp_path, _waived("2026-11-01"))
    code, output = run("validate", str(path), *ON, "--fail-on", "info")
    assert code == 1
    assert "(waiver expired 2026-11-01: Review scheduled with the new release)" in output


# --- machine formats -------------------------------------------------------------------------


def test_json_format_carries_each_findings_place(tmp_path: Path) -> None:
    path = _document(tmp_path, _stale, _unused_system)
    code, output = run("validate", str(path), *ON, "--format", "json")
    assert code == 0
    report = json.loads(output)
    located = {f["id"]: f["location"] for f in report["findings"]}
    lines = path.read_text().splitlines()
    place = located["SYSTEM-UNUSED@system:attic"]
    assert place["file"] == str(path)
    assert lines[place["line"] - 1].strip() == "- key: attic"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _valid_sarif(validator: jsonschema.Draft7Validator, output: str) -> dict[str, Any]:
    log = json.loads(output)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    return log


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    tmp_path: Path, sarif_validator: jsonschema.Draft7Validator
) -> None:
    assert not sarif_validator.is_valid({"version": "2.1.0", "runs": [{"tool": {}}]})
    path = _document(tmp_path, _no_purpose, _unused_system, _waived("2027-06-30"))
    code, output = run("validate", str(path), *ON, "--format", "sarif")
    assert code == 1
    log = _valid_sarif(sarif_validator, output)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(catalogue())
    results = {r["partialFingerprints"]["ropaFindingId/v1"]: r for r in sarif_run["results"]}
    purpose = results["ART30-1B-PURPOSE-MISSING@activity:push"]
    assert purpose["level"] == "error"
    assert rules[purpose["ruleIndex"]]["id"] == purpose["ruleId"]
    region = purpose["locations"][0]["physicalLocation"]["region"]
    lines = path.read_text().splitlines()
    assert lines[region["startLine"] - 1].strip() == "- key: push"
    waived = results["RECORD-STALE@activity:push"]
    assert waived["suppressions"][0]["status"] == "accepted"
    # The whole example registry, with its many findings, validates too.
    code, output = run("validate", str(EXAMPLE), *ON, "--format", "sarif")
    assert code == 1
    _valid_sarif(sarif_validator, output)


def test_github_format_writes_workflow_annotations(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose, _waived("2027-06-30"))
    code, stdout, _ = streams("validate", str(path), *ON, "--format", "github")
    assert code == 1
    lines = stdout.splitlines()
    lines_in_file = path.read_text().splitlines()
    (annotation,) = lines  # the waived finding is not annotated
    match = re.match(r"^::error file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)$", annotation)
    assert match is not None, annotation
    assert match[1] == str(path)
    assert lines_in_file[int(match[2]) - 1].strip() == "- key: push"
    assert match[4].startswith("ART30-1B-PURPOSE-MISSING (Art 30(1)(b))")
    assert "[ART30-1B-PURPOSE-MISSING@activity:push]" in match[5]


# --- the store -------------------------------------------------------------------------------


def test_store_findings_are_named_by_entity(
    tmp_path: Path, sarif_validator: jsonschema.Draft7Validator
) -> None:
    database = ["--database-url", f"sqlite:///{tmp_path / 'lint.sqlite'}"]
    path = _document(tmp_path, _stale, _unused_system)
    assert run("import", str(path), *database)[0] == 0
    code, output = run("validate", *ON, "--fail-on", "info", *database)
    assert code == 1
    lines = [line for line in output.splitlines() if "@" in line]
    assert lines[0].startswith("system:attic: info SYSTEM-UNUSED "), (
        lines
    )  # systems before activities
    assert lines[0].endswith("[SYSTEM-UNUSED@system:attic]")
    assert lines[1].startswith("activity:push: info RECORD-STALE ")
    code, output = run("validate", *ON, "--format", "sarif", *database)
    log = _valid_sarif(sarif_validator, output)
    for result in log["runs"][0]["results"]:
        assert "physicalLocation" not in result["locations"][0]
    code, output = run("validate", *ON, "--as-of", "1", "--format", "json", *database)
    assert code == 0 and json.loads(output)["revision"] == 1


# --- exit codes and one-line errors ----------------------------------------------------------


def test_usage_and_document_errors_exit_2_on_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    for args in (
        ("validate", str(missing)),
        ("validate", str(tmp_path)),
        ("lineage", "push_token", "--document", str(missing)),
        ("import", str(missing)),
    ):
        code, stdout, stderr = streams(*args)
        assert code == 2, args
        assert "Traceback" not in stdout + stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert stderr.startswith("error: cannot read "), stderr
    code, _, stderr = streams("validate", str(CLEAN), "--as-of", "3")
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    code, _, _ = streams("validate", str(CLEAN), "--format", "xml")
    assert code == 2


def test_a_document_that_does_not_parse_is_pointed_at(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("systems:\n  - {key: s, organisation: acme, name: S\n  - key: t\n")
    code, _, stderr = streams("validate", str(broken))
    assert code == 2
    first, last = stderr.strip().splitlines()
    assert re.match(rf"^{re.escape(str(broken))}:3:\d+: error \$ not valid YAML: ", first)
    assert last == f"error: {broken}: not a valid registry document (1 problem(s))"
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{\n  "systems": [1,]\n}\n')
    code, _, stderr = streams("validate", str(broken_json))
    assert code == 2
    assert stderr.startswith(f"{broken_json}:2:17: error $ not valid JSON: ")


def test_invalid_entries_are_listed_in_document_order(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "organisations:\n  - {key: a, name: A}\n"
        "systems:\n"
        "  - key: t\n    organisation: a\n    name: T\n    hosting_country: ZZ\n"
        "  - {key: s, organisation: nobody, name: S}\n"
    )
    code, _, stderr = streams("validate", str(bad))
    assert code == 2
    lines = stderr.strip().splitlines()
    assert lines[0] == f"{bad}:7:5: error $.systems[0].hosting_country unknown country `ZZ`"
    assert lines[1].startswith(f"{bad}:8:14: error $.systems[1].organisation ")
    assert len(lines) == 3


# --- ropa rules ------------------------------------------------------------------------------


def test_rules_explains_one_rule() -> None:
    meta = catalogue()["TRANSFER-MISSING-MECHANISM"]
    for given in ("TRANSFER-MISSING-MECHANISM", "transfer-missing-mechanism"):
        code, output = run("rules", given)
        assert code == 0
        assert output.splitlines()[0] == f"{meta.id}: {meta.title}"
        assert f"severity {meta.severity}" in output
        assert f"article  {meta.article}" in output
        assert f"remedy   {meta.remedy}" in " ".join(output.split("\n"))
    code, output = run("rules", "TRANSFER-MISSING-MECHANISM", "--format", "json")
    assert json.loads(output)["remedy"] == meta.remedy


def test_unknown_rule_exits_2_naming_close_matches() -> None:
    code, stdout, stderr = streams("rules", "TRANSFER-MISING-MECHANISM")
    assert code == 2 and stdout == ""
    assert stderr.startswith(
        "error: no rule `TRANSFER-MISING-MECHANISM`; did you mean TRANSFER-MISSING-MECHANISM"
    )
    assert len(stderr.strip().splitlines()) == 1
    code, _, stderr = streams("rules", "zzz")
    assert code == 2 and "`ropa rules` lists them" in stderr


# --- a document needs no store ---------------------------------------------------------------


def test_validating_a_document_creates_no_data_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ROPA_DATA_DIR")}
    for args in (
        ["validate", str(CLEAN), "--format", "sarif"],
        ["lineage", "push_token", "--document", str(CLEAN)],
        ["rules"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ropa", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert list(tmp_path.iterdir()) == [], args


def test_a_document_on_stdin_is_judged_and_located(tmp_path: Path) -> None:
    path = _document(tmp_path, _no_purpose)
    result = CliRunner().invoke(app, ["validate", "-", *ON], input=path.read_bytes())
    assert result.exit_code == 1
    (match,) = _finding_lines(result.stdout)
    assert match["file"] == "-"
    assert path.read_text().splitlines()[int(match["line"]) - 1].strip() == "- key: push"
