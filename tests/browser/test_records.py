"""The records page in headless Chromium (Debian's /usr/bin/chromium, through Playwright): a
regulator's token sees its own organisations only and downloads their record; a DPO's token is
offered both editions; a German reader reads German. A screenshot goes to tests/artifacts/.

It uses the browser session and the service of tests/browser/conftest.py (the example and the
extra registry, with a regulator's and a DPO's token).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from conftest import Service

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _open(browser: Browser, service: Service, token: str, locale: str = "en-GB") -> Page:
    context = browser.new_context(
        locale=locale, accept_downloads=True, viewport={"width": 1200, "height": 800}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{service.url}/records/")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#token-input", token)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("section.organisation")
    assert errors == []
    return page


def test_a_regulator_sees_its_organisations_and_downloads_their_record(
    chromium: Browser, service: Service, hostile: dict[str, str]
) -> None:
    page = _open(chromium, service, service.regulator)
    sections = page.locator("section.organisation")
    assert sections.evaluate_all("all => all.map(s => s.dataset.organisation)") == ["sprechwerk"]
    expect(sections.locator("h3")).to_have_text("Sprechwerk Telefonie GmbH")
    assert hostile["organisation"] not in page.locator("body").inner_text()
    assert "Wide Systems GmbH" not in page.locator("body").inner_text()
    rows = sections.locator("tbody tr")
    profiles = rows.evaluate_all("all => all.map(r => r.dataset.profile)")
    assert sorted(profiles) == ["cnil", "de", "ico"]
    expect(page.locator("tr[data-profile=ico] th")).to_contain_text("UK ICO")
    editions = page.locator("button[data-edition]").evaluate_all(
        "all => [...new Set(all.map(b => b.dataset.edition))]"
    )
    assert editions == ["regulator"]
    expect(page.locator("#viewer-link")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "records-page-regulator.png"), full_page=True)

    for profile, fmt, magic in (("cnil", "xlsx", b"PK"), ("de", "pdf", b"%PDF-")):
        button = page.locator(f"tr[data-profile={profile}] button[data-format={fmt}]")
        with page.expect_download() as event:
            button.click()
        download = event.value
        assert re.fullmatch(
            rf"article30-sprechwerk-{profile}-r\d+\.{fmt}", download.suggested_filename
        )
        assert Path(download.path()).read_bytes().startswith(magic)
        expect(page.locator("#status")).to_contain_text(download.suggested_filename)

    # The organisation's privacy notice, written from the same record, in each language.
    notices = sections.locator("button[data-notice]")
    assert sorted(notices.evaluate_all("all => all.map(b => b.dataset.notice)")) == [
        f"{language}-{fmt}" for language in ("de", "en", "fr") for fmt in ("html", "pdf")
    ]
    with page.expect_download() as event:
        page.locator("button[data-notice=fr-html]").click()
    text = Path(event.value.path()).read_text(encoding="utf-8")
    assert '<html lang="fr"' in text and "Sprechwerk Telefonie GmbH" in text
    page.context.close()


def test_a_dpo_is_offered_both_editions_and_a_german_reader_reads_german(
    chromium: Browser, service: Service
) -> None:
    page = _open(chromium, service, service.dpo, locale="de-DE")
    assert page.locator("html").get_attribute("lang") == "de"
    keys = page.locator("section.organisation").evaluate_all(
        "all => all.map(s => s.dataset.organisation)"
    )
    assert sorted(keys) == ["bulk", "sprechwerk", "zeta"]
    expect(page.locator("thead th").nth(1)).to_contain_text("Ausgabe für die Aufsichtsbehörde")
    expect(page.locator("thead th").nth(2)).to_contain_text("Interne Ausgabe")
    expect(page.locator("#viewer-link")).to_be_visible()
    button = page.locator(
        "section[data-organisation=sprechwerk] tr[data-profile=ico] "
        "button[data-format=xlsx][data-edition=internal]"
    )
    with page.expect_download() as event:
        button.click()
    assert re.fullmatch(
        r"article30-sprechwerk-ico-internal-r\d+\.xlsx", event.value.suggested_filename
    )
    page.context.close()
