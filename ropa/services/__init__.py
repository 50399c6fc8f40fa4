"""Plain functions and services the faces (API, CLI) call; no framework imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine

from ropa.domain.vocabulary import Vocabularies, builtin
from ropa.services.documents import DocumentService
from ropa.services.entities import EntityService
from ropa.services.exports import ExportService
from ropa.services.judgement import JudgementService
from ropa.services.map import MapService
from ropa.services.notice import NoticeService
from ropa.services.queries import QueryService
from ropa.services.status import StatusService
from ropa.store.repository import Repository

if TYPE_CHECKING:
    from ropa.auth.tokens import TokenService


@dataclass(frozen=True)
class Services:
    engine: Engine[Any]
    repository: Repository
    vocabularies: Vocabularies
    entities: EntityService
    documents: DocumentService
    judgement: JudgementService
    queries: QueryService
    exports: ExportService
    status: StatusService
    tokens: TokenService
    map: MapService
    notice: NoticeService


def build_services(engine: Engine[Any], vocabularies: Vocabularies | None = None) -> Services:
    # ropa.auth.tokens raises this package's errors, so it is imported once the package is.
    from ropa.auth.tokens import TokenService

    vocab = vocabularies or builtin()
    repository = Repository(engine)
    documents = DocumentService(repository, vocab)
    judgement = JudgementService(documents, vocab)
    return Services(
        engine=engine,
        repository=repository,
        vocabularies=vocab,
        entities=EntityService(repository, vocab),
        documents=documents,
        judgement=judgement,
        queries=QueryService(judgement),
        exports=ExportService(judgement),
        status=StatusService(repository),
        tokens=TokenService(repository.tokens),
        map=MapService(judgement),
        notice=NoticeService(judgement),
    )
