"""Every output tells the same story of the same registry, flow by flow.

The transfers diagram's zones, the workbook's Transfers sheet, the transfer findings and the
lineage query all read the derived facts; these tests hold them to it on the example registry
and on a generated one, so that a second computation creeping back in shows up as a
disagreement.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import Facts, Zone, derive
from ropa.graph import build_graph
from ropa.input.document import parse_document
from ropa.lineage import category_lineage
from ropa.render import xlsx
from ropa.render.diagram import dot
from ropa.rules import Finding, evaluate

ON = dt.date(2026, 11, 22)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
TRANSFER_RULES = {
    "ART30-1E-TRANSFER-UNDECLARED",
    "ART30-1E-TRANSFER-DESTINATION-MISSING",
    "TRANSFER-MISSING-MECHANISM",
    "TRANSFER-INVALID-MECHANISM",
    "TRANSFER-ADEQUACY-NOT-APPLICABLE",
    "TRANSFER-DPF-NOT-CERTIFIED",
    "TRANSFER-TIA-MISSING",
    "TRANSFER-SCC-MODULE-MISMATCH",
}
EMPTY = {"", "None", "Not applicable", "Not stated"}
"""What an empty cell says in the workbook."""
ZONE_OF_TITLE = {
    "EEA": Zone.EEA,
    "Adequate for the importer": Zone.ADEQUATE,
    "Other third countries": Zone.THIRD,
    "Country not recorded": Zone.UNKNOWN,
}


@dataclass(frozen=True)
class Judged:
    facts: Facts
    findings: list[Finding]


def _judged(document: m.RegistryDocument) -> Judged:
    facts = derive(build_graph(document, builtin()), ON)
    return Judged(facts, evaluate(facts))


@pytest.fixture(scope="module", params=["example", "generated"])
def judged(request: pytest.FixtureRequest) -> Judged:
    if request.param == "example":
        return _judged(parse_document(EXAMPLE.read_bytes(), "yaml"))
    return _judged(generate(60, organisations=2))


# --- reading the outputs ----------------------------------------------------------------------


@dataclass
class DotEdge:
    source: str
    target: str
    flows: list[str]
    label: str


@dataclass
class DotReading:
    zone_of_node: dict[str, Zone]
    """Each system or party node drawn, with the zone of the cluster it sits in."""
    edges: list[DotEdge]


_CLUSTER = re.compile(r"^\s*subgraph (cluster_\w+) \{")
_GRAPH_LABEL = re.compile(r"^\s*graph \[.*label=<(.*)>\];$")
_NODE = re.compile(r'^\s*(n\d+) \[.*tooltip="([^"]*)".*\];$')
_NAMED_REF = re.compile(r".*\(((?:system|party):[^()\s]+)\)")
_EDGE = re.compile(r'^\s*(n\d+) -> (n\d+) \[.*tooltip="([^"]*)".*label=<(.*)>\];$')


def _read_dot(text: str) -> DotReading:
    stack: list[str] = []
    members: dict[str, list[str]] = {}
    zone_of: dict[str, Zone] = {}
    edges: list[DotEdge] = []
    for line in text.splitlines():
        if _CLUSTER.match(line):
            stack.append("")
            continue
        if line.strip() == "}" and stack:
            stack.pop()
            continue
        if (found := _GRAPH_LABEL.match(line)) and stack:
            stack[-1] = found.group(1)
            continue
        if found := _EDGE.match(line):
            keys = found.group(3).split(" - findings:")[0].split(": ", 1)[-1].split(", ")
            edges.append(DotEdge(found.group(1), found.group(2), keys, found.group(4)))
            continue
        if found := _NODE.match(line):
            # A single system or party's tooltip gives its key after its name; a group's names.
            named = found.group(2).split(" - findings:")[0]
            single = _NAMED_REF.fullmatch(named)
            node, refs = found.group(1), [single.group(1)] if single else named.split(", ")
            members[node] = refs
            zone = next(
                (
                    zone
                    for title in stack
                    for prefix, zone in ZONE_OF_TITLE.items()
                    if title.startswith(prefix)
                ),
                None,
            )
            if zone is not None:
                for ref in refs:
                    zone_of[ref] = zone
    for edge in edges:
        edge.source = ", ".join(members.get(edge.source, [edge.source]))
        edge.target = ", ".join(members.get(edge.target, [edge.target]))
    return DotReading(zone_of, edges)


def _transfer_rows(facts: Facts, findings: list[Finding]) -> Iterator[tuple[str, str, str]]:
    """(flow key, country code, adequacy decision) of every organisation's Transfers sheet, in
    the internal edition (one row may stand for several flows to the same importer)."""
    for organisation in facts.graph.organisations:
        data = xlsx.workbook(facts, findings, organisation=organisation, edition="internal")
        table = (
            CalamineWorkbook.from_filelike(io.BytesIO(data))
            .get_sheet_by_name("Transfers")
            .to_python(skip_empty_area=False)
        )
        header = table[0]
        flows, country = header.index("Flow IDs"), header.index("Country code")
        decision = header.index("Adequacy decision")
        for row in table[1:]:
            shown = "" if row[decision] in EMPTY else str(row[decision])
            for key in str(row[flows]).splitlines():
                yield key, str(row[country]), shown


# --- the tests ----------------------------------------------------------------------------------


def test_transfers_agree_across_diagram_workbook_findings_and_lineage(judged: Judged) -> None:
    facts, findings = judged.facts, judged.findings
    transfers = {key for key, flow in facts.flows.items() if flow.is_transfer}
    judged_transfers = {f.key for f in facts.judged_flows if f.is_transfer}
    assert transfers, "the registry must have transfers for this test to mean anything"

    # the diagram draws exactly the transfers
    reading = _read_dot(dot(facts, findings, "transfers"))
    drawn = {key for edge in reading.edges for key in edge.flows}
    assert drawn == transfers

    # the workbook lists exactly the judged transfers, with the same destination and decision
    rows = {key: (country, decision) for key, country, decision in _transfer_rows(facts, findings)}
    assert set(rows) == judged_transfers
    for key, (country, decision) in rows.items():
        flow = facts.flows[key]
        assert country == (flow.destination or ""), key
        shown = flow.decision is not None and flow.mechanism_key in (
            "adequacy_decision",
            "eu_us_dpf",
        )
        assert bool(decision) is shown, key

    # transfer findings fall only on transfers, and every undeclared transfer has one
    on_flows = {f.entity.removeprefix("flow:") for f in findings if f.rule in TRANSFER_RULES}
    assert on_flows <= judged_transfers
    undeclared = {f.key for f in facts.judged_flows if f.undeclared and f.destination}
    flagged = {
        f.entity.removeprefix("flow:") for f in findings if f.rule == "ART30-1E-TRANSFER-UNDECLARED"
    }
    assert flagged == undeclared

    # lineage marks a node outside the EEA exactly when the facts place it there
    for category in sorted({c for flow in facts.flows.values() for c in flow.flow.data_categories}):
        for reached in category_lineage(facts, category).reached:
            country = facts.graph.country_of(reached.node)
            assert reached.outside_eea is facts.outside_eea(country), reached.node
            into = [
                facts.flows[key]
                for key in reached.flows
                if facts.flows[key].flow.target == reached.node and facts.flows[key].transfer
            ]
            expected = {f.mechanism_key or "none recorded" for f in into}
            if category in {c for f in into for c in f.flow.data_categories}:
                assert expected <= set(reached.mechanisms), reached.node


def test_diagram_zones_are_the_facts_zones(judged: Judged) -> None:
    facts = judged.facts
    reading = _read_dot(dot(facts, judged.findings, "transfers"))
    assert reading.zone_of_node
    for node, zone in reading.zone_of_node.items():
        assert zone == facts.node_zone(node), node


def test_us_vendors_under_sccs_are_not_drawn_as_adequate() -> None:
    """Continental Voice Exchange and Postwave are US importers reached under SCCs and not
    DPF-certified: the EU-US decision does not cover them."""
    judged = _judged(parse_document(EXAMPLE.read_bytes(), "yaml"))
    reading = _read_dot(dot(judged.facts, judged.findings, "transfers"))
    parties = judged.facts.graph.parties
    for key in ("trunk-us", "helpdesk-mail"):
        assert parties[key].country == "US" and (
            parties[key].dpf is None or not parties[key].dpf.certified
        )
        assert reading.zone_of_node[f"party:{key}"] is Zone.THIRD
    # a certified importer in the same country is covered
    certified = [
        node
        for node, zone in reading.zone_of_node.items()
        if zone is Zone.ADEQUATE and judged.facts.graph.country_of(node) == "US"
    ]
    assert certified


def test_grouped_edges_describe_every_member_flow(judged: Judged) -> None:
    facts = judged.facts
    for view in ("organisation", "transfers"):
        for detail in ("party", "cluster"):
            for edge in _read_dot(dot(facts, judged.findings, view, detail=detail)).edges:
                members = [facts.flows[key] for key in edge.flows if key in facts.flows]
                if len(members) < 2 or len(members) != len(edge.flows):
                    continue  # not a flow edge, or a tooltip capped before every key
                crossing = [f for f in members if f.is_transfer]
                share = f"{len(crossing)} of {len(members)} flows are transfers"
                if crossing and len(crossing) < len(members):
                    assert share in edge.label, (view, detail, edge.flows)
                else:
                    assert "flows are transfers" not in edge.label, (view, detail, edge.flows)
                if not crossing:
                    assert "transfer:" not in edge.label, (view, detail, edge.flows)


def test_the_device_to_vendor_cloud_edge_says_how_many_flows_are_transfers() -> None:
    """The example's user devices send five flows to the vendor cloud; two are transfers."""
    judged = _judged(parse_document(EXAMPLE.read_bytes(), "yaml"))
    edges = _read_dot(dot(judged.facts, judged.findings, "organisation", detail="cluster")).edges
    mixed = [e for e in edges if "flows are transfers" in e.label]
    assert mixed
    for edge in mixed:
        crossing = sum(1 for key in edge.flows if judged.facts.flows[key].is_transfer)
        assert f"{crossing} of {len(edge.flows)} flows are transfers" in edge.label
        assert 0 < crossing < len(edge.flows)
