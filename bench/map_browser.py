"""The data map in Chromium at 2,000 systems: payload, open (clustered), pan and zoom, expansion.

Serves ropa/web/static and the map JSON over a local HTTP server, opens /viewer/?bench=1 in
headless Debian Chromium at 1440x900, and times what a person waits for: fetching and reading
the JSON, drawing the clustered map, a pan or zoom frame, opening a trust boundary of some 670
systems (pages of 100) and one page of it. The registry is bench/synthetic.py's
``generate(10_000, organisations=1)``: 2,000 systems, 500 parties, 50,000 flows.

The baseline, in the same run and the same browser, is the previous encoding of the same map:
one JSON object per node and edge with every word repeated (rebuilt here from the compact JSON
by ``ropa.render.map.flow_rows``), fetched and parsed; and Cytoscape drawing the same clustered
elements with no layout and no filtering. Figures are printed, never asserted.

    .venv/bin/python -m bench.map_browser [--activities 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.synthetic import generate
from ropa.domain.vocabulary import builtin
from ropa.render.map import as_builtins, build_map, flow_rows, map_json
from ropa.services.judgement import judge

STATIC = Path(__file__).resolve().parents[1] / "ropa" / "web" / "static"


def verbose(data: dict[str, Any]) -> bytes:
    """The same map in the previous encoding: one object per node and edge, words repeated."""
    legend = data["legend"]
    activities = data["activities"]
    nodes = []
    for node in data["nodes"]:
        own = [activities[i] for i in node.get("activities", [])]
        kind, _, key = node["id"].partition(":")
        labels = legend["kinds"] if kind == "system" else legend["roles"]
        nodes.append(
            node
            | {
                "key": key,
                "type_label": labels.get(node.get("type", ""), ""),
                "zone_label": legend["zones"].get(node.get("zone", ""), ""),
                "country_name": data["countries"].get(node.get("country", ""), ""),
                "cluster": data["clusters"][node["cluster"]]["id"],
                "activities": [a[0] for a in own],
                "business_functions": sorted({a[2] for a in own if len(a) > 2 and a[2]}),
                "findings": len(node.get("findings", [])),
                "finding_rules": node.get("findings", []),
            }
        )
    edges: list[dict[str, Any]] = []
    for row in flow_rows(data):
        row.pop("categories")
        row["zone_label"] = legend["zones"].get(row.get("zone", ""), "")
        row["label"] = ", ".join(row["category_labels"]) + (
            f"\n{row['mechanism_title']} to {row['destination_name']}" if row["transfer"] else ""
        )
        edges.append(row)
    for source, target, kind in data["links"]:
        ends = (data["nodes"][source]["id"], data["nodes"][target]["id"])
        edges.append({"id": f"{kind}:{ends[0]}>{ends[1]}", "kind": kind, "source": ends[0]})
    rest = {k: v for k, v in data.items() if k not in ("nodes", "flows", "links", "transfers")}
    return json.dumps(rest | {"nodes": nodes, "edges": edges}).encode()


def _server(files: dict[str, bytes]) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                super().do_GET()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Handler, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


FETCH = """async path => { const t0 = performance.now(); const response = await fetch(path);
  const text = await response.text(); const t1 = performance.now(); const body = JSON.parse(text);
  window.benchBody = body; return {fetch: t1 - t0, parse: performance.now() - t1}; }"""

OPEN = """() => { const t0 = performance.now(); window.ropaMap.useMap(window.benchBody);
  return {ms: performance.now() - t0, nodes: window.ropaMap.cy.nodes(':childless').length,
          edges: window.ropaMap.cy.edges().length, ...window.ropaMap.timings}; }"""

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

EXPAND = """async id => { const t0 = performance.now();
  window.ropaMap.cy.getElementById(id).emit('tap');
  document.querySelector('#expand-cluster').click();
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {ms: performance.now() - t0, nodes: window.ropaMap.cy.nodes(':childless').length,
          edges: window.ropaMap.cy.edges().length}; }"""

BASELINE_DRAW = """() => { const cy = window.ropaMap.cy;
  const els = cy.elements().jsons().map(e => ({group: e.group, data: e.data, classes: e.classes}));
  const t0 = performance.now();
  const plain = cytoscape({container: document.querySelector('#map'), elements: els,
    layout: {name: 'preset'}, style: cy.style().json()});
  plain.fit();
  const ms = performance.now() - t0;
  plain.destroy();
  return ms; }"""


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=10_000)
    args = parser.parse_args()
    judged = judge(generate(args.activities, organisations=1), builtin(), dt.date(2026, 6, 1))
    graph = judged.graph
    _ = (judged.facts, judged.findings)  # derived and judged before the timing
    started = time.perf_counter()
    data = build_map(judged.facts, judged.findings)
    payload = map_json(data)
    built = time.perf_counter() - started
    previous = verbose(as_builtins(data))
    print(
        f"registry: {len(graph.systems)} systems, {len(graph.parties)} parties, "
        f"{len(graph.flows)} flows; map built and encoded on the server in {built:.1f} s "
        f"(once per revision, then cached)"
    )
    print(
        f"payload: {len(payload) / 1e6:.1f} MB; baseline, the previous encoding: "
        f"{len(previous) / 1e6:.1f} MB"
    )
    server = _server({"/bench-map.json": payload, "/bench-previous.json": previous})
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html?bench=1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        page.wait_for_function("() => window.ropaMap")
        before = page.evaluate(FETCH, "/bench-previous.json")
        read = page.evaluate(FETCH, "/bench-map.json")
        opened = page.evaluate(OPEN)
        pan = page.evaluate(FRAMES, ["pan", 40])
        zoom = page.evaluate(FRAMES, ["zoom", 40])
        baseline_draw = page.evaluate(BASELINE_DRAW)
        boundary = page.evaluate(
            "() => window.ropaMap.cy.nodes('.group').filter(n => n.id().includes('|boundary:'))"
            ".sort((a, b) => b.data('count') - a.data('count'))"
            ".map(n => [n.id(), n.data('count')])[0]"
        )
        pages = page.evaluate(EXPAND, boundary[0])
        first_page = page.evaluate(
            "id => window.ropaMap.cy.nodes('.group').map(n => n.id())"
            ".find(g => g.startsWith(id + '#page'))",
            boundary[0],
        )
        one_page = page.evaluate(EXPAND, first_page)
        pan_open = page.evaluate(FRAMES, ["pan", 40])
        zoom_open = page.evaluate(FRAMES, ["zoom", 40])
        browser.close()
    server.shutdown()

    open_total = read["fetch"] + read["parse"] + opened["ms"]
    print(
        f"open, clustered: {open_total:.0f} ms = fetch {read['fetch']:.0f} + JSON.parse "
        f"{read['parse']:.0f} + decode {opened['decode']:.0f} + reduce and cluster "
        f"{opened['build']:.0f} + filters {opened['filters']:.0f} + add, layout and fit "
        f"{opened['draw']:.0f}; {opened['nodes']} nodes, {opened['edges']} edges drawn"
    )
    print(
        f"baseline: the previous encoding's fetch {before['fetch']:.0f} ms + JSON.parse "
        f"{before['parse']:.0f} ms; Cytoscape drawing the same elements with no layout "
        f"{baseline_draw:.0f} ms"
    )
    print(
        f"pan frame, clustered: median {statistics.median(pan):.1f} ms, p95 {_p95(pan):.1f} ms; "
        f"zoom frame: median {statistics.median(zoom):.1f} ms, p95 {_p95(zoom):.1f} ms"
    )
    print(
        f"open the largest trust boundary ({boundary[1]} systems): {pages['ms']:.0f} ms -> "
        f"{pages['nodes']} nodes, {pages['edges']} edges"
    )
    print(
        f"open one page of it: {one_page['ms']:.0f} ms -> {one_page['nodes']} nodes, "
        f"{one_page['edges']} edges"
    )
    print(
        f"pan frame, page open: median {statistics.median(pan_open):.1f} ms, p95 "
        f"{_p95(pan_open):.1f} ms; zoom frame: median {statistics.median(zoom_open):.1f} ms, "
        f"p95 {_p95(zoom_open):.1f} ms"
    )


if __name__ == "__main__":
    main()
