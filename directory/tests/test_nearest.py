"""The nearest services of one category come from their own index, kept by the database.

``ServiceAtSiteCategory`` is written only by triggers; these tests change services,
sites and their links every way the application (or a bulk load) can, and check that
the nearest-first answer for a category is always the one a plain filter gives.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import F, Value

from directory.models import (
    Service,
    ServiceAtSite,
    ServiceAtSiteCategory,
    ServiceStatus,
    Site,
    TaxonomyTerm,
)
from directory.selectors import KnnDistance, service_at_site_nearest
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db

HOME = Point(-70.6, -33.45, srid=4326)


def term(code: str) -> TaxonomyTerm:
    return TaxonomyTerm.objects.get(code=code)


def offer(*, lon: float, category: str, **kwargs) -> ServiceAtSite:
    sas = ServiceAtSiteFactory(site__point=Point(lon, -33.45, srid=4326), **kwargs)
    sas.service.categories.add(term(category))
    return sas


def nearest_ids(code: str, limit: int = 60) -> list:
    return [
        sas.pk for sas, _m in service_at_site_nearest(point=HOME, category_code=code, limit=limit)
    ]


def filtered_ids(code: str, limit: int = 60) -> list:
    """The walk over every site filtered by category, as before the table: the reference."""
    here = HOME.transform(3857, clone=True)
    return list(
        ServiceAtSite.objects.filter(
            service__status=ServiceStatus.ACTIVE, service__category_codes__contains=[code]
        )
        .annotate(
            knn=KnnDistance(
                F("site__point_mercator"), Value(here, output_field=PointField(srid=3857))
            )
        )
        .order_by("knn")
        .values_list("pk", flat=True)[:limit]
    )


def test_the_nearest_of_a_category_come_nearest_first_and_only_of_that_category():
    far = offer(lon=-70.59, category="specialized.legal_aid")
    near = offer(lon=-70.599, category="specialized.legal_aid")
    offer(lon=-70.5995, category="social.food")
    assert nearest_ids("specialized.legal_aid") == [near.pk, far.pk]
    assert nearest_ids("specialized.legal_aid", limit=1) == [near.pk]


def test_a_parent_category_finds_the_services_of_its_sub_categories():
    sas = offer(lon=-70.599, category="specialized.legal_aid")
    assert nearest_ids("specialized") == [sas.pk]


def test_categories_added_or_removed_later_are_followed():
    sas = offer(lon=-70.599, category="social.food")
    sas.service.categories.add(term("specialized.legal_aid"))
    assert nearest_ids("specialized.legal_aid") == [sas.pk]
    sas.service.categories.remove(term("specialized.legal_aid"))
    assert nearest_ids("specialized.legal_aid") == []
    sas.service.categories.clear()
    assert nearest_ids("social.food") == []


def test_a_service_that_stops_being_active_drops_out_and_comes_back():
    sas = offer(lon=-70.599, category="specialized.legal_aid")
    service = Service.objects.get(pk=sas.service_id)  # with its category codes
    service.status = ServiceStatus.TEMPORARILY_CLOSED
    service.save()
    assert nearest_ids("specialized.legal_aid") == []
    service.status = ServiceStatus.ACTIVE
    service.save()
    assert nearest_ids("specialized.legal_aid") == [sas.pk]


def test_a_site_that_moves_takes_its_services_with_it():
    moving = offer(lon=-70.59, category="specialized.legal_aid")
    staying = offer(lon=-70.595, category="specialized.legal_aid")
    assert nearest_ids("specialized.legal_aid") == [staying.pk, moving.pk]
    site = moving.site
    site.point = Point(-70.6001, -33.45, srid=4326)
    site.save()
    assert nearest_ids("specialized.legal_aid") == [moving.pk, staying.pk]


def test_a_service_offered_at_a_new_site_or_moved_to_another_site_is_followed():
    sas = offer(lon=-70.59, category="specialized.legal_aid")
    nearer = SiteFactory(
        organization=sas.service.organization, point=Point(-70.5999, -33.45, srid=4326)
    )
    added = ServiceAtSite.objects.create(service=sas.service, site=nearer, capacity=1)
    assert nearest_ids("specialized.legal_aid") == [added.pk, sas.pk]
    added.delete()
    assert nearest_ids("specialized.legal_aid") == [sas.pk]
    other = ServiceFactory()
    other.categories.add(term("social.food"))
    ServiceAtSite.objects.filter(pk=sas.pk).update(service=other)
    assert nearest_ids("specialized.legal_aid") == []
    assert nearest_ids("social.food") == [sas.pk]


def test_deleting_a_service_leaves_no_row_behind():
    sas = offer(lon=-70.599, category="specialized.legal_aid")
    sas.service.delete()
    assert not ServiceAtSiteCategory.objects.exists()


def test_bulk_writes_in_raw_sql_are_followed_too():
    sas = offer(lon=-70.599, category="specialized.legal_aid")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_service SET status = 'inactive'")
    assert nearest_ids("specialized.legal_aid") == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_service SET status = 'active'")
        cursor.execute("UPDATE directory_site SET last_modified = now()")  # nothing moved
    assert nearest_ids("specialized.legal_aid") == [sas.pk]
    # The category, its parent and "any category".
    assert ServiceAtSiteCategory.objects.count() == 3


def test_it_gives_what_filtering_the_walk_over_every_site_gives():
    codes = ["specialized.legal_aid", "social.food", "specialized.psychological_care"]
    made = [
        offer(lon=-70.6 + 0.0007 * ((i * 7) % 40) + 0.0001, category=codes[i % 3])
        for i in range(40)
    ]
    for i, sas in enumerate(made[::9]):  # some sites move, each to a point of its own
        Site.objects.filter(pk=sas.site_id).update(
            point=Point(-70.61 - i / 1000 - 0.00037, -33.46, srid=4326)
        )
    Service.objects.filter(pk__in=[sas.service_id for sas in made[::7]]).update(
        status=ServiceStatus.INACTIVE
    )
    for code in [*codes, "specialized", "social"]:
        assert nearest_ids(code, limit=8) == filtered_ids(code, limit=8)
        assert nearest_ids(code) == filtered_ids(code)


def search_ids(**filters) -> list:
    from directory.selectors import service_search

    return [hit.service_at_site.pk for hit in service_search(near=HOME, **filters).hits]


def test_the_search_table_follows_the_services_text_modality_and_routes():
    sas = offer(lon=-70.599, category="specialized.legal_aid", service__name="Defensa")
    assert search_ids(text="defensa") == [sas.pk]
    service = sas.service
    service.name = "Mediación"
    service.modality = "family_accompaniment"
    service.access_routes = ["self_referral"]
    service.save()
    assert search_ids(text="defensa") == []
    assert search_ids(text="mediacion") == [sas.pk]
    assert search_ids(modality="family_accompaniment") == [sas.pk]
    assert search_ids(access_route="self_referral") == [sas.pk]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_service SET description = 'Apoyo escolar'")
    assert search_ids(text="escolar", category_code="specialized") == [sas.pk]


def test_the_search_table_follows_the_eligibility_however_it_changes():
    sas = offer(lon=-70.599, category="specialized.legal_aid")
    eligibility = sas.service.eligibility
    eligibility.min_age, eligibility.max_age, eligibility.sexes = 6, 12, ["female"]
    eligibility.save()
    assert search_ids(age=4) == []
    assert search_ids(age=7, sex="female") == [sas.pk]
    assert search_ids(age=7, sex="male") == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_eligibility SET max_age = 5, min_age = NULL")
    assert search_ids(age=4) == [sas.pk]
    assert search_ids(age=7) == []
    eligibility.delete()  # no eligibility: no rule, everyone admitted
    assert search_ids(age=20, sex="male") == [sas.pk]
