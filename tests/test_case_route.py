"""The route decision: written best interest, the child heard or why not, versioned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Admissibility, Case, CaseRoute, RouteDecision
from cases.services.route import case_route_decide
from tests.factories import referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def test_an_empty_decision_names_the_route_the_best_interest_and_the_childs_voice(world):
    case, client = world["case"], signed_in(world["caseworker"])
    response = client.post(reverse("cases:route_decide", args=[case.pk]), {})
    assert response.status_code == 400
    assert {"route", "best_interest"} <= set(response.context["form"].errors)
    response = client.post(
        reverse("cases:route_decide", args=[case.pk]),
        {"route": CaseRoute.ADMINISTRATIVE, "best_interest": "Mantener la escuela"},
    )
    assert response.status_code == 400
    assert "child_not_heard_reason" in response.context["form"].errors
    assert not RouteDecision.objects.exists()


def test_the_childs_words_need_who_heard_them_and_when_and_decisions_accumulate(world):
    case, caseworker = world["case"], world["caseworker"]
    with pytest.raises(ValidationError) as missing:
        case_route_decide(
            actor=caseworker,
            case=case,
            route=CaseRoute.ADMINISTRATIVE,
            best_interest="Seguir con su abuela",
            child_views="Quiero seguir en mi colegio",
        )
    assert {"child_heard_by", "child_heard_on"} <= set(missing.value.message_dict)
    heard_on = timezone.localdate() - timedelta(days=1)
    case_route_decide(
        actor=caseworker,
        case=case,
        route=CaseRoute.ADMINISTRATIVE,
        best_interest="Seguir con su abuela",
        child_views="Quiero seguir en mi colegio",
        child_heard_by="psicóloga del equipo",
        child_heard_on=heard_on,
    )
    case_route_decide(
        actor=caseworker,
        case=case,
        route=CaseRoute.SPECIAL_PROTECTION,
        best_interest="Nueva vulneración grave",
        child_not_heard_reason="Crisis; se escuchará en la próxima visita",
    )
    routes = list(RouteDecision.objects.order_by("decided_at").values_list("route", flat=True))
    assert routes == [CaseRoute.ADMINISTRATIVE, CaseRoute.SPECIAL_PROTECTION]
    page = signed_in(caseworker).get(reverse("cases:case_route", args=[case.pk])).content.decode()
    assert "Quiero seguir en mi colegio" in page and page.count('class="decision"') == 2


def test_the_route_waits_for_admission_and_other_teams_are_refused(world):
    case = world["case"]
    Case.objects.filter(pk=case.pk).update(admissibility=Admissibility.PENDING)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as pending:
        case_route_decide(
            actor=world["caseworker"],
            case=case,
            route=CaseRoute.ADMINISTRATIVE,
            best_interest="x",
            child_not_heard_reason="bebé",
        )
    assert "case" in pending.value.message_dict
    url = reverse("cases:case_route", args=[case.pk])
    assert 'id="route-needs-admission"' in signed_in(world["caseworker"]).get(url).content.decode()
    assert signed_in(user_with_role(Role.CASEWORKER)).get(url).status_code == 404
    assert signed_in(world["provider"]).get(url).status_code == 403
