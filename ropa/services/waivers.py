"""Waivers as a DPO writes them: a finding id and a reason; the rest is filled in.

The key comes from the finding id (made unique), the organisation from the entity the finding
is about, ``accepted_by`` from who asks, ``accepted_on`` is today and ``expires_on`` defaults to
the longest term allowed. An expiry beyond that term is refused. The registry document carries
full waivers and is imported as written: these rules are for the API's writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated

import msgspec
from msgspec import Meta

from ropa.domain import model as m
from ropa.domain.suggest import did_you_mean
from ropa.domain.validation import InvalidInput, Problem
from ropa.services.entities import EntityService
from ropa.services.judgement import JudgementService
from ropa.store.repository import StoredEntity

_NOT_KEY = re.compile(r"[^a-z0-9._-]+")


class WaiverDraft(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """A new waiver: the finding id and the reason are required, the rest is filled in."""

    finding: Annotated[
        str,
        Meta(
            min_length=3,
            max_length=300,
            pattern=m.FINDING_PATTERN,
            description="The id of the finding accepted, as the findings list shows it: "
            "`RULE@kind:key`.",
            examples=["TRANSFER-TIA-MISSING@flow:call-trunk-us"],
        ),
    ]
    reason: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=20_000,
            description="Why the finding is accepted for now, and what will end it.",
            examples=["TIA with the US carrier is in review; signed off by the end of Q1."],
        ),
    ]
    key: m.Key | None = None
    """Default: made from the finding id, e.g. `transfer-tia-missing-flow-call-trunk-us`."""
    organisation: m.Key | None = None
    """Default: the organisation of the entity the finding is about."""
    accepted_by: m.Name | None = None
    """Default: the name of the token's holder."""
    accepted_on: dt.date | None = None
    """Default: today."""
    expires_on: dt.date | None = None
    """Default: the longest term allowed (one year unless configured otherwise)."""


def key_for(finding: str) -> str:
    """A waiver key from a finding id: ``RECORD-STALE@activity:push`` gives
    ``record-stale-activity-push``."""
    key = _NOT_KEY.sub("-", finding.lower()).strip("-._")[:120]
    return key or "waiver"


class WaiverService:
    def __init__(
        self,
        entities: EntityService,
        judgement: JudgementService,
        max_days: int = 365,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.entities = entities
        self.judgement = judgement
        self.max_days = max_days
        self.today = today

    def latest_expiry(self) -> dt.date:
        return self.today() + dt.timedelta(days=self.max_days)

    def policy(self, entity: m.Entity) -> list[Problem]:
        """The expiry limit, checked on every waiver the API writes."""
        if not isinstance(entity, m.Waiver):
            return []
        latest = self.latest_expiry()
        if entity.expires_on <= latest:
            return []
        return [
            Problem(
                "$.expires_on",
                f"a waiver may run at most {self.max_days} days: expires_on must be "
                f"{latest.isoformat()} or earlier, not {entity.expires_on.isoformat()}",
            )
        ]

    async def create(self, draft: WaiverDraft, holder: str, actor: str) -> StoredEntity:
        organisation = draft.organisation or await self._organisation_of(draft.finding)
        waiver = m.Waiver(
            key=draft.key or await self._free_key(key_for(draft.finding)),
            organisation=organisation,
            finding=draft.finding,
            reason=draft.reason,
            accepted_by=draft.accepted_by or holder,
            accepted_on=draft.accepted_on or self.today(),
            expires_on=draft.expires_on or self.latest_expiry(),
        )
        return await self.entities.create(waiver, actor)

    async def _organisation_of(self, finding: str) -> str:
        entity = finding.partition("@")[2].partition("/")[0]
        kind, _, key = entity.partition(":")
        stored = None
        if kind in ("organisation", "activity", "processor_record", "system", "party", "flow"):
            stored = await self.entities.repository.get(kind, key)
        if stored is not None:
            return stored.scope
        judged = await self.judgement.judged()
        guess = did_you_mean(finding, [f.id for f in judged.findings])
        raise InvalidInput(
            [
                Problem(
                    "$.finding",
                    f"`{entity}` is no entity of the registry, so the waiver's organisation "
                    "is unknown"
                    + (
                        f"; {guess}"
                        if guess
                        else "; give `organisation` or a finding id from the findings list"
                    ),
                )
            ]
        )

    async def _free_key(self, base: str) -> str:
        key, number = base, 1
        while await self.entities.repository.get("waiver", key) is not None:
            number += 1
            key = f"{base[:120]}-{number}"
        return key
