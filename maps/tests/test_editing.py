"""Coordinators draw sites and service areas; every other role is refused."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.models import Role
from directory.models import Eligibility, Site
from tests.factories import (
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    comuna_with_two_sectors,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    sectors = comuna_with_two_sectors()
    site = SiteFactory(point=Point(-70.65, -33.45, srid=4326), territory=sectors["west"])
    return {**sectors, "site": site}


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROVIDER, Role.PLANNER, Role.ADMINISTRATOR])
def test_every_role_but_the_coordinator_is_refused_the_map_editing(client, world, role):
    service = ServiceFactory(organization=world["site"].organization)
    client.force_login(user_with_role(role, organization=world["site"].organization))
    for url in [
        reverse("maps:edit_index"),
        reverse("maps:site_edit", args=[world["site"].pk]),
        reverse("maps:service_area_edit", args=[service.pk]),
    ]:
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("maps:site_edit", args=[world["site"].pk]), {"lat": -33.45, "lon": -70.55}
    )
    assert response.status_code == 403
    world["site"].refresh_from_db()
    assert world["site"].territory == world["west"]


def test_an_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(reverse("maps:edit_index"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_coordinator_moves_a_site_and_its_territory_follows(client, coordinator, world):
    client.force_login(coordinator)
    response = client.post(
        reverse("maps:site_edit", args=[world["site"].pk]), {"lat": -33.45, "lon": -70.55}
    )
    assert response.status_code == 302
    site = Site.objects.get(pk=world["site"].pk)
    assert (site.point.x, site.point.y) == pytest.approx((-70.55, -33.45))
    assert site.territory == world["east"]
    assert site.history.first().history_user == coordinator


def test_a_point_outside_every_territory_is_refused_next_to_the_field(client, coordinator, world):
    client.force_login(coordinator)
    response = client.post(
        reverse("maps:site_edit", args=[world["site"].pk]), {"lat": -20.0, "lon": -70.0}
    )
    assert response.status_code == 400
    assert 'id="id_lat-errors"' in response.content.decode()
    world["site"].refresh_from_db()
    assert world["site"].point.x == pytest.approx(-70.65)


def test_an_unknown_site_is_not_found(client, coordinator, world):
    client.force_login(coordinator)
    url = reverse("maps:site_edit", args=["00000000-0000-0000-0000-000000000001"])
    assert client.get(url).status_code == 404


def test_a_drawn_shape_becomes_the_sectors_inside_it(client, coordinator, world):
    service = ServiceAtSiteFactory(site=world["site"]).service
    client.force_login(coordinator)
    shape = {
        "type": "MultiPolygon",
        "coordinates": [
            [
                [
                    [-70.59, -33.49],
                    [-70.51, -33.49],
                    [-70.51, -33.41],
                    [-70.59, -33.41],
                    [-70.59, -33.49],
                ]
            ]
        ],
    }
    response = client.post(
        reverse("maps:service_area_edit", args=[service.pk]), {"shape": json.dumps(shape)}
    )
    assert response.status_code == 302
    area = Eligibility.objects.get(service=service).service_area.all()
    assert list(area) == [world["east"]]


def test_ticked_sectors_and_a_drawn_shape_add_up_and_none_means_no_limit(
    client, coordinator, world
):
    service = ServiceFactory()
    client.force_login(coordinator)
    url = reverse("maps:service_area_edit", args=[service.pk])
    response = client.post(url, {"territories": [str(world["west"].pk)]})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert set(Eligibility.objects.get(service=service).service_area.all()) == {world["west"]}
    client.post(url, {})
    assert not Eligibility.objects.get(service=service).service_area.exists()


def test_a_shape_that_is_not_a_polygon_is_explained(client, coordinator, world):
    service = ServiceFactory()
    client.force_login(coordinator)
    url = reverse("maps:service_area_edit", args=[service.pk])
    for bad in ["not json", json.dumps({"type": "Point", "coordinates": [-70.6, -33.4]})]:
        response = client.post(url, {"shape": bad})
        assert response.status_code == 400
        assert 'id="shape-errors"' in response.content.decode()


def test_the_edit_pages_load_leaflet_draw_from_the_project(client, coordinator, world):
    client.force_login(coordinator)
    html = client.get(reverse("maps:site_edit", args=[world["site"].pk])).content.decode()
    assert "/static/leaflet/draw/leaflet.draw.js" in html
    assert "<script>" not in html  # no inline script: the CSP needs none
