"""Incremental judgement through the service, on both engines: a write made through one
worker's services is judged correctly by another worker's JudgementService, which catches up
from the audit trail."""

from __future__ import annotations

import datetime as dt

import msgspec

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.services import Services, build_services
from ropa.services.judgement import judge

DAY = dt.date(2026, 12, 1)


async def _full(services: Services) -> list[str]:
    document = await services.documents.export()
    return [
        msgspec.json.encode(f).decode()
        for f in judge(document, services.vocabularies, DAY).findings
    ]


async def _seen(services: Services) -> list[str]:
    judged = await services.judgement.judged(on=DAY)
    return [msgspec.json.encode(f).decode() for f in judged.findings]


async def test_a_second_worker_judges_each_write_incrementally(services: Services) -> None:
    await services.documents.import_document(generate(30, seed=3))
    other = build_services(services.engine, services.vocabularies)
    assert await _seen(services) == await _seen(other) == await _full(services)
    document = await services.documents.export()
    activity, flow = document.activities[0], document.flows[1]
    system, party = document.systems[0], document.parties[0]
    edits: list[tuple[str, m.Entity | str]] = [
        ("activity", msgspec.structs.replace(activity, status=m.ActivityStatus.RETIRED)),
        ("flow", msgspec.structs.replace(flow, transfer=None)),
        ("system", msgspec.structs.replace(system, hosting_country="US")),
        ("party", msgspec.structs.replace(party, country="IN", contract=None)),
        ("flow", document.flows[2].key),
    ]
    for kind, edit in edits:
        key = edit if isinstance(edit, str) else edit.key
        version = (await services.entities.get(kind, key)).version
        if isinstance(edit, str):
            await services.entities.delete(kind, key, version)
        else:
            await services.entities.replace(kind, key, edit, version)
        expected = await _full(services)
        assert await _seen(other) == expected
        assert await _seen(services) == expected
    assert other.judgement.steps == len(edits)
    assert services.judgement.steps == len(edits)
