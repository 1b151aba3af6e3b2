"""Recording the route decision, with the best interest and the child's views."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Admissibility, Case, CaseRoute, CaseStatus, RouteDecision
from cases.services.team import case_lock, case_team_require


@transaction.atomic
def case_route_decide(
    *,
    actor: User,
    case: Case,
    route: str,
    best_interest: str,
    child_views: str = "",
    child_heard_by: str = "",
    child_heard_on: date | None = None,
    child_not_heard_reason: str = "",
) -> RouteDecision:
    """A route for an admitted, open case; the child heard, or why not (never silently)."""
    case_team_require(actor=actor, case=case)
    locked = case_lock(case_id=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    if locked.admissibility != Admissibility.ADMITTED:
        raise ValidationError({"case": _("Decide the route once the case is admitted.")})
    errors: dict[str, str] = {}
    if route not in CaseRoute.values:
        errors["route"] = _("Choose the route.")
    if not best_interest.strip():
        errors["best_interest"] = _("Write down the best-interest considerations.")
    heard = bool(child_views.strip())
    if heard and not child_heard_by.strip():
        errors["child_heard_by"] = _("Say who heard the child (their role).")
    if heard and child_heard_on is None:
        errors["child_heard_on"] = _("Say when the child was heard.")
    if child_heard_on is not None and child_heard_on > timezone.localdate():
        errors["child_heard_on"] = _("The child cannot have been heard in the future.")
    if not heard and not child_not_heard_reason.strip():
        errors["child_not_heard_reason"] = _(
            "Record the child's views, or why they could not be heard (age, risk)."
        )
    if errors:
        raise ValidationError(errors)
    decision = RouteDecision(
        case=case,
        route=route,
        best_interest=best_interest.strip(),
        child_views=child_views.strip(),
        child_heard_by=child_heard_by.strip() if heard else "",
        child_heard_on=child_heard_on if heard else None,
        child_not_heard_reason="" if heard else child_not_heard_reason.strip(),
        decided_by=actor,
    )
    decision.full_clean()
    decision.save()
    return decision
