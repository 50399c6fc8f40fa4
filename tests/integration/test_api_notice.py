"""The notice and the notice check through the API, on both engines, with role checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ropa.notice import reading

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "examples" / "softphone-provider.yaml").read_bytes()
SEEDS = Path("/work/shared/seeds")
ITNET_POLICY = (ROOT / "tests" / "fixtures" / "seeds" / "itnet.yaml").read_bytes()


async def _load(client, document: bytes = EXAMPLE) -> None:
    response = await client.post(
        "/api/v1/registry/import", content=document, headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 200, response.text


async def test_notice_in_each_format_and_language(client) -> None:
    await _load(client)
    html = await client.get("/api/v1/organisations/sprechwerk/notice")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert 'filename="notice-sprechwerk-en-r1.html"' in html.headers["content-disposition"]
    assert '<html lang="en">' in html.text and 'data-ref="party:google-fcm"' in html.text
    again = await client.get("/api/v1/organisations/sprechwerk/notice")
    assert again.content == html.content  # same revision, same bytes
    german = await client.get(
        "/api/v1/organisations/sprechwerk/notice", params={"language": "de", "format": "md"}
    )
    assert german.status_code == 200 and german.text.startswith("# Datenschutzhinweise")
    pdf = await client.get(
        "/api/v1/organisations/sprechwerk/notice", params={"language": "fr", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment")


async def test_notice_bad_requests_change_nothing(client) -> None:
    await _load(client)
    bad_language = await client.get(
        "/api/v1/organisations/sprechwerk/notice", params={"language": "es"}
    )
    assert bad_language.status_code == 400
    assert bad_language.json()["errors"][0]["path"] == "query.language"
    bad_format = await client.get(
        "/api/v1/organisations/sprechwerk/notice", params={"format": "docx"}
    )
    assert bad_format.status_code == 400
    assert bad_format.json()["errors"][0]["path"] == "query.format"
    missing = await client.get("/api/v1/organisations/nobody/notice")
    assert missing.status_code == 404
    binary = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        content=b"\xff\xfe\x00bad",
        headers={"content-type": "text/plain"},
    )
    assert binary.status_code == 400 and binary.json()["errors"][0]["path"] == "body"
    empty = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        content=b"   ",
        headers={"content-type": "text/plain"},
    )
    assert empty.status_code == 400


async def test_generated_notice_checks_clean_and_a_gap_is_named(client) -> None:
    await _load(client)
    notice = await client.get("/api/v1/organisations/sprechwerk/notice", params={"format": "md"})
    checked = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        content=notice.content,
        headers={"content-type": "text/markdown"},
    )
    assert checked.status_code == 200
    assert checked.json() == {"organisation": "sprechwerk", "revision": 1, "gaps": []}
    cut = "\n".join(
        line for line in notice.text.splitlines() if "dpo@sprechwerk.example" not in line
    )
    gaps = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        content=cut.encode(),
        headers={"content-type": "text/markdown"},
    )
    assert [g["id"] for g in gaps.json()["gaps"]] == [
        "NOTICE-DPO-CONTACT-MISSING@organisation:sprechwerk"
    ]
    sarif = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        params={"output": "sarif"},
        content=cut.encode(),
        headers={"content-type": "text/markdown"},
    )
    results = sarif.json()["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NOTICE-DPO-CONTACT-MISSING"]


async def test_regulator_reads_only_its_organisations_notice(client) -> None:
    await _load(client)
    await _load(client, ITNET_POLICY)
    issued = await client.post(
        "/api/v1/tokens",
        json={"name": "bfdi", "role": "regulator", "organisations": ["sprechwerk"]},
    )
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    own = await client.get("/api/v1/organisations/sprechwerk/notice", headers=headers)
    assert own.status_code == 200
    other = await client.get("/api/v1/organisations/itnet/notice", headers=headers)
    assert other.status_code == 403
    check = await client.post(
        "/api/v1/organisations/itnet/notice-check",
        content=b"We are iTNet.",
        headers={**headers, "content-type": "text/plain"},
    )
    assert check.status_code == 403


async def test_hostile_notice_bodies_are_refused_by_name(client) -> None:
    """Bodies no notice check can read get a 4xx problem naming what is wrong."""
    await _load(client)
    url = "/api/v1/organisations/sprechwerk/notice-check"

    async def post(body: bytes, media: str | None) -> Any:
        headers = {"content-type": media} if media else {}
        return await client.post(url, content=body, headers=headers)

    for media in ("application/json", "image/png", "application/x-www-form-urlencoded"):
        refused = await post(b'{"notice": "We never share."}', media)
        assert refused.status_code == 415, media
        assert "text/plain" in refused.json()["detail"] and media in refused.json()["detail"]
    latin1 = await post("Datenschutzerklärung".encode("latin-1"), "text/plain; charset=latin-1")
    assert latin1.status_code == 400 and "not UTF-8" in latin1.json()["errors"][0]["message"]
    empty = await post(b"", "text/plain")
    assert empty.status_code == 400 and "no text" in empty.json()["errors"][0]["message"]
    scripts_only = await post(b"<html><script>alert('x')</script><style>p{}</style></html>", None)
    assert scripts_only.status_code == 400
    lines = await post(b"line\n" * (reading.MAX_PASSAGES + 1), "text/plain")
    assert lines.status_code == 400
    assert f"{reading.MAX_PASSAGES + 1:,} passages" in lines.json()["errors"][0]["message"]
    one_long_paragraph = await post(b"We keep data. " * 20_000, "text/plain")
    assert one_long_paragraph.status_code == 400
    assert "characters" in one_long_paragraph.json()["errors"][0]["message"]
    too_big = await post(b"x" * (2 << 20), "text/plain")
    assert too_big.status_code == 413


async def test_script_in_a_notice_is_not_read_and_not_echoed(client) -> None:
    """HTML with scripts is read for its text only; the script's text appears in no gap."""
    await _load(client)
    page = (
        b"<!doctype html><html><head><script>var t='we never share your data';</script></head>"
        b"<body><p>Sprechwerk Telefonie GmbH <img src=x onerror=alert(1)></p>"
        b"<script>document.write('<p>We never share your data with anyone.</p>')</script>"
        b"</body></html>"
    )
    checked = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check",
        content=page,
        headers={"content-type": "text/html"},
    )
    assert checked.status_code == 200
    gaps = checked.json()["gaps"]
    assert not [g for g in gaps if g["check"] == "NOTICE-SHARING-CONTRADICTED"]
    assert "alert(" not in checked.text and "document.write" not in checked.text
    assert {g["check"] for g in gaps} >= {"NOTICE-RECIPIENT-MISSING", "NOTICE-DPO-CONTACT-MISSING"}
    sniffed = await client.post(
        "/api/v1/organisations/sprechwerk/notice-check", content=page, headers={}
    )
    assert sniffed.status_code == 200 and sniffed.json()["gaps"] == gaps
