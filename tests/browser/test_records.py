"""The records page in headless Chromium (Debian's /usr/bin/chromium, through Playwright): a
regulator's token sees its own organisations only and downloads their record; a DPO's token is
offered both editions; a German reader reads German. A screenshot goes to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
OTHER = "Other Organisation Ltd"

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    MISSING: str | None = "Playwright is not installed (uv sync --dev installs it)"
else:
    MISSING = None if CHROMIUM.is_file() else f"{CHROMIUM} is missing (apt-get install chromium)"
if MISSING:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {MISSING}", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)


@dataclass
class Service:
    url: str
    regulator: str
    dpo: str


def _ropa(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"ropa {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The example and one more organisation in a SQLite file, served on a free port; a
    regulator token granted the example's organisation, and a DPO token."""
    work = tmp_path_factory.mktemp("records")
    database = f"sqlite:///{work / 'ropa.sqlite'}"
    env = os.environ | {"DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    _ropa(env, "import", str(EXAMPLE))
    other = work / "other.yaml"
    other.write_text(
        yaml.safe_dump(
            {"ropa": "1", "organisations": [{"key": "other", "name": OTHER, "role": "controller"}]}
        )
    )
    _ropa(env, "import", str(other))
    regulator = _ropa(
        env,
        "token",
        "create",
        "--name",
        "cnil",
        "--role",
        "regulator",
        "--organisation",
        "sprechwerk",
    ).split()[-1]
    dpo = _ropa(env, "token", "create", "--name", "dpo", "--role", "dpo").split()[-1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log = (work / "service.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "ropa", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env | {"ROPA_AUTO_MIGRATE": "0"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a shared machine may be slow to start it
        while True:
            assert process.poll() is None, (work / "service.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        yield Service(url, regulator, dpo)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


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
    browser: Browser, service: Service
) -> None:
    page = _open(browser, service, service.regulator)
    sections = page.locator("section.organisation")
    assert sections.evaluate_all("all => all.map(s => s.dataset.organisation)") == ["sprechwerk"]
    expect(sections.locator("h3")).to_have_text("Sprechwerk Telefonie GmbH")
    assert OTHER not in page.content()
    rows = sections.locator("tbody tr")
    profiles = rows.evaluate_all("all => all.map(r => r.dataset.profile)")
    assert sorted(profiles) == ["cnil", "de", "ico"]
    expect(page.locator("tr[data-profile=ico] th")).to_contain_text("UK ICO")
    editions = page.locator("button[data-edition]").evaluate_all(
        "all => [...new Set(all.map(b => b.dataset.edition))]"
    )
    assert editions == ["regulator"]
    expect(page.locator("#viewer-link")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
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
    browser: Browser, service: Service
) -> None:
    page = _open(browser, service, service.dpo, locale="de-DE")
    assert page.locator("html").get_attribute("lang") == "de"
    keys = page.locator("section.organisation").evaluate_all(
        "all => all.map(s => s.dataset.organisation)"
    )
    assert sorted(keys) == ["other", "sprechwerk"]
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
