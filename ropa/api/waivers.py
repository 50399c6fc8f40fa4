"""Creating a waiver from a finding id and a reason; the rest is filled in."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from ropa.api.auth import needs, principal_of
from ropa.api.etags import etag
from ropa.api.problems import problem_responses
from ropa.auth.roles import Permission
from ropa.domain.model import Waiver
from ropa.services.waivers import WaiverDraft, WaiverService


def create_waiver_handler() -> HTTPRouteHandler:
    async def create_waiver(
        request: Request[Any, Any, Any],
        waiver_service: NamedDependency[WaiverService],
        data: JSONBody[WaiverDraft],
    ) -> Response[Waiver]:
        principal = principal_of(request)
        stored = await waiver_service.create(data, principal.name, principal.actor)
        return Response(
            content=cast(Any, stored.body.encode()),  # the waiver, encoded
            status_code=HTTP_201_CREATED,
            media_type="application/json",
            headers={"ETag": etag(stored.version), "Location": f"/api/v1/waivers/{stored.key}"},
        )

    return post(
        "/",
        operation_id="create_waiver",
        summary="Accept a finding with a waiver",
        description="Only `finding` (its id, as the findings list shows it) and `reason` are "
        "needed. The key is made from the finding id, the organisation is the finding's, "
        "`accepted_by` is the token's holder, `accepted_on` today, and `expires_on` defaults "
        "to the longest term allowed (`ROPA_WAIVER_MAX_DAYS`, one year by default); a later "
        "expiry is refused. A waiver whose finding no rule finds is reported as the finding "
        "WAIVER-UNMATCHED.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(400, 409, 413, 422),
        opt=needs(Permission.WRITE_REGISTRY) | {"body_type": WaiverDraft},
    )(create_waiver)
