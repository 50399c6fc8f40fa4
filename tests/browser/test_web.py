"""The architects' viewer end to end: the real service in a subprocess, driven in headless
Chromium (Debian's /usr/bin/chromium) through Playwright. Playwright never downloads a browser.

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

XSS_ACTIVITY = "<script>alert(1)</script>"
XSS_ORGANISATION = "Zeta <img src=x onerror=alert(2)>"
LARGE_SYSTEMS = 151  # one more than the viewer's threshold for collapsed detail


def _extra_registry() -> dict[str, Any]:
    """An organisation whose names are markup, and one with many systems."""
    bulk_systems = [
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
                "name": XSS_ORGANISATION,
                "role": "controller",
                "establishment_country": "DE",
            },
            {"key": "bulk", "name": "Wide Systems GmbH", "role": "controller"},
        ],
        "parties": [
            {
                "key": "evil-vendor",
                "organisation": "zeta",
                "name": "<svg onload=alert(3)>",
                "role": "processor",
                "country": "FR",
            }
        ],
        "systems": [
            {
                "key": "xss-app",
                "organisation": "zeta",
                "name": '"><script>alert(4)</script>',
                "type": "app",
            },
            {
                "key": "xss-db",
                "organisation": "zeta",
                "name": "Store & <b>bold</b>",
                "type": "database",
            },
            *bulk_systems,
        ],
        "activities": [
            {
                "key": "xss",
                "organisation": "zeta",
                "name": XSS_ACTIVITY,
                "purposes": ["<img src=x onerror=alert(5)>"],
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
                "purpose": "<iframe src=javascript:alert(6)>",
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

    def get(self, path: str) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), {k.lower(): v for k, v in response.headers.items()}


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
    deadline = time.monotonic() + 30
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


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on a free port over a temporary SQLite file holding the example, an
    organisation named with markup and one with many systems; and an architect token."""
    work = tmp_path_factory.mktemp("web")
    database = f"sqlite:///{work / 'ropa.sqlite'}"
    env = os.environ | {
        "DATABASE_URL": database,
        "PYTHONPATH": str(ROOT),
        "ROPA_AUTO_MIGRATE": "0",
    }
    _ropa(env, "import", str(EXAMPLE), "--database-url", database)
    extra = work / "extra.yaml"
    extra.write_text(yaml.safe_dump(_extra_registry(), allow_unicode=True))
    _ropa(env, "import", str(extra), "--database-url", database)
    token = _ropa(
        env, "token", "create", "--name", "web", "--role", "architect", "--database-url", database
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
        yield Service(url, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Chromium from Debian with a fresh profile; Playwright's own browsers are never used."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@dataclass
class Viewer:
    page: Page
    service: Service
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, fragment: str = "") -> None:
        """Open the viewer, enter the token and wait for the first diagram."""
        self.page.goto(f"{self.service.url}/viewer/{fragment}")
        self.sign_in(self.service.token)
        self.wait_for_diagram()

    def sign_in(self, token: str) -> None:
        expect(self.page.locator("#login")).to_be_visible()
        self.page.fill("#token-input", token)
        self.page.click("#login-form button[type=submit]")

    def wait_for_diagram(self) -> None:
        self.page.wait_for_function(
            "() => document.querySelector('#diagram svg g.pickable')"
            " && !document.querySelector('#stage').classList.contains('loading')"
        )

    def replaced_diagram(self, action: Callable[[], None]) -> None:
        """Do something and wait until a new diagram replaced the current one."""
        self.page.evaluate("() => document.querySelector('#diagram svg').dataset.old = '1'")
        action()
        self.page.wait_for_function(
            "() => { const svg = document.querySelector('#diagram svg');"
            " return svg && !svg.dataset.old"
            " && !document.querySelector('#stage').classList.contains('loading'); }"
        )

    def refs(self) -> set[str]:
        refs: list[str] = self.page.eval_on_selector_all(
            "#diagram g.pickable", "groups => groups.map(g => g.dataset.ref)"
        )
        return set(refs)

    def title(self) -> str:
        text: str = self.page.eval_on_selector(
            "#diagram svg", "svg => svg.querySelector('g.graph > text')?.textContent ?? ''"
        )
        return text

    def click_edge(self, ref: str) -> None:
        """Click the middle of an edge's line, as a person would."""
        point = self.page.eval_on_selector(
            f'#diagram g.edge[data-ref="{ref}"] path:not(.hit-area)',
            """path => {
                const p = path.getPointAtLength(path.getTotalLength() / 2);
                const m = path.getScreenCTM();
                return {x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f};
            }""",
        )
        self.page.mouse.click(point["x"], point["y"])

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def viewer(browser: BrowserContext, service: Service) -> Iterator[Viewer]:
    page = browser.new_page()
    seen = Viewer(page, service)
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    try:
        yield seen
        assert seen.errors == [], f"uncaught errors in the page: {seen.errors}"
        assert seen.dialogs == [], f"the page opened dialogs: {seen.dialogs}"
    finally:
        page.close()


def test_root_asks_for_a_token_then_loads_the_example(viewer: Viewer) -> None:
    page = viewer.page
    page.goto(f"{viewer.service.url}/")
    assert page.url == f"{viewer.service.url}/viewer/"
    viewer.screenshot("viewer-token-prompt")
    viewer.sign_in("ropa_not-a-real-token")
    expect(page.locator("#login-message")).to_contain_text("refused")
    viewer.sign_in(viewer.service.token)
    viewer.wait_for_diagram()
    expect(page.locator("#login")).to_be_hidden()
    assert page.evaluate("() => sessionStorage.getItem('ropa.viewer.token')") == (
        viewer.service.token
    )
    assert page.input_value("#organisation-select") == "sprechwerk"
    assert page.input_value("#detail-select") == "full"
    assert {"system:push-relay", "party:apple-apns", "flow:push-to-fcm"} <= viewer.refs()
    assert "Sprechwerk" in viewer.title()
    viewer.screenshot("viewer-organisation")

    # A token revoked while the page is open: the next call gets 401 and the prompt returns.
    page.evaluate("() => sessionStorage.setItem('ropa.viewer.token', 'ropa_revoked')")
    page.select_option("#view-select", "transfers")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#login-message")).to_contain_text("refused the token")
    viewer.replaced_diagram(lambda: viewer.sign_in(viewer.service.token))
    assert "Transfers" in viewer.title()


def test_views_and_detail_levels_change_the_diagram(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=sprechwerk")
    whole = viewer.refs()

    expect(page.locator("#activity-field")).to_be_hidden()
    viewer.replaced_diagram(lambda: page.select_option("#view-select", "activity"))
    expect(page.locator("#activity-field")).to_be_visible()
    viewer.replaced_diagram(lambda: page.select_option("#activity-select", "push-notifications"))
    assert viewer.title().startswith("Activity: Push notifications")
    push = viewer.refs()
    assert "flow:push-to-fcm" in push and "flow:call-cdr" not in push
    assert "activity=push-notifications" in page.url
    viewer.screenshot("viewer-activity")

    viewer.replaced_diagram(lambda: page.select_option("#view-select", "category"))
    viewer.replaced_diagram(lambda: page.select_option("#category-select", "push_token"))
    label = page.locator("#category-select option:checked").inner_text()
    assert viewer.title() == f"Lineage of {label}"

    viewer.replaced_diagram(lambda: page.select_option("#view-select", "party"))
    viewer.replaced_diagram(lambda: page.select_option("#party-select", "google-fcm"))
    assert "Google" in viewer.title()
    assert "party:google-fcm" in viewer.refs()

    viewer.replaced_diagram(lambda: page.select_option("#view-select", "organisation"))
    assert viewer.refs() == whole
    viewer.replaced_diagram(lambda: page.select_option("#detail-select", "cluster"))
    clustered = page.locator("#diagram g.node.pickable").count()
    assert clustered < len({ref for ref in whole if not ref.startswith("flow:")})
    assert "detail=cluster" in page.url
    viewer.screenshot("viewer-clusters")

    # A request superseded by a newer choice is cancelled; the newest choice is what shows.
    aborted: list[str] = []
    page.on(
        "requestfailed",
        lambda request: aborted.append(request.url) if "/diagrams/" in request.url else None,
    )
    page.select_option("#detail-select", "full")
    page.select_option("#view-select", "transfers")
    page.wait_for_function(
        "() => document.querySelector('#diagram svg g.graph > text')?.textContent"
        ".startsWith('Transfers') && !document.querySelector('#stage.loading')"
    )
    assert page.input_value("#detail-select") == "full"
    assert all("organisation.svg" in url for url in aborted)


def test_large_organisation_opens_collapsed(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=bulk")
    assert page.input_value("#detail-select") == "cluster"
    expect(page.locator("#detail-note")).to_contain_text(f"{LARGE_SYSTEMS} systems")
    assert page.locator("#diagram g.node.pickable").count() < 20
    viewer.replaced_diagram(lambda: page.select_option("#organisation-select", "sprechwerk"))
    assert page.input_value("#detail-select") == "full"


def test_clicking_a_node_shows_its_details_and_findings(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=sprechwerk")
    page.click('#diagram g.node[data-ref="party:apple-apns"]')
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    expect(page.locator("#panel-title")).to_have_text(
        "Apple Inc. (Apple Push Notification service)"
    )
    expect(panel).to_be_focused()
    finding = panel.locator(".finding").first
    expect(finding).to_contain_text("PROCESSOR-WITHOUT-DPA")
    expect(finding.locator(".badge.error")).to_have_text("error")
    expect(finding.locator(".remedy")).to_contain_text("data processing agreement")
    expect(panel.locator("#panel-body > .fields")).to_contain_text("Country")
    viewer.screenshot("viewer-node-details")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("() => document.activeElement.dataset.ref") == "party:apple-apns"

    # Keyboard: the focused node opens with Enter; a node without findings says so.
    page.focus('#diagram g.node[data-ref="system:push-relay"]')
    page.keyboard.press("Enter")
    expect(page.locator("#panel-title")).to_have_text("PushGate push relay")
    expect(panel).to_contain_text("No findings on this entity.")
    expect(panel.locator("#panel-body > .fields")).to_contain_text("Trust boundary")

    # A phone-sized window: the panel goes under the diagram, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    panel_box, diagram_box = panel.bounding_box(), page.locator("#diagram").bounding_box()
    assert panel_box and diagram_box and panel_box["y"] >= diagram_box["y"] + diagram_box["height"]
    viewer.screenshot("viewer-narrow")


def test_clicking_an_edge_shows_the_flow(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=sprechwerk")
    viewer.click_edge("flow:analytics-ios")
    panel = page.locator("#panel")
    expect(panel.locator(".key")).to_have_text("flow:analytics-ios")
    expect(page.locator("#panel-kind")).to_have_text("Flow")
    expect(panel.locator(".finding").first).to_contain_text("TRANSFER-MISSING-MECHANISM")
    expect(panel.locator("#panel-body > .fields")).to_contain_text("system:softphone-ios")
    viewer.screenshot("viewer-edge-details")

    # A reference in the panel opens that entity.
    panel.locator(".fields button", has_text="system:softphone-ios").click()
    expect(page.locator("#panel-title")).to_have_text("Sprechwerk Softphone for iOS")

    # An edge standing for several flows lists them.
    several = page.locator("#diagram g.edge.pickable").evaluate_all(
        "groups => groups.filter(g => g.dataset.refs.includes(' ')).map(g => g.dataset.ref)"
    )
    if several:
        viewer.click_edge(several[0])
        expect(page.locator("#panel-kind")).to_have_text("Aggregated edge")
        first = panel.locator(".members button").first
        key = first.inner_text().split("(")[-1].rstrip(")")
        first.click()
        expect(panel.locator(".key")).to_have_text(key)


def test_search_highlights_and_centres(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=sprechwerk")
    page.fill("#search-input", "relay")
    page.press("#search-input", "Enter")
    expect(page.locator("#search-result")).to_contain_text("match")
    hits = page.locator("#diagram g.node.hit")
    assert hits.count() >= 2
    current = page.locator("#diagram g.current-hit")
    expect(current).to_have_count(1)
    assert "relay" in (current.text_content() or "").lower() or "relay" in (
        current.get_attribute("data-refs") or ""
    )
    box = current.bounding_box()
    stage = page.locator("#diagram").bounding_box()
    assert box and stage
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert abs(centre_x - (stage["x"] + stage["width"] / 2)) < 5
    assert abs(centre_y - (stage["y"] + stage["height"] / 2)) < 5
    viewer.screenshot("viewer-search")
    first = current.get_attribute("data-ref")
    page.press("#search-input", "Enter")  # the next match
    assert page.locator("#diagram g.current-hit").get_attribute("data-ref") != first
    page.fill("#search-input", "no such thing")
    page.press("#search-input", "Enter")
    expect(page.locator("#search-result")).to_have_text("No node matches.")
    expect(hits).to_have_count(0)

    # Pan and zoom move the viewBox; Fit restores it.
    svg = page.locator("#diagram svg")
    fitted = svg.get_attribute("viewBox")
    page.click("#zoom-fit")
    fitted = svg.get_attribute("viewBox")
    page.click("#zoom-in")
    zoomed = svg.get_attribute("viewBox")
    assert zoomed != fitted
    page.mouse.move(stage["x"] + 100, stage["y"] + 100)
    page.mouse.down()
    page.mouse.move(stage["x"] + 180, stage["y"] + 160, steps=4)
    page.mouse.up()
    assert svg.get_attribute("viewBox") != zoomed
    page.mouse.wheel(0, 300)
    page.click("#zoom-fit")
    assert svg.get_attribute("viewBox") == fitted


DOWNLOADS = {
    "svg": (".svg", (b"<?xml", b"<svg")),
    "png": (".png", (b"\x89PNG\r\n\x1a\n",)),
    "dot": (".dot", (b"digraph",)),
    "xlsx": (".xlsx", (b"PK",)),
}


def test_downloads_save_the_servers_files(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=sprechwerk&view=activity&activity=push-notifications")
    for button, (extension, magic) in DOWNLOADS.items():
        with page.expect_download() as info:
            page.click(f'button[data-download="{button}"]')
        download = info.value
        content = Path(download.path()).read_bytes()
        assert content.startswith(magic), (button, content[:40])
        if button == "xlsx":
            path = "/api/v1/exports/article30.xlsx?organisation=sprechwerk&profile=ico"
        else:
            path = (
                f"/api/v1/diagrams/activity.{button}?organisation=sprechwerk"
                "&activity=push-notifications&detail=full"
            )
        body, headers = viewer.service.get(path)
        assert f'filename="{download.suggested_filename}"' in headers["content-disposition"]
        assert download.suggested_filename.endswith(extension)
        if button != "png":  # the API's own bytes (a PNG may differ in its metadata)
            assert content == body, button
    expect(page.locator("#status")).to_contain_text("Downloaded")


def test_registry_text_is_shown_as_text(viewer: Viewer) -> None:
    page = viewer.page
    viewer.open("#organisation=zeta&view=activity&activity=xss")
    expect(page.locator("#activity-select option:checked")).to_have_text(XSS_ACTIVITY)
    expect(page.locator("#organisation-select option:checked")).to_have_text(XSS_ORGANISATION)
    assert XSS_ACTIVITY in viewer.title()
    assert page.locator("#diagram script, #diagram foreignObject, img, iframe").count() == 0

    page.click('#diagram g.node[data-ref="system:xss-app"]')
    expect(page.locator("#panel-title")).to_have_text('"><script>alert(4)</script>')
    viewer.click_edge("flow:xss-store")
    panel = page.locator("#panel")
    expect(panel.locator("#panel-body > .fields")).to_contain_text(
        "<iframe src=javascript:alert(6)>"
    )
    panel.locator(".fields button", has_text="activity:xss").click()
    expect(page.locator("#panel-title")).to_have_text(XSS_ACTIVITY)
    expect(panel.locator("#panel-body > .fields")).to_contain_text("<img src=x onerror=alert(5)>")
    assert page.locator("img, iframe, #panel script").count() == 0
    viewer.screenshot("viewer-markup-as-text")
    page.wait_for_timeout(300)  # time for any injected handler to fire
    assert viewer.dialogs == []


SVG_CONTRACT = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="300pt" height="100pt" viewBox="0 0 300 100" onload="alert('svg')">
<script>alert('script')</script>
<style>body { display: none }</style>
<g id="graph0" class="graph">
<g id="system:relay" class="node" onclick="alert('node')"><title>n1</title>
  <a xlink:href="javascript:alert('link')"><rect x="0" y="0" width="50" height="20"/></a>
  <text x="5" y="15">Relay</text></g>
<g id="boundary:dc" class="node"><title>n2</title>
  <a xlink:title="system:a, system:b, and 5 more"><rect x="60" y="0" width="50" height="20"/></a>
  </g>
<g id="node9" class="node"><title>n9</title>
  <a xlink:title="party:fcm - findings: RULE-X"><rect x="0" y="60" width="50" height="20"/></a>
  </g>
<g id="edge9" class="edge"><title>n1&#45;&gt;n9</title>
  <a xlink:title="flows: x-1, x-2 - findings: RULE-Y"><path d="M0,0 L9,9"/></a></g>
<g id="flows:a-to-b,b-to-c" class="edge"><path d="M0,0 L100,100"/></g>
<g id="flow:single" class="edge"><path d="M0,50 L100,50"/></g>
<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert('f')"/>
</foreignObject>
<set attributeName="onmouseover" to="alert('set')"/>
<image href="https://example.com/tracker.png"/>
</g></svg>"""


def test_svg_is_cleaned_and_read_by_the_id_contract(viewer: Viewer) -> None:
    """The renderer's id contract, and the defensive cleaning, on a hand-made SVG."""
    page = viewer.page
    viewer.open("#organisation=sprechwerk")
    result = page.evaluate(
        """async text => {
            const m = await import(new URL('js/diagram.js', document.baseURI));
            const svg = m.parseSvg(text);
            document.body.append(svg);
            for (const g of svg.querySelectorAll('g')) g.dispatchEvent(new Event('click'));
            const described = {};
            for (const g of svg.querySelectorAll('g.node, g.edge')) described[g.id] = m.describe(g);
            const markup = svg.outerHTML;
            svg.remove();
            return {described, markup};
        }""",
        SVG_CONTRACT,
    )
    markup = result["markup"].lower()
    for banned in ("<script", "<style", "foreignobject", "<iframe", "<set", "onload", "onclick"):
        assert banned not in markup
    assert "javascript:" not in markup and "example.com" not in markup
    assert result["described"] == {
        "system:relay": {"refs": ["system:relay"], "single": True, "more": 0},
        "boundary:dc": {"refs": ["system:a", "system:b"], "single": False, "more": 5},
        "flows:a-to-b,b-to-c": {"refs": ["flow:a-to-b", "flow:b-to-c"], "single": False, "more": 0},
        "flow:single": {"refs": ["flow:single"], "single": True, "more": 0},
        # a renderer that does not set the ids yet is read through its tooltips
        "node9": {"refs": ["party:fcm"], "single": True, "more": 0},
        "edge9": {"refs": ["flow:x-1", "flow:x-2"], "single": False, "more": 0},
    }
    page.wait_for_timeout(200)
    assert viewer.dialogs == []


def test_page_headers_and_public_paths(service: Service) -> None:
    with urllib.request.urlopen(f"{service.url}/viewer", timeout=10) as response:
        assert response.url == f"{service.url}/viewer/"
    with urllib.request.urlopen(f"{service.url}/viewer/", timeout=10) as response:
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    with urllib.request.urlopen(f"{service.url}/viewer/js/main.js", timeout=10) as response:
        assert "javascript" in response.headers["content-type"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{service.url}/api/v1/organisations", timeout=10)
    assert refused.value.code == 401
