"""Lineage, breach impact and erasure queries over the graph."""

from __future__ import annotations

from ropa.domain.vocabulary import builtin
from ropa.facts import Facts, derive
from ropa.graph import build_graph
from ropa.lineage import category_lineage, erasure_parties, party_impact
from tests.unit.rules.harness import ON, changed, clean, document, item


def _graph(data: dict) -> Facts:
    return derive(build_graph(document(data), builtin()), ON)


def _add_sub_processor(data: dict) -> None:
    data["parties"].append(
        {
            "key": "fcm-sub",
            "organisation": "acme",
            "name": "Sub-processor of FCM",
            "role": "sub_processor",
            "country": "IN",
            "sub_processor_of": "fcm",
            "sub_processor_authorisation": "general, DPA-2025-02 s.9",
            "contract": {"reference": "FCM-SUB-1"},
        }
    )


def test_category_reaches_every_node_on_its_flows_with_countries_and_mechanisms() -> None:
    lineage = category_lineage(_graph(clean()), "push_token")
    by_node = {r.node: r for r in lineage.reached}
    assert set(by_node) == {"system:app", "system:relay", "party:fcm"}
    assert by_node["party:fcm"].country == "US"
    assert by_node["party:fcm"].outside_eea
    assert by_node["party:fcm"].mechanisms == ["eu_us_dpf"]
    assert by_node["system:relay"].country == "DE" and not by_node["system:relay"].outside_eea
    assert lineage.declared_by == ["push"]


def test_category_not_on_that_flow_does_not_reach_the_party() -> None:
    lineage = category_lineage(_graph(clean()), "sip_account_credentials")
    assert {r.node for r in lineage.reached} == {"system:app", "system:relay"}


def test_transfer_without_mechanism_is_shown_as_such() -> None:
    def drop(data: dict) -> None:
        del item(data, "flows", "relay-to-fcm")["transfer"]["mechanism"]

    reached = category_lineage(_graph(changed(drop)), "push_token").reached
    assert next(r for r in reached if r.node == "party:fcm").mechanisms == ["none recorded"]


def test_breach_at_operator_exposes_its_systems_and_what_flows_into_them() -> None:
    impact = party_impact(_graph(clean()), "hoster")
    assert impact.exposed_nodes == ["party:hoster", "system:relay"]
    assert impact.activities == ["push"]
    assert impact.data_categories == ["push_token", "sip_account_credentials"]
    assert impact.data_subjects == ["app_users"]
    assert impact.countries == ["DE"]


def test_breach_reaches_down_to_sub_processors() -> None:
    impact = party_impact(_graph(changed(_add_sub_processor)), "fcm")
    assert "party:fcm-sub" in impact.exposed_nodes
    assert impact.countries == ["IN", "US"]


def test_erasure_lists_recipients_operators_and_sub_processors() -> None:
    erasure = erasure_parties(_graph(changed(_add_sub_processor)), "app_users")
    assert erasure.activities == ["push"]
    by_party = {p.party: p for p in erasure.parties}
    assert set(by_party) == {"fcm", "fcm-sub", "hoster"}
    assert by_party["fcm"].email == "dpa@fcm.example"
    assert by_party["fcm-sub"].via == "sub-processor of fcm"


def test_erasure_for_a_category_no_activity_holds_is_empty() -> None:
    erasure = erasure_parties(_graph(clean()), "job_applicants")
    assert erasure.activities == [] and erasure.parties == []
