"""The map's data per viewport: clusters from the in-memory index, the list, the card."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from directory.models import Modality, ServiceAtSite, ServiceStatus, TaxonomyTerm
from directory.tiles import BBox, MapFilters, service_map_rows
from maps.selectors import service_map_index
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory, TerritoryFactory, box

pytestmark = pytest.mark.django_db

COMUNA = "-70.70,-33.50,-70.50,-33.40"


def _at(lon: float, lat: float, **service) -> ServiceAtSite:
    return ServiceAtSiteFactory(
        service=ServiceFactory(**service), site__point=Point(lon, lat, srid=4326)
    )


def _data(client, **params):
    response = client.get(reverse("maps:service_map_data"), {"bbox": COMUNA, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_far_apart_services_are_clustered_when_zoomed_out_and_apart_when_zoomed_in(client):
    _at(-70.60, -33.45)
    _at(-70.6005, -33.4505)
    _at(-70.55, -33.42)
    far = _data(client, zoom=6)
    assert [f["properties"]["count"] for f in far["features"]] == [3]
    assert far["total"] == 3
    near = _data(client, zoom=17)
    assert sorted(f["properties"]["count"] for f in near["features"]) == [1, 1, 1]
    single = near["features"][0]["properties"]
    assert set(single) >= {"id", "name"}


def test_a_cluster_carries_the_bounds_of_its_members_to_zoom_to_them(client):
    a = _at(-70.60, -33.45)
    b = _at(-70.59, -33.44)
    [cluster] = _data(client, zoom=8)["features"]
    west, south, east, north = cluster["properties"]["bounds"]
    assert west == pytest.approx(a.site.point.x) and east == pytest.approx(b.site.point.x)
    assert south == pytest.approx(a.site.point.y) and north == pytest.approx(b.site.point.y)
    assert cluster["properties"]["single_place"] is False


def test_services_sharing_one_site_form_a_cluster_that_says_it_is_one_place(client):
    first = _at(-70.60, -33.45)
    ServiceAtSiteFactory(service__organization=first.service.organization, site=first.site)
    [cluster] = _data(client, zoom=19)["features"]
    assert cluster["properties"]["count"] == 2
    assert cluster["properties"]["single_place"] is True


def test_only_services_in_the_viewport_are_counted(client):
    _at(-70.60, -33.45)
    _at(-70.52, -33.41)
    data = client.get(
        reverse("maps:service_map_data"), {"bbox": "-70.61,-33.46,-70.59,-33.44", "zoom": 14}
    ).json()
    assert data["total"] == 1


def test_inactive_services_are_not_on_the_map(client):
    _at(-70.60, -33.45, status=ServiceStatus.INACTIVE)
    assert _data(client, zoom=12)["features"] == []


def test_the_filters_mean_what_they_mean_in_the_search(client):
    health = _at(-70.60, -33.45, modality=Modality.TRANSACTIONAL)
    health.service.categories.set([TaxonomyTerm.objects.get(code="social.health")])
    teens = _at(-70.58, -33.44, eligibility__min_age=14)
    teens.service.categories.set([TaxonomyTerm.objects.get(code="specialized.legal_aid")])
    full = _at(-70.56, -33.43)
    full.capacity = 0
    full.save()
    assert _data(client, zoom=18, category="social")["total"] == 1  # parent finds the child
    assert _data(client, zoom=18, age=8)["total"] == 2
    assert _data(client, zoom=18, modality=Modality.TRANSACTIONAL)["total"] == 1
    assert _data(client, zoom=18, open_slots="on")["total"] == 2


def test_the_index_agrees_with_the_database_for_every_filter():
    comuna = TerritoryFactory(code="C", geometry=box(-70.7, -33.5, -70.5, -33.4))
    sector = TerritoryFactory(
        code="S", level="sector", parent=comuna, geometry=box(-70.7, -33.5, -70.6, -33.4)
    )
    for i in range(12):
        row = _at(-70.69 + i * 0.015, -33.45, eligibility__min_age=i)
        row.capacity = i % 3
        row.site.territory = sector if i < 6 else comuna  # type: ignore[assignment]
        row.site.save()
        row.save()
    index = service_map_index()
    bbox = BBox(-70.7, -33.5, -70.5, -33.4)
    for filters in [
        MapFilters(),
        MapFilters(age=5),
        MapFilters(open_slots_only=True),
        MapFilters(territory_id=comuna.pk),
        MapFilters(territory_id=sector.pk, age=3),
    ]:
        expected = {
            str(pk)
            for pk in service_map_rows(filters=filters, bbox=bbox).values_list("id", flat=True)
        }
        got = {index.ids[i] for i in index.mask(filters=filters, bbox=bbox).nonzero()[0]}
        assert got == expected, filters


def test_the_index_is_rebuilt_after_a_change_to_the_directory(client):
    _at(-70.60, -33.45)
    assert _data(client, zoom=12)["total"] == 1
    ServiceAtSite.objects.update(capacity=0)  # a bulk update: no Django signal is sent
    assert _data(client, zoom=12, open_slots="on")["total"] == 0
    _at(-70.59, -33.44)
    assert _data(client, zoom=12)["total"] == 2


@pytest.mark.parametrize(
    "params, field",
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "-70,-33,-71,-32"}, "bbox"),
        ({"bbox": COMUNA, "zoom": "99"}, "zoom"),
        ({"bbox": COMUNA, "age": "ocho"}, "age"),
        ({"bbox": COMUNA, "territory": "not-a-uuid"}, "territory"),
        ({"bbox": COMUNA, "category": "nope"}, "category"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, params, field):
    for name in ("maps:service_map_data", "maps:service_map_list"):
        response = client.get(reverse(name), params)
        assert response.status_code == 400
        assert field in response.json()["errors"]


def test_the_list_pages_through_the_services_in_view_by_name(client):
    for name in ["Centro C", "Centro A", "Centro B"]:
        _at(-70.60, -33.45, name=name)
    _at(-70.52, -33.41, name="Centro Lejano")
    url = reverse("maps:service_map_list")
    first = client.get(url, {"bbox": "-70.61,-33.46,-70.59,-33.44", "per_page": 2}).json()
    assert [i["name"] for i in first["items"]] == ["Centro A", "Centro B"]
    assert first["has_next"] is True and first["total"] == 3
    second = client.get(
        url, {"bbox": "-70.61,-33.46,-70.59,-33.44", "per_page": 2, "page": 2}
    ).json()
    assert [i["name"] for i in second["items"]] == ["Centro C"]
    assert second["has_next"] is False


def test_the_card_says_who_may_come_in_plain_words_and_how_many_slots_are_free(client):
    row = ServiceAtSiteFactory(
        service=ServiceFactory(
            name="Taller de Crianza",
            eligibility__min_age=6,
            eligibility__max_age=12,
            eligibility__requires_judicial_order=True,
        ),
        capacity=7,
        schedule_description="Martes 15:00–19:00",
    )
    html = client.get(reverse("maps:service_card", args=[row.pk])).content.decode()
    assert "Taller de Crianza" in html
    assert "Martes 15:00–19:00" in html
    assert "6" in html and "12" in html
    assert re.search(r'class="card-slots">7 \w+ 7<', html)  # free of total
    fragment = client.get(reverse("maps:service_card", args=[row.pk]), {"fragment": 1})
    assert b"<html" not in fragment.content and b"Taller de Crianza" in fragment.content


def test_the_card_of_an_inactive_service_is_not_found(client):
    row = ServiceAtSiteFactory(service=ServiceFactory(status=ServiceStatus.INACTIVE))
    assert client.get(reverse("maps:service_card", args=[row.pk])).status_code == 404


def test_the_map_page_keeps_the_filters_of_a_shared_link(client):
    SiteFactory()
    html = client.get(
        reverse("maps:service_map"), {"category": "social", "age": "7", "view": "14/-33.45/-70.6"}
    ).content.decode()
    assert 'value="7"' in html
    assert '<option value="social" selected>' in html
    assert 'value="14/-33.45/-70.6"' in html
