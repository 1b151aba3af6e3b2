"""A case from admissibility to a verified closure and back, in Chromium, as people do it.

One caseworker admits the case against the checklist, records the route with the
child's words and asks to close it as "rights restored"; a colleague verifies it from
their task list; the first reopens it. Each page passes axe-core.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import Admissibility, Case, CaseStatus, ClosureStatus
from tests.browser import assert_accessible, sign_in
from tests.factories import referral_world, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    world = referral_world()
    Case.objects.filter(pk=world["case"].pk).update(admissibility=Admissibility.PENDING)
    world["colleague"] = user_with_role(
        Role.CASEWORKER, organization=world["case"].organization, username="colega"
    )
    return world


def test_a_case_is_admitted_routed_closed_by_two_people_and_reopened(live_server, browser, world):
    case = world["case"]
    page, blocked = sign_in(browser, live_server, world["caseworker"], f"/casos/{case.pk}/")
    page.click("#admissibility-link")
    assert_accessible(page)
    for radio in page.locator("fieldset.criterion input[value='yes']").all():
        radio.check()
    page.check("input[name='admissibility'][value='admitted']")
    page.click("#decide")
    page.wait_for_url(f"**/casos/{case.pk}/")
    case.refresh_from_db()
    assert case.admissibility == Admissibility.ADMITTED

    page.click("#route-link")
    page.check("input[name='route'][value='administrative']")
    page.fill("textarea[name='best_interest']", "Seguir con su abuela, cerca del colegio")
    page.fill("textarea[name='child_views']", "Quiero quedarme con mi abuela")
    page.fill("input[name='child_heard_by']", "psicóloga del equipo")
    page.fill("input[name='child_heard_on']", timezone.localdate().isoformat())
    page.click("#decide-route")
    assert page.locator("li.decision").count() == 1
    assert_accessible(page)

    page.click("#back-to-case")
    page.click("#closure-link")
    page.select_option("select[name='reason']", "plan_completed")
    page.click("#request-close")
    assert page.locator("#waits-for-colleague").is_visible()
    assert_accessible(page)

    other, _ = sign_in(browser, live_server, world["colleague"], "/tareas/")
    other.click(f"#task-closures a[href='/casos/{case.pk}/cierre/']")
    other.check("input[name='decision'][value='approve']")
    other.click("#decide")
    assert other.locator("#closed-badge").is_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closures.get().status == ClosureStatus.CLOSED

    page.reload()
    page.fill("textarea[name='reason']", "Nueva información de la escuela")
    page.click("#reopen")
    assert page.locator("#request-closure").is_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert blocked == []
