"""Real queries and the services each must find, over a directory shaped like the demo.

Each service is named and described as the demo names and describes them (the
category's usual names, "… para niños, niñas, adolescentes y sus familias."), so a
query that misses here misses for a caseworker too. Each row of QUERIES is the exact
set a query must find: what it must not find is every other service listed.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache

from directory.models import SEARCH_SYNONYMS_CACHE_KEY, TaxonomyTerm
from directory.selectors import service_search
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db

# Category code: the services of that category, as the demo names them.
DIRECTORY = {
    "specialized.psychological_care": [
        "Atención psicológica infanto-juvenil",
        "Psicoterapia de reparación",
        "Terapia familiar",
    ],
    "social.health": ["Control de salud infantil", "Salud mental infanto-juvenil"],
    "social.education": ["Reforzamiento escolar", "Sala cuna y jardín", "Reinserción educativa"],
    "social.food": ["Alimentación escolar", "Comedor solidario"],
    "protection": ["Programa de intervención breve", "Protección especializada ambulatoria"],
    "specialized.legal_aid": ["Asesoría legal en familia", "Representación jurídica de NNA"],
    "specialized.parenting_school": ["Escuela para padres", "Taller de crianza respetuosa"],
    "specialized.family_guidance": ["Consejería a familias"],
    "specialized.entrepreneurship": ["Capacitación en oficios para cuidadores"],
}

PSYCHOLOGICAL = set(DIRECTORY["specialized.psychological_care"])
PROTECTION = set(DIRECTORY["protection"])
LEGAL = set(DIRECTORY["specialized.legal_aid"])

QUERIES: list[tuple[str, set[str]]] = [
    # Every service of "Atención psicológica", whatever its own name says.
    ("psicologo", PSYCHOLOGICAL),
    ("psicólogo", PSYCHOLOGICAL),
    ("psicóloga", PSYCHOLOGICAL),
    ("psicólogos", PSYCHOLOGICAL),
    ("psicólogas", PSYCHOLOGICAL),
    ("PSICOLOGA", PSYCHOLOGICAL),
    ("atencion psicologica", PSYCHOLOGICAL),
    ("psicoterapia", PSYCHOLOGICAL),
    # "infantil" is also "infanto-juvenil" and "niños": the psychological services for
    # children, not the children's health check-up.
    ("psicologa infantil", PSYCHOLOGICAL),
    ("psicóloga infantil", PSYCHOLOGICAL),
    ("psicólogos infantiles", PSYCHOLOGICAL),
    # The protection programmes, by their words and the network's.
    ("violencia intrafamiliar", PROTECTION),
    ("VIF", PROTECTION),
    ("maltrato", PROTECTION),
    ("maltrato infantil", PROTECTION),
    ("medidas de protección", PROTECTION),
    # By name, and by what schools call it; not the school meals.
    ("reforzamiento escolar", {"Reforzamiento escolar"}),
    ("reforzamientos escolares", {"Reforzamiento escolar"}),
    ("apoyo escolar", {"Reforzamiento escolar"}),
    # The stemmer splits "escolar" and "escolares": either number finds both.
    ("escolares", {"Reforzamiento escolar", "Alimentación escolar"}),
    ("talleres de crianza", {"Taller de crianza respetuosa"}),
    ("abandono escolar", {"Reinserción educativa"}),
    ("jardín infantil", {"Sala cuna y jardín"}),
    ("abogado", LEGAL),
    ("abogadas", LEGAL),
    ("asesoria juridica", LEGAL),
    ("escuela de padres", set(DIRECTORY["specialized.parenting_school"])),
    ("consultorio", set(DIRECTORY["social.health"])),
    ("comida", set(DIRECTORY["social.food"])),
    ("empleo", set(DIRECTORY["specialized.entrepreneurship"])),
    ("consejería familiar", {"Consejería a familias"}),
    # A word no service, category or synonym knows finds nothing.
    ("equinoterapia", set()),
]


@pytest.fixture(autouse=True)
def fresh_synonyms():
    """The shipped synonym list, read afresh: no other test's list left in the cache."""
    cache.delete(SEARCH_SYNONYMS_CACHE_KEY)
    yield
    cache.delete(SEARCH_SYNONYMS_CACHE_KEY)


@pytest.fixture
def directory(db):
    for code, names in DIRECTORY.items():
        term = TaxonomyTerm.objects.get(code=code)
        for name in names:
            service = ServiceFactory(
                name=name, description=f"{name} para niños, niñas, adolescentes y sus familias."
            )
            service.categories.set([term])
            site = SiteFactory(
                organization=service.organization, point=Point(-70.6, -33.45, srid=4326)
            )
            ServiceAtSiteFactory(service=service, site=site)


def found(text: str) -> set[str]:
    page = service_search(text=text, per_page=100)
    return {hit.service_at_site.service.name for hit in page.hits}


@pytest.mark.parametrize(("text", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_a_real_query_finds_exactly_the_services_it_should(directory, text, expected):
    assert found(text) == expected


def test_near_a_point_a_synonym_finds_the_same_services(directory):
    page = service_search(text="psicóloga infantil", near=Point(-70.6, -33.45, srid=4326))
    assert {hit.service_at_site.service.name for hit in page.hits} == PSYCHOLOGICAL


def test_within_a_category_a_synonym_finds_only_that_categorys_services(directory):
    page = service_search(text="infantil", category_code="specialized.psychological_care")
    assert {hit.service_at_site.service.name for hit in page.hits} == PSYCHOLOGICAL


def test_a_search_through_a_synonym_says_which_words_it_also_read(directory):
    page = service_search(text="VIF")
    reasons = " ".join(page.hits[0].reasons)
    assert "VIF" in reasons and "violencia intrafamiliar" in reasons
