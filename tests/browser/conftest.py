"""What the browser tests share: the real service in a subprocess over the example and a
registry of hostile names and many systems, headless Debian Chromium (/usr/bin/chromium) driven
through Playwright (which never downloads a browser), and the map page as the tests use it.

Skipped with the reason when Chromium or Playwright is missing, except with CI=true, where that
is a failure. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
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
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
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

HOSTILE = {
    "system": "<script>alert(1)</script>",
    "organisation": "Zeta <img src=x onerror=alert(2)>",
    "party": "<svg onload=alert(3)>",
    "activity": "<img src=x onerror=alert(5)>",
    "purpose": "<iframe src=javascript:alert(6)>",
}
"""Registry text that is markup: the page must show it as text and run none of it."""
LARGE_SYSTEMS = 151
"""The ``bulk`` organisation's systems: one more than the map draws open at first."""


def _extra_registry() -> dict[str, Any]:
    """An organisation whose names are markup, and one with many systems."""
    bulk = [
        {
            "key": f"bulk-{i:03d}",
            "organisation": "bulk",
            "name": f"Bulk system {i}",
            "type": "server",
            "trust_boundary": f"zone {i % 5}",
        }
        for i in range(LARGE_SYSTEMS)
    ]
    return {
        "ropa": "1",
        "organisations": [
            {
                "key": "zeta",
                "name": HOSTILE["organisation"],
                "role": "controller",
                "establishment_country": "DE",
            },
            {"key": "bulk", "name": "Wide Systems GmbH", "role": "controller"},
        ],
        "parties": [
            {
                "key": "evil-vendor",
                "organisation": "zeta",
                "name": HOSTILE["party"],
                "role": "processor",
                "country": "FR",
            }
        ],
        "systems": [
            {"key": "xss-app", "organisation": "zeta", "name": HOSTILE["system"], "type": "app"},
            {"key": "xss-db", "organisation": "zeta", "name": "Store & <b>bold</b>"},
            *bulk,
        ],
        "activities": [
            {
                "key": "xss",
                "organisation": "zeta",
                "name": HOSTILE["activity"],
                "purposes": [HOSTILE["activity"]],
                "data_subjects": ["app_users"],
                "data_categories": ["email_address"],
                "lawful_bases": [{"basis": "contract"}],
                "systems": ["xss-app", "xss-db"],
                "recipients": ["evil-vendor"],
            },
            {
                "key": "bulk-ops",
                "organisation": "bulk",
                "name": "Operations",
                "data_subjects": ["app_users"],
                "data_categories": ["email_address"],
                "lawful_bases": [{"basis": "contract"}],
                "systems": ["bulk-000", "bulk-001"],
            },
        ],
        "flows": [
            {
                "key": "xss-store",
                "activity": "xss",
                "source": "system:xss-app",
                "target": "system:xss-db",
                "data_categories": ["email_address"],
                "purpose": HOSTILE["purpose"],
            },
            {
                "key": "xss-vendor",
                "activity": "xss",
                "source": "system:xss-db",
                "target": "party:evil-vendor",
                "data_categories": ["email_address"],
            },
            {
                "key": "bulk-sync",
                "activity": "bulk-ops",
                "source": "system:bulk-000",
                "target": "system:bulk-001",
                "data_categories": ["email_address"],
            },
        ],
    }


@dataclass
class Service:
    url: str
    token: str
    """An architect's."""
    regulator: str
    """A regulator's, granted the example's organisation."""
    dpo: str
    """A DPO's."""

    def get(self, path: str) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read(), {k.lower(): v for k, v in response.headers.items()}

    def json(self, path: str) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.get(path)[0])
        return body


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


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if json.load(response)["status"] == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the service did not become healthy:\n{log.read_text()}")


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on a free port over a temporary SQLite file holding the example and the extra
    registry, with an architect's and a regulator's token."""
    work = tmp_path_factory.mktemp("web")
    database = f"sqlite:///{work / 'ropa.sqlite'}"
    env = os.environ | {"DATABASE_URL": database, "PYTHONPATH": str(ROOT), "ROPA_AUTO_MIGRATE": "0"}
    _ropa(env, "import", str(EXAMPLE), "--database-url", database)
    extra = work / "extra.yaml"
    extra.write_text(yaml.safe_dump(_extra_registry(), allow_unicode=True))
    _ropa(env, "import", str(extra), "--database-url", database)
    create = ("token", "create", "--database-url", database, "--name")
    token = _ropa(env, *create, "web", "--role", "architect").split()[-1]
    regulator = _ropa(
        env, *create, "authority", "--role", "regulator", "--organisation", "sprechwerk"
    ).split()[-1]
    dpo = _ropa(env, *create, "dpo", "--role", "dpo").split()[-1]
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
                str(ROOT / "tests" / "browser"),
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
        _wait_for_health(url, process, log)
        yield Service(url, token, regulator, dpo)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Chromium from Debian, one for the whole run: every test opens contexts of its own."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def browser(chromium: Browser) -> Iterator[BrowserContext]:
    """The map's context: a fresh profile at 1440 by 900."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


@dataclass
class MapPage:
    """The map page in one tab, with what it showed in dialogs and uncaught errors."""

    page: Page
    service: Service
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self) -> MapPage:
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        return self

    def open(self, fragment: str = "#organisation=sprechwerk", token: str | None = None) -> None:
        """Open /viewer/, enter the token and (an architect's) wait for the first drawing."""
        self.page.goto(f"{self.service.url}/viewer/{fragment}")
        self.sign_in(token or self.service.token)
        if token is None:
            self.wait()

    def sign_in(self, token: str) -> None:
        expect(self.page.locator("#login")).to_be_visible()
        self.page.fill("#token-input", token)
        self.page.click("#login-form button[type=submit]")

    def wait(self) -> None:
        self.page.wait_for_function(
            "() => window.ropaMap && window.ropaMap.cy"
            " && document.querySelector('#map').dataset.ready"
        )

    def rerendered(self, action: Callable[[], Any]) -> None:
        """Do something and wait until the map is drawn anew."""
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

    def groups(self) -> list[str]:
        ids: list[str] = self.page.evaluate(
            "() => window.ropaMap.cy.nodes('.group').map(n => n.id())"
        )
        return ids

    def fragment(self) -> dict[str, str]:
        raw = self.page.evaluate("() => location.hash.slice(1)")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def tap(self, element_id: str) -> None:
        self.page.evaluate("id => window.ropaMap.cy.getElementById(id).emit('tap')", element_id)

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def mapped(browser: BrowserContext, service: Service) -> Iterator[MapPage]:
    """A fresh tab on the service; at the end, no uncaught error and no dialog may have shown."""
    seen = MapPage(browser.new_page(), service).watch()
    try:
        yield seen
        assert seen.errors == [], f"uncaught errors in the page: {seen.errors}"
        assert seen.dialogs == [], f"the page opened dialogs: {seen.dialogs}"
    finally:
        seen.page.close()


@pytest.fixture(scope="session")
def hostile() -> dict[str, str]:
    """The markup names of the ``zeta`` organisation, by what they name."""
    return dict(HOSTILE)
