"""The viewer's page at /viewer/ as a whole: the token prompt, where a regulator goes, the
downloads, the headers; the real service in a subprocess and headless Chromium (the shared setup
is in conftest.py). The map's own features are in test_web_map.py.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import MapPage, Service


def test_root_asks_for_a_token_then_opens_the_map(mapped: MapPage) -> None:
    page = mapped.page
    page.goto(f"{mapped.service.url}/")
    assert page.url == f"{mapped.service.url}/viewer/"
    mapped.screenshot("viewer-token-prompt")
    mapped.sign_in("ropa_not-a-real-token")
    expect(page.locator("#login-message")).to_contain_text("refused")
    mapped.sign_in(mapped.service.token)
    mapped.wait()
    expect(page.locator("#login")).to_be_hidden()
    token = page.evaluate("() => sessionStorage.getItem('ropa.viewer.token')")
    assert token == mapped.service.token
    assert page.input_value("#organisation-select") == "sprechwerk"
    assert {"system:push-relay", "party:apple-apns"} <= mapped.shown()
    assert "flow:push-to-fcm" in mapped.edges()
    mapped.screenshot("viewer-organisation")

    # A token revoked while the page is open: the next call gets 401 and the prompt returns.
    page.evaluate("() => sessionStorage.setItem('ropa.viewer.token', 'ropa_revoked')")
    page.select_option("#organisation-select", "bulk")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#login-message")).to_contain_text("refused the token")
    mapped.rerendered(lambda: mapped.sign_in(mapped.service.token))
    assert page.input_value("#organisation-select") == "bulk"


def test_a_regulator_token_lands_on_the_records_page(mapped: MapPage) -> None:
    page = mapped.page
    with page.expect_navigation(url="**/records/"):
        mapped.open(token=mapped.service.regulator)
    assert page.url == f"{mapped.service.url}/records/"
    mapped.screenshot("viewer-regulator")


def test_a_large_organisation_opens_collapsed(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open("#organisation=bulk")
    systems = mapped.service.json("/api/v1/map?organisation=bulk")["nodes"]
    assert len(systems) > 150
    groups = mapped.groups()
    assert groups and len(mapped.shown()) < 20
    expect(page.locator("#status")).to_contain_text("collapsed")
    mapped.screenshot("viewer-large-collapsed")
    mapped.rerendered(lambda: page.click("#expand-all"))
    assert len(mapped.shown()) == len(systems)


def _download(mapped: MapPage, button: str) -> tuple[bytes, str]:
    with mapped.page.expect_download() as info:
        mapped.page.click(f'button[data-download="{button}"]')
    download = info.value
    return Path(download.path()).read_bytes(), download.suggested_filename


DIAGRAMS = {"svg": (b"<?xml", b"<svg"), "png": (b"\x89PNG\r\n\x1a\n",), "dot": (b"digraph",)}


def test_downloads_give_the_servers_diagrams_of_what_the_map_shows(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open("#organisation=sprechwerk&activity=push-notifications")
    service = mapped.service
    cases = [
        ("activity", "full", "&activity=push-notifications"),
        ("organisation", "cluster", ""),
        ("transfers", "full", ""),
    ]
    for view, detail, extra in cases:
        page.select_option("#diagram-view", view)
        page.select_option("#diagram-detail", detail)
        for button, magic in DIAGRAMS.items():
            content, name = _download(mapped, button)
            assert content.startswith(magic), (view, button, content[:40])
            path = f"/api/v1/diagrams/{view}.{button}?organisation=sprechwerk&detail={detail}"
            body, headers = service.get(path + extra)
            assert f'filename="{name}"' in headers["content-disposition"]
            if button != "png":  # the API's own bytes (a PNG may differ in its metadata)
                assert content == body, (view, button)
    # A party's diagram needs a party: chosen on the map, it is the one downloaded.
    page.select_option("#diagram-view", "party")
    page.click('button[data-download="dot"]')
    expect(page.locator("#status")).to_contain_text("Select or focus on a party")
    assert page.input_value("#f-activity") == "Push notifications for incoming calls and messages"
    page.fill("#f-activity", "")
    mapped.rerendered(lambda: page.press("#f-activity", "Enter"))
    mapped.tap("party:trunk-eu")
    expect(page.locator("#panel-title")).to_have_text("Polder Carrier Services B.V.")
    content, _ = _download(mapped, "dot")
    body, _ = service.get("/api/v1/diagrams/party.dot?organisation=sprechwerk&party=trunk-eu")
    assert content == body and b"Polder Carrier Services" in content
    # The data category traced gives its lineage.
    mapped.rerendered(lambda: page.select_option("#trace-select", "phone_number"))
    page.select_option("#diagram-view", "category")
    content, _ = _download(mapped, "dot")
    path = "/api/v1/diagrams/category.dot?organisation=sprechwerk&category=phone_number"
    assert content == service.get(path)[0]
    # And the Article 30 workbook, in the layout chosen.
    page.select_option("#profile-select", "cnil")
    content, name = _download(mapped, "xlsx")
    path = "/api/v1/exports/article30.xlsx?organisation=sprechwerk&profile=cnil"
    body, headers = service.get(path)
    assert content == body and f'filename="{name}"' in headers["content-disposition"]
    expect(page.locator("#status")).to_contain_text("Downloaded")
    mapped.screenshot("viewer-downloads")


def test_page_headers_and_public_paths(service: Service) -> None:
    with urllib.request.urlopen(f"{service.url}/viewer", timeout=10) as response:
        assert response.url == f"{service.url}/viewer/"
    with urllib.request.urlopen(f"{service.url}/viewer/", timeout=10) as response:
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"js/map.js" in response.read()  # one viewer: the map
    with urllib.request.urlopen(f"{service.url}/viewer/js/map.js", timeout=10) as response:
        assert "javascript" in response.headers["content-type"]
    with urllib.request.urlopen(f"{service.url}/viewer/vendor/cytoscape.min.js", timeout=10) as r:
        assert r.status == 200  # served from here, never from a CDN
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{service.url}/api/v1/organisations", timeout=10)
    assert refused.value.code == 401
