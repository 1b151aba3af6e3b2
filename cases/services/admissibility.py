"""The admissibility decision: taken by a named person of the owning team, against the
coordinator's checklist, with its date and reason, and never overwritten."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    Admissibility,
    AdmissibilityCriterion,
    AdmissibilityDecision,
    Case,
    CaseCloseReason,
    CaseStatus,
)
from cases.services.closure import case_close
from cases.services.team import case_lock, case_team_require


def admissibility_checklist() -> list[AdmissibilityCriterion]:
    return list(AdmissibilityCriterion.objects.filter(active=True))


def _answers(
    *, answers: Mapping[UUID, bool] | None, outcome: str, reason: str
) -> list[dict[str, object]]:
    """The checklist as answered, in its order, with the words as they read today."""
    if answers is None:
        return []  # decided before a checklist was kept (imports, the demo's history)
    checklist = admissibility_checklist()
    missing = [criterion.text for criterion in checklist if criterion.pk not in answers]
    if missing:
        raise ValidationError(
            {
                "answers": _("Answer every criterion of the checklist: %(missing)s.")
                % {"missing": "; ".join(missing)}
            }
        )
    known = {criterion.pk for criterion in checklist}
    if set(answers) - known:
        raise ValidationError({"answers": _("A criterion is not in the current checklist.")})
    unmet = [criterion for criterion in checklist if not answers[criterion.pk]]
    if outcome == Admissibility.ADMITTED and unmet and not reason:
        raise ValidationError(
            {"reason": _("Say why the case is admitted although a criterion is not met.")}
        )
    return [
        {"criterion": str(criterion.pk), "text": criterion.text, "met": answers[criterion.pk]}
        for criterion in checklist
    ]


@transaction.atomic
def case_admissibility_decide(
    *,
    actor: User,
    case: Case,
    admissibility: str,
    reason: str = "",
    answers: Mapping[UUID, bool] | None = None,
) -> Case:
    """Record the decision; "not admitted" closes the case with that reason."""
    case_team_require(actor=actor, case=case)
    if admissibility not in (Admissibility.ADMITTED, Admissibility.NOT_ADMITTED):
        raise ValidationError({"admissibility": _("Choose whether the case is admitted.")})
    reason = reason.strip()
    if admissibility == Admissibility.NOT_ADMITTED and not reason:
        raise ValidationError({"reason": _("Say why the case was not admitted.")})
    # Locked and read again: a decision while the case is being closed sees it closed.
    locked = case_lock(case_id=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed.")})
    checklist = _answers(answers=answers, outcome=admissibility, reason=reason)
    AdmissibilityDecision.objects.create(
        case=case,
        outcome=admissibility,
        reason=reason,
        answers=checklist,
        decided_by=actor,
        organization_id=case.organization_id,
    )
    case.admissibility = admissibility
    case.admissibility_reason = reason
    case.full_clean(exclude=["territory"])
    case.save(update_fields=["admissibility", "admissibility_reason", "last_modified"])
    if admissibility == Admissibility.NOT_ADMITTED:
        case_close(actor=actor, case=case, reason=CaseCloseReason.NOT_ADMITTED)
    return case
