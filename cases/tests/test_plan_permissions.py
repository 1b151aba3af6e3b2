"""The integrated plan's cells of docs/permissions.md, one by one through the real URLs.

People: **cw** the lead caseworker, **cw2** a caseworker of an unrelated organization,
**pshare** / **pnone** a partner's caseworker with / without the family's consent to
share information (two cases, one with each consent), **sup** the lead's supervisor,
**coord** a coordinator; anonymous users are sent to sign in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import ConsentScope, PartnerRole
from cases.services import case_need_add, consent_record
from cases.services.partners import case_partner_add
from cases.services.plan import plan_action_add, plan_goal_add, plan_start
from directory.models import TaxonomyTerm
from tests.factories import OrganizationFactory, api_client_for, case_of, signed_in, user_with_role

pytestmark = pytest.mark.django_db

PEOPLE = ("anon", "cw", "cw2", "pshare", "pnone", "sup", "coord")


@pytest.fixture
def world() -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Norte")
    partner = OrganizationFactory(name="CESFAM Sur")
    cw = user_with_role(Role.CASEWORKER, lead, username="cw")
    nurse = user_with_role(Role.CASEWORKER, partner, username="nurse")
    users = {
        "cw": cw,
        "cw2": user_with_role(Role.CASEWORKER, OrganizationFactory(), username="cw2"),
        "sup": user_with_role(Role.SUPERVISOR, lead, username="sup"),
        "coord": user_with_role(Role.COORDINATOR, OrganizationFactory(), username="coord"),
    }
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    cases = {}
    for name, scopes in (
        ("share", [ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING]),
        ("none", [ConsentScope.REFERRAL]),
    ):
        case = case_of(cw)
        case_partner_add(actor=cw, case=case, organization_id=partner.pk, role=PartnerRole.PROVIDER)
        consent_record(actor=cw, case=case, given_by="madre", scopes=scopes)
        need = case_need_add(actor=cw, case=case, term=term)
        plan = plan_start(actor=cw, case=case, review_on=timezone.localdate() + timedelta(days=60))
        goal = plan_goal_add(actor=cw, version=plan.versions.get(), description="Apoyo", need=need)
        action = plan_action_add(
            actor=cw,
            goal=goal,
            description="Derivar",
            responsible="Ana",
            due_on=timezone.localdate() + timedelta(days=9),
        )
        cases[name] = {"case": case, "goal": goal, "action": action}
    return {"users": users, "nurse": nurse, "cases": cases}


def _who(world: dict[str, Any], person: str) -> tuple[Any, dict[str, Any]]:
    """The user (None: anonymous) and the case they are tried on."""
    if person in ("pshare", "pnone"):
        return world["nurse"], world["cases"][person[1:]]
    return (None if person == "anon" else world["users"][person]), world["cases"]["share"]


def _page(user: Any) -> Client:
    return Client() if user is None else signed_in(user)


def _api(user: Any) -> Any:
    from rest_framework.test import APIClient

    return APIClient() if user is None else api_client_for(user)


def _url(name: str, c: dict[str, Any]) -> str:
    args = [c["case"].pk]
    if name in ("cases:plan_action_update", "cases-api:plan-action"):
        args.append(c["action"].pk)
    if name == "cases:plan_version":
        args.append(1)
    return reverse(name, args=args)


# Expected per person: anon, cw, cw2, pshare, pnone, sup, coord (pages: 302 is the sign-in
# for anon; for cw a write that redirects back is its success). 400: allowed, empty form.
PAGE_CELLS = [
    ("GET", "cases:case_plan", (302, 200, 404, 200, 403, 200, 403)),
    ("GET", "cases:plan_version", (302, 200, 404, 200, 403, 200, 403)),
    ("POST", "cases:plan_agreement", (302, 400, 404, 403, 403, 403, 403)),
    ("POST", "cases:plan_submit", (302, 302, 404, 403, 403, 403, 403)),
    ("POST", "cases:plan_review", (302, 400, 404, 403, 403, 403, 403)),
    ("POST", "cases:plan_goal", (302, 400, 404, 400, 403, 403, 403)),
    ("POST", "cases:plan_action", (302, 400, 404, 400, 403, 403, 403)),
    ("POST", "cases:plan_action_update", (302, 302, 404, 403, 403, 403, 403)),
    ("POST", "cases:plan_approve", (302, 403, 403, 403, 403, 400, 403)),
]

# The API: anonymous gets 401 or 403; the approval of a draft is a 409 conflict.
API_CELLS = [
    ("get", "cases-api:plan-versions", {}, (403, 200, 404, 200, 403, 200, 404)),
    ("get", "cases-api:plan-actions", {}, (403, 200, 404, 200, 403, 200, 404)),
    ("post", "cases-api:plan-actions", {}, (403, 400, 404, 400, 403, 403, 404)),
    ("patch", "cases-api:plan-action", {"status": "done"}, (403, 200, 404, 403, 403, 403, 404)),
    ("post", "cases-api:plan-approval", {"approve": True}, (403, 403, 404, 403, 403, 409, 404)),
]


@pytest.mark.parametrize(("method", "name", "expected"), PAGE_CELLS)
@pytest.mark.parametrize("person", PEOPLE)
def test_each_page_cell(world, method, name, expected, person):
    user, case = _who(world, person)
    client = _page(user)
    target = _url(name, case)
    response = client.get(target) if method == "GET" else client.post(target, {})
    assert response.status_code == expected[PEOPLE.index(person)], (name, person)


@pytest.mark.parametrize(("method", "name", "body", "expected"), API_CELLS)
@pytest.mark.parametrize("person", PEOPLE)
def test_each_api_cell(world, method, name, body, expected, person):
    user, case = _who(world, person)
    response = getattr(_api(user), method)(_url(name, case), body, format="json")
    want = expected[PEOPLE.index(person)]
    allowed = (401, 403) if user is None else (want,)
    assert response.status_code in allowed, (name, person, response.status_code)


def test_refusals_are_audited_with_the_standing(world):
    case = world["cases"]["none"]["case"]
    signed_in(world["nurse"]).get(reverse("cases:case_plan", args=[case.pk]))
    signed_in(world["users"]["cw2"]).get(reverse("cases:case_plan", args=[case.pk]))
    refused = AuditEntry.objects.filter(
        action=AuditAction.REFUSED, record_type=AuditRecordType.CASE_PLAN, case_id=case.pk
    )
    assert refused.filter(user=world["nurse"], detail="access=packet").exists()
    assert refused.filter(user=world["users"]["cw2"]).exists()


def test_the_task_list_is_refused_to_other_roles(world):
    assert signed_in(world["users"]["coord"]).get(reverse("matching:tasks")).status_code == 403


def test_the_admin_lists_plan_versions_read_only_to_the_coordinator_only(world):
    changelist = reverse("admin:cases_caseplanversion_changelist")
    coord = signed_in(world["users"]["coord"])
    page = coord.get(changelist)
    assert page.status_code == 200
    case = world["cases"]["share"]["case"]
    assert case.code in page.content.decode()
    assert coord.get(reverse("admin:cases_caseplanversion_add")).status_code == 403
    # The goals' and the family's words are not in the admin.
    assert "Apoyo" not in page.content.decode()
    assert signed_in(world["users"]["cw"]).get(changelist).status_code in (302, 403)
