"""A caseworker writes the child's plan in Chromium and a supervisor approves it.

From the case page to the plan: started with its review date, a goal tied to the case's
need, an action given to a partner on the case team, the family's agreement, sent for
approval; the supervisor finds it on the task list and approves. Each page passes axe-core.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import CasePlanVersion, PartnerRole, PlanAction, PlanStatus
from cases.services import case_need_add
from cases.services.partners import case_partner_add
from directory.models import TaxonomyTerm
from tests.browser import assert_accessible, sign_in
from tests.factories import OrganizationFactory, case_of, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    health = OrganizationFactory(name="CESFAM Sur")
    caseworker = user_with_role(Role.CASEWORKER, lead)
    supervisor = user_with_role(Role.SUPERVISOR, lead)
    case = case_of(caseworker)
    case_partner_add(
        actor=caseworker, case=case, organization_id=health.pk, role=PartnerRole.PROVIDER
    )
    need = case_need_add(
        actor=caseworker,
        case=case,
        term=TaxonomyTerm.objects.get(code="specialized.psychological_care"),
    )
    return {
        "caseworker": caseworker,
        "supervisor": supervisor,
        "case": case,
        "need": need,
        "health": health,
    }


def test_a_caseworker_writes_a_goal_and_an_action_and_a_supervisor_approves(
    live_server, browser, world
):
    case = world["case"]
    plan_url = f"**/casos/{case.pk}/plan/"
    page, blocked = sign_in(browser, live_server, world["caseworker"], f"/casos/{case.pk}/")
    page.click("#integrated-plan-link")
    assert_accessible(page)
    page.fill("#id_start_review_on", (timezone.localdate() + timedelta(days=90)).isoformat())
    page.click("#plan-start-form button[type=submit]")
    page.wait_for_url(plan_url)

    page.fill("#id_goal_description", "Que la niña reciba apoyo psicológico")
    page.select_option("#id_goal_need", str(world["need"].pk))
    assert_accessible(page)
    page.click("#goal-form button[type=submit]")
    page.wait_for_url(plan_url)
    assert page.locator("article.plan-goal").count() == 1

    page.fill("#id_action_description", "Control de salud mental")
    page.select_option("#id_action_organization", str(world["health"].pk))
    page.fill("#id_action_responsible", "Enfermera de turno")
    page.fill("#id_action_due_on", (timezone.localdate() + timedelta(days=20)).isoformat())
    page.click("#action-form button[type=submit]")
    page.wait_for_url(plan_url)
    assert page.locator("tr.plan-action[data-organization='CESFAM Sur']").count() == 1

    page.fill("#id_agreement_participants", "La niña y su madre")
    page.check("#id_agreement_child_took_part")
    page.fill("#id_agreement_child_view", "Quiere ir")
    page.fill("#id_agreement_family_view", "De acuerdo con el plan")
    page.click("#agreement-form button[type=submit]")
    page.wait_for_url(plan_url)
    page.click("#submit-form button[type=submit]")
    page.wait_for_url(plan_url)
    assert page.locator("#plan-status").get_attribute("data-status") == "awaiting_approval"
    assert_accessible(page)

    boss, boss_blocked = sign_in(browser, live_server, world["supervisor"], "/tareas/")
    boss.click("#task-plans-to-approve a")
    boss.wait_for_url(f"**/casos/{case.pk}/plan/#plan-approval")
    assert_accessible(boss)
    boss.check("#id_approval_decision_0")
    boss.click("#approval-form button[type=submit]")
    boss.wait_for_url(plan_url)
    assert boss.locator("#plan-status").get_attribute("data-status") == "approved"
    assert_accessible(boss)

    version = CasePlanVersion.objects.get(case=case)
    assert version.status == PlanStatus.APPROVED and version.approved_by == world["supervisor"]
    assert PlanAction.objects.get(version=version).organization == world["health"]
    assert blocked == [] and boss_blocked == []
