"""Findings, and the lineage and impact queries, over the registry graph."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Router, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from ropa.api.auth import needs, visible_organisation
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.lineage import CategoryLineage, ErasureList, PartyImpact
from ropa.rules import Severity
from ropa.services.findings import FindingsReport
from ropa.services.queries import QueryService

Organisation = Annotated[
    str | None, Parameter(description="Only this organisation.", max_length=128)
]


@get(
    "/findings",
    operation_id="list_findings",
    summary="Findings of the rules over the registry",
    description="Every finding with its rule, severity, article and remedy; waived findings "
    "are included with their waiver unless `include_waived=false`. `counts` are the open "
    "findings listed per severity, `waived` the listed ones a waiver hides, `total` all listed; "
    "completeness scores per activity and organisation come with them. An unknown "
    "organisation is a 404.",
    tags=["findings"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_FINDINGS),
)
async def list_findings(
    request: Request[Any, Any, Any],
    query_service: NamedDependency[QueryService],
    organisation: Organisation = None,
    activity: Annotated[
        str | None, Parameter(description="Only this activity.", max_length=128)
    ] = None,
    severity: Annotated[Severity | None, Parameter(description="Only this severity.")] = None,
    rule: Annotated[str | None, Parameter(description="Only this rule id.", max_length=80)] = None,
    include_waived: Annotated[
        bool, Parameter(description="Include findings hidden by a waiver in force.")
    ] = True,
    on: Annotated[
        dt.date | None,
        Parameter(
            description="Judge the registry as on this day (default: today, or the day of `as_of`)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Parameter(
            description="The findings of the registry as it stood at this revision number or "
            "ISO 8601 date or time.",
            max_length=40,
        ),
    ] = None,
) -> FindingsReport:
    return await query_service.findings(
        organisation=visible_organisation(request, organisation),
        activity=activity,
        severity=severity,
        rule=rule,
        include_waived=include_waived,
        as_of=as_of,
        on=on,
    )


@get(
    "/lineage/data-categories/{category:str}",
    operation_id="data_category_lineage",
    summary="Where a data category goes",
    description="Every system and party the category reaches, with countries and transfer "
    "mechanisms, and the activities that declare it.",
    tags=["lineage"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_REGISTRY),
)
async def lineage_of_category(
    query_service: NamedDependency[QueryService],
    category: Annotated[str, Parameter(max_length=128)],
    organisation: Organisation = None,
) -> CategoryLineage:
    return await query_service.lineage(category, organisation)


@get(
    "/impact/parties/{key:str}",
    operation_id="party_breach_impact",
    summary="What a breach at a party exposes",
    description="Activities, organisations, data and data-subject categories and countries "
    "exposed if the party, a system it operates or one of its sub-processors is breached "
    "(Art 33 triage).",
    tags=["lineage"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_REGISTRY),
)
async def impact_of_party(
    query_service: NamedDependency[QueryService], key: Annotated[str, Parameter(max_length=128)]
) -> PartyImpact:
    return await query_service.impact(key)


@get(
    "/erasure/data-subjects/{category:str}",
    operation_id="erasure_parties",
    summary="Who must act on an erasure request",
    description="The parties holding data of a category of data subjects, directly or as "
    "sub-processors, with their contact (Art 17, 19).",
    tags=["lineage"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_REGISTRY),
)
async def erasure_for_subject(
    query_service: NamedDependency[QueryService],
    category: Annotated[str, Parameter(max_length=128)],
    organisation: Organisation = None,
) -> ErasureList:
    return await query_service.erasure(category, organisation)


def findings_router() -> Router:
    return Router(
        path="/",
        route_handlers=[list_findings, lineage_of_category, impact_of_party, erasure_for_subject],
    )
