"""Hostile query strings on every page and API that answers GET: never a server error.

Every URL pattern is found through the resolver (not a hand-kept list), its path
parameters filled with the ids of a small world of real records. Each page is read
first as it is, once per role; the names it reads are those of its own GET forms and
of the links that come back to it (pagination, filters), those the OpenAPI schema
documents for it, and a fixed list of names pages commonly read. Each hostile value is
sent to each of the page's own names alone, and to all the common names at once; when
that request is refused (4xx), its halves are sent again, so that one refused name
cannot hide another's crash. Another identity seeing the same page gets a short value
set; a page that refuses the identity (login, 403, 404) gets one request.

Every request runs in a savepoint that is rolled back: a GET that writes (an audit
record of a read) leaves nothing for the next, and a database error cannot poison the
test's transaction. Streamed answers (CSV) are read to the end, where their queries run.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from directory.hsds.views import profile_files
from tests.factories import UserFactory
from tests.permission_world import World, world_build

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
# One value set for every name; a list is the parameter repeated.
HOSTILE: tuple[str | list[str], ...] = (
    HUGE,
    "-" + HUGE,
    "-1",
    "0",
    "9999",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "abc",
    "\x00",
    "'",
    "<script>alert(1)</script>",
    "x" * 5000,
    "1e309",
    "NaN",
    "NaN,NaN,NaN,NaN",
    "-1e309,-91,181," + HUGE,
    "00000000-0000-4000-8000-000000000000",
    "",
    ["1", HUGE],
)
# The values that overflow a number or a date once read: a refusal of another name in
# the same request is looked behind (see _probe). The others are sent all at once only.
BISECTED: tuple[str | list[str], ...] = (
    HUGE,
    "-" + HUGE,
    "-1",
    "0",
    "9999-12-31",
    "0001-01-01",
    "\x00",
    "1e309",
    "NaN",
    ["1", HUGE],
)
# For another identity on a page already fuzzed with the same names: the values that
# found something once (database ranges, date arithmetic, NUL, a repeated name).
SHORT: tuple[str | list[str], ...] = (HUGE, "9999-12-31", "0001-01-01", "\x00", ["1", HUGE])
COMMON_NAMES = (
    "page",
    "page_size",
    "per_page",
    "limit",
    "offset",
    "q",
    "since",
    "until",
    "from",
    "to",
    "start",
    "end",
    "date",
    "day",
    "year",
    "quarter",
    "period",
    "zoom",
    "bbox",
    "lat",
    "lon",
    "lng",
    "radius",
    "format",
    "sort",
    "order",
    "status",
    "type",
    "category",
    "territory",
    "service",
    "organization",
    "id",
)
# Every role of accounts.models.Role, an anonymous visitor and a superuser.
ROLES = ("anonymous", "caseworker", "provider", "coordinator", "planner", "administrator")
IDENTITIES = (*ROLES, "superuser")

# Patterns not fuzzed, each with its reason. Every other GET pattern is.
SKIPPED = {
    "api/schema/": "the OpenAPI document: reads no query parameter of ours",
    "api/docs/": "Swagger UI's static page around the schema",
    "salir/": "signs the session out (GET answers 405; POST would end the identity)",
}
# The values each path parameter takes; a pattern that names another one fails the
# test that every pattern is filled.
PathValues = Callable[[World], list[str]]
PATH_VALUES: dict[str, PathValues] = {
    "case_id": lambda w: [str(w.case.pk)],
    "referral_id": lambda w: [str(w.referral.pk), str(w.accepted.pk)],
    "alert_id": lambda w: [str(w.alert.pk)],
    "service_at_site_id": lambda w: [str(w.site.pk)],
    "enrolment_id": lambda w: [str(w.enrolment.pk)],
    "offer_id": lambda w: [str(w.offer.pk)],
    "round_id": lambda w: [str(w.round.pk)],
    "service_id": lambda w: [str(w.service.pk)],
    "site_id": lambda w: [str(w.site.site_id)],
    # The case file's decisions are POST-only routes (a GET answers 405): any id will do.
    "closure_id": lambda w: [str(uuid.UUID(int=1))],
    "follow_up_id": lambda w: [str(uuid.UUID(int=2))],
    # The case team's: a partner's end is POST-only; a transfer the world has none of
    # answers 404 to every identity, as a made-up one must.
    "partner_id": lambda w: [str(uuid.UUID(int=3))],
    "transfer_id": lambda w: [str(uuid.UUID(int=4))],
    # The front door's records are not in the world: made-up ids, answered 404.
    "report_id": lambda w: [str(uuid.UUID(int=5))],
    "outreach_id": lambda w: [str(uuid.UUID(int=6))],
    "finding_id": lambda w: [str(uuid.UUID(int=7))],
    "request_id": lambda w: [str(uuid.UUID(int=8))],
    # A referral link's token: a made-up one, answered 404 (its own tests use real ones).
    "token": lambda w: ["enlace-inventado"],
    # Webhook subscriptions are not in the world: a made-up id, answered 404 (or 403).
    "subscription_id": lambda w: [str(uuid.UUID(int=9))],
    "assessment_id": lambda w: [str(uuid.UUID(int=9))],
    # The plan is not in the world: a made-up action and version, answered 404.
    "action_id": lambda w: [str(uuid.UUID(int=10))],
    "number": lambda w: ["1"],
    # Meetings are not in the world: made-up ids, answered 404 (or 405 to a GET).
    "meeting_id": lambda w: [str(uuid.UUID(int=11))],
    "item_id": lambda w: [str(uuid.UUID(int=12))],
    "agreement_id": lambda w: [str(uuid.UUID(int=13))],
    # A provider's own verification page, read for its real organization; a listing
    # update the world has none of answers 404, as a made-up one must.
    "organization_id": lambda w: [str(w.provider_org.pk)],
    "update_id": lambda w: [str(uuid.UUID(int=11))],
    # Invitations are not in the world: a made-up id, answered 404 (or 403, 405 on GET).
    "invitation_id": lambda w: [str(uuid.UUID(int=10))],
    # A password reset link's user: a made-up one, refused with the page's 400.
    "uidb64": lambda w: ["MQ"],
    "domain_code": lambda w: ["seguridad"],
    # Families are not in the world: made-up ids, answered 404 (their tests use real ones).
    "family_id": lambda w: [str(uuid.UUID(int=10))],
    "goal_id": lambda w: [str(uuid.UUID(int=11))],
    "fmt": lambda w: ["csv", "xlsx"],
    "name": lambda w: [next(iter(profile_files()), "service.json")],
}
# The same name on another path means another record (HSDS reads ``id`` for each kind).
PATH_VALUES_BY_ROUTE: dict[str, dict[str, PathValues]] = {
    "casos/<uuid:case_id>/listas/ofertas/<uuid:offer_id>/": {
        "case_id": lambda w: [str(w.entry.case_id)]
    },
    "api/hsds/services/<str:id>": {"id": lambda w: [str(w.service.pk)]},
    "api/hsds/organizations/<str:id>": {"id": lambda w: [str(w.provider_org.pk)]},
    "api/hsds/service_at_locations/<str:id>": {"id": lambda w: [str(w.site.pk)]},
    "api/hsds/taxonomies/<str:id>": {"id": lambda w: [str(w.term.taxonomy_id)]},
    "api/hsds/taxonomy_terms/<str:id>": {"id": lambda w: [str(w.term.pk)]},
}
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the site but the admin's (Django's own, fuzzed by nobody here)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":
                yield from _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


ROUTES = [route for route in _routes() if route not in SKIPPED]


def _schema_parameters() -> dict[str, set[str]]:
    """Query parameter names the OpenAPI schema documents, by route as the resolver has it."""
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    names: dict[str, set[str]] = {}
    for path, item in schema["paths"].items():
        operation = item.get("get") or {}
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        names[path] = query
    return names


def _schema_path(route: str) -> str:
    return "/" + PARAMETER.sub(r"{\1}", route)


def _path_values(route: str) -> dict[str, PathValues]:
    return {**PATH_VALUES, **PATH_VALUES_BY_ROUTE.get(route, {})}


def _paths(*, route: str, world: World) -> list[str]:
    """The route with each parameter filled, once per value it takes (kept few)."""
    paths = ["/" + route]
    values = _path_values(route)
    for name in PARAMETER.findall(route):
        paths = [
            re.sub(rf"<(?:\w+:)?{name}>", value, path, count=1)
            for path in paths
            for value in values[name](world)
        ]
    return paths


class _QueryNames(HTMLParser):
    """Names a page's GET forms send, and query names of links back to the page."""

    def __init__(self, *, path: str) -> None:
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea", "button"} and self._in_get_form:
            if attributes.get("name"):
                self.names.add(str(attributes["name"]))
        elif tag == "a" and attributes.get("href"):
            link = urlsplit(str(attributes["href"]))
            if link.path in {"", self.path} and link.query:
                self.names.update(name for name, _ in parse_qsl(link.query, True))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get_form = False


def _names_on(html: str, *, path: str) -> set[str]:
    parser = _QueryNames(path=path)
    parser.feed(html)
    return parser.names


@dataclass
class Fuzz:
    world: World
    clients: dict[str, Client]
    schema_names: dict[str, set[str]]
    failures: list[str] = field(default_factory=list)

    def get(self, identity: str, path: str, query: dict[str, Any]) -> tuple[int, str]:
        """One GET in a savepoint rolled back: its status and its HTML, if it is a page.

        A 5xx or an exception (one a streamed body raises while read) is a failure.
        """
        try:
            with transaction.atomic():
                response = self.clients[identity].get(path, query)
                if isinstance(response, StreamingHttpResponse):
                    b"".join(map(bytes, response.streaming_content))
                    html = ""
                else:
                    html = _html_of(response)
                # After the body: a streamed one queries while it is read.
                transaction.set_rollback(True)
        except Exception as error:  # the server error itself: every kind is the finding
            self.failures.append(f"{identity} GET {path} {_shown(query)}: {error!r}")
            return 500, ""
        if response.status_code >= 500:
            self.failures.append(f"{identity} GET {path} {_shown(query)}: {response.status_code}")
        return response.status_code, html


def _html_of(response: HttpResponse) -> str:
    if "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


def _shown(query: dict[str, Any]) -> str:
    text = repr(query)
    return text if len(text) < 300 else text[:300] + "…"


def _client_of(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(scope="module")
def fuzz(django_db_setup: None, django_db_blocker: Any) -> Iterator[Fuzz]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = world_build()
        superuser = UserFactory.create(username="superusuaria", is_staff=True, is_superuser=True)
        users: dict[str, User | None] = {role: world.users[role] for role in ROLES}
        users["superuser"] = superuser
        clients = {identity: _client_of(user) for identity, user in users.items()}
        yield Fuzz(world=world, clients=clients, schema_names=_schema_parameters())
        transaction.set_rollback(True)


def test_every_path_parameter_of_every_route_can_be_filled_with_a_real_record() -> None:
    unfilled = {
        route: sorted(set(PARAMETER.findall(route)) - set(_path_values(route))) for route in ROUTES
    }
    assert {route: names for route, names in unfilled.items() if names} == {}


def _probe(fuzz: Fuzz, *, identity: str, path: str, names: list[str], value: Any) -> None:
    """All ``names`` set to ``value`` at once; refused, the halves again, until one name.

    A page that refuses one name (a choice, a bounded field) reads none of the others:
    the halves find the names that a refusal hid, in a few requests when few refuse.
    """
    status, _ = fuzz.get(identity, path, dict.fromkeys(names, value))
    if 400 <= status < 500 and len(names) > 1:
        middle = len(names) // 2
        for half in (names[:middle], names[middle:]):
            _probe(fuzz, identity=identity, path=path, names=half, value=value)


def _fuzz_path(
    fuzz: Fuzz, *, path: str, documented: set[str], seen: set[tuple[int, frozenset[str]]]
) -> None:
    """Every identity on one path: the whole value set once per distinct page it sees."""
    alone_done: set[str] = set()
    for identity in IDENTITIES:
        status, html = fuzz.get(identity, path, {})
        if status == 405:
            continue
        own = (_names_on(html, path=path) if status == 200 else set()) | documented
        view = (status, frozenset(own))
        if not 200 <= status < 300:
            # Refused before any parameter is read: one request says so.
            fuzz.get(identity, path, dict.fromkeys([*own, *COMMON_NAMES], HUGE))
        elif view in seen:
            for value in SHORT:
                fuzz.get(identity, path, dict.fromkeys([*own, *COMMON_NAMES], value))
        else:
            others = sorted(set(COMMON_NAMES) - own)
            for value in HOSTILE:
                if value in BISECTED:
                    _probe(fuzz, identity=identity, path=path, names=others, value=value)
                else:
                    fuzz.get(identity, path, dict.fromkeys(others, value))
        seen.add(view)
        for name in sorted(own - alone_done):
            for value in HOSTILE:
                fuzz.get(identity, path, {name: value})
        alone_done |= own


@pytest.mark.parametrize("route", ROUTES)
def test_no_query_string_makes_the_page_answer_a_server_error(fuzz: Fuzz, route: str) -> None:
    fuzz.failures.clear()
    documented = fuzz.schema_names.get(_schema_path(route), set())
    # Shared by the paths of one route (csv, xlsx): they read their parameters alike.
    seen: set[tuple[int, frozenset[str]]] = set()
    for path in _paths(route=route, world=fuzz.world):
        _fuzz_path(fuzz, path=path, documented=documented, seen=seen)
    assert fuzz.failures == []
