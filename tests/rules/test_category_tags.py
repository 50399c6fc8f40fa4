"""A keeper's data category carries the same properties as a built-in one: every rule, and the
facts they read, treat a term tagged ``location``, ``traffic``, ``content``, ``financial`` or
``children`` (or marked special or criminal) exactly like a built-in category with those tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from ropa.domain.vocabulary import DataCategory, Vocabularies, builtin
from ropa.facts import derive
from ropa.graph import build_graph
from ropa.rules import evaluate
from tests.rules.harness import ON, changed, document, item

PROPERTIES = [
    pytest.param({"tags": ["location"]}, id="location"),
    pytest.param({"tags": ["traffic"]}, id="traffic"),
    pytest.param({"tags": ["content"]}, id="content"),
    pytest.param({"tags": ["financial"]}, id="financial"),
    pytest.param({"tags": ["children"]}, id="children"),
    pytest.param({"tags": ["traffic", "location"]}, id="traffic-and-location"),
    pytest.param({"special": True}, id="special"),
    pytest.param({"criminal": True}, id="criminal"),
]
BUILT_IN = "test_builtin_category"
KEEPERS = "test_keepers_category"


def _vocabulary(properties: dict[str, Any]) -> Vocabularies:
    vocab = builtin()
    added = DataCategory(key=BUILT_IN, label="The category", **properties)
    return msgspec.structs.replace(
        vocab, data_categories={**vocab.data_categories, BUILT_IN: added}
    )


def _registry(category: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The clean registry of a public communications provider without a DPO, the push activity
    processing the category (and a flow carrying it to FCM in the US)."""

    def change(data: dict[str, Any]) -> None:
        acme = item(data, "organisations", "acme")
        acme["communications_service"] = {"public": True, "countries": ["DE"]}
        acme["employee_band"] = "under_250"
        del acme["dpo"]
        acme["dpo_designated"] = False
        push = item(data, "activities", "push")
        push["data_categories"].append(category)
        push["risk_indicators"] = ["large_scale"]
        push["retention"].append({"data_category": category, "period": "P1Y"})
        item(data, "flows", "relay-to-fcm")["data_categories"].append(category)
        if category == KEEPERS:
            term = {"key": KEEPERS, "vocabulary": "data_category", "label": "The category"}
            data.setdefault("terms", []).append(term | properties)

    return changed(change)


def _judged(category: str, properties: dict[str, Any], on: dt.date = ON) -> Any:
    graph = build_graph(document(_registry(category, properties)), _vocabulary(properties))
    return graph, derive(graph, on)


@pytest.mark.parametrize("properties", PROPERTIES)
def test_keepers_term_is_judged_like_the_built_in_category(properties: dict[str, Any]) -> None:
    built_graph, built = _judged(BUILT_IN, properties)
    own_graph, own = _judged(KEEPERS, properties)
    info, own_info = built_graph.category(BUILT_IN), own_graph.category(KEEPERS)
    assert (info.special, info.criminal, info.tags) == (
        own_info.special,
        own_info.criminal,
        own_info.tags,
    )
    assert built.activities["push"].screening == own.activities["push"].screening
    assert built.organisations["acme"].dpo_grounds == own.organisations["acme"].dpo_grounds

    def verdicts(facts: Any) -> list[tuple[str, str, str]]:
        return sorted(
            (f.rule, f.entity, f.message.replace(BUILT_IN, "X").replace(KEEPERS, "X"))
            for f in evaluate(facts)
        )

    assert verdicts(built) == verdicts(own)


def test_a_tag_makes_a_difference() -> None:
    """Guards the comparison above against passing because tags change nothing."""
    _, tagged = _judged(KEEPERS, {"tags": ["traffic"]})
    _, plain = _judged(KEEPERS, {})
    assert tagged.organisations["acme"].dpo_grounds and not plain.organisations["acme"].dpo_grounds
