"""The notice for the API: written or checked off the event loop, from the judged registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import anyio.to_thread

from ropa.notice import build, check, reading, render
from ropa.rules.engine import Finding
from ropa.services.exports import Rendered
from ropa.services.judgement import JudgementService


@dataclass(frozen=True, slots=True)
class Checked:
    organisation: str
    revision: int
    gaps: list[check.NoticeGap]
    findings: list[Finding]


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
        read: reading.Read,
        as_of: str | int | None = None,
        on: dt.date | None = None,
    ) -> Checked:
        judged = await self.judgement.judged(as_of, on)

        def work() -> Checked:
            key = build.organisation_key(judged.facts, organisation)
            gaps = check.check_notice(read, judged.facts, key)
            return Checked(key, judged.revision, gaps, check.findings(gaps, key))

        return await anyio.to_thread.run_sync(work)
