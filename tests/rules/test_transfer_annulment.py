"""DPF validity comes from one source, the dated vocabulary: an annulment recorded there, on the
eu_us_dpf mechanism or on its adequacy decision, bites every rule that relies on the DPF."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ropa.domain.vocabulary import load_vocabularies, schema_dir
from ropa.facts import Zone, derive
from ropa.graph import build_graph
from ropa.rules import evaluate
from tests.rules.harness import ON, changed, document
from tests.rules.test_transfers import added

ANNULLED = "2026-06-01"
US_CLOUD = (
    added("parties", key="cloud", organisation="acme", name="Cloud Inc", role="processor",
          country="US", contract={"reference": "DPA-2026-07"},
          dpf={"certified": True, "checked_on": "2026-10-01"}),
    added("systems", key="store", organisation="acme", name="Token store", operator="cloud",
          hosting_country="US"),
    added("flows", key="relay-to-store", activity="push", source="system:relay",
          target="system:store", data_categories=["push_token"],
          transfer={"destination_country": "US", "mechanism": "adequacy_decision"}),
)  # fmt: skip
"""Besides relay-to-fcm under `eu_us_dpf`, a second DPF transfer under `adequacy_decision`."""
DPF_FLOWS = {"relay-to-fcm", "relay-to-store"}


def _vocabulary(tmp_path: Path, file: str, key: str) -> Path:
    folder = tmp_path / "vocabulary"
    shutil.copytree(schema_dir() / "vocabulary", folder)
    path = folder / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    (entry,) = [e for e in next(iter(data.values())) if e["key"] == key]
    entry["valid_until"] = ANNULLED
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("transfer_mechanisms.yaml", "eu_us_dpf"),
        ("adequacy.yaml", "eu_us_data_privacy_framework"),
    ],
    ids=["annulled-on-the-mechanism", "annulled-on-the-decision"],
)
def test_an_annulment_in_the_vocabulary_flags_every_dpf_transfer(
    tmp_path: Path, file: str, key: str
) -> None:
    vocab = load_vocabularies(_vocabulary(tmp_path, file, key))
    facts = derive(build_graph(document(changed(*US_CLOUD)), vocab), ON)
    flagged = {
        f.entity.removeprefix("flow:")
        for f in evaluate(facts)
        if f.rule in ("TRANSFER-INVALID-MECHANISM", "TRANSFER-ADEQUACY-NOT-APPLICABLE")
    }
    assert flagged == DPF_FLOWS
    # and every output that shows zones sees the certified importers as third-country ones
    assert facts.node_zone("party:fcm") is Zone.THIRD
    assert facts.node_zone("system:store") is Zone.THIRD
    assert all(facts.flows[key].decision is None for key in DPF_FLOWS)


def test_without_an_annulment_no_dpf_transfer_is_flagged() -> None:
    facts = derive(build_graph(document(changed(*US_CLOUD)), load_vocabularies()), ON)
    rules = ("TRANSFER-INVALID-MECHANISM", "TRANSFER-ADEQUACY-NOT-APPLICABLE")
    assert [f.id for f in evaluate(facts, rules)] == []
    assert facts.node_zone("party:fcm") is Zone.ADEQUATE
