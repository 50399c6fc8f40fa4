"""One shape for every file the API hands out: media type, file name, disposition, revision."""

from __future__ import annotations

from litestar import get
from litestar.testing import create_test_client

from ropa.api.downloads import download
from ropa.services.exports import Rendered


def test_a_rendered_file_answers_with_its_type_name_disposition_and_revision() -> None:
    notice = Rendered(b"# Notice", "text/markdown; charset=utf-8", "notice-acme-r7.md", 7)
    diagram = Rendered(b"<svg/>", "image/svg+xml", "organisation-acme-r7.svg", 7)

    @get("/notice", sync_to_thread=False)
    def notice_file() -> object:
        return download(notice, "inline")

    @get("/record", sync_to_thread=False)
    def record_file() -> object:
        return download(diagram)

    with create_test_client([notice_file, record_file]) as client:
        shown = client.get("/notice")
        saved = client.get("/record")
    assert shown.content == b"# Notice"
    assert shown.headers["content-type"] == "text/markdown; charset=utf-8"  # one charset
    assert shown.headers["content-disposition"] == 'inline; filename="notice-acme-r7.md"'
    assert shown.headers["x-registry-revision"] == "7"
    assert saved.headers["content-type"] == "image/svg+xml"
    assert saved.headers["content-disposition"] == 'attachment; filename="organisation-acme-r7.svg"'
