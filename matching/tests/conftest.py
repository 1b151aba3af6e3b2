"""What matching's tests share: the case most of them start from (a high-risk child
with a psychological-care need), the services it may be referred to, a sent referral,
users of other organizations, and the page tests' helpers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.models import Role
from cases.models import ConsentScope
from cases.services import case_need_add, consent_record
from directory.models import RiskLevel, TaxonomyTerm
from matching.services import referral_create, referral_send
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, user_with_role

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


@pytest.fixture
def consent(caseworker, case):
    return consent_record(
        actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL]
    )


@pytest.fixture
def offer(provider_org, term):
    sas = ServiceAtSiteFactory(service__organization=provider_org, service__name="Apoyo Psico")
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def excluded_offer(term):
    """Near the child and for the need, but only for adolescents: the case is 8."""
    sas = ServiceAtSiteFactory(service__name="Solo Adolescentes", service__eligibility__min_age=14)
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def sent(caseworker, case, need, consent, offer):
    referral = referral_create(
        actor=caseworker,
        case=case,
        service=offer.service,
        service_at_site=offer,
        need=need,
        shared_note="Prefiere horario de tarde.",
    )
    return referral_send(actor=caseworker, referral=referral)


@pytest.fixture
def stranger_caseworker(other_org):
    return user_with_role(Role.CASEWORKER, organization=other_org, username="otro-gestor")


@pytest.fixture
def stranger_provider(other_org):
    return user_with_role(Role.PROVIDER, organization=other_org, username="otra-prestadora")


def _as(client, user):
    client.force_login(user)
    return client


def _case_form(**overrides):
    data = {
        "birth_date": (date.today() - timedelta(days=7 * 365)).isoformat(),
        "sex": "male",
        "latitude": "-33.45",
        "longitude": "-70.6",
        "risk_level": "high",
        "access_route": "referral",
        "vulnerability_factors": ["school_dropout", "child_labour"],
    }
    data.update(overrides)
    return data
