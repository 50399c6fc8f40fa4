"""A rendered file as an HTTP answer: one shape for the record, the diagrams and the notice."""

from __future__ import annotations

from typing import Literal

from litestar import Response

from ropa.services.exports import Rendered

Disposition = Literal["attachment", "inline"]


def download(rendered: Rendered, disposition: Disposition = "attachment") -> Response[bytes]:
    """``rendered`` with its media type (Litestar adds ``charset=utf-8`` to text types), its
    file name in ``Content-Disposition`` (``inline`` to show it in the browser, ``attachment``
    to save it), and the registry revision it was made from in ``X-Registry-Revision``."""
    return Response(
        content=rendered.content,
        media_type=rendered.media_type.partition(";")[0].strip(),
        headers={
            "Content-Disposition": f'{disposition}; filename="{rendered.filename}"',
            "X-Registry-Revision": str(rendered.revision),
        },
    )
