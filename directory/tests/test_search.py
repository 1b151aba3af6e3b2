from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import AccessRoute, Modality, ServiceStatus, TaxonomyTerm, TerritoryLevel
from directory.selectors import search_text_correct, service_search
from directory.services import search_words_refresh
from tests.factories import (
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    TerritoryFactory,
    box,
)

pytestmark = pytest.mark.django_db


def offer(name: str = "Prestación", *, point=(0.5, 0.5), capacity=10, categories=(), **fields):
    eligibility = fields.pop("eligibility", {})
    territory = fields.pop("territory", None) or TERRITORY["sector"]
    service = ServiceFactory(name=name, **fields)
    for key, value in eligibility.items():
        setattr(service.eligibility, key, value)
    service.eligibility.save()
    if categories:
        service.categories.set(TaxonomyTerm.objects.filter(code__in=categories))
    site = SiteFactory(
        organization=service.organization,
        point=Point(*point, srid=4326),
        territory=territory,
    )
    return ServiceAtSiteFactory(service=service, site=site, capacity=capacity)


TERRITORY: dict = {}


@pytest.fixture(autouse=True)
def territories(db):
    comuna = TerritoryFactory(code="C", geometry=box(0, 0, 2, 1))
    TERRITORY["comuna"] = comuna
    TERRITORY["sector"] = TerritoryFactory(
        code="S1", level=TerritoryLevel.SECTOR, parent=comuna, geometry=box(0, 0, 1, 1)
    )
    TERRITORY["east"] = TerritoryFactory(
        code="S2", level=TerritoryLevel.SECTOR, parent=comuna, geometry=box(1, 0, 2, 1)
    )


def names(page) -> list[str]:
    return [hit.service_at_site.service.name for hit in page.hits]


def test_text_search_forgives_missing_accents():
    offer("Atención psicológica infantil")
    offer("Canasta familiar")
    assert names(service_search(text="psicologica")) == ["Atención psicológica infantil"]


def test_text_search_understands_spanish_word_forms():
    offer("Orientación a familias")
    assert names(service_search(text="orientacion familia")) == ["Orientación a familias"]


def test_text_search_forgives_a_typo_by_the_closest_word_of_the_directory():
    offer("Atención psicológica infantil")
    offer("Asesoría legal")
    search_words_refresh()
    page = service_search(text="psicolojica")
    assert names(page) == ["Atención psicológica infantil"]
    assert "psicologica" in page.hits[0].reasons[0]


def test_a_typo_is_corrected_word_by_word_against_the_vocabulary():
    offer("Orientación familiar")
    search_words_refresh()
    assert search_text_correct(text="orientasion familar") == "orientacion familiar"
    assert search_text_correct(text="orientacion") is None  # nothing to correct


def test_text_search_looks_in_the_description_too():
    offer("Programa Crecer", description="Apoyo escolar y reforzamiento en matemáticas")
    assert names(service_search(text="matematicas")) == ["Programa Crecer"]


def test_a_category_includes_its_sub_categories():
    offer("Salud", categories=["social.health"])
    offer("Legal", categories=["specialized.legal_aid"])
    assert names(service_search(category_code="social")) == ["Salud"]
    assert names(service_search(category_code="social.health")) == ["Salud"]


def test_a_service_in_two_categories_appears_once_per_site():
    offer("Doble", categories=["social.health", "social.food"])
    assert names(service_search(category_code="social")) == ["Doble"]


def test_it_keeps_only_services_that_admit_the_age():
    offer("Primera infancia", eligibility={"min_age": 0, "max_age": 5})
    offer("Adolescentes", eligibility={"min_age": 12, "max_age": 17})
    offer("Sin límite")
    assert names(service_search(age=4)) == ["Primera infancia", "Sin límite"]
    assert names(service_search(age=12)) == ["Adolescentes", "Sin límite"]


def test_it_keeps_only_services_that_attend_the_sex():
    offer("Solo niñas", eligibility={"sexes": ["female"]})
    offer("Todos")
    assert names(service_search(sex="male")) == ["Todos"]
    assert names(service_search(sex="female")) == ["Solo niñas", "Todos"]


def test_a_territory_includes_its_sectors():
    offer("Oeste", point=(0.5, 0.5), territory=TERRITORY["sector"])
    offer("Este", point=(1.5, 0.5), territory=TERRITORY["east"])
    assert names(service_search(territory_id=TERRITORY["east"].id)) == ["Este"]
    assert names(service_search(territory_id=TERRITORY["comuna"].id)) == ["Este", "Oeste"]


def test_it_filters_by_modality_and_access_route():
    offer("Familiar", modality=Modality.FAMILY_ACCOMPANIMENT, access_routes=[AccessRoute.OUTREACH])
    offer("Individual", modality=Modality.INDIVIDUAL, access_routes=[AccessRoute.REFERRAL])
    assert names(service_search(modality=Modality.FAMILY_ACCOMPANIMENT)) == ["Familiar"]
    assert names(service_search(access_route=AccessRoute.REFERRAL)) == ["Individual"]


def test_only_with_open_slots_leaves_out_full_sites():
    offer("Con cupos", capacity=3)
    offer("Sin cupos", capacity=0)
    assert names(service_search(open_slots_only=True)) == ["Con cupos"]


def test_inactive_services_are_never_found():
    offer("Cerrada", status=ServiceStatus.TEMPORARILY_CLOSED)
    assert names(service_search()) == []


def test_near_a_point_results_come_nearest_first_with_metres():
    offer("Lejos", point=(0.9, 0.5))
    offer("Cerca", point=(0.11, 0.5))
    offer("Medio", point=(0.5, 0.5))
    page = service_search(near=Point(0.1, 0.5, srid=4326))
    assert names(page) == ["Cerca", "Medio", "Lejos"]
    distances = [hit.distance_m or 0.0 for hit in page.hits]
    assert 1000 < distances[0] < 1200  # 0.01° of longitude at the equator ≈ 1.11 km
    assert distances == sorted(distances)


def test_a_radius_keeps_only_what_is_within_it():
    offer("Cerca", point=(0.11, 0.5))
    offer("Lejos", point=(0.9, 0.5))
    assert names(service_search(near=Point(0.1, 0.5, srid=4326), radius_m=5000)) == ["Cerca"]


def test_nearest_first_uses_the_knn_operator_not_a_computed_sort():
    offer("A")
    with CaptureQueriesContext(connection) as queries:
        service_search(near=Point(0.1, 0.5, srid=4326))
    assert any("<->" in q["sql"] for q in queries.captured_queries)


def test_every_hit_says_why_it_matched():
    offer(
        "Atención psicológica",
        capacity=4,
        categories=["specialized.psychological_care"],
        eligibility={"min_age": 5, "max_age": 17},
    )
    page = service_search(
        text="psicologica",
        category_code="specialized",
        age=8,
        open_slots_only=True,
        near=Point(0.5, 0.5, srid=4326),
    )
    reasons = " ".join(page.hits[0].reasons)
    assert "psicologica" in reasons
    assert "Atención psicológica" in reasons
    assert "8" in reasons
    assert "4" in reasons
    assert " m" in reasons


def test_results_are_paginated_with_a_look_ahead():
    for i in range(5):
        offer(f"Servicio {i}")
    first = service_search(per_page=2)
    last = service_search(per_page=2, page=3)
    assert (len(first.hits), first.has_next) == (2, True)
    assert (names(last), last.has_next) == (["Servicio 4"], False)


# Window sizes: long enough for every page here; too short for the page, then the GIN
# rows sorted (or the walk).
PLANS = {"window": 4000, "short window": 1}


@pytest.mark.parametrize("plan", PLANS)
def test_filtered_nearest_first_is_the_same_whichever_plan_reads_the_index(monkeypatch, plan):
    import directory.selectors.search

    monkeypatch.setattr(
        directory.selectors.search, "nearest_window_size", lambda **kwargs: PLANS[plan]
    )
    offer("Lejos", point=(0.9, 0.5), categories=["social.health"])
    offer("Cerca", point=(0.11, 0.5), categories=["social.health"])
    offer("Otra categoría", point=(0.1, 0.5), categories=["social.food"])
    offer(
        "Solo mayores",
        point=(0.1001, 0.5),
        categories=["social.health"],
        eligibility={"min_age": 14},
    )
    offer(
        "Taller de salud",
        point=(0.5, 0.5),
        categories=["social.health"],
        description="Taller para familias",
    )
    here = Point(0.1, 0.5, srid=4326)
    page = service_search(category_code="social", near=here, age=5)
    assert names(page) == ["Otra categoría", "Cerca", "Taller de salud", "Lejos"]
    page = service_search(category_code="social.health", near=here)
    assert names(page) == ["Solo mayores", "Cerca", "Taller de salud", "Lejos"]
    assert names(service_search(text="taller", near=here, age=5)) == ["Taller de salud"]
    assert names(service_search(text="familias", near=here, age=15)) == ["Taller de salud"]
    first = service_search(near=here, age=15, per_page=2)
    assert names(first) == ["Otra categoría", "Solo mayores"]
    second = service_search(near=here, age=15, per_page=2, page=2)
    assert names(second) == ["Cerca", "Taller de salud"]
    assert second.has_next


def test_category_codes_follow_every_change_of_a_services_categories():
    service = ServiceFactory()
    service.categories.set(TaxonomyTerm.objects.filter(code="social.health"))
    service.refresh_from_db()
    assert service.category_codes == ["social", "social.health"]
    TaxonomyTerm.objects.get(code="social.health").services.clear()
    service.refresh_from_db()
    assert service.category_codes == []


def test_a_window_of_the_nearest_too_short_for_the_page_falls_back_to_every_site(monkeypatch):
    import directory.selectors.search

    # A window of 100 nearest rows holds none of the far matches: the page must still
    # come whole and nearest first, from the GIN index (an age) or the walk (a sex).
    for i in range(101):
        offer(
            f"Cerca sin edad {i}",
            point=(0.1 + i * 0.0001, 0.5),
            eligibility={"min_age": 15, "sexes": ["female"]},
        )
    offer("Lejos", point=(0.9, 0.5))
    offer("Medio", point=(0.5, 0.5))
    monkeypatch.setattr(directory.selectors.search, "nearest_window_size", lambda **kwargs: 100)
    here = Point(0.1, 0.5, srid=4326)
    assert names(service_search(age=4, near=here)) == ["Medio", "Lejos"]
    assert names(service_search(sex="male", near=here)) == ["Medio", "Lejos"]
    older = service_search(age=30, near=here)  # beyond the indexed ages: the walk
    assert names(older)[:2] == ["Cerca sin edad 0", "Cerca sin edad 1"]


def test_the_search_page_and_api_read_as_many_queries_for_twenty_results_as_for_one(
    client, django_assert_max_num_queries
):
    # Results carry only the columns they show: reading another one per row (a
    # deferred field) would cost a query per result.
    offer("Primera", categories=["social.health"], description="Taller")
    params = {"q": "taller", "category": "social", "age": 5, "lat": 0.5, "lon": 0.1}
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/services/search/", params).status_code == 200
        assert client.get("/buscar/", params).status_code == 200
    for i in range(19):
        offer(f"Más {i}", categories=["social.health"], description="Taller")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/api/services/search/", params)
        assert len(response.json()["results"]) == 20
        page = client.get("/buscar/", params)
        assert page.content.decode().count('class="service-item"') == 20


def test_the_window_of_the_nearest_grows_with_the_rows_it_is_drawn_from():
    from directory.selectors import nearest_window_size

    one_category = nearest_window_size(population=12_000, wanted=21)
    every_service = nearest_window_size(population=122_000, wanted=21)
    assert 100 <= one_category < every_service <= 4000
    assert nearest_window_size(population=10, wanted=21) == 100
    assert nearest_window_size(population=10**9, wanted=21) == 4000
