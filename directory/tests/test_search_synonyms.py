"""The coordinator's synonym list: edited in the admin, read by the next search."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache

from directory.models import SEARCH_SYNONYMS_CACHE_KEY, SearchSynonym, TaxonomyTerm
from directory.selectors import service_search
from directory.selectors.search_text import (
    number_variant,
    phrase_key,
    search_text_query,
    word_key,
)
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_synonyms():
    cache.delete(SEARCH_SYNONYMS_CACHE_KEY)
    yield
    cache.delete(SEARCH_SYNONYMS_CACHE_KEY)


def offer(name: str, *, code: str, description: str = "") -> None:
    service = ServiceFactory(name=name, description=description)
    service.categories.set([TaxonomyTerm.objects.get(code=code)])
    site = SiteFactory(organization=service.organization, point=Point(-70.6, -33.45, srid=4326))
    ServiceAtSiteFactory(service=service, site=site)


def found(text: str) -> list[str]:
    return sorted(hit.service_at_site.service.name for hit in service_search(text=text).hits)


@pytest.mark.parametrize(
    "words",
    [
        ["psicólogo", "psicóloga", "psicólogos", "psicólogas", "PSICOLOGO"],
        ["niño", "niña", "niños", "niñas"],
        ["padre", "padres"],
        ["mujer", "mujeres"],
        ["escolar", "escolares"],
        ["abogado", "abogada", "abogados", "abogadas"],
    ],
)
def test_gender_and_number_of_a_word_share_one_key(words):
    assert len({word_key(word) for word in words}) == 1


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("escolar", "escolares"),
        ("escolares", "escolar"),
        ("jóvenes", "jóven"),
        ("nariz", "narices"),
    ],
)
def test_a_word_ending_in_a_consonant_is_also_searched_in_its_other_number(word, other):
    assert number_variant(word) == other


def test_a_word_ending_in_a_vowel_needs_no_other_number():
    assert number_variant("psicóloga") is None
    assert number_variant("niños") is None


def test_little_words_do_not_change_a_phrase():
    assert phrase_key("escuela de padres") == phrase_key("Escuela para padres")


def test_the_shipped_list_ties_the_network_words_to_their_categories():
    vif = SearchSynonym.objects.get(phrase="violencia intrafamiliar")
    assert "VIF" in vif.synonyms
    assert vif.term is not None and vif.term.code == "protection"
    assert SearchSynonym.objects.get(phrase="psicólogo").term.code == (
        "specialized.psychological_care"
    )


def test_a_synonym_added_by_the_coordinator_applies_to_the_next_search():
    offer("Oficina Local de la Niñez", code="protection")
    offer("Comedor solidario", code="social.food")
    assert found("OPD") == []  # and the empty answer is now cached
    synonym = SearchSynonym.objects.create(
        phrase="OPD", synonyms=["oficina de protección de derechos", "oficina local de la niñez"]
    )
    assert found("OPD") == ["Oficina Local de la Niñez"]
    synonym.synonyms = ["oficina de protección de derechos"]
    synonym.save()
    assert found("OPD") == []
    synonym.term = TaxonomyTerm.objects.get(code="protection")
    synonym.save()
    assert found("OPD") == ["Oficina Local de la Niñez"]
    synonym.delete()
    assert found("OPD") == []


def test_a_synonym_tied_to_a_category_finds_the_categories_below_it():
    offer("Terapia familiar", code="specialized.psychological_care")
    offer("Asesoría legal en familia", code="specialized.legal_aid")
    offer("Comedor solidario", code="social.food")
    SearchSynonym.objects.create(
        phrase="red especializada", term=TaxonomyTerm.objects.get(code="specialized")
    )
    assert found("red especializada") == ["Asesoría legal en familia", "Terapia familiar"]


def test_a_renamed_category_is_searched_by_its_new_name():
    offer("Terapia familiar", code="specialized.psychological_care")
    assert found("bienestar emocional") == []
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    term.name = "Bienestar emocional"
    term.save()
    assert found("bienestar emocional") == ["Terapia familiar"]


def test_a_query_in_search_syntax_runs_as_written():
    offer("Terapia familiar", code="specialized.psychological_care")
    offer("Orientación familiar", code="specialized.family_guidance")
    # Quoted, "psicólogo" is not expanded: it is nowhere in these services' own words.
    assert search_text_query(text='"psicólogo"').synonyms == ()
    assert found('"terapia familiar"') == ["Terapia familiar"]
    assert found("familiar -terapia") == ["Orientación familiar"]


def test_a_query_no_synonym_knows_is_the_plain_search():
    query = search_text_query(text="terapia familiar")
    assert query.synonyms == ()


def test_a_coordinator_adds_a_synonym_in_the_admin(client, coordinator):
    offer("Oficina Local de la Niñez", code="protection")
    client.force_login(coordinator)
    protection = TaxonomyTerm.objects.get(code="protection")
    response = client.post(
        "/admin/directory/searchsynonym/add/",
        {"phrase": "OLN", "synonyms": "oficina local, oficina de la niñez", "term": protection.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym = SearchSynonym.objects.get(phrase="OLN")
    assert synonym.synonyms == ["oficina local", "oficina de la niñez"]
    assert found("OLN") == ["Oficina Local de la Niñez"]
    listed = client.get("/admin/directory/searchsynonym/?q=oficina")
    assert "OLN" in listed.content.decode()


def test_a_synonym_needs_a_synonym_or_a_category(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/admin/directory/searchsynonym/add/", {"phrase": "sola"})
    assert response.status_code == 200
    assert not SearchSynonym.objects.filter(phrase="sola").exists()


def test_provider_staff_may_read_the_list_but_not_change_it(client, provider):
    client.force_login(provider)
    assert client.get("/admin/directory/searchsynonym/").status_code == 200
    response = client.post("/admin/directory/searchsynonym/add/", {"phrase": "x", "synonyms": "y"})
    assert response.status_code == 403
    assert not SearchSynonym.objects.filter(phrase="x").exists()
