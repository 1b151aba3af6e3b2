"""The new-case form and API never guess about a child: nothing is preselected, and an
empty submission records nothing and names every field the record needs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from cases.models import Case
from matching.tests.conftest import _as
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

REQUIRED = {"birth_date", "sex", "latitude", "longitude", "risk_level", "access_route"}


def test_the_new_case_form_starts_with_nothing_chosen(client, caseworker):
    page = _as(client, caseworker).get(reverse("matching:case_new")).content.decode()
    for name in ("sex", "risk_level", "access_route"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None, name
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(0))
        assert chosen in ([], [""]), name  # the empty "Choose…", or nothing
        first = re.search(r"<option[^>]*>", select.group(0)).group(0)
        assert 'value=""' in first, name
    assert "checked" not in page


def test_an_empty_submission_is_a_400_that_names_every_missing_field(client, caseworker):
    response = _as(client, caseworker).post(reverse("matching:case_new"), {})
    assert response.status_code == 400
    assert Case.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) == REQUIRED
    page = response.content.decode()
    summary = re.search(r'<div[^>]*id="missing-fields".*?</div>', page, re.S).group(0)
    for name in REQUIRED:
        assert str(form.fields[name].label) in summary, name


def test_a_caseworker_of_two_teams_must_choose_one_too(client, caseworker, other_org):
    Membership.objects.create(user=caseworker, organization=other_org, role=Role.CASEWORKER)
    response = _as(client, caseworker).post(reverse("matching:case_new"), {})
    assert set(response.context["form"].errors) == REQUIRED | {"organization"}
    page = _as(client, caseworker).get(reverse("matching:case_new")).content.decode()
    select = re.search(r'<select name="organization".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"[^>]*selected', select) in ([], [""])


def test_the_api_refuses_a_case_without_the_childs_facts_and_names_them(caseworker):
    api = APIClient()
    api.force_authenticate(caseworker)
    response = api.post("/api/cases/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= REQUIRED
    blank = dict.fromkeys(("sex", "risk_level", "access_route"), "")
    response = api.post("/api/cases/", blank, format="json")
    assert response.status_code == 400
    assert {"sex", "risk_level", "access_route"} <= set(response.json())
    assert Case.objects.count() == 0


def test_other_roles_cannot_open_the_form(client, provider):
    planner = user_with_role(Role.PLANNER, username="planificadora-form")
    for user in (provider, planner):
        assert _as(client, user).get(reverse("matching:case_new")).status_code == 403
