"""Questions asked of the judged registry: findings, lineage, impact, erasure, the registry
document as it stood, and what changed between two moments.

Each is one call for a face to make; all of them reach the registry through the judgement
service, so they read the same revision, facts and findings.
"""

from __future__ import annotations

import datetime as dt
import functools

import anyio.to_thread

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.lineage import (
    CategoryLineage,
    ErasureList,
    PartyImpact,
    category_lineage,
    erasure_parties,
    party_impact,
)
from ropa.render.dpv import MEDIA_TYPE as DPV_MEDIA_TYPE
from ropa.render.dpv import dump_dpv
from ropa.rules import Severity
from ropa.services.entities import scope_of
from ropa.services.errors import NotFound
from ropa.services.exports import Rendered
from ropa.services.findings import FindingsReport, report
from ropa.services.history import RegistryDiff, diff_documents
from ropa.services.judgement import JudgementService
from ropa.services.offload import render_off_loop


def scoped(document: m.RegistryDocument, organisation: str) -> m.RegistryDocument:
    """One organisation's part of a registry document, with every vocabulary term."""
    if not any(o.key == organisation for o in document.organisations):
        raise NotFound(f"no organisation with key `{organisation}`")
    known = {("activity", a.key): a.organisation for a in document.activities}
    parts: dict[str, list[m.Entity]] = {}
    for kind, spec in KINDS.items():
        entities: list[m.Entity] = getattr(document, spec.collection)
        if kind == "term":
            parts[spec.collection] = list(entities)
        else:
            parts[spec.collection] = [e for e in entities if scope_of(e, known) == organisation]
    return m.RegistryDocument(**parts)  # type: ignore[arg-type]


class QueryService:
    def __init__(self, judgement: JudgementService) -> None:
        self.judgement = judgement

    async def findings(
        self,
        *,
        organisation: str | None = None,
        activity: str | None = None,
        severity: Severity | None = None,
        rule: str | None = None,
        include_waived: bool = True,
        as_of: str | int | None = None,
        on: dt.date | None = None,
    ) -> FindingsReport:
        judged = await self.judgement.judged(as_of, on)
        if organisation is not None and organisation not in judged.graph.organisations:
            raise NotFound(f"no organisation with key `{organisation}`")
        made = functools.partial(
            report,
            judged.facts,
            judged.findings,
            revision=judged.revision,
            organisation=organisation,
            activity=activity,
            severity=severity,
            rule=rule,
            include_waived=include_waived,
        )
        return await anyio.to_thread.run_sync(made)  # completeness scores walk every activity

    async def lineage(self, category: str, organisation: str | None = None) -> CategoryLineage:
        judged = await self.judgement.judged()
        if category not in judged.graph.categories:
            raise NotFound(f"no data category `{category}`")
        return category_lineage(judged.facts, category, organisation)

    async def impact(self, party: str) -> PartyImpact:
        judged = await self.judgement.judged()
        if party not in judged.graph.parties:
            raise NotFound(f"no party with key `{party}`")
        return party_impact(judged.facts, party)

    async def erasure(self, data_subject: str, organisation: str | None = None) -> ErasureList:
        judged = await self.judgement.judged()
        if data_subject not in judged.graph.subject_categories:
            raise NotFound(f"no data-subject category `{data_subject}`")
        return erasure_parties(judged.facts, data_subject, organisation)

    async def document(
        self, organisation: str | None = None, as_of: str | int | None = None
    ) -> tuple[int, m.RegistryDocument]:
        """The registry document (whole, or one organisation's) and its revision."""
        judged = await self.judgement.judged(as_of, evaluate=False)
        document = judged.document
        if organisation is not None:
            document = scoped(document, organisation)
        return judged.revision, document

    async def dpv(
        self, organisation: str | None = None, as_of: str | int | None = None
    ) -> Rendered:
        """The registry (whole, or one organisation's) as DPV JSON-LD."""
        revision, document = await self.document(organisation, as_of)
        content = await render_off_loop(dump_dpv, document)
        name = f"ropa-{organisation or 'registry'}.jsonld"
        return Rendered(content, DPV_MEDIA_TYPE, name, revision)

    async def diff(
        self, start: str, end: str | None = None, organisation: str | None = None
    ) -> RegistryDiff:
        """What changed between two moments (``end`` defaults to now)."""
        first = await self.judgement.moment(start, "from")
        last = await self.judgement.moment(end, "to") if end is not None else None
        before = await self.judgement.judged(first, evaluate=False)
        after = await self.judgement.judged(last, evaluate=False)
        old, new = before.document, after.document
        if organisation is not None:
            old, new = scoped(old, organisation), scoped(new, organisation)
        return diff_documents(old, new, before.revision, after.revision)
