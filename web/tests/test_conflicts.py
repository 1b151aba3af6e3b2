"""A write that loses a race answers 409 naming what happened, on pages and the API."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from config.exceptions import api_exception_handler
from tests.factories import OrganizationFactory
from web.conflicts import ConflictMiddleware

pytestmark = pytest.mark.django_db


def _real_integrity_error() -> IntegrityError:
    # The same organization identifier twice would do; a primary key twice is simplest.
    org = OrganizationFactory()
    try:
        with transaction.atomic():
            type(org).objects.create(id=org.pk, name="Otra", sector=org.sector)
    except IntegrityError as error:
        return error
    raise AssertionError("the database accepted a duplicate key")


def test_a_page_that_loses_a_race_answers_409_in_the_site_layout(caplog):
    request = RequestFactory().post("/prestador/derivaciones/x/ubicar/")
    request.user = AnonymousUser()
    error = _real_integrity_error()
    middleware = ConflictMiddleware(lambda r: None)
    with caplog.at_level(logging.WARNING, logger="web.conflicts"):
        response = middleware.process_exception(request, error)
    assert response is not None and response.status_code == 409
    body = response.content.decode()
    assert 'id="conflict-message"' in body and 'href="/"' in body
    assert "directory_organization_pkey" in caplog.text
    assert "Otra" not in caplog.text


def test_other_errors_are_left_to_the_server_error_page():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    middleware = ConflictMiddleware(lambda r: None)
    assert middleware.process_exception(request, RuntimeError("bug")) is None


def test_the_api_answers_409_conflict_to_a_lost_race():
    response = api_exception_handler(_real_integrity_error(), {"view": None})
    assert response is not None and response.status_code == 409
    assert response.data["detail"].code == "conflict"


@pytest.mark.parametrize(
    ("referer", "back"),
    [
        ("http://testserver/prestador/derivaciones/", True),
        ("https://elsewhere.example/phish", False),
        ("", False),
    ],
)
def test_a_lost_post_links_back_to_our_page_it_came_from_never_to_a_reload(referer, back):
    """A POST-only action answers 405 to a GET, so "reload" would lead nowhere."""
    headers = {"HTTP_REFERER": referer} if referer else {}
    request = RequestFactory().post("/prestador/derivaciones/x/ubicar/", **headers)
    request.user = AnonymousUser()
    response = ConflictMiddleware(lambda r: None).process_exception(
        request, _real_integrity_error()
    )
    assert response is not None
    body = response.content.decode()
    assert 'href="/prestador/derivaciones/x/ubicar/"' not in body
    assert ('id="conflict-back"' in body) is back
    assert "elsewhere.example" not in body
