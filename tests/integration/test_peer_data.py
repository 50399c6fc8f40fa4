"""The peer bench's data: ropa holds the same systems and declarations that Fides is given.

``bench.peer`` compares Fides and ropa on "the same data"; these tests hold ropa's side to the
Fides payloads, and check that the bench's batches and upserts are accepted and change what
they claim to change.
"""

from __future__ import annotations

import msgspec

from bench.peer import data, ropa_side
from ropa.domain import model as m
from ropa.render.document import canonical
from ropa.services import Services

N = 200


def test_every_declaration_is_an_activity_with_the_same_facts() -> None:
    for i in (0, 1, 77, N - 1):
        fides = data.fides_system(i, N)
        part = data.ropa_part(i, N)
        assert [s.key for s in part.systems] == [fides["fides_key"]]
        declarations = fides["privacy_declarations"]
        assert len(part.activities) == len(declarations) == data.DECLARATIONS
        for activity, declaration in zip(part.activities, declarations, strict=True):
            assert activity.systems == [fides["fides_key"]]
            assert activity.data_categories == [
                data.CATEGORIES[c] for c in declaration["data_categories"]
            ]
            assert activity.data_subjects == [
                data.SUBJECTS[s] for s in declaration["data_subjects"]
            ]
            basis = data.LEGAL_BASES[declaration["legal_basis_for_processing"]]
            assert [b.basis for b in activity.lawful_bases] == [basis]
            assert [r.period for r in activity.retention] == [
                data.RETENTION[declaration["retention_period"]]
            ]
            targets = sorted(f.target for f in part.flows if f.activity == activity.key)
            assert targets == sorted(f"system:{k}" for k in declaration["egress"])


def test_the_ring_wraps_around() -> None:
    last = data.fides_system(N - 1, N)
    assert last["privacy_declarations"][0]["egress"] == [data.system_key(0), data.system_key(1)]


async def test_batches_load_the_whole_registry(services: Services) -> None:
    for first in range(0, N, 50):
        await services.documents.import_document(data.ropa_document(N, first, 50), prune=False)
    stored = await services.documents.export()
    whole = data.ropa_document(N)
    assert (len(stored.systems), len(stored.activities), len(stored.flows)) == (N, 3 * N, 6 * N)
    assert msgspec.json.encode(canonical(stored)) == msgspec.json.encode(canonical(whole))


async def test_an_upsert_body_changes_the_system_and_its_first_activity(
    services: Services,
) -> None:
    await services.documents.import_document(data.ropa_document(N))
    method, path, body = ropa_side.upsert_lines(N)[5]
    assert (method, path) == ("POST", ropa_side.IMPORT_PATH)
    part = msgspec.json.decode(body.replace("__REV__", "7"), type=m.RegistryDocument)
    report = await services.documents.import_document(part, prune=False)
    changes = report.changes
    assert changes["systems"].updated == [data.system_key(5)]
    assert changes["activities"].updated == [f"{data.system_key(5)}-pd0"]
    assert changes["flows"].updated == [] and changes["flows"].created == []
    stored = await services.documents.export()
    system = next(s for s in stored.systems if s.key == data.system_key(5))
    assert system.description == "Synthetic system 5 rev 7"
