"""Fuzz the whole API from its own OpenAPI schema (schemathesis), in-process and bounded.

The schema is read from ``/api/schema/`` through the WSGI application, as a client would
read it; every operation in it is called with generated input (valid, and invalid on
purpose), once anonymously and once as a user who is at the same time caseworker,
provider staff and coordinator, so that both the refusals and the work itself are
exercised. Path parameters are sometimes the ids of real records, so that more than
the 404 path is reached. Two checks: no answer is a server error (5xx), and every
documented answer matches its schema.

Bounded and repeatable: a fixed number of examples per operation, derandomized
(the same inputs every run), no shrinking, no example database, no network. Each
example runs in a savepoint that is rolled back, so every call sees the same world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.utils.crypto import get_random_string
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import Role, User
from accounts.services import membership_grant
from config.wsgi import application
from directory.hsds.views import profile_files
from tests.factories import UserFactory
from tests.permission_world import World, world_build

pytestmark = pytest.mark.django_db

# Examples per operation and identity. With about 40 operations this keeps the whole
# run near two minutes on two busy cores; raise it locally to dig deeper.
EXAMPLES = {"anonymous": 8, "broad": 20}
CHECKS = [not_a_server_error, response_schema_conformance]
METHODS = ("get", "put", "post", "patch", "delete")

# Operations whose answers break the rule, with the bug named, as strict xfails: once
# fixed, the mark must go. Empty: every finding of the first runs is fixed.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _schema_operations() -> list[tuple[str, str]]:
    """The operations the schema lists, for the test ids (the run reads /api/schema/)."""
    # Quietly: the served schema is the one checked; its warnings belong to `spectacular`.
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    )


OPERATIONS = _schema_operations()


def _params() -> Iterator[Any]:
    for identity in EXAMPLES:
        for method, path in OPERATIONS:
            reason = KNOWN_BUGS.get((identity, method, path))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(
                method, path, identity, id=f"{identity}-{method} {path}", marks=marks
            )


class Fuzz:
    def __init__(self, world: World, broad: User) -> None:
        self.world = world
        self.schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        self.credentials = {"anonymous": {}, "broad": self._signed_in(broad)}

    @staticmethod
    def _signed_in(user: User) -> dict[str, dict[str, str]]:
        """A signed-in browser: the session cookie and the CSRF pair the API checks."""
        client = Client()
        client.force_login(user)
        csrf = get_random_string(32)
        return {
            "cookies": {
                django_settings.SESSION_COOKIE_NAME: client.cookies[
                    django_settings.SESSION_COOKIE_NAME
                ].value,
                django_settings.CSRF_COOKIE_NAME: csrf,
            },
            "headers": {"X-CSRFToken": csrf},
        }

    def real_bodies(self, method: str, path: str) -> list[dict[str, Any]]:
        """Valid bodies naming real records: the work itself, not only its refusals."""
        w = self.world
        bodies: dict[tuple[str, str], list[dict[str, Any]]] = {
            ("POST", "/api/referrals/"): [
                {"case_id": w.case.pk, "service_at_site_id": w.other_site.pk, "send": send}
                for send in (False, True)
            ],
            ("POST", "/api/referrals/{referral_id}/transition/"): [
                {"to_status": status} for status in ("accepted", "rejected", "withdrawn")
            ],
            ("POST", "/api/enrolments/"): [{"referral_id": w.accepted.pk}],
            ("POST", "/api/enrolments/{enrolment_id}/end/"): [{"status": "completed"}],
            ("POST", "/api/offers/{offer_id}/answer/"): [{"accept": a} for a in (True, False)],
            ("POST", "/api/allocation-rounds/"): [
                {"territory_id": w.territory.pk, "category_code": w.term.code}
            ],
            ("POST", "/api/alerts/"): [
                {
                    "organization_id": w.team.pk,
                    "alert_type": w.alert.alert_type,
                    "severity": "high",
                    "case_code": w.case.code,
                }
            ],
            ("PATCH", "/api/cases/{case_id}/"): [{"risk_level": "high", "urgent_safety": True}],
            ("POST", "/api/cases/{case_id}/consents/"): [
                {"given_by": "madre", "scopes": ["referral"]}
            ],
            ("POST", "/api/priority-policy/"): [{"change_note": "Otra versión"}],
        }
        return [
            {key: str(value) if isinstance(value, UUID) else value for key, value in body.items()}
            for body in bodies.get((method, path), [])
        ]

    def real_ids(self, path: str) -> dict[str, str]:
        """Ids of records that exist, for the path parameters of ``path``."""
        w = self.world
        by_name: dict[str, UUID | str] = {
            "case_id": w.case.pk,
            "referral_id": w.referral.pk,
            "enrolment_id": w.enrolment.pk,
            "offer_id": w.offer.pk,
            "round_id": w.round.pk,
            "service_id": w.service.pk,
            "name": next(iter(profile_files()), "service.json"),
        }
        hsds_ids: dict[str, UUID | str] = {
            "/api/hsds/services/": w.service.pk,
            "/api/hsds/organizations/": w.provider_org.pk,
            "/api/hsds/service_at_locations/": w.site.pk,
            "/api/hsds/taxonomies/": w.term.taxonomy_id,
            "/api/hsds/taxonomy_terms/": w.term.pk,
        }
        for prefix, value in hsds_ids.items():
            if path.startswith(prefix):
                by_name["id"] = value
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        return {name: str(by_name[name]) for name in names if name in by_name}


@contextmanager
def _same_connection() -> Iterator[None]:
    """Requests share the test's connection and transaction, as Django's test client does.

    Django closes "old" connections around each request; inside the test's transaction
    that would close the connection the savepoints live on.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz(django_db_setup: None, django_db_blocker: Any) -> Iterator[Fuzz]:
    with django_db_blocker.unblock(), _same_connection(), transaction.atomic():
        world = world_build()
        broad = UserFactory(username="amplia")
        for organization, role in (
            (world.team, Role.CASEWORKER),
            (world.provider_org, Role.PROVIDER),
            (world.team, Role.COORDINATOR),
        ):
            membership_grant(user=broad, organization=organization, role=role)
        yield Fuzz(world, broad)
        transaction.set_rollback(True)


def _strategy(fuzz: Fuzz, operation: Any) -> st.SearchStrategy[Any]:
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    real = fuzz.real_ids(operation.path)
    if real:
        strategies.append(operation.as_strategy(path_parameters=real))
    return st.one_of(strategies)


def test_every_operation_of_the_served_schema_is_fuzzed(fuzz: Fuzz) -> None:
    served = sorted(
        (operation.method.upper(), operation.path)
        for result in fuzz.schema.get_all_operations()
        for operation in [result.ok()]
    )
    assert served == OPERATIONS


@pytest.mark.parametrize(("method", "path", "identity"), list(_params()))
def test_the_api_holds_under_generated_input(
    fuzz: Fuzz, method: str, path: str, identity: str, settings_override: Callable[..., Any]
) -> None:
    # A server error raises here with its traceback, instead of a bare 500 to decode.
    settings_override(DEBUG_PROPAGATE_EXCEPTIONS=True)
    operation = fuzz.schema[path][method]
    credentials = fuzz.credentials[identity]

    def call(case: Any) -> None:
        with transaction.atomic():
            response = case.call(**credentials)
            transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS)

    test = given(case=_strategy(fuzz, operation))(call)
    for body in fuzz.real_bodies(method, path):
        explicit = operation.Case(
            path_parameters=fuzz.real_ids(path), body=body, media_type="application/json"
        )
        test = example(case=explicit)(test)
    settings(
        max_examples=EXAMPLES[identity],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(test)()


@pytest.fixture
def settings_override(settings: Any) -> Callable[..., None]:
    def override(**values: Any) -> None:
        for name, value in values.items():
            setattr(settings, name, value)

    return override


@pytest.mark.parametrize("name", ["search", "postcode"])
def test_the_hsds_api_names_a_text_parameter_with_a_nul_character(name: str) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get("/api/hsds/services", {name: "casa\x00"})
    assert response.status_code == 400
    assert name in response.json()
