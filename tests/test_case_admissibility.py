"""Admissibility: a named decision against the checklist, versioned, and "not admitted" closes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from cases.models import (
    Admissibility,
    AdmissibilityCriterion,
    AdmissibilityDecision,
    CaseCloseReason,
    CaseStatus,
)
from cases.services import case_admissibility_decide
from tests.factories import referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def _all_met() -> dict[str, str]:
    return {f"criterion_{c.pk}": "yes" for c in AdmissibilityCriterion.objects.filter(active=True)}


def test_the_shipped_checklist_is_in_spanish_and_in_order():
    texts = list(AdmissibilityCriterion.objects.values_list("text", flat=True))
    assert len(texts) == 5 and texts[1] == "Es menor de 18 años."


def test_an_empty_decision_names_every_criterion_and_the_decision(world):
    case, client = world["case"], signed_in(world["caseworker"])
    page = client.get(reverse("cases:case_admissibility", args=[case.pk])).content.decode()
    assert "checked" not in page
    response = client.post(reverse("cases:admissibility_decide", args=[case.pk]), {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "admissibility" in errors
    assert sum(name.startswith("criterion_") for name in errors) == 5
    assert not AdmissibilityDecision.objects.exists()


def test_admitting_from_the_page_records_who_when_and_the_checklist_as_it_read(world):
    case, client = world["case"], signed_in(world["caseworker"])
    response = client.post(
        reverse("cases:admissibility_decide", args=[case.pk]),
        {**_all_met(), "admissibility": Admissibility.ADMITTED},
    )
    assert response.status_code == 302
    decision = AdmissibilityDecision.objects.get(case=case)
    assert decision.decided_by == world["caseworker"] and decision.outcome == "admitted"
    assert [answer["met"] for answer in decision.answers] == [True] * 5
    # Editing the checklist later does not rewrite the decision.
    AdmissibilityCriterion.objects.update(text="Otro texto")
    decision.refresh_from_db()
    assert decision.answers[1]["text"] == "Es menor de 18 años."
    case.refresh_from_db()
    assert case.admissibility == Admissibility.ADMITTED


def test_admitting_with_an_unmet_criterion_needs_a_reason(world):
    answers = {c.pk: True for c in AdmissibilityCriterion.objects.all()}
    first = AdmissibilityCriterion.objects.first()
    assert first is not None
    answers[first.pk] = False
    with pytest.raises(ValidationError) as refused:
        case_admissibility_decide(
            actor=world["caseworker"],
            case=world["case"],
            admissibility=Admissibility.ADMITTED,
            answers=answers,
        )
    assert "reason" in refused.value.message_dict


def test_not_admitted_needs_a_reason_closes_the_case_and_keeps_the_earlier_decision(world):
    case, caseworker = world["case"], world["caseworker"]
    answers = {c.pk: True for c in AdmissibilityCriterion.objects.all()}
    case_admissibility_decide(
        actor=caseworker, case=case, admissibility=Admissibility.ADMITTED, answers=answers
    )
    with pytest.raises(ValidationError):
        case_admissibility_decide(
            actor=caseworker, case=case, admissibility=Admissibility.NOT_ADMITTED, answers=answers
        )
    case_admissibility_decide(
        actor=caseworker,
        case=case,
        admissibility=Admissibility.NOT_ADMITTED,
        reason="Otra comuna",
        answers=answers,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.close_reason == CaseCloseReason.NOT_ADMITTED
    assert list(
        AdmissibilityDecision.objects.filter(case=case)
        .order_by("decided_at")
        .values_list("outcome", flat=True)
    ) == ["admitted", "not_admitted"]
    with pytest.raises(ValidationError) as closed:
        case_admissibility_decide(
            actor=caseworker, case=case, admissibility=Admissibility.ADMITTED, answers=answers
        )
    assert "case" in closed.value.message_dict


def test_another_team_cannot_decide_and_other_roles_are_refused_the_page(world):
    case = world["case"]
    with pytest.raises(PermissionDenied):
        case_admissibility_decide(
            actor=user_with_role(Role.CASEWORKER), case=case, admissibility="admitted"
        )
    url = reverse("cases:case_admissibility", args=[case.pk])
    assert signed_in(user_with_role(Role.CASEWORKER)).get(url).status_code == 404
    assert signed_in(world["provider"]).get(url).status_code == 403
    post = reverse("cases:admissibility_decide", args=[case.pk])
    assert signed_in(user_with_role(Role.CASEWORKER)).post(post, _all_met()).status_code == 404


def test_the_coordinator_keeps_the_checklist_in_the_admin_and_caseworkers_do_not(world):
    url = "/admin/cases/admissibilitycriterion/"
    coordinator = user_with_role(Role.COORDINATOR)
    page = signed_in(coordinator).get(url)
    assert page.status_code == 200 and "Es menor de 18 años." in page.content.decode()
    assert signed_in(world["provider"]).get(url).status_code == 403


def test_the_api_decides_against_the_checklist_and_names_what_is_missing(world):
    from rest_framework.test import APIClient

    case = world["case"]
    api = APIClient()
    api.force_authenticate(world["caseworker"])
    url = f"/api/cases/{case.pk}/admissibility/"
    state = api.get(url).json()
    assert len(state["checklist"]) == 5 and state["decisions"] == []
    missing = api.post(url, {"admissibility": "admitted", "answers": []}, format="json")
    assert missing.status_code == 400 and "answers" in missing.json()
    stray = [{"criterion": "00000000-0000-0000-0000-000000000000", "met": True}]
    answers = [{"criterion": item["id"], "met": True} for item in state["checklist"]]
    assert (
        api.post(
            url, {"admissibility": "admitted", "answers": answers + stray}, format="json"
        ).status_code
        == 400
    )
    bad = api.post(url, {"admissibility": "maybe", "answers": answers}, format="json")
    assert bad.status_code == 400 and "admissibility" in bad.json()
    decided = api.post(url, {"admissibility": "admitted", "answers": answers}, format="json")
    assert decided.status_code == 201 and decided.json()["decided_by"] == "gestora"
    stranger = APIClient()
    stranger.force_authenticate(user_with_role(Role.CASEWORKER))
    assert stranger.get(url).status_code == 404
    assert (
        stranger.post(
            url, {"admissibility": "admitted", "answers": answers}, format="json"
        ).status_code
        == 404
    )
