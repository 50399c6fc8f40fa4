"""The national data the basis rules read: Art 35(4) lists and ePrivacy billing windows."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.graph import days_in


def test_national_dpia_lists_cover_de_fr_ie_and_the_ico() -> None:
    cases = builtin().dpia_lists.values()
    assert {case.country for case in cases} >= {"DE", "FR", "IE", "GB"}
    assert {(case.country, case.authority) for case in cases} >= {
        ("DE", "DSK"),
        ("FR", "CNIL"),
        ("IE", "DPC"),
        ("GB", "ICO"),
    }


def test_national_dpia_cases_trigger_on_what_the_model_records() -> None:
    vocab = builtin()
    tags = {str(tag) for tag in m.CategoryTag}
    kinds = {str(kind) for kind in m.PurposeKind}
    for case in vocab.dpia_lists.values():
        assert case.source.strip() and case.case.strip(), case.key
        assert set(case.any_tags) <= tags, case.key
        assert set(case.any_purpose_kinds) <= kinds, case.key
        indicators = {*case.any_risk_indicators, *case.all_risk_indicators}
        assert indicators <= set(vocab.dpia_criteria), case.key
        assert set(case.any_data_subjects) <= set(vocab.data_subject_categories), case.key
        assert (
            case.any_tags
            or case.any_purpose_kinds
            or case.any_risk_indicators
            or case.any_data_subjects
            or case.any_special
        ), f"{case.key} has no trigger"
        assert case.country in vocab.countries, case.key


def test_billing_windows_are_durations_with_a_default() -> None:
    windows = builtin().eprivacy_billing
    assert "default" in windows
    for key, window in windows.items():
        assert days_in(window.period), key
        assert window.source.strip(), key
        assert key == "default" or key in builtin().countries, key


def test_screening_vocabulary_marks_employees_vulnerable_and_payment_data_financial() -> None:
    vocab = builtin()
    assert vocab.data_subject_categories["employees"].vulnerable
    assert vocab.data_subject_categories["job_applicants"].vulnerable
    assert "financial" in vocab.data_categories["payment_card_data"].tags
    assert "financial" in vocab.data_categories["bank_details"].tags
    assert vocab.art9_conditions["employment_social_security"].alternative
    assert vocab.art9_conditions["health_social_care"].alternative
    assert not vocab.art9_conditions["substantial_public_interest"].alternative
