"""The matching engine ranks eligible services and says why the others were left out."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from cases.models import ConsentScope
from cases.services import case_need_add, consent_record
from directory.models import Eligibility, ServiceStatus, TaxonomyTerm
from matching.models import ReferralStatus
from matching.options import referral_options
from matching.services import referral_create, referral_transition
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of

pytestmark = pytest.mark.django_db

HOME = Point(-70.6, -33.45, srid=4326)


def offer(*, name, lon, lat, category, capacity=5, **eligibility):
    sas = ServiceAtSiteFactory(
        service__name=name,
        site__point=Point(lon, lat, srid=4326),
        capacity=capacity,
    )
    sas.service.categories.add(TaxonomyTerm.objects.get(code=category))
    Eligibility.objects.filter(service=sas.service).update(**eligibility)
    return sas


@pytest.fixture
def case(caseworker):
    TerritoryFactory()
    case = case_of(caseworker, home=HOME)  # 8 years old, female, moderate risk
    need = case_need_add(
        actor=caseworker,
        case=case,
        term=TaxonomyTerm.objects.get(code="specialized.psychological_care"),
    )
    return case, need


def test_it_ranks_eligible_services_and_excludes_the_rest_with_reasons(case):
    case, need = case
    near = offer(name="Cerca", lon=-70.601, lat=-33.45, category="specialized.psychological_care")
    far = offer(name="Lejos", lon=-70.62, lat=-33.45, category="specialized.psychological_care")
    teens = offer(
        name="Adolescentes",
        lon=-70.6005,
        lat=-33.45,
        category="specialized.psychological_care",
        min_age=12,
        max_age=17,
    )
    judicial = offer(
        name="Con orden",
        lon=-70.6002,
        lat=-33.45,
        category="specialized.psychological_care",
        requires_judicial_order=True,
    )
    offer(name="Otra cosa", lon=-70.6001, lat=-33.45, category="social.food")

    options = referral_options(case=case, need=need)

    assert [o.service_at_site for o in options.eligible] == [near, far]
    best = options.eligible[0]
    sentences = " ".join(r.sentence for r in best.reasons)
    assert "min" in sentences and "m" in sentences  # walk time and distance
    assert "5" in sentences  # free slots
    assert 80 <= best.distance_m <= 100
    excluded = {o.service_at_site: o.excluded_because for o in options.excluded}
    assert set(excluded) == {teens, judicial}
    assert any("12" in r for r in excluded[teens])
    assert any("orden judicial" in r for r in excluded[judicial])


def test_a_service_whose_area_does_not_cover_the_home_is_excluded(case):
    case, need = case
    elsewhere = TerritoryFactory(code="LEJOS")
    sas = offer(
        name="Otra comuna", lon=-70.601, lat=-33.45, category="specialized.psychological_care"
    )
    sas.service.eligibility.service_area.add(elsewhere)
    options = referral_options(case=case, need=need)
    assert options.eligible == []
    assert options.excluded[0].excluded_because == [
        "El NNA vive fuera de los territorios que atiende la prestación."
    ]


def test_inactive_services_are_never_offered(case):
    case, need = case
    sas = offer(name="Cerrado", lon=-70.601, lat=-33.45, category="specialized.psychological_care")
    sas.service.status = ServiceStatus.INACTIVE
    sas.service.save()
    assert referral_options(case=case, need=need).eligible == []


def test_free_slots_and_continuity_lift_a_service_above_a_nearer_one(caseworker, provider, case):
    case, need = case
    full = offer(
        name="Sin cupos",
        lon=-70.6005,
        lat=-33.45,
        category="specialized.psychological_care",
        capacity=0,
    )
    known = offer(
        name="Conocido", lon=-70.605, lat=-33.45, category="specialized.psychological_care"
    )
    # The child is already served by the provider of "Conocido" through another service.
    other = ServiceAtSiteFactory(service__organization=known.service.organization)
    consent_record(actor=caseworker, case=case, given_by="padre", scopes=[ConsentScope.REFERRAL])
    from accounts.models import Role
    from matching.services import referral_send
    from tests.factories import user_with_role

    staff = user_with_role(Role.PROVIDER, organization=known.service.organization)
    r = referral_send(
        actor=caseworker,
        referral=referral_create(actor=caseworker, case=case, service=other.service),
    )
    referral_transition(actor=staff, referral=r, to_status=ReferralStatus.ACCEPTED)

    options = referral_options(case=case, need=need)
    assert options.eligible[0].service_at_site == known
    codes = {r.code for r in options.eligible[0].reasons}
    assert "continuity" in codes
    full_option = next(o for o in options.eligible if o.service_at_site == full)
    assert any("esperar" in r.sentence for r in full_option.reasons)


def test_a_service_already_referred_is_listed_as_excluded(caseworker, case):
    case, need = case
    sas = offer(name="Ya", lon=-70.601, lat=-33.45, category="specialized.psychological_care")
    referral_create(actor=caseworker, case=case, service=sas.service, need=need)
    options = referral_options(case=case, need=need)
    assert options.eligible == []
    assert "ya tiene una derivación" in options.excluded[0].excluded_because[0]


def test_a_new_provider_gets_the_network_prior_not_zero(case):
    case, need = case
    offer(name="Nuevo", lon=-70.601, lat=-33.45, category="specialized.psychological_care")
    option = referral_options(case=case, need=need).eligible[0]
    responsiveness = next(r for r in option.reasons if r.code == "responsiveness")
    assert responsiveness.points == pytest.approx(15 * (0.7 + 0.6) / 2)


def test_the_age_reason_of_an_option_is_worded_as_on_the_map_card(case):
    from directory.eligibility import eligibility_sentences

    case, need = case
    young = offer(
        name="Infancia",
        lon=-70.601,
        lat=-33.45,
        category="specialized.psychological_care",
        min_age=6,
        max_age=11,
    )
    (option,) = referral_options(case=case, need=need).eligible
    assert option.service_at_site == young
    age_reason = next(r.sentence for r in option.reasons if r.code == "eligibility")
    rules = Eligibility.objects.get(service=young.service)
    assert age_reason == eligibility_sentences(eligibility=rules, area_names=[])[0]


def test_the_candidates_of_many_cases_are_those_of_each_case_in_one_query(
    caseworker, django_assert_max_num_queries
):
    from matching.options import case_eligibility_candidate, case_eligibility_candidates

    comuna = TerritoryFactory()
    sector = TerritoryFactory(parent=comuna)
    cases = [case_of(caseworker, territory=t) for t in (comuna, sector, sector)]
    with django_assert_max_num_queries(1):
        many = case_eligibility_candidates(cases=cases)
    assert many == {c.pk: case_eligibility_candidate(case=c) for c in cases}
    assert many[cases[1].pk].territory_ids == {comuna.pk, sector.pk}
