"""Refusals and errors answer in Spanish, inside the site, with a way back; logs keep one clock."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from accounts.models import Role
from tests.factories import user_with_role
from web.logging import UtcFormatter

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_a_spanish_404_in_the_layout_with_a_link_home():
    response = Client().get("/no-existe/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Página no encontrada" in page
    assert 'class="topbar"' in page
    assert 'href="/"' in page  # the anonymous start page: the service map
    assert "Not Found" not in page


def test_a_refused_page_answers_a_spanish_403_with_the_users_start_page():
    client = Client()
    client.force_login(user_with_role(Role.CASEWORKER))
    response = client.get("/coordinacion/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "No puede abrir esta página" in page
    assert 'href="/inicio/"' in page
    assert "Forbidden" not in page


def test_the_500_page_stands_alone_in_spanish():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Algo falló de nuestro lado" in page
    assert 'href="/"' in page


def test_a_refusal_is_logged_in_one_line_without_a_traceback(caplog):
    client = Client()
    client.force_login(user_with_role(Role.CASEWORKER))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/coordinacion/").status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert refusals, "the refusal is still logged"
    assert all(r.exc_info is None and not r.exc_text for r in refusals)
    assert "Traceback" not in caplog.text


def test_log_lines_carry_utc_time_marked_as_such():
    record = logging.LogRecord("puente", logging.INFO, __file__, 1, "hola", None, None)
    record.created = 0.0  # the epoch: 1970-01-01T00:00:00 UTC whatever the local zone
    record.msecs = 0.0
    line = UtcFormatter("%(asctime)s %(message)s").format(record)
    assert line == "1970-01-01T00:00:00.000Z hola"
