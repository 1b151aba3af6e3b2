"""One child from a walk-in report to the authority's verified closure, and back on a new
alert: every step through the pages, by the people who take it, in Chromium.

A provider registers the walk-in; the lead team's caseworker opens a case from the
report, admits it, decides the route with the child's words, records the family's
consent, refers the child and brings the family court and a second team onto the case
team; the provider accepts, starts and completes the service, which starts the
follow-up; the caseworker records a contact; the second team reports its progress; the
caseworker asks to close as "rights restored" and the court verifies it from its task
list; a coordinator raises an alert on the closed case by its code, and the case opens
again with its whole history. Each new page passes axe-core.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import (
    Admissibility,
    Case,
    CasePartner,
    CaseStatus,
    ClosureStatus,
    FollowUp,
    Report,
    ReportStatus,
)
from matching.models import Referral, ReferralStatus
from tests.browser import assert_accessible, sign_in
from tests.factories import OrganizationFactory, referral_world, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    world = referral_world()
    team = world["caseworker"].memberships.get().organization
    # The referral world's own case is another child's; this journey opens its own.
    world["team"] = team
    world["court"] = OrganizationFactory(name="Juzgado de Familia")
    world["judge"] = user_with_role(Role.CASEWORKER, world["court"], username="consejera")
    world["second"] = OrganizationFactory(name="Programa de Prevención Focalizada")
    world["second_caseworker"] = user_with_role(
        Role.CASEWORKER, world["second"], username="gestor-ppf"
    )
    world["coordinator"] = user_with_role(Role.COORDINATOR, username="coordinadora")
    return world


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_child_goes_from_a_walk_in_to_a_verified_closure_and_back_on_a_new_alert(
    live_server, browser, world
):
    team, provider_org = world["team"], world["eligible"].service.organization

    # 1. The provider registers a walk-in and passes it to the case team.
    page, blocked = sign_in(browser, live_server, world["provider"], "/ingreso/")
    assert_accessible(page)
    page.check("input[name='modality'][value='self_referral']")
    page.select_option("select[name='addressed_to']", str(team.pk))
    page.fill("input[name='reporter_role']", "madre")
    page.fill("textarea[name='observed']", "La madre cuenta que la niña no duerme y llora.")
    page.check("input[name='concern_types'][value='neglect']")
    page.select_option("select[name='urgency']", "high")
    page.fill("input[name='child_age_years']", "8")
    _submit(page, "#save-report")
    assert Report.objects.filter(addressed_to=team).exists(), page.locator(
        ".errors"
    ).all_inner_texts()
    report = Report.objects.get(addressed_to=team)
    assert report.receiving_organization == provider_org
    assert blocked == []

    # 2. The caseworker opens a case from it, prefilled from the report.
    page, blocked = sign_in(
        browser, live_server, world["caseworker"], f"/ingreso/reportes/{report.pk}/"
    )
    assert_accessible(page)
    _submit(page, "#convert")
    page.fill("#id_birth_date", (date.today() - timedelta(days=8 * 365)).isoformat())
    page.select_option("#id_sex", "female")
    page.select_option("#id_risk_level", "high")
    page.select_option("#id_access_route", "self_referral")
    page.check("label:has-text('Atención psicológica') >> xpath=preceding-sibling::input")
    page.fill("#id_latitude", "-33.45")
    page.fill("#id_longitude", "-70.60")
    _submit(page, "#case-form button[type=submit]")
    report.refresh_from_db()
    assert report.status == ReportStatus.CONVERTED
    case = Case.objects.get(pk=report.case_id)
    assert case.requested_at == report.reported_at
    assert page.url.endswith(f"/casos/{case.pk}/")

    # 3. Admissibility against the checklist, then the route with the child's words.
    page.click("#admissibility-link")
    for radio in page.locator("fieldset.criterion input[value='yes']").all():
        radio.check()
    page.check("input[name='admissibility'][value='admitted']")
    _submit(page, "#decide")
    case.refresh_from_db()
    assert case.admissibility == Admissibility.ADMITTED
    page.click("#route-link")
    page.check("input[name='route'][value='administrative']")
    page.fill("textarea[name='best_interest']", "Reparación cerca de su casa y su colegio")
    page.fill("textarea[name='child_views']", "Quiero ir con mi mamá")
    page.fill("input[name='child_heard_by']", "trabajadora social")
    page.fill("input[name='child_heard_on']", timezone.localdate().isoformat())
    page.click("#decide-route")
    page.click("#back-to-case")

    # 4. The family consents to referral and to sharing with the network.
    page.fill("#consent-form input[name='given_by']", "madre")
    for scope in ("referral", "information_sharing"):
        page.check(f"#consent-form input[name='scopes'][value='{scope}']")
    _submit(page, "#consent-form button[type=submit]")

    # 5. The referral, from the ranked options.
    need = case.needs.get()
    page.click(f"li[data-need='{need.pk}'] a.options-link")
    page.wait_for_selector(".leaflet-marker-icon.option-marker")
    option = page.locator(f"#option-{world['eligible'].pk}")
    option.locator("summary").click()
    _submit(page, f"#option-{world['eligible'].pk} button.refer-button")
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.SENT

    # 6. The court and a second team join the case team.
    page.click("#team-link")
    assert_accessible(page)
    for organization, role in ((world["court"], "authority"), (world["second"], "evaluating")):
        page.select_option("#id_partner_organization", str(organization.pk))
        page.select_option("#id_partner_role", role)
        _submit(page, "#add-partner")
    assert set(CasePartner.objects.filter(case=case).values_list("role", flat=True)) == {
        "authority",
        "evaluating",
    }
    assert blocked == []

    # 7. The provider accepts, starts and completes the service.
    page, blocked = sign_in(
        browser, live_server, world["provider"], f"/prestador/derivaciones/{referral.pk}/"
    )
    _submit(page, "#move-accepted button[type=submit]")
    # Placing enrols the child in a free slot: the service starts.
    _submit(page, "#place-form button[type=submit]")
    page.goto(f"{live_server.url}/prestador/derivaciones/{referral.pk}/")
    page.fill("#move-completed textarea", "Doce sesiones; la niña duerme bien.")
    _submit(page, "#move-completed button[type=submit]")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    assert blocked == []

    # 8. The follow-up started; the caseworker records a contact.
    planned = FollowUp.objects.filter(case=case).order_by("due_on")
    assert planned.count() >= 2
    page, blocked = sign_in(
        browser, live_server, world["caseworker"], f"/casos/{case.pk}/seguimiento/"
    )
    assert_accessible(page)
    first = page.locator(f"#follow-up-{planned[0].pk}")
    first.locator("input[name='result'][value='better']").check()
    first.locator("input[name='done_on']").fill(timezone.localdate().isoformat())
    _submit(page, f"#follow-up-{planned[0].pk} button.record")

    # 9. The second team reports its progress to the authority, from the team page.
    other, _ = sign_in(
        browser, live_server, world["second_caseworker"], f"/casos/{case.pk}/equipo/"
    )
    assert other.locator("#case-summary").is_visible()  # the family agreed to share
    other.fill("#id_progress_done", "Dos visitas domiciliarias")
    other.fill("#id_progress_changed", "La madre participa del taller")
    _submit(other, "#send-progress")
    assert case.progress_reports.count() == 1

    # 10. The caseworker asks to close; the court verifies it from its task list.
    page.goto(f"{live_server.url}/casos/{case.pk}/cierre/")
    page.select_option("select[name='reason']", "plan_completed")
    _submit(page, "#request-close")
    assert page.locator("#waits-for-colleague").is_visible()
    court, _ = sign_in(browser, live_server, world["judge"], "/tareas/")
    assert_accessible(court)
    _submit(court, f"#task-closures a[href='/casos/{case.pk}/cierre/']")
    court.check("input[name='decision'][value='approve']")
    _submit(court, "#decide")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closures.get().decided_by == world["judge"]

    # 11. A new alert on the closed case, by its code, reopens it with its history.
    coordinator, _ = sign_in(browser, live_server, world["coordinator"], "/alertas/nueva/")
    coordinator.select_option("select[name='alert_type']", "neglect")
    coordinator.select_option("select[name='severity']", "high")
    coordinator.fill("input[name='case_code']", case.code)
    _submit(coordinator, "#alert-form button[type=submit]")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.reopenings.get().alert is not None
    page.goto(f"{live_server.url}/casos/{case.pk}/cierre/")
    assert page.locator("#closure-history .history-closure").count() == 1
    assert case.closures.get().status == ClosureStatus.CLOSED
    assert blocked == []
