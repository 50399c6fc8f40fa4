"""Workbooks and diagrams of the registry, rendered off the event loop and cached by revision.

Rendering goes through the worker's `RenderGate` (ropa.services.render_limits): capped,
shared between identical requests, and stopped (``dot`` killed) once nobody waits for it.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio.to_thread

from ropa.render import diagram as diagrams
from ropa.render import dot as dot_format
from ropa.render import pdf as record_pdf
from ropa.render import xlsx
from ropa.services.judgement import JudgementService
from ropa.services.render_limits import RenderGate, run_dot

DIAGRAM_MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str
    revision: int


class _LRU:
    """A few rendered files, keyed by what they were made from (registry revision included)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.items: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Rendered | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], value: Rendered) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class ExportService:
    def __init__(self, judgement: JudgementService, gate: RenderGate | None = None) -> None:
        self.judgement = judgement
        self._cache = _LRU()
        self.gate = gate or RenderGate()

    async def _rendered(
        self,
        key: tuple[object, ...],
        revision: int,
        make: Callable[[], Awaitable[Rendered]],
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> Rendered:
        """A cached file, or one made under the worker's render cap (identical concurrent
        requests share one render; one nobody waits for any more is stopped)."""
        cached = self._cache.get((revision, *key))
        if cached is not None:
            return cached

        async def work() -> Rendered:
            result = await make()
            self._cache.put((revision, *key), result)
            return result

        return await self.gate.run((revision, *key), work, gone)

    async def workbook(
        self,
        *,
        organisation: str | None,
        profile: str = "ico",
        as_of: str | int | None = None,
        on: dt.date | None = None,
        edition: str = "regulator",
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> Rendered:
        """The Article 30 workbook; ``edition`` regulator (the default) or internal."""
        return await self._record("xlsx", organisation, profile, as_of, on, edition, gone)

    async def record_pdf(
        self,
        *,
        organisation: str | None,
        profile: str = "ico",
        as_of: str | int | None = None,
        on: dt.date | None = None,
        edition: str = "regulator",
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> Rendered:
        """The Article 30 record as a PDF, laid out by the same profile as the workbook."""
        return await self._record("pdf", organisation, profile, as_of, on, edition, gone)

    async def _record(
        self,
        fmt: str,
        organisation: str | None,
        profile: str,
        as_of: str | int | None,
        on: dt.date | None,
        edition: str,
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> Rendered:
        if edition not in xlsx.EDITIONS:
            raise xlsx.WorkbookError(
                f"unknown edition {edition!r}; expected one of {', '.join(xlsx.EDITIONS)}"
            )
        judged = await self.judgement.judged(as_of, on)
        revision, day = judged.revision, judged.day
        organisation = xlsx.organisation_for(judged.graph, organisation).key
        render = xlsx.workbook if fmt == "xlsx" else record_pdf.record_pdf
        media_type = xlsx.MEDIA_TYPE if fmt == "xlsx" else record_pdf.MEDIA_TYPE

        def make() -> Rendered:
            content = render(
                judged.facts,
                judged.findings,
                profile=profile,
                organisation=organisation,
                revision=revision,
                edition=edition,
            )
            suffix = "" if edition == "regulator" else f"-{edition}"
            name = f"article30-{organisation}-{profile}{suffix}-r{revision}.{fmt}"
            return Rendered(content, media_type, name, revision)

        async def in_thread() -> Rendered:
            return await anyio.to_thread.run_sync(make)

        key = (fmt, organisation, profile, edition, day)
        return await self._rendered(key, revision, in_thread, gone)

    async def records_index(self, visible: frozenset[str] | None) -> dict[str, object]:
        """What a reader may download: its organisations (all, or the ``visible`` ones), the
        profiles and the editions. An organisation not in the registry is left out, so the
        answer names nothing a token was not granted and nothing that does not exist."""
        judged = await self.judgement.judged(None, None, evaluate=False)
        organisations = [
            {"key": org.key, "name": org.name}
            for org in sorted(judged.graph.organisations.values(), key=lambda o: o.name)
            if visible is None or org.key in visible
        ]
        profiles = []
        for name in xlsx.profiles():
            spec = xlsx.load_profile(name)
            profiles.append({"name": name, "title": spec.title, "language": spec.language})
        return {
            "revision": judged.revision,
            "organisations": organisations,
            "profiles": profiles,
            "editions": list(xlsx.EDITIONS) if visible is None else ["regulator"],
        }

    async def diagram(
        self,
        view: str,
        fmt: str,
        *,
        organisation: str | None = None,
        activity: str | None = None,
        category: str | None = None,
        party: str | None = None,
        detail: str = "full",
        max_labels: int = 3,
        as_of: str | int | None = None,
        on: dt.date | None = None,
        gone: Callable[[], Awaitable[None]] | None = None,
    ) -> Rendered:
        if fmt not in dot_format.FORMATS:
            raise dot_format.UnknownFormat(
                f"unknown diagram format {fmt!r}; expected one of {', '.join(dot_format.FORMATS)}"
            )
        judged = await self.judgement.judged(as_of, on)
        revision, day = judged.revision, judged.day
        graph, found = judged.facts, judged.findings
        subject = activity or category or party or organisation or "registry"

        def text() -> str:
            return diagrams.dot(
                graph,
                found,
                view,
                organisation=organisation,
                activity=activity,
                category=category,
                party=party,
                detail=detail,
                max_labels=max_labels,
            )

        async def make() -> Rendered:
            source = await anyio.to_thread.run_sync(text)  # DOT of a big registry takes seconds
            content = source.encode() if fmt == "dot" else await run_dot(source, fmt)
            name = f"{view}-{subject}-r{revision}.{fmt}"
            return Rendered(content, DIAGRAM_MEDIA_TYPES[fmt], name, revision)

        key = (
            "diagram",
            view,
            fmt,
            organisation,
            activity,
            category,
            party,
            detail,
            max_labels,
            day,
        )
        return await self._rendered(key, revision, make, gone)
