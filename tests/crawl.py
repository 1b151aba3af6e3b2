"""Every page each role reaches by following links, crawled once per test session.

Each identity of the fuzz run (``tests.test_fuzz_pages.ROLES``: an anonymous visitor
and one user of every role, around the small world of ``tests.permission_world``)
starts at its home, its navigation and, for staff, the admin, and follows every
``<a href>`` to a path of this site, breadth first. A page is a URL pattern filled with
records: at most ``PER_PATTERN`` paths of one pattern are opened per identity (the
resolver's view name groups them), so a list of a hundred rows costs two pages, not a
hundred. Forms are not submitted (the sign-out and the language switch are forms), and
links out of the site, to static files or to the sign-out are not followed. A download
(a CSV, a spreadsheet) is opened for its status but not read.

The crawl runs inside one transaction rolled back at its end (and each request in a
savepoint of its own, as the fuzz run does): what the tests read afterwards is the
answers, kept in memory, never the database. ``site_crawl`` runs it once per process,
however many test modules ask for it.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.models import User
from cases.models import Case
from directory.models import Organization, Service, Site, TaxonomyTerm, Territory
from tests.permission_world import World, world_build
from tests.test_fuzz_pages import ROLES

# Paths of one URL pattern opened per identity; the admin's patterns (a change form,
# a history) are alike for every model, so one of each is enough there.
PER_PATTERN = 2
PER_ADMIN_PATTERN = 1
# A bound on one identity's crawl, should a page grow links without end.
MAX_PAGES = 400
NOT_FOLLOWED = (
    "/salir/",  # signs the session out
    "/static/",
    "/media/",
    "/i18n/",  # the language switch answers POST
)
# Where a refused identity is sent: a signed-in user sent there did not get the page.
SIGN_IN_VIEWS = {"accounts:login", "admin:login"}
DOWNLOAD_TYPES = ("text/csv", "application/vnd.", "application/zip", "application/pdf")


@dataclass(frozen=True)
class Page:
    """One path an identity opened: what answered, and the page whose link led there."""

    identity: str
    path: str
    view_name: str
    status: int
    found_on: str
    html: str = ""
    refused_to_sign_in: bool = False

    @property
    def dead(self) -> bool:
        """A link to it leads nowhere for this identity: refused, missing or broken."""
        return self.status in {403, 404, 405} or self.status >= 500 or self.refused_to_sign_in

    def shown(self) -> str:
        why = "sent to sign in" if self.refused_to_sign_in else str(self.status)
        return f"{self.path} answers {why} to {self.identity} (linked from {self.found_on})"


@dataclass
class Crawl:
    pages: dict[str, list[Page]] = field(default_factory=dict)
    # Words of the world's own records (names of organizations, services, sites, ...):
    # data on a page, not its interface.
    data_words: set[str] = field(default_factory=set)

    def html_pages(self, identity: str) -> Iterator[Page]:
        for page in self.pages[identity]:
            if page.html and 200 <= page.status < 300:
                yield page


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` that is not a download by its own saying."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        href = attributes.get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_of(html: str, *, base: str) -> list[str]:
    """The same-site paths (with their query) the page's links lead to, in order."""
    parser = _Links()
    parser.feed(html)
    found: list[str] = []
    for href in parser.hrefs:
        url = urlsplit(urljoin("http://testserver" + base, href.strip()))
        if url.scheme not in {"http", "https"} or url.hostname != "testserver":
            continue  # another site, mailto:, tel:, javascript:
        if url.path.startswith(NOT_FOLLOWED):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def view_name_of(path: str) -> str:
    """The URL pattern a path fills (its view name), or ``""`` when none matches."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    return match.view_name or match._func_path


def _html_of(response: HttpResponse) -> str:
    if isinstance(response, StreamingHttpResponse):
        return ""
    if "text/html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


def _get(client: Client, path: str) -> tuple[HttpResponse, str]:
    """One GET in a savepoint rolled back, redirects followed: the answer and its path."""
    with transaction.atomic():
        response = client.get(path, follow=True)
        transaction.set_rollback(True)
    final = response.request["PATH_INFO"] if response.redirect_chain else urlsplit(path).path
    return response, final


def role_crawl(*, identity: str, client: Client, starts: Iterable[str]) -> list[Page]:
    """Every page ``identity`` reaches from ``starts``, breadth first and bounded."""
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in starts)
    queued = {start for start, _ in queue}
    opened: Counter[str] = Counter()
    pages: list[Page] = []
    signed_in = identity != "anonymous"
    while queue and len(pages) < MAX_PAGES:
        path, found_on = queue.popleft()
        view_name = view_name_of(path)
        bound = PER_ADMIN_PATTERN if view_name.startswith("admin:") else PER_PATTERN
        if view_name and opened[view_name] >= bound:
            continue
        opened[view_name or path] += 1
        try:
            response, final = _get(client, path)
        except Exception as error:  # raise_request_exception=False; a body that raises
            pages.append(Page(identity, path, view_name, 500, found_on, html=repr(error)))
            continue
        html = _html_of(response)
        content_type = response.get("Content-Type", "")
        pages.append(
            Page(
                identity=identity,
                path=path,
                view_name=view_name,
                status=response.status_code,
                found_on=found_on,
                html="" if content_type.startswith(DOWNLOAD_TYPES) else html,
                refused_to_sign_in=signed_in and view_name_of(final) in SIGN_IN_VIEWS,
            )
        )
        if not html or response.status_code != 200:
            continue
        for link in links_of(html, base=final):
            if link not in queued:
                queued.add(link)
                queue.append((link, path))
    return pages


def client_of(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def starts_of(user: User | None) -> list[str]:
    """Where an identity begins: the public map, its home and, for staff, the admin."""
    starts = [reverse("maps:service_map")]
    if user is not None:
        starts.insert(0, reverse("maps:home"))
        if user.is_staff:
            starts.append(reverse("admin:index"))
    return starts


WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _data_words(world: World) -> set[str]:
    """Every word of the names the world's records carry, as their pages print them."""
    texts: list[str] = []
    for model, fields in (
        (Organization, ("name", "alternate_name")),
        (Service, ("name", "alternate_name")),
        (Site, ("name", "address_1", "city")),
        (Territory, ("name", "code")),
        (TaxonomyTerm, ("name",)),
        (User, ("username",)),
        (Case, ("code",)),
    ):
        for row in model.objects.values_list(*fields):
            texts.extend(str(value) for value in row if value)
    return {word.lower() for text in texts for word in WORD.findall(text)}


_CRAWL: list[Crawl] = []


def site_crawl(django_db_blocker: Any) -> Crawl:
    """The crawl of every identity, run the first time a test asks and kept after."""
    if _CRAWL:
        return _CRAWL[0]
    crawl = Crawl()
    with django_db_blocker.unblock(), transaction.atomic():
        world = world_build()
        for identity in ROLES:
            user = world.users[identity]
            crawl.pages[identity] = role_crawl(
                identity=identity, client=client_of(user), starts=starts_of(user)
            )
        crawl.data_words = _data_words(world)
        transaction.set_rollback(True)
    _CRAWL.append(crawl)
    return crawl


@pytest.fixture(scope="session")
def crawl(django_db_setup: None, django_db_blocker: Any) -> Crawl:
    """The session's crawl: imported by each test module that reads it."""
    return site_crawl(django_db_blocker)
