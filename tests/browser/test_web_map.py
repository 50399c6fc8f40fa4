"""The data map at /viewer/ end to end: the real service in a subprocess over the example,
driven in headless Chromium through Playwright (the shared setup is in conftest.py).

Each test saves a screenshot under tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import BrowserContext, expect
from playwright.sync_api import Error as PlaywrightError

from ropa.render.map import flow_rows

if TYPE_CHECKING:
    from conftest import MapPage, Service

ROOT = Path(__file__).resolve().parents[2]


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
    label = page.evaluate(
        "() => window.ropaMap.cy.getElementById('flow:push-to-fcm').data('label')"
    )
    assert "EU-US Data Privacy Framework" in label and "eu_us_dpf" not in label
    expect(page.locator("#legend")).to_contain_text("EEA")
    mapped.screenshot("map-every-system")
    page.click("#legend summary")
    expect(page.locator("#legend-body")).to_be_hidden()


FILTER_CASES = [
    ("#f-zone", "third", "zone", lambda n: n["zone"] == "third"),
    ("#f-country", "US", "country", lambda n: n.get("country") == "US"),
    ("#f-role", "processor", "role", lambda n: n["kind"] == "party" and n["type"] == "processor"),
    (
        "#f-boundary",
        "user device",
        "boundary",
        lambda n: n["kind"] == "system" and n.get("trust_boundary") == "user device",
    ),
]


def _map_json(service: Service) -> dict[str, Any]:
    return service.json("/api/v1/map?organisation=sprechwerk")


def test_node_filters_reduce_the_map_and_go_in_the_url(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    nodes = _map_json(mapped.service)["nodes"]
    for selector, value, name, wanted in FILTER_CASES:
        mapped.rerendered(lambda s=selector, v=value: page.select_option(s, v))
        expected = {n["id"] for n in nodes if wanted(n)}
        assert mapped.shown() == expected, name
        assert mapped.fragment()[name] == value
        mapped.screenshot(f"map-filter-{name}")
        mapped.rerendered(lambda s=selector: page.select_option(s, ""))
    mapped.rerendered(lambda: page.check("#f-findings"))
    assert mapped.shown() == {n["id"] for n in nodes if n.get("findings")}
    assert mapped.fragment()["findings"] == "1"
    mapped.screenshot("map-filter-findings")
    mapped.rerendered(lambda: page.uncheck("#f-findings"))


def test_flow_filters_and_hiding_internal_flows(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    data = _map_json(mapped.service)
    flows = flow_rows(data)
    expect(page.locator("#activity-options option")).to_have_count(len(data["activities"]))
    page.evaluate("() => { window.samePage = true; }")
    page.fill("#f-activity", "Push notifications for incoming calls and messages")
    mapped.rerendered(lambda: page.press("#f-activity", "Enter"))
    assert mapped.fragment()["activity"] == "push-notifications"
    assert page.evaluate("() => window.samePage")  # Enter committed the field, no form was sent
    shown = {e for e in mapped.edges() if e.startswith("flow:")}
    assert shown and all(
        e in {f["id"] for f in flows if f["activity"] == "push-notifications"} for e in shown
    )
    assert "system:push-relay" in mapped.shown() and "party:payment-processor" not in mapped.shown()
    mapped.screenshot("map-filter-activity")
    page.fill("#f-activity", "no such activity")
    page.press("#f-activity", "Enter")
    expect(page.locator("#status")).to_contain_text("No activity is called")
    page.fill("#f-activity", "")
    mapped.rerendered(lambda: page.press("#f-activity", "Enter"))
    mapped.rerendered(lambda: page.select_option("#f-category", "push_token"))
    assert all(
        "push_token" in next(f for f in flows if f["id"] == e)["data_categories"]
        for e in mapped.edges()
        if e.startswith("flow:")
    )
    mapped.screenshot("map-filter-category")
    mapped.rerendered(lambda: page.select_option("#f-category", ""))
    function = next(a[2] for a in data["activities"] if len(a) > 2 and a[2])
    mapped.rerendered(lambda: page.select_option("#f-function", function))
    assert mapped.fragment()["function"] == function
    for e in mapped.edges():
        if e.startswith("flow:"):
            assert next(f for f in flows if f["id"] == e).get("business_function") == function
    mapped.screenshot("map-filter-function")
    mapped.rerendered(lambda: page.select_option("#f-function", ""))
    internal = {f["id"] for f in flows if f.get("internal")}
    assert internal & mapped.edges()
    mapped.rerendered(lambda: page.check("#f-internal"))
    assert not internal & mapped.edges()
    assert mapped.fragment()["internal"] == "hide"
    mapped.screenshot("map-hide-internal")


def test_clusters_collapse_and_expand_in_place(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    mapped.rerendered(lambda: page.click("#collapse-all"))
    groups = page.evaluate("() => window.ropaMap.cy.nodes('.group').map(n => n.id())")
    assert groups and not mapped.shown() & {"system:push-relay"}
    grouped = page.evaluate("() => window.ropaMap.cy.edges('.grouped').length")
    assert grouped > 0
    mapped.screenshot("map-collapsed")
    organisation = next(g for g in groups if "organisation:sprechwerk" in g)
    mapped.tap(organisation)
    expect(page.locator("#panel-kind")).to_have_text("Collapsed group")
    mapped.rerendered(lambda: page.click("#expand-cluster"))
    after = page.evaluate("() => window.ropaMap.cy.nodes('.group').map(n => n.id())")
    assert organisation not in after
    assert "open" in mapped.fragment()
    # A grouped edge names its member flows by activity and categories, with mechanisms.
    edge = page.evaluate(
        "() => window.ropaMap.cy.edges('.grouped').filter(e => e.data('members').some(m =>"
        " m === 'flow:push-to-fcm')).map(e => e.id())[0] || null"
    )
    if edge:
        mapped.tap(edge)
        expect(page.locator("#panel-kind")).to_have_text("Grouped edge")
        expect(page.locator("#panel-body")).to_contain_text("EU-US Data Privacy Framework")
        expect(page.locator("#panel-body")).to_contain_text("Push notification token")
    mapped.screenshot("map-expanded-one")
    mapped.rerendered(lambda: page.click("#expand-all"))
    assert "system:push-relay" in mapped.shown()


def test_focus_on_a_neighbourhood(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    every = mapped.shown()
    mapped.tap("party:payment-processor")
    expect(page.locator("#panel-title")).to_have_text("Paylance Inc.")
    mapped.rerendered(lambda: page.click('#panel-body button[data-hops="1"]'))
    one = mapped.shown()
    assert "party:payment-processor" in one and len(one) < len(every)
    assert mapped.fragment()["focus"] == "party:payment-processor"
    mapped.screenshot("map-focus-1")
    mapped.rerendered(lambda: page.click('#panel-body button[data-hops="3"]'))
    three = mapped.shown()
    assert one <= three
    assert mapped.fragment()["hops"] == "3"
    mapped.rerendered(lambda: page.click("#clear-focus"))
    assert mapped.shown() == every


def test_trace_a_data_category_from_collection_to_recipients(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    data = _map_json(mapped.service)
    carrying = [e for e in flow_rows(data) if "phone_number" in e["data_categories"]]
    mapped.rerendered(lambda: page.select_option("#trace-select", "phone_number"))
    assert mapped.fragment()["trace"] == "phone_number"
    reached = {e["target"] for e in carrying} | {e["source"] for e in carrying}
    assert mapped.shown() == reached
    sources = page.evaluate("() => window.ropaMap.cy.nodes('.trace-source').map(n => n.id())")
    assert sources and all(not any(e["target"] == s for e in carrying) for s in sources)
    mapped.screenshot("map-trace-phone-number")


def _panels(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    panel = page.locator("#panel-body")
    mapped.tap("system:push-relay")
    expect(page.locator("#panel-kind")).to_contain_text("System")
    expect(panel).to_contain_text("Incoming flows")
    expect(panel).to_contain_text("Outgoing flows")
    expect(panel.locator(".activities")).to_contain_text("Push")
    expect(panel.locator(".findings")).to_be_visible()
    mapped.screenshot("map-panel-system")
    mapped.tap("party:trunk-eu")
    expect(page.locator("#panel-title")).to_have_text("Polder Carrier Services B.V.")
    expect(panel).to_contain_text("What it receives")
    expect(panel).to_contain_text("If it were breached")
    expect(panel.locator(".breach")).to_contain_text("Emergency answering points in Germany")
    expect(panel.locator(".breach")).to_contain_text("Onward flows it passes on (1)")
    assert "Blast radius" not in (page.locator("#panel").inner_text())
    mapped.screenshot("map-panel-party-breach")
    mapped.tap("party:helpdesk")
    expect(panel.locator(".chain")).to_contain_text("Postwave Inc.")
    expect(panel.locator(".chain")).to_contain_text("Third country")
    mapped.tap("flow:call-trunk-us")
    expect(panel).to_contain_text("Standard contractual clauses (2021), module 2")
    mapped.screenshot("map-panel-flow")


def test_panels_answer_questions(
    mapped: MapPage, browser: BrowserContext, service: Service
) -> None:
    """The panels, on a page of their own when Chromium's renderer dies under memory pressure
    (a crash of the browser process, not an answer of the page: it is tried once more)."""
    try:
        _panels(mapped)
    except PlaywrightError as error:
        if "crashed" not in str(error).lower():
            raise
        fresh = type(mapped)(browser.new_page(), service)
        try:
            _panels(fresh)
        finally:
            fresh.page.close()


def test_search_finds_names_inside_collapsed_groups(mapped: MapPage) -> None:
    page = mapped.page
    mapped.open()
    mapped.rerendered(lambda: page.click("#collapse-all"))
    assert "party:payment-processor" not in mapped.shown()
    page.fill("#search-input", "Paylance")
    mapped.rerendered(lambda: page.press("#search-input", "Enter"))
    expect(page.locator("#search-result")).to_contain_text("Paylance")
    assert "party:payment-processor" in mapped.shown()
    assert page.evaluate(
        "() => window.ropaMap.cy.getElementById('party:payment-processor').selected()"
    )
    mapped.screenshot("map-search-collapsed")
    page.fill("#search-input", "push-relay")  # a key
    page.press("#search-input", "Enter")
    expect(page.locator("#panel-title")).to_have_text("PushGate push relay")


def test_a_shared_url_restores_the_view(mapped: MapPage, browser: BrowserContext) -> None:
    page = mapped.page
    mapped.open("#organisation=sprechwerk&zone=third&internal=hide&select=party:trunk-us")
    assert page.input_value("#f-zone") == "third"
    assert page.is_checked("#f-internal")
    shown = mapped.shown()
    expect(page.locator("#panel-title")).to_have_text("Continental Voice Exchange Inc.")
    url = page.url
    other = type(mapped)(browser.new_page(), mapped.service).watch()
    try:
        other.page.goto(url)  # a new tab: the token is kept per tab, so sign in again
        other.sign_in(mapped.service.token)
        other.wait()
        assert other.shown() == shown
        assert other.page.input_value("#f-zone") == "third"
        expect(other.page.locator("#panel-title")).to_have_text("Continental Voice Exchange Inc.")
        other.screenshot("map-url-restored")
        assert other.errors == [] and other.dialogs == []
    finally:
        other.page.close()


def test_registry_text_stays_inert(mapped: MapPage, hostile: dict[str, str]) -> None:
    page = mapped.page
    mapped.open("#organisation=zeta")
    expect(page.locator("#organisation-select option:checked")).to_have_text(
        hostile["organisation"]
    )
    mapped.tap("system:xss-app")
    expect(page.locator("#panel-title")).to_have_text(hostile["system"])
    expect(page.locator("#panel-body .activities")).to_contain_text(hostile["activity"])
    mapped.tap("party:evil-vendor")
    expect(page.locator("#panel-title")).to_have_text(hostile["party"])
    assert page.locator("#panel script, #panel svg, img, iframe").count() == 0
    label = page.evaluate("() => window.ropaMap.cy.getElementById('system:xss-app').data('label')")
    assert hostile["system"] in label  # drawn on the canvas as text
    mapped.screenshot("map-hostile-text")
    page.wait_for_timeout(300)  # time for any injected handler to fire
    assert mapped.dialogs == []


def _childless(page: Any) -> int:
    count: int = page.evaluate("() => window.ropaMap.cy.nodes(':childless').length")
    return count


def test_two_thousand_systems_open_clustered_and_expand_progressively(mapped: MapPage) -> None:
    """The 2,000-system organisation of bench/synthetic.py, its map JSON handed to the page:
    it opens clustered; a trust boundary of some 670 systems opens as pages of 100; a page opens
    its systems; a country opens its parties."""
    sys.path.insert(0, str(ROOT))
    from bench.synthetic import generate
    from ropa.domain.vocabulary import builtin
    from ropa.render.map import build_map, map_json
    from ropa.services.judgement import judge

    judged = judge(generate(10_000, organisations=1), builtin(), dt.date(2026, 6, 1))
    payload = map_json(build_map(judged.facts, judged.findings)).decode()
    page = mapped.page
    page.route(
        "**/bench-map.json",
        lambda route: route.fulfill(body=payload, content_type="application/json"),
    )
    page.goto(f"{mapped.service.url}/viewer/?bench=1")
    page.wait_for_function("() => window.ropaMap")
    page.evaluate("async () => window.ropaMap.useMap(await (await fetch('bench-map.json')).json())")
    mapped.wait()
    opened = _childless(page)
    assert opened < 100, opened  # clustered
    status = page.locator("#status").inner_text()
    assert "of 2500 systems and parties" in status and "collapsed" in status
    mapped.screenshot("map-2000-clustered")

    boundary = next(g for g in mapped.groups() if "|boundary:" in g)
    members = page.evaluate("id => window.ropaMap.cy.getElementById(id).data('count')", boundary)
    assert members > 600
    mapped.tap(boundary)
    mapped.rerendered(lambda: page.click("#expand-cluster"))
    pages = [g for g in mapped.groups() if g.startswith(boundary + "#page")]
    assert len(pages) == -(-members // 100), pages
    assert not any(n.startswith("system:") for n in mapped.shown())
    mapped.screenshot("map-2000-boundary-pages")

    mapped.tap(pages[0])
    expect(page.locator("#panel-body")).to_contain_text("Members (100)")
    mapped.rerendered(lambda: page.click("#expand-cluster"))
    systems = {n for n in mapped.shown() if n.startswith("system:")}
    assert len(systems) == 100
    mapped.screenshot("map-2000-page-open")

    mapped.rerendered(lambda: page.click("#collapse-all"))
    country = next(g for g in mapped.groups() if "country:" in g)
    mapped.tap(country)
    mapped.rerendered(lambda: page.click("#expand-cluster"))
    assert country not in mapped.groups()
    assert any(n.startswith("party:") for n in mapped.shown())
    assert "open" in mapped.fragment()
    mapped.screenshot("map-2000-expanded")
