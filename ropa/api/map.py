"""The architects' interactive map as JSON, for the viewer."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from ropa.api.auth import needs
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.render.map import DataMap
from ropa.services.map import MapService


@get(
    "/map",
    operation_id="data_map",
    summary="The data map: systems, parties, flows and clusters",
    description="Every system and party of the organisation (or of all) with country, zone, "
    "trust boundary, business functions and open findings; every flow with its data categories, "
    "activity, and for a transfer its mechanism in words and destination; operator and "
    "sub-processor links; and the clusters the diagrams use. Drawn from the same derived facts "
    "as `/diagrams`, so the two agree.",
    tags=["diagrams"],
    responses=problem_responses(400, 404),
    opt=needs(Permission.READ_DIAGRAMS),
)
async def data_map(
    map_service: NamedDependency[MapService],
    organisation: Annotated[
        str | None, Parameter(description="Only this organisation.", max_length=128)
    ] = None,
    as_of: Annotated[
        str | None,
        Parameter(
            description="As the registry stood at this revision number or ISO 8601 date or time.",
            max_length=40,
        ),
    ] = None,
    on: Annotated[
        dt.date | None,
        Parameter(description="Judge the registry as on this day (default: today)."),
    ] = None,
) -> DataMap:
    return await map_service.map(organisation=organisation, as_of=as_of, on=on)


def map_router() -> Router:
    return Router(path="/", route_handlers=[data_map])
