"""The data map page (/viewer/map.html) end to end: the real service in a subprocess over the
example, driven in headless Chromium (Debian's /usr/bin/chromium) through Playwright.

Each test saves a screenshot under tests/artifacts/. Skipped with the reason when Chromium or
Playwright is missing, except with CI=true, where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    MISSING: str | None = "Playwright is not installed (uv sync --dev installs it)"
else:
    MISSING = (
        None
        if CHROMIUM.is_file()
        else f"{CHROMIUM} is missing (apt-get install chromium; scripts/setup.sh --dev)"
    )
if MISSING:
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {MISSING}", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)

HOSTILE = "<script>alert(1)</script>"


def _hostile_registry() -> dict[str, Any]:
    return {
        "ropa": "1",
        "organisations": [{"key": "zeta", "name": "Zeta <img src=x onerror=alert(2)>"}],
        "systems": [
            {"key": "xss-app", "organisation": "zeta", "name": HOSTILE, "type": "app"},
            {"key": "xss-db", "organisation": "zeta", "name": "Store & <b>bold</b>"},
        ],
        "activities": [
            {
                "key": "xss",
                "organisation": "zeta",
                "name": "<img src=x onerror=alert(5)>",
                "data_subjects": ["app_users"],
                "data_categories": ["email_address"],
                "lawful_bases": [{"basis": "contract"}],
                "systems": ["xss-app", "xss-db"],
            }
        ],
        "flows": [
            {
                "key": "xss-store",
                "activity": "xss",
                "source": "system:xss-app",
                "target": "system:xss-db",
                "data_categories": ["email_address"],
            }
        ],
    }


@dataclass
class Service:
    url: str
    token: str
    regulator: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    work = tmp_path_factory.mktemp("web-map")
    database = f"sqlite:///{work / 'ropa.sqlite'}"
    env = os.environ | {"DATABASE_URL": database, "PYTHONPATH": str(ROOT), "ROPA_AUTO_MIGRATE": "0"}
    _ropa(env, "import", str(EXAMPLE), "--database-url", database)
    extra = work / "hostile.yaml"
    extra.write_text(yaml.safe_dump(_hostile_registry(), allow_unicode=True))
    _ropa(env, "import", str(extra), "--database-url", database)
    create = ("token", "create", "--database-url", database, "--name")
    token = _ropa(env, *create, "map", "--role", "architect").split()[-1]
    regulator = _ropa(
        env, *create, "authority", "--role", "regulator", "--organisation", "sprechwerk"
    ).split()[-1]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "service.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(ROOT / "tests"),
                "web_server:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the service did not start:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if json.load(response)["status"] == "ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        yield Service(url, token, regulator)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-map")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            context.close()


@dataclass
class MapPage:
    page: Page
    service: Service
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, fragment: str = "#organisation=sprechwerk", token: str | None = None) -> None:
        self.page.goto(f"{self.service.url}/viewer/map.html{fragment}")
        expect(self.page.locator("#login")).to_be_visible()
        self.page.fill("#token-input", token or self.service.token)
        self.page.click("#login-form button[type=submit]")
        if token is None:
            self.wait()

    def wait(self) -> None:
        self.page.wait_for_function(
            "() => window.ropaMap && window.ropaMap.cy && document.querySelector('#map').dataset.ready"
        )

    def rerendered(self, action: Any) -> None:
        self.page.evaluate("() => { document.querySelector('#map').dataset.ready = ''; }")
        action()
        self.wait()

    def shown(self) -> set[str]:
        ids: list[str] = self.page.evaluate(
            "() => window.ropaMap.cy.nodes(':childless').map(n => n.id())"
        )
        return set(ids)

    def edges(self) -> set[str]:
        ids: list[str] = self.page.evaluate("() => window.ropaMap.cy.edges().map(e => e.id())")
        return set(ids)

    def fragment(self) -> dict[str, str]:
        raw = self.page.evaluate("() => location.hash.slice(1)")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def tap(self, element_id: str) -> None:
        self.page.evaluate(
            "id => window.ropaMap.cy.getElementById(id).emit('tap')", element_id
        )

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def mapped(browser: BrowserContext, service: Service) -> Iterator[MapPage]:
    page = browser.new_page()
    seen = MapPage(page, service)
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    try:
        yield seen
        assert seen.errors == [], f"uncaught errors in the page: {seen.errors}"
        assert seen.dialogs == [], f"the page opened dialogs: {seen.dialogs}"
    finally:
        page.close()


def test_every_system_view_is_legible_at_fit(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    shown = mapped.shown()
    assert {"system:push-relay", "party:apple-apns", "party:payment-processor"} <= shown
    assert "flow:push-to-fcm" in mapped.edges()
    page.click("#zoom-fit")
    mapped.screenshot("map-every-system")
    heights = page.evaluate(
        """() => { const cy = window.ropaMap.cy;
            return cy.nodes(':childless').map(n =>
                parseFloat(n.style('font-size')) * cy.zoom()); }"""
    )
    assert min(heights) >= 9, f"labels {min(heights):.1f} px high at Fit"
    # The edge label names the mechanism in words, never by key.
    label = page.evaluate("() => window.ropaMap.cy.getElementById('flow:push-to-fcm').data('label')")
    assert "EU-US Data Privacy Framework" in label and "eu_us_dpf" not in label
    expect(page.locator("#legend")).to_contain_text("EEA")
    mapped.screenshot("map-every-system")
    page.click("#legend summary")
    expect(page.locator("#legend-body")).to_be_hidden()
