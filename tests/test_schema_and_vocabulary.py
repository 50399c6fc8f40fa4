"""The data contract: generated schema in step with the model, vocabularies well-formed."""

from __future__ import annotations

import datetime as dt

import pytest

from ropa.domain import model as m
from ropa.domain.kinds import FILTER_TARGETS, KINDS
from ropa.domain.schema import registry_schema_path, registry_schema_text
from ropa.domain.vocabulary import VOCABULARY_TARGETS, builtin


def test_committed_schema_matches_the_model() -> None:
    committed = registry_schema_path().read_text(encoding="utf-8")
    assert committed == registry_schema_text(), "run `ropa schema` to regenerate"


def test_schema_describes_every_collection() -> None:
    text = registry_schema_text()
    for spec in KINDS.values():
        assert f'"{spec.collection}"' in text
        assert f'"{spec.type.__name__}"' in text


def test_every_filter_names_a_target_the_references_use() -> None:
    """A list filter and the index entries it matches must agree on the target."""
    targets_by_field: dict[str, set[str]] = {}
    samples = {
        "activity": m.Activity(
            key="a",
            organisation="o",
            name="A",
            data_subjects=["app_users"],
            data_categories=["push_token"],
            lawful_bases=[m.LawfulBasis(basis="consent")],
            art9_condition="explicit_consent",
            recipients=["p"],
            joint_controllers=["p"],
            systems=["s"],
            risk_indicators=["large_scale"],
        ),
        "flow": m.Flow(
            key="f",
            activity="a",
            source="system:s",
            target="party:p",
            data_categories=["push_token"],
            transfer=m.Transfer(destination_country="US", mechanism="scc_2021"),
        ),
        "party": m.Party(
            key="p",
            organisation="o",
            name="P",
            role=m.PartyRole.SUB_PROCESSOR,
            country="US",
            sub_processor_of="q",
        ),
        "system": m.System(key="s", organisation="o", name="S", operator="p", hosting_country="DE"),
        "processor_record": m.ProcessorRecord(
            key="r", organisation="o", controller=m.Contact(name="C"), sub_processors=["p"]
        ),
        "organisation": m.Organisation(key="o", name="O", establishment_country="DE"),
    }
    for kind, entity in samples.items():
        for ref in KINDS[kind].references(entity):
            targets_by_field.setdefault(ref.field, set()).add(ref.target)
    for field, target in FILTER_TARGETS.items():
        assert targets_by_field.get(field) == {target}, field
    for spec in KINDS.values():
        for field in spec.filters:
            assert field in FILTER_TARGETS or field in (
                "organisation",
                "status",
                "role",
                "type",
                "vocabulary",
                "finding",
                "source",
                "target",
            ), f"{spec.name}.{field} has no index entries"


def test_vocabularies_load_with_expected_content() -> None:
    vocab = builtin()
    assert len(vocab.countries) >= 249
    assert sum(c.eea and not c.part_of for c in vocab.countries.values()) == 30
    # outermost regions and Aland are EU territory (Art 355 TFEU); overseas territories are not
    assert all(vocab.is_eea(c) for c in ("AX", "GF", "GP", "MQ", "RE", "YT", "MF"))
    assert not any(vocab.is_eea(c) for c in ("GL", "NC", "PF", "AW"))
    assert vocab.is_eea("NO") and vocab.is_eea("DE") and not vocab.is_eea("US")
    assert set(vocab.lawful_bases) == {
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
    }
    assert len(vocab.art9_conditions) == 10
    assert sum(c.special for c in vocab.data_categories.values()) == 8
    for target, attribute in VOCABULARY_TARGETS.items():
        assert getattr(vocab, attribute), target


@pytest.mark.parametrize(
    ("mechanism", "day", "valid"),
    [
        ("safe_harbour", dt.date(2015, 10, 5), True),
        ("safe_harbour", dt.date(2015, 10, 6), False),
        ("privacy_shield", dt.date(2020, 7, 15), True),
        ("privacy_shield", dt.date(2020, 7, 16), False),
        ("scc_2010_87", dt.date(2022, 12, 26), True),
        ("scc_2010_87", dt.date(2022, 12, 27), False),
        ("eu_us_dpf", dt.date(2023, 7, 9), False),
        ("eu_us_dpf", dt.date(2023, 7, 10), True),
        ("scc_2021", dt.date(2026, 11, 22), True),
    ],
)
def test_transfer_mechanisms_are_dated(mechanism: str, day: dt.date, valid: bool) -> None:
    assert builtin().transfer_mechanisms[mechanism].valid_on(day) is valid


def test_us_adequacy_needs_certification_and_uk_is_renewed() -> None:
    decisions = {d.country: d for d in builtin().adequacy_decisions.values() if d.country}
    assert decisions["US"].requires_certification
    assert decisions["GB"].in_force_on(dt.date(2031, 12, 26))
    assert not decisions["GB"].in_force_on(dt.date(2031, 12, 27))
