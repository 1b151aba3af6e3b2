"""Input checks shared by the API of every app (config/api.py, config/exceptions.py).

PostgreSQL refuses a NUL character in text, even in a lookup: a field that queries
the database with the client's value must refuse it first, and name itself.
"""

from __future__ import annotations

import pytest
from django.db import DataError, transaction
from rest_framework import serializers

from config.exceptions import api_exception_handler
from directory.models import TaxonomyTerm
from tests.factories import TerritoryFactory, api_client_for
from web.api import NUL_MESSAGE, CodeRelatedField, text_without_nul

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"


def test_the_validator_refuses_a_nul_character_and_lets_other_text_through():
    with pytest.raises(serializers.ValidationError) as error:
        text_without_nul("psy\x00chological")
    assert error.value.detail == [NUL_MESSAGE]
    for value in ("psychological", "", "ñandú ✓", None, 7):
        text_without_nul(value)


def test_a_code_field_refuses_nul_before_it_looks_the_code_up():
    class Lookup(serializers.Serializer):
        category = CodeRelatedField(slug_field="code", queryset=TaxonomyTerm.objects)

    refused = Lookup(data={"category": f"{PSY}\x00"})
    assert not refused.is_valid()
    assert refused.errors == {"category": [NUL_MESSAGE]}
    found = Lookup(data={"category": PSY})
    assert found.is_valid(), found.errors
    assert found.validated_data["category"].code == PSY


def test_a_new_case_names_the_need_code_holding_a_nul_character(caseworker):
    response = api_client_for(caseworker).post(
        "/api/cases/",
        {
            "birth_date": "2016-05-01",
            "sex": "female",
            "latitude": -33.45,
            "longitude": -70.6,
            "risk_level": "high",
            "access_route": "referral",
            "need_codes": [PSY, "psy\x00chological"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"need_codes": {"1": [str(NUL_MESSAGE)]}}


def test_an_allocation_round_names_its_category_code_holding_a_nul_character(coordinator):
    response = api_client_for(coordinator).post(
        "/api/allocation-rounds/",
        {"territory_id": str(TerritoryFactory().pk), "category_code": "psy\x00chological"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"category_code": [str(NUL_MESSAGE)]}


def test_the_waitlist_history_names_its_category_holding_a_nul_character(coordinator):
    response = api_client_for(coordinator).get("/api/waitlists/history/", {"category": "psy\x00"})
    assert response.status_code == 400
    assert response.json() == {"category": [str(NUL_MESSAGE)]}


def test_a_value_the_database_refuses_past_every_field_is_still_a_400():
    """The safety net for a field that has no check yet: a generic 400, not a 500."""
    with pytest.raises(DataError) as error, transaction.atomic():
        TaxonomyTerm.objects.filter(code="psy\x00").exists()
    response = api_exception_handler(error.value, {"view": None})
    assert response is not None and response.status_code == 400
    assert "NUL" in str(response.data["detail"][0])
