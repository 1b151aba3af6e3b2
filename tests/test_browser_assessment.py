"""A caseworker assesses a child in Chromium and accepts the suggestion.

From the case page to the assessment, one domain answered item by item (each with its
plain-words definition), the suggested level with the answers that led to it, and the
suggestion accepted: the case's risk level is the accepted one. Each page passes axe-core.
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from cases.models import Assessment, AssessmentDecision
from directory.models import RiskLevel
from tests.browser import assert_accessible, sign_in
from tests.factories import OrganizationFactory, case_of, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    caseworker = user_with_role(Role.CASEWORKER, OrganizationFactory(name="OPD Norte"))
    case = case_of(caseworker, risk_level=RiskLevel.LOW)
    return {"caseworker": caseworker, "case": case}


def test_a_caseworker_assesses_a_child_and_accepts_the_suggestion(live_server, browser, world):
    case = world["case"]
    page, blocked = sign_in(browser, live_server, world["caseworker"], f"/casos/{case.pk}/")
    page.click("#assessment-link")
    page.click("#start")
    assert_accessible(page)

    page.click("a.assess-domain[data-domain='seguridad']")
    assert page.locator("#not-assessed-recently").is_visible()
    page.check("input[name='answer_violencia-hogar'][value='2']")
    page.check("input[name='answer_adulto-protector'][value='0']")
    page.check("input[name='answer_trabajo-infantil'][value='2']")
    assert_accessible(page)
    page.click("#save-domain")

    page.wait_for_url(f"**/casos/{case.pk}/valoracion/")
    assert page.locator("#suggested-level").get_attribute("data-level") == "moderate"
    assert page.locator("#suggestion-items tr[data-item='violencia-hogar']").is_visible()
    assert page.locator("#suggested-needs li[data-need='protection']").is_visible()
    # The form starts from the suggestion: accepting is one click.
    assert page.locator("select[name='risk_level']").input_value() == "moderate"
    assert page.locator("input[name='needs']:checked").count() == 2
    assert_accessible(page)
    page.click("#decide")

    page.wait_for_url(f"**/casos/{case.pk}/valoracion/")
    assert page.locator("tr.assessment-row[data-decision='accepted']").count() == 1
    assert page.locator("#assessment-domains").is_visible()
    assert_accessible(page)
    assessment = Assessment.objects.get(case=case)
    assert assessment.decision == AssessmentDecision.ACCEPTED
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.MODERATE
    assert blocked == []
