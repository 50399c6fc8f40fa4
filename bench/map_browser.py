"""The data map in Chromium at 2,000 systems: open (clustered), pan and zoom, expand a cluster.

Serves ropa/web/static over a local HTTP server, hands the page the map JSON of a one-
organisation registry from bench/synthetic.py (``generate(10_000, organisations=1)``: 2,000
systems, 500 parties, 50,000 flows), and prints timings. The baseline, measured in the same run
and the same browser, is Cytoscape drawing the same clustered elements with no layout and no
filtering (``preset`` positions at the origin), so the figures show what the map's own work costs.
Figures are printed, never asserted.

    .venv/bin/python -m bench.map_browser [--activities 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.synthetic import generate
from ropa.domain.vocabulary import builtin
from ropa.render.map import build_map, map_json
from ropa.services.judgement import judge

STATIC = Path(__file__).resolve().parents[1] / "ropa" / "web" / "static"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


FRAMES = """async ([kind, count]) => {
  const cy = window.ropaMap.cy;
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    if (kind === 'pan') cy.panBy({x: i % 2 ? 40 : -40, y: 15});
    else cy.zoom({level: cy.zoom() * (i % 2 ? 1.15 : 0.87), renderedPosition: {x: 600, y: 350}});
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    times.push(performance.now() - start);
  }
  return times;
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    judged = judge(generate(args.activities, organisations=1), builtin(), dt.date(2026, 6, 1))
    data = build_map(judged.facts, judged.findings)
    payload = map_json(data).decode()
    server_side = time.perf_counter() - started
    print(
        f"registry: {len(judged.graph.systems)} systems, {len(judged.graph.parties)} parties, "
        f"{len(judged.graph.flows)} flows; map JSON {len(payload) / 1e6:.1f} MB, "
        f"built (generate + judge + map) in {server_side:.1f} s"
    )
    handler = functools.partial(_Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/map.html?bench=1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        page.wait_for_function("() => window.ropaMap")
        opened = page.evaluate(
            """text => { const t0 = performance.now(); const body = JSON.parse(text);
                const t1 = performance.now(); window.ropaMap.useMap(body);
                return {parse: t1 - t0, total: performance.now() - t0,
                        nodes: window.ropaMap.cy.nodes().length,
                        edges: window.ropaMap.cy.edges().length,
                        ...window.ropaMap.timings}; }""",
            payload,
        )
        pan = page.evaluate(FRAMES, ["pan", 40])
        zoom = page.evaluate(FRAMES, ["zoom", 40])
        group = page.evaluate(
            "() => window.ropaMap.cy.nodes('.group').map(n => n.id())"
            ".find(id => id.includes('country:'))"
        )
        expand = page.evaluate(
            """id => { const t0 = performance.now();
                window.ropaMap.cy.getElementById(id).emit('tap');
                document.querySelector('#expand-cluster').click();
                return {ms: performance.now() - t0,
                        nodes: window.ropaMap.cy.nodes(':childless').length}; }""",
            group,
        )
        baseline = page.evaluate(
            """() => { const cy = window.ropaMap.cy;
                const els = cy.elements().jsons().map(e => ({group: e.group, data: e.data,
                  classes: e.classes}));
                const t0 = performance.now();
                const plain = cytoscape({container: document.querySelector('#map'),
                  elements: els, layout: {name: 'preset'}, style: cy.style().json()});
                plain.fit();
                const ms = performance.now() - t0;
                plain.destroy();
                return ms; }"""
        )
        browser.close()
    server.shutdown()

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    print(
        f"open, clustered: {opened['total']:.0f} ms (JSON.parse {opened['parse']:.0f} ms, "
        f"reduce+cluster {opened['build']:.0f} ms, layout+draw {opened['layout']:.0f} ms); "
        f"{opened['nodes']} nodes, {opened['edges']} edges drawn"
    )
    print(f"baseline, same elements with no layout or filtering: {baseline:.0f} ms")
    print(
        f"pan frame: median {statistics.median(pan):.1f} ms, p95 {p(pan, 95):.1f} ms; "
        f"zoom frame: median {statistics.median(zoom):.1f} ms, p95 {p(zoom, 95):.1f} ms"
    )
    print(f"expand one country cluster: {expand['ms']:.0f} ms -> {expand['nodes']} nodes")


if __name__ == "__main__":
    main()
