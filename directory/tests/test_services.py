from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError

from directory.models import (
    AccessRoute,
    EligibilityCandidate,
    Modality,
    Service,
    ServiceKind,
    Site,
)
from directory.services import (
    eligibility_update,
    service_at_site_set_capacity,
    service_create,
    service_update,
    service_verify,
    services_flag_verification_due,
    site_create,
)
from directory.tasks import services_flag_verification_due_task
from tests.factories import ServiceFactory, SiteFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_service(provider_org):
    return ServiceFactory(organization=provider_org)


@pytest.fixture
def foreign_service(other_org):
    return ServiceFactory(organization=other_org)


def test_a_coordinator_edits_any_organizations_service(coordinator, foreign_service):
    service_update(actor=coordinator, service=foreign_service, name="Nuevo nombre")
    foreign_service.refresh_from_db()
    assert foreign_service.name == "Nuevo nombre"


def test_provider_staff_edit_their_own_organizations_service(provider, own_service):
    service_update(actor=provider, service=own_service, description="Horario ampliado")
    own_service.refresh_from_db()
    assert own_service.description == "Horario ampliado"


def test_provider_staff_are_refused_another_organizations_service(provider, foreign_service):
    with pytest.raises(PermissionDenied):
        service_update(actor=provider, service=foreign_service, name="Intruso")
    foreign_service.refresh_from_db()
    assert foreign_service.name != "Intruso"


def test_provider_staff_cannot_move_their_service_to_another_organization(
    provider, own_service, other_org
):
    with pytest.raises(PermissionDenied):
        service_update(actor=provider, service=own_service, organization=other_org)


def test_provider_staff_are_refused_creating_a_service_for_another_organization(
    provider, other_org
):
    with pytest.raises(PermissionDenied):
        service_create(
            actor=provider,
            organization=other_org,
            name="X",
            kind=ServiceKind.SOCIAL,
            modality=Modality.TRANSACTIONAL,
            access_routes=[AccessRoute.REFERRAL],
        )
    assert not Service.objects.filter(name="X").exists()


@pytest.mark.parametrize("role_fixture", ["caseworker", "planner", "administrator"])
def test_roles_that_only_read_the_map_are_refused_every_write(request, role_fixture, own_service):
    actor = request.getfixturevalue(role_fixture)
    site = SiteFactory(organization=own_service.organization)
    with pytest.raises(PermissionDenied):
        service_update(actor=actor, service=own_service, name="No")
    with pytest.raises(PermissionDenied):
        eligibility_update(actor=actor, service=own_service, min_age=3)
    with pytest.raises(PermissionDenied):
        service_at_site_set_capacity(actor=actor, service=own_service, site=site, capacity=99)
    with pytest.raises(PermissionDenied):
        site_create(
            actor=actor,
            organization=own_service.organization,
            name="S",
            address_1="A",
            city="C",
            point=Point(-70.6, -33.45, srid=4326),
        )


def test_provider_staff_are_refused_the_capacity_of_another_organization(provider, foreign_service):
    site = SiteFactory(organization=foreign_service.organization)
    with pytest.raises(PermissionDenied):
        service_at_site_set_capacity(actor=provider, service=foreign_service, site=site, capacity=1)


def test_creating_a_service_gives_it_open_eligibility(provider, provider_org):
    service = service_create(
        actor=provider,
        organization=provider_org,
        name="Taller",
        kind=ServiceKind.SPECIALIZED,
        modality=Modality.FAMILY_ACCOMPANIMENT,
        access_routes=[AccessRoute.SELF_REFERRAL],
    )
    assert service.eligibility.failures_for(EligibilityCandidate()) == []


def test_a_site_created_by_a_provider_gets_its_territory_from_the_point(provider, provider_org):
    territory = TerritoryFactory()
    site = site_create(
        actor=provider,
        organization=provider_org,
        name="Sede Norte",
        address_1="Calle 1",
        city="Río Claro",
        point=Point(-70.6, -33.45, srid=4326),
    )
    assert site.territory == territory


def test_a_site_outside_the_map_is_not_saved(provider, provider_org):
    TerritoryFactory()
    with pytest.raises(ValidationError):
        site_create(
            actor=provider,
            organization=provider_org,
            name="Lejos",
            address_1="Calle 1",
            city="X",
            point=Point(10, 10, srid=4326),
        )
    assert not Site.objects.filter(name="Lejos").exists()


def test_capacity_changes_are_kept_in_history_with_who_made_them(provider, own_service):
    site = SiteFactory(organization=own_service.organization)
    link = service_at_site_set_capacity(actor=provider, service=own_service, site=site, capacity=5)
    service_at_site_set_capacity(actor=provider, service=own_service, site=site, capacity=8)
    history = list(link.history.order_by("history_date"))
    assert [h.capacity for h in history] == [5, 8]
    assert {h.history_user for h in history} == {provider}


def test_eligibility_changes_are_kept_in_history(coordinator, own_service):
    eligibility_update(actor=coordinator, service=own_service, min_age=4, max_age=10)
    latest = own_service.eligibility.history.latest()
    assert (latest.min_age, latest.max_age, latest.history_user) == (4, 10, coordinator)


def test_an_inverted_age_range_from_a_service_call_saves_nothing(coordinator, own_service):
    with pytest.raises(ValidationError):
        eligibility_update(actor=coordinator, service=own_service, min_age=10, max_age=3)
    own_service.eligibility.refresh_from_db()
    assert own_service.eligibility.min_age is None


def test_verifying_a_service_records_who_and_when(provider, own_service):
    service_verify(actor=provider, service=own_service, on=date(2026, 11, 1))
    own_service.refresh_from_db()
    assert (own_service.verified_on, own_service.verified_by) == (date(2026, 11, 1), provider)


def test_services_with_old_or_missing_verification_are_flagged_and_fresh_ones_cleared():
    today = date(2026, 11, 23)
    stale = ServiceFactory(verified_on=today - timedelta(days=400))
    never = ServiceFactory(verified_on=None)
    fresh = ServiceFactory(verified_on=today - timedelta(days=10), verification_due=True)
    assert services_flag_verification_due(today=today) == 2
    assert services_flag_verification_due(today=today) == 2  # idempotent
    flagged = set(Service.objects.filter(verification_due=True).values_list("pk", flat=True))
    assert flagged == {stale.pk, never.pk}
    fresh.refresh_from_db()
    assert not fresh.verification_due


def test_the_nightly_task_flags_services_when_called_through_celery():
    service = ServiceFactory(verified_on=None)
    result = services_flag_verification_due_task.delay()
    assert result.get(timeout=10) == 1
    service.refresh_from_db()
    assert service.verification_due


def test_the_nightly_clustering_of_the_search_table_keeps_every_row_and_the_answers():
    from django.contrib.gis.geos import Point
    from django.db import connection

    from directory.models import ServiceAtSiteCategory
    from directory.selectors import service_search
    from directory.tasks import search_table_cluster_task
    from tests.factories import ServiceAtSiteFactory

    for lon in (-70.61, -70.6, -70.62):
        ServiceAtSiteFactory(site__point=Point(lon, -33.45, srid=4326))
    here = Point(-70.6, -33.45, srid=4326)
    before = [hit.service_at_site.pk for hit in service_search(near=here, age=5).hits]
    rows = ServiceAtSiteCategory.objects.count()
    search_table_cluster_task.delay()
    assert ServiceAtSiteCategory.objects.count() == rows
    assert [hit.service_at_site.pk for hit in service_search(near=here, age=5).hits] == before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisclustered FROM pg_index WHERE indexrelid = "
            "'sas_category_code_point_gist'::regclass"
        )
        assert cursor.fetchone() == (True,)
