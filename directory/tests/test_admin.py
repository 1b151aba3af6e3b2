"""The admin applies the same role rules as the services, over HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.models import Service, TaxonomyTerm
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:directory_{obj._meta.model_name}_change", args=[obj.pk])


def service_form(service: Service, **overrides) -> dict:
    data = {
        "organization": str(service.organization_id),
        "name": service.name,
        "kind": service.kind,
        "modality": service.modality,
        "access_routes": service.access_routes,
        "status": service.status,
        "languages": "es",
        "is_free": "on",
        "categories": [str(TaxonomyTerm.objects.get(code="social.health").pk)],
        "eligibility-TOTAL_FORMS": "1",
        "eligibility-INITIAL_FORMS": "1",
        "eligibility-MIN_NUM_FORMS": "1",
        "eligibility-MAX_NUM_FORMS": "1",
        "eligibility-0-id": str(service.eligibility.pk),
        "eligibility-0-service": str(service.pk),
        "service_at_sites-TOTAL_FORMS": "0",
        "service_at_sites-INITIAL_FORMS": "0",
        "service_at_sites-MIN_NUM_FORMS": "0",
        "service_at_sites-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_coordinator_saves_any_service_from_the_admin(client, coordinator, other_org):
    service = ServiceFactory(organization=other_org)
    client.force_login(coordinator)
    response = client.post(change_url(service), service_form(service, name="Renombrada"))
    assert response.status_code == 302, response.content
    service.refresh_from_db()
    assert service.name == "Renombrada"


def test_provider_staff_save_their_own_service_from_the_admin(client, provider, provider_org):
    service = ServiceFactory(organization=provider_org)
    client.force_login(provider)
    response = client.post(change_url(service), service_form(service, name="Propia"))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Propia"


def test_provider_staff_may_read_but_not_save_another_organizations_service(
    client, provider, other_org
):
    service = ServiceFactory(organization=other_org, name="Ajena")
    client.force_login(provider)
    page = client.get(change_url(service))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(change_url(service), service_form(service, name="Intrusa"))
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.name == "Ajena"


def test_provider_staff_are_refused_the_capacity_of_another_organization_in_the_admin(
    client, provider, other_org
):
    link = ServiceAtSiteFactory(service=ServiceFactory(organization=other_org), capacity=4)
    client.force_login(provider)
    response = client.post(
        change_url(link),
        {"service": str(link.service_id), "site": str(link.site_id), "capacity": "40"},
    )
    assert response.status_code == 403
    link.refresh_from_db()
    assert link.capacity == 4


def test_a_negative_capacity_in_the_admin_is_explained_and_not_saved(client, coordinator):
    link = ServiceAtSiteFactory(capacity=4)
    client.force_login(coordinator)
    response = client.post(
        change_url(link),
        {"service": str(link.service_id), "site": str(link.site_id), "capacity": "-2"},
    )
    assert response.status_code == 200
    assert "Los cupos no pueden ser menores que cero." in response.content.decode()
    link.refresh_from_db()
    assert link.capacity == 4


def test_provider_staff_may_only_pick_their_own_organization_for_a_new_site(
    client, provider, provider_org, other_org
):
    client.force_login(provider)
    page = client.get(reverse("admin:directory_site_add"))
    assert page.status_code == 200
    assert str(provider_org.pk) in page.content.decode()
    assert str(other_org.pk) not in page.content.decode()


@pytest.mark.parametrize("role_fixture", ["caseworker", "planner"])
def test_caseworkers_and_planners_are_kept_out_of_the_admin(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_coordinator_is_refused_the_users_and_roles_admin(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_an_administrator_manages_users_but_cannot_edit_the_service_map(client, administrator):
    service = ServiceFactory()
    client.force_login(administrator)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    response = client.post(change_url(service), service_form(service, name="No"))
    assert response.status_code == 403


def test_territories_are_read_only_for_provider_staff(client, provider):
    site = SiteFactory()
    client.force_login(provider)
    page = client.get(change_url(site.territory))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_the_history_of_a_service_is_visible_in_the_admin(client, coordinator):
    service = ServiceFactory()
    client.force_login(coordinator)
    client.post(change_url(service), service_form(service, name="Con historia"))
    page = client.get(reverse("admin:directory_service_history", args=[service.pk]))
    assert page.status_code == 200
    assert "coordinadora" in page.content.decode()


def test_a_service_without_a_category_is_refused_naming_the_field(client, coordinator):
    service = ServiceFactory(name="Original")
    client.force_login(coordinator)
    response = client.post(change_url(service), service_form(service, categories=[], name="Sin"))
    assert response.status_code == 200
    assert "categories" in response.context["adminform"].form.errors
    service.refresh_from_db()
    assert service.name == "Original"
