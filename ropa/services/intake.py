"""A registry document read for import, with every problem it has reported at once.

The parser reports what does not fit the model; the import reports what entries say about
themselves and what they refer to. When the document does not fit, the entries are salvaged
(misfit values left out or stood in for) and checked for the rest too, so one answer lists
structural and semantic problems together, in document order.
"""

from __future__ import annotations

import anyio.to_thread

from ropa.domain import model as m
from ropa.domain.structure import in_document_order, salvage, under
from ropa.domain.validation import InvalidInput
from ropa.input.document import load_data, parse_document
from ropa.input.dpv import parse_dpv
from ropa.render.document import Format
from ropa.services.documents import DocumentService


async def read_document(
    raw: bytes, fmt: Format, documents: DocumentService, *, prune: bool = True
) -> m.RegistryDocument:
    try:
        return await anyio.to_thread.run_sync(parse_document, raw, fmt)
    except InvalidInput as error:
        if error.status != 422:
            raise
        data = load_data(raw, fmt)
        rescued = salvage(data, m.RegistryDocument) if isinstance(data, dict) else None
        if not isinstance(rescued, m.RegistryDocument):
            raise
        broken = [p.path for p in error.problems]
        more = []
        try:
            await documents.import_document(rescued, dry_run=True, prune=prune)
        except InvalidInput as semantic:
            more = [p for p in semantic.problems if not under(p.path, broken)]
        if not more:
            raise
        raise InvalidInput(in_document_order([*error.problems, *more], data)) from error


async def read_dpv_document(raw: bytes) -> m.RegistryDocument:
    """A registry document from the DPV JSON-LD that `ropa.render.dpv` writes."""
    return await anyio.to_thread.run_sync(parse_dpv, raw)
