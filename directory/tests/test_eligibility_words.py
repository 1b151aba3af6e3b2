"""Eligibility is worded in one place: the map card, HSDS and the options say the same."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from directory.eligibility import (
    EligibilityCandidate,
    eligibility_age_sentence,
    eligibility_failures,
    eligibility_sentences,
)
from directory.hsds.serializers import eligibility_sentence
from directory.models import Eligibility, RiskLevel, Sex

OPEN = "Open to every child and adolescent."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rules(**fields):
    return Eligibility(**fields)  # unsaved: the sentences read only its fields


def test_a_service_without_rules_is_open_to_every_child():
    assert eligibility_sentences(eligibility=None, area_names=[]) == [OPEN]


def test_rules_left_empty_are_open_to_every_child():
    assert eligibility_sentences(eligibility=rules(), area_names=[]) == [OPEN]


def test_each_rule_gets_one_short_sentence_in_the_order_of_the_rules():
    full = rules(
        min_age=6,
        max_age=11,
        sexes=[Sex.FEMALE],
        risk_levels=[RiskLevel.HIGH, RiskLevel.VERY_HIGH],
        requires_judicial_order=True,
    )
    assert eligibility_sentences(eligibility=full, area_names=["Oeste", "Este"]) == [
        "For ages 6 to 11.",
        "Only for: female.",
        "For risk levels: high, very high.",
        "Only for children living in: Oeste, Este.",
        "Only with an order from a family court.",
    ]


def test_an_age_bound_alone_says_from_or_up_to():
    assert eligibility_age_sentence(eligibility=rules(min_age=14)) == "From 14 years old."
    assert eligibility_age_sentence(eligibility=rules(max_age=5)) == "Up to 5 years old."
    assert eligibility_age_sentence(eligibility=rules()) is None
    assert eligibility_age_sentence(eligibility=None) is None


def test_notes_come_last_and_without_rules_stand_alone_rather_than_contradicted():
    with_rule = rules(max_age=5, notes="Solo estudiantes del jardín.")
    assert eligibility_sentences(eligibility=with_rule, area_names=[]) == [
        "Up to 5 years old.",
        "Solo estudiantes del jardín.",
    ]
    only_notes = rules(notes="Solo estudiantes del jardín.")
    assert eligibility_sentences(eligibility=only_notes, area_names=[]) == [
        "Solo estudiantes del jardín."
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"min_age": 0, "max_age": 17, "requires_judicial_order": True},
        {"sexes": [Sex.MALE, Sex.OTHER], "notes": "Con cita previa."},
        {"risk_levels": [RiskLevel.LOW]},
    ],
)
def test_the_hsds_description_is_the_sentences_joined(fields):
    eligibility = rules(**fields)
    sentences = eligibility_sentences(eligibility=eligibility, area_names=["Comuna"])
    assert eligibility_sentence(eligibility, territory_names=["Comuna"]) == " ".join(sentences)


def test_without_rules_the_hsds_description_is_open_to_every_child():
    assert eligibility_sentence(None, territory_names=[]) == OPEN


def test_the_sentences_are_in_spanish_for_a_spanish_reader():
    with translation.override("es"):
        sentences = eligibility_sentences(
            eligibility=rules(min_age=6, max_age=11, requires_judicial_order=True),
            area_names=[],
        )
    assert sentences == ["De 6 a 11 años.", "Solo con orden de un tribunal de familia."]


def test_the_model_method_is_the_one_evaluation():
    eligibility = rules(min_age=12, sexes=[Sex.FEMALE], requires_judicial_order=True)
    home = uuid.uuid4()
    for candidate in (
        EligibilityCandidate(),
        EligibilityCandidate(age_years=8, sex="male", territory_ids=frozenset({home})),
        EligibilityCandidate(age_years=12, sex="female", has_judicial_order=True),
    ):
        for area in (set(), {home}, {uuid.uuid4()}):
            assert eligibility.failures_for(candidate, service_area_ids=area) == (
                eligibility_failures(
                    eligibility=eligibility, candidate=candidate, service_area_ids=area
                )
            )


def test_every_failure_says_which_rule_and_why_in_a_sentence():
    eligibility = rules(min_age=12, max_age=14, risk_levels=[RiskLevel.HIGH])
    failures = eligibility_failures(
        eligibility=eligibility,
        candidate=EligibilityCandidate(age_years=15, risk_level="low"),
        service_area_ids={uuid.uuid4()},
    )
    assert [(f.rule, f.reason) for f in failures] == [
        ("age", "Age 15 is above the maximum of 14 years."),
        ("risk_level", "The service accepts risk levels: High."),
        ("territory", "The child lives outside the territories served."),
    ]
