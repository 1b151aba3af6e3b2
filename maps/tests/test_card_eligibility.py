"""The card's eligibility sentences are the directory's, word for word (and HSDS's)."""

from __future__ import annotations

import pytest
from django.utils import translation

from directory.eligibility import eligibility_sentences
from directory.hsds.serializers import eligibility_sentence
from directory.models import Eligibility, RiskLevel, Sex
from maps.selectors import eligibility_in_words


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"min_age": 0, "max_age": 17, "requires_judicial_order": True},
        {"sexes": [Sex.MALE, Sex.OTHER], "notes": "Con cita previa."},
        {"risk_levels": [RiskLevel.LOW], "max_age": 5},
    ],
)
def test_the_card_says_what_the_directory_says_and_hsds_joins_the_same(fields):
    eligibility = Eligibility(**fields)
    card = eligibility_in_words(eligibility=eligibility, area_names=["Comuna"])
    assert card == eligibility_sentences(eligibility=eligibility, area_names=["Comuna"])
    assert eligibility_sentence(eligibility, territory_names=["Comuna"]) == " ".join(card)


def test_a_service_without_rules_reads_the_same_on_the_card_and_in_hsds():
    with translation.override("es"):
        card = eligibility_in_words(eligibility=None, area_names=[])
        assert card == ["Abierto a todo niño, niña y adolescente."]
        assert eligibility_sentence(None, territory_names=[]) == card[0]
