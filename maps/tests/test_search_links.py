"""Every search result opens its service card, and every card can be reached from the
public pages by plain links in the server's HTML (a crawler runs no JavaScript)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from directory.models import ServiceStatus, TaxonomyTerm
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """The page's links: (href, class, rel, text), and each result row's card URL."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.row_card_urls: list[str] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in values:
            self._open = {**values, "text": ""}
            self.links.append(self._open)
        if tag == "li" and "data-card-url" in values:
            self.row_card_urls.append(values["data-card-url"])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None


def parse(response) -> Links:
    assert response.status_code == 200
    links = Links()
    links.feed(response.content.decode())
    return links


def offer(name: str, *, code: str = "social.education", status=ServiceStatus.ACTIVE):
    service = ServiceFactory(name=name, status=status)
    service.categories.set([TaxonomyTerm.objects.get(code=code)])
    site = SiteFactory(organization=service.organization, point=Point(-70.6, -33.45, srid=4326))
    return ServiceAtSiteFactory(service=service, site=site)


def card_url(row) -> str:
    return reverse("maps:service_card", args=[row.pk])


def test_each_search_result_links_to_its_service_card(client):
    first = offer("Reforzamiento escolar Norte")
    second = offer("Reforzamiento escolar Sur")
    offer("Comedor solidario", code="social.food")
    links = parse(client.get("/buscar/", {"q": "reforzamiento"}))
    results = {a["href"]: a["text"] for a in links.links if "result-name" in a.get("class", "")}
    assert results == {
        card_url(first): "Reforzamiento escolar Norte",
        card_url(second): "Reforzamiento escolar Sur",
    }
    # The marker of each row opens the same card (static/maps/service_search.js).
    assert sorted(links.row_card_urls) == sorted(results)
    card = client.get(card_url(first))
    assert card.status_code == 200
    assert "Reforzamiento escolar Norte" in card.content.decode()


def test_a_result_found_through_a_synonym_links_to_its_card_too(client):
    row = offer("Terapia familiar", code="specialized.psychological_care")
    links = parse(client.get("/buscar/", {"q": "psicóloga"}))
    assert [a["href"] for a in links.links if "result-name" in a.get("class", "")] == [
        card_url(row)
    ]


def test_the_search_page_links_the_list_of_every_service(client):
    links = parse(client.get("/buscar/"))
    browse = [a for a in links.links if a.get("id") == "browse-all"]
    assert len(browse) == 1
    assert browse[0]["href"].startswith(reverse("maps:service_search") + "?")


def test_a_crawler_reaches_every_active_service_card_from_the_public_search(client):
    rows = [offer(f"Prestación {n:02d}") for n in range(45)]
    offer("Cerrada por obras", status=ServiceStatus.TEMPORARILY_CLOSED)
    start = next(
        a["href"] for a in parse(client.get("/buscar/")).links if a.get("id") == "browse-all"
    )
    url: str | None = urljoin("/buscar/", start)
    reached: set[str] = set()
    pages = 0
    while url is not None and pages < 10:
        links = parse(client.get(url))
        reached |= {a["href"] for a in links.links if "result-name" in a.get("class", "")}
        following = [a["href"] for a in links.links if a.get("rel") == "next"]
        url = urljoin("/buscar/", following[0]) if following else None
        pages += 1
    assert reached == {card_url(row) for row in rows}
    assert pages == 3  # 20 a page
    for href in list(reached)[:3]:
        assert client.get(href).status_code == 200


def test_the_home_page_links_the_list_of_every_service(client, caseworker):
    client.force_login(caseworker)
    links = parse(client.get(reverse("maps:home")))
    hrefs = [a["href"] for a in links.links]
    assert any(h.startswith(reverse("maps:service_search") + "?") for h in hrefs)
