"""The notice for the faces: written or checked from the judged registry, and the check's gaps
as the validator's writers (text, JSON, SARIF, GitHub) take them. The API runs the work off the
event loop; the CLI calls the same plain functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from ropa.facts import Facts
from ropa.input.positions import Position
from ropa.notice import build, check, reading, render
from ropa.render.lint import Located
from ropa.rules.engine import Finding
from ropa.services.exports import Rendered
from ropa.services.judgement import JudgementService


@dataclass(frozen=True, slots=True)
class Checked:
    organisation: str
    revision: int | None
    gaps: list[check.NoticeGap]
    findings: list[Finding]

    def located(self, file: str) -> list[Located]:
        """Each gap as a finding placed in the notice (line 1 for what it leaves out)."""
        return [
            Located(f, file, Position(g.line or 1, 1))
            for f, g in zip(self.findings, self.gaps, strict=True)
        ]

    def as_json(self, **extra: Any) -> dict[str, Any]:
        """The check's JSON report: the organisation, ``extra`` fields, then the gaps."""
        return {
            "organisation": self.organisation,
            **extra,
            "gaps": [
                {**check.as_json(f), "line": g.line}
                for f, g in zip(self.findings, self.gaps, strict=True)
            ],
        }


def checked(
    read: reading.Read, facts: Facts, organisation: str | None, revision: int | None = None
) -> Checked:
    """The published notice checked against ``organisation``'s registry (its only one when
    None); raises ``build.UnknownOrganisation``."""
    key = build.organisation_key(facts, organisation)
    gaps = check.check_notice(read, facts, key)
    return Checked(key, revision, gaps, check.findings(gaps, key))


class NoticeService:
    def __init__(self, judgement: JudgementService) -> None:
        self.judgement = judgement

    async def notice(
        self,
        organisation: str,
        language: str = "en",
        fmt: str = "html",
        as_of: str | int | None = None,
        on: dt.date | None = None,
    ) -> Rendered:
        """The organisation's notice as a file; raises ``build.UnknownOrganisation``,
        ``words.UnknownLanguage`` or ``render.UnknownFormat``."""
        render.check_format(fmt)
        judged = await self.judgement.judged(as_of, on)

        def make() -> Rendered:
            written = build.build_notice(
                judged.facts, judged.findings, organisation, language, judged.revision
            )
            content = render.render(written, fmt)
            name = render.filename(written, fmt)
            return Rendered(content, render.FORMATS[fmt], name, judged.revision)

        return await anyio.to_thread.run_sync(make)

    async def check(
        self,
        organisation: str,
        notice: bytes,
        fmt: str | None = None,
        as_of: str | int | None = None,
        on: dt.date | None = None,
    ) -> Checked:
        """The published notice (UTF-8 bytes in ``fmt``, or the format its content shows)
        checked; raises ``reading.UnreadableNotice`` or ``build.UnknownOrganisation``."""
        read = await anyio.to_thread.run_sync(lambda: reading.read_published(notice, fmt))
        judged = await self.judgement.judged(as_of, on)
        return await anyio.to_thread.run_sync(
            lambda: checked(read, judged.facts, organisation, judged.revision)
        )
