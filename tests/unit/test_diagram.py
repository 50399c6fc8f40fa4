"""Data-flow diagrams: golden DOT for each view, determinism, hostile text, findings, rendering.

Golden files (tests/golden/*.dot) are compared as text, so most of these tests need no Graphviz.
After an intended change to the diagrams, regenerate them and review the diff:

    ROPA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_diagram.py

Tests that run Graphviz's `dot` binary (rendering in every format, the hostile registry's SVG)
are skipped with the reason when `dot` is not installed, except when the environment variable
CI is "true": there a missing `dot` fails them (install it with `apt-get install graphviz`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import RegistryGraph, build_graph
from ropa.input.document import parse_document
from ropa.lineage import category_lineage
from ropa.render import dot as dotlang
from ropa.render.diagram import (
    DETAILS,
    FORMATS,
    VIEWS,
    DiagramError,
    MissingArgument,
    RendererUnavailable,
    RenderFailed,
    RenderTimeout,
    UnknownDetail,
    UnknownEntity,
    UnknownFormat,
    UnknownView,
    dot,
    looks,
    render,
)
from ropa.rules import Finding, evaluate
from tests.unit.rules.harness import clean, document, item

ON = dt.date(2026, 11, 22)
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("ROPA_UPDATE_GOLDEN") == "1"
IN_CI = os.environ.get("CI") == "true"

# A small hand-made registry that uses every node shape, every cluster zone and every edge
# colour: a missing mechanism (crm), an invalid one (legacy, Privacy Shield), an undeclared
# transfer (analytics, India), an adequate country (backup, Switzerland), a sub-processor, an
# authority, a party whose role is not recorded, two organisations and a data-category term.
SMALL = """
ropa: "1"
organisations:
  - {key: acme, name: Acme Telefonie GmbH, establishment_country: DE}
  - {key: beta, name: Beta SAS, establishment_country: FR}
terms:
  - {key: loyalty_tier, vocabulary: data_category, label: Loyalty tier}
parties:
  - {key: hoster, organisation: acme, name: Hoster GmbH, role: processor, country: DE}
  - {key: backup, organisation: acme, name: Backup AG, role: sub_processor, country: CH,
     sub_processor_of: hoster}
  - {key: fcm, organisation: acme, name: Google LLC (FCM), role: processor, country: US,
     dpf: {certified: true, checked_on: 2026-10-01}}
  - {key: crm, organisation: acme, name: CRM Inc., role: processor, country: US}
  - {key: legacy, organisation: acme, name: Legacy Corp., role: independent_controller,
     country: US}
  - {key: analytics, organisation: acme, name: Analytics Pvt Ltd, role: processor, country: IN}
  - {key: police, organisation: acme, name: Landespolizei, role: authority, country: DE}
  - {key: partner, organisation: acme, name: Partner of unknown role}
  - {key: beta-bank, organisation: beta, name: Banque Beta, role: joint_controller, country: FR}
systems:
  - {key: app, organisation: acme, name: Softphone app, type: app, trust_boundary: user device}
  - {key: phone, organisation: acme, name: Desk phone, type: device}
  - {key: relay, organisation: acme, name: Push relay, type: server, operator: hoster,
     hosting_country: DE, trust_boundary: data centre}
  - {key: db, organisation: acme, name: Customer database, type: database, hosting_country: DE,
     trust_boundary: data centre}
  - {key: switch, organisation: acme, name: Core switch, type: network, hosting_country: DE,
     trust_boundary: data centre}
  - {key: mail, organisation: acme, name: CRM mail, type: saas, operator: crm,
     hosting_country: US, trust_boundary: vendor cloud}
  - {key: ledger, organisation: beta, name: Ledger, type: other, hosting_country: FR}
activities:
  - key: push
    organisation: acme
    name: Push notifications
    data_categories: [push_token, sip_account_credentials, phone_number, full_name]
    recipients: [hoster, fcm]
    systems: [app, relay]
  - key: crm-sync
    organisation: acme
    name: CRM synchronisation
    data_categories: [full_name, email_address, phone_number, postal_address, loyalty_tier]
    recipients: [crm, legacy, analytics, backup, police, partner]
    systems: [db, mail, switch, phone]
  - key: beta-ops
    organisation: beta
    name: Beta operations
    data_categories: [billing_records]
    recipients: [beta-bank]
    systems: [ledger]
flows:
  - {key: app-to-relay, activity: push, source: "system:app", target: "system:relay",
     data_categories: [push_token, sip_account_credentials]}
  - {key: relay-to-fcm, activity: push, source: "system:relay", target: "party:fcm",
     data_categories: [push_token, phone_number, full_name],
     transfer: {destination_country: US, mechanism: eu_us_dpf}}
  - {key: db-to-crm, activity: crm-sync, source: "system:db", target: "system:mail",
     data_categories: [full_name, email_address, phone_number, postal_address, loyalty_tier],
     transfer: {destination_country: US}}
  - {key: db-to-legacy, activity: crm-sync, source: "system:db", target: "party:legacy",
     data_categories: [full_name], transfer: {destination_country: US, mechanism: privacy_shield}}
  - {key: db-to-analytics, activity: crm-sync, source: "system:db", target: "party:analytics",
     data_categories: [email_address]}
  - {key: relay-to-backup, activity: crm-sync, source: "system:relay", target: "party:backup",
     data_categories: [full_name, loyalty_tier],
     transfer: {destination_country: CH, mechanism: adequacy_decision}}
  - {key: db-to-police, activity: crm-sync, source: "system:db", target: "party:police",
     data_categories: [phone_number]}
  - {key: phone-to-switch, activity: crm-sync, source: "system:phone", target: "system:switch",
     data_categories: [phone_number]}
  - {key: switch-to-db, activity: crm-sync, source: "system:switch", target: "system:db",
     data_categories: [phone_number]}
  - {key: partner-to-db, activity: crm-sync, source: "party:partner", target: "system:db",
     data_categories: [full_name]}
  - {key: ledger-to-bank, activity: beta-ops, source: "system:ledger", target: "party:beta-bank",
     data_categories: [billing_records]}
"""

Registry = tuple[RegistryGraph, list[Finding]]


def _load(document_: m.RegistryDocument) -> Registry:
    graph = build_graph(document_, builtin())
    return derive(graph, ON), evaluate(derive(graph, ON))


@pytest.fixture(scope="module")
def example() -> Registry:
    raw = (ROOT / "examples" / "softphone-provider.yaml").read_text(encoding="utf-8")
    return _load(parse_document(raw, "yaml"))


@pytest.fixture(scope="module")
def small() -> Registry:
    return _load(parse_document(SMALL, "yaml"))


@pytest.fixture(scope="module")
def registries(example: Registry, small: Registry) -> dict[str, Registry]:
    return {"example": example, "small": small}


def _dot(registry: Registry, view: str, **kwargs: Any) -> str:
    graph, findings = registry
    return dot(graph, findings, view, **kwargs)


# --- golden files ---------------------------------------------------------------------------

GOLDEN_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("example", "organisation", {}),
    ("example", "organisation", {"detail": "party"}),
    ("example", "organisation", {"detail": "cluster"}),
    ("example", "activity", {"activity": "push-notifications"}),
    ("example", "category", {"category": "phone_number"}),
    ("example", "party", {"party": "helpdesk"}),
    ("example", "transfers", {}),
    ("example", "transfers", {"detail": "cluster"}),
    ("small", "organisation", {}),
    ("small", "organisation", {"detail": "party"}),
    ("small", "organisation", {"detail": "cluster"}),
    ("small", "organisation", {"organisation": "beta"}),
    ("small", "activity", {"activity": "crm-sync"}),
    ("small", "category", {"category": "full_name"}),
    ("small", "party", {"party": "hoster"}),
    ("small", "transfers", {}),
    ("small", "transfers", {"detail": "party"}),
]


def _golden_name(registry: str, view: str, kwargs: dict[str, Any]) -> str:
    parts = [registry, view]
    parts.extend(str(value) for key, value in sorted(kwargs.items()) if key != "detail")
    parts.append(kwargs.get("detail", "full"))
    return "-".join(parts) + ".dot"


@pytest.mark.parametrize(
    ("registry", "view", "kwargs"),
    GOLDEN_CASES,
    ids=[_golden_name(*case) for case in GOLDEN_CASES],
)
def test_dot_matches_golden_file(
    registries: dict[str, Registry], registry: str, view: str, kwargs: dict[str, Any]
) -> None:
    text = _dot(registries[registry], view, **kwargs)
    path = GOLDEN / _golden_name(registry, view, kwargs)
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} missing: run with ROPA_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if the change is intended, run with ROPA_UPDATE_GOLDEN=1"
    )


def test_every_view_has_a_golden_file_for_both_registries() -> None:
    for registry in ("example", "small"):
        assert {view for name, view, _ in GOLDEN_CASES if name == registry} == set(VIEWS)


# --- determinism ----------------------------------------------------------------------------


def _reversed(document_: m.RegistryDocument) -> m.RegistryDocument:
    """The same registry with every collection, and every list inside an entity, reversed."""

    def flip(entity: Any) -> Any:
        changes = {
            name: list(reversed(value))
            for name in entity.__struct_fields__
            if isinstance(value := getattr(entity, name), list)
        }
        return msgspec.structs.replace(entity, **changes)

    return msgspec.structs.replace(
        document_,
        **{
            name: [flip(entity) for entity in reversed(getattr(document_, name))]
            for name in document_.__struct_fields__
            if isinstance(getattr(document_, name), list)
        },
    )


@pytest.mark.parametrize("source", ["example", "small"])
def test_same_registry_in_any_order_gives_identical_dot(source: str) -> None:
    if source == "example":
        raw = (ROOT / "examples" / "softphone-provider.yaml").read_text(encoding="utf-8")
    else:
        raw = SMALL
    first = _load(parse_document(raw, "yaml"))
    again = _load(parse_document(raw, "yaml"))
    shuffled = _load(_reversed(parse_document(raw, "yaml")))
    arguments = {
        "example": {
            "activity": "sip-calling",
            "category": "phone_number",
            "party": "trunk-eu",
        },
        "small": {"activity": "crm-sync", "category": "full_name", "party": "crm"},
    }[source]
    for view in VIEWS:
        kwargs = {view: arguments[view]} if view in arguments else {}
        for detail in DETAILS:
            text = _dot(first, view, detail=detail, **kwargs)
            assert text == _dot(again, view, detail=detail, **kwargs), (view, detail)
            assert text == _dot(shuffled, view, detail=detail, **kwargs), (view, detail)


def test_ids_are_synthetic_and_assigned_in_sorted_order(small: Registry) -> None:
    text = _dot(small, "organisation")
    ids = re.findall(r"^\s+(n\d+) \[", text, re.M)
    refs = re.findall(r'^\s+n\d+ \[.*?tooltip="[^"]*?\(((?:system|party):[^)\s]+)\)', text, re.M)
    numbers = [int(i[1:]) for i in ids]
    assert sorted(numbers) == list(range(1, len(ids) + 1))
    by_number = [ref for _, ref in sorted(zip(numbers, refs, strict=True))]
    assert by_number == sorted(by_number)


# --- content --------------------------------------------------------------------------------


def _node_id(text: str, ref: str) -> str:
    """The node standing for one system or party: its tooltip names it, then gives its key."""
    ref = re.escape(ref)
    found = re.search(rf'^\s+(n\d+) \[[^\n]*tooltip="(?:{ref}|[^"]*\({ref}\))[" ]', text, re.M)
    assert found, f"no node for {ref}"
    return found.group(1)


def _edge(text: str, flow: str) -> str:
    lines = [
        line
        for line in text.splitlines()
        if " -> " in line and re.search(rf'tooltip="flows?: [^"]*\b{re.escape(flow)}\b', line)
    ]
    assert len(lines) == 1, f"edges for {flow}: {lines}"
    return lines[0]


def _clean_dot(change: Callable[[dict[str, Any]], None] | None = None, **kwargs: Any) -> str:
    data = clean()
    if change is not None:
        change(data)
    return _dot(_load(document(data)), "organisation", **kwargs)


def test_valid_transfer_is_blue_and_names_its_mechanism() -> None:
    edge = _edge(_clean_dot(), "relay-to-fcm")
    assert f'color="{looks.TRANSFER}"' in edge
    assert looks.PROBLEM not in edge
    # In the vocabularies' words, not their keys (eu_us_dpf, US).
    assert "transfer to United States:<BR/>EU-US Data Privacy Framework" in edge
    assert "eu_us_dpf" not in edge


def test_countries_are_named_not_coded(small: Registry) -> None:
    text = _dot(small, "organisation")
    assert "processor · United States<" in text and "server · Germany<" in text
    assert not re.search(r"· [A-Z]{2}<", text)
    backup = _edge(text, "relay-to-backup")
    assert "transfer to Switzerland:<BR/>Adequacy decision (Art 45)" in backup
    assert "countries: Switzerland, Germany" in _dot(small, "party", party="hoster")


def test_tooltips_name_the_systems_and_parties_a_node_stands_for(small: Registry) -> None:
    text = _dot(small, "organisation", detail="cluster")
    tooltips = re.findall(r'^\s+n\d+ \[[^\n]*tooltip="([^"]*)"', text, re.M)
    assert "Core switch, Customer database, Push relay" in tooltips
    names = [t.partition(" - findings")[0] for t in tooltips]
    assert not [t for t in names if re.search(r"(system|party):", t) and ", " in t]
    single = _dot(small, "organisation")
    assert re.search(r'tooltip="Hoster GmbH \(party:hoster\)[" ]', single)
    # Names keep letters of any script; quotes and backslashes never reach a tooltip.
    hostile = dot(derive(_hostile_graph(), ON), [], "organisation")
    assert 'tooltip="خادم البيانات (system:' in hostile
    assert 'tooltip="x?? ? ? evil ?label??pwned (system:s-inject)"' in hostile


def test_missing_mechanism_is_red() -> None:
    def drop(data: dict[str, Any]) -> None:
        del item(data, "flows", "relay-to-fcm")["transfer"]["mechanism"]

    edge = _edge(_clean_dot(drop), "relay-to-fcm")
    assert f'color="{looks.PROBLEM}"' in edge
    assert "! no transfer mechanism" in edge
    assert "TRANSFER-MISSING-MECHANISM" in edge


def test_invalid_mechanism_is_red() -> None:
    def shield(data: dict[str, Any]) -> None:
        item(data, "flows", "relay-to-fcm")["transfer"]["mechanism"] = "privacy_shield"

    edge = _edge(_clean_dot(shield), "relay-to-fcm")
    assert f'color="{looks.PROBLEM}"' in edge
    assert "! invalid transfer mechanism" in edge


def test_undeclared_transfer_is_red() -> None:
    def undeclare(data: dict[str, Any]) -> None:
        del item(data, "flows", "relay-to-fcm")["transfer"]

    edge = _edge(_clean_dot(undeclare), "relay-to-fcm")
    assert f'color="{looks.PROBLEM}"' in edge
    assert "! undeclared transfer" in edge


def test_waived_finding_does_not_colour_the_flow() -> None:
    def drop_and_waive(data: dict[str, Any]) -> None:
        del item(data, "flows", "relay-to-fcm")["transfer"]["mechanism"]
        data["waivers"] = [
            {
                "key": "w1",
                "organisation": "acme",
                "finding": "TRANSFER-MISSING-MECHANISM@flow:relay-to-fcm",
                "reason": "Mechanism being negotiated",
                "accepted_by": "DPO",
                "accepted_on": "2026-11-01",
                "expires_on": "2027-01-01",
            }
        ]

    edge = _edge(_clean_dot(drop_and_waive), "relay-to-fcm")
    assert looks.PROBLEM not in edge


def test_red_edges_in_the_small_registry_are_exactly_the_transfer_problems(
    small: Registry,
) -> None:
    for view in ("organisation", "transfers"):
        text = _dot(small, view)
        for flow in ("db-to-crm", "db-to-legacy", "db-to-analytics"):
            assert f'color="{looks.PROBLEM}"' in _edge(text, flow), (view, flow)
        for flow in ("relay-to-fcm", "relay-to-backup"):
            assert looks.PROBLEM not in _edge(text, flow), (view, flow)


def test_categories_are_listed_up_to_max_labels_then_counted(small: Registry) -> None:
    text = _dot(small, "organisation")
    assert "5 categories" in _edge(text, "db-to-crm")
    assert "Full name<BR/>Phone number<BR/>Push notification token" in _edge(text, "relay-to-fcm")
    fewer = _dot(small, "organisation", max_labels=2)
    assert "3 categories" in _edge(fewer, "relay-to-fcm")
    more = _dot(small, "organisation", max_labels=10)
    assert "Loyalty tier" in _edge(more, "db-to-crm")


def test_transfers_view_groups_destinations_in_three_zones(small: Registry) -> None:
    text = _dot(small, "transfers")
    for title in (
        "EEA",
        "Adequate for the importer (decision in force on 2026-11-22)",
        "Other third countries",
    ):
        assert f"label=<{title}>" in text
    assert "Switzerland (CH)" in text and "India (IN)" in text
    assert "United States (US) · partial adequacy" in text
    # Before the Data Privacy Framework, the United States were a third country.
    facts, findings = small
    before = dot(derive(facts.graph, dt.date(2023, 1, 1)), findings, "transfers")
    zones = re.findall(
        r"label=<(EEA|Adequate for the importer[^>]*|Other third countries)>", before
    )
    assert zones[0] == "EEA" and zones[-1] == "Other third countries"
    third = before[before.index("label=<Other third countries>") :]
    assert "United States (US)" in third


def test_legend_explains_the_shapes_and_colours_used(small: Registry) -> None:
    text = _dot(small, "organisation")
    legend = text[text.index("subgraph cluster_legend") :]
    for meaning in (
        "app (component)",
        "server (3-D box)",
        "database (cylinder)",
        "device (tab)",
        "SaaS (folder)",
        "network (parallelogram)",
        "other system (box)",
        "processor (ellipse)",
        "sub-processor (dashed ellipse)",
        "independent controller (octagon)",
        "joint controller (double octagon)",
        "public authority (house)",
        "party, role not recorded (diamond)",
    ):
        assert f"label=<{meaning}>" in legend
    for colour in (looks.INK, looks.TRANSFER, looks.PROBLEM, looks.CONTROL):
        assert f'BGCOLOR="{colour}"' in legend
    assert "collapsed group" not in legend  # no group is drawn at full detail


def test_colours_are_six_digit_hex(registries: dict[str, Registry]) -> None:
    for registry in registries.values():
        for view, kwargs in (("organisation", {}), ("transfers", {"detail": "cluster"})):
            text = _dot(registry, view, **kwargs)
            colours = re.findall(r"#[0-9A-Za-z]+", text)
            assert colours and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)


def test_newrank_is_on(small: Registry) -> None:
    assert 'newrank="true"' in _dot(small, "organisation")


def test_party_view_fills_what_a_breach_exposes(small: Registry) -> None:
    text = _dot(small, "party", party="hoster")
    start = _node_id(text, "party:hoster")
    assert re.search(rf'^\s+{start} \[[^\n]*fillcolor="{looks.START_FILL}"', text, re.M)
    for exposed in ("system:relay", "party:backup"):
        node = _node_id(text, exposed)
        assert re.search(rf'^\s+{node} \[[^\n]*fillcolor="{looks.EXPOSED_FILL}"', text, re.M)
    assert _edge(text, "app-to-relay")  # what flows into its system
    assert "What a breach at Hoster GmbH exposes" in text


def test_category_view_labels_edges_with_activities(small: Registry) -> None:
    text = _dot(small, "category", category="full_name")
    assert "Lineage of Full name" in text
    assert "CRM synchronisation" in _edge(text, "db-to-legacy")
    assert "phone-to-switch" not in text  # carries no full_name


def test_activity_view_holds_its_systems_parties_and_operators(small: Registry) -> None:
    text = _dot(small, "activity", activity="push")
    for ref in ("system:app", "system:relay", "party:fcm", "party:hoster"):
        _node_id(text, ref)
    assert "system:db" not in text
    assert "Activity: Push notifications" in text


def test_organisation_filter(small: Registry) -> None:
    text = _dot(small, "organisation", organisation="beta")
    assert "Banque Beta" in text and "Softphone app" not in text
    assert "Organisation: Beta SAS" in text


def test_dangling_reference_is_drawn_as_missing(small: Registry) -> None:
    graph, _ = small
    ghost = m.Flow(
        key="to-ghost",
        activity="push",
        source="system:relay",
        target="system:ghost",
        data_categories=["push_token"],
    )
    document_ = msgspec.structs.replace(
        graph.graph.document, flows=[*graph.graph.document.flows, ghost]
    )
    text = _dot(_load(document_), "activity", activity="push")
    node = _node_id(text, "system:ghost")
    assert re.search(rf'^\s+{node} \[shape="box", style="dashed",', text, re.M)
    assert "not in the registry" in text


def test_party_detail_folds_operated_systems_into_their_operator(small: Registry) -> None:
    text = _dot(small, "organisation", detail="party")
    # The party that operates it: its tooltip names both.
    found = re.search(r'^\s+(n\d+) \[[^\n]*tooltip="CRM Inc., CRM mail[" ]', text, re.M)
    assert found, "no node for the CRM party and its system"
    crm = found.group(1)
    assert re.search(rf"^\s+{crm} \[[^\n]*\+ CRM mail", text, re.M)
    assert "Trust boundary: data centre" in text
    assert "Trust boundary not recorded" in text  # the desk phone has none


def _node_count(text: str) -> int:
    return len(re.findall(r"^\s+n\d+ \[", text, re.M))


def test_collapsed_detail_levels_reduce_nodes_on_a_large_registry() -> None:
    graph = build_graph(generate(1_000), builtin())
    counts = {
        detail: _node_count(dot(derive(graph, ON), [], "organisation", detail=detail))
        for detail in DETAILS
    }
    assert counts["full"] == len(graph.systems) + len(graph.parties)
    assert counts["full"] > counts["party"] > counts["cluster"]
    assert counts["party"] <= len(graph.parties) + 3 * len(graph.organisations)
    assert counts["cluster"] <= 3 * len(graph.organisations) + len(graph.vocab.countries)


def test_huge_diagrams_switch_to_osage_and_small_ones_stay_on_dot(small: Registry) -> None:
    graph = build_graph(generate(1_000), builtin())
    full = dot(derive(graph, ON), [], "organisation")
    assert full.count(" -> ") > looks.HUGE and 'layout="osage"' in full
    assert "layout=" not in _dot(small, "organisation")


# --- errors ---------------------------------------------------------------------------------


def test_errors_are_typed_for_the_faces(small: Registry) -> None:
    graph, findings = small
    cases: list[tuple[type[DiagramError], type[Exception], Callable[[], object]]] = [
        (UnknownView, ValueError, lambda: dot(graph, findings, "galaxy")),
        (UnknownDetail, ValueError, lambda: dot(graph, findings, "organisation", detail="x")),
        (MissingArgument, ValueError, lambda: dot(graph, findings, "activity")),
        (MissingArgument, ValueError, lambda: dot(graph, findings, "category")),
        (MissingArgument, ValueError, lambda: dot(graph, findings, "party")),
        (UnknownEntity, LookupError, lambda: dot(graph, findings, "activity", activity="nope")),
        (UnknownEntity, LookupError, lambda: dot(graph, findings, "party", party="nope")),
        (UnknownEntity, LookupError, lambda: dot(graph, findings, "category", category="x")),
        (
            UnknownEntity,
            LookupError,
            lambda: dot(graph, findings, "organisation", organisation="nope"),
        ),
        (UnknownFormat, ValueError, lambda: render("digraph {}", "gif")),
    ]
    for error, family, call in cases:
        with pytest.raises(error) as caught:
            call()
        assert isinstance(caught.value, family)
        assert isinstance(caught.value, DiagramError)


def test_missing_dot_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dotlang.shutil, "which", lambda name: None)
    with pytest.raises(RendererUnavailable, match="apt-get install graphviz"):
        render("digraph {}", "svg")


def test_slow_render_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(cmd="dot", timeout=kwargs["timeout"])

    monkeypatch.setattr(dotlang.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(dotlang.subprocess, "run", slow)
    with pytest.raises(RenderTimeout, match="collapsed detail level"):
        render("digraph {}", "svg", timeout=0.5)


# --- hostile registry text ------------------------------------------------------------------

TEN_KB = "long name " * 1_000
HOSTILE: dict[str, str] = {
    "quote": 'a"b',
    "inject": 'x\\" ] ; evil [label="pwned',
    "braces": "{braces} | <pipe> ; [brackets]",
    "html": "<b>html</b> &amp; &lt;IMG SRC=x&gt;",
    "newline": "line1\nline2",
    "escapes": "back\\slash \\N \\G \\L \\E end\\",
    "controls": "bell\x07nul\x00esc\x1b del\x7f",
    "emoji": "\U0001f4de Téléphone \U0001f680\u2764\ufe0f",
    "arabic": "خادم البيانات",
    "hebrew": "שרת נתונים",
    "rtl-override": "abc\u202edcba",
    "long": TEN_KB,
}


def _hostile_graph() -> RegistryGraph:
    """Hostile text everywhere the diagrams show registry text, built without the parser."""
    org = m.Organisation(key="org", name=HOSTILE["inject"])
    term = m.Term(key="evil_cat", vocabulary=m.Vocabulary.DATA_CATEGORY, label=HOSTILE["html"])
    systems = [
        m.System(
            key=f"s-{name}",
            organisation="org",
            name=text,
            system_kind=m.SystemKind.SERVER,
            hosting_country="DE",
            trust_boundary=HOSTILE["braces"] if i % 2 else HOSTILE["quote"],
        )
        for i, (name, text) in enumerate(sorted(HOSTILE.items()))
    ]
    systems.append(
        m.System(key='k" ] ; evil [label="pwned', organisation="org", name="hostile key")
    )
    party = m.Party(
        key="p",
        organisation="org",
        name=HOSTILE["arabic"],
        role=m.PartyRole.PROCESSOR,
        country="US",
    )
    flows = [
        m.Flow(
            key=f"f-{system.key}",
            activity="act",
            source=f"system:{system.key}",
            target="party:p",
            data_categories=["evil_cat", "full_name"],
            purpose=HOSTILE["inject"],
        )
        for system in systems
    ]
    activity = m.Activity(
        key="act",
        organisation="org",
        name=HOSTILE["hebrew"],
        systems=[s.key for s in systems],
        recipients=["p"],
    )
    document_ = m.RegistryDocument(
        organisations=[org],
        terms=[term],
        systems=systems,
        parties=[party],
        activities=[activity],
        flows=flows,
    )
    return build_graph(document_, builtin())


_ATTR = re.compile(r'\s*([a-z][a-z0-9]*)=("[^"\\\n]*"|<)')


def _statements(text: str) -> list[tuple[str, dict[str, str]]]:
    """Parse the writer's own DOT: one statement a line, attribute values quoted or HTML."""
    statements = []
    for line in text.splitlines():
        found = re.fullmatch(
            r"\s*(digraph ropa \{|\}|subgraph [a-z][a-z0-9_]* \{|(graph|node|edge)"
            r"|[a-z][a-z0-9_]* -> [a-z][a-z0-9_]*|[a-z][a-z0-9_]*) ?(\[(.*)\];)?",
            line,
        )
        assert found, f"unexpected DOT line: {line[:200]}"
        head, body = found.group(1), found.group(4)
        attrs: dict[str, str] = {}
        rest = body or ""
        while rest:
            pair = _ATTR.match(rest)
            assert pair, f"bad attributes: {rest[:200]}"
            name, value = pair.group(1), pair.group(2)
            position = pair.end()
            if value == "<":
                depth, start = 1, position
                while depth:
                    depth += {"<": 1, ">": -1}.get(rest[position], 0)
                    position += 1
                value = rest[start - 1 : position]
            assert name not in attrs, f"attribute {name} given twice: {line[:200]}"
            attrs[name] = value
            rest = rest[position:].removeprefix(",")
        statements.append((head, attrs))
    return statements


ALLOWED_MARKUP = {"root", "B", "BR", "FONT", "TABLE", "TR", "TD"}


def test_hostile_text_cannot_break_or_inject_into_the_dot() -> None:
    graph = _hostile_graph()
    for view, kwargs in (
        ("organisation", {}),
        ("activity", {"activity": "act"}),
        ("category", {"category": "evil_cat"}),
        ("party", {"party": "p"}),
        ("transfers", {}),
    ):
        for detail in DETAILS:
            text = dot(derive(graph, ON), [], view, detail=detail, **kwargs)
            assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", text)
            nodes = 0
            for head, attrs in _statements(text):
                if re.fullmatch(r"n\d+", head):
                    nodes += 1
                for name, value in attrs.items():
                    if value.startswith("<"):
                        markup = ET.fromstring(f"<root>{value[1:-1]}</root>")
                        assert {e.tag for e in markup.iter()} <= ALLOWED_MARKUP, value[:200]
                    elif name == "tooltip":  # keys and names: no quote, backslash or &
                        assert re.fullmatch(r"[\w.:@/ ,+()?\u2026-]*", value[1:-1])
                    else:
                        assert "pwned" not in value and "evil" not in value, (name, value)
            if view == "organisation" and detail == "full":
                assert nodes == len(graph.systems) + len(graph.parties)


@pytest.fixture(scope="module")
def graphviz() -> str:
    binary = dotlang.dot_binary()
    if binary is None:
        if IN_CI:
            pytest.fail(
                "Graphviz `dot` is not installed; CI must install it (apt-get install graphviz)"
            )
        pytest.skip(
            "Graphviz `dot` is not installed (apt-get install graphviz); rendering not tested"
        )
    return binary


def _svg_texts(svg: bytes) -> tuple[ET.Element, list[str]]:
    root = ET.fromstring(svg)
    texts = ["".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")]
    return root, texts


def test_hostile_names_render_as_text_in_svg(graphviz: str) -> None:
    graph = _hostile_graph()
    text = dot(derive(graph, ON), [], "organisation")
    svg = render(text, "svg")
    root, texts = _svg_texts(svg)  # well-formed XML, or this raises
    joined = "\n".join(texts)
    for name in ("quote", "inject", "braces", "html", "emoji", "arabic", "hebrew", "escapes"):
        assert HOSTILE[name] in texts, name
    assert "line1" in texts and "line2" in texts
    assert "bell\ufffdnul\ufffdesc\ufffd del\ufffd" in joined
    assert "abc\u202edcba" in joined
    long_lines = dotlang.display_lines(TEN_KB)
    assert long_lines[0] in texts and long_lines[-1].endswith("\u2026")
    assert len(svg) < 200_000  # the 10 kB name is cut, not drawn across the page
    # Nothing injected: every node is one of ours, and no element carries a registry word.
    titles = [
        "".join(g.find("{http://www.w3.org/2000/svg}title").itertext())
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "node"
    ]
    assert all(re.fullmatch(r"n\d+|legend_\d+", t) for t in titles), titles
    assert len([t for t in titles if t.startswith("n")]) == len(graph.systems) + len(graph.parties)
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.endswith("}title"):  # tooltips: keys in the key alphabet, quotes as `?`
                assert '"' not in value and "\\" not in value, value
            else:
                assert "pwned" not in value and "evil" not in value, (name, value)


def test_hostile_svg_escapes_markup(graphviz: str) -> None:
    svg = render(dot(derive(_hostile_graph(), ON), [], "organisation"), "svg")
    assert b"<b>html</b>" not in svg
    assert b"&lt;b&gt;html&lt;/b&gt;" in svg


# --- rendering ------------------------------------------------------------------------------

VIEW_ARGUMENTS: dict[str, dict[str, str]] = {
    "organisation": {},
    "activity": {"activity": "push-notifications"},
    "category": {"category": "push_token"},
    "party": {"party": "helpdesk"},
    "transfers": {},
}
MAGIC = {"svg": b"<svg", "png": b"\x89PNG", "pdf": b"%PDF", "dot": b"digraph"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_in_every_format(
    graphviz: str, example: Registry, view: str, fmt: str
) -> None:
    output = render(_dot(example, view, **VIEW_ARGUMENTS[view]), fmt)
    assert MAGIC[fmt] in output[:400]
    if fmt == "dot":
        assert b"pos=" in output  # laid out by the binary


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("view", VIEWS)
def test_every_detail_level_renders(
    graphviz: str, registries: dict[str, Registry], view: str, detail: str
) -> None:
    for name, registry in registries.items():
        arguments = VIEW_ARGUMENTS[view] if name == "example" else {}
        if name == "small":
            arguments = {
                "activity": {"activity": "crm-sync"},
                "category": {"category": "full_name"},
                "party": {"party": "hoster"},
            }.get(view, {})
        svg = render(_dot(registry, view, detail=detail, **arguments), "svg")
        _svg_texts(svg)


def test_broken_dot_is_a_clear_error(graphviz: str) -> None:
    with pytest.raises(RenderFailed, match="exit status"):
        render("digraph { a -> }", "svg")


def test_rendered_svg_shows_the_text_of_the_dot(graphviz: str, example: Registry) -> None:
    _, texts = _svg_texts(render(_dot(example, "transfers"), "svg"))
    assert "Clickmetric analytics and crash" in texts
    assert "! no transfer mechanism" in texts
    assert "Transfers outside the EEA" in texts


# International organisations: one in the EEA (France), one in an adequate country
# (Switzerland), one with no seat recorded. The derived facts make each a transfer destination
# outside every territory; the diagrams must say so, never judge them by their seat's country.
INTERNATIONAL = """
ropa: "1"
organisations:
  - {key: acme, name: Acme GmbH, establishment_country: DE}
parties:
  - {key: agency, organisation: acme, name: Space Agency, role: independent_controller,
     country: FR, international_organisation: true}
  - {key: committee, organisation: acme, name: Relief Committee, role: independent_controller,
     country: CH, international_organisation: true}
  - {key: body, organisation: acme, name: Treaty Body, role: independent_controller,
     international_organisation: true}
  - {key: shop, organisation: acme, name: Shop SARL, role: processor, country: FR}
systems:
  - {key: db, organisation: acme, name: Customer database, type: database, hosting_country: DE}
activities:
  - key: aid
    organisation: acme
    name: Aid
    data_categories: [full_name]
    recipients: [agency, committee, body, shop]
    systems: [db]
flows:
  - {key: to-agency, activity: aid, source: "system:db", target: "party:agency",
     data_categories: [full_name]}
  - {key: to-committee, activity: aid, source: "system:db", target: "party:committee",
     data_categories: [full_name], transfer: {mechanism: scc_2021, scc_module: 1}}
  - {key: to-body, activity: aid, source: "system:db", target: "party:body",
     data_categories: [full_name]}
  - {key: to-shop, activity: aid, source: "system:db", target: "party:shop",
     data_categories: [full_name]}
"""


def _clusters_of(text: str) -> dict[str, str]:
    """Each node's tooltip (its ref) mapped to the label of the innermost cluster holding it."""
    found: dict[str, str] = {}
    stack: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        label = re.match(r"graph \[.*label=<([^>]*)>\]", line)
        node = re.match(r'n\d+ \[.*tooltip="[^"]*?\(((?:system|party):[^)\s]+)\)', line)
        if line.startswith("subgraph"):
            stack.append("")
        elif line == "}" and stack:
            stack.pop()
        elif label and stack:
            stack[-1] = label.group(1)
        elif node:
            found[node.group(1)] = stack[-1] if stack else ""
    return found


def test_international_organisations_are_judged_by_the_facts_not_by_their_seat() -> None:
    registry = _load(parse_document(INTERNATIONAL, "yaml"))
    facts, _ = registry
    for key in ("to-agency", "to-committee", "to-body"):
        assert facts.flows[key].is_transfer and facts.flows[key].zone == "third"
    transfers = _dot(registry, "transfers")
    placed = _clusters_of(transfers)
    for party in ("party:agency", "party:committee", "party:body"):
        assert placed[party] == "International organisations", (party, placed)
    assert "party:shop" not in placed  # no transfer
    zones = transfers[transfers.index("label=<Other third countries>") :]
    assert "International organisations" in zones
    assert "transfer to Space Agency:<BR/>undeclared transfer" in _edge(transfers, "to-agency")
    assert "transfer to Relief Committee:" in _edge(transfers, "to-committee")
    lineage = _dot(registry, "category", category="full_name")
    placed = _clusters_of(lineage)
    assert placed["party:agency"] == placed["party:body"] == "International organisations"
    assert placed["party:shop"] == "France (FR)"  # an ordinary party is placed by its country
    assert "France (FR) · third country" not in lineage
    assert "independent controller · international organisation" in lineage
    reached = {r.node: r for r in category_lineage(facts, "full_name").reached}
    for party in ("party:agency", "party:committee", "party:body"):
        assert reached[party].outside_eea, party
    assert not reached["party:shop"].outside_eea
    assert reached["party:agency"].mechanisms == ["undeclared"]
    assert reached["party:committee"].mechanisms == ["scc_2021"]
