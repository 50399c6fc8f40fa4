"""Findings as linters print them: text lines, JSON, SARIF 2.1.0 and GitHub annotations.

Every format reads the same located findings: a finding, the file it was found in (none for
the store) and the line and column where its entity's entry starts in that file.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from rich.text import Text

from ropa.domain.kinds import KINDS
from ropa.input.positions import Position, SourceMap
from ropa.rules import Finding, Severity
from ropa.rules.engine import SEVERITY_ORDER, RuleMeta

if TYPE_CHECKING:  # a renderer depends on no service; the report is only read
    from ropa.services.findings import FindingsReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


@dataclass(frozen=True, slots=True)
class Located:
    finding: Finding
    file: str | None
    """The document the finding was found in, as named on the command line; None for the store."""
    at: Position | None
    """Where the finding's entity starts in ``file``."""

    @property
    def where(self) -> str:
        """``FILE:LINE:COL`` for a document, ``kind:key`` for the store."""
        if self.file is None:
            return self.finding.entity
        at = self.at or Position(1, 1)
        return f"{self.file}:{at.line}:{at.column}"


def locate(
    findings: Iterable[Finding], file: str | None, source: SourceMap | None
) -> list[Located]:
    """The findings with their places, in document order (for the store: by kind, then key)."""
    located = [
        Located(f, file, source.entity(f.entity) if source is not None else None) for f in findings
    ]

    def order(item: Located) -> tuple[Any, ...]:
        finding = item.finding
        kind, _, key = finding.entity.partition(":")
        if file is not None:
            # An entity the document does not show (none should) goes last.
            place: tuple[Any, ...] = (item.at is None, item.at or Position(0, 0))
        else:
            place = (_KIND_ORDER.get(kind, len(_KIND_ORDER)), key)
        return (*place, SEVERITY_ORDER[finding.severity], finding.rule, finding.id)

    return sorted(located, key=order)


def waiver_note(finding: Finding) -> str:
    """How a waiver reads beside its finding: until when it holds, or that it has lapsed."""
    waiver = finding.waiver
    if waiver is None:
        return ""
    day = waiver.expires_on.isoformat()
    if waiver.expired:
        return f"(waiver expired {day}: {waiver.reason})"
    return f"(waived until {day}: {waiver.reason})"


# --- text ------------------------------------------------------------------------------------


def text_lines(located: Iterable[Located], remedies: bool = True) -> Iterator[Text]:
    """One line per finding, ``WHERE: severity RULE message [finding-id]``, then its remedy."""
    for item in located:
        finding = item.finding
        line = Text.assemble(
            (item.where, "bold"),
            ": ",
            (str(finding.severity), COLOURS[finding.severity]),
            " ",
            (finding.rule, "bold"),
            " ",
            finding.message,
            " ",
            (f"[{finding.id}]", "cyan"),
        )
        note = waiver_note(finding)
        if note:
            line.append(" ")
            line.append(note, "magenta" if finding.waiver and finding.waiver.expired else "")
        if finding.waived:
            line.stylize("dim")
        yield line
        if remedies and not finding.waived:
            yield Text(f"    remedy: {finding.remedy}", "dim")


def summary(report: FindingsReport) -> list[str]:
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    counts += f", {sum(report.waived.values())} waived"
    lines = [f"{len(report.findings)} findings: {counts}"]
    for key, score in sorted(report.scores.organisations.items()):
        lines.append(f"completeness of {key}: {score.score}%")
    return lines


# --- JSON ------------------------------------------------------------------------------------


def json_report(report: FindingsReport, located: list[Located]) -> dict[str, Any]:
    """The findings report, findings in document order, each with its place when in a file."""
    data: dict[str, Any] = msgspec.to_builtins(report)
    findings = []
    for item in located:
        entry: dict[str, Any] = msgspec.to_builtins(item.finding)
        if item.file is not None:
            at = item.at or Position(1, 1)
            entry["location"] = {"file": item.file, "line": at.line, "column": at.column}
        findings.append(entry)
    data["findings"] = findings
    return data


# --- SARIF 2.1.0 -----------------------------------------------------------------------------


def _uri(file: str) -> str:
    """A URI reference for a file: relative to the working folder where it can be."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return quote(path.as_posix())


def _version() -> str:
    try:
        return importlib.metadata.version("ropa")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout
        return "0"


def _rule(meta: RuleMeta) -> dict[str, Any]:
    return {
        "id": meta.id,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": f"{meta.title} ({meta.article})"},
        "help": {
            "text": meta.remedy,
            "markdown": f"**{meta.article}**: {meta.remedy}",
        },
        "defaultConfiguration": {"level": _SARIF_LEVEL[meta.severity]},
        "properties": {"tags": ["gdpr", meta.theme], "article": meta.article},
    }


def sarif(located: list[Located], catalogue: dict[str, RuleMeta]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the whole catalogue as rules, one result per finding."""
    ids = sorted(catalogue)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    results = []
    for item in located:
        finding = item.finding
        location: dict[str, Any] = {
            "logicalLocations": [{"fullyQualifiedName": finding.entity, "kind": "object"}]
        }
        if item.file is not None:
            at = item.at or Position(1, 1)
            location["physicalLocation"] = {
                "artifactLocation": {"uri": _uri(item.file)},
                "region": {"startLine": at.line, "startColumn": at.column},
            }
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": _SARIF_LEVEL[finding.severity],
            "message": {"text": f"{finding.message} [{finding.id}]"},
            "locations": [location],
            "partialFingerprints": {"ropaFindingId/v1": finding.id},
            "properties": {"findingId": finding.id, "organisation": finding.organisation},
        }
        if finding.waived and finding.waiver is not None:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": (
                        f"{finding.waiver.reason} (waived by {finding.waiver.accepted_by} "
                        f"until {finding.waiver.expires_on.isoformat()})"
                    ),
                }
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ropa",
                        "version": _version(),
                        "rules": [_rule(catalogue[rule_id]) for rule_id in ids],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


# --- GitHub workflow commands ----------------------------------------------------------------


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def github(located: Iterable[Located]) -> Iterator[str]:
    """``::error file=…,line=…,col=…,title=…::message`` per open finding (waived ones left out)."""
    for item in located:
        finding = item.finding
        if finding.waived:
            continue
        properties = []
        if item.file is not None:
            at = item.at or Position(1, 1)
            properties += [f"file={_property(item.file)}", f"line={at.line}", f"col={at.column}"]
        properties.append(f"title={_property(f'{finding.rule} ({finding.article})')}")
        text = f"{finding.message} [{finding.id}]. Remedy: {finding.remedy}"
        if item.file is None:
            text = f"{finding.entity}: {text}"
        note = waiver_note(finding)
        if note:
            text += f" {note}"
        yield f"::{_GITHUB_LEVEL[finding.severity]} {','.join(properties)}::{_data(text)}"
