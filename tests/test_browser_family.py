"""A caseworker walks a family of two children in Chromium: the family is created from
the first child's case, the second joins it by the family's code, a caregiver and a
family goal are added, the accompaniment is started and a visit logged, and each
child's plan links the family plan. Each page passes axe-core.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import AccompanimentSession, FamilyChild
from cases.services.plan import plan_start
from tests.browser import assert_accessible, sign_in
from tests.factories import OrganizationFactory, case_of, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    caseworker = user_with_role(Role.CASEWORKER, lead, first_name="Ana", last_name="Rojas")
    first, second = case_of(caseworker), case_of(caseworker)
    for case in (first, second):
        plan_start(actor=caseworker, case=case, review_on=timezone.localdate() + timedelta(days=60))
    return {"caseworker": caseworker, "first": first, "second": second}


def test_a_family_with_two_children_and_its_plan(live_server, browser, world):
    first, second = world["first"], world["second"]
    page, blocked = sign_in(browser, live_server, world["caseworker"], f"/casos/{first.pk}/")
    assert_accessible(page)
    page.click("#family-create-form button[type=submit]")
    page.wait_for_url("**/familias/*/")
    family = FamilyChild.objects.get(case=first).family
    assert_accessible(page)

    page.select_option("#id_caregiver_relationship", "mother")
    page.fill("#id_caregiver_name", "Rosa")
    page.click("#caregiver-form button[type=submit]")
    page.wait_for_url(f"**/familias/{family.pk}/#caregivers")
    assert page.locator("tr.caregiver").count() == 1
    page.fill("#id_goal_description", "Rutinas estables en el hogar")
    page.click("#family-goal-form button[type=submit]")
    page.wait_for_url(f"**/familias/{family.pk}/#family-plan")
    assert page.locator("li.family-goal").count() == 1

    page.goto(f"{live_server.url}/casos/{second.pk}/")
    page.fill("#id_family_family_code", family.code)
    page.click("#family-link-form button[type=submit]")
    page.wait_for_url(f"**/familias/{family.pk}/")
    assert page.locator("li.family-child[data-visible='1']").count() == 2
    assert_accessible(page)

    page.select_option("#id_start_intensity", "weekly")
    page.click("#accompaniment-start-form button[type=submit]")
    page.wait_for_url(f"**/familias/{family.pk}/#accompaniment")
    assert page.locator("#accompaniment-current").count() == 1
    page.click("#accompaniment-log-link")
    page.wait_for_url(f"**/familias/{family.pk}/acompanamiento/")
    page.fill("#id_session_participants", "Rosa y los dos niños")
    page.check("#id_session_goals_0")
    page.select_option("#id_session_progress", "3")
    page.fill("#id_session_next_step", "Visita en una semana")
    assert_accessible(page)
    page.click("#session-form button[type=submit]")
    page.wait_for_url(f"**/familias/{family.pk}/acompanamiento/")
    assert page.locator("tr.session").count() == 1
    assert_accessible(page)

    page.goto(f"{live_server.url}/casos/{second.pk}/plan/")
    assert page.locator("#family-link").inner_text().endswith(family.code)
    assert page.locator("#family-siblings li.sibling").inner_text() == first.code
    assert_accessible(page)
    page.click("#family-link")
    page.wait_for_url(f"**/familias/{family.pk}/")

    assert AccompanimentSession.objects.get().goals.count() == 1
    assert blocked == []
