"""The case most matching tests start from: a high-risk child with a psychological-care need."""

from __future__ import annotations

import pytest

from cases.services import case_need_add
from directory.models import RiskLevel, TaxonomyTerm
from tests.factories import TerritoryFactory, case_of

PSYCH = "specialized.psychological_care"


@pytest.fixture
def territory():
    return TerritoryFactory()


@pytest.fixture
def term():
    return TaxonomyTerm.objects.get(code=PSYCH)


@pytest.fixture
def case(caseworker, territory):
    return case_of(caseworker, risk_level=RiskLevel.HIGH)


@pytest.fixture
def need(caseworker, case, term):
    return case_need_add(actor=caseworker, case=case, term=term)
