"""Closing a case, verifying a closure, and opening a closed case again.

Closing resolves in the same transaction everything that hangs from the case: the apps
above take it off their lists and withdraw its referrals (``cases.signals``), and the
closure records how many of each it resolved, so the page can say so.

Each write locks the case row first and reads its state again under the lock: of two
people closing, verifying or reopening at once, the second sees what the first did and
gets a ValidationError naming it (a 400 or 409), never a second closing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import membership_cache
from cases.models import (
    VERIFIED_CLOSE_REASONS,
    Alert,
    Case,
    CaseCloseReason,
    CaseClosure,
    CaseReopening,
    CaseStatus,
    ClosureStatus,
    PartnerRole,
)
from cases.selectors import (
    case_authority_organization_ids,
    case_can_work,
    case_get_for_case_team,
    case_get_for_user,
    case_member_organization_ids,
    case_partner_users,
    case_supervisor_organization_ids,
    organization_supervisors,
)
from cases.services.team import case_lock, case_team_notify, case_team_require
from cases.signals import case_changed, case_closing, case_places_releasing
from notifications.models import NotificationKind
from notifications.services import notification_send

# Reasons a person chooses; "not admitted" is the admissibility decision's own closing.
REQUESTABLE_REASONS = tuple(
    reason for reason in CaseCloseReason if reason != CaseCloseReason.NOT_ADMITTED
)


def _case_locked(case: Case) -> Case:
    locked = case_lock(case_id=case.pk)
    # The caller's instance follows, so a page rendered after the write shows it.
    case.status, case.close_reason, case.closed_at = (
        locked.status,
        locked.close_reason,
        locked.closed_at,
    )
    return locked


def _resolve(*, actor: User, case: Case) -> dict[str, int]:
    """Ask the apps above to let go of the case; what each resolved, summed by kind."""
    resolved: Counter[str] = Counter()
    for signal in (case_places_releasing, case_closing):
        for _receiver, answer in signal.send(sender=Case, case=case, actor=actor):
            if isinstance(answer, dict):
                resolved.update(answer)
    return dict(resolved)


def _close_now(*, actor: User, case: Case, closure: CaseClosure) -> CaseClosure:
    # The apps above withdraw referrals and places as the case's team does; when the
    # authority or a supervisor verifies, they act for the caseworker who asked to close.
    on_behalf = actor if case_can_work(user=actor, case=case) else closure.requested_by
    # Each referral withdrawn asks again which side the closer is on; their teams do not
    # change while the case closes, so they are read once (also outside a request: the
    # admissibility decision's closing, the demo, a script).
    with membership_cache():
        closure.resolved = _resolve(actor=on_behalf, case=case)
    case.status = CaseStatus.CLOSED
    case.close_reason = closure.reason
    case.closed_at = timezone.now()
    case.full_clean(exclude=["territory"])
    case.save(update_fields=["status", "close_reason", "closed_at", "last_modified"])
    closure.status = ClosureStatus.CLOSED
    closure.full_clean()
    closure.save()
    return closure


def _refuse_unless_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is already closed.")})


def _clean_reason(*, reason: str, reason_text: str, allowed: tuple[str, ...]) -> str:
    if reason not in allowed:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    text = reason_text.strip()
    if reason == CaseCloseReason.OTHER and not text:
        raise ValidationError({"reason_text": _("Say what the other reason is.")})
    return text


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, reason_text: str = "") -> CaseClosure:
    """Close at once, without verification: the admissibility decision and the demo."""
    case_team_require(actor=actor, case=case)
    text = _clean_reason(reason=reason, reason_text=reason_text, allowed=tuple(CaseCloseReason))
    locked = _case_locked(case)
    _refuse_unless_open(locked)
    CaseClosure.objects.filter(case=case, status=ClosureStatus.REQUESTED).update(
        status=ClosureStatus.CANCELLED, decided_at=timezone.now(), decided_by=actor
    )
    closure = CaseClosure(case=case, reason=reason, reason_text=text, requested_by=actor)
    closure.decided_by, closure.decided_at = actor, timezone.now()
    return _close_now(actor=actor, case=case, closure=closure)


@transaction.atomic
def case_closure_request(
    *, actor: User, case: Case, reason: str, reason_text: str = ""
) -> CaseClosure:
    """Ask to close; "rights restored" waits for a colleague's verification, others close."""
    case_team_require(actor=actor, case=case)
    text = _clean_reason(reason=reason, reason_text=reason_text, allowed=REQUESTABLE_REASONS)
    locked = _case_locked(case)
    _refuse_unless_open(locked)
    if CaseClosure.objects.filter(case=case, status=ClosureStatus.REQUESTED).exists():
        raise ValidationError({"case": _("This case already has a closure waiting.")})
    closure = CaseClosure(case=case, reason=reason, reason_text=text, requested_by=actor)
    if reason not in VERIFIED_CLOSE_REASONS:
        closure.decided_by, closure.decided_at = actor, timezone.now()
        return _close_now(actor=actor, case=case, closure=closure)
    closure.full_clean()
    closure.save()
    waits = _("The closure of case %(code)s waits for verification.") % {"code": case.code}
    case_team_notify(
        case=case, text=waits, kind=NotificationKind.REQUEST, link=f"/casos/{case.pk}/cierre/"
    )
    notification_send(
        users=[user for user in _closure_verifiers(case=case) if user.pk != actor.pk],
        kind=NotificationKind.REQUEST,
        case_code=case.code,
        text=waits,
        link=f"/casos/{case.pk}/cierre/",
    )
    return closure


def closure_verifier_kind(*, case: Case) -> str:
    """Who verifies a "rights restored" closure of this case (seed 004, process base #9).

    ``authority``: the authority on the case team, where there is one; ``supervisor``:
    otherwise a supervisor of the lead organization, where it has any; ``colleague``:
    otherwise another caseworker of the lead team (four eyes, never one person alone).
    """
    if case_authority_organization_ids(case=case):
        return "authority"
    if organization_supervisors(organization_id=case.organization_id):
        return "supervisor"
    return "colleague"


def closure_can_verify(*, user: Any, closure: CaseClosure) -> bool:
    """Whether the user verifies this waiting closure: never who asked for it."""
    return closure.status == ClosureStatus.REQUESTED and _may_verify(user=user, closure=closure)


def _may_verify(*, user: Any, closure: CaseClosure) -> bool:
    """Who verifies the case's closures, whatever this one's state (the lock tells that)."""
    if not user.is_authenticated or user.pk == closure.requested_by_id:
        return False
    case = closure.case
    kind = closure_verifier_kind(case=case)
    if kind == "authority":
        return bool(
            case_member_organization_ids(user=user) & case_authority_organization_ids(case=case)
        )
    if kind == "supervisor":
        return case.organization_id in case_supervisor_organization_ids(user=user)
    return case_can_work(user=user, case=case)


def case_get_for_verifier(*, user: Any, case_id: UUID) -> Case | None:
    """The lead team's case, or one whose waiting closure the user verifies (the
    authority on its team, a supervisor of its lead team); None for anyone else."""
    case = case_get_for_user(user=user, case_id=case_id)
    if case is not None:
        return case
    found = case_get_for_case_team(user=user, case_id=case_id)
    if found is None:
        return None
    pending = CaseClosure.objects.filter(case=found[0], status=ClosureStatus.REQUESTED).first()
    verifies = pending is not None and closure_can_verify(user=user, closure=pending)
    return found[0] if verifies else None


def _closure_verifiers(*, case: Case) -> list[User]:
    kind = closure_verifier_kind(case=case)
    if kind == "authority":
        return case_partner_users(case=case, roles=(PartnerRole.AUTHORITY,))
    if kind == "supervisor":
        return organization_supervisors(organization_id=case.organization_id)
    return []  # the team is told anyway


def _closure_locked(*, closure: CaseClosure) -> tuple[Case, CaseClosure]:
    case = _case_locked(closure.case)
    locked = CaseClosure.objects.select_for_update().get(pk=closure.pk)
    if locked.status != ClosureStatus.REQUESTED:
        raise ValidationError({"closure": _("This closure was already decided.")})
    return case, locked


@transaction.atomic
def case_closure_verify(
    *, actor: User, closure: CaseClosure, approve: bool, note: str = ""
) -> CaseClosure:
    """The second person verifies (the case closes) or refuses (it stays open, said why)."""
    if actor.pk == closure.requested_by_id:
        raise PermissionDenied(_("Someone other than who asked must verify a closure."))
    if not _may_verify(user=actor, closure=closure):
        raise PermissionDenied(_("Only the authority on the case team verifies this closure."))
    case, locked = _closure_locked(closure=closure)
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the closure is refused.")})
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note
    if approve:
        _close_now(actor=actor, case=case, closure=locked)
    else:
        locked.status = ClosureStatus.REFUSED
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    closure.status = locked.status
    case_team_notify(
        case=case,
        kind=NotificationKind.CASE_UPDATE,
        text=(
            _("Case %(code)s is closed: the closure was verified.")
            if approve
            else _("The closure of case %(code)s was refused; the case stays open.")
        )
        % {"code": case.code},
    )
    return locked


@transaction.atomic
def case_closure_cancel(*, actor: User, closure: CaseClosure) -> CaseClosure:
    """Who asked, or anyone of the team, takes back a closure still waiting."""
    case_team_require(actor=actor, case=closure.case)
    _case, locked = _closure_locked(closure=closure)
    locked.status = ClosureStatus.CANCELLED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    closure.status = locked.status
    return locked


def _reopen(
    *, actor: User, case: Case, reason: str = "", alert: Alert | None = None
) -> CaseReopening:
    last = case.closures.filter(status=ClosureStatus.CLOSED).order_by("-decided_at").first()
    reopening = CaseReopening(
        case=case,
        closure=last,
        reopened_by=actor,
        reason=reason,
        alert=alert,
        previous_reason=case.close_reason,
        previous_closed_at=case.closed_at,
    )
    reopening.full_clean()
    reopening.save()
    case.status, case.close_reason, case.closed_at = CaseStatus.OPEN, "", None
    case.full_clean(exclude=["territory"])
    case.save(update_fields=["status", "close_reason", "closed_at", "last_modified"])
    case_changed.send(sender=Case, case=case)
    return reopening


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> CaseReopening:
    """Open a closed case again by decision of its team: its record and history stay."""
    case_team_require(actor=actor, case=case)
    locked = _case_locked(case)
    if locked.status != CaseStatus.CLOSED:
        raise ValidationError({"case": _("The case is open.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is opened again.")})
    reopening = _reopen(actor=actor, case=case, reason=reason)
    case_team_notify(
        case=case,
        text=_("Case %(code)s was reopened.") % {"code": case.code},
        kind=NotificationKind.CASE_UPDATE,
    )
    return reopening


def case_reopen_by_alert(*, actor: User, case: Case, alert: Alert) -> CaseReopening | None:
    """A new alert on a closed case attaches to it and opens it again (a successive alert).

    Called inside ``alert_raise``'s transaction with the case already locked; the raiser
    need not belong to the team, which learns of it by the alert's notification.
    """
    if case.status != CaseStatus.CLOSED:
        return None
    return _reopen(actor=actor, case=case, alert=alert)
